// Include order (c1): VK_NO_PROTOTYPES project-wide (the compile definition), volk.h, then
// vknorm.h. vknorm.h uses only types and PFN_ typedefs, so it does not clash with volk's
// function-pointer globals.
#include <volk.h>

#include <vknorm/vknorm.h>

#ifndef VK_NO_PROTOTYPES
#error "this translation unit tests the VK_NO_PROTOTYPES configuration"
#endif

int vknorm_include_order_volk_first() {
  vknorm::ContextCreateInfo ci;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;  // volk's global variable
  vknorm::Tensor t = vknorm::Tensor::strided(VK_NULL_HANDLE, 0, vknorm::DType::f32, {2, 2}, {2, 1});
  (void)ci;
  return static_cast<int>(t.size / sizeof(float));
}
