// Include order (b): vknorm.h first, then the engine's own <vulkan/vulkan.h> with a feature
// macro defined in between. vknorm.h includes only vulkan_core.h, so vulkan.h still runs and
// pulls in what the macro asks for (here the beta header; VK_USE_PLATFORM_* works the same).
#include <vknorm/vknorm.h>

#define VK_ENABLE_BETA_EXTENSIONS
#include <vulkan/vulkan.h>

#ifndef VK_KHR_portability_subset
#error "vknorm.h included <vulkan/vulkan.h>: the engine's later include lost its platform/beta headers"
#endif

int vknorm_include_order_vknorm_first() {
  VkPhysicalDevicePortabilitySubsetFeaturesKHR beta{};  // from vulkan_beta.h
  vknorm::ContextCreateInfo ci;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  vknorm::Tensor t = vknorm::Tensor::strided(VK_NULL_HANDLE, 0, vknorm::DType::f32, {2, 2}, {2, 1});
  return beta.constantAlphaColorBlendFactors == VK_FALSE && ci.get_instance_proc_addr
             ? static_cast<int>(t.size / sizeof(float))
             : -1;
}
