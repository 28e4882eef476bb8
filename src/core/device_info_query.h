// The one place that turns a device profile into the public DeviceInfo: both query_device_info
// (no context) and create_context (context.cpp) call it.
#pragma once

#include <vknorm/vknorm.h>

namespace vknorm::detail {

struct DeviceProfile;

// Every DeviceInfo field: the device's from `p`, the context's from the arguments
// (`enabled`: the verified enabled features; `shared_memory_reduction`: the reduction path used).
void fill_device_info(const DeviceProfile& p, const EnabledFeatures& enabled,
                      bool shared_memory_reduction, DeviceInfo* out);

}  // namespace vknorm::detail
