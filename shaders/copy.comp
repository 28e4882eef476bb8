#version 450
// vknorm-variants: dtype=f32 reduce=none
// Roofline reference: dst = src, 16 bytes per access, ITEMS accesses per invocation strided by
// the workgroup (the access pattern of the norm kernels). grid = (groups, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 4;

DECLARE_VEC4(0, src, readonly restrict)
DECLARE_VEC4(1, dst, writeonly restrict)

layout(push_constant) uniform PushConstants {
  PTR(src) PTR(dst)
  uint count;    // vec4 elements in this window
#if BIND_DESC
  uint src_off, dst_off;
#endif
  uint gx_base;
} pc;

void main() {
  const uint base = (gl_WorkGroupID.x + pc.gx_base) * WG * ITEMS + gl_LocalInvocationIndex;
  for (uint t = 0; t < ITEMS; ++t) {
    uint i = base + t * WG;
    if (i < pc.count) V4AT(dst, OFF(dst) + i) = V4AT(src, OFF(src) + i);
  }
}
