// vknorm-check: cross-vendor conformance runner and regression reports. See README.md.
#include "support/host_device.h"
#include "support/json.h"
#include "tools/check/compare.h"
#include "tools/check/device_report.h"
#include "tools/check/html_report.h"
#include "tools/check/lanes_probe.h"
#include "tools/check/matrix.h"
#include "tools/check/options.h"
#include "tools/check/report.h"
#include "tools/check/runner.h"
#include "support/batch_invariance.h"
#include "support/mesa_cache.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

namespace vknorm_check {
namespace {

constexpr int kExitPass = 0, kExitFail = 1, kExitUsage = 2;

// --shard I/N: operators go, most cases first, to the shard with the fewest cases so far
// (ties to the lower shard), so the N sets are disjoint, cover the selection and share no
// operator's pipelines; a deterministic function of the selected cases.
std::vector<CheckCase> take_shard(std::vector<CheckCase> cases, int shard, int shards) {
  std::map<std::string, int64_t> per_op;
  for (const auto& c : cases) ++per_op[c.spec.op->name()];
  std::vector<std::pair<std::string, int64_t>> ops(per_op.begin(), per_op.end());
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<int64_t> load(shards, 0);
  std::map<std::string, int> owner;
  for (const auto& op : ops) {
    const int s = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    owner[op.first] = s + 1;
    load[s] += op.second;
  }
  std::vector<CheckCase> kept;
  for (auto& c : cases)
    if (owner[c.spec.op->name()] == shard) kept.push_back(std::move(c));
  return kept;
}

std::vector<CheckCase> select_cases(const Options& o) {
  std::vector<CheckCase> all = o.random_count > 0 ? random_cases(o.random_count, o.seed, o.max_elements)
                                                  : build_matrix(o.matrix, o.seed);
  std::vector<CheckCase> kept;
  for (auto& c : all) {
    const std::string label = c.label();
    bool keep = true;
    for (const auto& f : o.filters) keep = keep && label.find(f) != std::string::npos;
    for (const auto& f : o.excludes) keep = keep && label.find(f) == std::string::npos;
    if (keep) kept.push_back(std::move(c));
  }
  return o.shards > 1 ? take_shard(std::move(kept), o.shard, o.shards) : kept;
}

// Coordinates of flat index `i` of output `name` of the case, e.g. "[2,1043]".
std::string coords(const vknorm_support::CaseSpec& s, const std::string& name, int64_t i) {
  // The output's shape as the op case allocates it.
  std::vector<int64_t> shape = s.shape;
  const vknorm_support::CaseInputs in = vknorm_support::make_case_inputs(s);
  for (const auto& t : s.op->tensors(s, in))
    if (t.name == name) shape = t.shape;
  if (shape.empty()) return "[" + std::to_string(i) + "]";
  std::vector<int64_t> c(shape.size());
  int64_t rest = i;
  for (size_t k = shape.size(); k-- > 0;) {
    const int64_t d = shape[k] > 0 ? shape[k] : 1;
    c[k] = rest % d;
    rest /= d;
  }
  std::string out = "[";
  for (size_t k = 0; k < c.size(); ++k) out += (k ? "," : "") + std::to_string(c[k]);
  return out + "]";
}

void print_element(const vknorm_support::CaseSpec& s, const vknorm_support::OutputCheck& o,
                   int64_t i, const char* tag) {
  if (i < 0 || static_cast<size_t>(i) >= o.got.size() || static_cast<size_t>(i) >= o.ref.size()) {
    std::printf("    %10lld %-18s (value not kept)\n", static_cast<long long>(i), coords(s, o.name, i).c_str());
    return;
  }
  const double g = o.got[static_cast<size_t>(i)], r = o.ref[static_cast<size_t>(i)];
  const double ae = std::fabs(g - r);
  const double re = r != 0 ? ae / std::fabs(r) : (ae == 0 ? 0 : INFINITY);
  std::printf("    %10lld %-18s got % .9g  ref % .9g  abs %.3g  rel %.3g%s\n",
              static_cast<long long>(i), coords(s, o.name, i).c_str(), g, r, ae, re, tag);
}

int run_single(vknorm_support::HostDevice& device, const Options& o, RunReport* report) {
  RunnerOptions ro;
  ro.force_shared_reduction = o.force_shared_reduction;
  ro.limits = o.limits;
  ro.virtual_subgroup = report->virtual_subgroup;
  ro.quiet = true;
  vknorm_support::CaseResult raw;
  CaseRecord r = run_one(device, o.single, ro, /*keep_values=*/true, &raw);
  const auto& s = o.single.spec;
  std::printf("case:   %s\n", r.label.c_str());
  std::printf("device: %s\n", device_one_line(report->device).c_str());
  if (!r.config.empty()) std::printf("config: %s\n", r.config.c_str());
  std::printf("status: %s%s%s  (%.3f s)\n", status_name(r.status), r.reason.empty() ? "" : " - ",
              r.reason.c_str(), r.seconds);
  for (const auto& out : raw.outputs) {
    std::printf("  %-8s %s  [%s]\n", out.name.c_str(), out.stats.summary().c_str(),
                out.stats.pass ? "pass" : "FAIL");
    const auto& mm = out.stats.first_mismatches;
    if (!mm.empty() && o.max_mismatches > 0) {
      std::printf("    first mismatching elements (index, coordinates, got, ref):\n");
      bool worst_shown = false;
      for (size_t k = 0; k < mm.size() && static_cast<int>(k) < o.max_mismatches; ++k) {
        const bool w = mm[k] == out.stats.worst_index;
        worst_shown = worst_shown || w;
        print_element(s, out, mm[k], w ? "  <- worst" : "");
      }
      if (!worst_shown && out.stats.worst_index >= 0) {
        print_element(s, out, out.stats.worst_index, "  <- worst");
      }
    } else if (!out.stats.pass && out.stats.worst_index >= 0) {
      print_element(s, out, out.stats.worst_index, "  <- worst");
    }
  }
  for (const auto& m : r.validation_messages) std::printf("  validation: %s\n", m.c_str());
  std::printf("repro:  %s\n", r.repro.c_str());
  report->cases.push_back(std::move(r));
  return 0;
}

CompareOptions compare_options(const Options& o) {
  CompareOptions co;
  co.metric_ratio = o.metric_ratio;
  co.allow_missing = o.allow_missing;
  return co;
}

int write_reports(const Options& o, const RunReport& report) {
  if (!o.json_path.empty() &&
      !vknorm_support::write_text_file(o.json_path, report_json(report).dump())) {
    std::fprintf(stderr, "vknorm-check: cannot write %s\n", o.json_path.c_str());
    return kExitUsage;
  }
  if (!o.junit_path.empty() && !vknorm_support::write_text_file(o.junit_path, report_junit(report))) {
    std::fprintf(stderr, "vknorm-check: cannot write %s\n", o.junit_path.c_str());
    return kExitUsage;
  }
  if (!o.html_path.empty() &&
      write_html_for_run(o.html_path, report_json(report), compare_options(o)) != kExitPass) {
    return kExitUsage;
  }
  return kExitPass;
}

// --batch-invariance: every case of support/batch_invariance.h on a batch-invariant context.
int run_batch_invariance(const Options& o) {
  vknorm_support::HostOptions ho;
  ho.validation = o.validation;
  ho.device_selector = o.device;
  ho.force_shared_memory_reduction = o.force_shared_reduction;
  ho.limits_profile = o.limits;
  ho.virtual_subgroup_size = o.virtual_subgroup;
  ho.batch_invariant = true;
  std::string error;
  std::unique_ptr<vknorm_support::HostDevice> device = vknorm_support::HostDevice::create(ho, &error);
  if (!device) {
    std::fprintf(stderr, "vknorm-check: cannot create the device: %s\n", error.c_str());
    return kExitUsage;
  }
  const vknorm::DeviceInfo& info = vknorm::device_info(device->context());
  std::printf("batch invariance on %s, subgroup %u, %s\n", info.name.c_str(), info.subgroup_size,
              device->validation_description().c_str());
  int passed = 0, failed = 0;
  int64_t compared = 0;
  for (const vknorm_support::InvarianceCase& c : vknorm_support::batch_invariance_cases()) {
    const std::string label = c.label();
    bool selected = true;
    for (const std::string& f : o.filters) selected = selected && label.find(f) != std::string::npos;
    for (const std::string& f : o.excludes) selected = selected && label.find(f) == std::string::npos;
    if (!selected) continue;
    device->clear_validation_messages();
    vknorm_support::InvarianceResult r = vknorm_support::check_batch_invariance(*device, c.spec, c.batches);
    for (const std::string& m : device->validation_messages()) {
      r.pass = false;
      r.failure += (r.failure.empty() ? "" : "; ") + m;
    }
    (r.pass ? passed : failed)++;
    compared += r.values_compared;
    std::printf("%s %s%s%s\n", r.pass ? "PASS" : "FAIL", label.c_str(), r.pass ? "" : ": ", r.failure.c_str());
    std::fflush(stdout);
  }
  std::printf("result: %s (%d passed, %d failed; %lld output values compared bitwise)\n",
              failed ? "FAIL" : "PASS", passed, failed, static_cast<long long>(compared));
  return failed ? kExitFail : passed ? kExitPass : kExitUsage;
}

int run(int argc, char** argv) {
  Options o;
  std::string error;
  if (!parse_options(argc, argv, &o, &error)) {
    std::fprintf(stderr, "vknorm-check: %s\n(run vknorm-check --help for usage)\n", error.c_str());
    return kExitUsage;
  }
  if (o.limits.empty()) o.limits = vknorm_support::env_or("VKNORM_LIMITS", "");  // as the tests read it
  switch (o.mode) {
    case Mode::help:
      std::fputs(usage_text(), stdout);
      return kExitPass;
    case Mode::list_devices:
      return list_devices(o.json_path);
    case Mode::batch_invariance:
      return run_batch_invariance(o);
    case Mode::compare:
      return compare_reports(o.compare_a, o.compare_b, compare_options(o));
    case Mode::html:
      return write_html_from_files(o.html_path, o.html_inputs, compare_options(o));
    case Mode::list_cases: {
      const auto cases = select_cases(o);
      for (const auto& c : cases) std::printf("%s\n", c.label().c_str());
      std::fprintf(stderr, "%zu case(s)\n", cases.size());
      return kExitPass;
    }
    default:
      break;
  }

  std::vector<CheckCase> cases;
  if (o.mode != Mode::single_case) {
    cases = select_cases(o);
    if (cases.empty()) {
      std::fprintf(stderr, "vknorm-check: no case matches the filters\n");
      return kExitUsage;
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  vknorm_support::HostOptions ho;
  ho.validation = o.validation;
  ho.device_selector = o.device;
  ho.force_shared_memory_reduction = o.force_shared_reduction;
  ho.limits_profile = o.limits;
  ho.virtual_subgroup_size = o.virtual_subgroup;
  std::unique_ptr<vknorm_support::HostDevice> device = vknorm_support::HostDevice::create(ho, &error);
  if (!device) {
    std::fprintf(stderr, "vknorm-check: cannot create the device%s%s: %s\n",
                 o.device.empty() ? "" : " ", o.device.c_str(), error.c_str());
    return kExitUsage;
  }
  if (o.validation && !device->validation_enabled()) {
    std::fprintf(stderr, "vknorm-check: warning: validation requested but the layer is not "
                         "available; running without it\n");
  }

  RunReport report;
  report.mode = o.mode == Mode::single_case ? "case" : o.mode == Mode::random ? "random" : "matrix";
  report.matrix = o.mode == Mode::matrix ? matrix_size_name(o.matrix) : "";
  report.suite_name = o.suite_name;
  report.command_line = o.command_line;
  report.started = iso8601_now();
  report.seed = o.mode == Mode::single_case ? o.single.spec.seed : o.seed;
  report.force_shared_reduction = o.force_shared_reduction;
  report.limits = o.limits;
  // As the context has it: --virtual-subgroup, else $VKNORM_VIRTUAL_SUBGROUP (HostDevice reads it).
  report.virtual_subgroup = vknorm::device_info(device->context()).virtual_subgroup_size;
  report.device = describe_device(*device, device->validation_enabled());
  const LanesProbe lanes = probe_lanes(*device);  // what the report claims must have run
  report.device.lanes_run = lanes.ran ? lanes.active_lanes : 0;
  report.device.lanes_probe_note = lanes.error;
  report.run_validation_messages = device->validation_messages();  // from device creation
  device->clear_validation_messages();

  if (o.mode == Mode::single_case) {
    run_single(*device, o, &report);
  } else {
    if (!o.quiet) {
      std::fprintf(stderr, "vknorm-check: %zu case(s) on %s\n", cases.size(),
                   device_one_line(report.device).c_str());
    }
    RunnerOptions ro;
    ro.force_shared_reduction = o.force_shared_reduction;
  ro.limits = o.limits;
  ro.virtual_subgroup = report.virtual_subgroup;
    ro.quiet = o.quiet;
    ro.verbose = o.verbose;
    run_all(*device, cases, ro, &report);
  }
  for (const auto& m : device->validation_messages()) report.run_validation_messages.push_back(m);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (o.mode != Mode::single_case) {
    print_summary(report, stdout);
  } else {
    for (const auto& m : report.run_validation_messages) {
      std::printf("validation (outside the case): %s\n", m.c_str());
    }
  }
  std::fflush(stdout);
  if (write_reports(o, report) != kExitPass) return kExitUsage;
  return report.all_passed() ? kExitPass : kExitFail;
}

}  // namespace
}  // namespace vknorm_check

int main(int argc, char** argv) {
  vknorm_support::use_per_width_mesa_cache();  // before any device exists
  return vknorm_check::run(argc, argv);
}
