// The embedding API: device requirements, merging feature bits into an engine's pNext chain,
// create_context's verification of claimed features, strided views, and buffer-free prepare.
#include "test_common.h"

#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

// Include-order translation units (tests/include_order_*.cpp), compiled into this binary.
int vknorm_include_order_vulkan_first();
int vknorm_include_order_vknorm_first();

namespace {

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

// --- pNext chain helpers --------------------------------------------------------------------

std::vector<VkStructureType> chain_types(const void* p) {
  std::vector<VkStructureType> v;
  for (auto* s = static_cast<const VkBaseInStructure*>(p); s; s = s->pNext) v.push_back(s->sType);
  return v;
}

size_t count_type(const std::vector<VkStructureType>& v, VkStructureType t) {
  size_t n = 0;
  for (VkStructureType x : v) n += x == t;
  return n;
}

template <class T>
const T* find_in_chain(const void* p, VkStructureType t) {
  for (auto* s = static_cast<const VkBaseInStructure*>(p); s; s = s->pNext)
    if (s->sType == t) return reinterpret_cast<const T*>(s);
  return nullptr;
}

vknorm::EnabledFeatures all_features() {
  vknorm::EnabledFeatures f;
  f.push_descriptor = f.buffer_device_address = f.storage_buffer_16bit = true;
  f.subgroup_size_control = f.pipeline_executable_info = true;
  return f;
}

const char* kAllExtensions[] = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME, VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME,
                                VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME,
                                VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME};

VkDeviceCreateInfo create_info_with_all_extensions() {
  VkDeviceCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  ci.enabledExtensionCount = 4;
  ci.ppEnabledExtensionNames = kAllExtensions;
  return ci;
}

// --- device helpers -------------------------------------------------------------------------

// A VkDevice of its own on the host's physical device, with exactly `extensions` enabled and
// no feature structure.
struct BareDevice {
  VkDevice device = VK_NULL_HANDLE;
  BareDevice(HostDevice& host, std::vector<const char*> extensions) {
    const float prio = 1.0f;
    VkDeviceQueueCreateInfo q{};
    q.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    q.queueFamilyIndex = host.queue_family();
    q.queueCount = 1;
    q.pQueuePriorities = &prio;
    VkDeviceCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    ci.queueCreateInfoCount = 1;
    ci.pQueueCreateInfos = &q;
    ci.enabledExtensionCount = uint32_t(extensions.size());
    ci.ppEnabledExtensionNames = extensions.data();
    REQUIRE(vkCreateDevice(host.physical_device(), &ci, nullptr, &device) == VK_SUCCESS);
  }
  ~BareDevice() { vkDestroyDevice(device, nullptr); }
};

vknorm::ContextCreateInfo context_info(HostDevice& host, VkDevice device, const vknorm::EnabledFeatures& en) {
  vknorm::ContextCreateInfo ci{};
  ci.instance = host.instance();
  ci.physical_device = host.physical_device();
  ci.device = device;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  ci.enabled = en;
  return ci;
}

// A context of its own on the host's device (so pipeline counts start at 0).
struct FreshContext {
  vknorm::Context* ctx = nullptr;
  FreshContext(HostDevice& host, VkDeviceSize scratch = 0) {
    vknorm::ContextCreateInfo ci = context_info(host, host.device(), host.info().enabled);
    ci.context_scratch_bytes = scratch;
    Error e = vknorm::create_context(ci, &ctx);
    REQUIRE_MESSAGE(e.ok(), e.message);
  }
  ~FreshContext() { vknorm::destroy_context(ctx); }
};

PFN_vkVoidFunction VKAPI_CALL null_gipa(VkInstance, const char*) { return nullptr; }

int64_t product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

}  // namespace

