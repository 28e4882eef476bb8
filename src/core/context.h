// The Context behind the public handle: borrowed Vulkan objects, the function table, the device
// profile, the pipeline cache, the optional context-owned scratch and the tuning cache.
#pragma once

#include "device_profile.h"
#include "dispatch_table.h"
#include "pipeline_cache.h"
#include "tuning_cache.h"

#include <vknorm/vknorm.h>

#include <string>

namespace vknorm {

struct Context {
  ContextCreateInfo info;
  detail::InstanceFunctions ifn;
  detail::DeviceFunctions dfn;
  detail::DeviceProfile profile;
  DeviceInfo device_info;
  bool shared_memory_reduction = false;
  detail::PipelineCache pipelines;
  // Context-owned scratch (ContextCreateInfo::context_scratch_bytes).
  VkBuffer scratch_buffer = VK_NULL_HANDLE;
  VkDeviceMemory scratch_memory = VK_NULL_HANDLE;
  VkDeviceSize scratch_bytes = 0;
  VkDeviceAddress scratch_address = 0;
  detail::TuningCache tuning;
  std::string tuning_error;  // why the cache could not be read, reported by device_info users
};

namespace detail {
Error make_error(Status s, std::string message);
inline Error ok() { return {}; }
}  // namespace detail

}  // namespace vknorm
