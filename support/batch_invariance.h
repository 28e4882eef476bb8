// The batch-invariance check: a row's output bits must not depend on how many other rows the
// call holds. One case is run at several batch sizes (the first dimension of its shape) on the
// same counter-based data, whose smaller batches are prefixes of the largest; every output
// that scales with the batch must then be a bitwise prefix of the largest run's. Outputs that
// reduce over the batch (dweight, dbias, BatchNorm's statistics) are not compared.
#pragma once

#include "support/host_device.h"
#include "support/op_case.h"

#include <string>
#include <vector>

namespace vknorm_support {

struct InvarianceResult {
  bool pass = false;
  std::string failure;               // the first difference, or why a run failed
  std::vector<std::string> configs;  // the config of each batch size's run, in order
  int64_t values_compared = 0;       // output values compared bitwise
};

// Runs `spec` with shape[0] set to each of `batches` (ascending; the last is the reference).
// Every run must also pass its fp64 check.
InvarianceResult check_batch_invariance(HostDevice& device, const CaseSpec& spec,
                                        const std::vector<int64_t>& batches);

// The cases the conformance check runs: the row-wise operators the header lists as batch
// invariant, each at a row length of the register path and one of the split / streamed path,
// in every dtype. Batches 1, 7, 333 and 5000 for rows of up to 1024 elements; longer rows
// stop at `max_values` per run (at least 16 rows), the middle batch half that (the label says
// which). vknorm-check --batch-invariance takes 4M values (kGpuBatchValues), the doctest suite
// 1M (lavapipe's time in CI).
struct InvarianceCase {
  CaseSpec spec;                 // shape[0] is the batch
  std::vector<int64_t> batches;
  std::string label() const;
};
constexpr int64_t kGpuBatchValues = int64_t{4} << 20;
std::vector<InvarianceCase> batch_invariance_cases(int64_t max_values = kGpuBatchValues);

}  // namespace vknorm_support
