// Contract of shaders/layer_norm_backward_rowsums.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_BACKWARD_ROWSUMS
#define VKNORM_CONTRACT_LAYER_NORM_BACKWARD_ROWSUMS
#include "contract.h"

#define LAYER_NORM_BACKWARD_ROWSUMS_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, dy) TENSOR(2, w) TENSOR(3, mean) TENSOR(4, rstd) SCRATCH(5, part)
#define LAYER_NORM_BACKWARD_ROWSUMS_FIELDS(F) \
  F(uint, D)                                  \
  F(uint, span)                               /* elements per workgroup */ \
  F(uint, x_rs) F(uint, dy_rs)                \
  F(uint, flags)                              \
  F(uint, part_off)                           /* vec2 index of this window's first partial */
#define LAYER_NORM_BACKWARD_ROWSUMS_FLAGS(B) B(WEIGHT, 1)
#define LAYER_NORM_BACKWARD_ROWSUMS_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(layer_norm_backward_rowsums, LAYER_NORM_BACKWARD_ROWSUMS)
#endif
