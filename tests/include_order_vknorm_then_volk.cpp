// Include order (c2): VK_NO_PROTOTYPES project-wide, vknorm.h first, then volk.h (which checks
// that vulkan.h was not included with prototypes).
#include <vknorm/vknorm.h>

#include <volk.h>

#ifndef VK_NO_PROTOTYPES
#error "this translation unit tests the VK_NO_PROTOTYPES configuration"
#endif

int vknorm_include_order_vknorm_then_volk() {
  vknorm::ContextCreateInfo ci;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;  // volk's global variable
  vknorm::Tensor t = vknorm::Tensor::strided(VK_NULL_HANDLE, 0, vknorm::DType::f32, {2, 2}, {2, 1});
  (void)ci;
  return static_cast<int>(t.size / sizeof(float));
}
