#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm backward, main pass. Workgroup (g, blk) owns columns [g*WG*ITEMS, ...) of the rows of
// block blk (rows_per_block consecutive rows; the default config launches about one wave of
// resident workgroups, each looping over many rows). Per row, with w_eff = weight_offset + w
// (1 without weight), g = dy * w_eff and xhat = x * rstd:
//   dx = rstd * (g - xhat * mean(g * xhat))
// The row sum of g*xhat comes from this workgroup's own registers when one chunk covers the row
// (FUSED: x and dy are read once), else from rms_norm_backward_rowsums' partials. dweight =
// sum over rows of dy * xhat accumulates in fp32 registers over the block's rows and is written
// directly (a single block) or as one fp32 partial row per block for rms_norm_backward_colsum:
// deterministic, no atomics. grid = (chunks, blocks).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_backward.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_TENSOR(dy, DATA_T, readonly)  // not restrict: dx may be dy (in place)
DECLARE_WIDE(dy, WIDE_T, readonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_F32(rstd, readonly restrict)
DECLARE_TENSOR(dx, DATA_T, writeonly)
DECLARE_WIDE(dx, WIDE_T, writeonly)
DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
// part: row-sum partials (read) and column partials (written, 16 bytes at a time with VEC 4).
DECLARE_F32(part, )
DECLARE_VEC4(part, writeonly)

const uint NV = ITEMS / VEC;

uint elem(uint base, uint lid, uint t) { return VEC == 4 ? base + (lid + t * WG) * 4 : base + lid + t * WG; }

void load_items(uint which, uint off, uint base, uint lid, inout float v[ITEMS]) {
  for (uint t = 0; t < NV; ++t) {
    uint e = elem(base, lid, t);
    if (VEC == 4) {
      vec4 q = vec4(0.0);
      if (e < pc.D) q = which == 0 ? to_f4(WAT(x, (off + e) >> 2))
                      : which == 1 ? to_f4(WAT(dy, (off + e) >> 2)) : to_f4(WAT(w, (off + e) >> 2));
      v[t * 4] = q.x; v[t * 4 + 1] = q.y; v[t * 4 + 2] = q.z; v[t * 4 + 3] = q.w;
    } else {
      float q = 0.0;
      if (e < pc.D) q = which == 0 ? LD(x, off + e) : which == 1 ? LD(dy, off + e) : LD(w, off + e);
      v[t] = q;
    }
  }
}

void main() {
  const uint g = gl_WorkGroupID.x, blk = gl_WorkGroupID.y;
  const uint lid = gl_LocalInvocationIndex;
  const uint base = g * WG * ITEMS;
  const bool has_w = (pc.flags & FLAG_WEIGHT) != 0, fused = (pc.flags & FLAG_FUSED) != 0;
  const bool want_dw = (pc.flags & FLAG_DWEIGHT) != 0;
  const float inv_d = 1.0 / float(pc.D);
  float wv[ITEMS], dwa[ITEMS], xv[ITEMS], gv[ITEMS];
  for (uint i = 0; i < ITEMS; ++i) { wv[i] = 0.0; dwa[i] = 0.0; }
  if (has_w) load_items(2, OFF(w), base, lid, wv);
  const float woff = has_w ? pc.weight_offset : 1.0;
  for (uint i = 0; i < ITEMS; ++i) wv[i] += woff;
  const uint r0 = blk * pc.rows_per_block, r1 = min(pc.rows, r0 + pc.rows_per_block);
  for (uint row = r0; row < r1; ++row) {
    const float rs = FAT(rstd, OFF(rstd) + row);
    load_items(0, OFF(x) + row * pc.x_rs, base, lid, xv);
    load_items(1, OFF(dy) + row * pc.dy_rs, base, lid, gv);
    float acc = 0.0;
    for (uint i = 0; i < ITEMS; ++i) {
      // Padding past D holds x = dy = 0: it adds nothing to the sums.
      const float dyv = gv[i];
      xv[i] *= rs;  // xhat
      gv[i] = dyv * wv[i];
      dwa[i] += dyv * xv[i];
      acc += gv[i] * xv[i];
    }
    if (!fused) {
      acc = 0.0;
      const uint pb = pc.part_off + row * pc.split;
      for (uint j = lid; j < pc.split; j += WG) acc += FAT(part, pb + j);
    }
    const float m = wg_sum(acc) * inv_d;
    if ((pc.flags & FLAG_DX) != 0) {
      const uint ob = OFF(dx) + row * pc.dx_rs;
      for (uint t = 0; t < NV; ++t) {
        uint e = elem(base, lid, t);
        if (e >= pc.D) continue;
        if (VEC == 4) {
          vec4 o;
          for (uint j = 0; j < 4; ++j) o[j] = rs * (gv[t * 4 + j] - xv[t * 4 + j] * m);
          WAT(dx, (ob + e) >> 2) = from_f4(o);
        } else {
          ST(dx, ob + e, rs * (gv[t] - xv[t] * m));
        }
      }
    }
  }
  if (!want_dw) return;
  const bool direct = (pc.flags & FLAG_DIRECT) != 0;
  const uint cb = pc.col_off + (pc.block_base + blk) * pc.D;
  for (uint t = 0; t < NV; ++t) {
    uint e0 = elem(base, lid, t);
    if (e0 >= pc.D) continue;
    if (!direct && VEC == 4) {  // D % 4 == 0 and a 16-byte aligned partial row (col_off too)
      V4AT(part, (cb + e0) >> 2) = vec4(dwa[t * 4], dwa[t * 4 + 1], dwa[t * 4 + 2], dwa[t * 4 + 3]);
      continue;
    }
    for (uint j = 0; j < VEC; ++j) {
      uint e = e0 + j;
      if (direct) ST(dweight, OFF(dweight) + e, dwa[t * VEC + j]);
      else FAT(part, cb + e) = dwa[t * VEC + j];
    }
  }
}
