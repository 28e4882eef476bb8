// A complete, minimal embedding of vknorm in a Vulkan program: the program owns the instance,
// device, memory, command buffer and submission; vknorm only records. Built and run by CI.
//   ./embed_rms_norm        (uses the first Vulkan device; VKNORM_DEVICE is not read here)
#include <vknorm/vknorm.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#define CHECK(x)                                                        \
  do {                                                                  \
    VkResult r_ = (x);                                                  \
    if (r_ != VK_SUCCESS) {                                             \
      std::fprintf(stderr, "%s failed: %d\n", #x, static_cast<int>(r_)); \
      return 1;                                                         \
    }                                                                   \
  } while (0)

int main() {
  // --- the engine's side: instance, device, queue ---
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.apiVersion = VK_API_VERSION_1_2;
  VkInstanceCreateInfo ici{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ici.pApplicationInfo = &app;
  VkInstance instance;
  CHECK(vkCreateInstance(&ici, nullptr, &instance));
  uint32_t n = 1;
  VkPhysicalDevice phys;
  if (vkEnumeratePhysicalDevices(instance, &n, &phys) < 0 || n == 0) return 1;

  // Ask vknorm what it needs. Engines chain their own VkPhysicalDeviceVulkan1xFeatures; this
  // one wants timelineSemaphore from Vulkan 1.2, and vknorm merges its bits into the same
  // structure (it adds a structure of its own only for what nothing in the chain carries).
  vknorm::DeviceRequirements req;
  if (vknorm::Error e = vknorm::query_device_requirements(instance, phys, vkGetInstanceProcAddr, &req)) {
    std::fprintf(stderr, "vknorm: %s\n", e.message.c_str());
    return 1;
  }
  const vknorm::EnabledFeatures enabled = req.features_to_enable();
  // The device is used at min(device apiVersion, app.apiVersion).
  const uint32_t device_api = req.api_version < app.apiVersion ? req.api_version : app.apiVersion;
  VkPhysicalDeviceVulkan12Features engine12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  engine12.timelineSemaphore = VK_TRUE;  // the engine's own feature (core in 1.2)
  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = 0;  // family 0 supports compute on the devices this example targets
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  if (device_api >= VK_API_VERSION_1_2) dci.pNext = &engine12;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(req.extensions.size());  // plus the engine's own
  dci.ppEnabledExtensionNames = req.extensions.data();
  vknorm::DeviceFeatureChain vknorm_structs;  // must outlive vkCreateDevice
  if (vknorm::Error e = vknorm::add_device_features(enabled, device_api, &dci, &vknorm_structs)) {
    std::fprintf(stderr, "vknorm: %s\n", e.message.c_str());
    return 1;
  }
  VkDevice device;
  CHECK(vkCreateDevice(phys, &dci, nullptr, &device));
  VkQueue queue;
  vkGetDeviceQueue(device, 0, 0, &queue);

  // --- vknorm: a context borrowing the engine's objects ---
  vknorm::ContextCreateInfo ci;
  ci.instance = instance;
  ci.physical_device = phys;
  ci.device = device;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  ci.enabled = enabled;  // what was really enabled above
  vknorm::Context* ctx = nullptr;
  if (vknorm::Error e = vknorm::create_context(ci, &ctx)) {
    std::fprintf(stderr, "vknorm: %s\n", e.message.c_str());
    return 1;
  }
  // Create the pipelines now (load time) rather than inside the first record call.
  if (vknorm::Error e = vknorm::prepare(ctx, vknorm::PrepareInfo::make(vknorm::Op::rms_norm, vknorm::DType::f32,
                                                                      {2, 8, 3, 5}))) {
    std::fprintf(stderr, "vknorm: %s\n", e.message.c_str());
    return 1;
  }

  // --- one host-visible buffer holding x (2x8x3x5 fp32) then y ---
  const int64_t N = 2, C = 8, H = 3, W = 5, count = N * C * H * W;
  const VkDeviceSize bytes = count * sizeof(float);
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = 2 * bytes;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  // Without push descriptors vknorm binds buffers by device address (vknorm.h, "Buffer
  // requirements"): then the buffer needs that usage and its memory the matching flag.
  const bool by_address = vknorm::device_info(ctx).buffers_need_device_address;
  if (by_address) bci.usage |= VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  VkBuffer buffer;
  CHECK(vkCreateBuffer(device, &bci, nullptr, &buffer));
  VkMemoryRequirements mr;
  vkGetBufferMemoryRequirements(device, buffer, &mr);
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(phys, &mp);
  uint32_t type = 0;
  const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  while (type < mp.memoryTypeCount &&
         !((mr.memoryTypeBits >> type & 1) && (mp.memoryTypes[type].propertyFlags & want) == want))
    ++type;
  VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.pNext = by_address ? &flags : nullptr;
  mai.allocationSize = mr.size;
  mai.memoryTypeIndex = type;
  VkDeviceMemory memory;
  CHECK(vkAllocateMemory(device, &mai, nullptr, &memory));
  CHECK(vkBindBufferMemory(device, buffer, memory, 0));
  float* data;
  CHECK(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, reinterpret_cast<void**>(&data)));
  for (int64_t i = 0; i < count; ++i) data[i] = std::sin(0.1f * static_cast<float>(i)) + 0.5f;

  // --- record: vknorm appends its dispatch; the engine owns everything else ---
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  VkCommandPool pool;
  CHECK(vkCreateCommandPool(device, &pci, nullptr, &pool));
  VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cai.commandPool = pool;
  cai.commandBufferCount = 1;
  VkCommandBuffer cmd;
  CHECK(vkAllocateCommandBuffers(device, &cai, &cmd));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  CHECK(vkBeginCommandBuffer(cmd, &begin));
  vknorm::RmsNormArgs args;
  args.x = vknorm::Tensor::contiguous(buffer, 0, bytes, vknorm::DType::f32, {N, C, H, W});
  args.y = vknorm::Tensor::contiguous(buffer, bytes, bytes, vknorm::DType::f32, {N, C, H, W});
  args.eps = 1e-5f;
  if (vknorm::Error e = vknorm::record_rms_norm(ctx, cmd, args)) {
    std::fprintf(stderr, "vknorm: %s\n", e.message.c_str());
    return 1;
  }
  // Make the shader writes visible to the host read below.
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
                       nullptr, 0, nullptr);
  CHECK(vkEndCommandBuffer(cmd));
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  CHECK(vkQueueSubmit(queue, 1, &si, VK_NULL_HANDLE));
  CHECK(vkQueueWaitIdle(queue));

  // --- check one column against the formula ---
  double worst = 0;
  for (int64_t b = 0; b < N; ++b)
    for (int64_t s = 0; s < H * W; ++s) {
      double ss = 0;
      for (int64_t c = 0; c < C; ++c) ss += double(data[(b * C + c) * H * W + s]) * data[(b * C + c) * H * W + s];
      const double r = 1.0 / std::sqrt(ss / C + 1e-5);
      for (int64_t c = 0; c < C; ++c) {
        const int64_t i = (b * C + c) * H * W + s;
        worst = std::fmax(worst, std::fabs(data[count + i] - data[i] * r));
      }
    }
  std::printf("vknorm %s on %s: RMSNorm max abs error %.3g\n", vknorm::version_string(),
              vknorm::device_info(ctx).name.c_str(), worst);

  vknorm::destroy_context(ctx);
  vkDestroyCommandPool(device, pool, nullptr);
  vkDestroyBuffer(device, buffer, nullptr);
  vkFreeMemory(device, memory, nullptr);
  vkDestroyDevice(device, nullptr);
  vkDestroyInstance(instance, nullptr);
  return worst < 1e-5 ? 0 : 1;
}
