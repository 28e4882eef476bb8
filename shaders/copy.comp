#version 450
// vknorm-variants: dtype=f32 reduce=none
// Roofline reference: dst = src, 16 bytes per access, ITEMS accesses per invocation strided by
// the workgroup (the access pattern of the norm kernels). grid = (groups, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/copy.h"  // bindings, push constants pc, spec constants

DECLARE_VEC4(src, readonly restrict)
DECLARE_VEC4(dst, writeonly restrict)

void main() {
  const uint base = (gl_WorkGroupID.x + pc.gx_base) * WG * ITEMS + gl_LocalInvocationIndex;
  for (uint t = 0; t < ITEMS; ++t) {
    uint i = base + t * WG;
    if (i < pc.count) V4AT(dst, OFF(dst) + i) = V4AT(src, OFF(src) + i);
  }
}
