// Host-side Vulkan harness: instance, device, validation-message capture, buffers, submission.
// Links the system loader (Vulkan::Vulkan); the library itself only gets vkGetInstanceProcAddr.
#include "support/host_device.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace vknorm_support {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

namespace {

// Zero-initialized Vulkan structure with its sType (avoids -Wmissing-field-initializers).
template <class T>
T vk_struct(VkStructureType type) {
  T v{};
  v.sType = type;
  return v;
}

std::string vk_result_name(VkResult r) {
  switch (r) {
#define CASE(x) \
  case x:       \
    return #x;
    CASE(VK_SUCCESS)
    CASE(VK_NOT_READY)
    CASE(VK_TIMEOUT)
    CASE(VK_INCOMPLETE)
    CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    CASE(VK_ERROR_INITIALIZATION_FAILED)
    CASE(VK_ERROR_DEVICE_LOST)
    CASE(VK_ERROR_MEMORY_MAP_FAILED)
    CASE(VK_ERROR_LAYER_NOT_PRESENT)
    CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    CASE(VK_ERROR_TOO_MANY_OBJECTS)
#undef CASE
    default:
      return "VkResult(" + std::to_string(static_cast<int>(r)) + ")";
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

bool has_instance_extension(const char* layer, const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(layer, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateInstanceExtensionProperties(layer, &n, exts.data());
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

bool has_device_extension(VkPhysicalDevice pd, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

// Instance at API 1.3 capped by the loader; 1.1 is the minimum vknorm needs.
// Validation beyond the core checks (VK_EXT_validation_features, provided by the layer).
struct ValidationExtras {
  bool sync = false, gpu_assisted = false;
};

VkResult create_instance(bool validation, bool* validation_on, bool* debug_utils_on,
                         const VkDebugUtilsMessengerCreateInfoEXT* messenger_info,
                         VkInstance* out, uint32_t* api_out, std::string* error,
                         ValidationExtras extras = {}) {
  uint32_t loader_version = VK_API_VERSION_1_0;
  auto enum_version = reinterpret_cast<PFN_vkEnumerateInstanceVersion>(
      vkGetInstanceProcAddr(VK_NULL_HANDLE, "vkEnumerateInstanceVersion"));
  if (enum_version) enum_version(&loader_version);
  if (loader_version < VK_API_VERSION_1_1) {
    if (error) *error = "the Vulkan loader offers only Vulkan 1.0; vknorm needs 1.1";
    return VK_ERROR_INCOMPATIBLE_DRIVER;
  }
  const uint32_t api = std::min<uint32_t>(VK_API_VERSION_1_3, loader_version);

  std::vector<const char*> layers, exts;
  *validation_on = false;
  *debug_utils_on = false;
  if (validation && has_layer(kValidationLayer)) {
    layers.push_back(kValidationLayer);
    *validation_on = true;
  }
  if (*validation_on && (has_instance_extension(nullptr, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
                         has_instance_extension(kValidationLayer,
                                                VK_EXT_DEBUG_UTILS_EXTENSION_NAME))) {
    exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    *debug_utils_on = true;
  }
  // Show portability (e.g. MoltenVK) devices as well.
  VkInstanceCreateFlags flags = 0;
  if (has_instance_extension(nullptr, "VK_KHR_portability_enumeration")) {
    exts.push_back("VK_KHR_portability_enumeration");
    flags |= 0x00000001;  // VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
  }

  auto app = vk_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "vknorm-host";
  app.applicationVersion = 1;
  app.pEngineName = "vknorm";
  app.engineVersion = 1;
  app.apiVersion = api;
  auto ci = vk_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  ci.flags = flags;
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  ci.ppEnabledExtensionNames = exts.data();
  // Chaining the messenger info also captures messages of vkCreate/DestroyInstance.
  if (*debug_utils_on && messenger_info) ci.pNext = messenger_info;
  std::vector<VkValidationFeatureEnableEXT> enables;
  if (*validation_on && extras.sync) enables.push_back(VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT);
  if (*validation_on && extras.gpu_assisted) {
    enables.push_back(VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT);
    enables.push_back(VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_RESERVE_BINDING_SLOT_EXT);
  }
  auto vf = vk_struct<VkValidationFeaturesEXT>(VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT);
  if (!enables.empty()) {
    if (!has_instance_extension(kValidationLayer, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      if (error) *error = "the validation layer lacks VK_EXT_validation_features (sync / GPU-assisted validation)";
      return VK_ERROR_EXTENSION_NOT_PRESENT;
    }
    exts.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
    ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
    ci.ppEnabledExtensionNames = exts.data();
    vf.enabledValidationFeatureCount = static_cast<uint32_t>(enables.size());
    vf.pEnabledValidationFeatures = enables.data();
    vf.pNext = ci.pNext;
    ci.pNext = &vf;
  }
  VkResult r = vkCreateInstance(&ci, nullptr, out);
  if (r != VK_SUCCESS && error) *error = "vkCreateInstance failed: " + vk_result_name(r);
  *api_out = api;
  return r;
}

void fill_listing(VkInstance instance, VkPhysicalDevice pd, uint32_t index, DeviceListing* d) {
  d->index = index;
  // Driver name and info strings are the listing's own; the rest vknorm reads itself.
  auto driver = vk_struct<VkPhysicalDeviceDriverProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES);
  VkPhysicalDeviceProperties basic{};
  vkGetPhysicalDeviceProperties(pd, &basic);
  auto p2 = vk_struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  const bool has_driver = basic.apiVersion >= VK_API_VERSION_1_2 ||
                          has_device_extension(pd, "VK_KHR_driver_properties");
  if (has_driver) p2.pNext = &driver;
  vkGetPhysicalDeviceProperties2(pd, &p2);
  d->properties = p2.properties;
  d->name = p2.properties.deviceName;
  if (has_driver) {
    d->driver_name = driver.driverName;
    d->driver_info = driver.driverInfo;
    d->driver_id = static_cast<uint32_t>(driver.driverID);
  }
  vknorm::query_device_info(instance, pd, vkGetInstanceProcAddr, &d->info);
}

// Index or case-insensitive name substring; -1 if nothing matches.
int select_device(const std::vector<VkPhysicalDevice>& devs, const std::string& selector,
                  std::string* error) {
  std::vector<VkPhysicalDeviceProperties> props(devs.size());
  for (size_t i = 0; i < devs.size(); ++i) vkGetPhysicalDeviceProperties(devs[i], &props[i]);
  auto usable = [&](size_t i) { return props[i].apiVersion >= VK_API_VERSION_1_1; };
  if (!selector.empty()) {
    const bool numeric = std::all_of(selector.begin(), selector.end(),
                                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (numeric) {
      const size_t i = static_cast<size_t>(std::strtoul(selector.c_str(), nullptr, 10));
      if (i < devs.size()) return static_cast<int>(i);
      if (error) *error = "VKNORM_DEVICE index " + selector + " out of range (" +
                          std::to_string(devs.size()) + " devices)";
      return -1;
    }
    const std::string want = lower(selector);
    for (size_t i = 0; i < devs.size(); ++i)
      if (lower(props[i].deviceName).find(want) != std::string::npos) return static_cast<int>(i);
    if (error) {
      *error = "no Vulkan device matches '" + selector + "'; devices:";
      for (size_t i = 0; i < devs.size(); ++i)
        *error += " [" + std::to_string(i) + "] " + props[i].deviceName;
    }
    return -1;
  }
  for (size_t i = 0; i < devs.size(); ++i)
    if (usable(i) && (props[i].deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ||
                      props[i].deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU))
      return static_cast<int>(i);
  for (size_t i = 0; i < devs.size(); ++i)
    if (usable(i)) return static_cast<int>(i);
  if (error) *error = "no Vulkan 1.1 device found";
  return -1;
}

}  // namespace

struct HostDevice::Impl {
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger = nullptr;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queue_family = 0;
  uint32_t timestamp_bits = 0;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkQueryPool query_pool = VK_NULL_HANDLE;
  uint32_t query_count = 0;
  vknorm::Context* context = nullptr;
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties mem_props{};
  bool validation = false;
  bool sync_validation = false, gpu_assisted_validation = false;
  bool bda = false;
  PFN_vkGetBufferDeviceAddress get_address = nullptr;
  std::mutex submit_mutex;  // run() and staging copies share pool, fence and queue

  mutable std::mutex msg_mutex;
  std::vector<std::string> messages;

  std::mutex buffers_mutex;
  std::map<VkBuffer, VkDeviceMemory> live;  // destroyed in ~HostDevice if the user forgot

  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(
      VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT type,
      const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::string text = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "[error" : "[warning";
    if (type & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) text += "/validation";
    if (type & VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT) text += "/performance";
    if (type & VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT) text += "/general";
    text += "] ";
    if (data && data->pMessageIdName) text += std::string(data->pMessageIdName) + ": ";
    if (data && data->pMessage) text += data->pMessage;
    std::fprintf(stderr, "vknorm-host: %s\n", text.c_str());
    std::lock_guard<std::mutex> lock(self->msg_mutex);
    self->messages.push_back(std::move(text));
    return VK_FALSE;
  }

  int32_t find_memory_type(uint32_t type_bits, VkMemoryPropertyFlags want,
                           VkMemoryPropertyFlags avoid) const {
    for (uint32_t i = 0; i < mem_props.memoryTypeCount; ++i) {
      const VkMemoryPropertyFlags f = mem_props.memoryTypes[i].propertyFlags;
      if ((type_bits & (1u << i)) && (f & want) == want && (f & avoid) == 0)
        return static_cast<int32_t>(i);
    }
    return -1;
  }

  VkCommandBuffer begin() {
    auto ai = vk_struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    ai.commandPool = pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    if (vkAllocateCommandBuffers(device, &ai, &cmd) != VK_SUCCESS) return VK_NULL_HANDLE;
    auto bi = vk_struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd, &bi);
    // Earlier submissions' writes (uploads, previous runs) -> everything in this one.
    auto mb = vk_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    mb.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                         VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    return cmd;
  }

  VkResult end_submit_wait(VkCommandBuffer cmd) {
    // Make all device writes available to host reads of mapped memory.
    auto mb = vk_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    mb.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                         1, &mb, 0, nullptr, 0, nullptr);
    VkResult r = vkEndCommandBuffer(cmd);
    if (r == VK_SUCCESS) {
      auto si = vk_struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
      si.commandBufferCount = 1;
      si.pCommandBuffers = &cmd;
      r = vkQueueSubmit(queue, 1, &si, fence);
      if (r == VK_SUCCESS) {
        r = vkWaitForFences(device, 1, &fence, VK_TRUE, 120ull * 1000 * 1000 * 1000);
        if (r == VK_TIMEOUT) {
          std::fprintf(stderr, "vknorm-host: submission did not finish within 120 s\n");
          // Give the work a last chance so that the command buffer is not freed while in use.
          if (vkWaitForFences(device, 1, &fence, VK_TRUE, 600ull * 1000 * 1000 * 1000) !=
              VK_SUCCESS)
            vkDeviceWaitIdle(device);
        }
        vkResetFences(device, 1, &fence);
      }
    }
    vkFreeCommandBuffers(device, pool, 1, &cmd);
    return r;
  }

  void copy(VkBuffer src, VkDeviceSize src_off, VkBuffer dst, VkDeviceSize dst_off,
            VkDeviceSize bytes) {
    std::lock_guard<std::mutex> lock(submit_mutex);
    VkCommandBuffer cmd = begin();
    VkBufferCopy region{src_off, dst_off, bytes};
    vkCmdCopyBuffer(cmd, src, dst, 1, &region);
    end_submit_wait(cmd);
  }
};

HostDevice::HostDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HostDevice::~HostDevice() {
  if (!impl_) return;
  Impl& d = *impl_;
  if (d.device) vkDeviceWaitIdle(d.device);
  vknorm::destroy_context(d.context);
  for (auto& kv : d.live) {
    vkDestroyBuffer(d.device, kv.first, nullptr);
    vkFreeMemory(d.device, kv.second, nullptr);
  }
  if (d.query_pool) vkDestroyQueryPool(d.device, d.query_pool, nullptr);
  if (d.fence) vkDestroyFence(d.device, d.fence, nullptr);
  if (d.pool) vkDestroyCommandPool(d.device, d.pool, nullptr);
  if (d.device) vkDestroyDevice(d.device, nullptr);
  if (d.messenger && d.destroy_messenger) d.destroy_messenger(d.instance, d.messenger, nullptr);
  if (d.instance) vkDestroyInstance(d.instance, nullptr);
}

std::unique_ptr<HostDevice> HostDevice::create(const HostOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>();
  Impl& d = *impl;
  // Construct the owner now so that every early return cleans up what was created.
  std::unique_ptr<HostDevice> host(new HostDevice(std::move(impl)));
  auto fail = [&](const std::string& msg) -> std::unique_ptr<HostDevice> {
    if (error) *error = msg;
    return nullptr;
  };

  const std::string validation_env = env_or("VKNORM_VALIDATION", "1");
  const bool want_validation = options.validation && validation_env != "0";
  ValidationExtras extras;
  extras.sync = options.sync_validation || validation_env.find("sync") != std::string::npos;
  extras.gpu_assisted = options.gpu_assisted_validation || validation_env.find("gpu") != std::string::npos;
  auto mi = vk_struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  mi.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  mi.pfnUserCallback = &Impl::on_message;
  mi.pUserData = &d;
  bool debug_utils = false;
  uint32_t api = 0;
  std::string err;
  if (create_instance(want_validation, &d.validation, &debug_utils, &mi, &d.instance, &api,
                      &err, extras) != VK_SUCCESS)
    return fail(err);
  d.sync_validation = d.validation && extras.sync;
  d.gpu_assisted_validation = d.validation && extras.gpu_assisted;
  if (debug_utils) {
    auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(d.instance, "vkCreateDebugUtilsMessengerEXT"));
    d.destroy_messenger = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(d.instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (create_messenger) create_messenger(d.instance, &mi, nullptr, &d.messenger);
  }

  uint32_t count = 0;
  vkEnumeratePhysicalDevices(d.instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devs(count);
  vkEnumeratePhysicalDevices(d.instance, &count, devs.data());
  if (devs.empty()) return fail("no Vulkan physical device");
  const std::string selector = !options.device_selector.empty()
                                   ? options.device_selector
                                   : env_or("VKNORM_DEVICE", "");
  const int index = select_device(devs, selector, &err);
  if (index < 0) return fail(err);
  d.physical = devs[static_cast<size_t>(index)];
  vkGetPhysicalDeviceProperties(d.physical, &d.props);
  vkGetPhysicalDeviceMemoryProperties(d.physical, &d.mem_props);
  if (d.props.apiVersion < VK_API_VERSION_1_1)
    return fail(std::string(d.props.deviceName) + " supports only Vulkan 1.0");

  // Queue: compute-capable; prefer timestamps, then a compute family without graphics (async
  // compute families are the cheapest to share), then the first.
  uint32_t qf_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &qf_count, nullptr);
  std::vector<VkQueueFamilyProperties> qfs(qf_count);
  vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &qf_count, qfs.data());
  int best = -1, best_score = -1;
  for (uint32_t i = 0; i < qf_count; ++i) {
    if (!(qfs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || qfs[i].queueCount == 0) continue;
    int score = 0;
    if (options.enable_timestamps && qfs[i].timestampValidBits > 0) score += 4;
    if (!(qfs[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) score += 1;
    if (score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  if (best < 0) return fail(std::string(d.props.deviceName) + " has no compute queue");
  d.queue_family = static_cast<uint32_t>(best);
  d.timestamp_bits = qfs[d.queue_family].timestampValidBits;

  // Device with what vknorm needs (plus the profiling extensions when asked for): an engine
  // with no feature chain of its own, so vknorm's DeviceFeatureChain is the whole chain.
  vknorm::DeviceRequirements req;
  vknorm::Error qe = vknorm::query_device_requirements(d.instance, d.physical, vkGetInstanceProcAddr, &req);
  if (qe) return fail("vknorm::query_device_requirements failed: " + qe.message);
  vknorm::EnabledFeatures enabled = req.features_to_enable();
  std::vector<const char*> extensions = req.extensions;
  if (options.enable_profiling_extensions) {
    extensions.insert(extensions.end(), req.optional_extensions.begin(), req.optional_extensions.end());
    enabled.subgroup_size_control = req.supported.subgroup_size_control;
    enabled.pipeline_executable_info = req.supported.pipeline_executable_info;
  }
  if (d.gpu_assisted_validation) {
    // GPU-assisted validation of the Debian 12 layer (1.3.239) cannot see push descriptors
    // (every access reads "Descriptor index 0 is uninitialized" and returns garbage); without
    // them vknorm passes every tensor by device address, which GPU-AV bounds-checks.
    extensions.erase(std::remove_if(extensions.begin(), extensions.end(),
                                    [](const char* e) { return std::strcmp(e, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) == 0; }),
                     extensions.end());
    enabled.push_descriptor = false;
  }
  vknorm::DeviceFeatureChain chain;
  vknorm::fill_device_feature_chain(enabled, &chain);
  const float priority = 1.0f;
  auto qci = vk_struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  qci.queueFamilyIndex = d.queue_family;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  auto dci = vk_struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  dci.pNext = chain.chain();
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  dci.ppEnabledExtensionNames = extensions.data();
  VkResult r = vkCreateDevice(d.physical, &dci, nullptr, &d.device);
  if (r != VK_SUCCESS) return fail("vkCreateDevice failed: " + vk_result_name(r));
  vkGetDeviceQueue(d.device, d.queue_family, 0, &d.queue);

  d.bda = enabled.buffer_device_address;
  if (d.bda) {
    d.get_address = reinterpret_cast<PFN_vkGetBufferDeviceAddress>(
        vkGetDeviceProcAddr(d.device, "vkGetBufferDeviceAddress"));
    if (!d.get_address)
      d.get_address = reinterpret_cast<PFN_vkGetBufferDeviceAddress>(
          vkGetDeviceProcAddr(d.device, "vkGetBufferDeviceAddressKHR"));
    if (!d.get_address) d.bda = false;
  }

  auto pci = vk_struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pci.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT | VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = d.queue_family;
  if ((r = vkCreateCommandPool(d.device, &pci, nullptr, &d.pool)) != VK_SUCCESS)
    return fail("vkCreateCommandPool failed: " + vk_result_name(r));
  auto fci = vk_struct<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
  if ((r = vkCreateFence(d.device, &fci, nullptr, &d.fence)) != VK_SUCCESS)
    return fail("vkCreateFence failed: " + vk_result_name(r));
  if (d.timestamp_bits > 0) {
    auto qpi = vk_struct<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
    qpi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qpi.queryCount = 256;
    if (vkCreateQueryPool(d.device, &qpi, nullptr, &d.query_pool) == VK_SUCCESS)
      d.query_count = qpi.queryCount;
  }

  vknorm::ContextCreateInfo ci{};
  ci.instance = d.instance;
  ci.physical_device = d.physical;
  ci.device = d.device;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  ci.enabled = enabled;
  ci.context_scratch_bytes = options.context_scratch_bytes;
  ci.force_shared_memory_reduction =
      options.force_shared_memory_reduction || env_or("VKNORM_FORCE_SHARED_REDUCTION", "0") == "1";
  ci.tuning_cache_path =
      options.tuning_cache_path.empty() ? nullptr : options.tuning_cache_path.c_str();
  ci.batch_invariant = options.batch_invariant;
  ci.virtual_subgroup_size = options.virtual_subgroup_size
                                 ? options.virtual_subgroup_size
                                 : static_cast<uint32_t>(std::strtoul(env_or("VKNORM_VIRTUAL_SUBGROUP", "0").c_str(), nullptr, 10));
  const std::string limits_name =
      options.limits_profile.empty() ? env_or("VKNORM_LIMITS", "") : options.limits_profile;
  vknorm::DeviceLimits limits;
  if (options.limits) {
    ci.limits = options.limits;
  } else if (!limits_name.empty()) {
    if (vknorm::Error le = vknorm::device_limits_profile(limits_name.c_str(), &limits)) return fail(le.message);
    ci.limits = &limits;
  }
  vknorm::Error e = vknorm::create_context(ci, &d.context);
  if (!e.ok())
    return fail(std::string("vknorm::create_context failed (") + vknorm::status_name(e.status) +
                "): " + e.message);
  (void)api;
  return host;
}

std::vector<DeviceListing> HostDevice::list_devices(std::string* error) {
  std::vector<DeviceListing> out;
  VkInstance instance = VK_NULL_HANDLE;
  bool v = false, du = false;
  uint32_t api = 0;
  if (create_instance(false, &v, &du, nullptr, &instance, &api, error) != VK_SUCCESS) return out;
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devs(count);
  vkEnumeratePhysicalDevices(instance, &count, devs.data());
  for (uint32_t i = 0; i < count; ++i) {
    DeviceListing l;
    fill_listing(instance, devs[i], i, &l);
    out.push_back(std::move(l));
  }
  vkDestroyInstance(instance, nullptr);
  return out;
}

VkInstance HostDevice::instance() const { return impl_->instance; }
VkPhysicalDevice HostDevice::physical_device() const { return impl_->physical; }
VkDevice HostDevice::device() const { return impl_->device; }
VkQueue HostDevice::queue() const { return impl_->queue; }
uint32_t HostDevice::queue_family() const { return impl_->queue_family; }
vknorm::Context* HostDevice::context() const { return impl_->context; }
const vknorm::DeviceInfo& HostDevice::info() const { return vknorm::device_info(impl_->context); }
const VkPhysicalDeviceProperties& HostDevice::properties() const { return impl_->props; }
uint32_t HostDevice::timestamp_valid_bits() const { return impl_->timestamp_bits; }
bool HostDevice::validation_enabled() const { return impl_->validation; }
std::string HostDevice::validation_description() const {
  if (!impl_->validation) return "off";
  std::string s = "on";
  if (impl_->sync_validation) s += " + synchronization";
  if (impl_->gpu_assisted_validation) s += " + GPU-assisted";
  return s;
}

VkDeviceSize HostDevice::device_local_heap_bytes() const {
  VkDeviceSize best = 0;
  const auto& mp = impl_->mem_props;
  for (uint32_t i = 0; i < mp.memoryHeapCount; ++i)
    if (mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      best = std::max(best, mp.memoryHeaps[i].size);
  return best;
}

Buffer HostDevice::create_buffer(VkDeviceSize size, bool host_visible, std::string* error) {
  Impl& d = *impl_;
  Buffer b;
  auto fail = [&](const std::string& msg) {
    if (error) *error = msg;
    if (b.buffer) vkDestroyBuffer(d.device, b.buffer, nullptr);
    if (b.memory) vkFreeMemory(d.device, b.memory, nullptr);
    return Buffer{};
  };
  if (size == 0) size = 4;
  auto bci = vk_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  bci.size = size;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
              VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (d.bda) bci.usage |= VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = vkCreateBuffer(d.device, &bci, nullptr, &b.buffer);
  if (r != VK_SUCCESS) return fail("vkCreateBuffer(" + std::to_string(size) + ") failed: " + vk_result_name(r));
  VkMemoryRequirements mr{};
  vkGetBufferMemoryRequirements(d.device, b.buffer, &mr);

  const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int32_t type = -1;
  if (host_visible) {
    type = d.find_memory_type(mr.memoryTypeBits, hv | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, 0);
    if (type < 0) type = d.find_memory_type(mr.memoryTypeBits, hv, 0);
  } else {
    // Device-local, preferably not host visible (keeps the BAR window free on discrete GPUs).
    type = d.find_memory_type(mr.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, hv);
    if (type < 0) type = d.find_memory_type(mr.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    if (type < 0) type = d.find_memory_type(mr.memoryTypeBits, 0, 0);
  }
  if (type < 0) return fail("no suitable memory type");
  const VkMemoryPropertyFlags flags = d.mem_props.memoryTypes[type].propertyFlags;

  auto afi = vk_struct<VkMemoryAllocateFlagsInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO);
  afi.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  auto mai = vk_struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  mai.pNext = d.bda ? &afi : nullptr;
  mai.allocationSize = mr.size;
  mai.memoryTypeIndex = static_cast<uint32_t>(type);
  r = vkAllocateMemory(d.device, &mai, nullptr, &b.memory);
  if (r != VK_SUCCESS)
    return fail("vkAllocateMemory(" + std::to_string(mr.size) + ") failed: " + vk_result_name(r));
  r = vkBindBufferMemory(d.device, b.buffer, b.memory, 0);
  if (r != VK_SUCCESS) return fail("vkBindBufferMemory failed: " + vk_result_name(r));
  // Map whenever the memory allows it (always for host_visible; also device-local memory that
  // happens to be host visible and coherent, as on lavapipe and UMA GPUs: saves staging).
  if ((flags & hv) == hv) {
    r = vkMapMemory(d.device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped);
    if (r != VK_SUCCESS) return fail("vkMapMemory failed: " + vk_result_name(r));
  }
  b.size = size;
  b.device_local = (flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) != 0;
  if (d.bda) {
    auto ai = vk_struct<VkBufferDeviceAddressInfo>(VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO);
    ai.buffer = b.buffer;
    b.address = d.get_address(d.device, &ai);
  }
  std::lock_guard<std::mutex> lock(d.buffers_mutex);
  d.live[b.buffer] = b.memory;
  return b;
}

void HostDevice::destroy_buffer(Buffer& b) {
  Impl& d = *impl_;
  if (b.buffer) {
    {
      std::lock_guard<std::mutex> lock(d.buffers_mutex);
      d.live.erase(b.buffer);
    }
    vkDestroyBuffer(d.device, b.buffer, nullptr);
  }
  if (b.memory) vkFreeMemory(d.device, b.memory, nullptr);  // unmaps implicitly
  b = Buffer{};
}

namespace {
constexpr VkDeviceSize kStagingChunk = 64ull << 20;
}

void HostDevice::upload(const Buffer& dst, const void* data, VkDeviceSize bytes,
                        VkDeviceSize offset) {
  if (bytes == 0) return;
  if (dst.mapped) {
    std::memcpy(static_cast<uint8_t*>(dst.mapped) + offset, data, static_cast<size_t>(bytes));
    return;
  }
  Buffer staging = create_buffer(std::min(bytes, kStagingChunk), true);
  if (!staging.buffer) return;
  for (VkDeviceSize done = 0; done < bytes; done += kStagingChunk) {
    const VkDeviceSize n = std::min(kStagingChunk, bytes - done);
    std::memcpy(staging.mapped, static_cast<const uint8_t*>(data) + done, static_cast<size_t>(n));
    impl_->copy(staging.buffer, 0, dst.buffer, offset + done, n);
  }
  destroy_buffer(staging);
}

void HostDevice::download(const Buffer& src, void* data, VkDeviceSize bytes,
                          VkDeviceSize offset) {
  if (bytes == 0) return;
  if (src.mapped) {
    std::memcpy(data, static_cast<const uint8_t*>(src.mapped) + offset, static_cast<size_t>(bytes));
    return;
  }
  Buffer staging = create_buffer(std::min(bytes, kStagingChunk), true);
  if (!staging.buffer) return;
  for (VkDeviceSize done = 0; done < bytes; done += kStagingChunk) {
    const VkDeviceSize n = std::min(kStagingChunk, bytes - done);
    impl_->copy(src.buffer, offset + done, staging.buffer, 0, n);
    std::memcpy(static_cast<uint8_t*>(data) + done, staging.mapped, static_cast<size_t>(n));
  }
  destroy_buffer(staging);
}

void HostDevice::fill(const Buffer& dst, uint32_t word, VkDeviceSize offset, VkDeviceSize bytes) {
  if (offset >= dst.size) return;
  if (bytes == VK_WHOLE_SIZE || offset + bytes > dst.size) bytes = dst.size - offset;
  if (dst.mapped) {
    // Byte-exact: byte k of the range gets byte (k % 4) of `word` (little-endian word pattern
    // aligned to the buffer start, as vkCmdFillBuffer would write it).
    uint8_t* p = static_cast<uint8_t*>(dst.mapped);
    uint8_t w[4];
    std::memcpy(w, &word, 4);
    VkDeviceSize i = offset;
    for (; i < offset + bytes && (i & 3); ++i) p[i] = w[i & 3];
    for (; i + 4 <= offset + bytes; i += 4) std::memcpy(p + i, w, 4);
    for (; i < offset + bytes; ++i) p[i] = w[i & 3];
    return;
  }
  // vkCmdFillBuffer needs 4-byte aligned offset and size: widen to whole words.
  const VkDeviceSize begin = offset & ~VkDeviceSize(3);
  VkDeviceSize end = (offset + bytes + 3) & ~VkDeviceSize(3);
  if (end > dst.size) end = dst.size & ~VkDeviceSize(3);
  if (end <= begin) return;
  std::lock_guard<std::mutex> lock(impl_->submit_mutex);
  VkCommandBuffer cmd = impl_->begin();
  vkCmdFillBuffer(cmd, dst.buffer, begin, end - begin, word);
  impl_->end_submit_wait(cmd);
}

VkResult HostDevice::run(const std::function<void(VkCommandBuffer)>& body) {
  std::lock_guard<std::mutex> lock(impl_->submit_mutex);
  VkCommandBuffer cmd = impl_->begin();
  if (!cmd) return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  body(cmd);
  return impl_->end_submit_wait(cmd);
}

void HostDevice::reset_timestamps(VkCommandBuffer cmd, uint32_t count) {
  if (!impl_->query_pool) return;
  vkCmdResetQueryPool(cmd, impl_->query_pool, 0, std::min(count, impl_->query_count));
}

void HostDevice::write_timestamp(VkCommandBuffer cmd, uint32_t slot) {
  if (!impl_->query_pool || slot >= impl_->query_count) return;
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, impl_->query_pool, slot);
}

std::vector<double> HostDevice::read_timestamps_ns(uint32_t count) {
  Impl& d = *impl_;
  count = std::min(count, d.query_count);
  std::vector<double> out(count, 0.0);
  if (!d.query_pool || count == 0) return out;
  std::vector<uint64_t> raw(count);
  VkResult r = vkGetQueryPoolResults(d.device, d.query_pool, 0, count, count * sizeof(uint64_t),
                                     raw.data(), sizeof(uint64_t),
                                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  if (r != VK_SUCCESS) return out;
  const uint64_t mask = d.timestamp_bits >= 64 ? ~0ull : ((1ull << d.timestamp_bits) - 1);
  const double period = static_cast<double>(d.props.limits.timestampPeriod);
  // Relative to slot 0, modulo the valid bits (a counter wrap between slots stays correct).
  for (uint32_t i = 0; i < count; ++i)
    out[i] = static_cast<double>((raw[i] - raw[0]) & mask) * period;
  return out;
}

void HostDevice::full_barrier(VkCommandBuffer cmd) const {
  auto mb = vk_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  mb.srcAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = mb.srcAccessMask;
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

size_t HostDevice::validation_message_count() const {
  std::lock_guard<std::mutex> lock(impl_->msg_mutex);
  return impl_->messages.size();
}

std::vector<std::string> HostDevice::validation_messages() const {
  std::lock_guard<std::mutex> lock(impl_->msg_mutex);
  return impl_->messages;
}

void HostDevice::clear_validation_messages() {
  std::lock_guard<std::mutex> lock(impl_->msg_mutex);
  impl_->messages.clear();
}

}  // namespace vknorm_support
