#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// RMSNorm backward, last pass when several row blocks exist: dweight[c] = the sum over blocks of
// the fp32 column partials [block][D]. A workgroup owns CW = WG / LANES columns; lane l of a
// column sums blocks l, l + LANES, ... (four running sums so that four loads are in flight),
// then the first lane adds the LANES lane sums in lane order: a fixed order for a given
// configuration, so deterministic. grid = (column groups of CW, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_backward_colsum.h"  // bindings, push constants pc

DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
DECLARE_F32(part, readonly restrict)

const uint CW = WG / LANES;
shared float lane_sum[WG];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint L = LANES;
  const uint c = (gl_WorkGroupID.x + pc.gx_base) * CW + lid % CW, lane = lid / CW;
  float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  if (c < pc.D) {
    const uint cb = pc.col_off + c;
    uint b = lane;
    for (; b + 3 * L < pc.blocks; b += 4 * L) {
      s0 += FAT(part, cb + b * pc.D);
      s1 += FAT(part, cb + (b + L) * pc.D);
      s2 += FAT(part, cb + (b + 2 * L) * pc.D);
      s3 += FAT(part, cb + (b + 3 * L) * pc.D);
    }
    for (; b < pc.blocks; b += L) s0 += FAT(part, cb + b * pc.D);
  }
  lane_sum[lid] = (s0 + s1) + (s2 + s3);
  barrier();
  if (lane != 0 || c >= pc.D) return;
  float t = 0.0;
  for (uint l = 0; l < L; ++l) t += lane_sum[l * CW + lid];
  ST(dweight, OFF(dweight) + c, t);
}
