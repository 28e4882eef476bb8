#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// ro = x + residual (+ ab, the D-element bias of ONNX SkipLayerNormalization [ADD_BIAS]),
// summed in fp32 and rounded once to the storage dtype: the first pass of a fused residual add whose
// rows are too long for one workgroup's registers (add_layer_norm's split path then normalizes
// ro). grid = (chunks of WG * ITEMS elements, rows). In place: ro may be residual (each element
// is read and then written by the same invocation; neither is `restrict`).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/residual_add.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_TENSOR(res, DATA_T, readonly)
DECLARE_WIDE(res, WIDE_T, readonly)
DECLARE_TENSOR(ro, DATA_T, writeonly)
DECLARE_WIDE(ro, WIDE_T, writeonly)
DECLARE_TENSOR(ab, DATA_T, readonly restrict)
DECLARE_WIDE(ab, WIDE_T, readonly restrict)

void main() {
  const uint row = gl_WorkGroupID.y;
  const uint xb = OFF(x) + row * pc.x_rs, rb = OFF(res) + row * pc.res_rs, ob = OFF(ro) + row * pc.ro_rs;
  const uint first = gl_WorkGroupID.x * WG * ITEMS + gl_LocalInvocationIndex * VEC;
  const bool add_bias = ADD_BIAS != 0u;
  for (uint t = 0; t < ITEMS / VEC; ++t) {
    const uint e = first + t * WG * VEC;
    if (e >= pc.D) break;
    if (VEC == 4) {
      vec4 h = to_f4(WAT(x, (xb + e) >> 2)) + to_f4(WAT(res, (rb + e) >> 2));
      if (add_bias) h += to_f4(WAT(ab, (OFF(ab) + e) >> 2));
      WAT(ro, (ob + e) >> 2) = from_f4(round_storage(h));
    } else {
      float h = LD(x, xb + e) + LD(res, rb + e);
      if (add_bias) h += LD(ab, OFF(ab) + e);
      ST(ro, ob + e, round_storage(vec4(h)).x);
    }
  }
}
