#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// Channels-last GroupNorm, pass 1: workgroup (chunk, block) reduces, for each group of its
// channel block, the chunk's positions x the group's channels of the block to one partial
// (mean - shift, M2, count, shift) at index ((n * G + g) * cps + j) * subs + sub, the format
// batch_norm_merge (pass 2) merges exactly. x is read as contiguous rows of C channels: an
// invocation owns VEC channels (one group) and walks the chunk's positions
// (group_norm_nhwc_geom.glsl) in batches of ITEMS positions held in registers, x - shift with
// the shift the fp32 group mean of the workgroup's first batch (near the data, never one
// element), exact two-pass per batch, Chan merges between batches: x is read once. The
// invocations' (count, mean, M2) are then merged exactly per group in shared memory (the
// chunk's mean first, then M2 = sum of M2_i + n_i (mean_i - mean)^2), as batch_norm_stats does.
// Shared memory only (no subgroup operations): the same on every subgroup size.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/group_norm_nhwc_stats.h"  // bindings, push constants pc, spec constants
#include "group_norm_nhwc_geom.glsl"

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_VEC4(part, writeonly restrict)

shared vec2 lane_sh[WG];   // per lane: sums over the workgroup's positions
shared float shift_sh[WG]; // per group of the block: the shift
shared float mean_sh[WG];  // per group of the block: the chunk's mean - shift

vec4 load(uint e) {  // VEC channels at element e of the window (e a multiple of VEC)
  if (VEC == 4) return to_f4(WAT(x, (OFF(x) + e) >> 2));
  return vec4(LD(x, OFF(x) + e), 0.0, 0.0, 0.0);
}

// Per-invocation v summed per lane (over position rows), then per group (over its lanes of the
// block): leaves group k's sums in lane_sh[k] (after a barrier). Fixed order.
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

// Batch of ITEMS positions from p0 (the invocation's positions p0, p0 + P, ...) into v; the
// number of values and their sum.
uint load_batch(Geom t, uint c, uint p0, out vec4 v[ITEMS], out float s) {
  uint nb = 0;
  s = 0.0;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint p = p0 + k * t.P;
    v[k] = p < t.len ? load((t.row0 + p) * pc.C + c) : vec4(0.0);
    if (p < t.len) {
      nb += VEC;
      s += (v[k].x + v[k].y) + (v[k].z + v[k].w);  // VEC 1: .yzw are 0
    }
  }
  return nb;
}

void main() {
  const Geom t = geom();
  const uint lid = gl_LocalInvocationIndex;
  const uint c = t.ch0 + t.lane * VEC;
  // The shift: the fp32 mean of the group's values in the workgroup's first batch (near the
  // data, never one element), subtracted from every value before its statistics.
  vec4 v[ITEMS];
  float s = 0.0;
  uint nb = t.owns ? load_batch(t, c, t.prow, v, s) : 0u;
  reduce_groups(t, vec2(t.owns ? s : 0.0, 0.0));
  if (lid < t.ng) shift_sh[lid] = lane_sh[lid].x / float(min(t.len, t.P * ITEMS) * group_channels(t, lid));
  barrier();
  const float shift = t.owns ? shift_sh[(c / pc.cpg) - t.g0] : 0.0;
  // One read of x: batches of ITEMS positions (ITEMS x VEC values) in registers, exact
  // two-pass per batch around the shift, Chan merges between batches.
  uint n = 0;
  float mean = 0.0, m2 = 0.0;
  if (t.owns)
    for (uint p0 = t.prow; p0 < t.len; p0 += t.P * ITEMS) {
      if (p0 != t.prow) nb = load_batch(t, c, p0, v, s);
      // precise (NoContraction): the sums of x - shift may not be regrouped into sums of x.
      precise float sb = 0.0;
      for (uint k = 0; k < ITEMS; ++k) {
        v[k] -= shift;
        if (VEC == 1) v[k].yzw = vec3(0.0);
        if (p0 + k * t.P < t.len) sb += (v[k].x + v[k].y) + (v[k].z + v[k].w);
      }
      const float mb = sb / float(nb);
      float m2b = 0.0;
      for (uint k = 0; k < ITEMS; ++k) {
        vec4 d = v[k] - mb;
        if (VEC == 1) d.yzw = vec3(0.0);
        if (p0 + k * t.P < t.len) m2b += (d.x * d.x + d.y * d.y) + (d.z * d.z + d.w * d.w);
      }
      chan_merge(n, mean, m2, nb, mb, m2b);
    }
  // Exact merge of the invocations per group: the chunk's mean (relative to the shift) first,
  // then M2 = sum of M2_i + n_i (mean_i - mean)^2.
  reduce_groups(t, vec2(float(n) * mean, 0.0));
  if (lid < t.ng) mean_sh[lid] = lane_sh[lid].x / float(t.len * group_channels(t, lid));
  barrier();
  const float d = t.owns ? mean - mean_sh[(c / pc.cpg) - t.g0] : 0.0;
  reduce_groups(t, vec2(t.owns ? m2 + float(n) * d * d : 0.0, 0.0));
  if (lid < t.ng) {
    const uint cnt = t.len * group_channels(t, lid);
    const uint g = t.g0 + lid;
    V4AT(part, pc.part_off + ((t.n * pc.G + g) * pc.cps + t.j) * pc.subs + t.sub) =
        vec4(mean_sh[lid], lane_sh[lid].x, uintBitsToFloat(cnt), shift_sh[lid]);
  }
}
