#version 450
// LayerNorm forward, one workgroup per row, the row held in registers (ITEMS elements per
// invocation): exact two-pass mean / variance around a pivot (the row's first element), so rows
// with a large mean and a small spread keep their precision. grid = (1, rows of this window).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 16;  // elements per invocation (multiple of VEC)
layout(constant_id = 2) const uint VEC = 1;     // 1 or 4 elements per access

DECLARE_TENSOR(0, x, DATA_T, readonly)
DECLARE_WIDE(0, x, WIDE_T, readonly)
DECLARE_TENSOR(1, y, DATA_T, writeonly)
DECLARE_WIDE(1, y, WIDE_T, writeonly)
DECLARE_TENSOR(2, w, DATA_T, readonly)
DECLARE_WIDE(2, w, WIDE_T, readonly)
DECLARE_TENSOR(3, b, DATA_T, readonly)
DECLARE_WIDE(3, b, WIDE_T, readonly)
DECLARE_F32(4, mean, writeonly)
DECLARE_F32(5, rstd, writeonly)

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
  const float pivot = LD(x, xb);
  const float inv_d = 1.0 / float(pc.D);
  float m, rs;
  if (VEC == 4) {
    vec4 v[NV];
    vec4 acc = vec4(0.0);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      v[t] = e < pc.D ? to_f4(WAT(x, (xb + e) >> 2)) - pivot : vec4(0.0);
      acc += v[t];
    }
    m = wg_sum(acc.x + acc.y + acc.z + acc.w) * inv_d;
    vec4 q = vec4(0.0);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      vec4 d = v[t] - m;
      if (e < pc.D) q += d * d;
    }
    rs = 1.0 / sqrt(wg_sum(q.x + q.y + q.z + q.w) * inv_d + pc.eps);
    for (uint t = 0; t < NV; ++t) {
      uint e = (lid + t * WG) * 4;
      if (e >= pc.D) continue;
      vec4 o = (v[t] - m) * rs;
      if ((pc.flags & 1u) != 0) o *= to_f4(WAT(w, (OFF(w) + e) >> 2));
      if ((pc.flags & 2u) != 0) o += to_f4(WAT(b, (OFF(b) + e) >> 2));
      WAT(y, (yb + e) >> 2) = from_f4(o);
    }
  } else {
    float v[NV];
    float acc = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      v[t] = e < pc.D ? LD(x, xb + e) - pivot : 0.0;
      acc += v[t];
    }
    m = wg_sum(acc) * inv_d;
    float q = 0.0;
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      float d = v[t] - m;
      if (e < pc.D) q += d * d;
    }
    rs = 1.0 / sqrt(wg_sum(q) * inv_d + pc.eps);
    for (uint t = 0; t < NV; ++t) {
      uint e = lid + t * WG;
      if (e >= pc.D) continue;
      float o = (v[t] - m) * rs;
      if ((pc.flags & 1u) != 0) o *= LD(w, OFF(w) + e);
      if ((pc.flags & 2u) != 0) o += LD(b, OFF(b) + e);
      ST(y, yb + e, o);
    }
  }
  if (lid == 0) {
    if ((pc.flags & 4u) != 0) FAT(mean, OFF(mean) + row) = pivot + m;
    if ((pc.flags & 8u) != 0) FAT(rstd, OFF(rstd) + row) = rs;
  }
}
