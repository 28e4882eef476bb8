// Contract of shaders/group_norm_nhwc_stats.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_GROUP_NORM_NHWC_STATS
#define VKNORM_CONTRACT_GROUP_NORM_NHWC_STATS
#include "contract.h"
#include "group_norm_nhwc_geom.h"  // GROUP_NORM_NHWC_GEOM_FIELDS

#define GROUP_NORM_NHWC_STATS_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) SCRATCH(1, part)
#define GROUP_NORM_NHWC_STATS_FIELDS(F) \
  GROUP_NORM_NHWC_GEOM_FIELDS(F)   \
  F(uint, part_off)                /* vec4 index of partial 0 of (sample 0, group 0) */
#define GROUP_NORM_NHWC_STATS_FLAGS(B)
#define GROUP_NORM_NHWC_STATS_SPECS(S) S(1, VEC, 1) S(2, ITEMS, 8)  /* positions per batch per invocation */

VKNORM_KERNEL(group_norm_nhwc_stats, GROUP_NORM_NHWC_STATS)
#endif
