// Contract of shaders/rms_norm_backward.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RMS_NORM_BACKWARD
#define VKNORM_CONTRACT_RMS_NORM_BACKWARD
#include "contract.h"

// part: the scratch binding, fp32 row-sum partials then fp32 column partials [block][D].
#define RMS_NORM_BACKWARD_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, dy) TENSOR(2, w) TENSOR(3, rstd) TENSOR(4, dx) TENSOR(5, dweight) \
  SCRATCH(6, part)
#define RMS_NORM_BACKWARD_FIELDS(F) \
  F(uint, D)                        \
  F(uint, rows)                     /* rows of this window */ \
  F(uint, rows_per_block)           \
  F(uint, x_rs) F(uint, dy_rs) F(uint, dx_rs) \
  F(uint, flags)                    \
  F(float, weight_offset)           /* w_eff = weight_offset + w (with WEIGHT) */ \
  F(uint, part_off)                 /* fp32 row-sum partials of this window */ \
  F(uint, split)                    /* partials per row */ \
  F(uint, col_off)                  /* fp32 column partials [block][D], 16-byte aligned */ \
  F(uint, block_base)               /* first row block of this window */
// FUSED: one chunk covers the row (no row-sum pass); DIRECT: a single block writes dweight
// itself (no column-sum pass).
#define RMS_NORM_BACKWARD_FLAGS(B) B(WEIGHT, 1) B(DX, 2) B(DWEIGHT, 4) B(FUSED, 16) B(DIRECT, 32)
#define RMS_NORM_BACKWARD_SPECS(S) S(1, ITEMS, 8) S(2, VEC, 1)

VKNORM_KERNEL(rms_norm_backward, RMS_NORM_BACKWARD)
#endif
