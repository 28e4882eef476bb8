// Contract of shaders/layer_norm_apply.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_APPLY
#define VKNORM_CONTRACT_LAYER_NORM_APPLY
#include "contract.h"

#define LAYER_NORM_APPLY_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, mean) TENSOR(5, rstd) SCRATCH(6, part)
#define LAYER_NORM_APPLY_FIELDS(F) \
  F(uint, D)                       \
  F(uint, x_rs) F(uint, y_rs)      /* row strides (elements) */ \
  F(uint, flags)                   \
  F(float, eps)                    \
  F(uint, part_off)                /* vec4 index of this window's first partial */ \
  F(uint, split)                   /* partials per row */ \
  F(uint, rows) F(uint, rpw)       /* rows of this dispatch; rows per workgroup */ \
  F(uint, hw) F(uint, cpg)         /* FLAG_CHANNEL: elements per channel, channels per group */ \
  F(uint, groups) F(uint, row_base) /* groups per sample; this dispatch's first row */
#define LAYER_NORM_APPLY_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(MEAN, 4) B(RSTD, 8) B(CHANNEL, 16) B(VAR, 32)
#define LAYER_NORM_APPLY_SPECS(S) \
  S(1, ITEMS, 16) S(2, VEC, 1)     \
  S(3, AFFINE_REGS, 0)             /* 1: keep the weight / bias chunk in registers across rows */ \
  S(4, ACT, 0)                     /* activation after the affine (activation.glsl) */ \
  S(5, PARAM_F32, 0)               /* 1: weight / bias are fp32 beside 16-bit x */

VKNORM_KERNEL(layer_norm_apply, LAYER_NORM_APPLY)
#endif
