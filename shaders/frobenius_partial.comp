#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// Frobenius norm, pass 1: workgroup g sums the squares of elements [g*span, min(count,
// (g+1)*span)) of this window of x in fp32 and writes one partial (part_off + g). Each
// invocation first sums a batch of ITEMS values (its NV loads issued before any is used), then
// adds the batch sum to its running sum: short dependency chains, so the rounding error grows
// with ITEMS + batches rather than with the span. Then a fixed-order workgroup reduction. VEC = 4:
// 16-byte (fp32) or 8-byte (16-bit) loads of four elements (span and count multiples of 4).
// grid = (partials of this window, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/frobenius_partial.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_F32(part, writeonly restrict)

const uint NV = ITEMS / VEC;

void main() {
  const uint g = gl_WorkGroupID.x, lid = gl_LocalInvocationIndex;
  const uint begin = g * pc.span, end = min(pc.count, begin + pc.span);
  float acc = 0.0;
  for (uint base = begin; base < end; base += WG * ITEMS) {
    float batch = 0.0;
    if (VEC == 4) {
      vec4 v[NV];
      for (uint t = 0; t < NV; ++t) {
        uint e = base + (lid + t * WG) * 4;
        v[t] = e < end ? to_f4(WAT(x, (OFF(x) + e) >> 2)) : vec4(0.0);
      }
      for (uint t = 0; t < NV; ++t) batch += dot(v[t], v[t]);
    } else {
      float v[NV];
      for (uint t = 0; t < NV; ++t) {
        uint e = base + lid + t * WG;
        v[t] = e < end ? LD(x, OFF(x) + e) : 0.0;
      }
      for (uint t = 0; t < NV; ++t) batch += v[t] * v[t];
    }
    acc += batch;
  }
  const float total = wg_sum(acc);
  if (lid == 0) FAT(part, pc.part_off + g) = total;
}
