// Contract of shaders/group_norm_nhwc_merge.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_GROUP_NORM_NHWC_MERGE
#define VKNORM_CONTRACT_GROUP_NORM_NHWC_MERGE
#include "contract.h"

#define GROUP_NORM_NHWC_MERGE_BINDINGS(TENSOR, SCRATCH) TENSOR(0, mean) TENSOR(1, rstd) SCRATCH(2, part)
#define GROUP_NORM_NHWC_MERGE_FIELDS(F) \
  F(uint, count)                   /* elements per (sample, group): S x C / G */ \
  F(uint, part_cs)                 /* partials per (sample, group) */ \
  F(uint, part_off)                /* vec4 index of (sample 0, group 0)'s first partial */ \
  F(uint, coef_off)                /* vec4 index of (sample 0, group 0)'s coefficients */ \
  F(uint, flags)                   \
  F(float, eps)                    \
  F(uint, gx_base)                 /* first (sample, group) of this dispatch */
#define GROUP_NORM_NHWC_MERGE_FLAGS(B) B(MEAN, 1) B(RSTD, 2)
#define GROUP_NORM_NHWC_MERGE_SPECS(S)

VKNORM_KERNEL(group_norm_nhwc_merge, GROUP_NORM_NHWC_MERGE)
#endif
