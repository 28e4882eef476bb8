// Contract of shaders/residual_add.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_RESIDUAL_ADD
#define VKNORM_CONTRACT_RESIDUAL_ADD
#include "contract.h"

#define RESIDUAL_ADD_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) TENSOR(1, res) TENSOR(2, ro) TENSOR(3, ab)
#define RESIDUAL_ADD_FIELDS(F) \
  F(uint, D)                   /* row length */ \
  F(uint, x_rs) F(uint, res_rs) F(uint, ro_rs)  /* row strides (elements) */
#define RESIDUAL_ADD_FLAGS(B)
#define RESIDUAL_ADD_SPECS(S) \
  S(1, ITEMS, 16)              /* elements per invocation (multiple of VEC) */ \
  S(2, VEC, 1)                 /* 1 or 4 elements per access */ \
  S(3, ADD_BIAS, 0)            /* 1: ro = x + res + ab (D elements) */

VKNORM_KERNEL(residual_add, RESIDUAL_ADD)
#endif
