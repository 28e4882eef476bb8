// Contract of shaders/frobenius_scale.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_FROBENIUS_SCALE
#define VKNORM_CONTRACT_FROBENIUS_SCALE
#include "contract.h"

#define FROBENIUS_SCALE_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) TENSOR(1, y) SCRATCH(2, stat)
#define FROBENIUS_SCALE_FIELDS(F) \
  F(uint, count)                  /* elements of x and y in this window */ \
  F(uint, stat_off)               /* float index of (sum of squares, scale) */ \
  F(uint, gx_base)                /* first workgroup of this dispatch */
#define FROBENIUS_SCALE_FLAGS(B)
#define FROBENIUS_SCALE_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(frobenius_scale, FROBENIUS_SCALE)
#endif
