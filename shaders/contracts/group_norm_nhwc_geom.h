// The push fields both channels-last GroupNorm kernels begin with (group_norm_nhwc_stats.h,
// group_norm_nhwc_apply.h; their meaning: shaders/group_norm_nhwc_geom.glsl).
#ifndef VKNORM_CONTRACT_GROUP_NORM_NHWC_GEOM
#define VKNORM_CONTRACT_GROUP_NORM_NHWC_GEOM

// The fields both channels-last GroupNorm kernels (stats and apply) share: the geometry of
// chunks (positions) and channel blocks, see group_norm_nhwc_geom.glsl.
#define GROUP_NORM_NHWC_GEOM_FIELDS(F) \
  F(uint, C)                       /* channels (elements per position) */ \
  F(uint, cpg) F(uint, G)          /* channels per group, groups */ \
  F(uint, S)                       /* positions per sample */ \
  F(uint, clen) F(uint, cps)       /* positions per chunk, chunks per sample */ \
  F(uint, q_base)                  /* global chunk index of this dispatch's workgroup x = 0 */ \
  F(uint, row_base)                /* global position (n * S + s) of the bound window's start */ \
  F(uint, cb)                      /* channels per block (a multiple of VEC) */ \
  F(uint, subs)                    /* blocks per group (> 1: groups wider than a block) */ \
  F(uint, gpb)                     /* groups per block (subs == 1) */ \
  F(uint, lanes)                   /* invocations per position: cb / VEC */ \
  F(uint, y_base)                  /* block of this dispatch's workgroup y = 0 */

#endif
