// Contract of shaders/ada_norm_row_q8.comp (ada_norm with an 8-bit y) with its host code
// (expansions: contract.h). ada_norm_row's lists plus the per-row scale output (binding
// `scale`: y_scale, not the modulation `sc`), the static scale and QFMT. Ten 8-byte addresses
// leave 48 bytes of the 128-byte push block: D and the flags share a word (D < 2^20: ada_norm
// rows hold at most 1024 x 256 elements) and the three modulation tensors one row stride (the
// host refuses differing strides with more than one modulation row).
#ifndef VKNORM_CONTRACT_ADA_NORM_ROW_Q8
#define VKNORM_CONTRACT_ADA_NORM_ROW_Q8
#include "contract.h"

#define ADA_NORM_ROW_Q8_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, res) TENSOR(5, ro) \
  TENSOR(6, sc) TENSOR(7, sh) TENSOR(8, g) TENSOR(9, scale)
#define ADA_NORM_ROW_Q8_FIELDS(F) \
  F(uint, d_flags)                   /* row length D | flags << 20 */ \
  F(uint, x_rs) F(uint, y_rs)        /* row strides (elements) */ \
  F(uint, rows)                      /* rows of this dispatch */ \
  F(float, eps)                      \
  F(uint, res_rs) F(uint, ro_rs)     /* residual / residual_out row strides */ \
  F(uint, m_rs)                      /* the modulation tensors' row stride */ \
  F(uint, mdiv)                      /* rows of x per modulation row */ \
  F(uint, row0)                      /* this dispatch's first row among all rows */ \
  F(float, scale_offset)             /* y *= scale_offset + scale */ \
  F(float, static_scale)             /* the codes' scale without FLAG_DYNAMIC_SCALE */
// Bits of d_flags >> 20 (ada_norm_row's, and the dynamic scale).
#define ADA_NORM_ROW_Q8_FLAGS(B) B(WEIGHT, 1) B(BIAS, 2) B(WRITE_RESIDUAL, 16) B(DYNAMIC_SCALE, 32)
#define ADA_NORM_ROW_Q8_SPECS(S) \
  S(1, ITEMS, 16)               /* elements per invocation (multiple of VEC) */ \
  S(2, VEC, 1)                  /* 1, 4 or 8 (16-bit only) elements per access */ \
  S(3, LPR, 256)                /* lanes per row: a power of two dividing WG */ \
  S(4, SEG_SG, 0)               /* rows on subgroup lanes (set by the core: segments.glsl) */ \
  S(5, NORM, 0)                 /* 0 LayerNorm, 1 RMSNorm */ \
  S(6, RESIDUAL, 0)             /* 0 h = x, 1 h = residual + x, 2 h = residual + g * x */ \
  S(7, MOD, 3)                  /* bit 0: y *= scale_offset + sc; bit 1: y += sh */ \
  S(8, ZGATE, 0)                /* gated RMSNorm (never set with an 8-bit y) */ \
  S(9, PARAM_F32, 0)            /* 1: weight / bias are fp32 beside 16-bit x */ \
  S(10, QFMT, 0)                /* y's codes: 0 int8, 1 float8 e4m3fn, 2 float8 e5m2 */

VKNORM_KERNEL(ada_norm_row_q8, ADA_NORM_ROW_Q8)
#endif
