// Contract of shaders/rms_norm_backward_rowsums.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RMS_NORM_BACKWARD_ROWSUMS
#define VKNORM_CONTRACT_RMS_NORM_BACKWARD_ROWSUMS
#include "contract.h"

#define RMS_NORM_BACKWARD_ROWSUMS_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, dy) TENSOR(2, w) TENSOR(3, rstd) SCRATCH(4, part)
#define RMS_NORM_BACKWARD_ROWSUMS_FIELDS(F) \
  F(uint, D)                                \
  F(uint, span)                             /* elements per workgroup of a row */ \
  F(uint, x_rs) F(uint, dy_rs)              \
  F(uint, flags)                            \
  F(float, weight_offset)                   \
  F(uint, part_off)                         /* fp32 index of this window's first partial */
#define RMS_NORM_BACKWARD_ROWSUMS_FLAGS(B) B(WEIGHT, 1)
#define RMS_NORM_BACKWARD_ROWSUMS_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(rms_norm_backward_rowsums, RMS_NORM_BACKWARD_ROWSUMS)
#endif
