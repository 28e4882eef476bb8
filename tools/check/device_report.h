// vknorm-check: device and driver description (for reports) and --list-devices.
#pragma once

#include "support/host_device.h"
#include "support/json.h"
#include "tools/check/case_record.h"

#include <string>

namespace vknorm_check {

std::string vendor_name(uint32_t vendor_id);
std::string driver_id_name(uint32_t driver_id);  // "MESA_LLVMPIPE", "" if unknown
// Decodes the vendor-specific packing of driverVersion (NVIDIA, Intel Windows, else Vulkan).
std::string driver_version_string(uint32_t vendor_id, uint32_t driver_id, uint32_t version);
std::string api_version_string(uint32_t v);

// What the context found plus the listing's driver strings (matched by properties).
DeviceReport describe_device(const vknorm_support::HostDevice& device, bool validation);
vknorm_support::Json device_json(const DeviceReport& d);
std::string device_one_line(const DeviceReport& d);  // for headers and JUnit properties

// --list-devices: prints every device; writes JSON when json_path is set. Returns the exit
// status (2 when no device could be enumerated).
int list_devices(const std::string& json_path);

}  // namespace vknorm_check
