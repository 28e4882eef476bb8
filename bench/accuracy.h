// Sampled error check of a benchmark case against the fp64 reference: a strided sample of
// output elements is gathered to the host (one copy command, many regions) and compared with
// the reference computed for the sampled rows / columns only.
#pragma once

#include "support/compare.h"
#include "workload.h"

#include <string>
#include <vector>

namespace vknorm_bench {

struct OutputError {
  std::string name;  // "y", "mean", "rstd", "dx", "dweight", "dbias"
  vknorm_support::ErrorStats stats;
};

struct Accuracy {
  bool ran = false;
  std::string error;  // why it did not run
  std::vector<OutputError> outputs;
  bool pass() const;
  double max_abs() const;
  std::string summary() const;  // "y 3.1e-07 ok, mean 2e-08 ok"
};

// Runs the case once more (with the workload's current configs) and checks a sample of
// every output. `max_samples` bounds the sampled elements per output.
Accuracy check_accuracy(Workload& workload, int64_t max_samples = 65536);

}  // namespace vknorm_bench
