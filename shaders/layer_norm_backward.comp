#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// LayerNorm backward, main pass. Workgroup (g, blk) owns columns [g*WG*ITEMS, ...) of the rows
// of block blk. Per row: the row sums of g = dy*w and g*xhat come from this workgroup's own
// registers when one chunk covers the row (FUSED, no first pass), else from the first pass's
// partials; then dx = rstd * (g - mean(g) - xhat * mean(g*xhat)). dweight / dbias accumulate
// in registers over the block's rows and are written directly (single block) or as fp32
// partials for layer_norm_backward_colsum: deterministic, no atomics. grid = (chunks, blocks).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_backward.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly restrict)
DECLARE_WIDE(x, WIDE_T, readonly restrict)
DECLARE_TENSOR(dy, DATA_T, readonly)  // not restrict: dx may be dy (in place)
DECLARE_WIDE(dy, WIDE_T, readonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_F32(mean, readonly restrict)
DECLARE_F32(rstd, readonly restrict)
DECLARE_TENSOR(dx, DATA_T, writeonly)
DECLARE_WIDE(dx, WIDE_T, writeonly)
DECLARE_TENSOR(dweight, DATA_T, writeonly restrict)
DECLARE_TENSOR(dbias, DATA_T, writeonly restrict)
// The column partials (colpart) live in the scratch binding too.
#if BIND_DESC
const int colpart_binding = part_binding;
#else
#define colpart part
#endif
DECLARE_VEC2(part, readonly restrict)
DECLARE_F32(colpart, writeonly restrict)

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
  const float inv_d = 1.0 / float(pc.D);
  float wv[ITEMS], dwa[ITEMS], dba[ITEMS], xv[ITEMS], gv[ITEMS];
  for (uint i = 0; i < ITEMS; ++i) { wv[i] = 1.0; dwa[i] = 0.0; dba[i] = 0.0; }
  if (has_w) load_items(2, OFF(w), base, lid, wv);
  const uint r0 = blk * pc.rows_per_block, r1 = min(pc.rows, r0 + pc.rows_per_block);
  for (uint row = r0; row < r1; ++row) {
    const float mu = FAT(mean, OFF(mean) + row), rs = FAT(rstd, OFF(rstd) + row);
    load_items(0, OFF(x) + row * pc.x_rs, base, lid, xv);
    load_items(1, OFF(dy) + row * pc.dy_rs, base, lid, gv);
    vec2 acc = vec2(0.0);
    for (uint i = 0; i < ITEMS; ++i) {
      if (elem(base, lid, i / VEC) + i % VEC >= pc.D) continue;
      float dyv = gv[i];
      xv[i] = (xv[i] - mu) * rs;  // xhat (0-padded elements stay harmless: dy = 0 there)
      gv[i] = dyv * wv[i];
      dwa[i] += dyv * xv[i];
      dba[i] += dyv;
      acc += vec2(gv[i], gv[i] * xv[i]);
    }
    if (!fused) {
      acc = vec2(0.0);
      const uint pb = pc.part_off + row * pc.split;
      for (uint j = lid; j < pc.split; j += WG) acc += V2AT(part, pb + j);
    }
    acc = wg_sum2(acc) * inv_d;
    if ((pc.flags & FLAG_DX) != 0) {
      const uint ob = OFF(dx) + row * pc.dx_rs;
      for (uint t = 0; t < NV; ++t) {
        uint e = elem(base, lid, t);
        if (e >= pc.D) continue;
        if (VEC == 4) {
          vec4 o;
          for (uint j = 0; j < 4; ++j) o[j] = rs * (gv[t * 4 + j] - acc.x - xv[t * 4 + j] * acc.y);
          WAT(dx, (ob + e) >> 2) = from_f4(o);
        } else {
          ST(dx, ob + e, rs * (gv[t] - acc.x - xv[t] * acc.y));
        }
      }
    }
  }
  const bool direct = (pc.flags & FLAG_DIRECT) != 0;
  const uint cb = pc.col_off + (pc.block_base + blk) * 2 * pc.D;
  for (uint t = 0; t < NV; ++t) {
    for (uint j = 0; j < VEC; ++j) {
      uint e = elem(base, lid, t) + j;
      if (e >= pc.D) continue;
      uint i = t * VEC + j;
      if (direct) {
        if ((pc.flags & FLAG_DWEIGHT) != 0) ST(dweight, OFF(dweight) + e, dwa[i]);
        if ((pc.flags & FLAG_DBIAS) != 0) ST(dbias, OFF(dbias) + e, dba[i]);
      } else {
        FAT(colpart, cb + e) = dwa[i];
        FAT(colpart, cb + pc.D + e) = dba[i];
      }
    }
  }
}
