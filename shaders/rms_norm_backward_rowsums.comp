#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm backward, rows longer than one workgroup's registers, pass 1: workgroup g of a row
// sums g * xhat over its span, with g = dy * w_eff and xhat = x * rstd (rms_norm_backward.comp
// defines them). grid = (split, rows of this window); one fp32 partial per workgroup.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_backward_rowsums.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_TENSOR(dy, DATA_T, readonly restrict)
DECLARE_WIDE(dy, WIDE_T, readonly restrict)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_F32(rstd, readonly restrict)
DECLARE_F32(part, writeonly restrict)

void main() {
  const uint row = gl_WorkGroupID.y, g = gl_WorkGroupID.x, split = gl_NumWorkGroups.x;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + row * pc.x_rs, db = OFF(dy) + row * pc.dy_rs;
  const float rs = FAT(rstd, OFF(rstd) + row);
  const uint begin = g * pc.span, end = min(pc.D, begin + pc.span);
  const bool has_w = (pc.flags & FLAG_WEIGHT) != 0;
  float acc = 0.0;
  if (VEC == 4) {
    for (uint e = begin + lid * 4; e < end; e += WG * 4) {
      vec4 gv = to_f4(WAT(dy, (db + e) >> 2));
      if (has_w) gv *= to_f4(WAT(w, (OFF(w) + e) >> 2)) + pc.weight_offset;
      acc += dot(gv, to_f4(WAT(x, (xb + e) >> 2)) * rs);
    }
  } else {
    for (uint e = begin + lid; e < end; e += WG) {
      float gv = LD(dy, db + e);
      if (has_w) gv *= LD(w, OFF(w) + e) + pc.weight_offset;
      acc += gv * (LD(x, xb + e) * rs);
    }
  }
  acc = wg_sum(acc);
  if (lid == 0) FAT(part, pc.part_off + row * split + g) = acc;
}
