// The rms_norm_rows dispatch, shared by RMSNorm over dim 1 (rows of (N, C)) and rms_norm_last's
// plain form (one row stride, no residual, rstd, weight offset or int8): src/ops/rms_norm.cpp.
#pragma once

#include "core/plan.h"

namespace vknorm::detail {

// One dispatch over `rows` rows of D elements (row strides x_rs / y_rs, 0 for a single row),
// rows_per_workgroup rows per workgroup, spread over a 2D grid of at most max_gx columns.
PlannedDispatch rms_rows_dispatch(DType dtype, const KernelConfig& c, uint64_t D, uint64_t rows, uint64_t x_rs,
                                  uint64_t y_rs, bool has_weight, float eps, uint64_t max_gx,
                                  const BufferView& x, const BufferView& y, const BufferView& w,
                                  uint32_t norm = 0);  // NORM (shaders/norm_kind.glsl): 0 RMSNorm

}  // namespace vknorm::detail
