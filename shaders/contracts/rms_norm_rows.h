// Contract of shaders/rms_norm_rows.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RMS_NORM_ROWS
#define VKNORM_CONTRACT_RMS_NORM_ROWS
#include "contract.h"

#define RMS_NORM_ROWS_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) TENSOR(1, y) TENSOR(2, w)
#define RMS_NORM_ROWS_FIELDS(F) \
  F(uint, D)                    /* row length */ \
  F(uint, x_rs) F(uint, y_rs)   /* row strides (elements) */ \
  F(uint, rows)                 /* rows of this dispatch */ \
  F(uint, has_weight)           \
  F(float, eps)                 \
  F(uint, stream4)              /* streamed VEC 1 rows may use aligned 4-element accesses */
#define RMS_NORM_ROWS_FLAGS(B)
#define RMS_NORM_ROWS_SPECS(S) \
  S(1, ITEMS, 16)              /* register-resident elements per lane (multiple of VEC) */ \
  S(2, VEC, 1)                 /* elements per access: 1, 4, or 8 (16-bit only) */ \
  S(3, LPR, 256)               /* lanes per row: a power of two dividing WG */ \
  S(4, NORM, 0)                /* 0 RMSNorm, 1 L1 (mean |x|), 2 L2: shaders/norm_kind.glsl */ \
  S(5, SEG_SG, 0)              /* rows on subgroup lanes (set by the core: segments.glsl) */

VKNORM_KERNEL(rms_norm_rows, RMS_NORM_ROWS)
#endif
