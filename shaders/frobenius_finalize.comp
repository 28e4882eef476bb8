#version 450
// vknorm-variants: dtype=f32 reduce=sg,sh
// Frobenius norm, pass 2: one workgroup sums the `parts` partials of pass 1 in a fixed order
// (invocation i adds partials i, i + WG, ...; then the workgroup reduction) and writes the sum
// of squares and scale = 1 / sqrt(sum) beside them (stat_off, stat_off + 1), and ||x||_F to
// norm when FLAG_NORM. A zero sum gives scale Inf (0 * Inf = NaN: torch's 0 / 0); an Inf sum
// gives 0 (x / inf). Only fp32 data: one module serves every dtype of x. grid = (1, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/frobenius_finalize.h"  // bindings, push constants pc

DECLARE_F32(norm, writeonly restrict)
DECLARE_F32(part, restrict)

void main() {
  const uint lid = gl_LocalInvocationIndex;
  float s = 0.0;
  for (uint i = lid; i < pc.parts; i += WG) s += FAT(part, pc.part_off + i);
  const float total = wg_sum(s);
  if (lid != 0) return;
  const float nrm = sqrt(total);
  FAT(part, pc.stat_off) = total;
  FAT(part, pc.stat_off + 1u) = 1.0 / nrm;
  if ((pc.flags & FLAG_NORM) != 0) FAT(norm, OFF(norm)) = nrm;
}
