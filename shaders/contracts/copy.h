// Contract of shaders/copy.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_COPY
#define VKNORM_CONTRACT_COPY
#include "contract.h"

#define COPY_BINDINGS(TENSOR, SCRATCH) TENSOR(0, src) TENSOR(1, dst)
#define COPY_FIELDS(F)  \
  F(uint, count)        /* vec4 elements in this window */ \
  F(uint, gx_base)      /* first workgroup of this dispatch */
#define COPY_FLAGS(B)
#define COPY_SPECS(S) S(1, ITEMS, 4)  /* vec4 accesses per invocation */

VKNORM_KERNEL(copy, COPY)
#endif
