// An engine that loads Vulkan through volk's global entry points (volkInitialize,
// volkLoadInstance, volkLoadDevice; no loader linked), creates its own instance and device, then
// hands vknorm volk's vkGetInstanceProcAddr. vknorm must run correctly and must not touch volk's
// globals (it keeps its own function table). Built with VK_NO_PROTOTYPES and volk.c compiled in.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <volk.h>

#include <vknorm/vknorm.h>

#include "support/dtype_convert.h"
#include "support/reference.h"
#include "support/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

// A snapshot of volk's global function pointers (a broad sample: the ones vknorm could be
// tempted to (re)load, plus everything this test uses).
#define VOLK_SNAPSHOT_LIST(X)                                                               \
  X(vkGetInstanceProcAddr) X(vkGetDeviceProcAddr) X(vkCreateInstance) X(vkDestroyInstance)  \
  X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)                            \
  X(vkGetPhysicalDeviceProperties2) X(vkGetPhysicalDeviceFeatures2)                         \
  X(vkGetPhysicalDeviceMemoryProperties) X(vkEnumerateDeviceExtensionProperties)            \
  X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkCreateDevice) X(vkDestroyDevice)          \
  X(vkGetDeviceQueue) X(vkCreateShaderModule) X(vkDestroyShaderModule)                      \
  X(vkCreateComputePipelines) X(vkDestroyPipeline) X(vkCreatePipelineLayout)                \
  X(vkDestroyPipelineLayout) X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) \
  X(vkCreatePipelineCache) X(vkCreateDescriptorPool) X(vkAllocateDescriptorSets)            \
  X(vkUpdateDescriptorSets) X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets)                 \
  X(vkCmdPushConstants) X(vkCmdDispatch) X(vkCmdPipelineBarrier) X(vkCmdPushDescriptorSetKHR) \
  X(vkCreateBuffer) X(vkDestroyBuffer) X(vkAllocateMemory) X(vkFreeMemory) X(vkMapMemory)   \
  X(vkBindBufferMemory) X(vkGetBufferMemoryRequirements) X(vkGetBufferDeviceAddress)        \
  X(vkGetBufferDeviceAddressKHR) X(vkQueueSubmit) X(vkQueueWaitIdle) X(vkCreateCommandPool) \
  X(vkAllocateCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer)                 \
  X(vkCmdFillBuffer) X(vkCmdCopyBuffer)

struct VolkSnapshot {
#define X(name) PFN_##name name = nullptr;
  VOLK_SNAPSHOT_LIST(X)
#undef X
  static VolkSnapshot take() {
    VolkSnapshot s;
#define X(name) s.name = ::name;
    VOLK_SNAPSHOT_LIST(X)
#undef X
    return s;
  }
  std::string diff(const VolkSnapshot& o) const {
    std::string d;
#define X(name) \
  if (name != o.name) d += #name " ";
    VOLK_SNAPSHOT_LIST(X)
#undef X
    return d;
  }
};

std::mutex g_msg_mutex;
std::vector<std::string> g_messages;

VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                          VkDebugUtilsMessageTypeFlagsEXT,
                                          const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  std::lock_guard<std::mutex> lock(g_msg_mutex);
  g_messages.push_back(data && data->pMessage ? data->pMessage : "?");
  std::fprintf(stderr, "validation: %s\n", g_messages.back().c_str());
  return VK_FALSE;
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> v(n);
  vkEnumerateInstanceLayerProperties(&n, v.data());
  for (auto& l : v)
    if (!std::strcmp(l.layerName, name)) return true;
  return false;
}

template <class T>
T vk_struct(VkStructureType t) {
  T v{};
  v.sType = t;
  return v;
}

}  // namespace

int vknorm_include_order_volk_first();       // include_order_volk_first.cpp
int vknorm_include_order_vknorm_then_volk();  // include_order_vknorm_then_volk.cpp

TEST_CASE("vknorm.h compiles before and after volk.h (VK_NO_PROTOTYPES project-wide)") {
  CHECK(vknorm_include_order_volk_first() == 4);
  CHECK(vknorm_include_order_vknorm_then_volk() == 4);
}

