// Command line of vknorm-bench.
#pragma once

#include "cases.h"
#include "timing.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_bench {

struct Options {
  std::string suite;                 // "kernelbench", "extended"; empty with a single case
  bool have_single = false;          // --op given
  BenchCase single;                  // --op/--shape/--dtype/--eps/--normalized-rank/--no-affine
  std::vector<std::string> case_names;  // --case A[,B..]: only these cases of the suite, in this order
  uint64_t arena_mib = 0;               // --arena-mib: every used arena block at least this large
  int runs = 20, warmup = 3;
  bool runs_given = false;
  double warmup_ms = 250;
  bool roofline = true;              // --no-roofline: skip the copy roofline (self-test children)
  bool same_size_copy = true;        // --no-copy: skip each case's same-size copy
  bool batch_invariant = false;      // --batch-invariant: ContextCreateInfo::batch_invariant
  int stream_calls = 0;              // --stream K: also time K calls in one command buffer
  StreamBarrier stream_barrier = StreamBarrier::full;  // --stream-barrier: between back-to-back calls
  bool list = false;                 // --list: print the cases as JSON, open no device
  bool self_test = false;            // --self-test: suite medians vs alone medians
  int self_test_reps = 2;
  double self_test_tol_pct = 3, self_test_max_noise_pct = 5;
  bool flush = true;
  uint64_t flush_mib = 256;          // 0: automatic (256 MiB on GPUs, 32 MiB on CPUs)
  bool flush_mib_given = false;
  uint64_t budget_mib = 0;           // per-tensor budget; 0: automatic
  uint64_t roofline_mib = 1024;      // copy size of the roofline measurement (capped by budget)
  bool check = true;                 // sampled error check
  bool profile = true;
  bool by_address = false;
  bool validation = false;
  std::string device;                // VKNORM_DEVICE-style selector
  std::string json_path;
  bool tune = false;
  std::string tune_cache;            // read by the context; written by --tune
  std::vector<std::string> try_configs;  // --try: the variants --tune measures, instead of its own
  bool list_devices = false;
  bool quiet = false;                // no progress on stderr
};

// Parses argv. Returns false with a message (or "help") in *error.
bool parse_options(int argc, char** argv, Options* out, std::string* error);
const char* usage();

}  // namespace vknorm_bench
