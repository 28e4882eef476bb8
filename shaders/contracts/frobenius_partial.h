// Contract of shaders/frobenius_partial.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_FROBENIUS_PARTIAL
#define VKNORM_CONTRACT_FROBENIUS_PARTIAL
#include "contract.h"

#define FROBENIUS_PARTIAL_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) SCRATCH(1, part)
#define FROBENIUS_PARTIAL_FIELDS(F) \
  F(uint, count)                    /* elements of x in this window */ \
  F(uint, span)                     /* elements per workgroup (multiple of 4) */ \
  F(uint, part_off)                 /* float index of this window's first partial */
#define FROBENIUS_PARTIAL_FLAGS(B)
#define FROBENIUS_PARTIAL_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(frobenius_partial, FROBENIUS_PARTIAL)
#endif
