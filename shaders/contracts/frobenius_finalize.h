// Contract of shaders/frobenius_finalize.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_FROBENIUS_FINALIZE
#define VKNORM_CONTRACT_FROBENIUS_FINALIZE
#include "contract.h"

#define FROBENIUS_FINALIZE_BINDINGS(TENSOR, SCRATCH) TENSOR(0, norm) SCRATCH(1, part)
#define FROBENIUS_FINALIZE_FIELDS(F) \
  F(uint, parts)                     /* partials of every window */ \
  F(uint, part_off)                  /* float index of the first partial */ \
  F(uint, stat_off)                  /* float index of (sum of squares, scale) */ \
  F(uint, flags)
#define FROBENIUS_FINALIZE_FLAGS(B) B(NORM, 1)  /* write ||x||_F to norm */
#define FROBENIUS_FINALIZE_SPECS(S)

VKNORM_KERNEL(frobenius_finalize, FROBENIUS_FINALIZE)
#endif
