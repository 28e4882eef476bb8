#include "tools/check/runner.h"

#include "tools/check/matrix.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace vknorm_check {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string mmss(double s) {
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

bool looks_device_lost(const std::string& s) {
  return s.find("DEVICE_LOST") != std::string::npos || s.find("device lost") != std::string::npos;
}

// A progress line: rewritten in place on a terminal, else printed every ~15 s (CI logs).
class Progress {
 public:
  Progress(size_t total, bool quiet)
      : total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0), t0_(Clock::now()) {}

  void update(size_t done, int failed, int skipped, const std::string& label) {
    if (quiet_ || total_ == 0) return;
    const double el = seconds_since(t0_);
    if (!tty_ && done != total_ && el - last_print_ < 15.0) return;
    last_print_ = el;
    const double eta = done ? el / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
    char head[160];
    std::snprintf(head, sizeof head, "[%zu/%zu] %3d%% %s elapsed, ETA %s, %d failed, %d skipped",
                  done, total_, static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_)),
                  mmss(el).c_str(), mmss(eta).c_str(), failed, skipped);
    if (tty_) {
      std::string line = std::string(head) + "  " + label;
      if (line.size() > 150) line.resize(150);
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      if (done == total_) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "%s\n", head);
    }
    std::fflush(stderr);
  }

  void finish_line() {
    if (!quiet_ && tty_) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    }
  }

 private:
  size_t total_;
  bool quiet_, tty_;
  Clock::time_point t0_;
  double last_print_ = -1e9;
};

}  // namespace

CaseRecord run_one(vknorm_support::HostDevice& device, const CheckCase& c,
                   const RunnerOptions& options, bool keep_values,
                   vknorm_support::CaseResult* raw) {
  CaseRecord r;
  r.c = c;
  r.label = c.label();
  r.repro = repro_command(c, options.force_shared_reduction, options.limits, options.virtual_subgroup);

  vknorm_support::CaseSpec spec = c.spec;
  spec.by_address = c.layout == Layout::address;
  spec.in_place = c.layout == Layout::in_place;
  // One element of the dtype past an aligned offset; 4 bytes where the case also binds fp32
  // tensors (layer_norm's mean / rstd), since the harness shifts every tensor alike.
  if (c.layout == Layout::misaligned) {
    spec.misalign_bytes = spec.op->misalign_bytes(spec.dtype);
  }
  spec.config = c.has_config ? &r.c.config : nullptr;

  vknorm_support::CaseRunOptions run_options;
  run_options.keep_values = keep_values;
  device.clear_validation_messages();
  const auto t0 = Clock::now();
  vknorm_support::CaseResult result = vknorm_support::run_case(device, spec, run_options);
  const double wall = seconds_since(t0);
  r.seconds = result.seconds > 0 ? result.seconds : wall;
  r.validation_messages = device.validation_messages();
  device.clear_validation_messages();
  if (result.config.workgroup_size != 0 || !result.config.source.empty()) {
    r.config = vknorm::to_string(result.config);
  }

  for (const auto& o : result.outputs) {
    OutputRecord out;
    out.name = o.name;
    out.count = o.stats.count;
    out.nmse = o.stats.nmse;
    out.max_abs = o.stats.max_abs;
    out.max_rel = o.stats.max_rel;
    out.nan_mismatches = o.stats.nan_mismatches;
    out.inf_mismatches = o.stats.inf_mismatches;
    out.out_of_tolerance = o.stats.out_of_tolerance;
    out.worst_index = o.stats.worst_index;
    out.pass = o.stats.pass;
    r.outputs.push_back(out);
  }

  if (result.skipped) {
    r.status = CaseStatus::skip;
    r.reason = result.skip_reason.empty() ? "skipped by the harness" : result.skip_reason;
  } else if (!result.error.ok()) {
    r.status = CaseStatus::fail;
    r.reason = std::string("vknorm error (") + vknorm::status_name(result.error.status) +
               "): " + result.error.message;
  } else if (!result.ran) {
    r.status = CaseStatus::fail;
    r.reason = result.failure.empty() ? "the case did not run" : result.failure;
  } else if (!result.pass) {
    r.status = CaseStatus::fail;
    if (!result.failure.empty()) {
      r.reason = result.failure;
    } else {
      for (const auto& o : result.outputs) {
        if (o.stats.pass) continue;
        if (!r.reason.empty()) r.reason += "; ";
        r.reason += o.name + ": " + o.stats.summary();
      }
      if (r.reason.empty()) r.reason = "out of tolerance";
    }
  } else {
    r.status = CaseStatus::pass;
  }
  // Validation-layer messages fail the case whatever its result (a skipped case too).
  if (!r.validation_messages.empty()) {
    const std::string v = std::to_string(r.validation_messages.size()) +
                          " validation message(s), first: " + r.validation_messages.front();
    r.reason = r.reason.empty() ? v : r.reason + "; " + v;
    r.status = CaseStatus::fail;
  }
  if (raw) *raw = std::move(result);
  return r;
}

void run_all(vknorm_support::HostDevice& device, const std::vector<CheckCase>& cases,
             const RunnerOptions& options, RunReport* report) {
  Progress progress(cases.size(), options.quiet || options.verbose);
  int failed = 0, skipped = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    CaseRecord r = run_one(device, cases[i], options);
    failed += r.status == CaseStatus::fail ? 1 : 0;
    skipped += r.status == CaseStatus::skip ? 1 : 0;
    if (options.verbose) {
      std::fprintf(stderr, "[%zu/%zu] %-4s %7.3fs  %s%s%s\n", i + 1, cases.size(),
                   status_name(r.status), r.seconds, r.label.c_str(),
                   r.reason.empty() ? "" : "  -- ", r.reason.c_str());
    }
    const bool lost = r.status == CaseStatus::fail && looks_device_lost(r.reason);
    report->cases.push_back(std::move(r));
    progress.update(i + 1, failed, skipped, report->cases.back().label);
    if (lost) {
      report->aborted = true;
      report->abort_reason = "device lost while running '" + report->cases.back().label +
                             "'; " + std::to_string(cases.size() - i - 1) + " case(s) not run";
      progress.finish_line();
      std::fprintf(stderr, "vknorm-check: %s\n", report->abort_reason.c_str());
      break;
    }
  }
}

}  // namespace vknorm_check
