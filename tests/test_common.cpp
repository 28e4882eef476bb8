#include "test_common.h"

#include "support/dtype_convert.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

namespace vknorm_test {

namespace {
std::unique_ptr<HostDevice> g_host, g_shared, g_sync;
bool g_host_failed = false, g_shared_failed = false, g_sync_failed = false;

std::unique_ptr<HostDevice> make_host(bool force_shared, bool* failed) {
  vknorm_support::HostOptions o;
  o.force_shared_memory_reduction = force_shared;
  std::string err;
  auto d = HostDevice::create(o, &err);
  if (!d) {
    *failed = true;
    std::fprintf(stderr, "HostDevice::create failed: %s\n", err.c_str());
  } else if (!force_shared) {
    const auto& i = d->info();
    std::fprintf(stderr,
                 "vknorm tests on %s (%s), subgroup %u [%u..%u], arithmetic %d, shared-reduction %d, "
                 "validation %s\n",
                 i.name.c_str(), vknorm::device_class_name(i.device_class), i.subgroup_size,
                 i.min_subgroup_size, i.max_subgroup_size, i.subgroup_arithmetic ? 1 : 0,
                 i.shared_memory_reduction ? 1 : 0,
                 d->validation_enabled() ? d->validation_description().c_str() : "OFF");
  }
  return d;
}
}  // namespace

void release_devices() {
  g_sync.reset();
  g_shared.reset();
  g_host.reset();
}

HostDevice& host() {
  if (!g_host && !g_host_failed) g_host = make_host(false, &g_host_failed);
  REQUIRE_MESSAGE(g_host != nullptr, "no Vulkan device could be created");
  return *g_host;
}

HostDevice& sync_host() {
  if (!g_sync && !g_sync_failed) {
    vknorm_support::HostOptions o;
    o.sync_validation = true;
    o.context_scratch_bytes = 64 << 20;  // tests/test_sync.cpp uses the context's scratch
    std::string err;
    g_sync = HostDevice::create(o, &err);
    if (!g_sync) {
      g_sync_failed = true;
      std::fprintf(stderr, "HostDevice::create (synchronization validation) failed: %s\n", err.c_str());
    }
  }
  REQUIRE_MESSAGE(g_sync != nullptr, "no Vulkan device with synchronization validation could be created");
  return *g_sync;
}

HostDevice& shared_reduction_host() {
  if (!g_shared && !g_shared_failed) g_shared = make_host(true, &g_shared_failed);
  REQUIRE_MESSAGE(g_shared != nullptr, "no Vulkan device could be created");
  return *g_shared;
}

ValidationScope::ValidationScope(HostDevice& d) : dev_(d) { dev_.clear_validation_messages(); }

ValidationScope::~ValidationScope() {
  const auto msgs = dev_.validation_messages();
  dev_.clear_validation_messages();
  if (std::uncaught_exceptions() > 0) return;  // already failing (REQUIRE); messages printed
  std::string all;
  for (const auto& m : msgs) all += "\n  " + m;
  CHECK_MESSAGE(msgs.empty(), "validation layer messages:" << all);
}

CaseResult check_case(HostDevice& dev, const CaseSpec& spec, bool keep_values) {
  vknorm_support::CaseRunOptions o;
  o.keep_values = keep_values;
  CaseResult r = vknorm_support::run_case(dev, spec, o);
  if (r.skipped) {
    MESSAGE("skipped: " << spec.label() << ": " << r.skip_reason);
    return r;
  }
  CHECK_MESSAGE(r.pass, spec.label() << " [config " << vknorm::to_string(r.config) << "]: "
                                     << r.failure);
  return r;
}

const vknorm_support::OpCase* op_case(const std::string& name) {
  const vknorm_support::OpCase* c = vknorm_support::find_op_case(name);
  REQUIRE_MESSAGE(c != nullptr, "no op case " << name);
  return c;
}

CaseSpec op_spec(const std::string& op, DType dt, std::vector<int64_t> shape, bool affine, DataKind data,
                 uint64_t seed) {
  CaseSpec s;
  s.op = op_case(op);
  s.dtype = dt;
  s.shape = std::move(shape);
  s.affine = affine;
  s.data = data;
  s.seed = seed;
  return s;
}

CaseSpec rms(DType dt, std::vector<int64_t> shape, double eps, bool affine, DataKind data,
             uint64_t seed) {
  CaseSpec s = op_spec("rms_norm", dt, std::move(shape), affine, data, seed);
  s.eps = eps;
  return s;
}

CaseSpec ln(DType dt, std::vector<int64_t> shape, int nr, double eps, bool affine, DataKind data,
            uint64_t seed) {
  CaseSpec s = rms(dt, std::move(shape), eps, affine, data, seed);
  s.op = op_case("layer_norm");
  s.normalized_rank = nr;
  return s;
}

namespace {
// A backward pass's spec: rms()'s, then the op and normalized_rank.
CaseSpec backward_spec(const char* op, DType dt, std::vector<int64_t> shape, int nr, bool affine, DataKind data,
                       uint64_t seed) {
  CaseSpec s = rms(dt, std::move(shape), 1e-5, affine, data, seed);
  s.op = op_case(op);
  s.normalized_rank = nr;
  return s;
}
}  // namespace

CaseSpec ln_bwd(DType dt, std::vector<int64_t> shape, int nr, bool affine, DataKind data, uint64_t seed) {
  return backward_spec("layer_norm_backward", dt, std::move(shape), nr, affine, data, seed);
}

CaseSpec rms_bwd(DType dt, std::vector<int64_t> shape, int nr, bool affine, DataKind data, uint64_t seed) {
  return backward_spec("rms_norm_backward", dt, std::move(shape), nr, affine, data, seed);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void check_same_outputs(const CaseResult& a, const CaseResult& b) {
  REQUIRE(a.outputs.size() == b.outputs.size());
  for (size_t k = 0; k < a.outputs.size(); ++k)
    CHECK_MESSAGE(same_bits(a.outputs[k].got, b.outputs[k].got), a.outputs[k].name << " differs between two identical runs");
}

vknorm::ContextCreateInfo same_device_context_info(HostDevice& dev) {
  vknorm::ContextCreateInfo ci{};
  ci.instance = dev.instance();
  ci.physical_device = dev.physical_device();
  ci.device = dev.device();
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  ci.enabled = dev.info().enabled;
  return ci;
}

vknorm::KernelConfig row_config(uint32_t wg, uint32_t items, uint32_t vec, uint32_t rows, uint32_t split) {
  vknorm::KernelConfig c;
  c.workgroup_size = wg;
  c.items_per_invocation = items;
  c.vector_width = vec;
  c.rows_per_workgroup = rows;
  c.split = split;
  return c;
}

std::vector<CaseSpec> placements(const CaseSpec& base, VkDeviceSize misalign) {
  std::vector<CaseSpec> out;
  CaseSpec s = base;
  if (base.op->supports_in_place()) {
    s.in_place = true;
    out.push_back(s);
  }
  s = base;
  s.by_address = true;
  out.push_back(s);
  s = base;
  s.misalign_bytes = misalign;
  out.push_back(s);
  if (base.op->has_optional_outputs()) {
    s = base;
    s.optional_outputs = false;
    out.push_back(s);
  }
  return out;
}

void check_in_place_matches(HostDevice& dev, CaseSpec spec) {
  CAPTURE(spec.label());
  spec.in_place = false;
  const CaseResult a = check_case(dev, spec, true);
  spec.in_place = true;
  const CaseResult b = check_case(dev, spec, true);
  if (a.skipped || b.skipped) return;
  check_same_outputs(a, b);
}

TestBuffer::TestBuffer(HostDevice& d, VkDeviceSize bytes) : dev(&d) {
  std::string err;
  buf = d.create_buffer(bytes, false, &err);
  REQUIRE_MESSAGE(buf.buffer != VK_NULL_HANDLE, err);
  poison();
}

TestBuffer::~TestBuffer() { dev->destroy_buffer(buf); }

void TestBuffer::poison() { dev->fill(buf, kPoisonWord); }

bool TestBuffer::poisoned() const {
  std::vector<uint8_t> bytes(static_cast<size_t>(buf.size));
  dev->download(buf, bytes.data(), bytes.size());
  uint8_t w[4];
  std::memcpy(w, &kPoisonWord, 4);
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != w[i & 3]) return false;
  return true;
}

vknorm::Tensor view(const TestBuffer& b, DType dt, std::vector<int64_t> shape, VkDeviceSize offset) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return vknorm::Tensor::contiguous(b.buf.buffer, offset, static_cast<VkDeviceSize>(n) * vknorm::dtype_size(dt), dt,
                                    shape);
}

vknorm::Tensor view_of(HostDevice& dev, const TestBuffer& b, DType dt, std::vector<int64_t> shape,
                       std::vector<int64_t> strides, VkDeviceSize offset) {
  if (dev.info().buffers_need_device_address)
    return vknorm::Tensor::strided_at(b.buf.address + offset, dt, shape, strides);
  return vknorm::Tensor::strided(b.buf.buffer, offset, dt, shape, strides);
}

std::unique_ptr<TestBuffer> upload(HostDevice& dev, const std::vector<double>& v, DType dt) {
  const std::vector<uint8_t> bytes = vknorm_support::encode(v, dt);
  auto b = std::make_unique<TestBuffer>(dev, std::max<VkDeviceSize>(bytes.size(), 16));
  dev.upload(b->buf, bytes.data(), bytes.size());
  return b;
}

std::vector<double> download(HostDevice& dev, const TestBuffer& b, size_t n, DType dt) {
  std::vector<uint8_t> bytes(n * vknorm::dtype_size(dt));
  dev.download(b.buf, bytes.data(), bytes.size());
  return vknorm_support::decode(bytes, dt);
}

}  // namespace vknorm_test
