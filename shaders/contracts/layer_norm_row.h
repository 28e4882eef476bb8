// Contract of shaders/layer_norm_row.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_ROW
#define VKNORM_CONTRACT_LAYER_NORM_ROW
#include "contract.h"

#define LAYER_NORM_ROW_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, mean) TENSOR(5, rstd)
#define LAYER_NORM_ROW_FIELDS(F) \
  F(uint, D)                     /* row length */ \
  F(uint, x_rs) F(uint, y_rs)    /* row strides (elements) */ \
  F(uint, rows)                  /* rows of this dispatch */ \
  F(uint, flags)                 \
  F(float, eps)                  \
  F(uint, hw) F(uint, cpg)       /* FLAG_CHANNEL: elements per channel, channels per group */ \
  F(uint, groups) F(uint, row_base) /* groups per sample; this dispatch's first row */
#define LAYER_NORM_ROW_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(MEAN, 4) B(RSTD, 8) B(CHANNEL, 16) B(VAR, 32)
#define LAYER_NORM_ROW_SPECS(S) \
  S(1, ITEMS, 16)               /* elements per invocation (multiple of VEC) */ \
  S(2, VEC, 1)                  /* 1, 4 or 8 (16-bit only) elements per access */ \
  S(3, LPR, 256)                /* lanes per row: a power of two dividing WG */ \
  S(4, SEG_SG, 0)               /* rows on subgroup lanes (set by the core: segments.glsl) */ \
  S(5, ACT, 0)                  /* FLAG_CHANNEL rows: activation after the affine (activation.glsl) */ \
  S(6, PARAM_F32, 0)            /* 1: weight / bias are fp32 beside 16-bit x */

VKNORM_KERNEL(layer_norm_row, LAYER_NORM_ROW)
#endif
