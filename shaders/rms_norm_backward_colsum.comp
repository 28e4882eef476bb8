#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// RMSNorm backward, last pass when several row blocks exist: dweight[c] = the sum over blocks of
// the fp32 column partials [block][D]. A workgroup owns CW = 32 columns; lane l of a column
// sums blocks l, l + L, ... (L = WG / 32 lanes per column), then the first lane adds the L lane
// sums in lane order: a fixed order, so deterministic. grid = (column groups of 32, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_backward_colsum.h"  // bindings, push constants pc

DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
DECLARE_F32(part, readonly restrict)

const uint CW = 32;
shared float lane_sum[WG];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint L = WG / CW;
  const uint c = (gl_WorkGroupID.x + pc.gx_base) * CW + lid % CW, lane = lid / CW;
  float s = 0.0;
  if (c < pc.D)
    for (uint b = lane; b < pc.blocks; b += L) s += FAT(part, pc.col_off + b * pc.D + c);
  lane_sum[lid] = s;
  barrier();
  if (lane != 0 || c >= pc.D) return;
  float t = 0.0;
  for (uint l = 0; l < L; ++l) t += lane_sum[l * CW + lid];
  ST(dweight, OFF(dweight) + c, t);
}
