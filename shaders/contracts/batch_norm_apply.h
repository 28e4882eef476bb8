// Contract of shaders/batch_norm_apply.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_BATCH_NORM_APPLY
#define VKNORM_CONTRACT_BATCH_NORM_APPLY
#include "contract.h"

#define BATCH_NORM_APPLY_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, running_mean) \
  TENSOR(5, running_var) SCRATCH(6, coef)
#define BATCH_NORM_APPLY_FIELDS(F) \
  F(uint, S) F(uint, NS) F(uint, span)       /* as batch_norm_stats */ \
  F(uint, x_sn) F(uint, x_sc) F(uint, x_ss)  \
  F(uint, y_sn) F(uint, y_sc) F(uint, y_ss)  \
  F(uint, coef_off)                          /* vec4 index of channel 0's coefficients */ \
  F(uint, flags)                             \
  F(float, eps)                              \
  F(uint, c_base)                            /* first channel of this dispatch */
#define BATCH_NORM_APPLY_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(EVAL, 4) B(ONE_PLANE, 8)  /* as batch_norm_stats */
#define BATCH_NORM_APPLY_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(batch_norm_apply, BATCH_NORM_APPLY)
#endif
