#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// LayerNorm backward, last pass when several row blocks exist: dweight[c] and dbias[c] are the
// sums over blocks of the fp32 column partials, in block order (deterministic).
// grid = (column groups of WG, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_backward_colsum.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
DECLARE_TENSOR(dbias, DATA_T, writeonly restrict)
DECLARE_F32(colpart, readonly restrict)

void main() {
  const uint c = (gl_WorkGroupID.x + pc.gx_base) * WG + gl_LocalInvocationIndex;
  if (c >= pc.D) return;
  float sw = 0.0, sb = 0.0;
  for (uint b = 0; b < pc.blocks; ++b) {
    uint i = pc.col_off + b * 2 * pc.D + c;
    sw += FAT(colpart, i);
    sb += FAT(colpart, i + pc.D);
  }
  if ((pc.flags & FLAG_DWEIGHT) != 0) ST(dweight, OFF(dweight) + c, sw);
  if ((pc.flags & FLAG_DBIAS) != 0) ST(dbias, OFF(dbias) + c, sb);
}
