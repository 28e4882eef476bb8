// run_case: one operator invocation on a HostDevice, checked against the fp64 reference.
// Generic over OpCase: the op case names the tensors, binds the arguments and checks the
// outputs; this file allocates guarded, poisoned buffers, records, and compares.
#include "support/op_case.h"

#include "support/dtype_convert.h"
#include "support/op_registry.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>

namespace vknorm_support {

namespace {

constexpr uint32_t kPoison = 0xFFFF7FBFu;  // NaN as f32 and as every 16-bit half (f16, bf16)
constexpr VkDeviceSize kLeadGuard = 256;   // bytes before each view (keeps the base aligned)
constexpr VkDeviceSize kTailGuard = 64;    // bytes after each view

bool poison_intact(const std::vector<uint8_t>& bytes, size_t begin, size_t end, size_t* bad) {
  uint8_t w[4];
  std::memcpy(w, &kPoison, 4);
  for (size_t i = begin; i < end && i < bytes.size(); ++i)
    if (bytes[i] != w[i & 3]) {
      if (bad) *bad = i;
      return false;
    }
  return true;
}

struct DevTensor {
  std::string name;
  bool output = false;
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> host;  // inputs: the uploaded bytes
  Buffer buf;
  VkDeviceSize offset = 0, bytes = 0;
  vknorm::Tensor view;
};

class CaseRunner {
 public:
  CaseRunner(HostDevice& dev, const CaseSpec& spec, const CaseRunOptions& opt, CaseResult* res)
      : dev_(dev), spec_(spec), opt_(opt), res_(*res) {}
  ~CaseRunner() {
    for (auto& t : tensors_) dev_.destroy_buffer(t.buf);
    dev_.destroy_buffer(scratch_);
  }

  void run();

 private:
  DevTensor* add(const std::string& name, bool output, vknorm::DType dtype,
                 std::vector<int64_t> shape, const std::vector<double>* values);
  bool allocate();
  vknorm::Tensor scratch_view(VkDeviceSize bytes);
  void fail(const std::string& why) {
    if (res_.failure.empty()) res_.failure = why;
  }
  bool outputs_fully_poisoned(std::string* where);
  bool guards_intact(std::string* where);
  void check(const std::string& name, const std::vector<double>& ref, Tolerance tol,
             const std::function<void(std::vector<double>&)>& adjust_got = nullptr);
  DevTensor* find(const std::string& name) {
    for (auto& t : tensors_)
      if (t.name == name) return &t;
    return nullptr;
  }

