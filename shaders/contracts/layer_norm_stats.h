// Contract of shaders/layer_norm_stats.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_LAYER_NORM_STATS
#define VKNORM_CONTRACT_LAYER_NORM_STATS
#include "contract.h"

#define LAYER_NORM_STATS_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) SCRATCH(1, part)
#define LAYER_NORM_STATS_FIELDS(F) \
  F(uint, D)                       /* row length */ \
  F(uint, span)                    /* elements per workgroup (multiple of 4) */ \
  F(uint, x_rs)                    \
  F(uint, part_off)                /* vec4 index of this window's first partial */
#define LAYER_NORM_STATS_FLAGS(B)
#define LAYER_NORM_STATS_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(layer_norm_stats, LAYER_NORM_STATS)
#endif
