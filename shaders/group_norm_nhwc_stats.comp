#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// Channels-last GroupNorm, pass 1: workgroup (chunk, block) reduces, for each group of its
// channel block, the chunk's positions x the group's channels of the block to one partial
// (mean - shift, M2, count, shift) at index ((n * G + g) * cps + j) * subs + sub, the format
// batch_norm_merge (pass 2) merges exactly. x is read as contiguous rows of C channels: an
// invocation owns VEC channels (one group) and walks the chunk's positions
// (group_norm_nhwc_geom.glsl). Corrected two-pass over the chunk: per-channel sums, reduced
// per group in shared memory to the chunk's fp32 group mean (the shift: near the data, never
// one element), then sums of d = x - shift and d^2 over a second read of the chunk (from cache).
// Shared memory only (no subgroup operations): the same on every subgroup size.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/group_norm_nhwc_stats.h"  // bindings, push constants pc, spec constants
#include "group_norm_nhwc_geom.glsl"

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_VEC4(part, writeonly restrict)

shared vec2 lane_sh[WG];   // per lane: sums over the workgroup's positions
shared float shift_sh[WG]; // per group of the block: the chunk's fp32 mean

vec4 load(uint e) {  // VEC channels at element e of the window (e a multiple of VEC)
  if (VEC == 4) return to_f4(WAT(x, (OFF(x) + e) >> 2));
  return vec4(LD(x, OFF(x) + e), 0.0, 0.0, 0.0);
}

// Per-invocation v summed per lane (over position rows), then per group (over its lanes of the
// block): returns nothing, leaves group k's sums in lane_sh[k] (after a barrier). Fixed order.
void reduce_groups(Geom t, vec2 v) {
  const uint lid = gl_LocalInvocationIndex;
  barrier();  // red_shared / lane_sh may still be read by the previous reduction
  red_shared[lid] = v;
  barrier();
  if (lid < pc.lanes) {
    vec2 s = vec2(0.0);
    for (uint r = 0; r < t.P; ++r) s += red_shared[r * pc.lanes + lid];
    lane_sh[lid] = s;
  }
  barrier();
  vec2 gs = vec2(0.0);
  if (lid < t.ng) {
    const uint g = t.g0 + lid;
    const uint c0 = max(g * pc.cpg, t.ch0), c1 = min((g + 1u) * pc.cpg, t.ch1);
    for (uint l = (c0 - t.ch0) / VEC; l < (c1 - t.ch0 + VEC - 1u) / VEC; ++l) gs += lane_sh[l];
  }
  barrier();
  if (lid < t.ng) lane_sh[lid] = gs;
  barrier();
}

// Channels of group k of the block (k < t.ng).
uint group_channels(Geom t, uint k) {
  const uint g = t.g0 + k;
  return min((g + 1u) * pc.cpg, t.ch1) - max(g * pc.cpg, t.ch0);
}

void main() {
  const Geom t = geom();
  const uint lid = gl_LocalInvocationIndex;
  const uint c = t.ch0 + t.lane * VEC;
  // Pass A: per-channel sums -> the chunk's mean per group.
  float s = 0.0;
  if (t.owns)
    for (uint p = t.prow; p < t.len; p += t.P) {
      const vec4 v = load((t.row0 + p) * pc.C + c);
      s += (v.x + v.y) + (v.z + v.w);
    }
  reduce_groups(t, vec2(s, 0.0));
  if (lid < t.ng) shift_sh[lid] = lane_sh[lid].x / float(t.len * group_channels(t, lid));
  barrier();
  // Pass B: sums of d and d^2 around the shift.
  const float shift = t.owns ? shift_sh[(c / pc.cpg) - t.g0] : 0.0;
  float sd = 0.0, sq = 0.0;
  if (t.owns)
    for (uint p = t.prow; p < t.len; p += t.P) {
      vec4 d = load((t.row0 + p) * pc.C + c) - shift;
      if (VEC == 1) d.yzw = vec3(0.0);
      sd += (d.x + d.y) + (d.z + d.w);
      sq += (d.x * d.x + d.y * d.y) + (d.z * d.z + d.w * d.w);
    }
  reduce_groups(t, vec2(sd, sq));
  if (lid < t.ng) {
    const uint cnt = t.len * group_channels(t, lid);
    const vec2 q = lane_sh[lid];
    const float md = q.x / float(cnt);
    const float m2 = max(q.y - q.x * md, 0.0);  // sum (d - md)^2, clamped against rounding
    const uint g = t.g0 + lid;
    V4AT(part, pc.part_off + ((t.n * pc.G + g) * pc.cps + t.j) * pc.subs + t.sub) =
        vec4(md, m2, uintBitsToFloat(cnt), shift_sh[lid]);
  }
}
