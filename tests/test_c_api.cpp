// The C API (vknorm/vknorm_c.h) against the C++ API it wraps: same values, same results, same
// bytes written, same errors; the last-error buffer, the *_init defaults and the two-call idiom.
#include <vknorm/vknorm_c.h>

#include "test_common.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Status;
using vknorm::Tensor;

namespace {

vknorm_context c_ctx(HostDevice& dev) { return reinterpret_cast<vknorm_context>(dev.context()); }

vknorm_tensor c_view(VkBuffer b, VkDeviceSize offset_floats, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return vknorm_tensor_contiguous(b, offset_floats * 4, static_cast<VkDeviceSize>(n) * 4, VKNORM_DTYPE_F32,
                                  static_cast<int32_t>(shape.size()), shape.data());
}

Tensor cpp_view(VkBuffer b, VkDeviceSize offset_floats, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return Tensor::contiguous(b, offset_floats * 4, static_cast<VkDeviceSize>(n) * 4, DType::f32, shape);
}

bool same_tensor(const vknorm_tensor& c, const Tensor& t) {
  bool same = c.buffer == t.buffer && c.offset == t.offset && c.address == t.address && c.size == t.size &&
              static_cast<uint32_t>(c.dtype) == static_cast<uint32_t>(t.dtype) && c.rank == t.rank;
  for (int i = 0; i < VKNORM_MAX_RANK; ++i) same = same && c.shape[i] == t.shape[i] && c.strides[i] == t.strides[i];
  return same;
}

void upload_values(HostDevice& dev, const TestBuffer& b, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(b.buf.size / 4));
  uint32_t s = seed * 2654435761u + 1;
  for (float& f : v) {
    s = s * 1664525u + 1013904223u;
    f = static_cast<float>(s >> 8) / static_cast<float>(1u << 24) * 4.0f - 2.0f;
  }
  dev.upload(b.buf, v.data(), v.size() * 4);
}

std::vector<uint8_t> contents(HostDevice& dev, const TestBuffer& b) {
  std::vector<uint8_t> bytes(static_cast<size_t>(b.buf.size));
  dev.download(b.buf, bytes.data(), bytes.size());
  return bytes;
}

std::string last_error() { return vknorm_last_error_message(); }

// One operator's six C entry points, as function pointers: initializing one from the declared
// functions also checks their exact signatures.
template <class CArgs>
struct COperator {
  void (*args_init)(CArgs*);
  vknorm_status (*scratch_size)(vknorm_context, const CArgs*, VkDeviceSize*);
  vknorm_status (*select_config)(vknorm_context, const CArgs*, vknorm_kernel_config*);
  vknorm_status (*prepare)(vknorm_context, const CArgs*);
  vknorm_status (*record)(vknorm_context, VkCommandBuffer, const CArgs*);
  vknorm_status (*describe_dispatches)(vknorm_context, const CArgs*, uint32_t*, vknorm_dispatch_info*);
};
#define VKNORM_TEST_C_ENTRY_POINTS(name)                                                                 \
  COperator<vknorm_##name##_args> {                                                                      \
    vknorm_##name##_args_init, vknorm_##name##_scratch_size, vknorm_select_config_##name,                \
        vknorm_prepare_##name, vknorm_record_##name, vknorm_describe_dispatches_##name                   \
  }

// The C status and the thread's last error equal a C++ result.
void check_same(vknorm_status s, const Error& e) {
  CHECK(static_cast<int>(s) == static_cast<int>(e.status));
  CHECK(last_error() == e.message);
}

// The main input of an operator's C args: x, or q for qk_norm_rope (which has no x).
template <class CArgs>
const vknorm_tensor& main_input(const CArgs& c) { return c.x; }
const vknorm_tensor& main_input(const vknorm_qk_norm_rope_args& c) { return c.q; }

