// Contract of shaders/group_norm_nhwc_apply.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_GROUP_NORM_NHWC_APPLY
#define VKNORM_CONTRACT_GROUP_NORM_NHWC_APPLY
#include "contract.h"
#include "group_norm_nhwc_geom.h"  // GROUP_NORM_NHWC_GEOM_FIELDS

#define GROUP_NORM_NHWC_APPLY_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) SCRATCH(4, part)
#define GROUP_NORM_NHWC_APPLY_FIELDS(F) \
  GROUP_NORM_NHWC_GEOM_FIELDS(F)   \
  F(uint, coef_off)                /* vec4 index of (sample 0, group 0)'s coefficients */ \
  F(uint, flags)
#define GROUP_NORM_NHWC_APPLY_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2)
#define GROUP_NORM_NHWC_APPLY_SPECS(S) \
  S(1, VEC, 1)                     \
  S(2, ACT, 0)                     /* activation after the affine (activation.glsl) */

VKNORM_KERNEL(group_norm_nhwc_apply, GROUP_NORM_NHWC_APPLY)
#endif
