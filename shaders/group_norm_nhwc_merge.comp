#version 450
// vknorm-variants: dtype=f32 reduce=sg,sh
// Channels-last GroupNorm, pass 2: workgroup r = n * G + g merges the (mean - shift, M2, count,
// shift) partials of (sample n, group g) exactly, in a fixed order: the partial means
// shift_i + md_i are first averaged directly (m0, within a few ulps of the data's magnitudes),
// then re-expressed around m0 (nearby values subtract exactly) for the total mean, and
// M2 = sum of M2_i + n_i (mean_i - mean)^2. Unlike a merge around the first partial's shift, a
// short first chunk far from the group's mean (an outlier) costs no precision. Writes mean /
// rstd (optional) and the apply coefficients (shift, mean - shift, rstd, 0) with shift = m0.
// fp32 only: it reads no tensor data. grid = (groups of this dispatch, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/group_norm_nhwc_merge.h"  // bindings, push constants pc

DECLARE_F32(mean, writeonly restrict)
DECLARE_F32(rstd, writeonly restrict)
DECLARE_VEC4(part, restrict)
#include "partial_merge.glsl"  // merge_partials

void main() {
  const uint r = gl_WorkGroupID.x + pc.gx_base;
  const uint lid = gl_LocalInvocationIndex;
  const uint pb = pc.part_off + r * pc.part_cs;
  const float inv_n = 1.0 / float(pc.count);
  float s0 = 0.0;
  for (uint i = lid; i < pc.part_cs; i += WG) {
    const vec4 q = V4AT(part, pb + i);
    s0 += float(floatBitsToUint(q.z)) * (q.w + q.x);
  }
  const float m0 = wg_sum(s0) * inv_n;
  const vec2 mm = merge_partials(pb, pc.part_cs, m0, inv_n);
  const float m = mm.x, m2 = mm.y;
  if (lid != 0) return;
  const float rs = 1.0 / sqrt(m2 * inv_n + pc.eps);
  V4AT(part, pc.coef_off + r) = vec4(m0, m, rs, 0.0);
  if ((pc.flags & FLAG_MEAN) != 0) FAT(mean, OFF(mean) + r) = m0 + m;
  if ((pc.flags & FLAG_RSTD) != 0) FAT(rstd, OFF(rstd) + r) = rs;
}
