// The autotuner: measures a few configs around the selector's choice for each kernel of a
// case and keeps the fastest only when it beats the selector's choice by more than the
// measured noise (tuning never makes a case slower). Results go to the tuning cache
// (vknorm::write_tuning_cache), keyed by device UUID, driver version and the selector's case class.
#pragma once

#include "cases.h"
#include "timing.h"
#include "workload.h"

#include <vknorm/vknorm.h>

#include <functional>
#include <string>
#include <vector>

namespace vknorm_bench {

struct Candidate {
  std::string change;             // "baseline", "wg x2", "items /2", ...
  vknorm::KernelConfig requested;  // what was passed
  vknorm::KernelConfig effective;  // select_config's answer with the override
  bool skipped = false;
  std::string skip_reason;        // the library's refusal
  Stats stats;
};

struct TuneResult {
  BenchCase part;                 // a single-kernel case (fwd+bwd is tuned as its two parts)
  std::string case_class;
  std::string error;              // the case could not be tuned at all
  std::vector<Candidate> candidates;  // [0] = baseline
  int best = -1;                  // fastest measured candidate
  double baseline_ms = 0, best_ms = 0;  // confirmation medians (re-measured back to back)
  double noise_ms = 0;
  bool improved = false;          // best beats the baseline by more than the noise
  const Candidate& chosen() const { return candidates[static_cast<size_t>(improved ? best : 0)]; }
};

// Up to 5 variants of `base` (plus the baseline itself) for the part's operator.
std::vector<Candidate> candidate_configs(const BenchCase& part, const vknorm::KernelConfig& base,
                                         const vknorm::DeviceInfo& info);

// The baseline plus one variant per config text (vknorm::parse_config): its non-zero fields
// replace base's. For experiments (vknorm-bench --try); every one is measured.
std::vector<Candidate> given_configs(const vknorm::KernelConfig& base, const std::vector<std::string>& texts);

using Progress = std::function<void(const std::string&)>;
// `tries` empty: candidate_configs; otherwise given_configs(tries).
TuneResult tune_part(Workload& workload, Timer& timer, const Progress& progress,
                     const std::vector<std::string>& tries = {});

// Loads the cache (if any), upserts one entry per tuned case (the chosen config: the winner,
// or the baseline when nothing beat it) and saves it.
bool store_results(const std::string& path, const vknorm::DeviceInfo& info,
                   const std::vector<TuneResult>& results, std::string* error);

}  // namespace vknorm_bench
