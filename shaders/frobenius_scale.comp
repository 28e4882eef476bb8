#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// Frobenius norm, pass 3: y = x * scale (from frobenius_finalize) over chunks of WG * ITEMS
// elements, one chunk per workgroup; each invocation issues its NV loads before storing any.
// x is read only at the elements this invocation writes, so y may be x (in place). VEC = 4:
// four elements per 16-byte (fp32) or 8-byte (16-bit) access. grid = (chunks from gx_base, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/frobenius_scale.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_F32(stat, readonly restrict)

const uint NV = ITEMS / VEC;

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint base = (gl_WorkGroupID.x + pc.gx_base) * WG * ITEMS;
  const float k = FAT(stat, pc.stat_off + 1u);
  if (VEC == 4) {
    vec4 v[NV];
    for (uint t = 0; t < NV; ++t) {
      uint e = base + (lid + t * WG) * 4;
      v[t] = e < pc.count ? to_f4(WAT(x, (OFF(x) + e) >> 2)) : vec4(0.0);
    }
    for (uint t = 0; t < NV; ++t) {
      uint e = base + (lid + t * WG) * 4;
      if (e < pc.count) WAT(y, (OFF(y) + e) >> 2) = from_f4(v[t] * k);
    }
  } else {
    float v[NV];
    for (uint t = 0; t < NV; ++t) {
      uint e = base + lid + t * WG;
      v[t] = e < pc.count ? LD(x, OFF(x) + e) : 0.0;
    }
    for (uint t = 0; t < NV; ++t) {
      uint e = base + lid + t * WG;
      if (e < pc.count) ST(y, OFF(y) + e, v[t] * k);
    }
  }
}
