/* Compile check: vknorm_c.h is C99 and, with VK_NO_PROTOTYPES, needs only Vulkan's types.
 * Built as an object library with -std=c99 -Wall -Wextra -Wpedantic; never linked or run. */
#define VK_NO_PROTOTYPES
#include <vknorm/vknorm_c.h>

/* Every public struct is usable from C99 with designated initializers. */
size_t vknorm_c99_struct_sizes(void);
size_t vknorm_c99_struct_sizes(void) {
  vknorm_tensor t = {.dtype = VKNORM_DTYPE_BF16, .rank = 1, .shape = {4}, .strides = {1}};
  vknorm_rms_norm_args r = {.x = t, .y = t, .eps = 1e-5f};
  vknorm_layer_norm_args l = {.x = t, .y = t, .normalized_rank = 1, .eps = 1e-5f};
  vknorm_layer_norm_backward_args b = {.dy = t, .x = t, .normalized_rank = 1};
  vknorm_rms_norm_backward_args rb = {.dy = t, .x = t, .weight_offset = 1.0f, .normalized_rank = 1};
  vknorm_context_create_info ci = {.tuning_cache_path = NULL};
  vknorm_status s = VKNORM_STATUS_OK;
  return sizeof r + sizeof l + sizeof b + sizeof rb + sizeof ci + sizeof(vknorm_device_requirements) +
         sizeof(vknorm_device_feature_chain) + sizeof(vknorm_device_info) + sizeof(vknorm_kernel_config) +
         sizeof(vknorm_dispatch_info) + (size_t)s + (size_t)VKNORM_HEADER_VERSION;
}