  HostDevice& dev_;
  const CaseSpec& spec_;
  const CaseRunOptions& opt_;
  CaseResult& res_;
  std::vector<DevTensor> tensors_;
  Buffer scratch_;
  std::vector<std::vector<uint8_t>> downloaded_;  // per tensor, whole buffer, after the run
};

DevTensor* CaseRunner::add(const std::string& name, bool output, vknorm::DType dtype,
                           std::vector<int64_t> shape, const std::vector<double>* values) {
  DevTensor t;
  t.name = name;
  t.output = output;
  t.dtype = dtype;
  int64_t n = 1;
  for (int64_t d : shape) n *= std::max<int64_t>(d, 0);
  t.shape = std::move(shape);
  t.bytes = static_cast<VkDeviceSize>(n) * vknorm::dtype_size(dtype);
  t.offset = kLeadGuard + spec_.misalign_bytes;
  if (values) t.host = encode(*values, dtype);
  tensors_.push_back(std::move(t));
  return &tensors_.back();
}

bool CaseRunner::allocate() {
  for (auto& t : tensors_) {
    const VkDeviceSize size = (t.offset + t.bytes + kTailGuard + 3) & ~VkDeviceSize(3);
    std::string err;
    t.buf = dev_.create_buffer(size, false, &err);
    if (!t.buf.buffer) {
      fail("allocating " + t.name + " (" + std::to_string(size) + " bytes) failed: " + err);
      return false;
    }
    dev_.fill(t.buf, kPoison);
    if (!t.host.empty()) dev_.upload(t.buf, t.host.data(), t.host.size(), t.offset);
    if (spec_.by_address) {
      t.view = vknorm::Tensor::contiguous_at(t.buf.address + t.offset, t.bytes, t.dtype, t.shape);
    } else {
      t.view = vknorm::Tensor::contiguous(t.buf.buffer, t.offset, t.bytes, t.dtype, t.shape);
    }
  }
  return true;
}

vknorm::Tensor CaseRunner::scratch_view(VkDeviceSize bytes) {
  std::string err;
  scratch_ = dev_.create_buffer(bytes, false, &err);
  if (!scratch_.buffer) {
    fail("allocating scratch (" + std::to_string(bytes) + " bytes) failed: " + err);
    return {};
  }
  // Scratch holds garbage in an engine: all ones (NaN partials) catches a kernel that reads
  // scratch it did not write first.
  dev_.fill(scratch_, 0xffffffffu);
  const std::vector<int64_t> shape{static_cast<int64_t>((bytes + 3) / 4)};
  if (spec_.by_address) return vknorm::Tensor::contiguous_at(scratch_.address, bytes, vknorm::DType::f32, shape);
  return vknorm::Tensor::contiguous(scratch_.buffer, 0, bytes, vknorm::DType::f32, shape);
}

bool CaseRunner::outputs_fully_poisoned(std::string* where) {
  for (auto& t : tensors_) {
    if (!t.output) continue;
    std::vector<uint8_t> bytes(static_cast<size_t>(t.buf.size));
    dev_.download(t.buf, bytes.data(), bytes.size());
    size_t bad = 0;
    if (!t.host.empty()) {  // an in-place output: its input values must still be there
      if (std::memcmp(bytes.data() + t.offset, t.host.data(), t.host.size()) != 0) {
        *where = t.name + " (in place) was modified";
        return false;
      }
      continue;
    }
    if (!poison_intact(bytes, 0, bytes.size(), &bad)) {
      *where = t.name + " byte " + std::to_string(bad);
      return false;
    }
  }
  return true;
}

bool CaseRunner::guards_intact(std::string* where) {
  for (size_t k = 0; k < tensors_.size(); ++k) {
    const DevTensor& t = tensors_[k];
    const std::vector<uint8_t>& bytes = downloaded_[k];
    size_t bad = 0;
    const size_t b = static_cast<size_t>(t.offset), e = static_cast<size_t>(t.offset + t.bytes);
    if (!poison_intact(bytes, 0, b, &bad) || !poison_intact(bytes, e, bytes.size(), &bad)) {
      *where = "write outside the view of " + t.name + " at buffer byte " + std::to_string(bad) +
               " (view is [" + std::to_string(b) + ", " + std::to_string(e) + "))";
      return false;
    }
    if (!t.output && !t.host.empty() &&
        std::memcmp(bytes.data() + b, t.host.data(), t.host.size()) != 0) {
      *where = "input " + t.name + " was modified";
      return false;
    }
  }
  return true;
}

void CaseRunner::check(const std::string& name, const std::vector<double>& ref, Tolerance tol,
                       const std::function<void(std::vector<double>&)>& adjust_got) {
  size_t k = 0;
  while (k < tensors_.size() && tensors_[k].name != name) ++k;
  if (k == tensors_.size()) return;
  const DevTensor& t = tensors_[k];
  const auto& all = downloaded_[k];
  std::vector<uint8_t> bytes(all.begin() + static_cast<std::ptrdiff_t>(t.offset),
                             all.begin() + static_cast<std::ptrdiff_t>(t.offset + t.bytes));
  OutputCheck oc;
  oc.name = name;
  std::vector<double> got = decode(bytes, t.dtype);
  if (adjust_got) adjust_got(got);
  oc.stats = compare(got, ref, tol);
  if (got.size() != ref.size())
    fail(name + ": " + std::to_string(got.size()) + " elements, reference has " +
         std::to_string(ref.size()));
  else if (!oc.stats.pass)
    fail(name + ": " + oc.stats.summary());
  if (opt_.keep_values) {
    oc.got = std::move(got);
    oc.ref = ref;
  }
  res_.outputs.push_back(std::move(oc));
}

void CaseRunner::run() {
  const vknorm::DeviceInfo& info = dev_.info();
  const vknorm::DType dt = spec_.dtype;
  if (!spec_.op) {
    fail("the case names no operator");
    return;
  }
  const OpCase& op = *spec_.op;
  if (dt != vknorm::DType::f32 && !info.supports(dt)) {
    res_.skipped = true;
    res_.skip_reason = std::string("device lacks ") + vknorm::dtype_name(dt) + " storage";
    return;
  }
  if (spec_.by_address && !info.enabled.buffer_device_address) {
    res_.skipped = true;
    res_.skip_reason = "context lacks buffer_device_address";
    return;
  }
  if (spec_.f32_params && !op.accepts_f32_params()) {
    fail(std::string(op.name()) + " takes weight / bias in x's dtype only (f32_params)");
    return;
  }
  if (spec_.f32_residual && !op.accepts_f32_residual()) {
    fail(std::string(op.name()) + " has no fp32 residual stream (f32_residual)");
    return;
  }
  const std::string skip = op.skip_reason(spec_);
  if (!skip.empty()) {
    res_.skipped = true;
    res_.skip_reason = skip;
    return;
  }

  CaseInputs in = op.make_inputs(spec_);
  // In place: one tensor named after the output, uploaded with the input's values, passed as
  // both (the op's in_place_input() is looked up as its in_place_output()).
  const bool in_place = spec_.in_place && op.supports_in_place();
  const std::string in_name = op.in_place_input(), out_name = op.in_place_output();
  std::vector<TensorRole> roles = op.tensors(spec_, in);
  for (const TensorRole& r : roles)
    if (!info.supports(r.dtype)) {  // an output dtype beyond the spec's (int8 y)
      res_.skipped = true;
      res_.skip_reason = std::string("device lacks ") + vknorm::dtype_name(r.dtype) + " storage";
      return;
    }
  const std::vector<double>* in_place_values = nullptr;
  for (const TensorRole& r : roles)
    if (in_place && r.name == in_name) in_place_values = r.values;
  for (const TensorRole& r : roles) {
    if (in_place && r.name == in_name) continue;
    const std::vector<double>* values = in_place && r.name == out_name ? in_place_values : r.values;
    add(r.name, r.output, r.dtype, r.shape, values);
  }
  if (!allocate()) return;
  auto view = [&](const std::string& role) {
    DevTensor* t = find(in_place && role == in_name ? out_name : role);
    return t ? t->view : vknorm::Tensor{};
  };
  OpParams params;
  params.normalized_rank = spec_.normalized_rank;
  params.eps = spec_.eps;
  params.weight_offset = spec_.weight_offset;
  params.momentum = spec_.momentum;
  params.groups = spec_.groups;
  params.activation = spec_.activation;
  params.config = spec_.config;
  std::unique_ptr<BoundOp> call = op.bind(view, params);

  VkDeviceSize scratch_bytes = 0;
  const vknorm::Error serr = call->scratch_size(dev_.context(), &scratch_bytes);
  if (serr.ok() && scratch_bytes > 0) {
    // An op without a scratch tensor (rms_norm) can only use the context's scratch.
    if (call->takes_scratch()) {
      vknorm::Tensor s = scratch_view(scratch_bytes);
      if (!s.is_set()) return;
      call->set_scratch(s);
    }
  }
  const vknorm::Error cerr = call->select(dev_.context(), &res_.config);
  if (opt_.repeats > 1 && in_place) {
    fail("repeats > 1 with an in-place spec: the second call would read the first one's output");
    return;
  }

  vknorm::Error rerr;
  const VkResult vr = dev_.run([&](VkCommandBuffer cmd) {
    for (int k = 0; k < std::max(1, opt_.repeats) && rerr.ok(); ++k) {
      if (k > 0 && opt_.barrier_between) {
        VkMemoryBarrier mb{};
        mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
        mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
        mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                             &mb, 0, nullptr, 0, nullptr);
      }
      rerr = call->record(dev_.context(), cmd);
    }
  });
  if (!rerr.ok()) {
    res_.error = rerr;
    std::string where;
    res_.outputs_untouched = vr == VK_SUCCESS && outputs_fully_poisoned(&where);
    fail(std::string("record failed: ") + vknorm::status_name(rerr.status) + ": " + rerr.message);
    if (!res_.outputs_untouched) fail("outputs modified after a refused call: " + where);
    return;
  }
  if (!serr.ok()) fail(std::string("scratch_size failed but record succeeded: ") + serr.message);
  if (!cerr.ok()) fail(std::string("select_config failed but record succeeded: ") + cerr.message);
  if (vr != VK_SUCCESS) {
    fail("submission failed: VkResult " + std::to_string(static_cast<int>(vr)));
    return;
  }
  res_.ran = true;

  downloaded_.resize(tensors_.size());
  for (size_t k = 0; k < tensors_.size(); ++k) {
    downloaded_[k].resize(static_cast<size_t>(tensors_[k].buf.size));
    dev_.download(tensors_[k].buf, downloaded_[k].data(), downloaded_[k].size());
  }
  std::string where;
  if (!guards_intact(&where)) fail(where);
  if (!in.valid) {
    fail("the library accepted a shape that does not fit the op");
    return;
  }
  in.calls = std::max(1, opt_.repeats);
  op.check_outputs(spec_, in, [this](const std::string& name, const std::vector<double>& ref,
                                     Tolerance tol,
                                     const std::function<void(std::vector<double>&)>& adjust) {
    check(name, ref, tol, adjust);
  });
}

}  // namespace

CaseResult run_case(HostDevice& device, const CaseSpec& spec, const CaseRunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  CaseResult res;
  {
    CaseRunner runner(device, spec, options, &res);
    runner.run();
  }
  res.pass = res.ran && !res.skipped && res.failure.empty();
  res.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace vknorm_support
