// Contract lists ada_norm_row.comp and ada_norm_row_q8.comp share: one kernel body
// (layer_norm_row.glsl with ADAPTIVE), two modules (an 8-bit y needs StorageBuffer8BitAccess).
// The push fields differ (the q8 block packs D with the flags): contracts/ada_norm_row{,_q8}.h.
#ifndef VKNORM_CONTRACT_ADA_NORM_ROW_LISTS
#define VKNORM_CONTRACT_ADA_NORM_ROW_LISTS
#include "contract.h"

#define ADA_NORM_ROW_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, res) TENSOR(5, ro) \
  TENSOR(6, sc) TENSOR(7, sh) TENSOR(8, g)
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
#endif
