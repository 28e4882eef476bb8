// Contract of shaders/ada_norm_row.comp with its host code (expansions: contract.h).
// add_layer_norm_row's lists with the modulation tensors in place of the skip bias and without
// mean / rstd outputs: with 9 bindings (8-byte addresses) the push block is 128 bytes, the
// minimum every device gives; hence also one divisor for the three modulation tensors.
#ifndef VKNORM_CONTRACT_ADA_NORM_ROW
#define VKNORM_CONTRACT_ADA_NORM_ROW
#include "ada_norm_row_lists.h"

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

VKNORM_KERNEL(ada_norm_row, ADA_NORM_ROW)
#endif
