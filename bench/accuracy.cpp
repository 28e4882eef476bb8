#include "accuracy.h"

#include "support/dtype_convert.h"
#include "support/op_registry.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vknorm_bench {

using vknorm::DType;
using vknorm_support::Buffer;
using vknorm_support::HostDevice;

namespace {

// Copies the elements `index` (of size `es`) of `src` to the host, in one submission.
bool gather(HostDevice& dev, const Buffer& src, const std::vector<int64_t>& index, size_t es,
            std::vector<uint8_t>* out) {
  out->assign(index.size() * es, 0);
  if (index.empty()) return true;
  std::string err;
  Buffer staging = dev.create_buffer(out->size(), true, &err);
  if (staging.buffer == VK_NULL_HANDLE || !staging.mapped) {
    if (staging.buffer != VK_NULL_HANDLE) dev.destroy_buffer(staging);
    return false;
  }
  std::vector<VkBufferCopy> regions;
  for (size_t i = 0; i < index.size(); ++i) {
    const VkDeviceSize s = static_cast<VkDeviceSize>(index[i]) * es, d = i * es;
    if (!regions.empty() && regions.back().srcOffset + regions.back().size == s &&
        regions.back().dstOffset + regions.back().size == d)
      regions.back().size += es;  // merge runs of consecutive elements
    else
      regions.push_back({s, d, es});
  }
  const VkResult r = dev.run([&](VkCommandBuffer cmd) {
    VkMemoryBarrier before{};
    before.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    before.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    before.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                         1, &before, 0, nullptr, 0, nullptr);
    vkCmdCopyBuffer(cmd, src.buffer, staging.buffer, static_cast<uint32_t>(regions.size()),
                    regions.data());
    VkMemoryBarrier after{};
    after.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    after.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    after.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                         &after, 0, nullptr, 0, nullptr);
  });
  if (r == VK_SUCCESS) std::memcpy(out->data(), staging.mapped, out->size());
  dev.destroy_buffer(staging);
  return r == VK_SUCCESS;
}

std::vector<double> gather_values(HostDevice& dev, const Buffer& src,
                                  const std::vector<int64_t>& index, DType dt, bool* ok) {
  std::vector<uint8_t> bytes;
  if (!gather(dev, src, index, vknorm::dtype_size(dt), &bytes)) {
    *ok = false;
    return {};
  }
  return vknorm_support::decode(bytes, dt);
}

std::vector<double> download_all(HostDevice& dev, const Buffer& src, int64_t n, DType dt) {
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * vknorm::dtype_size(dt));
  dev.download(src, bytes.data(), bytes.size());
  return vknorm_support::decode(bytes, dt);
}

void add(Accuracy* a, const char* name, const std::vector<double>& got,
         const std::vector<double>& ref, DType dt, int64_t reduction) {
  OutputError o;
  o.name = name;
  o.stats = vknorm_support::compare(got, ref, vknorm_support::tolerance_for(dt, reduction));
  a->outputs.push_back(std::move(o));
}

// The finished run as the op cases' sampled checks see it.
class WorkloadRun : public vknorm_support::SampledRun {
 public:
  explicit WorkloadRun(Workload& w) : w_(w) {}
  double input(const std::string& role, uint64_t i) const override { return w_.pattern(role).at(i); }
  const std::vector<double>& param(const std::string& role) const override { return w_.param(role); }
  std::vector<double> gather(const std::string& role, const std::vector<int64_t>& index, DType dt,
                             bool* ok) override {
    return gather_values(w_.device(), w_.buffer(role), index, dt, ok);
  }
  std::vector<double> download(const std::string& role, int64_t n, DType dt) override {
    return download_all(w_.device(), w_.buffer(role), n, dt);
  }

 private:
  Workload& w_;
};

}  // namespace

bool Accuracy::pass() const {
  if (!ran || !error.empty()) return false;
  for (const OutputError& o : outputs)
    if (!o.stats.pass) return false;
  return true;
}

double Accuracy::max_abs() const {
  double m = 0;
  for (const OutputError& o : outputs) m = std::max(m, o.stats.max_abs);
  return m;
}

std::string Accuracy::summary() const {
  if (!ran) return "not checked" + (error.empty() ? std::string() : ": " + error);
  std::string s;
  char buf[96];
  for (const OutputError& o : outputs) {
    std::snprintf(buf, sizeof(buf), "%s%s %.2g%s", s.empty() ? "" : ", ", o.name.c_str(),
                  o.stats.max_abs, o.stats.pass ? "" : " FAIL");
    s += buf;
  }
  if (!error.empty()) s += " (" + error + ")";
  return s;
}

Accuracy check_accuracy(Workload& w, int64_t max_samples) {
  Accuracy a;
  vknorm::Error e;
  const VkResult r = w.device().run([&](VkCommandBuffer cmd) {
    w.device().full_barrier(cmd);
    e = w.record(cmd);
  });
  if (!e.ok() || r != VK_SUCCESS) {
    a.error = e.ok() ? "submission failed" : e.message;
    return a;
  }
  a.ran = true;
  WorkloadRun run(w);
  const BenchCase& c = w.bench_case();
  for (const vknorm_support::OpCase* op : w.parts()) {
    const std::string err = op->sampled_check(
        run, c.bench_shape(), c.eps, max_samples,
        [&](const char* name, const std::vector<double>& got, const std::vector<double>& ref,
            DType dt, int64_t reduction) { add(&a, name, got, ref, dt, reduction); });
    if (!err.empty() && a.error.empty()) a.error = err;
  }
  return a;
}

}  // namespace vknorm_bench
