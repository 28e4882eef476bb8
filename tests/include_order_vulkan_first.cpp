// Include order (a): the engine includes <vulkan/vulkan.h> (with prototypes) before vknorm.h.
#include <vulkan/vulkan.h>

#include <vknorm/vknorm.h>

int vknorm_include_order_vulkan_first() {
  vknorm::ContextCreateInfo ci;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;  // the loader's prototype is visible
  vknorm::Tensor t = vknorm::Tensor::strided(VK_NULL_HANDLE, 0, vknorm::DType::f32, {2, 2}, {2, 1});
  return ci.get_instance_proc_addr ? static_cast<int>(t.size / sizeof(float)) : -1;
}
