// Counts the subgroup lanes the device really runs (tools/check/lanes_probe.comp), for the
// report's device header: drivers may report another gl_SubgroupSize than they execute.
#pragma once

#include "support/host_device.h"

#include <cstdint>
#include <string>

namespace vknorm_check {

struct LanesProbe {
  bool ran = false;
  std::string error;         // why it did not run (no subgroup arithmetic, Vulkan error)
  uint32_t active_lanes = 0;  // largest subgroupAdd(1) over a full 256-invocation workgroup
  uint32_t top_lane = 0;      // largest gl_SubgroupInvocationID + 1
  uint32_t reported = 0;      // gl_SubgroupSize inside the shader
};

LanesProbe probe_lanes(vknorm_support::HostDevice& device);

}  // namespace vknorm_check
