// vknorm-check --compare A.json B.json: the cases whose status or error metrics differ
// between two runs (two vendors, two driver versions, before / after a change). The
// comparison itself (compare_loaded) is shared by the text table and the HTML report.
#pragma once

#include "support/json.h"

#include <map>
#include <string>
#include <vector>

namespace vknorm_check {

struct CompareOptions {
  double metric_ratio = 2.0;   // list metrics differing by more than this factor (1: any)
  bool allow_missing = false;  // a case passing in A and absent from B is not a new failure
};

// A JSON report read back, with its cases by label. Holds pointers into `root`, so it is
// neither copied nor moved.
struct LoadedReport {
  LoadedReport() = default;
  LoadedReport(const LoadedReport&) = delete;
  LoadedReport& operator=(const LoadedReport&) = delete;
  std::string path;
  vknorm_support::Json root;
  std::map<std::string, const vknorm_support::Json*> by_label;
  std::vector<std::string> order;  // labels in report order (first occurrence wins)
};

// Reads and checks a vknorm-check JSON report (schema, cases with labels).
bool load_report(const std::string& path, LoadedReport* out, std::string* error);
// Indexes an already parsed report (the run's own, for --html after a run).
bool index_report(vknorm_support::Json root, const std::string& name, LoadedReport* out,
                  std::string* error);

// A case's metric as a number ("nan" / "inf" strings decoded; NaN when absent or no case).
double case_metric(const vknorm_support::Json* c, const char* key);
// "pass" "fail" "skip"; "-" for no case.
std::string case_status(const vknorm_support::Json* c);
// "NVIDIA H200 | NVIDIA_PROPRIETARY (580.159.04) | driver .. | subgroup 32 | .."
std::string report_device_line(const vknorm_support::Json& root);

// One listed difference. rank orders the list: 0 new failure, 1 missing in B, 2 fixed,
// 3 other status change, 4 metric change, 6 only in A, 7 only in B.
struct CaseChange {
  int rank;
  std::string note, label;
  const vknorm_support::Json *a, *b;  // nullptr where the case is absent
};

struct Comparison {
  std::vector<CaseChange> changes;       // sorted by rank, report order within a rank
  int new_failures = 0, missing = 0, fixed = 0, status_changes = 0, metric_changes = 0;
  int only_a = 0, only_b = 0, same = 0;
  std::vector<std::string> run_problems;  // validation messages / an abort new in B
  bool regression() const { return new_failures > 0 || missing > 0 || !run_problems.empty(); }
};

Comparison compare_loaded(const LoadedReport& a, const LoadedReport& b,
                          const CompareOptions& options);

// Prints the table on stdout. Returns 0 (no new failure), 1 (a new failure in B: a case
// failing in B that did not fail in A or is new in B, a case passing in A missing from B, or
// validation messages / an abort new in B), 2 (a report cannot be read).
int compare_reports(const std::string& path_a, const std::string& path_b,
                    const CompareOptions& options);

}  // namespace vknorm_check