TEST_SUITE("api") {
  TEST_CASE("vknorm.h compiles whatever is included first") {
    CHECK(vknorm_include_order_vulkan_first() == 4);
    CHECK(vknorm_include_order_vknorm_first() == 4);
  }

  TEST_CASE("add_device_features: empty chain gets one individual structure per feature") {
    VkDeviceCreateInfo ci = create_info_with_all_extensions();
    vknorm::DeviceFeatureChain storage;
    Error e = vknorm::add_device_features(all_features(), VK_API_VERSION_1_3, &ci, &storage);
    REQUIRE_MESSAGE(e.ok(), e.message);
    auto types = chain_types(ci.pNext);
    CHECK(types.size() == 4);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES) == 1);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES) == 1);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES) == 1);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR) == 1);
    CHECK(storage.storage16.storageBuffer16BitAccess == VK_TRUE);
    CHECK(storage.bda.bufferDeviceAddress == VK_TRUE);
    CHECK(storage.subgroup_size_control.subgroupSizeControl == VK_TRUE);
    CHECK(storage.executable_properties.pipelineExecutableInfo == VK_TRUE);
    CHECK(ci.pEnabledFeatures == nullptr);  // no core feature bit is needed
    // Again with the same storage: found in the chain, nothing added twice.
    e = vknorm::add_device_features(all_features(), VK_API_VERSION_1_3, &ci, &storage);
    REQUIRE(e.ok());
    CHECK(chain_types(ci.pNext).size() == 4);
  }

  TEST_CASE("add_device_features: engine's Vulkan11/12/13 structures carry the bits") {
    VkPhysicalDeviceVulkan11Features v11{};
    v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    v11.multiview = VK_TRUE;  // the engine's own bits stay
    VkPhysicalDeviceVulkan12Features v12{};
    v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    v12.timelineSemaphore = VK_TRUE;
    v12.bufferDeviceAddressCaptureReplay = VK_TRUE;
    VkPhysicalDeviceVulkan13Features v13{};
    v13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
    v13.synchronization2 = VK_TRUE;
    VkPhysicalDeviceFeatures2 f2{};
    f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    f2.features.shaderInt64 = VK_TRUE;
    f2.pNext = &v11;
    v11.pNext = &v12;
    v12.pNext = &v13;
    VkDeviceCreateInfo ci = create_info_with_all_extensions();
    ci.pNext = &f2;
    vknorm::DeviceFeatureChain storage;
    Error e = vknorm::add_device_features(all_features(), VK_API_VERSION_1_3, &ci, &storage);
    REQUIRE_MESSAGE(e.ok(), e.message);
    auto types = chain_types(ci.pNext);
    // Only the pipeline-executable structure (no VulkanXY carrier) is added; no individual
    // structure next to a VulkanXY one (VUID-VkDeviceCreateInfo-pNext-02829/02830/06532).
    CHECK(types.size() == 5);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR) == 1);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES) == 0);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES) == 0);
    CHECK(count_type(types, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES) == 0);
    CHECK(v11.storageBuffer16BitAccess == VK_TRUE);
    CHECK(v12.bufferDeviceAddress == VK_TRUE);
    CHECK(v13.subgroupSizeControl == VK_TRUE);
    CHECK(v11.multiview == VK_TRUE);
    CHECK(v12.timelineSemaphore == VK_TRUE);
    CHECK(v12.bufferDeviceAddressCaptureReplay == VK_TRUE);
    CHECK(v13.synchronization2 == VK_TRUE);
    CHECK(f2.features.shaderInt64 == VK_TRUE);
    CHECK(v11.uniformAndStorageBuffer16BitAccess == VK_FALSE);  // nothing else switched on
  }

  TEST_CASE("add_device_features: engine's individual structures carry the bits; only wanted ones") {
    VkPhysicalDevice16BitStorageFeatures s16{};
    s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
    s16.storagePushConstant16 = VK_TRUE;
    VkPhysicalDeviceBufferDeviceAddressFeatures bda{};
    bda.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES;
    s16.pNext = &bda;
    VkDeviceCreateInfo ci = create_info_with_all_extensions();
    ci.pNext = &s16;
    vknorm::EnabledFeatures f;  // the required set only, as features_to_enable() gives it
    f.push_descriptor = f.buffer_device_address = f.storage_buffer_16bit = true;
    vknorm::DeviceFeatureChain storage;
    Error e = vknorm::add_device_features(f, VK_API_VERSION_1_1, &ci, &storage);
    REQUIRE_MESSAGE(e.ok(), e.message);
    CHECK(chain_types(ci.pNext).size() == 2);
    CHECK(ci.pNext == &s16);
    CHECK(s16.storageBuffer16BitAccess == VK_TRUE);
    CHECK(s16.storagePushConstant16 == VK_TRUE);
    CHECK(bda.bufferDeviceAddress == VK_TRUE);
  }

  TEST_CASE("add_device_features: missing extensions and bad arguments") {
    vknorm::DeviceFeatureChain storage;
    VkDeviceCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    vknorm::EnabledFeatures f;
    f.push_descriptor = true;
    Error e = vknorm::add_device_features(f, VK_API_VERSION_1_3, &ci, &storage);
    CHECK(e.status == Status::invalid_argument);
    CHECK(e.message.find(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) != std::string::npos);
    // Buffer device address below 1.2 needs the KHR extension; at 1.2 it does not.
    f = {};
    f.buffer_device_address = true;
    e = vknorm::add_device_features(f, VK_API_VERSION_1_1, &ci, &storage);
    CHECK(e.status == Status::invalid_argument);
    CHECK(e.message.find(VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME) != std::string::npos);
    CHECK(ci.pNext == nullptr);  // nothing changed on error
    e = vknorm::add_device_features(f, VK_API_VERSION_1_2, &ci, &storage);
    CHECK(e.ok());
    CHECK(chain_types(ci.pNext).size() == 1);
    f = {};
    f.pipeline_executable_info = true;
    ci.pNext = nullptr;
    CHECK(vknorm::add_device_features(f, VK_API_VERSION_1_3, &ci, &storage).status == Status::invalid_argument);
    CHECK(vknorm::add_device_features(f, VK_API_VERSION_1_3, nullptr, &storage).status == Status::invalid_argument);
    CHECK(vknorm::add_device_features(f, VK_API_VERSION_1_3, &ci, nullptr).status == Status::invalid_argument);
  }

  TEST_CASE("fill_device_feature_chain links only the structures it enables") {
    vknorm::DeviceFeatureChain c;
    vknorm::EnabledFeatures f;
    f.storage_buffer_16bit = true;
    vknorm::fill_device_feature_chain(f, &c);
    auto types = chain_types(c.chain());
    REQUIRE(types.size() == 2);
    CHECK(types[0] == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
    CHECK(types[1] == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
    vknorm::fill_device_feature_chain(all_features(), &c);
    CHECK(chain_types(c.chain()).size() == 5);
  }

  TEST_CASE("query_device_requirements: required vs optional, errors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::DeviceRequirements req;
    Error e = vknorm::query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &req);
    REQUIRE_MESSAGE(e.ok(), e.message);
    std::set<std::string> required(req.extensions.begin(), req.extensions.end());
    for (const char* opt : {VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME})
      CHECK_MESSAGE(required.count(opt) == 0, opt << " must never be in req.extensions");
    CHECK(required.count(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) == (req.supported.push_descriptor ? 1u : 0u));
    if (req.supported.pipeline_executable_info)
      CHECK(std::string(req.optional_extensions.back()) == VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
    const vknorm::EnabledFeatures f = req.features_to_enable();
    CHECK_FALSE(f.subgroup_size_control);
    CHECK_FALSE(f.pipeline_executable_info);
    CHECK(f.push_descriptor == req.supported.push_descriptor);
    CHECK(f.buffer_device_address == req.supported.buffer_device_address);
    CHECK(f.storage_buffer_16bit == req.supported.storage_buffer_16bit);
    // The harness enables features_to_enable() only: the context reports that.
    CHECK_FALSE(dev.info().enabled.pipeline_executable_info);
    CHECK(dev.info().buffers_need_device_address == !dev.info().enabled.push_descriptor);

    CHECK(vknorm::query_device_requirements(dev.instance(), dev.physical_device(), nullptr, &req).status ==
          Status::invalid_argument);
    CHECK(vknorm::query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, nullptr).status ==
          Status::invalid_argument);
    CHECK(vknorm::query_device_requirements(VK_NULL_HANDLE, dev.physical_device(), vkGetInstanceProcAddr, &req).status ==
          Status::invalid_argument);
    CHECK(vknorm::query_device_requirements(dev.instance(), VK_NULL_HANDLE, vkGetInstanceProcAddr, &req).status ==
          Status::invalid_argument);
    e = vknorm::query_device_requirements(dev.instance(), dev.physical_device(), null_gipa, &req);
    CHECK(e.status == Status::vulkan_error);  // an empty loader is an error, not an empty result
    CHECK(req.extensions.empty());
  }

  TEST_CASE("create_context verifies the claimed features") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = nullptr;
    {
      // A device created without VK_KHR_push_descriptor, claimed to have it.
      BareDevice bare(dev, {});
      vknorm::EnabledFeatures en;
      en.push_descriptor = true;
      Error e = vknorm::create_context(context_info(dev, bare.device, en), &ctx);
      CHECK(e.status == Status::invalid_argument);
      CHECK_MESSAGE(e.message.find("VK_KHR_push_descriptor was not enabled") != std::string::npos, e.message);
      CHECK(ctx == nullptr);
      // Nothing claimed: vknorm has no way to bind buffers.
      e = vknorm::create_context(context_info(dev, bare.device, vknorm::EnabledFeatures{}), &ctx);
      CHECK(e.status == Status::unsupported);
    }
    vknorm::DeviceRequirements req;
    REQUIRE(vknorm::query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &req).ok());
    // The harness does not enable the profiling extension: claiming it is refused, as not
    // enabled (if the device supports it) or as unsupported (lavapipe).
    vknorm::EnabledFeatures en = dev.info().enabled;
    en.pipeline_executable_info = true;
    Error e = vknorm::create_context(context_info(dev, dev.device(), en), &ctx);
    if (dev.info().enabled.pipeline_executable_info) {
      CHECK(e.ok());
      vknorm::destroy_context(ctx);
    } else if (req.supported.pipeline_executable_info) {
      CHECK(e.status == Status::invalid_argument);
      CHECK_MESSAGE(e.message.find("VK_KHR_pipeline_executable_properties was not enabled") != std::string::npos, e.message);
    } else {
      CHECK(e.status == Status::invalid_argument);
      CHECK_MESSAGE(e.message.find("pipeline_executable_info (VK_KHR_pipeline_executable_properties) is claimed, but") !=
                        std::string::npos, e.message);
      CHECK_MESSAGE(e.message.find("does not support it") != std::string::npos, e.message);
    }
    // Other features the physical device lacks, when there are some.
    bool tested = !req.supported.pipeline_executable_info;
    for (bool vknorm::EnabledFeatures::*m : {&vknorm::EnabledFeatures::storage_buffer_16bit,
                                             &vknorm::EnabledFeatures::subgroup_size_control,
                                             &vknorm::EnabledFeatures::buffer_device_address}) {
      if (req.supported.*m) continue;
      vknorm::EnabledFeatures claim = dev.info().enabled;
      claim.*m = true;
      e = vknorm::create_context(context_info(dev, dev.device(), claim), &ctx);
      CHECK(e.status == Status::invalid_argument);
      CHECK(e.message.find("does not support") != std::string::npos);
      tested = true;
    }
    if (!tested) MESSAGE("the device supports every feature: the unsupported-claim path is not exercised here");
    (void)tested;
    // Null vkGetInstanceProcAddr.
    vknorm::ContextCreateInfo ci = context_info(dev, dev.device(), dev.info().enabled);
    ci.get_instance_proc_addr = nullptr;
    e = vknorm::create_context(ci, &ctx);
    CHECK(e.status == Status::invalid_argument);
    CHECK(e.message.find("get_instance_proc_addr") != std::string::npos);
  }

  TEST_CASE("Tensor::strided computes the bytes a view needs") {
    const VkBuffer fake = VK_NULL_HANDLE;
    Tensor c = Tensor::contiguous(fake, 0, 0, DType::f32, {2, 3, 4});
    CHECK(c.bytes_needed() == 2 * 3 * 4 * 4);
    Tensor s = Tensor::strided(fake, 64, DType::f16, {2, 3, 4}, {12, 4, 1});
    CHECK(s.size == 2 * 3 * 4 * 2);
    CHECK(s.offset == 64);
    CHECK(s.rank == 3);
    // Padded rows: (R, D) with row stride D + 5: the last row ends at (R-1)*(D+5) + D.
    Tensor p = Tensor::strided(fake, 0, DType::f32, std::vector<int64_t>{7, 10}, std::vector<int64_t>{15, 1});
    CHECK(p.size == ((7 - 1) * 15 + 10) * 4);
    // Broadcast (stride 0) and a transposed view.
    CHECK(Tensor::strided(fake, 0, DType::f32, {5, 3}, {0, 1}).size == 3 * 4);
    CHECK(Tensor::strided(fake, 0, DType::bf16, {3, 4}, {1, 3}).size == 12 * 2);
    // Zero-size views need 0 bytes.
    Tensor z = Tensor::strided_at(0x10000, DType::f32, {4, 0, 3}, {0, 3, 1});
    CHECK(z.size == 0);
    CHECK(z.address == 0x10000);
    // Negative strides: 0 bytes; mismatched lengths: rejected rank.
    CHECK(Tensor::strided(fake, 0, DType::f32, {4}, {-1}).size == 0);
    CHECK(Tensor::strided(fake, 0, DType::f32, {4, 2}, {1}).rank == vknorm::kMaxRank + 1);
    // Overflow saturates.
    CHECK(Tensor::strided(fake, 0, DType::f32, {int64_t(1) << 40, 1 << 30}, {int64_t(1) << 40, 1}).size == ~uint64_t(0));
  }

  TEST_CASE("strided views through the operators: accepted, zero-size, negative strides rejected") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096);
    // LayerNorm over padded rows (row stride 40 for D = 32): size computed by strided().
    vknorm::LayerNormArgs l{};
    l.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {8, 32}, {40, 1});
    l.y = Tensor::strided(yb.buf.buffer, 0, DType::f32, {8, 32}, {40, 1});
    if (dev.info().buffers_need_device_address) {
      l.x = Tensor::strided_at(xb.buf.address, DType::f32, {8, 32}, {40, 1});
      l.y = Tensor::strided_at(yb.buf.address, DType::f32, {8, 32}, {40, 1});
    }
    CHECK(l.x.size == (7 * 40 + 32) * 4);
    Error err;
    CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_layer_norm(dev.context(), cmd, l); }) == VK_SUCCESS);
    CHECK_MESSAGE(err.ok(), err.message);
    // Zero rows: nothing to do, accepted.
    vknorm::LayerNormArgs z = l;
    z.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {0, 32}, {40, 1});
    z.y = Tensor::strided(yb.buf.buffer, 0, DType::f32, {0, 32}, {40, 1});
    CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_layer_norm(dev.context(), cmd, z); }) == VK_SUCCESS);
    CHECK_MESSAGE(err.ok(), err.message);
    // Negative strides are rejected (with size 0 nothing else could pass either).
    vknorm::RmsNormArgs r{};
    r.x = Tensor::strided(xb.buf.buffer, 1024, DType::f32, {2, 4, 8}, {32, 8, -1});
    r.y = Tensor::strided(yb.buf.buffer, 0, DType::f32, {2, 4, 8}, {32, 8, 1});
    CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm(dev.context(), cmd, r); }) == VK_SUCCESS);
    CHECK(err.status == Status::invalid_argument);
    CHECK_MESSAGE(err.message.find("negative strides") != std::string::npos, err.message);
  }

  TEST_CASE("one verb per action: scratch_size / prepare / record overloaded on every args type") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = dev.context();
    // Every operator of VKNORM_OPERATORS: the overloads give what the named functions give (on
    // args without tensors: the same refusal with the same message, nothing recorded).
    int ops = 0;
