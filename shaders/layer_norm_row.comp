#version 450
// LayerNorm forward, one workgroup per row, the row held in registers (ITEMS elements per
// invocation). Corrected two-pass statistics: m = fp32 mean, d = x - m (exact when x is near m),
// c = mean(d) corrects m's rounding, var = mean(d^2) - c^2, y = (d - c) * rstd. Rows with a large
// mean and a tiny spread keep their digits, and no single element (an outlier) serves as a
// shift. Every element is read before any is written, by the invocation that writes it, so y
// may be x itself (in place). grid = (1, rows of this window).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 16;  // elements per invocation (multiple of VEC)
layout(constant_id = 2) const uint VEC = 1;     // 1 or 4 elements per access

DECLARE_TENSOR(0, x, DATA_T, readonly)
DECLARE_WIDE(0, x, WIDE_T, readonly)
DECLARE_TENSOR(1, y, DATA_T, writeonly)
DECLARE_WIDE(1, y, WIDE_T, writeonly)
DECLARE_TENSOR(2, w, DATA_T, readonly restrict)
DECLARE_WIDE(2, w, WIDE_T, readonly restrict)
DECLARE_TENSOR(3, b, DATA_T, readonly restrict)
DECLARE_WIDE(3, b, WIDE_T, readonly restrict)
DECLARE_F32(4, mean, writeonly restrict)
DECLARE_F32(5, rstd, writeonly restrict)

layout(push_constant) uniform PushConstants {
  PTR(x) PTR(y) PTR(w) PTR(b) PTR(mean) PTR(rstd)
  uint D;                  // row length
  uint x_rs, y_rs;         // row strides (elements)
#if BIND_DESC
  uint x_off, y_off, w_off, b_off, mean_off, rstd_off;
#endif
  uint flags;              // 1 weight, 2 bias, 4 mean, 8 rstd
  float eps;
} pc;

const uint NV = ITEMS / VEC;

void main() {
  const uint row = gl_WorkGroupID.y;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + row * pc.x_rs;
  const uint yb = OFF(y) + row * pc.y_rs;
  const float inv_d = 1.0 / float(pc.D);
  float m, c, rs;
  if (VEC == 4) {
    vec4 v[NV];
    vec4 acc = vec4(0.0);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      v[t] = e < pc.D ? to_f4(WAT(x, (xb + e) >> 2)) : vec4(0.0);
      acc += v[t];
    }
    m = wg_sum(acc.x + acc.y + acc.z + acc.w) * inv_d;
    vec4 s1 = vec4(0.0), s2 = vec4(0.0);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      vec4 d = v[t] - m;
      if (e < pc.D) { s1 += d; s2 += d * d; }
    }
    vec2 sums = wg_sum2(vec2(s1.x + s1.y + s1.z + s1.w, s2.x + s2.y + s2.z + s2.w)) * inv_d;
    c = sums.x;
    rs = 1.0 / sqrt(corrected_variance(sums.y, c) + pc.eps);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      if (e >= pc.D) continue;
      vec4 o = ((v[t] - m) - c) * rs;
      if ((pc.flags & 1u) != 0) o *= to_f4(WAT(w, (OFF(w) + e) >> 2));
      if ((pc.flags & 2u) != 0) o += to_f4(WAT(b, (OFF(b) + e) >> 2));
      WAT(y, (yb + e) >> 2) = from_f4(o);
    }
  } else {
    float v[NV];
    float acc = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      v[t] = e < pc.D ? LD(x, xb + e) : 0.0;
      acc += v[t];
    }
    m = wg_sum(acc) * inv_d;
    float s1 = 0.0, s2 = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      float d = v[t] - m;
      if (e < pc.D) { s1 += d; s2 += d * d; }
    }
    vec2 sums = wg_sum2(vec2(s1, s2)) * inv_d;
    c = sums.x;
    rs = 1.0 / sqrt(corrected_variance(sums.y, c) + pc.eps);
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      if (e >= pc.D) continue;
      float o = ((v[t] - m) - c) * rs;
      if ((pc.flags & 1u) != 0) o *= LD(w, OFF(w) + e);
      if ((pc.flags & 2u) != 0) o += LD(b, OFF(b) + e);
      ST(y, yb + e, o);
    }
  }
  if (lid == 0) {
    if ((pc.flags & 4u) != 0) FAT(mean, OFF(mean) + row) = m + c;
    if ((pc.flags & 8u) != 0) FAT(rstd, OFF(rstd) + row) = rs;
  }
}
