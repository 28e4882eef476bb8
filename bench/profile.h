// Per-dispatch profile, in the spirit of the seeds' NCU metrics: grid and workgroup size,
// subgroup size, registers and shared memory as the driver reports them through
// VK_KHR_pipeline_executable_properties, and an occupancy estimate from known per-SM limits.
#pragma once

#include "support/host_device.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vknorm_bench {

struct DispatchProfile {
  vknorm::DispatchInfo info;
  uint32_t subgroup_size = 0;
  bool have_statistics = false;  // the driver answered vkGetPipelineExecutableStatisticsKHR
  std::string statistics_note;   // why there are none
  std::vector<std::pair<std::string, std::string>> statistics;  // name -> value, all of them
  int64_t registers = -1;        // per invocation; -1: unknown
  int64_t shared_bytes = -1;     // per workgroup; -1: unknown
  double occupancy = -1;         // active warps / max warps per SM; -1: n/a
  std::string occupancy_text;    // "75% (limit: registers)" or "n/a (...)"
};

// Per-SM limits used for the occupancy estimate.
struct SmLimits {
  const char* name = nullptr;  // nullptr: unknown device
  uint32_t registers = 0, max_threads = 0, max_blocks = 0, warp = 32;
  uint64_t shared_bytes = 0, reserved_shared_per_block = 0;
};
SmLimits sm_limits(const vknorm::DeviceInfo& info);

std::vector<DispatchProfile> profile_dispatches(vknorm_support::HostDevice& device,
                                                const std::vector<vknorm::DispatchInfo>& dispatches);

}  // namespace vknorm_bench
