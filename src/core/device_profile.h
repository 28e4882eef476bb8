// What the selector and the validators need to know about a device, read once from Vulkan or
// written down by hand (tests keep recorded profiles of devices we cannot run on).
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>

namespace vknorm::detail {

struct InstanceFunctions;

struct DeviceProfile {
  std::string name;
  uint32_t vendor_id = 0, device_id = 0, driver_id = 0, driver_version = 0, api_version = 0;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint8_t uuid[VK_UUID_SIZE] = {};
  std::string driver_info;  // VkPhysicalDeviceDriverProperties::driverInfo ("Mesa 22.3.6 (LLVM 15.0.6)")
  // The subgroup lanes that run compute shaders (a quirk may correct what the driver reports:
  // reported_subgroup_size keeps the driver's value; quirks.h).
  uint32_t subgroup_size = 32, min_subgroup_size = 32, max_subgroup_size = 32;
  uint32_t reported_subgroup_size = 32;
  uint32_t quirks = 0;  // bit per Quirk that applies (quirks.h)
  bool subgroup_arithmetic = false;  // arithmetic and shuffles in compute shaders
  // Row kernels may map rows to subgroup lanes and sum segments with shuffles (SEG_SG,
  // shaders/segments.glsl): one fixed subgroup size that the shaders' gl_SubgroupSize reports.
  bool subgroup_rows = false;
  uint32_t max_workgroup_invocations = 128, max_workgroup_size_x = 128;
  uint32_t max_workgroup_count[3] = {65535, 65535, 65535};
  uint32_t max_shared_memory_bytes = 16384;
  uint64_t max_storage_buffer_range = 1u << 27;
  uint32_t min_storage_buffer_offset_alignment = 256;
  uint32_t max_push_constants_size = 128;
  uint32_t max_push_descriptors = 0;
  uint32_t multiprocessor_count = 0;  // 0: unknown
  // Supported (not necessarily enabled) features.
  EnabledFeatures supported;
  DeviceClass device_class = DeviceClass::generic;
  bool limits_lowered = false;  // apply_device_limits lowered at least one limit
  // ContextCreateInfo::virtual_subgroup_size: the kernels' subgroups are emulated (.vN modules).
  uint32_t virtual_subgroup_size = 0;
};

DeviceProfile read_device_profile(const InstanceFunctions& fns, VkPhysicalDevice physical_device);
DeviceClass classify_device(const DeviceProfile& p);
// Lowers p's limits to l's non-zero fields where those are stricter (device_limits.cpp).
Error apply_device_limits(const DeviceLimits& l, DeviceProfile* p);

}  // namespace vknorm::detail
