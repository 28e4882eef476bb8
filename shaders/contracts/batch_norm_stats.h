// Contract of shaders/batch_norm_stats.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_BATCH_NORM_STATS
#define VKNORM_CONTRACT_BATCH_NORM_STATS
#include "contract.h"

#define BATCH_NORM_STATS_BINDINGS(TENSOR, SCRATCH) TENSOR(0, x) SCRATCH(1, part)
#define BATCH_NORM_STATS_FIELDS(F) \
  F(uint, S)                       /* spatial elements per (n, c) plane */ \
  F(uint, NS)                      /* elements of one channel in this window (batches x S) */ \
  F(uint, span)                    /* elements per workgroup (multiple of 4) */ \
  F(uint, x_sn) F(uint, x_sc) F(uint, x_ss)  /* element strides (batch, channel, position) */ \
  F(uint, part_off)                /* vec4 index of channel 0's first partial of this window */ \
  F(uint, part_cs)                 /* partials per channel (all windows) */ \
  F(uint, flags)                   \
  F(uint, c_base)                  /* first channel of this dispatch */
#define BATCH_NORM_STATS_FLAGS(B) B(ONE_PLANE, 1)  /* span divides S: no chunk crosses a plane */
#define BATCH_NORM_STATS_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)

VKNORM_KERNEL(batch_norm_stats, BATCH_NORM_STATS)
#endif
