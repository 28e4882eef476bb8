// Contract of shaders/layer_norm_backward_colsum.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_BACKWARD_COLSUM
#define VKNORM_CONTRACT_LAYER_NORM_BACKWARD_COLSUM
#include "contract.h"

#define LAYER_NORM_BACKWARD_COLSUM_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, dweight) TENSOR(1, dbias) SCRATCH(2, colpart)
#define LAYER_NORM_BACKWARD_COLSUM_FIELDS(F) \
  F(uint, D)                                 \
  F(uint, blocks)                            /* row blocks whose partials are summed */ \
  F(uint, col_off)                           /* float index of block 0's partials */ \
  F(uint, flags)                             \
  F(uint, gx_base)                           /* first workgroup of this dispatch */
#define LAYER_NORM_BACKWARD_COLSUM_FLAGS(B) B(DWEIGHT, 4) B(DBIAS, 8)
#define LAYER_NORM_BACKWARD_COLSUM_SPECS(S) S(1, LANES, 1)  /* invocations per column (WG / LANES columns per workgroup) */

VKNORM_KERNEL(layer_norm_backward_colsum, LAYER_NORM_BACKWARD_COLSUM)
#endif
