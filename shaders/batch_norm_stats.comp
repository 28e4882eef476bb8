#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// BatchNorm training, pass 1: workgroup (g, c) reduces elements [g*span, min(NS, (g+1)*span))
// of channel c (index j = n * S + s over the window's batches and positions) to
// (mean - shift, M2, count, shift), as layer_norm_stats does for a row: the shift is the fp32
// mean of the workgroup's first batch (near the data, never one element), each invocation
// streams batches of ITEMS values through registers (exact two-pass per batch, Chan merge
// between batches), then the workgroup merges its invocations exactly. VEC = 4: four adjacent
// positions (S % 4 == 0, x_ss == 1) in one 16-byte (fp32) or 8-byte (16-bit) load.
// grid = (chunks of this window, channels of this dispatch from c_base).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/batch_norm_stats.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_VEC4(part, writeonly restrict)

const uint NV = ITEMS / VEC;

// Element index of channel element j (batch j / S, position j % S) relative to xb. ONE_PLANE:
// the workgroup's chunk lies in batch n0 (first element j0 = n0 * S, index pb = n0 * x_sn), so
// no division per element.
uint at(uint j, uint j0, uint pb) {
  if ((pc.flags & FLAG_ONE_PLANE) != 0) return pb + (j - j0) * pc.x_ss;
  uint n = j / pc.S;
  return n * pc.x_sn + (j - n * pc.S) * pc.x_ss;
}

void main() {
  const uint c = gl_WorkGroupID.y + pc.c_base, g = gl_WorkGroupID.x;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + c * pc.x_sc;
  const uint begin = g * pc.span, end = min(pc.NS, begin + pc.span);
  const uint n0 = begin / pc.S, j0 = n0 * pc.S, pb = n0 * pc.x_sn;
  uint n = 0;
  float mean = 0.0, m2 = 0.0, shift = 0.0;
  // `base` is uniform across the workgroup, so the shift's reduction is in uniform control flow.
  for (uint base = begin; base < end; base += WG * ITEMS) {
    float v[ITEMS];
    uint nb = 0;
    // precise (SPIR-V NoContraction): sums of x - shift may not be regrouped into sums of x
    precise float s = 0.0;
    for (uint t = 0; t < NV; ++t) {
      if (VEC == 4) {
        uint e = base + (lid + t * WG) * 4;
        vec4 q = e < end ? to_f4(WAT(x, (xb + at(e, j0, pb)) >> 2)) : vec4(0.0);
        v[t * 4] = q.x; v[t * 4 + 1] = q.y; v[t * 4 + 2] = q.z; v[t * 4 + 3] = q.w;
        if (e < end) { nb += 4; s += q.x + q.y + q.z + q.w; }
      } else {
        uint e = base + lid + t * WG;
        v[t] = e < end ? LD(x, xb + at(e, j0, pb)) : 0.0;
        if (e < end) { nb += 1; s += v[t]; }
      }
    }
    if (base == begin) {
      vec2 first = wg_sum2(vec2(s, float(nb)));
      shift = first.x / first.y;  // the first batch is never empty: begin < end
    }
    s = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = VEC == 4 ? base + (lid + t * WG) * 4 : base + lid + t * WG;
      for (uint k = 0; k < VEC; ++k) {
        v[t * VEC + k] -= shift;
        if (e < end) s += v[t * VEC + k];
      }
    }
    if (nb == 0) continue;
    float mb = s / float(nb), m2b = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = VEC == 4 ? base + (lid + t * WG) * 4 : base + lid + t * WG;
      for (uint k = 0; k < VEC; ++k) {
        float d = v[t * VEC + k] - mb;
        if (e < end) m2b += d * d;
      }
    }
    chan_merge(n, mean, m2, nb, mb, m2b);
  }
  // Exact workgroup merge: total mean first, then sum of M2_i + n_i (mean_i - mean)^2.
  const uint total = end > begin ? end - begin : 0u;
  float wmean = wg_sum(float(n) * mean) / float(max(total, 1u));
  float d = mean - wmean;
  float wm2 = wg_sum(m2 + float(n) * d * d);
  if (lid == 0) V4AT(part, pc.part_off + c * pc.part_cs + g) = vec4(wmean, wm2, uintBitsToFloat(total), shift);
}
