// Error statistics of a device result against an fp64 reference, with per-dtype tolerances.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_support {

struct Tolerance {
  double atol = 0, rtol = 0;   // |got - ref| <= atol + rtol * |ref| element-wise
  double max_nmse = 0;         // sum (got-ref)^2 / sum ref^2 over finite elements
};

// Tolerances for an output of `dtype` computed with fp32 accumulation. `reduction_length`
// (elements summed per output, e.g. rows for dweight) widens fp32 tolerances for long sums.
Tolerance tolerance_for(vknorm::DType dtype, int64_t reduction_length = 1);

struct ErrorStats {
  int64_t count = 0;
  double nmse = 0;
  double max_abs = 0, max_rel = 0;
  int64_t worst_index = -1;        // element with the largest tolerance excess
  double worst_got = 0, worst_ref = 0;  // the values at worst_index
  int64_t nan_mismatches = 0;      // NaN in exactly one of got/ref
  int64_t inf_mismatches = 0;      // +-Inf in one and not the same Inf in the other
  int64_t out_of_tolerance = 0;    // finite elements beyond atol + rtol*|ref|
  std::vector<int64_t> first_mismatches;  // up to 10 indices, in order
  bool pass = false;
  std::string summary() const;     // one line: "nmse=.. max_abs=.. max_rel=.. nan_mm=.."
};

// got, ref: same length. NaN matches NaN; Inf matches Inf of the same sign.
ErrorStats compare(const std::vector<double>& got, const std::vector<double>& ref,
                   const Tolerance& tol);

}  // namespace vknorm_support
