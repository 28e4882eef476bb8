#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// LayerNorm forward, split rows, pass 2: merge the row's partials (exactly, in a fixed order,
// around the shift of the row's first partial), then normalize chunk g = [g*WG*ITEMS, ...) of
// the row. x is read only at the elements this invocation writes, so y may be x (in place).
// The runtime may order rows in waves small enough that this second read of x comes from L2.
// grid = (chunks, ceil(rows / rpw)): a workgroup normalizes chunk g of pc.rpw consecutive rows,
// the chunk's weight / bias in registers throughout.
// FLAG_CHANNEL: a row is one group of GroupNorm / InstanceNorm, weight / bias are per channel
// (channel_of); FLAG_VAR: the rstd binding receives the biased variance instead.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_apply.h"  // bindings, push constants pc, spec constants
#include "activation.glsl"                // ACT: activate()

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_WIDE(b, WIDE_T, readonly restrict)
DECLARE_PARAM_F32(w)  // weight / bias in fp32 beside 16-bit x (PARAM_F32)
DECLARE_PARAM_F32(b)
DECLARE_F32(mean, writeonly restrict)
DECLARE_F32(rstd, writeonly restrict)
DECLARE_VEC4(part, readonly restrict)
#include "partial_merge.glsl"  // merge_partials

const uint NV = ITEMS / VEC;

// Weight and bias at element e of the row (VEC of them), 1 and 0 where absent.
void affine_at(uint e, inout vec4 wv, inout vec4 bv) {
  if (VEC == 4) {
    if ((pc.flags & FLAG_WEIGHT) != 0) wv = PLD4(w, (OFF(w) + e) >> 2);
    if ((pc.flags & FLAG_BIAS) != 0) bv = PLD4(b, (OFF(b) + e) >> 2);
  } else {
    if ((pc.flags & FLAG_WEIGHT) != 0) wv.x = PLD(w, OFF(w) + e);
    if ((pc.flags & FLAG_BIAS) != 0) bv.x = PLD(b, OFF(b) + e);
  }
}

// Row `row` is group (row_base + row) % groups of its sample: cpg channels of hw elements.
uint channel_of(uint row, uint e) { return ((pc.row_base + row) % pc.groups) * pc.cpg + e / pc.hw; }

void main() {
  // Backwards through the statistics pass's order (workgroups, and rows within one), so that
  // the rows it read last, the likeliest still in L2, are read again first.
  const uint gx = gl_NumWorkGroups.x;
  const uint lin = gx * gl_NumWorkGroups.y - 1u - (gl_WorkGroupID.y * gx + gl_WorkGroupID.x);
  const uint blk = lin / gx, g = lin - blk * gx;
  const uint lid = gl_LocalInvocationIndex;
  const float inv_d = 1.0 / float(pc.D);
  const bool per_channel = (pc.flags & FLAG_CHANNEL) != 0u;
  const uint base = g * WG * ITEMS;
  // AFFINE_REGS: the per-element weight / bias chunk is loaded once and kept in registers for
  // all of the workgroup's rows (with few long rows it would otherwise be read once per row).
  // A specialization constant, because the registers cost occupancy where rows do not share
  // the chunk (one row per workgroup, or GroupNorm's per-channel affine).
  vec4 wr[NV], br[NV];
  for (uint t = 0; t < NV; ++t) {
    wr[t] = vec4(1.0);
    br[t] = vec4(0.0);
    const uint e = VEC == 4 ? base + (lid + t * WG) * 4 : base + lid + t * WG;
    if (AFFINE_REGS != 0 && e < pc.D) affine_at(e, wr[t], br[t]);
  }
  for (uint k = 0; k < pc.rpw; ++k) {
    const uint row = blk * pc.rpw + (pc.rpw - 1u - k);
    if (row >= pc.rows) continue;  // uniform: the same row for the whole workgroup
    const uint xb = OFF(x) + row * pc.x_rs;
    const uint yb = OFF(y) + row * pc.y_rs;
    const uint pb = pc.part_off + row * pc.split;
    // The chunk's loads go out first: their latency overlaps the partials' merge below (its
    // barriers would otherwise wait in front of every chunk's loads).
    vec4 xv[VEC == 4 ? NV : 1];
    float xs[VEC == 4 ? 1 : NV];
    for (uint t = 0; t < NV; ++t) {
      if (VEC == 4) {
        const uint e = base + (lid + t * WG) * 4;
        xv[t] = e < pc.D ? to_f4(WAT(x, (xb + e) >> 2)) : vec4(0.0);
      } else {
        const uint e = base + lid + t * WG;
        xs[t] = e < pc.D ? LD(x, xb + e) : 0.0;
      }
    }
    // Merged around the first partial's shift (partial_merge.glsl).
    const float shift = V4AT(part, pb).w;
    const vec2 mm = merge_partials(pb, pc.split, shift, inv_d);
    const float m = mm.x, var = mm.y * inv_d;
    const float rs = 1.0 / sqrt(var + pc.eps);
    for (uint t = 0; t < NV; ++t) {
      if (VEC == 4) {
        uint e = base + (lid + t * WG) * 4;
        if (e >= pc.D) continue;
        vec4 o = centered(xv[t], shift, m) * rs;
        if (per_channel) {
          const uint ch = channel_of(row, e);
          if ((pc.flags & FLAG_WEIGHT) != 0) o *= PLD(w, OFF(w) + ch);
          if ((pc.flags & FLAG_BIAS) != 0) o += PLD(b, OFF(b) + ch);
        } else {
          vec4 wv = wr[t], bv = br[t];
          if (AFFINE_REGS == 0) affine_at(e, wv, bv);
          o = o * wv + bv;
        }
        WAT(y, (yb + e) >> 2) = from_f4(activate(o));
      } else {
        uint e = base + lid + t * WG;
        if (e >= pc.D) continue;
        float o = centered(xs[t], shift, m) * rs;
        if (per_channel) {
          const uint ch = channel_of(row, e);
          if ((pc.flags & FLAG_WEIGHT) != 0) o *= PLD(w, OFF(w) + ch);
          if ((pc.flags & FLAG_BIAS) != 0) o += PLD(b, OFF(b) + ch);
        } else {
          vec4 wv = wr[t], bv = br[t];
          if (AFFINE_REGS == 0) affine_at(e, wv, bv);
          o = o * wv.x + bv.x;
        }
        ST(y, yb + e, activate(o));
      }
    }
    if (g == 0 && lid == 0) {
      if ((pc.flags & FLAG_MEAN) != 0) FAT(mean, OFF(mean) + row) = shift + m;
      if ((pc.flags & FLAG_RSTD) != 0) FAT(rstd, OFF(rstd) + row) = (pc.flags & FLAG_VAR) != 0u ? var : rs;
    }
  }
}
