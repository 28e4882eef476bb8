// Contract of shaders/batch_norm_merge.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_BATCH_NORM_MERGE
#define VKNORM_CONTRACT_BATCH_NORM_MERGE
#include "contract.h"

#define BATCH_NORM_MERGE_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, w) TENSOR(1, b) TENSOR(2, save_mean) TENSOR(3, save_invstd) \
  TENSOR(4, running_mean) TENSOR(5, running_var) SCRATCH(6, part)
#define BATCH_NORM_MERGE_FIELDS(F) \
  F(uint, count)                   /* elements per channel (N x S) */ \
  F(uint, part_cs)                 /* partials per channel */ \
  F(uint, part_off)                /* vec4 index of channel 0's first partial */ \
  F(uint, coef_off)                /* vec4 index of channel 0's apply coefficients */ \
  F(uint, flags)                   \
  F(float, eps)                    \
  F(float, momentum)               \
  F(uint, gx_base)                 /* first channel of this dispatch */
#define BATCH_NORM_MERGE_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(SAVE_MEAN, 4) B(SAVE_INVSTD, 8) B(RUNNING, 16)
#define BATCH_NORM_MERGE_SPECS(S)

VKNORM_KERNEL(batch_norm_merge, BATCH_NORM_MERGE)
#endif
