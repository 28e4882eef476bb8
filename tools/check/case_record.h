// vknorm-check: the record of one checked case and of one whole run, as the report writers,
// the summary and --compare see them.
#pragma once

#include "support/op_case.h"
#include "support/op_registry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_check {

enum class CaseStatus { pass, fail, skip };
const char* status_name(CaseStatus s);  // "pass" "fail" "skip"

// How the tensors are bound: by VkBuffer, by device address, by VkBuffer at an offset that
// is only element-aligned (exercises the library's offset handling), or in place (y is x, by
// VkBuffer; rms_norm and layer_norm only).
enum class Layout { buffer, address, misaligned, in_place };
const char* layout_name(Layout l);
bool parse_layout(const std::string& s, Layout* out);

// A case as the matrix defines it: the harness spec plus the check tool's own knobs.
struct CheckCase {
  vknorm_support::CaseSpec spec;  // spec.config is set by the runner from `config`
  Layout layout = Layout::buffer;
  bool has_config = false;        // --config override
  vknorm::KernelConfig config;
  std::string label() const;      // unique key used to match cases across runs
};

struct OutputRecord {
  std::string name;
  int64_t count = 0;
  double nmse = 0, max_abs = 0, max_rel = 0;
  int64_t nan_mismatches = 0, inf_mismatches = 0, out_of_tolerance = 0;
  int64_t worst_index = -1;
  bool pass = false;
};

struct CaseRecord {
  CheckCase c;
  std::string label;
  CaseStatus status = CaseStatus::fail;
  std::string reason;        // failure text or skip reason
  double seconds = 0;
  std::string config;        // vknorm::to_string of the config the library chose
  std::vector<OutputRecord> outputs;
  std::vector<std::string> validation_messages;  // raised while this case ran
  std::string repro;         // command line reproducing the case
  // Worst values over all outputs (NaN-aware: a NaN metric wins).
  double nmse() const;
  double max_abs() const;
  double max_rel() const;
  int64_t nan_mismatches() const;
  int64_t inf_mismatches() const;
};

struct DeviceReport {
  std::string name;
  uint32_t vendor_id = 0, device_id = 0;
  std::string vendor_name;
  std::string device_type;
  uint32_t driver_id = 0;
  std::string driver_id_name;   // "MESA_LLVMPIPE"
  std::string driver_name, driver_info;
  uint32_t driver_version = 0;
  std::string driver_version_string;
  uint32_t api_version = 0;
  std::string api_version_string;
  std::string device_class;
  uint32_t subgroup_size = 0, min_subgroup_size = 0, max_subgroup_size = 0;
  bool subgroup_arithmetic = false;
  bool shared_memory_reduction = false;  // the context uses the shared-memory fallback
  vknorm::EnabledFeatures features;
  uint32_t max_workgroup_invocations = 0, max_shared_memory_bytes = 0;
  uint64_t max_storage_buffer_range = 0;
  std::string lp_native_vector_width;   // empty when unset
  uint32_t reported_subgroup_size = 0;  // the driver's figure when a quirk corrects it
  uint32_t lanes_run = 0;               // lanes a subgroup really ran (lanes_probe.comp); 0: not probed
  std::string lanes_probe_note;         // why the probe did not run
  std::vector<std::string> quirks;      // DeviceInfo::quirks
  bool validation = false;
  std::string validation_mode;          // "on", "on + synchronization", ... ("off")
  std::string vknorm_version;
};

struct RunReport {
  std::string mode;          // "matrix" "case" "random"
  std::string matrix;        // "quick" "default" "full" (matrix mode)
  std::string suite_name;    // prefix of the JUnit testsuite names ("" = none)
  std::string command_line;
  std::string started;       // ISO-8601 UTC
  uint64_t seed = 0;
  bool force_shared_reduction = false;
  std::string limits;  // --limits PROFILE, "" for the device's own
  uint32_t virtual_subgroup = 0;  // --virtual-subgroup N, 0 for the device's own subgroups
  DeviceReport device;
  std::vector<CaseRecord> cases;
  std::vector<std::string> run_validation_messages;  // raised outside any case
  double seconds = 0;
  bool aborted = false;      // stopped early (device lost)
  std::string abort_reason;
  int count(CaseStatus s) const;
  bool all_passed() const;   // no failed case, no validation message, not aborted
};

}  // namespace vknorm_check
