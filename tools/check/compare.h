// vknorm-check --compare A.json B.json: the cases whose status or error metrics differ
// between two runs (two vendors, two driver versions, before / after a change).
#pragma once

#include <string>

namespace vknorm_check {

struct CompareOptions {
  double metric_ratio = 2.0;   // list metrics differing by more than this factor (1: any)
  bool allow_missing = false;  // a case passing in A and absent from B is not a new failure
};

// Prints the table on stdout. Returns 0 (no new failure), 1 (a new failure in B: a case
// failing in B that did not fail in A or is new in B, a case passing in A missing from B, or
// validation messages / an abort new in B), 2 (a report cannot be read).
int compare_reports(const std::string& path_a, const std::string& path_b,
                    const CompareOptions& options);

}  // namespace vknorm_check
