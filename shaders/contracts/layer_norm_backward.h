// Contract of shaders/layer_norm_backward.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_BACKWARD
#define VKNORM_CONTRACT_LAYER_NORM_BACKWARD
#include "contract.h"

// part: the scratch binding, row-sum partials (vec2) then fp32 column partials (colpart).
#define LAYER_NORM_BACKWARD_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, dy) TENSOR(2, w) TENSOR(3, mean) TENSOR(4, rstd) TENSOR(5, dx) \
  TENSOR(6, dweight) TENSOR(7, dbias) SCRATCH(8, part)
#define LAYER_NORM_BACKWARD_FIELDS(F) \
  F(uint, D)                          \
  F(uint, rows)                       /* rows of this window */ \
  F(uint, rows_per_block)             \
  F(uint, x_rs) F(uint, dy_rs) F(uint, dx_rs) \
  F(uint, flags)                      \
  F(uint, part_off)                   /* row-sum partials (vec2) of this window */ \
  F(uint, split)                      /* partials per row */ \
  F(uint, col_off)                    /* fp32 column partials: [block][dweight D | dbias D] */ \
  F(uint, block_base)                 /* first row block of this window */
// FUSED: one chunk covers the row (no row-sum pass); DIRECT: a single block writes dweight and
// dbias itself (no column-sum pass).
#define LAYER_NORM_BACKWARD_FLAGS(B) \
  B(WEIGHT, 1) B(DX, 2) B(DWEIGHT, 4) B(DBIAS, 8) B(FUSED, 16) B(DIRECT, 32)
#define LAYER_NORM_BACKWARD_SPECS(S) S(1, ITEMS, 8) S(2, VEC, 1)

VKNORM_KERNEL(layer_norm_backward, LAYER_NORM_BACKWARD)
#endif
