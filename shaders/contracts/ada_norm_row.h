// Contract of shaders/ada_norm_row.comp with its host code (expansions: contract.h).
// add_layer_norm_row's lists with the modulation tensors in place of the skip bias and without
// mean / rstd outputs: with 9 bindings (8-byte addresses) the push block is 128 bytes, the
// minimum every device gives; hence also one divisor for the three modulation tensors.
#ifndef VKNORM_CONTRACT_ADA_NORM_ROW
#define VKNORM_CONTRACT_ADA_NORM_ROW
#include "contract.h"

#define ADA_NORM_ROW_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, res) TENSOR(5, ro) \
  TENSOR(6, sc) TENSOR(7, sh) TENSOR(8, g)
#define ADA_NORM_ROW_FIELDS(F) \
  F(uint, D)                         /* row length */ \
  F(uint, x_rs) F(uint, y_rs)        /* row strides (elements) */ \
  F(uint, rows)                      /* rows of this dispatch */ \
  F(uint, flags)                     \
  F(float, eps)                      \
  F(uint, res_rs) F(uint, ro_rs)     /* residual / residual_out row strides */ \
  F(uint, sc_rs) F(uint, sh_rs) F(uint, g_rs) /* modulation row strides */ \
  F(uint, mdiv)                      /* rows of x per modulation row */ \
  F(uint, row0)                      /* this dispatch's first row among all rows */ \
  F(float, scale_offset)             /* y *= scale_offset + scale */
#define ADA_NORM_ROW_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(WRITE_RESIDUAL, 16)
#define ADA_NORM_ROW_SPECS(S) \
  S(1, ITEMS, 16)               /* elements per invocation (multiple of VEC) */ \
  S(2, VEC, 1)                  /* 1, 4 or 8 (16-bit only) elements per access */ \
  S(3, LPR, 256)                /* lanes per row: a power of two dividing WG */ \
  S(4, SEG_SG, 0)               /* rows on subgroup lanes (set by the core: segments.glsl) */ \
  S(5, NORM, 0)                 /* 0 LayerNorm, 1 RMSNorm */ \
  S(6, RESIDUAL, 0)             /* 0 h = x, 1 h = residual + x, 2 h = residual + g * x */ \
  S(7, MOD, 3)                  /* bit 0: y *= scale_offset + sc; bit 1: y += sh */ \
  S(8, ZGATE, 0)                /* gated RMSNorm, z in g: 1 y *= silu(z), 2 h = x * silu(z) */ \
  S(9, PARAM_F32, 0)            /* 1: weight / bias are fp32 beside 16-bit x */

VKNORM_KERNEL(ada_norm_row, ADA_NORM_ROW)
#endif
