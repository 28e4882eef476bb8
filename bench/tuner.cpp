#include "tuner.h"

#include <algorithm>

namespace vknorm_bench {

namespace {

constexpr size_t kMaxVariants = 5;

bool same_tunables(const vknorm::KernelConfig& a, const vknorm::KernelConfig& b) {
  return a.workgroup_size == b.workgroup_size && a.items_per_invocation == b.items_per_invocation &&
         a.vector_width == b.vector_width && a.channel_split == b.channel_split &&
         a.split == b.split && a.rows_per_workgroup == b.rows_per_workgroup &&
         a.wave_bytes == b.wave_bytes;
}

}  // namespace

std::vector<Candidate> candidate_configs(const BenchCase& part, const vknorm::KernelConfig& base,
                                         const vknorm::DeviceInfo& info) {
  std::vector<Candidate> out;
  Candidate b;
  b.change = "baseline";
  b.requested = base;
  out.push_back(b);
  auto variant = [&](const char* change, auto edit) {
    Candidate c;
    c.change = change;
    c.requested = base;
    c.requested.source.clear();
    c.requested.case_class.clear();
    if (!edit(c.requested)) return;
    for (const Candidate& o : out)
      if (same_tunables(o.requested, c.requested)) return;
    out.push_back(c);
  };
  const uint32_t max_wg = info.max_workgroup_invocations ? info.max_workgroup_invocations : 1024;
  const uint32_t min_wg = std::max<uint32_t>(1, info.max_subgroup_size ? info.max_subgroup_size : 32);
  // In order of expected effect; the library refuses impossible ones (skipped, not counted).
  std::vector<std::pair<const char*, std::function<bool(vknorm::KernelConfig&)>>> edits = {
      {"wg x2", [&](vknorm::KernelConfig& c) { return c.workgroup_size * 2 <= max_wg && (c.workgroup_size *= 2); }},
      {"wg /2", [&](vknorm::KernelConfig& c) { return c.workgroup_size / 2 >= min_wg && (c.workgroup_size /= 2); }},
      {"items x2", [](vknorm::KernelConfig& c) { return c.items_per_invocation > 0 && (c.items_per_invocation *= 2); }},
      {"items /2", [](vknorm::KernelConfig& c) { return c.items_per_invocation > 1 && (c.items_per_invocation /= 2); }},
      // Same elements per workgroup, other shape (for rows that must fit one workgroup).
      {"wg /2 items x2", [&](vknorm::KernelConfig& c) {
         return c.workgroup_size / 2 >= min_wg && c.items_per_invocation > 0 &&
                (c.workgroup_size /= 2) && (c.items_per_invocation *= 2);
       }},
      {"wg x2 items /2", [&](vknorm::KernelConfig& c) {
         return c.workgroup_size * 2 <= max_wg && c.items_per_invocation > 1 &&
                (c.workgroup_size *= 2) && (c.items_per_invocation /= 2);
       }},
  };
  const vknorm_support::OpCase* op = part.parts().front();  // a kernel part: one op case
  if (op->tunes_channel_split()) {
    // Channels per column = channel_split x items: vary the split at constant coverage first.
    edits.insert(edits.begin() + 2, {"csplit x2 items /2", [](vknorm::KernelConfig& c) {
                   return c.channel_split > 0 && c.items_per_invocation > 1 &&
                          (c.channel_split *= 2) && (c.items_per_invocation /= 2);
                 }});
    edits.insert(edits.begin() + 3, {"csplit /2 items x2", [](vknorm::KernelConfig& c) {
                   return c.channel_split > 1 && c.items_per_invocation > 0 &&
                          (c.channel_split /= 2) && (c.items_per_invocation *= 2);
                 }});
  } else if (base.split > 1) {
    // Split rows: the wave size (L2 reuse against dispatch count) and the split matter most,
    // so they go first; "no waves" is one wave of every row (UINT64_MAX bytes).
    std::vector<std::pair<const char*, std::function<bool(vknorm::KernelConfig&)>>> split_edits = {
        {"no waves", [](vknorm::KernelConfig& c) { return c.wave_bytes > 0 && c.wave_bytes != UINT64_MAX && (c.wave_bytes = UINT64_MAX); }},
        {"wave x2", [](vknorm::KernelConfig& c) { return c.wave_bytes > 0 && c.wave_bytes != UINT64_MAX && (c.wave_bytes *= 2); }},
        {"split /2", [](vknorm::KernelConfig& c) { return c.split > 2 && (c.split /= 2); }},
        {"split x2", [](vknorm::KernelConfig& c) { return c.split > 0 && (c.split *= 2); }},
    };
    edits.insert(edits.begin(), split_edits.begin(), split_edits.end());
  }
  if (base.split <= 1 && base.wave_bytes > 0 && base.wave_bytes != UINT64_MAX) {
    // Streamed rows whose grid is capped to wave_bytes of rows in flight (L2 reuse against
    // fewer busy SMs): the cap first.
    std::vector<std::pair<const char*, std::function<bool(vknorm::KernelConfig&)>>> wave_edits = {
        {"no cap", [](vknorm::KernelConfig& c) { return (c.wave_bytes = UINT64_MAX); }},
        {"wave x2", [](vknorm::KernelConfig& c) { return (c.wave_bytes *= 2); }},
        {"wave /2", [](vknorm::KernelConfig& c) { return (c.wave_bytes /= 2); }},
    };
    edits.insert(edits.begin(), wave_edits.begin(), wave_edits.end());
  }
  if (op->tunes_rows_per_workgroup()) {
    edits.push_back({"rows x2", [](vknorm::KernelConfig& c) { return c.rows_per_workgroup > 0 && (c.rows_per_workgroup *= 2); }});
    edits.push_back({"rows /2", [](vknorm::KernelConfig& c) { return c.rows_per_workgroup > 1 && (c.rows_per_workgroup /= 2); }});
  }
  for (auto& e : edits) variant(e.first, e.second);
  return out;
}

std::vector<Candidate> given_configs(const vknorm::KernelConfig& base, const std::vector<std::string>& texts) {
  std::vector<Candidate> out(1);
  out[0].change = "baseline";
  out[0].requested = base;
  for (const std::string& t : texts) {
    vknorm::KernelConfig g;
    if (vknorm::parse_config(t, &g)) continue;  // the CLI parsed them already
    Candidate c;
    c.change = t;
    c.requested = base;
    c.requested.source.clear();
    c.requested.case_class.clear();
    auto take = [](auto& to, auto from) { if (from) to = from; };
    take(c.requested.workgroup_size, g.workgroup_size);
    take(c.requested.items_per_invocation, g.items_per_invocation);
    take(c.requested.vector_width, g.vector_width);
    take(c.requested.channel_split, g.channel_split);
    take(c.requested.split, g.split);
    take(c.requested.rows_per_workgroup, g.rows_per_workgroup);
    take(c.requested.wave_bytes, g.wave_bytes);
    out.push_back(c);
  }
  return out;
}

TuneResult tune_part(Workload& w, Timer& timer, const Progress& progress,
                     const std::vector<std::string>& tries) {
  TuneResult r;
  r.part = w.bench_case();
  auto body = [&](VkCommandBuffer cmd) { return w.record(cmd).ok(); };
  std::vector<vknorm::KernelConfig> sel;
  w.set_config(0, nullptr);
  vknorm::Error e = w.select(&sel);
  if (!e.ok()) {
    r.error = "select_config: " + e.message;
    return r;
  }
  r.case_class = sel[0].case_class;
  r.candidates = tries.empty() ? candidate_configs(r.part, sel[0], w.device().info())
                               : given_configs(sel[0], tries);
  const size_t max_variants = tries.empty() ? kMaxVariants : tries.size();
  size_t measured_variants = 0;
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    Candidate& c = r.candidates[i];
    if (i > 0 && measured_variants >= max_variants) {
      c.skipped = true;
      c.skip_reason = "not measured (limit of 5 variants)";
      continue;
    }
    w.set_config(0, i == 0 ? nullptr : &c.requested);
    std::vector<vknorm::KernelConfig> eff;
    e = w.prepare();
    if (e.ok()) e = w.select(&eff);
    if (!e.ok()) {
      c.skipped = true;
      c.skip_reason = std::string(vknorm::status_name(e.status)) + ": " + e.message;
      if (i == 0) {
        r.error = "the selector's own config failed: " + c.skip_reason;
        return r;
      }
      continue;
    }
    c.effective = eff[0];
    if (i > 0 && same_tunables(c.effective, r.candidates[0].effective)) {
      c.skipped = true;
      c.skip_reason = "same as the baseline after the selector filled it";
      continue;
    }
    if (progress) progress("  " + c.change + ": " + vknorm::to_string(c.effective));
    c.stats = timer.measure(body);
    if (!c.stats.ok) {
      c.skipped = true;
      c.skip_reason = "timing failed: " + c.stats.error;
      if (i == 0) {
        r.error = c.skip_reason;
        return r;
      }
      continue;
    }
    if (i > 0) ++measured_variants;
  }
  // The fastest by median, then a back-to-back re-measurement of it and the baseline, so
  // that drift between the first measurements cannot decide alone.
  r.best = 0;
  for (size_t i = 1; i < r.candidates.size(); ++i) {
    const Candidate& c = r.candidates[i];
    if (!c.skipped && c.stats.median_ms < r.candidates[static_cast<size_t>(r.best)].stats.median_ms)
      r.best = static_cast<int>(i);
  }
  Candidate& base = r.candidates[0];
  r.baseline_ms = base.stats.median_ms;
  r.best_ms = r.baseline_ms;
  r.noise_ms = base.stats.spread_ms();
  if (r.best > 0) {
    Candidate& best = r.candidates[static_cast<size_t>(r.best)];
    w.set_config(0, nullptr);
    w.prepare();
    const Stats b2 = timer.measure(body);
    w.set_config(0, &best.requested);
    w.prepare();
    const Stats w2 = timer.measure(body);
    if (b2.ok && w2.ok) {
      r.baseline_ms = std::min(base.stats.median_ms, b2.median_ms);
      r.best_ms = std::max(best.stats.median_ms, w2.median_ms);  // pessimistic for the winner
      r.noise_ms = std::max({base.stats.spread_ms(), best.stats.spread_ms(), b2.spread_ms(),
                             w2.spread_ms(), 0.01 * r.baseline_ms});
      r.improved = r.best_ms < r.baseline_ms - r.noise_ms;
    }
  }
  w.set_config(0, nullptr);
  w.prepare();
  return r;
}

bool store_results(const std::string& path, const vknorm::DeviceInfo& info,
                   const std::vector<TuneResult>& results, std::string* error) {
  std::vector<vknorm::TuningCacheEntry> entries;
  for (const TuneResult& r : results) {
    if (!r.error.empty() || r.candidates.empty() || r.case_class.empty()) continue;
    vknorm::TuningCacheEntry e;
    e.case_class = r.case_class;
    e.config = r.chosen().effective;
    e.tuned_ms = r.improved ? r.best_ms : r.baseline_ms;
    e.baseline_ms = r.baseline_ms;
    entries.push_back(e);
  }
  if (const vknorm::Error e = vknorm::write_tuning_cache(path, info, entries)) {
    *error = e.message;
    return false;
  }
  return true;
}

}  // namespace vknorm_bench
