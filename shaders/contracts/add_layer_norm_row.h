// Contract of shaders/add_layer_norm_row.comp with its host code (expansions: contract.h).
// layer_norm_row's lists plus the residual input and output (same flag bits, one more).
#ifndef VKNORM_CONTRACT_ADD_LAYER_NORM_ROW
#define VKNORM_CONTRACT_ADD_LAYER_NORM_ROW
#include "contract.h"

#define ADD_LAYER_NORM_ROW_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, mean) TENSOR(5, rstd) \
  TENSOR(6, res) TENSOR(7, ro) TENSOR(8, ab)
#define ADD_LAYER_NORM_ROW_FIELDS(F) \
  F(uint, D)                         /* row length */ \
  F(uint, x_rs) F(uint, y_rs)        /* row strides (elements) */ \
  F(uint, rows)                      /* rows of this dispatch */ \
  F(uint, flags)                     \
  F(float, eps)                      \
  F(uint, res_rs) F(uint, ro_rs)     /* residual / residual_out row strides */
#define ADD_LAYER_NORM_ROW_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(MEAN, 4) B(RSTD, 8) B(WRITE_RESIDUAL, 16)
#define ADD_LAYER_NORM_ROW_SPECS(S) \
  S(1, ITEMS, 16)               /* elements per invocation (multiple of VEC) */ \
  S(2, VEC, 1)                  /* 1, 4 or 8 (16-bit only) elements per access */ \
  S(3, LPR, 256)                /* lanes per row: a power of two dividing WG */ \
  S(4, SEG_SG, 0)               /* rows on subgroup lanes (set by the core: segments.glsl) */ \
  S(5, ADD_BIAS, 0)             /* 1: h = x + residual + ab (ONNX SkipLayerNormalization's bias) */ \
  S(6, PARAM_F32, 0)            /* 1: weight / bias are fp32 beside 16-bit x */

VKNORM_KERNEL(add_layer_norm_row, ADD_LAYER_NORM_ROW)
#endif