#define VKNORM_TEST_VERBS(name, Args)                                                              \
  {                                                                                                \
    CAPTURE(#name);                                                                                \
    const vknorm::Args a{};                                                                        \
    VkDeviceSize b1 = 7, b2 = 7;                                                                   \
    const Error s1 = vknorm::scratch_size(ctx, a, &b1), s2 = vknorm::name##_scratch_size(ctx, a, &b2); \
    CHECK(s1.status == s2.status);                                                                 \
    CHECK(s1.message == s2.message);                                                               \
    CHECK(b1 == b2);                                                                               \
    const Error p1 = vknorm::prepare(ctx, a), p2 = vknorm::prepare_##name(ctx, a);                 \
    CHECK(p1.status == p2.status);                                                                 \
    CHECK(p1.message == p2.message);                                                               \
    Error r1, r2;                                                                                  \
    CHECK(dev.run([&](VkCommandBuffer cmd) {                                                       \
      r1 = vknorm::record(ctx, cmd, a);                                                            \
      r2 = vknorm::record_##name(ctx, cmd, a);                                                     \
    }) == VK_SUCCESS);                                                                             \
    CHECK(r1.status == r2.status);                                                                 \
    CHECK(r1.message == r2.message);                                                               \
    ++ops;                                                                                         \
  }
    VKNORM_OPERATORS(VKNORM_TEST_VERBS)
#undef VKNORM_TEST_VERBS
    CHECK(ops == 15);
    // A real call through the overloads: LayerNorm over 8 rows of 100, bit-identical to the
    // named call's output.
    constexpr int kRows = 8, kD = 100;
    std::vector<float> xs(kRows * kD);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = float((i * 37) % 101) * 0.03f - 1.2f;
    const VkDeviceSize bytes = xs.size() * sizeof(float);
    TestBuffer xb(dev, bytes), y1(dev, bytes), y2(dev, bytes);
    dev.upload(xb.buf, xs.data(), bytes);
    auto tensor = [&](TestBuffer& t) {
      return dev.info().buffers_need_device_address
                 ? Tensor::contiguous_at(t.buf.address, bytes, DType::f32, {kRows, kD})
                 : Tensor::contiguous(t.buf.buffer, 0, bytes, DType::f32, {kRows, kD});
    };
    vknorm::LayerNormArgs la{};
    la.x = tensor(xb);
    la.y = tensor(y1);
    VkDeviceSize need = 1;
    CHECK(vknorm::scratch_size(ctx, la, &need).ok());
    CHECK(need == 0);
    CHECK(vknorm::prepare(ctx, la).ok());
    Error e1, e2;
    CHECK(dev.run([&](VkCommandBuffer cmd) { e1 = vknorm::record(ctx, cmd, la); }) == VK_SUCCESS);
    vknorm::LayerNormArgs lb = la;
    lb.y = tensor(y2);
    CHECK(dev.run([&](VkCommandBuffer cmd) { e2 = vknorm::record_layer_norm(ctx, cmd, lb); }) == VK_SUCCESS);
    REQUIRE_MESSAGE(e1.ok(), e1.message);
    REQUIRE_MESSAGE(e2.ok(), e2.message);
    std::vector<float> o1(xs.size()), o2(xs.size());
    dev.download(y1.buf, o1.data(), bytes);
    dev.download(y2.buf, o2.data(), bytes);
    CHECK(std::memcmp(o1.data(), o2.data(), bytes) == 0);
    CHECK(!y1.poisoned());
  }

  TEST_CASE("prepare creates every pipeline a call of that shape uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    FreshContext fc(dev, 64u << 20);
    vknorm::Context* ctx = fc.ctx;
    const bool bda = vknorm::device_info(ctx).enabled.buffer_device_address;
    struct Case {
      vknorm::Op op;
      DType dt;
      std::vector<int64_t> shape;
      int nr;
      bool by_address;
      bool aligned;
    };
    std::vector<Case> cases = {
        {vknorm::Op::rms_norm, DType::f32, {2, 64, 257}, 1, false, true},
        {vknorm::Op::rms_norm, DType::f16, {4, 8, 64}, 1, false, true},
        {vknorm::Op::rms_norm, DType::f32, {2, 8, 64}, 1, false, false},
        {vknorm::Op::layer_norm_forward, DType::f32, {64, 256}, 1, false, true},
        {vknorm::Op::layer_norm_forward, DType::bf16, {2, 3, 512}, 2, false, true},
        {vknorm::Op::layer_norm_forward, DType::f32, {2, 65536}, 1, false, true},  // long rows: split
        {vknorm::Op::layer_norm_backward, DType::f32, {4096, 64}, 1, false, true},  // column sums
        {vknorm::Op::layer_norm_backward, DType::f16, {3, 20000}, 1, false, true},
    };
    if (bda) {
      cases.push_back({vknorm::Op::rms_norm, DType::f32, {2, 64, 257}, 1, true, true});
      cases.push_back({vknorm::Op::layer_norm_forward, DType::f32, {2, 65536}, 1, true, true});
      cases.push_back({vknorm::Op::layer_norm_backward, DType::f32, {4096, 64}, 1, true, true});
    }
    std::set<std::string> kernels_seen;
    for (const Case& c : cases) {
      if (!vknorm::device_info(ctx).supports(c.dt)) continue;
      const std::string op = vknorm::op_name(c.op), dtype = vknorm::dtype_name(c.dt);
      CAPTURE(op);
      CAPTURE(dtype);
      CAPTURE(c.shape.size());
      CAPTURE(c.shape.back());
      CAPTURE(c.by_address);
      CAPTURE(c.aligned);
      vknorm::PrepareInfo pi = vknorm::PrepareInfo::make(c.op, c.dt, c.shape, c.nr);
      pi.by_address = c.by_address;
      pi.aligned = c.aligned;
      const size_t before = vknorm::pipeline_count(ctx);
      Error e = vknorm::prepare(ctx, pi);
      REQUIRE_MESSAGE(e.ok(), e.message);
      if (c.op == vknorm::Op::layer_norm_backward) {  // the test runs the forward pass first
        vknorm::PrepareInfo f = pi;
        f.op = vknorm::Op::layer_norm_forward;
        e = vknorm::prepare(ctx, f);
        REQUIRE_MESSAGE(e.ok(), e.message);
      }
      const size_t prepared = vknorm::pipeline_count(ctx);
      // The real call, with real buffers.
      const int64_t n = product(c.shape);
      const VkDeviceSize es = vknorm::dtype_size(c.dt);
      const VkDeviceSize misalign = c.aligned ? 0 : es;
      const VkDeviceSize bytes = VkDeviceSize(n) * es + 64;
      vknorm_support::Buffer x = dev.create_buffer(bytes, false), y = dev.create_buffer(bytes, false),
                             z = dev.create_buffer(bytes, false);
      const int64_t D = product(std::vector<int64_t>(c.shape.end() - c.nr, c.shape.end()));
      const int64_t rows = n / D;
      vknorm_support::Buffer m = dev.create_buffer(VkDeviceSize(rows) * 4, false),
                             s = dev.create_buffer(VkDeviceSize(rows) * 4, false),
                             w = dev.create_buffer(VkDeviceSize(D) * es, false);
      REQUIRE(x.buffer);
      REQUIRE(w.buffer);
      auto T = [&](const vknorm_support::Buffer& b, DType dt, const std::vector<int64_t>& shape, VkDeviceSize off) {
        if (c.by_address) return Tensor::contiguous_at(b.address + off, b.size - off, dt, shape);
        return Tensor::contiguous(b.buffer, off, b.size - off, dt, shape);
      };
      Error err;
      std::vector<vknorm::DispatchInfo> dispatches;
      VkResult r = dev.run([&](VkCommandBuffer cmd) {
        if (c.op == vknorm::Op::rms_norm) {
          vknorm::RmsNormArgs a{};
          a.x = T(x, c.dt, c.shape, misalign);
          a.y = T(y, c.dt, c.shape, misalign);
          a.weight = T(w, c.dt, {c.shape[1]}, 0);
          err = vknorm::record_rms_norm(ctx, cmd, a);
          if (!err) vknorm::describe_dispatches(ctx, a, &dispatches);
        } else if (c.op == vknorm::Op::layer_norm_forward) {
          vknorm::LayerNormArgs a{};
          a.x = T(x, c.dt, c.shape, misalign);
          a.y = T(y, c.dt, c.shape, misalign);
          a.mean = T(m, DType::f32, {rows}, 0);
          a.rstd = T(s, DType::f32, {rows}, 0);
          a.normalized_rank = c.nr;
          err = vknorm::record_layer_norm(ctx, cmd, a);
          if (!err) vknorm::describe_dispatches(ctx, a, &dispatches);
        } else {
          // The forward pass first, so that mean / rstd hold real values.
          vknorm::LayerNormArgs f{};
          f.x = T(x, c.dt, c.shape, misalign);
          f.y = T(y, c.dt, c.shape, misalign);
          f.mean = T(m, DType::f32, {rows}, 0);
          f.rstd = T(s, DType::f32, {rows}, 0);
          f.normalized_rank = c.nr;
          const size_t fwd_before = vknorm::pipeline_count(ctx);
          err = vknorm::record_layer_norm(ctx, cmd, f);
          if (err) return;
          CHECK(vknorm::pipeline_count(ctx) == fwd_before);
          dev.full_barrier(cmd);
          vknorm::LayerNormBackwardArgs a{};
          a.dy = T(y, c.dt, c.shape, misalign);
          a.x = T(x, c.dt, c.shape, misalign);
          a.mean = f.mean;
          a.rstd = f.rstd;
          a.dx = T(z, c.dt, c.shape, misalign);
          a.dweight = T(w, c.dt, std::vector<int64_t>(c.shape.end() - c.nr, c.shape.end()), 0);
          a.normalized_rank = c.nr;
          const size_t bwd_before = vknorm::pipeline_count(ctx);
          err = vknorm::record_layer_norm_backward(ctx, cmd, a);
          CHECK(vknorm::pipeline_count(ctx) == bwd_before);
          if (!err) vknorm::describe_dispatches(ctx, a, &dispatches);
        }
      });
      CHECK(r == VK_SUCCESS);
      CHECK_MESSAGE(err.ok(), err.message);
      if (before == 0) CHECK(prepared > 0);
      CHECK_MESSAGE(vknorm::pipeline_count(ctx) == prepared, "the call created a pipeline prepare() did not");
      for (const auto& d : dispatches) kernels_seen.insert(d.kernel.substr(0, d.kernel.find('.')));
      for (vknorm_support::Buffer* b : {&x, &y, &z, &m, &s, &w}) dev.destroy_buffer(*b);
    }
    std::string seen;
    for (const auto& k : kernels_seen) seen += k + " ";
    MESSAGE("kernels covered: " << seen);
    CHECK(vknorm::pipeline_count(ctx) > 0);
    // Bad infos.
    vknorm::PrepareInfo bad = vknorm::PrepareInfo::make(vknorm::Op::rms_norm, DType::f32, {8});
    CHECK(vknorm::prepare(ctx, bad).status == Status::invalid_argument);  // rank < 2
    bad = vknorm::PrepareInfo::make(vknorm::Op::layer_norm_forward, DType::f32, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(vknorm::prepare(ctx, bad).status == Status::invalid_argument);
    bad = vknorm::PrepareInfo::make(vknorm::Op::layer_norm_forward, DType::f32, {4, 8}, 3);
    CHECK(vknorm::prepare(ctx, bad).status == Status::invalid_argument);
    CHECK(vknorm::prepare(nullptr, bad).status == Status::invalid_argument);
  }

  TEST_CASE("first-call cost: pipeline creation time per pipeline") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    // Two fresh contexts sharing one VkPipelineCache: the first fills it, the second shows what
    // an engine that saves and reloads its cache pays on later runs.
    VkPipelineCacheCreateInfo pci{};
    pci.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
    VkPipelineCache cache = VK_NULL_HANDLE;
    REQUIRE(vkCreatePipelineCache(dev.device(), &pci, nullptr, &cache) == VK_SUCCESS);
    size_t counts[2] = {};
    double ms[2] = {};
    for (int run = 0; run < 2; ++run) {
      vknorm::ContextCreateInfo ci = context_info(dev, dev.device(), dev.info().enabled);
      ci.pipeline_cache = cache;
      vknorm::Context* ctx = nullptr;
      REQUIRE(vknorm::create_context(ci, &ctx).ok());
      using clock = std::chrono::steady_clock;
      const auto t0 = clock::now();
      for (DType dt : kAllDtypes) {
        if (!vknorm::device_info(ctx).supports(dt)) continue;
        REQUIRE(vknorm::prepare(ctx, vknorm::PrepareInfo::make(vknorm::Op::rms_norm, dt, {2, 64, 4096})).ok());
        REQUIRE(vknorm::prepare(ctx, vknorm::PrepareInfo::make(vknorm::Op::layer_norm_forward, dt, {64, 4096})).ok());
        REQUIRE(vknorm::prepare(ctx, vknorm::PrepareInfo::make(vknorm::Op::layer_norm_backward, dt, {4096, 1024})).ok());
      }
      ms[run] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
      counts[run] = vknorm::pipeline_count(ctx);
      REQUIRE(counts[run] > 0);
      // Prepared again: found, nothing created.
      REQUIRE(vknorm::prepare(ctx, vknorm::PrepareInfo::make(vknorm::Op::rms_norm, DType::f32, {2, 64, 4096})).ok());
      CHECK(vknorm::pipeline_count(ctx) == counts[run]);
      vknorm::destroy_context(ctx);
    }
    CHECK(counts[0] == counts[1]);
    MESSAGE(counts[0] << " pipelines on " << dev.info().name << " (validation layer "
                      << std::string(dev.validation_enabled() ? "on" : "off") << "): empty VkPipelineCache "
                      << ms[0] / double(counts[0]) << " ms per pipeline, warm VkPipelineCache "
                      << ms[1] / double(counts[1]) << " ms per pipeline");
    vkDestroyPipelineCache(dev.device(), cache, nullptr);
  }
}