// Walks every entry point of one operator on its args_init() arguments (no tensors) and on
// NULL arguments: the same status and message as the C++ verbs on a default Args, out-values
// zeroed on failure, and args_init() giving the C++ defaults (x empty, no config).
template <class Args, class CArgs>
void walk_c_operator(HostDevice& dev, const COperator<CArgs>& op) {
  vknorm_context ctx = c_ctx(dev);
  vknorm::Context* cpp = dev.context();
  const Args a{};
  op.args_init(nullptr);  // ignored
  CArgs c;
  std::memset(&c, 0xAB, sizeof c);
  op.args_init(&c);
  CHECK(c.config == nullptr);
  CHECK(same_tensor(main_input(c), Tensor{}));

  VkDeviceSize b_c = 7, b_cpp = 7;
  check_same(op.scratch_size(ctx, &c, &b_c), vknorm::scratch_size(cpp, a, &b_cpp));
  CHECK(b_c == b_cpp);
  vknorm_kernel_config ccfg;
  std::memset(&ccfg, 0xAB, sizeof ccfg);
  KernelConfig cfg;
  const Error se = vknorm::select_config(cpp, a, &cfg);
  check_same(op.select_config(ctx, &c, &ccfg), se);
  if (!se.ok()) CHECK(ccfg.workgroup_size == 0);
  if (!se.ok()) CHECK(ccfg.source[0] == '\0');
  check_same(op.prepare(ctx, &c), vknorm::prepare(cpp, a));
  Error re;
  vknorm_status rs = VKNORM_STATUS_OK;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) {
    re = vknorm::record(cpp, cmd, a);
    rs = op.record(ctx, cmd, &c);
  }) == VK_SUCCESS);
  check_same(rs, re);
  std::vector<vknorm::DispatchInfo> d;
  const Error de = vknorm::describe_dispatches(cpp, a, &d);
  uint32_t count = 5;
  vknorm_dispatch_info info[5];
  check_same(op.describe_dispatches(ctx, &c, &count, info), de);
  CHECK(count == (de.ok() ? d.size() : 0));

  // NULL arguments: refused with the argument's name, out-values zeroed.
  b_c = 7;
  CHECK(op.scratch_size(ctx, nullptr, &b_c) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(last_error() == "args is null");
  CHECK(b_c == 0);
  ccfg.workgroup_size = 7;
  CHECK(op.select_config(ctx, nullptr, &ccfg) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(ccfg.workgroup_size == 0);
  CHECK(op.prepare(ctx, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(last_error() == "args is null");
  CHECK(op.record(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(last_error() == "args is null");
  count = 5;
  CHECK(op.describe_dispatches(ctx, nullptr, &count, info) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(last_error() == "args is null");
  CHECK(count == 0);
  CHECK(op.describe_dispatches(ctx, &c, nullptr, info) == VKNORM_STATUS_INVALID_ARGUMENT);
  CHECK(last_error() == "count is null");
}

// One call through both APIs on the same arguments: the same scratch size, configuration and
// dispatch count, and both records succeed (the caller compares what they wrote).
template <class Args, class CArgs>
void call_both(HostDevice& dev, const COperator<CArgs>& op, const Args& a, const CArgs& c) {
  vknorm_context ctx = c_ctx(dev);
  vknorm::Context* cpp = dev.context();
  VkDeviceSize bytes_cpp = 0, bytes_c = 0;
  REQUIRE(vknorm::scratch_size(cpp, a, &bytes_cpp).ok());
  REQUIRE(op.scratch_size(ctx, &c, &bytes_c) == VKNORM_STATUS_OK);
  CHECK(bytes_c == bytes_cpp);
  KernelConfig cfg;
  REQUIRE(vknorm::select_config(cpp, a, &cfg).ok());
  vknorm_kernel_config ccfg;
  REQUIRE(op.select_config(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
  CHECK(ccfg.workgroup_size == cfg.workgroup_size);
  CHECK(std::string(ccfg.case_class) == cfg.case_class);
  CHECK(op.prepare(ctx, &c) == VKNORM_STATUS_OK);
  std::vector<vknorm::DispatchInfo> want;
  REQUIRE(vknorm::describe_dispatches(cpp, a, &want).ok());
  uint32_t count = 0;
  REQUIRE(op.describe_dispatches(ctx, &c, &count, nullptr) == VKNORM_STATUS_OK);
  CHECK(count == want.size());
  Error e;
  vknorm_status st = VKNORM_STATUS_OK;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record(cpp, cmd, a); }) == VK_SUCCESS);
  REQUIRE(e.ok());
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { st = op.record(ctx, cmd, &c); }) == VK_SUCCESS);
  CHECK(st == VKNORM_STATUS_OK);
}

}  // namespace

TEST_SUITE("c_api") {
  TEST_CASE("every operator's six C entry points: signatures, defaults, refusals equal the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    int ops = 0;
#define VKNORM_TEST_C_OPERATOR(name, Args)                                                              \
  {                                                                                                     \
    CAPTURE(#name);                                                                                     \
    walk_c_operator<vknorm::Args>(dev, VKNORM_TEST_C_ENTRY_POINTS(name));                               \
    ++ops;                                                                                              \
  }
    VKNORM_OPERATORS(VKNORM_TEST_C_OPERATOR)
#undef VKNORM_TEST_C_OPERATOR
    CHECK(ops == 15);
  }

  TEST_CASE("enum values, names and version equal the C++ API") {
    CHECK(VKNORM_STATUS_OK == static_cast<int>(Status::ok));
    CHECK(VKNORM_STATUS_INVALID_ARGUMENT == static_cast<int>(Status::invalid_argument));
    CHECK(VKNORM_STATUS_UNSUPPORTED == static_cast<int>(Status::unsupported));
    CHECK(VKNORM_STATUS_OUT_OF_MEMORY == static_cast<int>(Status::out_of_memory));
    CHECK(VKNORM_STATUS_VULKAN_ERROR == static_cast<int>(Status::vulkan_error));
    for (int s = 0; s <= 5; ++s)
      CHECK(std::string(vknorm_status_name(static_cast<vknorm_status>(s))) ==
            vknorm::status_name(static_cast<Status>(s)));
    for (int t = 0; t <= 6; ++t) {
      CHECK(std::string(vknorm_dtype_name(static_cast<vknorm_dtype>(t))) == vknorm::dtype_name(static_cast<DType>(t)));
      CHECK(std::string(vknorm_op_name(static_cast<vknorm_op>(t))) == vknorm::op_name(static_cast<vknorm::Op>(t)));
      CHECK(std::string(vknorm_device_class_name(static_cast<vknorm_device_class>(t))) ==
            vknorm::device_class_name(static_cast<vknorm::DeviceClass>(t)));
    }
    CHECK(vknorm_dtype_size(VKNORM_DTYPE_F32) == 4);
    CHECK(vknorm_dtype_size(VKNORM_DTYPE_BF16) == 2);
    CHECK(vknorm_dtype_size(VKNORM_DTYPE_I8) == 1);
    CHECK(std::string(vknorm_op_name(VKNORM_OP_ADD_RMS_NORM)) == "add_rms_norm");
    CHECK(std::string(vknorm_version_string()) == vknorm::version_string());
    CHECK(vknorm_version() == VKNORM_HEADER_VERSION);
    CHECK(VKNORM_HEADER_VERSION == VKNORM_MAKE_VERSION(0, 2, 0));
  }

  TEST_CASE("init functions give the documented defaults") {
    vknorm_rms_norm_args r;
    std::memset(&r, 0xAB, sizeof r);
    vknorm_rms_norm_args_init(&r);
    CHECK(r.eps == 1e-5f);
    CHECK(r.eps == vknorm::RmsNormArgs{}.eps);
    CHECK(r.config == nullptr);
    CHECK(same_tensor(r.x, Tensor{}));
    CHECK(same_tensor(r.weight, Tensor{}));

    vknorm_layer_norm_args l;
    std::memset(&l, 0xAB, sizeof l);
    vknorm_layer_norm_args_init(&l);
    CHECK(l.eps == 1e-5f);
    CHECK(l.normalized_rank == 1);
    CHECK(l.config == nullptr);
    for (const vknorm_tensor* t : {&l.x, &l.y, &l.weight, &l.bias, &l.mean, &l.rstd, &l.scratch})
      CHECK(same_tensor(*t, Tensor{}));

    vknorm_layer_norm_backward_args b;
    std::memset(&b, 0xAB, sizeof b);
    vknorm_layer_norm_backward_args_init(&b);
    CHECK(b.normalized_rank == 1);
    CHECK(b.config == nullptr);
    for (const vknorm_tensor* t : {&b.dy, &b.x, &b.weight, &b.mean, &b.rstd, &b.dx, &b.dweight, &b.dbias, &b.scratch})
      CHECK(same_tensor(*t, Tensor{}));

    vknorm_rms_norm_backward_args rb;
    std::memset(&rb, 0xAB, sizeof rb);
    vknorm_rms_norm_backward_args_init(&rb);
    CHECK(rb.normalized_rank == 1);
    CHECK(rb.weight_offset == 0.0f);
    CHECK(rb.weight_offset == vknorm::RmsNormBackwardArgs{}.weight_offset);
    CHECK(rb.config == nullptr);
    for (const vknorm_tensor* t : {&rb.dy, &rb.x, &rb.weight, &rb.rstd, &rb.dx, &rb.dweight, &rb.scratch})
      CHECK(same_tensor(*t, Tensor{}));

    vknorm_context_create_info ci;
    std::memset(&ci, 0xAB, sizeof ci);
    vknorm_context_create_info_init(&ci);
    CHECK(ci.instance == VK_NULL_HANDLE);
    CHECK((ci.get_instance_proc_addr == nullptr));
    CHECK(ci.enabled.push_descriptor == VK_FALSE);
    CHECK(ci.context_scratch_bytes == 0);
    CHECK(ci.force_shared_memory_reduction == VK_FALSE);
    CHECK(ci.tuning_cache_path == nullptr);
  }

  TEST_CASE("tensor helpers equal Tensor::contiguous") {
    const VkBuffer b = reinterpret_cast<VkBuffer>(uintptr_t(0x1234));
    const std::vector<int64_t> shape{2, 3, 0, 5};
    CHECK(same_tensor(vknorm_tensor_contiguous(b, 64, 4096, VKNORM_DTYPE_F16, 4, shape.data()),
                      Tensor::contiguous(b, 64, 4096, DType::f16, shape)));
    CHECK(same_tensor(vknorm_tensor_contiguous_at(0x10000, 4096, VKNORM_DTYPE_BF16, 4, shape.data()),
                      Tensor::contiguous_at(0x10000, 4096, DType::bf16, shape)));
    const std::vector<int64_t> nine(9, 2);
    CHECK(same_tensor(vknorm_tensor_contiguous(b, 0, 4096, VKNORM_DTYPE_F32, 9, nine.data()),
                      Tensor::contiguous(b, 0, 4096, DType::f32, nine)));
    CHECK(vknorm_tensor_contiguous(b, 0, 4096, VKNORM_DTYPE_F32, 3, nullptr).rank == 0);
    CHECK(vknorm_tensor_contiguous(b, 0, 4096, VKNORM_DTYPE_F32, -1, shape.data()).rank == 0);
  }

  TEST_CASE("device requirements, feature chain and device info equal the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::DeviceRequirements req;
    REQUIRE(vknorm::query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &req)
                .ok());
    vknorm_device_requirements c;
    REQUIRE(vknorm_query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &c) ==
            VKNORM_STATUS_OK);
    CHECK(last_error().empty());
    CHECK(c.api_version == req.api_version);
    CHECK(c.supported.push_descriptor == VkBool32(req.supported.push_descriptor));
    CHECK(c.supported.buffer_device_address == VkBool32(req.supported.buffer_device_address));
    CHECK(c.supported.storage_buffer_16bit == VkBool32(req.supported.storage_buffer_16bit));
    CHECK(c.supported.subgroup_size_control == VkBool32(req.supported.subgroup_size_control));
    CHECK(c.supported.pipeline_executable_info == VkBool32(req.supported.pipeline_executable_info));
    const vknorm::EnabledFeatures want = req.features_to_enable();
    CHECK(c.features_to_enable.buffer_device_address == VkBool32(want.buffer_device_address));
    CHECK(c.features_to_enable.pipeline_executable_info == VkBool32(want.pipeline_executable_info));
    REQUIRE(c.extension_count == req.extensions.size());
    for (uint32_t i = 0; i < c.extension_count; ++i) CHECK(std::string(c.extensions[i]) == req.extensions[i]);
    REQUIRE(c.optional_extension_count == req.optional_extensions.size());
    for (uint32_t i = 0; i < c.optional_extension_count; ++i)
      CHECK(std::string(c.optional_extensions[i]) == req.optional_extensions[i]);

    vknorm_device_requirements refused;
    refused.extension_count = 99;
    CHECK(vknorm_query_device_requirements(dev.instance(), dev.physical_device(), nullptr, &refused) ==
          VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(!last_error().empty());
    CHECK(refused.extension_count == 0);  // out-values are zeroed on failure

    // The standalone chain: the same structures as the C++ helper's, linked inside *out.
    vknorm::DeviceFeatureChain cpp_chain;
    vknorm::fill_device_feature_chain(want, &cpp_chain);
    cpp_chain.chain();
    vknorm_device_feature_chain chain;
    REQUIRE(vknorm_fill_device_feature_chain(&c.features_to_enable, &chain) == VKNORM_STATUS_OK);
    CHECK(chain.features2.sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
    CHECK(chain.storage16.storageBuffer16BitAccess == cpp_chain.storage16.storageBuffer16BitAccess);
    CHECK(chain.bda.bufferDeviceAddress == cpp_chain.bda.bufferDeviceAddress);
    for (auto* p = static_cast<VkBaseOutStructure*>(chain.features2.pNext); p; p = p->pNext) {
      const auto* base = reinterpret_cast<const uint8_t*>(&chain);
      const auto* at = reinterpret_cast<const uint8_t*>(p);
      CHECK(at > base);
      CHECK(at < base + sizeof chain);  // every link points into the caller's storage
    }

    // Merging into an engine's own chain with a Vulkan 1.2 features struct.
    VkPhysicalDeviceVulkan12Features v12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &v12;
    dci.enabledExtensionCount = c.extension_count;
    dci.ppEnabledExtensionNames = c.extensions;
    vknorm_device_feature_chain storage;
    REQUIRE(vknorm_add_device_features(&c.features_to_enable, VK_API_VERSION_1_2, &dci, &storage) ==
            VKNORM_STATUS_OK);
    CHECK(v12.bufferDeviceAddress == c.features_to_enable.buffer_device_address);
    CHECK(vknorm_add_device_features(&c.features_to_enable, VK_API_VERSION_1_2, nullptr, &storage) ==
          VKNORM_STATUS_INVALID_ARGUMENT);

    const vknorm::DeviceInfo& d = dev.info();
    vknorm_device_info i;
    REQUIRE(vknorm_get_device_info(c_ctx(dev), &i) == VKNORM_STATUS_OK);
    CHECK(std::string(i.name) == d.name);
    CHECK(static_cast<uint32_t>(i.device_class) == static_cast<uint32_t>(d.device_class));
    CHECK(i.vendor_id == d.vendor_id);
    CHECK(i.driver_version == d.driver_version);
    CHECK(std::memcmp(i.uuid, d.uuid, VK_UUID_SIZE) == 0);
    CHECK(i.subgroup_size == d.subgroup_size);
    CHECK(i.subgroup_arithmetic == VkBool32(d.subgroup_arithmetic));
    CHECK(i.max_storage_buffer_range == d.max_storage_buffer_range);
    CHECK(i.enabled.push_descriptor == VkBool32(d.enabled.push_descriptor));
    CHECK(i.enabled.storage_buffer_16bit == VkBool32(d.enabled.storage_buffer_16bit));
    CHECK(vknorm_supports_dtype(c_ctx(dev), VKNORM_DTYPE_F32) == VK_TRUE);
    CHECK(vknorm_supports_dtype(c_ctx(dev), VKNORM_DTYPE_F16) == VkBool32(d.supports(DType::f16)));
    CHECK(vknorm_supports_dtype(nullptr, VKNORM_DTYPE_F32) == VK_FALSE);
    CHECK(i.buffers_need_device_address == VkBool32(d.buffers_need_device_address));
    CHECK(vknorm_get_device_info(nullptr, &i) == VKNORM_STATUS_INVALID_ARGUMENT);
  }

  TEST_CASE("strided tensors and buffer-free prepare equal the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const VkBuffer b = reinterpret_cast<VkBuffer>(uintptr_t(0x1000));
    const int64_t shape[] = {5, 64}, strides[] = {192, 1};
    const vknorm_tensor t = vknorm_tensor_strided(b, 64, VKNORM_DTYPE_F16, 2, shape, strides);
    const Tensor r = Tensor::strided(b, 64, DType::f16, {5, 64}, {192, 1});
    CHECK(t.size == r.size);
    CHECK(t.size == VkDeviceSize((4 * 192 + 64) * 2));
    CHECK(vknorm_tensor_bytes_needed(&t) == r.bytes_needed());
    CHECK(vknorm_tensor_strided_at(0x10000, VKNORM_DTYPE_F32, 2, shape, strides).address == 0x10000);
    CHECK(vknorm_tensor_strided(b, 0, VKNORM_DTYPE_F32, 9, shape, strides).rank == 0);
    CHECK(vknorm_tensor_bytes_needed(nullptr) == 0);

    vknorm_prepare_info p;
    vknorm_prepare_info_init(&p);
    CHECK(p.normalized_rank == 1);
    CHECK(p.aligned == VK_TRUE);
    CHECK(p.weight_grads == VK_TRUE);
    p.op = VKNORM_OP_LAYER_NORM_FORWARD;
    p.dtype = VKNORM_DTYPE_F32;
    p.rank = 2;
    p.shape[0] = 3;
    p.shape[1] = 1537;
    REQUIRE(vknorm_prepare(c_ctx(dev), &p) == VKNORM_STATUS_OK);
    const size_t before = vknorm_pipeline_count(c_ctx(dev));
    CHECK(before == vknorm::pipeline_count(dev.context()));
    REQUIRE(vknorm::prepare(dev.context(), vknorm::PrepareInfo::make(vknorm::Op::layer_norm_forward, DType::f32,
                                                                     {3, 1537})).ok());
    CHECK(vknorm_pipeline_count(c_ctx(dev)) == before);  // the C call created what C++ would use
    p.rank = 0;
    CHECK(vknorm_prepare(c_ctx(dev), &p) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(vknorm_prepare(c_ctx(dev), nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(vknorm_pipeline_count(nullptr) == 0);
  }

  TEST_CASE("a context created through the C API works and reports creation errors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context_create_info ci;
    vknorm_context_create_info_init(&ci);
    vknorm_context ctx = reinterpret_cast<vknorm_context>(uintptr_t(1));
    CHECK(vknorm_create_context(&ci, &ctx) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(ctx == nullptr);
    CHECK(last_error().find("get_instance_proc_addr") != std::string::npos);
    CHECK(vknorm_create_context(nullptr, &ctx) == VKNORM_STATUS_INVALID_ARGUMENT);

    ci.instance = dev.instance();
    ci.physical_device = dev.physical_device();
    ci.device = dev.device();
    ci.get_instance_proc_addr = vkGetInstanceProcAddr;
    const vknorm::EnabledFeatures& en = dev.info().enabled;
    ci.enabled.push_descriptor = en.push_descriptor;
    ci.enabled.buffer_device_address = en.buffer_device_address;
    ci.enabled.storage_buffer_16bit = en.storage_buffer_16bit;
    ci.context_scratch_bytes = 1 << 16;
    const char* bad_cache = "vknorm_test_c_api_bad.cache";  // the path crosses as a C string
    std::ofstream(bad_cache) << "not a tuning cache\n";
    ci.tuning_cache_path = bad_cache;
    const vknorm_status bad_status = vknorm_create_context(&ci, &ctx);
    std::remove(bad_cache);
    CHECK(bad_status == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(ctx == nullptr);
    CHECK(last_error().find(bad_cache) != std::string::npos);
    if (ctx) vknorm_destroy_context(ctx);

    ci.tuning_cache_path = nullptr;
    REQUIRE(vknorm_create_context(&ci, &ctx) == VKNORM_STATUS_OK);
    REQUIRE(ctx != nullptr);
    CHECK(last_error().empty());
    vknorm_device_info i;
    CHECK(vknorm_get_device_info(ctx, &i) == VKNORM_STATUS_OK);
    CHECK(std::string(i.name) == dev.info().name);
    CHECK(i.limits_lowered == VK_FALSE);
    vknorm_destroy_context(ctx);
    vknorm_destroy_context(nullptr);

    // Limits and batch invariance cross as the C++ context's.
    vknorm_device_limits lim;
    CHECK(vknorm_device_limits_profile("no-such-gpu", &lim) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error().find("mobile") != std::string::npos);
    CHECK(vknorm_device_limits_profile("mobile", nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
    REQUIRE(vknorm_device_limits_profile("mobile", &lim) == VKNORM_STATUS_OK);
    vknorm::DeviceLimits cpp_lim;
    REQUIRE(vknorm::device_limits_profile("mobile", &cpp_lim).ok());
    CHECK(lim.max_workgroup_invocations == cpp_lim.max_workgroup_invocations);
    CHECK(lim.max_workgroup_count == cpp_lim.max_workgroup_count);
    CHECK(lim.max_shared_memory_bytes == cpp_lim.max_shared_memory_bytes);
    CHECK(lim.max_storage_buffer_range == cpp_lim.max_storage_buffer_range);
    CHECK(lim.min_storage_buffer_offset_alignment == cpp_lim.min_storage_buffer_offset_alignment);
    CHECK(lim.no_subgroup_arithmetic == VK_TRUE);
    ci.limits = &lim;
    ci.batch_invariant = VK_TRUE;
    REQUIRE(vknorm_create_context(&ci, &ctx) == VKNORM_STATUS_OK);
    CHECK(vknorm_get_device_info(ctx, &i) == VKNORM_STATUS_OK);
    CHECK(i.limits_lowered == VK_TRUE);
    CHECK(i.max_workgroup_invocations <= 128);
    CHECK(i.shared_memory_reduction == VK_TRUE);
    vknorm_rms_norm_last_args a;
    vknorm_rms_norm_last_args_init(&a);
    const std::vector<int64_t> shape{3, 768};
    TestBuffer rows(dev, 2 * 3 * 768 * 4);
    a.x = c_view(rows.buf.buffer, 0, shape);
    a.y = c_view(rows.buf.buffer, 3 * 768, shape);
    vknorm_kernel_config cfg;
    REQUIRE(vknorm_select_config_rms_norm_last(ctx, &a, &cfg) == VKNORM_STATUS_OK);
    CHECK(std::string(cfg.source).find("batch_invariant") != std::string::npos);
    CHECK(cfg.workgroup_size <= 128);
    vknorm_destroy_context(ctx);
  }

  TEST_CASE("error messages: per call, per thread, copied with truncation") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer buf(dev, 4096);
    vknorm_rms_norm_args c;
    vknorm_rms_norm_args_init(&c);
    c.x = c_view(buf.buf.buffer, 0, {2, 4, 8});
    c.y = c_view(buf.buf.buffer, 512, {2, 4, 9});  // shape differs from x
    vknorm::RmsNormArgs a;
    a.x = cpp_view(buf.buf.buffer, 0, {2, 4, 8});
    a.y = cpp_view(buf.buf.buffer, 512, {2, 4, 9});
    Error cpp_err;
    vknorm_status st = VKNORM_STATUS_OK;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      cpp_err = vknorm::record_rms_norm(dev.context(), cmd, a);
      st = vknorm_record_rms_norm(c_ctx(dev), cmd, &c);
    }) == VK_SUCCESS);
    CHECK(buf.poisoned());
    CHECK(cpp_err.status == Status::invalid_argument);
    REQUIRE(st == VKNORM_STATUS_INVALID_ARGUMENT);
    const std::string msg = vknorm_last_error_message();
    CHECK(msg == cpp_err.message);
    REQUIRE(msg.size() > 8);

    // Copy: the whole message, a truncated one, and the length query.
    CHECK(vknorm_copy_last_error(nullptr, 0) == msg.size() + 1);
    std::vector<char> whole(msg.size() + 1, 'x');
    CHECK(vknorm_copy_last_error(whole.data(), whole.size()) == msg.size() + 1);
    CHECK(std::string(whole.data()) == msg);
    char small[8];
    std::memset(small, 'x', sizeof small);
    CHECK(vknorm_copy_last_error(small, sizeof small) == msg.size() + 1);
    CHECK(std::string(small) == msg.substr(0, 7));
    char one[1] = {'x'};
    CHECK(vknorm_copy_last_error(one, 1) == msg.size() + 1);
    CHECK(one[0] == '\0');

    // Functions that cannot fail leave the message alone; the copy is read-only too.
    CHECK(std::string(vknorm_status_name(st)) == "invalid_argument");
    vknorm_rms_norm_args_init(&c);
    CHECK(vknorm_copy_last_error(nullptr, 0) == msg.size() + 1);

    // Another thread has its own (empty) message.
    std::string other = "unset";
    std::thread([&] { other = vknorm_last_error_message(); }).join();
    CHECK(other.empty());

    // Null arguments and a null context are refused with a message.
    CHECK(vknorm_record_rms_norm(c_ctx(dev), VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error() == "args is null");
    CHECK(vknorm_prepare_rms_norm(nullptr, &c) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error() == "context is null");

    // A successful status-returning call clears it.
    c.x = c_view(buf.buf.buffer, 0, {2, 4, 8});
    c.y = c_view(buf.buf.buffer, 512, {2, 4, 8});
    CHECK(vknorm_prepare_rms_norm(c_ctx(dev), &c) == VKNORM_STATUS_OK);
    CHECK(last_error().empty());
    char cleared[4] = {'x', 'x', 'x', 'x'};
    CHECK(vknorm_copy_last_error(cleared, sizeof cleared) == 1);
    CHECK(cleared[0] == '\0');
  }

  TEST_CASE("records through the C API write the same bytes as the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    // Inputs: x / dy / weight / bias / mean / rstd (one buffer); outputs on each side.
    const int64_t R = 24, D = 200;
    const VkDeviceSize X = 0, DY = X + R * D, W = DY + R * D, B = W + D, MEAN = B + D, RSTD = MEAN + R,
                       IN_FLOATS = RSTD + R;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 7);
    // rstd must be positive for a meaningful backward; any finite values give equal bytes.
    std::vector<float> rstd(R, 1.5f);
    dev.upload(in.buf, rstd.data(), R * 4, RSTD * 4);
    const VkBuffer ib = in.buf.buffer;
    const VkDeviceSize Y = 0, LY = Y + R * D, LMEAN = LY + R * D, LRSTD = LMEAN + R, DX = LRSTD + R,
                       DW = DX + R * D, DB = DW + D, COPY = DB + D, OUT_FLOATS = COPY + 1024;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    TestBuffer scratch_cpp(dev, 1 << 20), scratch_c(dev, 1 << 20);

    const std::vector<int64_t> rms_shape{2, 12, 10, 20}, ln_shape{R, D}, rows{R}, norm{D};
    vknorm::RmsNormArgs rms;
    rms.x = cpp_view(ib, X, rms_shape);
    rms.weight = cpp_view(ib, W, {12});
    rms.eps = 1e-3f;
    vknorm::LayerNormArgs ln;
    ln.x = cpp_view(ib, X, ln_shape);
    ln.weight = cpp_view(ib, W, norm);
    ln.bias = cpp_view(ib, B, norm);
    ln.eps = 1e-4f;
    vknorm::LayerNormBackwardArgs bwd;
    bwd.dy = cpp_view(ib, DY, ln_shape);
    bwd.x = cpp_view(ib, X, ln_shape);
    bwd.weight = cpp_view(ib, W, norm);
    bwd.mean = cpp_view(ib, MEAN, rows);
    bwd.rstd = cpp_view(ib, RSTD, rows);

    vknorm_rms_norm_args crms;
    vknorm_rms_norm_args_init(&crms);
    crms.x = c_view(ib, X, rms_shape);
    crms.weight = c_view(ib, W, {12});
    crms.eps = 1e-3f;
    vknorm_layer_norm_args cln;
    vknorm_layer_norm_args_init(&cln);
    cln.x = c_view(ib, X, ln_shape);
    cln.weight = c_view(ib, W, norm);
    cln.bias = c_view(ib, B, norm);
    cln.eps = 1e-4f;
    vknorm_layer_norm_backward_args cbwd;
    vknorm_layer_norm_backward_args_init(&cbwd);
    cbwd.dy = c_view(ib, DY, ln_shape);
    cbwd.x = c_view(ib, X, ln_shape);
    cbwd.weight = c_view(ib, W, norm);
    cbwd.mean = c_view(ib, MEAN, rows);
    cbwd.rstd = c_view(ib, RSTD, rows);

    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;
    rms.y = cpp_view(oc, Y, rms_shape);
    crms.y = c_view(oC, Y, rms_shape);
    ln.y = cpp_view(oc, LY, ln_shape);
    ln.mean = cpp_view(oc, LMEAN, rows);
    ln.rstd = cpp_view(oc, LRSTD, rows);
    cln.y = c_view(oC, LY, ln_shape);
    cln.mean = c_view(oC, LMEAN, rows);
    cln.rstd = c_view(oC, LRSTD, rows);
    bwd.dx = cpp_view(oc, DX, ln_shape);
    bwd.dweight = cpp_view(oc, DW, norm);
    bwd.dbias = cpp_view(oc, DB, norm);
    cbwd.dx = c_view(oC, DX, ln_shape);
    cbwd.dweight = c_view(oC, DW, norm);
    cbwd.dbias = c_view(oC, DB, norm);

    // Config read-back and an override passed through the C struct.
    KernelConfig cfg;
    const Error sel = vknorm::select_config(dev.context(), ln, &cfg);
    REQUIRE_MESSAGE(sel.ok(), sel.message);
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_layer_norm(ctx, &cln, &ccfg) == VKNORM_STATUS_OK);
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(ccfg.items_per_invocation == cfg.items_per_invocation);
    CHECK(ccfg.vector_width == cfg.vector_width);
    CHECK(ccfg.split == cfg.split);
    CHECK(ccfg.wave_bytes == cfg.wave_bytes);
    CHECK(std::string(ccfg.source) == cfg.source);
    CHECK(std::string(ccfg.case_class) == cfg.case_class);
    const std::string cfg_text = vknorm::to_string(cfg);
    std::vector<char> text(cfg_text.size() + 1);
    CHECK(vknorm_config_to_string(&ccfg, text.data(), text.size()) == cfg_text.size() + 1);
    CHECK(std::string(text.data()) == cfg_text);
    char short_text[5];
    CHECK(vknorm_config_to_string(&ccfg, short_text, sizeof short_text) == cfg_text.size() + 1);
    CHECK(std::string(short_text) == cfg_text.substr(0, 4));
    KernelConfig override_cfg;
    override_cfg.workgroup_size = cfg.workgroup_size >= 64 ? cfg.workgroup_size / 2 : cfg.workgroup_size;
    ln.config = &override_cfg;
    vknorm_kernel_config c_override{};
    c_override.workgroup_size = override_cfg.workgroup_size;
    cln.config = &c_override;
    REQUIRE(vknorm::select_config(dev.context(), ln, &cfg).ok());
    REQUIRE(vknorm_select_config_layer_norm(ctx, &cln, &ccfg) == VKNORM_STATUS_OK);
    CHECK(std::string(ccfg.source) == "caller");
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(vknorm_select_config_rms_norm(ctx, &crms, &ccfg) == VKNORM_STATUS_OK);
    CHECK(vknorm_select_config_layer_norm_backward(ctx, &cbwd, &ccfg) == VKNORM_STATUS_OK);

    // Scratch sizes agree; give each side its own scratch when needed.
    VkDeviceSize s_cpp = 1, s_c = 1;
    CHECK(vknorm::rms_norm_scratch_size(dev.context(), rms, &s_cpp).ok());
    CHECK(vknorm_rms_norm_scratch_size(ctx, &crms, &s_c) == VKNORM_STATUS_OK);
    CHECK(s_c == s_cpp);
    CHECK(vknorm::layer_norm_scratch_size(dev.context(), ln, &s_cpp).ok());
    CHECK(vknorm_layer_norm_scratch_size(ctx, &cln, &s_c) == VKNORM_STATUS_OK);
    CHECK(s_c == s_cpp);
    CHECK(vknorm::layer_norm_backward_scratch_size(dev.context(), bwd, &s_cpp).ok());
    CHECK(vknorm_layer_norm_backward_scratch_size(ctx, &cbwd, &s_c) == VKNORM_STATUS_OK);
    CHECK(s_c == s_cpp);
    REQUIRE(s_cpp <= (1u << 20));
    if (s_cpp) {
      bwd.scratch = cpp_view(scratch_cpp.buf.buffer, 0, {int64_t(s_cpp / 4)});
      cbwd.scratch = c_view(scratch_c.buf.buffer, 0, {int64_t(s_cpp / 4)});
    }
    CHECK(vknorm_prepare_layer_norm_backward(ctx, &cbwd) == VKNORM_STATUS_OK);
    CHECK(vknorm_prepare_layer_norm(ctx, &cln) == VKNORM_STATUS_OK);

    const vknorm_tensor csrc = c_view(ib, X, {1024}), cdst = c_view(oC, COPY, {1024});

    Error e1, e2, e3, e4;
    vknorm_status s1 = VKNORM_STATUS_MAX_ENUM, s2 = s1, s3 = s1, s4 = s1;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      e1 = vknorm::record_rms_norm(dev.context(), cmd, rms);
      e2 = vknorm::record_layer_norm(dev.context(), cmd, ln);
      e3 = vknorm::record_layer_norm_backward(dev.context(), cmd, bwd);
      e4 = vknorm::record_copy(dev.context(), cmd, cpp_view(ib, X, {1024}), cpp_view(oc, COPY, {1024}), 4096);
      s1 = vknorm_record_rms_norm(ctx, cmd, &crms);
      s2 = vknorm_record_layer_norm(ctx, cmd, &cln);
      s3 = vknorm_record_layer_norm_backward(ctx, cmd, &cbwd);
      s4 = vknorm_record_copy(ctx, cmd, &csrc, &cdst, 4096);
    }) == VK_SUCCESS);
    CHECK_MESSAGE(e1.ok(), e1.message);
    CHECK_MESSAGE(e2.ok(), e2.message);
    CHECK_MESSAGE(e3.ok(), e3.message);
    CHECK_MESSAGE(e4.ok(), e4.message);
    CHECK(s1 == VKNORM_STATUS_OK);
    CHECK(s2 == VKNORM_STATUS_OK);
    CHECK(s3 == VKNORM_STATUS_OK);
    CHECK(s4 == VKNORM_STATUS_OK);
    const std::vector<uint8_t> a = contents(dev, out_cpp), b = contents(dev, out_c);
    CHECK(a == b);
    // Every output region was written (no poison left) on the C side.
    size_t poisoned_words = 0;
    for (size_t i = 0; i < b.size(); i += 4) {
      uint32_t w;
      std::memcpy(&w, &b[i], 4);
      poisoned_words += w == kPoisonWord;
    }
    CHECK(poisoned_words == 0);
  }

  TEST_CASE("rms_norm_backward through the C API equals the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    // 3000 rows: several row blocks, so the column pass and the scratch are used too.
    const int64_t R = 3000, D = 40;
    const VkDeviceSize X = 0, DY = X + R * D, W = DY + R * D, RSTD = W + D, IN_FLOATS = RSTD + R;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 11);
    std::vector<float> rstd(R, 0.75f);
    dev.upload(in.buf, rstd.data(), R * 4, RSTD * 4);
    const VkBuffer ib = in.buf.buffer;
    const VkDeviceSize DX = 0, DW = DX + R * D, OUT_FLOATS = DW + D;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    TestBuffer scratch_cpp(dev, 1 << 20), scratch_c(dev, 1 << 20);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;

    vknorm::RmsNormBackwardArgs a;
    a.dy = cpp_view(ib, DY, {R, D});
    a.x = cpp_view(ib, X, {R, D});
    a.weight = cpp_view(ib, W, {D});
    a.weight_offset = 1.0f;
    a.rstd = cpp_view(ib, RSTD, {R});
    a.dx = cpp_view(oc, DX, {R, D});
    a.dweight = cpp_view(oc, DW, {D});
    vknorm_rms_norm_backward_args c;
    vknorm_rms_norm_backward_args_init(&c);
    c.dy = c_view(ib, DY, {R, D});
    c.x = c_view(ib, X, {R, D});
    c.weight = c_view(ib, W, {D});
    c.weight_offset = 1.0f;
    c.rstd = c_view(ib, RSTD, {R});
    c.dx = c_view(oC, DX, {R, D});
    c.dweight = c_view(oC, DW, {D});

    KernelConfig cfg;
    REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_rms_norm_backward(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(ccfg.items_per_invocation == cfg.items_per_invocation);
    CHECK(ccfg.split == cfg.split);
    CHECK(ccfg.rows_per_workgroup == cfg.rows_per_workgroup);
    CHECK(std::string(ccfg.case_class) == cfg.case_class);
    VkDeviceSize s_cpp = 1, s_c = 2;
    CHECK(vknorm::rms_norm_backward_scratch_size(dev.context(), a, &s_cpp).ok());
    CHECK(vknorm_rms_norm_backward_scratch_size(ctx, &c, &s_c) == VKNORM_STATUS_OK);
    CHECK(s_c == s_cpp);
    REQUIRE(s_cpp <= (1u << 20));
    if (s_cpp) {
      a.scratch = cpp_view(scratch_cpp.buf.buffer, 0, {int64_t(s_cpp / 4)});
      c.scratch = c_view(scratch_c.buf.buffer, 0, {int64_t(s_cpp / 4)});
    }
    CHECK(vknorm_prepare_rms_norm_backward(ctx, &c) == VKNORM_STATUS_OK);
    std::vector<vknorm::DispatchInfo> want;
    REQUIRE(vknorm::describe_dispatches(dev.context(), a, &want).ok());
    uint32_t count = 0;
    CHECK(vknorm_describe_dispatches_rms_norm_backward(ctx, &c, &count, nullptr) == VKNORM_STATUS_OK);
    CHECK(count == want.size());

    Error e;
    vknorm_status st = VKNORM_STATUS_MAX_ENUM;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      e = vknorm::record_rms_norm_backward(dev.context(), cmd, a);
      st = vknorm_record_rms_norm_backward(ctx, cmd, &c);
    }) == VK_SUCCESS);
    CHECK_MESSAGE(e.ok(), e.message);
    CHECK(st == VKNORM_STATUS_OK);
    const std::vector<uint8_t> ga = contents(dev, out_cpp), gb = contents(dev, out_c);
    CHECK(ga == gb);
    size_t poisoned_words = 0;
    for (size_t i = 0; i < gb.size(); i += 4) {
      uint32_t w;
      std::memcpy(&w, &gb[i], 4);
      poisoned_words += w == kPoisonWord;
    }
    CHECK(poisoned_words == 0);

    // Refusals carry the C++ API's status and message.
    CHECK(vknorm_record_rms_norm_backward(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error() == "args is null");
    c.rstd = vknorm_tensor{};
    a.rstd = Tensor{};
    const Error ea = vknorm::prepare_rms_norm_backward(dev.context(), a);
    CHECK(vknorm_prepare_rms_norm_backward(ctx, &c) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error() == ea.message);
    vknorm_prepare_info info;
    vknorm_prepare_info_init(&info);
    info.op = VKNORM_OP_RMS_NORM_BACKWARD;
    info.dtype = VKNORM_DTYPE_F32;
    info.rank = 2;
    info.shape[0] = R;
    info.shape[1] = D;
    info.by_address = dev.info().buffers_need_device_address ? VK_TRUE : VK_FALSE;
    CHECK(vknorm_prepare(ctx, &info) == VKNORM_STATUS_OK);
  }

  TEST_CASE("describe_dispatches: two-call idiom, equal to the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    TestBuffer buf(dev, 1 << 20);
    const VkBuffer b = buf.buf.buffer;
    vknorm::LayerNormBackwardArgs a;
    a.dy = cpp_view(b, 0, {64, 512});
    a.x = cpp_view(b, 64 * 512, {64, 512});
    a.mean = cpp_view(b, 2 * 64 * 512, {64});
    a.rstd = cpp_view(b, 2 * 64 * 512 + 64, {64});
    a.dx = cpp_view(b, 2 * 64 * 512 + 128, {64, 512});
    a.dweight = cpp_view(b, 3 * 64 * 512 + 128, {512});
    vknorm_layer_norm_backward_args c;
    vknorm_layer_norm_backward_args_init(&c);
    c.dy = c_view(b, 0, {64, 512});
    c.x = c_view(b, 64 * 512, {64, 512});
    c.mean = c_view(b, 2 * 64 * 512, {64});
    c.rstd = c_view(b, 2 * 64 * 512 + 64, {64});
    c.dx = c_view(b, 2 * 64 * 512 + 128, {64, 512});
    c.dweight = c_view(b, 3 * 64 * 512 + 128, {512});
    VkDeviceSize scratch = 0;
    REQUIRE(vknorm::layer_norm_backward_scratch_size(dev.context(), a, &scratch).ok());
    if (scratch) {
      a.scratch = cpp_view(b, 4 * 64 * 512, {int64_t(scratch / 4)});
      c.scratch = c_view(b, 4 * 64 * 512, {int64_t(scratch / 4)});
    }
    std::vector<vknorm::DispatchInfo> want;
    REQUIRE(vknorm::describe_dispatches(dev.context(), a, &want).ok());
    REQUIRE(!want.empty());

    uint32_t count = 12345;
    REQUIRE(vknorm_describe_dispatches_layer_norm_backward(ctx, &c, &count, nullptr) == VKNORM_STATUS_OK);
    REQUIRE(count == want.size());
    std::vector<vknorm_dispatch_info> got(count + 1);
    std::memset(got.data(), 0x5A, got.size() * sizeof got[0]);
    REQUIRE(vknorm_describe_dispatches_layer_norm_backward(ctx, &c, &count, got.data()) == VKNORM_STATUS_OK);
    CHECK(count == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      CHECK(std::string(got[i].kernel) == want[i].kernel);
      CHECK(got[i].groups[0] == want[i].groups[0]);
      CHECK(got[i].groups[1] == want[i].groups[1]);
      CHECK(got[i].groups[2] == want[i].groups[2]);
      CHECK(got[i].workgroup_size == want[i].workgroup_size);
      CHECK(got[i].pipeline == want[i].pipeline);
    }
    CHECK(static_cast<unsigned char>(got[count].kernel[0]) == 0x5A);  // past the end: untouched

    // Too small an array: the first entries are written, *count says how many there are.
    std::memset(got.data(), 0x5A, got.size() * sizeof got[0]);
    count = 0;
    CHECK(vknorm_describe_dispatches_layer_norm_backward(ctx, &c, &count, got.data()) == VKNORM_STATUS_OK);
    CHECK(count == want.size());
    CHECK(static_cast<unsigned char>(got[0].kernel[0]) == 0x5A);
    if (want.size() > 1) {
      count = 1;
      CHECK(vknorm_describe_dispatches_layer_norm_backward(ctx, &c, &count, got.data()) == VKNORM_STATUS_OK);
      CHECK(count == want.size());
      CHECK(std::string(got[0].kernel) == want[0].kernel);
      CHECK(static_cast<unsigned char>(got[1].kernel[0]) == 0x5A);
    }

    // The other operators, and the refusals.
    vknorm_rms_norm_args r;
    vknorm_rms_norm_args_init(&r);
    r.x = c_view(b, 0, {2, 8, 16});
    r.y = c_view(b, 256, {2, 8, 16});
    count = 0;
    CHECK(vknorm_describe_dispatches_rms_norm(ctx, &r, &count, nullptr) == VKNORM_STATUS_OK);
    CHECK(count >= 1);
    vknorm_layer_norm_args l;
    vknorm_layer_norm_args_init(&l);
    l.x = c_view(b, 0, {8, 16});
    l.y = c_view(b, 256, {8, 16});
    count = 0;
    CHECK(vknorm_describe_dispatches_layer_norm(ctx, &l, &count, nullptr) == VKNORM_STATUS_OK);
    CHECK(count >= 1);
    CHECK(vknorm_describe_dispatches_layer_norm(ctx, &l, nullptr, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(last_error() == "count is null");
    l.normalized_rank = 3;
    count = 7;
    CHECK(vknorm_describe_dispatches_layer_norm(ctx, &l, &count, got.data()) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(count == 0);
    CHECK(!last_error().empty());
  }

  TEST_CASE("rms_norm_last and add_rms_norm through the C API: same bytes, config, dispatches") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t R = 12, D = 96;
    const VkDeviceSize X = 0, RES = X + R * D, W = RES + R * D, IN_FLOATS = W + D;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 11);
    const VkBuffer ib = in.buf.buffer;
    const VkDeviceSize Y = 0, RO = Y + R * D, RS = RO + R * D, Y2 = RS + R, OUT_FLOATS = Y2 + R * D;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;
    const std::vector<int64_t> shape{R, D}, rows{R}, norm{D};

    vknorm::AddRmsNormArgs add;
    add.x = cpp_view(ib, X, shape);
    add.residual = cpp_view(ib, RES, shape);
    add.residual_out = cpp_view(oc, RO, shape);
    add.y = cpp_view(oc, Y, shape);
    add.weight = cpp_view(ib, W, norm);
    add.weight_offset = 1.0f;
    add.rstd = cpp_view(oc, RS, rows);
    vknorm::RmsNormLastArgs last;
    last.x = cpp_view(ib, X, shape);
    last.y = cpp_view(oc, Y2, shape);

    vknorm_add_rms_norm_args cadd;
    vknorm_add_rms_norm_args_init(&cadd);
    CHECK(cadd.normalized_rank == 1);
    CHECK(cadd.eps == vknorm::AddRmsNormArgs{}.eps);
    cadd.x = c_view(ib, X, shape);
    cadd.residual = c_view(ib, RES, shape);
    cadd.residual_out = c_view(oC, RO, shape);
    cadd.y = c_view(oC, Y, shape);
    cadd.weight = c_view(ib, W, norm);
    cadd.weight_offset = 1.0f;
    cadd.rstd = c_view(oC, RS, rows);
    vknorm_rms_norm_last_args clast;
    vknorm_rms_norm_last_args_init(&clast);
    CHECK(clast.eps == vknorm::RmsNormLastArgs{}.eps);
    clast.x = c_view(ib, X, shape);
    clast.y = c_view(oC, Y2, shape);

    KernelConfig cfg;
    REQUIRE(vknorm::select_config(dev.context(), add, &cfg).ok());
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_add_rms_norm(ctx, &cadd, &ccfg) == VKNORM_STATUS_OK);
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(ccfg.vector_width == cfg.vector_width);
    VkDeviceSize bytes = 1;
    CHECK(vknorm_rms_norm_last_scratch_size(ctx, &clast, &bytes) == VKNORM_STATUS_OK);
    CHECK(bytes == 0);
    CHECK(vknorm_add_rms_norm_scratch_size(ctx, &cadd, &bytes) == VKNORM_STATUS_OK);
    CHECK(vknorm_prepare_add_rms_norm(ctx, &cadd) == VKNORM_STATUS_OK);
    CHECK(vknorm_prepare_rms_norm_last(ctx, &clast) == VKNORM_STATUS_OK);
    uint32_t count = 0;
    REQUIRE(vknorm_describe_dispatches_rms_norm_last(ctx, &clast, &count, nullptr) == VKNORM_STATUS_OK);
    CHECK(count == 1);
    vknorm_dispatch_info info[2];
    count = 2;
    REQUIRE(vknorm_describe_dispatches_add_rms_norm(ctx, &cadd, &count, info) == VKNORM_STATUS_OK);
    CHECK(count == 1);
    CHECK(std::string(info[0].kernel).rfind("rms_norm_last.", 0) == 0);

    Error e1, e2;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      e1 = vknorm::record_add_rms_norm(dev.context(), cmd, add);
      e2 = vknorm::record_rms_norm_last(dev.context(), cmd, last);
    }) == VK_SUCCESS);
    REQUIRE(e1.ok());
    REQUIRE(e2.ok());
    vknorm_status s1 = VKNORM_STATUS_OK, s2 = VKNORM_STATUS_OK;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      s1 = vknorm_record_add_rms_norm(ctx, cmd, &cadd);
      s2 = vknorm_record_rms_norm_last(ctx, cmd, &clast);
    }) == VK_SUCCESS);
    CHECK(s1 == VKNORM_STATUS_OK);
    CHECK(s2 == VKNORM_STATUS_OK);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));

    cadd.residual.buffer = VK_NULL_HANDLE;  // the same error as the C++ API
    CHECK(vknorm_record_add_rms_norm(ctx, VK_NULL_HANDLE, &cadd) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(vknorm_record_add_rms_norm(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  }

  TEST_CASE("add_layer_norm through the C API: same bytes, config, dispatches, errors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t R = 12, D = 96;
    const VkDeviceSize X = 0, RES = X + R * D, W = RES + R * D, B = W + D, IN_FLOATS = B + D;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 13);
    const VkBuffer ib = in.buf.buffer;
    const VkDeviceSize Y = 0, RO = Y + R * D, M = RO + R * D, RS = M + R, OUT_FLOATS = RS + R;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;
    const std::vector<int64_t> shape{R, D}, rows{R}, norm{D};

    vknorm::AddLayerNormArgs a;
    a.x = cpp_view(ib, X, shape);
    a.residual = cpp_view(ib, RES, shape);
    a.residual_out = cpp_view(oc, RO, shape);
    a.y = cpp_view(oc, Y, shape);
    a.weight = cpp_view(ib, W, norm);
    a.bias = cpp_view(ib, B, norm);
    a.mean = cpp_view(oc, M, rows);
    a.rstd = cpp_view(oc, RS, rows);
    vknorm_add_layer_norm_args c;
    vknorm_add_layer_norm_args_init(&c);
    CHECK(c.normalized_rank == 1);
    CHECK(c.eps == vknorm::AddLayerNormArgs{}.eps);
    c.x = c_view(ib, X, shape);
    c.residual = c_view(ib, RES, shape);
    c.residual_out = c_view(oC, RO, shape);
    c.y = c_view(oC, Y, shape);
    c.weight = c_view(ib, W, norm);
    c.bias = c_view(ib, B, norm);
    c.mean = c_view(oC, M, rows);
    c.rstd = c_view(oC, RS, rows);
    CHECK(std::string(vknorm_op_name(VKNORM_OP_ADD_LAYER_NORM)) == "add_layer_norm");

    KernelConfig cfg;
    REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_add_layer_norm(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(std::string(ccfg.case_class) == cfg.case_class);
    VkDeviceSize bytes = 1;
    CHECK(vknorm_add_layer_norm_scratch_size(ctx, &c, &bytes) == VKNORM_STATUS_OK);
    CHECK(bytes == 0);  // rows in registers
    CHECK(vknorm_prepare_add_layer_norm(ctx, &c) == VKNORM_STATUS_OK);
    vknorm_dispatch_info info[2];
    uint32_t count = 2;
    REQUIRE(vknorm_describe_dispatches_add_layer_norm(ctx, &c, &count, info) == VKNORM_STATUS_OK);
    CHECK(count == 1);
    CHECK(std::string(info[0].kernel).rfind("add_layer_norm_row.", 0) == 0);

    Error e;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record_add_layer_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
    REQUIRE(e.ok());
    vknorm_status s = VKNORM_STATUS_OK;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { s = vknorm_record_add_layer_norm(ctx, cmd, &c); }) == VK_SUCCESS);
    CHECK(s == VKNORM_STATUS_OK);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));

    c.residual.buffer = VK_NULL_HANDLE;  // the same error as the C++ API
    CHECK(vknorm_record_add_layer_norm(ctx, VK_NULL_HANDLE, &c) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(!last_error().empty());
    CHECK(vknorm_record_add_layer_norm(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  }

  TEST_CASE("batch_norm through the C API: same bytes, config, dispatches, errors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t N = 4, C = 3, S = 64;
    const VkDeviceSize X = 0, W = X + N * C * S, B = W + C, IN_FLOATS = B + C;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 17);
    const VkBuffer ib = in.buf.buffer;
    // Running statistics are updated in place: each call has its own (both start poisoned).
    const VkDeviceSize Y = 0, RM = Y + N * C * S, RV = RM + C, SM = RV + C, SI = SM + C, OUT_FLOATS = SI + C;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;
    const std::vector<int64_t> shape{N, C, S}, ch{C};

    vknorm::BatchNormArgs a;
    a.x = cpp_view(ib, X, shape);
    a.y = cpp_view(oc, Y, shape);
    a.weight = cpp_view(ib, W, ch);
    a.bias = cpp_view(ib, B, ch);
    a.running_mean = cpp_view(oc, RM, ch);
    a.running_var = cpp_view(oc, RV, ch);
    a.save_mean = cpp_view(oc, SM, ch);
    a.save_invstd = cpp_view(oc, SI, ch);
    a.momentum = 0.25f;
    vknorm_batch_norm_args c;
    vknorm_batch_norm_args_init(&c);
    CHECK(c.training == 1);
    CHECK(c.momentum == vknorm::BatchNormArgs{}.momentum);
    CHECK(c.eps == vknorm::BatchNormArgs{}.eps);
    c.x = c_view(ib, X, shape);
    c.y = c_view(oC, Y, shape);
    c.weight = c_view(ib, W, ch);
    c.bias = c_view(ib, B, ch);
    c.running_mean = c_view(oC, RM, ch);
    c.running_var = c_view(oC, RV, ch);
    c.save_mean = c_view(oC, SM, ch);
    c.save_invstd = c_view(oC, SI, ch);
    c.momentum = 0.25f;
    CHECK(std::string(vknorm_op_name(VKNORM_OP_BATCH_NORM)) == "batch_norm");

    KernelConfig cfg;
    REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_batch_norm(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
    CHECK(ccfg.workgroup_size == cfg.workgroup_size);
    CHECK(std::string(ccfg.case_class) == cfg.case_class);
    VkDeviceSize bytes = 0, cpp_bytes = 0;
    // The default: each channel of 256 values in one workgroup, one dispatch, no scratch.
    vknorm_dispatch_info one[2];
    uint32_t one_count = 2;
    REQUIRE(vknorm_describe_dispatches_batch_norm(ctx, &c, &one_count, one) == VKNORM_STATUS_OK);
    CHECK(one_count == 1);
    CHECK(std::string(one[0].kernel).rfind("batch_norm_channel.", 0) == 0);
    CHECK(vknorm_batch_norm_scratch_size(ctx, &c, &bytes) == VKNORM_STATUS_OK);
    CHECK(bytes == 0);
    // The rest runs the split path (stats, merge, apply) through both APIs: split 2 per channel.
    KernelConfig split_cfg;
    split_cfg.split = 2;
    vknorm_kernel_config split_ccfg{};
    split_ccfg.split = 2;
    a.config = &split_cfg;
    c.config = &split_ccfg;
    CHECK(vknorm_batch_norm_scratch_size(ctx, &c, &bytes) == VKNORM_STATUS_OK);
    REQUIRE(vknorm::batch_norm_scratch_size(dev.context(), a, &cpp_bytes).ok());
    CHECK(bytes == cpp_bytes);
    CHECK(bytes > 0);  // split training: partials and coefficients
    TestBuffer scratch(dev, bytes);
    const std::vector<int64_t> scratch_shape{static_cast<int64_t>(bytes / 4)};
    a.scratch = cpp_view(scratch.buf.buffer, 0, scratch_shape);
    c.scratch = c_view(scratch.buf.buffer, 0, scratch_shape);
    CHECK_MESSAGE(vknorm_prepare_batch_norm(ctx, &c) == VKNORM_STATUS_OK, last_error());
    vknorm_dispatch_info info[4];
    uint32_t count = 4;
    REQUIRE(vknorm_describe_dispatches_batch_norm(ctx, &c, &count, info) == VKNORM_STATUS_OK);
    CHECK(count == 3);
    CHECK(std::string(info[0].kernel).rfind("batch_norm_stats.", 0) == 0);
    CHECK(std::string(info[2].kernel).rfind("batch_norm_apply.", 0) == 0);

    Error e;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record_batch_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
    REQUIRE(e.ok());
    vknorm_status s = VKNORM_STATUS_OK;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { s = vknorm_record_batch_norm(ctx, cmd, &c); }) == VK_SUCCESS);
    CHECK(s == VKNORM_STATUS_OK);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));

    c.training = 0;  // eval without running statistics: the same error as the C++ API
    c.running_mean.buffer = VK_NULL_HANDLE;
    c.running_var.buffer = VK_NULL_HANDLE;
    c.save_mean.buffer = c.save_invstd.buffer = VK_NULL_HANDLE;
    CHECK(vknorm_record_batch_norm(ctx, VK_NULL_HANDLE, &c) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(!last_error().empty());
    CHECK(vknorm_record_batch_norm(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  }

  TEST_CASE("lp_norm through the C API: same bytes and errors as the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t R = 6, D = 96;
    TestBuffer in(dev, R * D * 4);
    upload_values(dev, in, 17);
    TestBuffer out_cpp(dev, R * D * 4), out_c(dev, R * D * 4);
    const std::vector<int64_t> shape{R, D};
    for (int p : {1, 2}) {
      vknorm::LpNormArgs a;
      a.x = cpp_view(in.buf.buffer, 0, shape);
      a.y = cpp_view(out_cpp.buf.buffer, 0, shape);
      a.p = p;
      vknorm_lp_norm_args c;
      vknorm_lp_norm_args_init(&c);
      CHECK(c.p == 2);
      c.x = c_view(in.buf.buffer, 0, shape);
      c.y = c_view(out_c.buf.buffer, 0, shape);
      c.p = p;
      vknorm_kernel_config ccfg;
      REQUIRE(vknorm_select_config_lp_norm(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
      CHECK(vknorm_prepare_lp_norm(ctx, &c) == VKNORM_STATUS_OK);
      uint32_t count = 0;
      REQUIRE(vknorm_describe_dispatches_lp_norm(ctx, &c, &count, nullptr) == VKNORM_STATUS_OK);
      CHECK(count == 1);
      Error e;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record_lp_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE(e.ok());
      vknorm_status s = VKNORM_STATUS_OK;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { s = vknorm_record_lp_norm(ctx, cmd, &c); }) == VK_SUCCESS);
      CHECK(s == VKNORM_STATUS_OK);
      CHECK(contents(dev, out_cpp) == contents(dev, out_c));
      c.p = 3;
      CHECK(vknorm_select_config_lp_norm(ctx, &c, &ccfg) == VKNORM_STATUS_INVALID_ARGUMENT);
      CHECK(last_error().find("p must be 1") != std::string::npos);
    }
    CHECK(std::string(vknorm_op_name(VKNORM_OP_LP_NORM)) == "lp_norm");
  }

  TEST_CASE("frobenius_norm through the C API: same bytes, norm and errors as the C++ API") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const std::vector<int64_t> shape{5, 7, 33};
    const VkDeviceSize bytes = 5 * 7 * 33 * 4;
    TestBuffer in(dev, bytes), out_cpp(dev, bytes), out_c(dev, bytes), norm_cpp(dev, 16), norm_c(dev, 16);
    TestBuffer scratch_cpp(dev, 4096), scratch_c(dev, 4096);
    upload_values(dev, in, 23);
    vknorm::FrobeniusNormArgs a;
    a.x = cpp_view(in.buf.buffer, 0, shape);
    a.y = cpp_view(out_cpp.buf.buffer, 0, shape);
    a.norm = cpp_view(norm_cpp.buf.buffer, 0, {1});
    a.scratch = cpp_view(scratch_cpp.buf.buffer, 0, {1024});
    vknorm_frobenius_norm_args c;
    vknorm_frobenius_norm_args_init(&c);
    c.x = c_view(in.buf.buffer, 0, shape);
    c.y = c_view(out_c.buf.buffer, 0, shape);
    c.norm = c_view(norm_c.buf.buffer, 0, {1});
    c.scratch = c_view(scratch_c.buf.buffer, 0, {1024});
    VkDeviceSize cpp_bytes = 0, c_bytes = 0;
    REQUIRE(vknorm::frobenius_norm_scratch_size(dev.context(), a, &cpp_bytes).ok());
    REQUIRE(vknorm_frobenius_norm_scratch_size(ctx, &c, &c_bytes) == VKNORM_STATUS_OK);
    CHECK(c_bytes == cpp_bytes);
    vknorm_kernel_config ccfg;
    REQUIRE(vknorm_select_config_frobenius_norm(ctx, &c, &ccfg) == VKNORM_STATUS_OK);
    CHECK(vknorm_prepare_frobenius_norm(ctx, &c) == VKNORM_STATUS_OK);
    uint32_t count = 0;
    REQUIRE(vknorm_describe_dispatches_frobenius_norm(ctx, &c, &count, nullptr) == VKNORM_STATUS_OK);
    CHECK(count == 3);  // partial, finalize, scale
    Error e;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record_frobenius_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
    REQUIRE(e.ok());
    vknorm_status st = VKNORM_STATUS_OK;
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { st = vknorm_record_frobenius_norm(ctx, cmd, &c); }) == VK_SUCCESS);
    CHECK(st == VKNORM_STATUS_OK);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    CHECK(contents(dev, norm_cpp) == contents(dev, norm_c));
    c.norm = c_view(norm_c.buf.buffer, 0, {2});
    CHECK(vknorm_select_config_frobenius_norm(ctx, &c, &ccfg) == VKNORM_STATUS_INVALID_ARGUMENT);
    CHECK(!last_error().empty());
    CHECK(std::string(vknorm_op_name(VKNORM_OP_FROBENIUS_NORM)) == "frobenius_norm");
  }

  TEST_CASE("group_norm and instance_norm through the C API: same bytes, defaults, config, dispatches") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t N = 2, C = 6, S = 50, G = 3;
    const VkDeviceSize X = 0, W = X + N * C * S, B = W + C, IN_FLOATS = B + C;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 29);
    const VkBuffer ib = in.buf.buffer;
    const std::vector<int64_t> shape{N, C, S}, ch{C}, stats{N * G};
    // Outputs (and InstanceNorm's running statistics, updated in place) per API.
    const VkDeviceSize Y = 0, M = Y + N * C * S, R = M + N * G, OUT_FLOATS = R + N * G;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4), scratch(dev, 1 << 16);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;

    vknorm::GroupNormArgs g;
    g.x = cpp_view(ib, X, shape);
    g.y = cpp_view(oc, Y, shape);
    g.weight = cpp_view(ib, W, ch);
    g.bias = cpp_view(ib, B, ch);
    g.mean = cpp_view(oc, M, stats);
    g.rstd = cpp_view(oc, R, stats);
    g.num_groups = G;
    vknorm_group_norm_args cg;
    vknorm_group_norm_args_init(&cg);
    CHECK(cg.num_groups == vknorm::GroupNormArgs{}.num_groups);
    CHECK(cg.eps == vknorm::GroupNormArgs{}.eps);
    cg.x = c_view(ib, X, shape);
    cg.y = c_view(oC, Y, shape);
    cg.weight = c_view(ib, W, ch);
    cg.bias = c_view(ib, B, ch);
    cg.mean = c_view(oC, M, stats);
    cg.rstd = c_view(oC, R, stats);
    cg.num_groups = G;
    VkDeviceSize bytes = 0;
    REQUIRE(vknorm_group_norm_scratch_size(ctx, &cg, &bytes) == VKNORM_STATUS_OK);
    REQUIRE(bytes <= scratch.buf.size / 2);
    g.scratch = cpp_view(scratch.buf.buffer, 0, {1 << 13});
    cg.scratch = c_view(scratch.buf.buffer, 1 << 13, {1 << 13});
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(group_norm), g, cg);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    cg.num_groups = g.num_groups = 4;  // does not divide C: the same refusal as the C++ API
    check_same(vknorm_prepare_group_norm(ctx, &cg), vknorm::prepare_group_norm(dev.context(), g));
    CHECK(!last_error().empty());
    cg.num_groups = g.num_groups = G;

    // Channels last: the same memory seen as (N, S, C), channels_last set through both APIs (a
    // C field that did not reach the C++ args would be refused: S = 50 is not divisible by 3).
    CHECK(cg.channels_last == 0);
    const std::vector<std::uint8_t> nchw = contents(dev, out_cpp);
    const std::vector<int64_t> nhwc{N, S, C};
    g.x = cpp_view(ib, X, nhwc);
    g.y = cpp_view(oc, Y, nhwc);
    cg.x = c_view(ib, X, nhwc);
    cg.y = c_view(oC, Y, nhwc);
    g.channels_last = true;
    cg.channels_last = VK_TRUE;
    REQUIRE(vknorm_group_norm_scratch_size(ctx, &cg, &bytes) == VKNORM_STATUS_OK);
    REQUIRE(bytes <= scratch.buf.size / 2);
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(group_norm), g, cg);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    CHECK(contents(dev, out_cpp) != nchw);
    g.x = cpp_view(ib, X, shape);
    g.y = cpp_view(oc, Y, shape);
    cg.x = c_view(ib, X, shape);
    cg.y = c_view(oC, Y, shape);
    g.channels_last = false;
    cg.channels_last = VK_FALSE;

    // InstanceNorm: the running statistics (C elements) where GroupNorm had mean and rstd.
    vknorm::InstanceNormArgs i;
    i.x = g.x;
    i.y = g.y;
    i.weight = g.weight;
    i.bias = g.bias;
    i.running_mean = cpp_view(oc, M, ch);
    i.running_var = cpp_view(oc, R, ch);
    i.momentum = 0.25f;
    i.scratch = g.scratch;
    vknorm_instance_norm_args ci;
    vknorm_instance_norm_args_init(&ci);
    CHECK(ci.use_input_stats == 1);
    CHECK(ci.momentum == vknorm::InstanceNormArgs{}.momentum);
    CHECK(ci.eps == vknorm::InstanceNormArgs{}.eps);
    ci.x = cg.x;
    ci.y = cg.y;
    ci.weight = cg.weight;
    ci.bias = cg.bias;
    ci.running_mean = c_view(oC, M, ch);
    ci.running_var = c_view(oC, R, ch);
    ci.momentum = 0.25f;
    ci.scratch = cg.scratch;
    for (uint32_t use_input_stats : {1u, 0u}) {
      CAPTURE(use_input_stats);
      i.use_input_stats = use_input_stats != 0;
      ci.use_input_stats = use_input_stats;
      call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(instance_norm), i, ci);
      CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    }
    CHECK(std::string(vknorm_op_name(VKNORM_OP_GROUP_NORM)) == "group_norm");
    CHECK(std::string(vknorm_op_name(VKNORM_OP_INSTANCE_NORM)) == "instance_norm");
  }

  TEST_CASE("ada_norm through the C API: same bytes, defaults, enum, prepare info, errors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t B = 2, T = 5, D = 48;
    // Every field set: x, residual, gate, scale, shift, weight, bias in; y, residual_out out.
    const VkDeviceSize X = 0, RES = X + B * T * D, G = RES + B * T * D, SC = G + B * D, SH = SC + B * D, W = SH + B * D,
                       BI = W + D, IN_FLOATS = BI + D;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 31);
    const VkBuffer ib = in.buf.buffer;
    const VkDeviceSize Y = 0, RO = Y + B * T * D, OUT_FLOATS = RO + B * T * D;
    TestBuffer out_cpp(dev, OUT_FLOATS * 4), out_c(dev, OUT_FLOATS * 4);
    const VkBuffer oc = out_cpp.buf.buffer, oC = out_c.buf.buffer;
    const std::vector<int64_t> shape{B, T, D}, mod{B, 1, D}, norm{D};

    vknorm::AdaNormArgs a;
    a.x = cpp_view(ib, X, shape);
    a.residual = cpp_view(ib, RES, shape);
    a.gate = cpp_view(ib, G, mod);
    a.residual_out = cpp_view(oc, RO, shape);
    a.scale = cpp_view(ib, SC, mod);
    a.shift = cpp_view(ib, SH, mod);
    a.weight = cpp_view(ib, W, norm);
    a.bias = cpp_view(ib, BI, norm);
    a.y = cpp_view(oc, Y, shape);
    a.norm = vknorm::NormKind::rms;
    a.scale_offset = 0.5f;
    a.eps = 1e-3f;
    vknorm_ada_norm_args c;
    vknorm_ada_norm_args_init(&c);
    CHECK(c.norm == VKNORM_NORM_KIND_LAYER);
    CHECK(c.scale_offset == vknorm::AdaNormArgs{}.scale_offset);
    CHECK(c.eps == vknorm::AdaNormArgs{}.eps);
    c.x = c_view(ib, X, shape);
    c.residual = c_view(ib, RES, shape);
    c.gate = c_view(ib, G, mod);
    c.residual_out = c_view(oC, RO, shape);
    c.scale = c_view(ib, SC, mod);
    c.shift = c_view(ib, SH, mod);
    c.weight = c_view(ib, W, norm);
    c.bias = c_view(ib, BI, norm);
    c.y = c_view(oC, Y, shape);
    c.norm = VKNORM_NORM_KIND_RMS;
    c.scale_offset = 0.5f;
    c.eps = 1e-3f;
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(ada_norm), a, c);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    CHECK(std::string(vknorm_op_name(VKNORM_OP_ADA_NORM)) == "ada_norm");

    // A quantized y (float8 e4m3fn codes) with its dynamic per-row scale: y_scale and
    // static_scale map like the rms ones (the codes fill the first n / 4 floats of y's range,
    // the scales follow).
    if (dev.info().supports(DType::f8_e4m3)) {
      CHECK(c.static_scale == vknorm::AdaNormArgs{}.static_scale);
      a.y.dtype = DType::f8_e4m3;
      a.y.size = B * T * D;
      c.y.dtype = VKNORM_DTYPE_F8_E4M3;
      c.y.size = B * T * D;
      a.y_scale = cpp_view(oc, Y + 128, {B, T});
      c.y_scale = c_view(oC, Y + 128, {B, T});
      call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(ada_norm), a, c);
      CHECK(contents(dev, out_cpp) == contents(dev, out_c));
      a.y_scale = Tensor{};
      c.y_scale = vknorm_tensor{};
      a.static_scale = c.static_scale = 0.05f;
      call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(ada_norm), a, c);
      CHECK(contents(dev, out_cpp) == contents(dev, out_c));
      a.y = cpp_view(oc, Y, shape);
      c.y = c_view(oC, Y, shape);
      a.static_scale = c.static_scale = 0.0f;
    }

    // The prepare info's ada_norm fields create what the call uses.
    vknorm_prepare_info info;
    vknorm_prepare_info_init(&info);
    CHECK(info.scale == VK_TRUE);
    CHECK(info.shift == VK_TRUE);
    info.op = VKNORM_OP_ADA_NORM;
    info.dtype = VKNORM_DTYPE_F32;
    info.rank = 3;
    info.shape[0] = B;
    info.shape[1] = T;
    info.shape[2] = D;
    info.norm = VKNORM_NORM_KIND_RMS;
    info.residual = info.gate = VK_TRUE;
    info.by_address = dev.info().buffers_need_device_address ? VK_TRUE : VK_FALSE;
    REQUIRE(vknorm_prepare(ctx, &info) == VKNORM_STATUS_OK);
    const size_t before = vknorm_pipeline_count(ctx);
    CHECK(vknorm_prepare_ada_norm(ctx, &c) == VKNORM_STATUS_OK);
    CHECK(vknorm_pipeline_count(ctx) == before);

    c.residual = vknorm_tensor{};  // a gate without a residual: the same error as the C++ API
    a.residual = Tensor{};
    check_same(vknorm_prepare_ada_norm(ctx, &c), vknorm::prepare_ada_norm(dev.context(), a));
    CHECK(!last_error().empty());
    CHECK(vknorm_record_ada_norm(ctx, VK_NULL_HANDLE, nullptr) == VKNORM_STATUS_INVALID_ARGUMENT);
  }

  TEST_CASE("gated_rms_norm through the C API: same bytes, defaults, prepare info") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t R = 9, D = 64;
    const VkDeviceSize X = 0, Z = X + R * D, W = Z + R * D, IN_FLOATS = W + D;
    TestBuffer in(dev, IN_FLOATS * 4);
    upload_values(dev, in, 37);
    const VkBuffer ib = in.buf.buffer;
    TestBuffer out_cpp(dev, R * D * 4), out_c(dev, R * D * 4);
    const std::vector<int64_t> shape{R, D}, norm{D};
    vknorm::GatedRmsNormArgs a;
    a.x = cpp_view(ib, X, shape);
    a.z = cpp_view(ib, Z, shape);
    a.weight = cpp_view(ib, W, norm);
    a.y = cpp_view(out_cpp.buf.buffer, 0, shape);
    a.norm_before_gate = false;
    a.eps = 1e-4f;
    vknorm_gated_rms_norm_args c;
    vknorm_gated_rms_norm_args_init(&c);
    CHECK(c.norm_before_gate == 1);
    CHECK(c.eps == vknorm::GatedRmsNormArgs{}.eps);
    c.x = c_view(ib, X, shape);
    c.z = c_view(ib, Z, shape);
    c.weight = c_view(ib, W, norm);
    c.y = c_view(out_c.buf.buffer, 0, shape);
    c.norm_before_gate = 0;
    c.eps = 1e-4f;
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(gated_rms_norm), a, c);
    CHECK(contents(dev, out_cpp) == contents(dev, out_c));
    CHECK(std::string(vknorm_op_name(VKNORM_OP_GATED_RMS_NORM)) == "gated_rms_norm");
    vknorm_prepare_info info;
    vknorm_prepare_info_init(&info);
    CHECK(info.norm_before_gate == VK_TRUE);
    info.op = VKNORM_OP_GATED_RMS_NORM;
    info.dtype = VKNORM_DTYPE_F32;
    info.rank = 2;
    info.shape[0] = R;
    info.shape[1] = D;
    info.norm_before_gate = VK_FALSE;
    info.by_address = dev.info().buffers_need_device_address ? VK_TRUE : VK_FALSE;
    REQUIRE(vknorm_prepare(ctx, &info) == VKNORM_STATUS_OK);
    const size_t before = vknorm_pipeline_count(ctx);
    CHECK(vknorm_prepare_gated_rms_norm(ctx, &c) == VKNORM_STATUS_OK);
    CHECK(vknorm_pipeline_count(ctx) == before);
  }
  TEST_CASE("qk_norm_rope through the C API: same bytes, defaults, prepare info") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm_context ctx = c_ctx(dev);
    const int64_t T = 5, HQ = 4, HK = 2, D = 64, ROT = 32, MAXP = 16;
    const VkDeviceSize Q = 0, K = Q + T * HQ * D, WQ = K + T * HK * D, WK = WQ + D, CS = WK + D, IN_FLOATS = CS + MAXP * ROT;
    TestBuffer in(dev, IN_FLOATS * 4), pos(dev, 64);
    upload_values(dev, in, 41);
    const std::vector<int32_t> p{3, 0, 15, 7, 9};
    dev.upload(pos.buf, p.data(), p.size() * 4);
    const VkBuffer ib = in.buf.buffer;
    TestBuffer qo_cpp(dev, T * HQ * D * 4), qo_c(dev, T * HQ * D * 4), ko_cpp(dev, T * HK * D * 2), ko_c(dev, T * HK * D * 2);
    const std::vector<int64_t> qs{T, HQ, D}, ks{T, HK, D}, w{D}, cs{MAXP, ROT};
    const int64_t ks_dims[3] = {T, HK, D}, t_dims[1] = {T};
    vknorm::QkNormRopeArgs a;
    a.q = cpp_view(ib, Q, qs);
    a.k = cpp_view(ib, K, ks);
    a.q_out = cpp_view(qo_cpp.buf.buffer, 0, qs);
    a.k_out = Tensor::contiguous(ko_cpp.buf.buffer, 0, T * HK * D * 2, DType::f16, ks);
    a.q_weight = cpp_view(ib, WQ, w);
    a.k_weight = cpp_view(ib, WK, w);
    a.positions = Tensor::contiguous(pos.buf.buffer, 0, T * 4, DType::i32, {T});
    a.cos_sin_cache = cpp_view(ib, CS, cs);
    a.rotary_dim = ROT;
    a.style = vknorm::RopeStyle::gptj;
    a.rope_theta = 5000.0f;
    a.eps = 1e-4f;
    vknorm_qk_norm_rope_args c;
    std::memset(&c, 0xAB, sizeof c);
    vknorm_qk_norm_rope_args_init(&c);
    CHECK(c.rotary_dim == 0);
    CHECK(c.style == VKNORM_ROPE_STYLE_NEOX);
    CHECK(c.rope_theta == 10000.0f);
    CHECK(c.eps == vknorm::QkNormRopeArgs{}.eps);
    for (const vknorm_tensor* t : {&c.q, &c.k, &c.q_out, &c.k_out, &c.q_weight, &c.k_weight, &c.positions, &c.cos_sin_cache})
      CHECK(same_tensor(*t, Tensor{}));
    c.q = c_view(ib, Q, qs);
    c.k = c_view(ib, K, ks);
    c.q_out = c_view(qo_c.buf.buffer, 0, qs);
    c.k_out = vknorm_tensor_contiguous(ko_c.buf.buffer, 0, T * HK * D * 2, VKNORM_DTYPE_F16, 3, ks_dims);
    c.q_weight = c_view(ib, WQ, w);
    c.k_weight = c_view(ib, WK, w);
    c.positions = vknorm_tensor_contiguous(pos.buf.buffer, 0, T * 4, VKNORM_DTYPE_I32, 1, t_dims);
    c.cos_sin_cache = c_view(ib, CS, cs);
    c.rotary_dim = ROT;
    c.style = VKNORM_ROPE_STYLE_GPTJ;
    c.rope_theta = 5000.0f;
    c.eps = 1e-4f;
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(qk_norm_rope), a, c);
    CHECK(contents(dev, qo_cpp) == contents(dev, qo_c));
    CHECK(contents(dev, ko_cpp) == contents(dev, ko_c));
    // Without the cache rope_theta decides cos / sin: the same bytes again (the field converts).
    a.cos_sin_cache = Tensor{};
    c.cos_sin_cache = vknorm_tensor{};
    call_both(dev, VKNORM_TEST_C_ENTRY_POINTS(qk_norm_rope), a, c);
    CHECK(contents(dev, qo_cpp) == contents(dev, qo_c));
    CHECK(contents(dev, ko_cpp) == contents(dev, ko_c));
    CHECK(std::string(vknorm_op_name(VKNORM_OP_QK_NORM_ROPE)) == "qk_norm_rope");
    vknorm_prepare_info info;
    vknorm_prepare_info_init(&info);
    CHECK(info.kv_heads == 0);
    CHECK(info.k_out_f16 == VK_FALSE);
    info.op = VKNORM_OP_QK_NORM_ROPE;
    info.dtype = VKNORM_DTYPE_F32;
    info.rank = 3;
    info.shape[0] = T;
    info.shape[1] = HQ;
    info.shape[2] = D;
    info.kv_heads = HK;
    info.k_out_f16 = VK_TRUE;
    info.by_address = dev.info().buffers_need_device_address ? VK_TRUE : VK_FALSE;
    REQUIRE(vknorm_prepare(ctx, &info) == VKNORM_STATUS_OK);
    const size_t before = vknorm_pipeline_count(ctx);
    CHECK(vknorm_prepare_qk_norm_rope(ctx, &c) == VKNORM_STATUS_OK);
    CHECK(vknorm_pipeline_count(ctx) == before);
  }
}
