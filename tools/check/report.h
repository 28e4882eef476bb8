// vknorm-check: report writers (JSON, JUnit XML) and the summary table on stdout.
#pragma once

#include "support/json.h"
#include "tools/check/case_record.h"

#include <cstdio>
#include <string>

namespace vknorm_check {

constexpr const char* kJsonSchema = "vknorm-check/1";

vknorm_support::Json report_json(const RunReport& report);
std::string report_junit(const RunReport& report);
// Counts per operator x dtype, skip reasons, failing cases with their metrics, verdict.
void print_summary(const RunReport& report, std::FILE* out);

// "1.2e-07" style for tables; "nan" / "inf" kept.
std::string fmt_metric(double v);
std::string iso8601_now();

}  // namespace vknorm_check
