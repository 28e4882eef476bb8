// Contract of shaders/rms_norm.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RMS_NORM
#define VKNORM_CONTRACT_RMS_NORM
#include "contract.h"

#define RMS_NORM_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) TENSOR(1, y) TENSOR(2, w)
#define RMS_NORM_FIELDS(F) \
  F(uint, C) F(uint, S)    \
  F(uint, x_sn) F(uint, x_sc) F(uint, x_ss)  /* element strides (batch, channel, position) */ \
  F(uint, y_sn) F(uint, y_sc) F(uint, y_ss)  \
  F(uint, has_weight)      \
  F(uint, gx_base)         /* first position block of this dispatch */ \
  F(float, eps)
#define RMS_NORM_FLAGS(B)
#define RMS_NORM_SPECS(S) \
  S(1, CSPLIT, 1)         /* invocations sharing one column */ \
  S(2, CMAX, 64)          /* register-resident channels per invocation */ \
  S(3, VEC, 1)            /* positions per invocation: 1 or 4 */ \
  S(4, NORM, 0)           /* 0 RMSNorm, 1 L1 (mean |x|), 2 L2: shaders/norm_kind.glsl */

VKNORM_KERNEL(rms_norm, RMS_NORM)
#endif
