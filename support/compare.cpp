// Error statistics against an fp64 reference.
#include "support/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vknorm_support {

// Why these numbers. The device computes in fp32 and rounds every output once to its storage
// dtype; the reference is the exact fp64 result of the same stored inputs.
//  - f32: unit roundoff u = 2^-24 = 6e-8. A normalized output goes through a handful of
//    roundings plus the error of the row statistics (tree / blocked sums: relative error a few
//    u times log2 of the length), so ~1e-6 relative in the worst realistic case; 1e-5 leaves a
//    10x margin and still catches a wrong count, a skipped element or an off-by-one weight
//    (errors of order 1/length or larger). Sums over `reduction_length` terms (dweight, dbias
//    over rows) grow their rounding error like sqrt(length) for random-sign terms, so both
//    bounds are widened by sqrt(reduction_length).
//  - f16: one final rounding is at most half an ulp = 2^-11 = 4.9e-4 relative; rtol 2e-3 is 4x
//    that. atol 2e-3 covers outputs near zero whose fp32 computation error is absolute (from
//    x - mean cancellation) and f16 subnormals (spacing 6e-8, far below).
//  - bf16: half an ulp = 2^-8 = 3.9e-3 relative; rtol = atol = 1.6e-2 is 4x that.
//  - max_nmse: the mean squared relative error of a uniform rounding is ulp^2/12 relative:
//    f16 2e-8, bf16 1.3e-6; f32 ~1e-14 (a few roundings). The limits (1e-6, 5e-5, 1e-10) are
//    ~40x above and catch systematic small biases that stay under the element-wise bound.
Tolerance tolerance_for(vknorm::DType dtype, int64_t reduction_length) {
  const double L = static_cast<double>(std::max<int64_t>(reduction_length, 1));
  const double widen = std::sqrt(L);
  const double acc = 1e-5 * widen;  // fp32 accumulation term
  Tolerance t;
  switch (dtype) {
    case vknorm::DType::f32:
      t.atol = acc;
      t.rtol = acc;
      t.max_nmse = 1e-10 * L;
      break;
    case vknorm::DType::f16:
      t.atol = 2e-3 + (L > 1 ? acc : 0.0);
      t.rtol = 2e-3 + (L > 1 ? acc : 0.0);
      t.max_nmse = 1e-6 + 1e-10 * L;
      break;
    case vknorm::DType::bf16:
      t.atol = 1.6e-2 + (L > 1 ? acc : 0.0);
      t.rtol = 1.6e-2 + (L > 1 ? acc : 0.0);
      t.max_nmse = 5e-5 + 1e-10 * L;
      break;
    case vknorm::DType::i8:  // quantized codes: exact (the op case accepts either code at a tie)
    case vknorm::DType::i32:
    case vknorm::DType::f8_e4m3:
    case vknorm::DType::f8_e5m2:
      t.atol = 0.0;
      t.rtol = 0.0;
      t.max_nmse = 0.0;
      break;
  }
  return t;
}

ErrorStats compare(const std::vector<double>& got, const std::vector<double>& ref,
                   const Tolerance& tol) {
  ErrorStats s;
  const size_t n = std::min(got.size(), ref.size());
  s.count = static_cast<int64_t>(n);
  double num = 0, den = 0;
  double worst_excess = -1.0;      // largest (err - limit) among finite elements
  int64_t first_nonfinite_mm = -1;  // first NaN / Inf mismatch
  auto note = [&](size_t i) {
    if (s.first_mismatches.size() < 10) s.first_mismatches.push_back(static_cast<int64_t>(i));
  };
  for (size_t i = 0; i < n; ++i) {
    const double g = got[i], r = ref[i];
    const bool gn = std::isnan(g), rn = std::isnan(r);
    if (gn || rn) {
      if (!(gn && rn)) {
        ++s.nan_mismatches;
        note(i);
        if (first_nonfinite_mm < 0) first_nonfinite_mm = static_cast<int64_t>(i);
      }
      continue;
    }
    const bool gi = std::isinf(g), ri = std::isinf(r);
    if (gi || ri) {
      if (!(gi && ri && std::signbit(g) == std::signbit(r))) {
        ++s.inf_mismatches;
        note(i);
        if (first_nonfinite_mm < 0) first_nonfinite_mm = static_cast<int64_t>(i);
      }
      continue;
    }
    const double err = std::fabs(g - r);
    const double lim = tol.atol + tol.rtol * std::fabs(r);
    num += err * err;
    den += r * r;
    s.max_abs = std::max(s.max_abs, err);
    if (r != 0) s.max_rel = std::max(s.max_rel, err / std::fabs(r));
    if (err > lim) {
      ++s.out_of_tolerance;
      note(i);
    }
    if (err - lim > worst_excess) {
      worst_excess = err - lim;
      s.worst_index = static_cast<int64_t>(i);
    }
  }
  if (s.out_of_tolerance == 0 && first_nonfinite_mm >= 0) s.worst_index = first_nonfinite_mm;
  if (s.worst_index >= 0) {
    s.worst_got = got[static_cast<size_t>(s.worst_index)];
    s.worst_ref = ref[static_cast<size_t>(s.worst_index)];
  }
  s.nmse = den > 0 ? num / den : num;
  s.pass = got.size() == ref.size() && s.nan_mismatches == 0 && s.inf_mismatches == 0 &&
           s.out_of_tolerance == 0 && s.nmse <= tol.max_nmse;
  return s;
}

std::string ErrorStats::summary() const {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "n=%lld nmse=%.3g max_abs=%.3g max_rel=%.3g nan_mm=%lld inf_mm=%lld oot=%lld "
                "worst=%lld (got %.9g ref %.9g)",
                static_cast<long long>(count), nmse, max_abs, max_rel,
                static_cast<long long>(nan_mismatches), static_cast<long long>(inf_mismatches),
                static_cast<long long>(out_of_tolerance), static_cast<long long>(worst_index),
                worst_got, worst_ref);
  std::string out = buf;
  if (!first_mismatches.empty()) {
    out += " first_mm=[";
    for (size_t i = 0; i < first_mismatches.size(); ++i) {
      if (i) out += ",";
      out += std::to_string(first_mismatches[i]);
    }
    out += "]";
  }
  return out;
}

}  // namespace vknorm_support
