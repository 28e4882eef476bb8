#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// RMSNorm over dimension 1 of (N, C, S): y = x / sqrt(mean_c(x^2) + eps) * w[c]; with the spec
// constant NORM also the L1 and L2 norms over dim 1 (norm_kind.glsl).
// Workgroup = P positions x CSPLIT channel lanes (P = WG / CSPLIT). Each invocation keeps its
// share of the channel column in registers (up to CMAX values per lane) so x is read once;
// longer columns are streamed twice. VEC = 4 handles four adjacent positions with 16-byte
// (fp32) or 8-byte (16-bit) accesses. grid = (position blocks, batches of this window).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm.h"  // bindings, push constants pc, spec constants
#include "norm_kind.glsl"         // NORM: RMS, L1 or L2

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)

shared vec4 lane_sums[WG];

// Sum over the CSPLIT lanes that share position lane p (fixed order: deterministic).
vec4 sum_over_lanes(vec4 v, uint lid, uint p, uint P) {
  if (CSPLIT == 1) return v;
  barrier();
  lane_sums[lid] = v;
  barrier();
  vec4 t = vec4(0.0);
  for (uint j = 0; j < CSPLIT; ++j) t += lane_sums[j * P + p];
  return t;
}

float weight_of(uint c) { return pc.has_weight != 0 ? LD(w, OFF(w) + c) : 1.0; }

void main() {
  const uint P = WG / CSPLIT;
  const uint lid = gl_LocalInvocationIndex;
  const uint p = lid % P, k = lid / P;
  const uint n = gl_WorkGroupID.y;
  const uint s = ((gl_WorkGroupID.x + pc.gx_base) * P + p) * VEC;
  const bool in_range = s < pc.S;
  const uint xb = OFF(x) + n * pc.x_sn + s * pc.x_ss;
  const uint yb = OFF(y) + n * pc.y_sn + s * pc.y_ss;
  const float inv_c = 1.0 / float(pc.C);

  if (VEC == 4) {
    // Requires x_ss = y_ss = 1 and every base a multiple of 4 elements (checked by the runtime).
    if (pc.C <= CMAX * CSPLIT) {
      vec4 v[CMAX];
      vec4 ss = vec4(0.0);
      for (uint i = 0; i < CMAX; ++i) {
        uint c = k + i * CSPLIT;
        v[i] = (in_range && c < pc.C) ? to_f4(WAT(x, (xb + c * pc.x_sc) >> 2)) : vec4(0.0);
        ss += norm_term(v[i]);
      }
      vec4 r = norm_scale(sum_over_lanes(ss, lid, p, P), inv_c, pc.eps);
      for (uint i = 0; i < CMAX; ++i) {
        uint c = k + i * CSPLIT;
        if (in_range && c < pc.C) WAT(y, (yb + c * pc.y_sc) >> 2) = from_f4(v[i] * r * weight_of(c));
      }
    } else {
      vec4 ss = vec4(0.0);
      if (in_range)
        for (uint c = k; c < pc.C; c += CSPLIT) {
          vec4 t = to_f4(WAT(x, (xb + c * pc.x_sc) >> 2));
          ss += norm_term(t);
        }
      vec4 r = norm_scale(sum_over_lanes(ss, lid, p, P), inv_c, pc.eps);
      if (in_range)
        for (uint c = k; c < pc.C; c += CSPLIT)
          WAT(y, (yb + c * pc.y_sc) >> 2) =
              from_f4(to_f4(WAT(x, (xb + c * pc.x_sc) >> 2)) * r * weight_of(c));
    }
  } else {
    if (pc.C <= CMAX * CSPLIT) {
      float v[CMAX];
      float ss = 0.0;
      for (uint i = 0; i < CMAX; ++i) {
        uint c = k + i * CSPLIT;
        v[i] = (in_range && c < pc.C) ? LD(x, xb + c * pc.x_sc) : 0.0;
        ss += norm_term(v[i]);
      }
      float r = norm_scale(sum_over_lanes(vec4(ss), lid, p, P).x, inv_c, pc.eps);
      for (uint i = 0; i < CMAX; ++i) {
        uint c = k + i * CSPLIT;
        if (in_range && c < pc.C) ST(y, yb + c * pc.y_sc, v[i] * r * weight_of(c));
      }
    } else {
      float ss = 0.0;
      if (in_range)
        for (uint c = k; c < pc.C; c += CSPLIT) {
          float t = LD(x, xb + c * pc.x_sc);
          ss += norm_term(t);
        }
      float r = norm_scale(sum_over_lanes(vec4(ss), lid, p, P).x, inv_c, pc.eps);
      if (in_range)
        for (uint c = k; c < pc.C; c += CSPLIT)
          ST(y, yb + c * pc.y_sc, LD(x, xb + c * pc.x_sc) * r * weight_of(c));
    }
  }
}
