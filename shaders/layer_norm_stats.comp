#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// LayerNorm forward, split rows, pass 1: workgroup g of a row reduces elements
// [g*span, min(D, (g+1)*span)) to (mean - shift, M2, count, shift). The shift is the fp32 mean
// of the workgroup's first batch: a value near its data (so x - shift keeps the digits of rows
// with a large mean), and never one element (which may be an outlier). Each invocation streams
// batches of ITEMS values through registers (exact two-pass per batch, Chan merge between
// batches), then the workgroup merges its invocations exactly. The apply pass takes the row's
// shift from these partials, not from x, so it never reads an element another workgroup may
// already have overwritten (in-place y = x). grid = (split, rows of this window).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_stats.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_VEC4(part, writeonly restrict)

const uint NV = ITEMS / VEC;

void main() {
  const uint row = gl_WorkGroupID.y, g = gl_WorkGroupID.x, split = gl_NumWorkGroups.x;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + row * pc.x_rs;
  const uint begin = g * pc.span, end = min(pc.D, begin + pc.span);
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
        vec4 q = e < end ? to_f4(WAT(x, (xb + e) >> 2)) : vec4(0.0);
        v[t * 4] = q.x; v[t * 4 + 1] = q.y; v[t * 4 + 2] = q.z; v[t * 4 + 3] = q.w;
        if (e < end) { nb += 4; s += q.x + q.y + q.z + q.w; }
      } else {
        uint e = base + lid + t * WG;
        v[t] = e < end ? LD(x, xb + e) : 0.0;
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
      for (uint j = 0; j < VEC; ++j) {
        v[t * VEC + j] -= shift;
        if (e < end) s += v[t * VEC + j];
      }
    }
    if (nb == 0) continue;
    float mb = s / float(nb), m2b = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = VEC == 4 ? base + (lid + t * WG) * 4 : base + lid + t * WG;
      for (uint j = 0; j < VEC; ++j) {
        float d = v[t * VEC + j] - mb;
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
  if (lid == 0) V4AT(part, pc.part_off + row * split + g) = vec4(wmean, wm2, uintBitsToFloat(total), shift);
}