TEST_CASE("vknorm inside a volk-loaded engine") {
  REQUIRE(volkInitialize() == VK_SUCCESS);
  const bool validation = has_layer("VK_LAYER_KHRONOS_validation");
  auto app = vk_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.apiVersion = std::min<uint32_t>(volkGetInstanceVersion(), VK_API_VERSION_1_3);
  REQUIRE(app.apiVersion >= VK_API_VERSION_1_1);
  const char* layer = "VK_LAYER_KHRONOS_validation";
  const char* ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  auto mi = vk_struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  mi.pfnUserCallback = on_message;
  auto ici = vk_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  ici.pApplicationInfo = &app;
  if (validation) {
    ici.enabledLayerCount = 1;
    ici.ppEnabledLayerNames = &layer;
    ici.enabledExtensionCount = 1;
    ici.ppEnabledExtensionNames = &ext;
    ici.pNext = &mi;
  }
  VkInstance instance = VK_NULL_HANDLE;
  REQUIRE(vkCreateInstance(&ici, nullptr, &instance) == VK_SUCCESS);
  volkLoadInstance(instance);
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  if (validation) vkCreateDebugUtilsMessengerEXT(instance, &mi, nullptr, &messenger);

  uint32_t n = 0;
  vkEnumeratePhysicalDevices(instance, &n, nullptr);
  REQUIRE(n > 0);
  std::vector<VkPhysicalDevice> devs(n);
  vkEnumeratePhysicalDevices(instance, &n, devs.data());
  VkPhysicalDevice phys = devs[0];
  for (VkPhysicalDevice d : devs) {  // first discrete / integrated GPU, else the first device
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(d, &p);
    if (p.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU || p.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU) {
      phys = d;
      break;
    }
  }
  uint32_t qn = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(phys, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> qfs(qn);
  vkGetPhysicalDeviceQueueFamilyProperties(phys, &qn, qfs.data());
  uint32_t qf = UINT32_MAX;
  for (uint32_t i = 0; i < qn && qf == UINT32_MAX; ++i)
    if (qfs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) qf = i;
  REQUIRE(qf != UINT32_MAX);

  vknorm::DeviceRequirements req;
  vknorm::Error qerr = vknorm::query_device_requirements(instance, phys, vkGetInstanceProcAddr, &req);
  REQUIRE_MESSAGE(qerr.ok(), qerr.message);
  const vknorm::EnabledFeatures enabled = req.features_to_enable();
  vknorm::DeviceFeatureChain chain;
  vknorm::fill_device_feature_chain(enabled, &chain);
  const float prio = 1.0f;
  auto qci = vk_struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  qci.queueFamilyIndex = qf;
  qci.queueCount = 1;
  qci.pQueuePriorities = &prio;
  auto dci = vk_struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  dci.pNext = chain.chain();
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = uint32_t(req.extensions.size());
  dci.ppEnabledExtensionNames = req.extensions.data();
  VkDevice device = VK_NULL_HANDLE;
  REQUIRE(vkCreateDevice(phys, &dci, nullptr, &device) == VK_SUCCESS);
  volkLoadDevice(device);  // the engine's globals now point at device-level entry points
  VkQueue queue = VK_NULL_HANDLE;
  vkGetDeviceQueue(device, qf, 0, &queue);

  const VolkSnapshot before = VolkSnapshot::take();
  vknorm::ContextCreateInfo ci{};
  ci.instance = instance;
  ci.physical_device = phys;
  ci.device = device;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;  // volk's global (loaded by volkInitialize)
  ci.enabled = enabled;
  vknorm::Context* ctx = nullptr;
  vknorm::Error err = vknorm::create_context(ci, &ctx);
  REQUIRE_MESSAGE(err.ok(), err.message);
  CHECK_MESSAGE(before.diff(VolkSnapshot::take()).empty(),
                "create_context changed volk globals: " << before.diff(VolkSnapshot::take()));

  // RMSNorm (2, 8, 37) f32 with weight, host-visible buffers.
  const int64_t N = 2, C = 8, S = 37;
  const size_t count = size_t(N * C * S);
  // Simple deterministic data (this executable does not link the loader-based harness).
  std::vector<double> x(count), w(static_cast<size_t>(C));
  for (size_t i = 0; i < count; ++i) x[i] = vknorm_support::quantize(std::sin(double(i) * 0.37) * 2.0, vknorm::DType::f32);
  for (int64_t c = 0; c < C; ++c) w[size_t(c)] = vknorm_support::quantize(1.0 + 0.05 * double(c), vknorm::DType::f32);
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(phys, &mp);
  struct Buf {
    VkBuffer b = VK_NULL_HANDLE;
    VkDeviceMemory m = VK_NULL_HANDLE;
    void* p = nullptr;
  };
  auto make = [&](VkDeviceSize bytes) {
    Buf r;
    auto bi = vk_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    bi.size = bytes;
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    REQUIRE(vkCreateBuffer(device, &bi, nullptr, &r.b) == VK_SUCCESS);
    VkMemoryRequirements mr;
    vkGetBufferMemoryRequirements(device, r.b, &mr);
    const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < mp.memoryTypeCount && type == UINT32_MAX; ++i)
      if ((mr.memoryTypeBits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want) type = i;
    REQUIRE(type != UINT32_MAX);
    auto ai = vk_struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    ai.allocationSize = mr.size;
    ai.memoryTypeIndex = type;
    REQUIRE(vkAllocateMemory(device, &ai, nullptr, &r.m) == VK_SUCCESS);
    REQUIRE(vkBindBufferMemory(device, r.b, r.m, 0) == VK_SUCCESS);
    REQUIRE(vkMapMemory(device, r.m, 0, VK_WHOLE_SIZE, 0, &r.p) == VK_SUCCESS);
    return r;
  };
  Buf bx = make(count * 4), by = make(count * 4), bw = make(C * 4);
  auto xb = vknorm_support::encode(x, vknorm::DType::f32), wb = vknorm_support::encode(w, vknorm::DType::f32);
  std::memcpy(bx.p, xb.data(), xb.size());
  std::memcpy(bw.p, wb.data(), wb.size());
  std::memset(by.p, 0xff, count * 4);

  vknorm::RmsNormArgs a{};
  a.x = vknorm::Tensor::contiguous(bx.b, 0, count * 4, vknorm::DType::f32, {N, C, S});
  a.y = vknorm::Tensor::contiguous(by.b, 0, count * 4, vknorm::DType::f32, {N, C, S});
  a.weight = vknorm::Tensor::contiguous(bw.b, 0, C * 4, vknorm::DType::f32, {C});
  a.eps = 1e-5f;

  auto pci = vk_struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pci.queueFamilyIndex = qf;
  VkCommandPool pool = VK_NULL_HANDLE;
  REQUIRE(vkCreateCommandPool(device, &pci, nullptr, &pool) == VK_SUCCESS);
  auto cai = vk_struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  cai.commandPool = pool;
  cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cai.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  REQUIRE(vkAllocateCommandBuffers(device, &cai, &cmd) == VK_SUCCESS);
  auto cbi = vk_struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  cbi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cmd, &cbi);
  err = vknorm::record_rms_norm(ctx, cmd, a);
  REQUIRE_MESSAGE(err.ok(), err.message);
  auto mb = vk_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0,
                       nullptr);
  vkEndCommandBuffer(cmd);
  auto si = vk_struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  REQUIRE(vkQueueSubmit(queue, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS);
  REQUIRE(vkQueueWaitIdle(queue) == VK_SUCCESS);

  std::vector<uint8_t> yb(count * 4);
  std::memcpy(yb.data(), by.p, yb.size());
  std::vector<double> ref;
  vknorm_support::rms_norm_reference(x, w, &ref, N, C, S, 1e-5);
  auto st = vknorm_support::compare(vknorm_support::decode(yb, vknorm::DType::f32), ref,
                                    vknorm_support::tolerance_for(vknorm::DType::f32));
  CHECK_MESSAGE(st.pass, st.summary());
  CHECK_MESSAGE(before.diff(VolkSnapshot::take()).empty(),
                "recording changed volk globals: " << before.diff(VolkSnapshot::take()));

  vknorm::destroy_context(ctx);
  CHECK_MESSAGE(before.diff(VolkSnapshot::take()).empty(),
                "destroy_context changed volk globals: " << before.diff(VolkSnapshot::take()));
  vkDestroyCommandPool(device, pool, nullptr);
  for (Buf* b : {&bx, &by, &bw}) {
    vkDestroyBuffer(device, b->b, nullptr);
    vkFreeMemory(device, b->m, nullptr);
  }
  vkDestroyDevice(device, nullptr);
  if (messenger) vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
  vkDestroyInstance(instance, nullptr);
  std::lock_guard<std::mutex> lock(g_msg_mutex);
  CHECK_MESSAGE(g_messages.empty(), g_messages.size() << " validation messages");
}
