#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=none
// BatchNorm, normalization pass: a workgroup writes y = ((x - shift) - m) * a + bias over
// elements [g*span, ...) of channel c (indexed as in batch_norm_stats; this span may be a piece
// of the stats pass's). Training: (shift, m, a, bias) come from batch_norm_merge; eval
// (FLAG_EVAL): shift = running_mean, m = 0, a = weight / sqrt(running_var + eps). Workgroups
// run backwards (the host also reverses the windows), so the chunks the stats pass read last,
// still in L2, are read again first; with ONE_PLANE they take (c, g) in memory order. Each
// invocation issues its NV loads before using any. x is read only at the elements this
// invocation writes, so y may be x (in place).
// grid = (chunks of this window, channels of this dispatch from c_base).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/batch_norm_apply.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_F32(running_mean, readonly restrict)
DECLARE_F32(running_var, readonly restrict)
DECLARE_VEC4(coef, readonly restrict)

const uint NV = ITEMS / VEC;

// Element index of channel element j in a tensor of strides (sn, ss); ONE_PLANE: the chunk
// lies in batch n0 (first element j0), no division per element.
uint plane_index(uint j, uint sn, uint ss, uint n0, uint j0) {
  if ((pc.flags & FLAG_ONE_PLANE) != 0) return n0 * sn + (j - j0) * ss;
  uint n = j / pc.S;
  return n * sn + (j - n * pc.S) * ss;
}

void main() {
  // Reverse order: the last workgroup of the stats grid is the first here.
  const uint gx = gl_NumWorkGroups.x, cd = gl_NumWorkGroups.y;
  const uint r = gx * cd - 1u - (gl_WorkGroupID.y * gx + gl_WorkGroupID.x);
  uint cl, g;
  if ((pc.flags & FLAG_ONE_PLANE) != 0) {
    // Chunks in memory order (batch item, channel, position), P per plane: the workgroups in
    // flight stream one region of x and y, as a copy does, not one plane per batch item of a
    // channel (64 MB apart in #33).
    const uint P = pc.S / pc.span;
    const uint n = r / (cd * P), rem = r - n * (cd * P);
    cl = rem / P;
    g = n * P + (rem - cl * P);
  } else {
    cl = r / gx;
    g = r - cl * gx;
  }
  const uint c = cl + pc.c_base;
  const uint lid = gl_LocalInvocationIndex;
  vec4 k;
  if ((pc.flags & FLAG_EVAL) != 0) {
    const float wc = (pc.flags & FLAG_WEIGHT) != 0 ? LD(w, OFF(w) + c) : 1.0;
    const float bc = (pc.flags & FLAG_BIAS) != 0 ? LD(b, OFF(b) + c) : 0.0;
    const float rm = FAT(running_mean, OFF(running_mean) + c);
    k = vec4(rm, 0.0, wc / sqrt(FAT(running_var, OFF(running_var) + c) + pc.eps), bc);
  } else {
    k = V4AT(coef, pc.coef_off + c);
  }
  const uint xb = OFF(x) + c * pc.x_sc, yb = OFF(y) + c * pc.y_sc;
  const uint begin = g * pc.span, end = min(pc.NS, begin + pc.span);
  const uint n0 = begin / pc.S, j0 = n0 * pc.S;
  for (uint base = begin; base < end; base += WG * ITEMS) {
    if (VEC == 4) {
      vec4 v[NV];
      for (uint t = 0; t < NV; ++t) {
        uint e = base + (lid + t * WG) * 4;
        v[t] = e < end ? to_f4(WAT(x, (xb + plane_index(e, pc.x_sn, pc.x_ss, n0, j0)) >> 2)) : vec4(0.0);
      }
      for (uint t = 0; t < NV; ++t) {
        uint e = base + (lid + t * WG) * 4;
        if (e < end) WAT(y, (yb + plane_index(e, pc.y_sn, pc.y_ss, n0, j0)) >> 2) = from_f4(centered(v[t], k.x, k.y) * k.z + k.w);
      }
    } else {
      float v[NV];
      for (uint t = 0; t < NV; ++t) {
        uint e = base + lid + t * WG;
        v[t] = e < end ? LD(x, xb + plane_index(e, pc.x_sn, pc.x_ss, n0, j0)) : 0.0;
      }
      for (uint t = 0; t < NV; ++t) {
        uint e = base + lid + t * WG;
        if (e < end) ST(y, yb + plane_index(e, pc.y_sn, pc.y_ss, n0, j0), centered(v[t], k.x, k.y) * k.z + k.w);
      }
    }
  }
}
