// Known driver bugs and misreports, keyed by driver id and driver version range, and the safer
// path vknorm takes on an affected device. read_device_profile() records which apply
// (DeviceProfile::quirks); the selector and the checks ask has_quirk(); DeviceInfo::quirks
// lists them (vknorm-check --list-devices prints them). Tests fake profiles of affected and
// unaffected drivers (tests/test_selector.cpp, "quirks").
#pragma once

#include "device_profile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm::detail {

enum class Quirk : uint32_t {
  // Mesa lavapipe 22.3-25.0 at LP_NATIVE_VECTOR_WIDTH 1024 / 2048 reports 32 / 64 subgroup
  // lanes while compiling compute shaders for 16. vknorm: the profile's subgroup size is the
  // 16 lanes that run (selection and the tuning-cache key), reported_subgroup_size keeps 32/64.
  lavapipe_subgroup_size_misreport = 0,
  // Mesa lavapipe 22.3: a shader loop whose iterations, the nested loops' included, pass about
  // 2^16 computed wrong results (NaN in a (131073, 1) LayerNorm backward; an RMSNorm backward
  // (1846, 4544) at 512 rows of a 1024-invocation workgroup went wrong from row 500: each row
  // also loops over the 128 subgroups of the workgroup reduction). vknorm: the row loops stay
  // within 32768 counted iterations (max_rows_per_workgroup) and larger configs are refused.
  lavapipe_long_row_loop = 1,
  count
};

struct QuirkInfo {
  Quirk id;
  const char* name;        // e.g. "lavapipe_subgroup_size_misreport"
  uint32_t driver_id;      // VkDriverId
  uint32_t first_version;  // mesa_version() encoding: major * 10000 + minor * 100 + patch
  uint32_t last_version;   // inclusive (patch 99: the whole minor release)
  const char* what;        // the bug, one line
  const char* workaround;  // what vknorm does, one line
};

// Every entry of the table.
const std::vector<QuirkInfo>& quirk_table();
// "Mesa 22.3.6 (LLVM 15.0.6)" -> 220306; 0 when the driver info names no Mesa version.
uint32_t mesa_version(const std::string& driver_info);
// Marks the quirks that apply to p (by driver id, version, and the symptom where it can be
// seen, e.g. a reported subgroup size above 16) and applies their profile fixes.
void apply_quirks(DeviceProfile* p);
bool has_quirk(const DeviceProfile& p, Quirk q);
// "name: what; vknorm: workaround" for each quirk of p.
std::vector<std::string> describe_quirks(const DeviceProfile& p);

// Rows one workgroup of a kernel with a row loop may cover on this device, for a workgroup of
// `workgroup_size` invocations holding `items` values each.
uint32_t max_rows_per_workgroup(const DeviceProfile& p, uint32_t workgroup_size, uint32_t items);

}  // namespace vknorm::detail
