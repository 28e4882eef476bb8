#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// Channels-last GroupNorm, pass 3: workgroup (chunk, block) normalizes the chunk's positions of
// the block's channels (group_norm_nhwc_geom.glsl): an invocation loads its VEC channels'
// coefficients (shift, mean - shift, rstd of the (sample, group), written by batch_norm_merge),
// weight and bias once, then walks its positions, reading rows of C channels contiguously:
//   y = act(((x - shift) - m) * rstd * weight[c] + bias[c])
// in fp32, rounded once. x is read only at the elements this invocation writes: y may be x.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/group_norm_nhwc_apply.h"  // bindings, push constants pc, spec constants
#include "activation.glsl"                     // ACT: activate()
#include "group_norm_nhwc_geom.glsl"

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_VEC4(part, readonly restrict)

void main() {
  const Geom t = geom();
  if (!t.owns) return;  // no barrier below
  const uint c = t.ch0 + t.lane * VEC;
  const vec4 k4 = V4AT(part, pc.coef_off + t.n * pc.G + c / pc.cpg);  // (shift, m, rstd, 0)
  vec4 wv = vec4(1.0), bv = vec4(0.0);
  for (uint i = 0; i < VEC; ++i) {
    if ((pc.flags & FLAG_WEIGHT) != 0) wv[i] = LD(w, OFF(w) + c + i);
    if ((pc.flags & FLAG_BIAS) != 0) bv[i] = LD(b, OFF(b) + c + i);
  }
  // Batches of U positions: their loads are issued together (more bytes in flight per
  // invocation), then normalized and stored.
  const uint U = 4u;
  for (uint p0 = t.prow; p0 < t.len; p0 += t.P * U) {
    vec4 v[U];
    for (uint k = 0; k < U; ++k) {
      const uint p = p0 + k * t.P;
      const uint e = (t.row0 + p) * pc.C + c;
      v[k] = vec4(0.0);
      if (p < t.len) {
        if (VEC == 4) v[k] = to_f4(WAT(x, (OFF(x) + e) >> 2));
        else v[k].x = LD(x, OFF(x) + e);
      }
    }
    for (uint k = 0; k < U; ++k) {
      const uint p = p0 + k * t.P;
      if (p >= t.len) break;
      const uint e = (t.row0 + p) * pc.C + c;
      const vec4 o = centered(v[k], k4.x, k4.y) * k4.z;
      if (VEC == 4) WAT(y, (OFF(y) + e) >> 2) = from_f4(activate(o * wv + bv));
      else ST(y, OFF(y) + e, activate(o.x * wv.x + bv.x));
    }
  }
}
