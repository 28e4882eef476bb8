// vknorm-check: runs cases on a HostDevice through vknorm_support::run_case and turns each
// result into a CaseRecord (status, metrics, validation messages, reproduction command),
// with a progress line on stderr.
#pragma once

#include "support/host_device.h"
#include "support/op_case.h"
#include "tools/check/case_record.h"

#include <vector>

namespace vknorm_check {

struct RunnerOptions {
  bool force_shared_reduction = false;  // for the reproduction commands
  std::string limits;                   // likewise (--limits PROFILE)
  uint32_t virtual_subgroup = 0;        // likewise (--virtual-subgroup N)
  bool quiet = false;                   // no progress line
  bool verbose = false;                 // one line per case
};

// Runs one case. `raw` (optional) receives run_case's result (with values when keep_values).
CaseRecord run_one(vknorm_support::HostDevice& device, const CheckCase& c,
                   const RunnerOptions& options, bool keep_values = false,
                   vknorm_support::CaseResult* raw = nullptr);

// Runs every case into report->cases; stops early (report->aborted) when the device is lost.
void run_all(vknorm_support::HostDevice& device, const std::vector<CheckCase>& cases,
             const RunnerOptions& options, RunReport* report);

}  // namespace vknorm_check
