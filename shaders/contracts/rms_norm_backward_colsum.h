// Contract of shaders/rms_norm_backward_colsum.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RMS_NORM_BACKWARD_COLSUM
#define VKNORM_CONTRACT_RMS_NORM_BACKWARD_COLSUM
#include "contract.h"

#define RMS_NORM_BACKWARD_COLSUM_BINDINGS(TENSOR, SCRATCH) TENSOR(0, dweight) SCRATCH(1, part)
#define RMS_NORM_BACKWARD_COLSUM_FIELDS(F) \
  F(uint, D)                               \
  F(uint, blocks)                          /* row blocks whose partials are summed */ \
  F(uint, col_off)                         /* float index of block 0's partials */ \
  F(uint, gx_base)                         /* first workgroup of this dispatch */
#define RMS_NORM_BACKWARD_COLSUM_FLAGS(B)
#define RMS_NORM_BACKWARD_COLSUM_SPECS(S) S(1, LANES, 1)  /* invocations per column (WG / LANES columns per workgroup) */

VKNORM_KERNEL(rms_norm_backward_colsum, RMS_NORM_BACKWARD_COLSUM)
#endif
