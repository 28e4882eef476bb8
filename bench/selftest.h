// --self-test: checks the harness itself. A case's median inside a suite must match its median
// when it runs alone (a fresh process with --case, as a single-case run) within 3%, beyond the
// noise measured by repeating both (see selftest.cpp for how the noise is counted).
#pragma once

#include "cli.h"
#include "report.h"

#include "support/json.h"

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace vknorm_bench {

struct SelfTestRow {
  std::string name, label;
  std::vector<double> suite_ms, alone_ms;  // one median per repetition
  double suite_median = 0, alone_median = 0;
  double diff_pct = 0, noise_pct = 0, allowed_pct = 0;
  std::string verdict;  // ok, SLOWER, FASTER, NOISY, ERROR
  std::string error;
  bool pass() const { return verdict == "ok"; }
};

// `first` is the suite pass already made; `rerun` runs the suite again in this process.
std::vector<SelfTestRow> run_self_test(const Options& opt, int argc, char** argv,
                                       const std::vector<CaseResult>& first,
                                       const std::function<std::vector<CaseResult>()>& rerun,
                                       const std::function<void(const std::string&)>& progress);
bool print_self_test(std::FILE* f, const Options& opt, const std::vector<SelfTestRow>& rows);
vknorm_support::Json self_test_json(const Options& opt, const std::vector<SelfTestRow>& rows);

}  // namespace vknorm_bench
