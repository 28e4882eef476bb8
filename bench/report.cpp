#include "report.h"

#include <algorithm>
#include <cmath>

namespace vknorm_bench {

using vknorm_support::Json;

std::string format_ms(double ms) {
  char buf[48];
  if (ms >= 1.0)
    std::snprintf(buf, sizeof(buf), "%.3f ms", ms);
  else
    std::snprintf(buf, sizeof(buf), "%.1f us", ms * 1e3);
  return buf;
}

namespace {

std::string mib(uint64_t bytes) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string configs_text(const std::vector<vknorm::KernelConfig>& configs) {
  std::string s;
  for (const auto& c : configs) s += (s.empty() ? "" : " | ") + vknorm::to_string(c);
  return s;
}

std::string case_name(const BenchCase& c) {
  return c.name.empty() ? c.op : c.name;
}

Json stats_json(const Stats& s) {
  Json j = Json::object();
  j["ok"] = s.ok;
  if (!s.ok) {
    j["error"] = s.error;
    return j;
  }
  j["runs"] = s.runs;
  j["median_ms"] = s.median_ms;
  j["min_ms"] = s.min_ms;
  j["max_ms"] = s.max_ms;
  j["p10_ms"] = s.p10_ms;
  j["p90_ms"] = s.p90_ms;
  j["mean_ms"] = s.mean_ms;
  j["host_record_us"] = s.record_us;
  Json samples = Json::array();
  for (double v : s.samples_ms) samples.push_back(v);
  j["samples_ms"] = samples;
  return j;
}

Json shape_json(const std::vector<int64_t>& shape) {
  Json j = Json::array();
  for (int64_t d : shape) j.push_back(d);
  return j;
}

Json config_json(const vknorm::KernelConfig& c) {
  Json j = Json::object();
  j["text"] = vknorm::to_string(c);
  j["source"] = c.source;
  j["case_class"] = c.case_class;
  j["workgroup_size"] = c.workgroup_size;
  j["items_per_invocation"] = c.items_per_invocation;
  j["vector_width"] = c.vector_width;
  j["channel_split"] = c.channel_split;
  j["split"] = c.split;
  j["rows_per_workgroup"] = c.rows_per_workgroup;
  j["wave_bytes"] = c.wave_bytes;
  return j;
}

Json case_json(const BenchCase& c) {
  Json j = Json::object();
  j["name"] = c.name;
  if (!c.model.empty()) j["model"] = c.model;
  j["op"] = c.op;
  j["dtype"] = vknorm::dtype_name(c.dtype);
  j["shape"] = shape_json(c.shape);
  j["requested_shape"] = shape_json(c.requested_shape.empty() ? c.shape : c.requested_shape);
  j["scaled"] = !c.scale_note.empty();
  if (!c.scale_note.empty()) j["scale_note"] = c.scale_note;
  // grad_dtype: for ops with parameter gradients (whether or not this case is affine).
  vknorm_support::BenchShape with_params = c.bench_shape();
  with_params.affine = true;
  bool nr = false, grads = false;
  for (const vknorm_support::OpCase* p : c.parts()) {
    nr = nr || p->uses_normalized_rank();
    for (const auto& t : p->bench_tensors(with_params)) grads = grads || t.grad;
  }
  if (nr) j["normalized_rank"] = c.normalized_rank;
  if (c.groups) j["groups"] = c.groups;
  if (c.activation != vknorm::Activation::none) j["activation"] = vknorm_support::activation_name(c.activation);
  if (c.add_bias) j["add_bias"] = true;
  if (c.f32_params) j["f32_params"] = true;
  if (c.f32_residual) j["f32_residual"] = true;
  j["eps"] = c.eps;
  j["affine"] = c.affine;
  if (grads) j["grad_dtype"] = vknorm::dtype_name(c.grad_dtype);
  return j;
}

Json profile_json(const DispatchProfile& p) {
  Json j = Json::object();
  j["kernel"] = p.info.kernel;
  Json g = Json::array();
  for (uint32_t v : p.info.groups) g.push_back(v);
  j["groups"] = g;
  j["workgroup_size"] = p.info.workgroup_size;
  j["subgroup_size"] = p.subgroup_size;
  j["registers"] = p.registers >= 0 ? Json(p.registers) : Json();
  j["shared_bytes"] = p.shared_bytes >= 0 ? Json(p.shared_bytes) : Json();
  j["occupancy"] = p.occupancy >= 0 ? Json(p.occupancy) : Json();
  j["occupancy_text"] = p.occupancy_text;
  if (p.have_statistics) {
    Json s = Json::object();
    for (const auto& kv : p.statistics) s[kv.first] = kv.second;
    j["statistics"] = s;
  } else {
    j["statistics_note"] = p.statistics_note;
  }
  return j;
}

Json accuracy_json(const Accuracy& a) {
  Json j = Json::object();
  j["ran"] = a.ran;
  j["pass"] = a.pass();
  if (!a.error.empty()) j["error"] = a.error;
  Json outs = Json::array();
  for (const OutputError& o : a.outputs) {
    Json e = Json::object();
    e["name"] = o.name;
    e["samples"] = o.stats.count;
    e["max_abs"] = o.stats.max_abs;
    e["max_rel"] = o.stats.max_rel;
    e["nmse"] = o.stats.nmse;
    e["nan_mismatches"] = o.stats.nan_mismatches;
    e["out_of_tolerance"] = o.stats.out_of_tolerance;
    e["pass"] = o.stats.pass;
    outs.push_back(e);
  }
  j["outputs"] = outs;
  return j;
}

}  // namespace

void print_header(std::FILE* f, const RunSummary& run) {
  const DeviceSummary& d = run.device;
  std::fprintf(f, "vknorm %s | %s (%s, %s) | driver %s %s | subgroup %u | heap %s\n",
               run.vknorm_version.c_str(), d.name.c_str(), d.device_class.c_str(),
               d.cpu ? "CPU" : "GPU", d.driver_name.c_str(), d.driver_version_text.c_str(),
               d.subgroup_size, mib(d.heap_bytes).c_str());
  std::fprintf(f,
               "timing: %d runs (more for short cases: %.3g ms of GPU time) after %d warm-up runs and %.0f ms, "
               "%s, median [p10, p90] of GPU timestamps\n",
               run.timing.runs, run.timing.min_timed_ms, run.timing.warmup, run.timing.warmup_ms,
               run.timing.flush ? ("L2 flushed between runs (" + mib(run.timing.flush_bytes) + ")").c_str()
                                : "no L2 flush");
  if (run.roofline_bytes == 0) {
    // not measured (--tune)
  } else if (run.roofline.ok)
    std::fprintf(f, "roofline: vknorm copy shader %s: %s -> %.1f GB/s (read + write)\n",
                 mib(run.roofline_bytes).c_str(), format_ms(run.roofline.median_ms).c_str(),
                 run.roofline_gbps);
  else
    std::fprintf(f, "roofline: not measured (%s)\n", run.roofline.error.c_str());
  if (run.timer_floor.ok)
    std::fprintf(f, "timer floor (two timestamps, nothing between): %s\n",
                 format_ms(run.timer_floor.median_ms).c_str());
  if (!run.budget_reason.empty())
    std::fprintf(f, "memory budget: %s per tensor (%s)\n", mib(run.per_tensor_budget).c_str(),
                 run.budget_reason.c_str());
  if (!run.tune_cache.empty()) std::fprintf(f, "tuning cache: %s\n", run.tune_cache.c_str());
}

void print_table(std::FILE* f, const RunSummary& run, const std::vector<CaseResult>& cases) {
  (void)run;
  std::fprintf(f, "\n%-24s %-18s %-5s %12s %23s %8s %6s %5s %10s %10s %9s %-22s %s\n", "case", "shape",
               "dtype", "time", "[p10, p90]", "GB/s", "%roof", "eff", "in-stream", "min call", "record",
               "max err (sampled)", "config");
  for (const CaseResult& r : cases) {
    const std::string shape = shape_string(r.c.shape) + (r.c.scale_note.empty() ? "" : "*");
    if (!r.ran) {
      std::fprintf(f, "%-24s %-18s %-5s  not run: %s\n", case_name(r.c).c_str(), shape.c_str(),
                   vknorm::dtype_name(r.c.dtype), r.error.c_str());
      continue;
    }
    const std::string spread = "[" + format_ms(r.stats.p10_ms) + ", " + format_ms(r.stats.p90_ms) + "]";
    char err[64];
    if (r.accuracy.ran)
      std::snprintf(err, sizeof(err), "%.2g %s", r.accuracy.max_abs(), r.accuracy.pass() ? "ok" : "FAIL");
    else
      std::snprintf(err, sizeof(err), "-");
    char eff[16] = "-";
    if (r.copy.ok()) std::snprintf(eff, sizeof(eff), "%.2f", r.efficiency);
    const std::string stream = r.stream.ok ? format_ms(r.stream.flushed_per_call_ms >= 0 ? r.stream.flushed_per_call_ms
                                                                                        : r.stream.back_to_back_per_call_ms)
                                           : "-";
    std::fprintf(f, "%-24s %-18s %-5s %12s %23s %8.1f %5.1f%% %5s %10s %10s %9s %-22s %s\n",
                 case_name(r.c).c_str(), shape.c_str(), vknorm::dtype_name(r.c.dtype),
                 format_ms(r.stats.median_ms).c_str(), spread.c_str(), r.gbps, r.pct_roofline, eff,
                 stream.c_str(), r.min_call.ok ? format_ms(r.min_call.median_ms).c_str() : "-",
                 (format_ms(r.stats.record_us * 1e-3)).c_str(), err, configs_text(r.configs).c_str());
  }
  bool any_scaled = false;
  for (const CaseResult& r : cases) any_scaled |= !r.c.scale_note.empty();
  if (any_scaled) {
    std::fprintf(f, "* scaled down to fit memory:\n");
    for (const CaseResult& r : cases)
      if (!r.c.scale_note.empty())
        std::fprintf(f, "    %s: %s\n", case_name(r.c).c_str(), r.c.scale_note.c_str());
  }
  std::fprintf(f,
               "GB/s: minimal bytes (inputs read once, outputs written once) / median time; "
               "%%roof: of the copy shader's GB/s;\neff: the copy shader moving the same bytes / "
               "time; in-stream: per call of --stream K calls in one command buffer (L2 flushed "
               "before each, flushes subtracted);\nmin call: GPU time of the same op on one tiny "
               "row (dispatch overhead); record: host time of the record_* call(s).\n");
}

void print_profiles(std::FILE* f, const std::vector<CaseResult>& cases) {
  for (const CaseResult& r : cases) {
    if (!r.ran) continue;
    std::fprintf(f, "\n%s: %s\n", case_name(r.c).c_str(), r.c.label().c_str());
    for (const auto& c : r.configs)
      std::fprintf(f, "  config   %s\n", vknorm::to_string(c).c_str());
    std::fprintf(f, "  time     median %s, min %s, max %s, p10 %s, p90 %s (%d runs); %.3g MB moved\n",
                 format_ms(r.stats.median_ms).c_str(), format_ms(r.stats.min_ms).c_str(),
                 format_ms(r.stats.max_ms).c_str(), format_ms(r.stats.p10_ms).c_str(),
                 format_ms(r.stats.p90_ms).c_str(), r.stats.runs, static_cast<double>(r.bytes) * 1e-6);
    if (r.min_call.ok)
      std::fprintf(f, "  overhead min call [%s] %s GPU; record %.1f us host\n",
                   shape_string(r.min_case.shape).c_str(), format_ms(r.min_call.median_ms).c_str(),
                   r.stats.record_us);
    for (const DispatchProfile& p : r.profile) {
      std::string regs = p.registers >= 0 ? std::to_string(p.registers) : "n/a";
      std::string smem = p.shared_bytes >= 0 ? std::to_string(p.shared_bytes) + " B" : "n/a";
      std::fprintf(f, "  dispatch %-28s grid %ux%ux%u wg %u subgroup %u regs %s smem %s\n",
                   p.info.kernel.c_str(), p.info.groups[0], p.info.groups[1], p.info.groups[2],
                   p.info.workgroup_size, p.subgroup_size, regs.c_str(), smem.c_str());
      std::fprintf(f, "           occupancy %s%s%s\n", p.occupancy_text.c_str(),
                   p.have_statistics ? "" : "; statistics: ",
                   p.have_statistics ? "" : p.statistics_note.c_str());
    }
    for (const OutputError& o : r.accuracy.outputs)
      std::fprintf(f, "  error    %-8s max_abs %.3g max_rel %.3g nmse %.3g (%lld samples) %s\n",
                   o.name.c_str(), o.stats.max_abs, o.stats.max_rel, o.stats.nmse,
                   static_cast<long long>(o.stats.count), o.stats.pass ? "ok" : "FAIL");
    if (!r.accuracy.ran && !r.accuracy.error.empty())
      std::fprintf(f, "  error    not checked: %s\n", r.accuracy.error.c_str());
  }
}

void print_tuning(std::FILE* f, const std::vector<TuneResult>& results) {
  for (const TuneResult& r : results) {
    std::fprintf(f, "\n%s: %s (case class %s)\n", case_name(r.part).c_str(), r.part.label().c_str(),
                 r.case_class.c_str());
    if (!r.error.empty()) {
      std::fprintf(f, "  not tuned: %s\n", r.error.c_str());
      continue;
    }
    for (size_t i = 0; i < r.candidates.size(); ++i) {
      const Candidate& c = r.candidates[i];
      if (c.skipped)
        std::fprintf(f, "  %-18s skipped: %s\n", c.change.c_str(), c.skip_reason.c_str());
      else
        std::fprintf(f, "  %-18s %12s [%s, %s]  %s%s\n", c.change.c_str(),
                     format_ms(c.stats.median_ms).c_str(), format_ms(c.stats.p10_ms).c_str(),
                     format_ms(c.stats.p90_ms).c_str(), vknorm::to_string(c.effective).c_str(),
                     static_cast<int>(i) == r.best ? "  <- fastest" : "");
    }
    if (r.improved)
      std::fprintf(f, "  chosen: %s (%s vs baseline %s, noise %s)\n",
                   r.candidates[static_cast<size_t>(r.best)].change.c_str(), format_ms(r.best_ms).c_str(),
                   format_ms(r.baseline_ms).c_str(), format_ms(r.noise_ms).c_str());
    else
      std::fprintf(f, "  chosen: baseline (no candidate beat it by more than the noise %s)\n",
                   format_ms(r.noise_ms).c_str());
  }
}

Json list_json(const std::string& suite, const std::vector<BenchCase>& cases) {
  Json j = Json::object();
  j["suite"] = suite;
  Json cs = Json::array();
  for (const BenchCase& c : cases) {
    Json e = case_json(c);
    if (!e.find("model")) e["model"] = "";
    e["normalized_rank"] = c.normalized_rank;
    e["groups"] = c.groups;
    e["bytes"] = minimal_bytes(c);
    Json parts = Json::array();
    for (const vknorm_support::OpCase* p : c.parts()) parts.push_back(std::string(p->name()));
    e["parts"] = parts;
    cs.push_back(e);
  }
  j["cases"] = cs;
  return j;
}

Json to_json(const RunSummary& run, const std::vector<CaseResult>& cases,
             const std::vector<TuneResult>& tuning) {
  Json j = Json::object();
  j["tool"] = "vknorm-bench";
  j["vknorm_version"] = run.vknorm_version;
  j["command"] = run.command;
  const DeviceSummary& d = run.device;
  Json dev = Json::object();
  dev["name"] = d.name;
  dev["device_class"] = d.device_class;
  dev["cpu"] = d.cpu;
  dev["vendor_id"] = d.vendor_id;
  dev["device_id"] = d.device_id;
  dev["driver_version"] = d.driver_version;
  dev["driver_version_text"] = d.driver_version_text;
  dev["driver_name"] = d.driver_name;
  dev["driver_info"] = d.driver_info;
  dev["api_version"] = d.api_version;
  dev["uuid"] = d.uuid;
  dev["subgroup_size"] = d.subgroup_size;
  dev["device_local_heap_bytes"] = d.heap_bytes;
  dev["max_memory_allocation_bytes"] = d.max_allocation_bytes;
  dev["max_storage_buffer_range"] = d.max_storage_buffer_range;
  dev["timestamp_period_ns"] = d.timestamp_period_ns;
  dev["timestamp_valid_bits"] = d.timestamp_valid_bits;
  dev["pipeline_statistics"] = d.pipeline_statistics;
  j["device"] = dev;
  Json t = Json::object();
  t["runs"] = run.timing.runs;
  t["warmup"] = run.timing.warmup;
  t["l2_flush"] = run.timing.flush;
  t["flush_bytes"] = run.timing.flush ? run.timing.flush_bytes : uint64_t{0};
  t["per_tensor_budget_bytes"] = run.per_tensor_budget;
  t["total_budget_bytes"] = run.total_budget;
  t["budget_reason"] = run.budget_reason;
  t["warmup_ms"] = run.timing.warmup_ms;
  t["arena_bytes"] = run.arena_bytes;
  t["timer_floor"] = stats_json(run.timer_floor);
  j["timing"] = t;
  Json roof = Json::object();
  roof["method"] = "vknorm::record_copy, bandwidth counts read + write";
  roof["bytes"] = run.roofline_bytes;
  roof["gbps"] = run.roofline_gbps;
  roof["time"] = stats_json(run.roofline);
  j["roofline"] = roof;
  if (!run.tune_cache.empty()) j["tuning_cache"] = run.tune_cache;
  Json cs = Json::array();
  for (const CaseResult& r : cases) {
    Json c = case_json(r.c);
    c["ran"] = r.ran;
    if (!r.error.empty()) c["error"] = r.error;
    if (r.ran) {
      c["bytes"] = r.bytes;
      c["time"] = stats_json(r.stats);
      if (r.copy.bytes) {
        Json cp = Json::object();
        cp["bytes"] = r.copy.bytes;
        cp["timed_bytes"] = r.copy.timed_bytes;
        cp["median_ms"] = r.copy.ok() ? Json(r.copy.median_ms) : Json();
        cp["time"] = stats_json(r.copy.stats);
        c["copy"] = cp;
        c["efficiency"] = r.copy.ok() ? Json(r.efficiency) : Json();
      }
      if (r.stream.calls) {
        Json st = Json::object();
        st["calls"] = r.stream.calls;
        st["barrier"] = stream_barrier_name(r.stream.barrier);
        st["ok"] = r.stream.ok;
        if (!r.stream.error.empty()) st["error"] = r.stream.error;
        if (r.stream.ok) {
          st["back_to_back_per_call_ms"] = r.stream.back_to_back_per_call_ms;
          st["flushed_per_call_ms"] = r.stream.flushed_per_call_ms >= 0 ? Json(r.stream.flushed_per_call_ms) : Json();
          st["back_to_back_total"] = stats_json(r.stream.back_to_back_total);
          if (r.stream.flushed_per_call_ms >= 0) {
            st["flushed_total"] = stats_json(r.stream.flushed_total);
            st["flushes_alone"] = stats_json(r.stream.flushes_alone);
          }
        }
        c["stream"] = st;
      }
      c["gbps"] = r.gbps;
      c["pct_roofline"] = r.pct_roofline;
      Json cfg = Json::array();
      for (const auto& k : r.configs) cfg.push_back(config_json(k));
      c["configs"] = cfg;
      Json prof = Json::array();
      for (const auto& p : r.profile) prof.push_back(profile_json(p));
      c["dispatches"] = prof;
      Json ov = Json::object();
      ov["min_call_shape"] = shape_json(r.min_case.shape);
      ov["min_call"] = stats_json(r.min_call);
      ov["host_record_us"] = r.stats.record_us;
      c["overhead"] = ov;
      c["accuracy"] = accuracy_json(r.accuracy);
      Json mem = Json::object();
      mem["device_local"] = r.device_local;
      mem["heap_usage_bytes_at_start"] = r.heap_usage_bytes;
      mem["heap_budget_bytes_at_start"] = r.heap_budget_bytes;
      mem["inputs_already_filled"] = r.fills_skipped;
      c["memory"] = mem;
    }
    cs.push_back(c);
  }
  j["cases"] = cs;
  if (!tuning.empty()) {
    Json tj = Json::array();
    for (const TuneResult& r : tuning) {
      Json e = case_json(r.part);
      e["case_class"] = r.case_class;
      if (!r.error.empty()) e["error"] = r.error;
      Json cands = Json::array();
      for (const Candidate& c : r.candidates) {
        Json k = Json::object();
        k["change"] = c.change;
        k["skipped"] = c.skipped;
        if (c.skipped) k["reason"] = c.skip_reason;
        else {
          k["config"] = config_json(c.effective);
          k["time"] = stats_json(c.stats);
        }
        cands.push_back(k);
      }
      e["candidates"] = cands;
      e["baseline_ms"] = r.baseline_ms;
      e["best_ms"] = r.best_ms;
      e["noise_ms"] = r.noise_ms;
      e["improved"] = r.improved;
      if (!r.candidates.empty() && r.error.empty()) e["chosen"] = config_json(r.chosen().effective);
      tj.push_back(e);
    }
    j["tuning"] = tj;
  }
  return j;
}

}  // namespace vknorm_bench
