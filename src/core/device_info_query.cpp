// query_device_info: DeviceInfo for a physical device without a context, from the same device
// profile reader and the same fill as the context's device_info().
#include "device_info_query.h"

#include "quirks.h"

#include "device_profile.h"
#include "dispatch_table.h"

#include <cstring>

namespace vknorm {
namespace detail {

void fill_device_info(const DeviceProfile& p, const EnabledFeatures& enabled,
                      bool shared_memory_reduction, DeviceInfo* out) {
  DeviceInfo d;
  d.name = p.name;
  d.device_class = p.device_class;
  d.vendor_id = p.vendor_id;
  d.device_id = p.device_id;
  d.driver_version = p.driver_version;
  d.api_version = p.api_version;
  d.driver_id = p.driver_id;
  std::memcpy(d.uuid, p.uuid, VK_UUID_SIZE);
  d.subgroup_size = p.subgroup_size;
  d.min_subgroup_size = p.min_subgroup_size;
  d.max_subgroup_size = p.max_subgroup_size;
  d.reported_subgroup_size = p.reported_subgroup_size;
  d.quirks = describe_quirks(p);
  d.subgroup_arithmetic = p.subgroup_arithmetic;
  d.shared_memory_reduction = shared_memory_reduction;
  d.max_workgroup_invocations = p.max_workgroup_invocations;
  d.max_shared_memory_bytes = p.max_shared_memory_bytes;
  d.max_storage_buffer_range = p.max_storage_buffer_range;
  d.min_storage_buffer_offset_alignment = p.min_storage_buffer_offset_alignment;
  d.multiprocessor_count = p.multiprocessor_count;
  d.limits_lowered = p.limits_lowered;
  d.virtual_subgroup_size = p.virtual_subgroup_size;
  d.enabled = enabled;
  d.buffers_need_device_address = !enabled.push_descriptor;
  *out = std::move(d);
}

}  // namespace detail

Error query_device_info(VkInstance instance, VkPhysicalDevice physical_device,
                        PFN_vkGetInstanceProcAddr gipa, DeviceInfo* out) {
  if (!out) return Error{Status::invalid_argument, "query_device_info: out is null"};
  if (!gipa) return Error{Status::invalid_argument, "query_device_info: get_instance_proc_addr is null"};
  if (!instance || !physical_device)
    return Error{Status::invalid_argument, "query_device_info: instance and physical_device are required"};
  detail::InstanceFunctions fns;
  if (!fns.load(instance, gipa))
    return Error{Status::vulkan_error,
                 "query_device_info: get_instance_proc_addr did not return the Vulkan 1.1 instance "
                 "entry points vknorm needs (vkGetPhysicalDeviceProperties2, ...)"};
  const detail::DeviceProfile p = detail::read_device_profile(fns, physical_device);
  detail::fill_device_info(p, p.supported, !p.subgroup_arithmetic, out);
  return Error{};
}

}  // namespace vknorm
