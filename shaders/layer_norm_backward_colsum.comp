#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// LayerNorm backward, last pass when several row blocks exist: dweight[c] and dbias[c] are the
// sums over blocks of the fp32 column partials ([block][dweight D | dbias D]). A workgroup owns
// CW = WG / LANES columns; lane l of a column sums blocks l, l + LANES, ... (four running sums so
// that four loads are in flight), then the first lane adds the LANES lane sums in lane order: a
// fixed order for a given configuration, so deterministic. grid = (column groups of CW, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_backward_colsum.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
DECLARE_TENSOR(dbias, DATA_T, writeonly restrict)
DECLARE_F32(colpart, readonly restrict)

const uint CW = WG / LANES;
shared vec2 lane_sum[WG];

vec2 at(uint b, uint c) {
  const uint i = pc.col_off + b * 2 * pc.D + c;
  return vec2(FAT(colpart, i), FAT(colpart, i + pc.D));
}

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint L = LANES;
  const uint c = (gl_WorkGroupID.x + pc.gx_base) * CW + lid % CW, lane = lid / CW;
  vec2 s0 = vec2(0.0), s1 = vec2(0.0), s2 = vec2(0.0), s3 = vec2(0.0);
  if (c < pc.D) {
    uint b = lane;
    for (; b + 3 * L < pc.blocks; b += 4 * L) {
      s0 += at(b, c);
      s1 += at(b + L, c);
      s2 += at(b + 2 * L, c);
      s3 += at(b + 3 * L, c);
    }
    for (; b < pc.blocks; b += L) s0 += at(b, c);
  }
  lane_sum[lid] = (s0 + s1) + (s2 + s3);
  barrier();
  if (lane != 0 || c >= pc.D) return;
  vec2 t = vec2(0.0);
  for (uint l = 0; l < L; ++l) t += lane_sum[l * CW + lid];
  if ((pc.flags & FLAG_DWEIGHT) != 0) ST(dweight, OFF(dweight) + c, t.x);
  if ((pc.flags & FLAG_DBIAS) != 0) ST(dbias, OFF(dbias) + c, t.y);
}
