// vknorm-check --html OUT.html [A.json B.json ..]: one self-contained HTML page (inline CSS
// and JS, no network) per set of JSON reports: per report the device / driver header, the
// summary, failures with their repro commands and an operator x dtype x shape grid coloured
// by status and tolerance margin; with two or more reports, what changed against the first
// (compare.h's comparison, the same one --compare prints).
#pragma once

#include "support/json.h"
#include "tools/check/compare.h"

#include <string>
#include <vector>

namespace vknorm_check {

// The page for `reports` (at least one); the first is the baseline of "what changed".
std::string render_html(const std::vector<const LoadedReport*>& reports,
                        const CompareOptions& options);

// --html OUT A.json [B.json ..]. Returns 0 when the page is written, 2 when a report cannot
// be read or OUT cannot be written (failed cases in the reports do not change the status).
int write_html_from_files(const std::string& out_path, const std::vector<std::string>& inputs,
                          const CompareOptions& options);

// --html OUT with a run: the page of that run's report (report_json). Returns 0 or 2.
int write_html_for_run(const std::string& out_path, vknorm_support::Json report,
                       const CompareOptions& options);

// Text for HTML element content and quoted attribute values: markup characters escaped,
// control characters dropped, invalid UTF-8 replaced by U+FFFD.
std::string html_escape(const std::string& s);

}  // namespace vknorm_check
