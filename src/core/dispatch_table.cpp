#include "dispatch_table.h"

namespace vknorm::detail {

template <typename T>
static bool load_instance(VkInstance instance, PFN_vkGetInstanceProcAddr gipa, const char* name,
                          T* out) {
  *out = reinterpret_cast<T>(gipa(instance, name));
  return *out != nullptr;
}

bool InstanceFunctions::load(VkInstance instance, PFN_vkGetInstanceProcAddr gipa) {
  bool ok = true;
  ok &= load_instance(instance, gipa, "vkGetPhysicalDeviceProperties", &GetPhysicalDeviceProperties);
  ok &= load_instance(instance, gipa, "vkGetPhysicalDeviceMemoryProperties",
                      &GetPhysicalDeviceMemoryProperties);
  ok &= load_instance(instance, gipa, "vkEnumerateDeviceExtensionProperties",
                      &EnumerateDeviceExtensionProperties);
  ok &= load_instance(instance, gipa, "vkGetDeviceProcAddr", &GetDeviceProcAddr);
  // Core in 1.1; fall back to the KHR names for 1.0 instances with the extension.
  if (!load_instance(instance, gipa, "vkGetPhysicalDeviceProperties2", &GetPhysicalDeviceProperties2))
    ok &= load_instance(instance, gipa, "vkGetPhysicalDeviceProperties2KHR", &GetPhysicalDeviceProperties2);
  if (!load_instance(instance, gipa, "vkGetPhysicalDeviceFeatures2", &GetPhysicalDeviceFeatures2))
    ok &= load_instance(instance, gipa, "vkGetPhysicalDeviceFeatures2KHR", &GetPhysicalDeviceFeatures2);
  return ok;
}

template <typename T>
static bool load_device(VkDevice device, PFN_vkGetDeviceProcAddr gdpa, const char* name, T* out) {
  *out = reinterpret_cast<T>(gdpa(device, name));
  return *out != nullptr;
}

bool DeviceFunctions::load(VkDevice device, PFN_vkGetDeviceProcAddr gdpa, bool push_descriptor,
                           bool bda) {
  bool ok = true;
  ok &= load_device(device, gdpa, "vkCreateShaderModule", &CreateShaderModule);
  ok &= load_device(device, gdpa, "vkDestroyShaderModule", &DestroyShaderModule);
  ok &= load_device(device, gdpa, "vkCreateDescriptorSetLayout", &CreateDescriptorSetLayout);
  ok &= load_device(device, gdpa, "vkDestroyDescriptorSetLayout", &DestroyDescriptorSetLayout);
  ok &= load_device(device, gdpa, "vkCreatePipelineLayout", &CreatePipelineLayout);
  ok &= load_device(device, gdpa, "vkDestroyPipelineLayout", &DestroyPipelineLayout);
  ok &= load_device(device, gdpa, "vkCreateComputePipelines", &CreateComputePipelines);
  ok &= load_device(device, gdpa, "vkDestroyPipeline", &DestroyPipeline);
  ok &= load_device(device, gdpa, "vkCreateBuffer", &CreateBuffer);
  ok &= load_device(device, gdpa, "vkDestroyBuffer", &DestroyBuffer);
  ok &= load_device(device, gdpa, "vkGetBufferMemoryRequirements", &GetBufferMemoryRequirements);
  ok &= load_device(device, gdpa, "vkAllocateMemory", &AllocateMemory);
  ok &= load_device(device, gdpa, "vkFreeMemory", &FreeMemory);
  ok &= load_device(device, gdpa, "vkBindBufferMemory", &BindBufferMemory);
  ok &= load_device(device, gdpa, "vkCmdBindPipeline", &CmdBindPipeline);
  ok &= load_device(device, gdpa, "vkCmdPushConstants", &CmdPushConstants);
  ok &= load_device(device, gdpa, "vkCmdDispatch", &CmdDispatch);
  ok &= load_device(device, gdpa, "vkCmdPipelineBarrier", &CmdPipelineBarrier);
  if (push_descriptor)
    ok &= load_device(device, gdpa, "vkCmdPushDescriptorSetKHR", &CmdPushDescriptorSetKHR);
  if (bda && !load_device(device, gdpa, "vkGetBufferDeviceAddress", &GetBufferDeviceAddress))
    ok &= load_device(device, gdpa, "vkGetBufferDeviceAddressKHR", &GetBufferDeviceAddress);
  return ok;
}

}  // namespace vknorm::detail
