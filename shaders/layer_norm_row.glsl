// LayerNorm forward with the row held in registers (ITEMS elements per invocation), optionally
// fused with a residual add. Body of layer_norm_row.comp and add_layer_norm_row.comp (which
// defines ADD_RESIDUAL: h = x + residual (+ ab, a D-element bias [ADD_BIAS]), summed in
// fp32 and rounded to the storage dtype, replaces x and is written to residual_out
// [FLAG_WRITE_RESIDUAL]). A workgroup
// handles RPW = WG / LPR rows with LPR invocations (lanes) per row: short rows pack several rows
// into one workgroup (LPR = WG: one row per workgroup). Per-row sums go through seg_sum2
// (segments.glsl, which also maps rows to invocations: row_slot). VEC elements
// per access: 1, 4 (16-byte fp32 / 8-byte 16-bit) or 8 (16-byte 16-bit, uvec4).
// Corrected two-pass statistics: m = fp32 mean, d = x - m (exact when x is near m),
// c = mean(d) corrects m's rounding, var = mean(d^2) - c^2, y = (d - c) * rstd. Rows with a large
// mean and a tiny spread keep their digits, and no single element (an outlier) serves as a
// shift. Every element is read before any is written, by the invocation that writes it, so y
// may be x itself and residual_out may be residual (in place; those tensors are not
// `restrict`). grid = (gx, gy): row block = x + y * gx (rows past pc.rows only join the
// barriers).
// ADAPTIVE (ada_norm_row.comp, with ADD_RESIDUAL): the adaptive norm of DiT blocks. Spec
// constants choose the residual (RESIDUAL: 0 none, 1 h = residual + x, 2 h = residual + g * x,
// g a modulation row), the norm (NORM: 0 LayerNorm, 1 RMSNorm: m = c = 0, var = mean(h^2)) and
// the modulation after the affine (MOD: bit 0 y *= scale_offset + sc, bit 1 y += sh). Row r of
// all rows reads modulation row r / mdiv of sc, sh and g (row strides sc_rs, sh_rs, g_rs).
// ZGATE (gated RMSNorm, g = z of x's shape, mdiv 1, no residual): 1 y *= silu(z) after the
// affine, 2 h = x * silu(z) before the norm (fp32, not rounded). No
// mean / rstd outputs (their bindings do not exist in this module).
// OUT_I8 (ada_norm_row_q8.comp, with ADAPTIVE): y holds 8-bit codes (quantize.glsl: int8 or
// float8 by QFMT) of the fp32 y, with a per-row dynamic scale (max |y| / QMAX, written to the
// scale binding [FLAG_DYNAMIC_SCALE]) or pc.static_scale: the modulated row stays in the
// registers (v) until its max |y| is reduced, then goes out as codes. Its push block is full
// (contracts/ada_norm_row_q8.h): D and the flags share a word, the modulation tensors one row
// stride (ROW_D, ROW_FLAGS, SC_RS / SH_RS / G_RS).
// CHANNEL_AFFINE (layer_norm_row only): with FLAG_CHANNEL a row is one group of GroupNorm /
// InstanceNorm and weight / bias hold one value per channel (channel_of); with FLAG_VAR the
// rstd binding receives the biased variance instead (InstanceNorm's running statistics).
// Included after common.glsl and the kernel's contract (bindings, pc, ITEMS / VEC / LPR, FLAG_*).

#ifndef ADAPTIVE
#define ADAPTIVE 0
#endif
#ifndef OUT_I8
#define OUT_I8 0
#endif
#if OUT_I8
#define ROW_D (pc.d_flags & 0xfffffu)
#define ROW_FLAGS (pc.d_flags >> 20)
#define SC_RS pc.m_rs
#define SH_RS pc.m_rs
#define G_RS pc.m_rs
#define DYNAMIC ((ROW_FLAGS & FLAG_DYNAMIC_SCALE) != 0u)
#else
#define ROW_D pc.D
#define ROW_FLAGS pc.flags
#define SC_RS pc.sc_rs
#define SH_RS pc.sh_rs
#define G_RS pc.g_rs
#endif

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
#if OUT_I8
DECLARE_F32(scale, writeonly restrict)
#include "quantize.glsl"  // QMAX, y's codes, store_codes, inverse_scale
#else
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
#endif
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_WIDE(b, WIDE_T, readonly restrict)
DECLARE_PARAM_F32(w)  // weight / bias in fp32 beside 16-bit x (PARAM_F32)
DECLARE_PARAM_F32(b)
#if !ADAPTIVE
DECLARE_F32(mean, writeonly restrict)
DECLARE_F32(rstd, writeonly restrict)
#endif
#if !DTYPE_F32
DECLARE_WIDE8(x, readonly)
#if !OUT_I8
DECLARE_WIDE8(y, writeonly)
#endif
DECLARE_WIDE8(w, readonly restrict)
DECLARE_WIDE8(b, readonly restrict)
#endif
#if ADD_RESIDUAL
DECLARE_TENSOR(res, DATA_T, readonly)
DECLARE_WIDE(res, WIDE_T, readonly)
DECLARE_TENSOR(ro, DATA_T, writeonly)
DECLARE_WIDE(ro, WIDE_T, writeonly)
#if !DTYPE_F32
DECLARE_WIDE8(res, readonly)
DECLARE_WIDE8(ro, writeonly)
#endif
#if ADAPTIVE
// Modulation rows: read by every row of their block, never written by the call.
DECLARE_TENSOR(sc, DATA_T, readonly restrict)
DECLARE_WIDE(sc, WIDE_T, readonly restrict)
DECLARE_TENSOR(sh, DATA_T, readonly restrict)
DECLARE_WIDE(sh, WIDE_T, readonly restrict)
DECLARE_TENSOR(g, DATA_T, readonly restrict)
DECLARE_WIDE(g, WIDE_T, readonly restrict)
#if !DTYPE_F32
DECLARE_WIDE8(sc, readonly restrict)
DECLARE_WIDE8(sh, readonly restrict)
DECLARE_WIDE8(g, readonly restrict)
#endif
const bool HAS_RES = RESIDUAL != 0u;
const bool RMS = NORM == 1u;
vec4 silu4(vec4 v) { return v / (1.0 + exp(-v)); }  // exp overflow: v / Inf = -0
#else
DECLARE_TENSOR(ab, DATA_T, readonly restrict)
DECLARE_WIDE(ab, WIDE_T, readonly restrict)
#if !DTYPE_F32
DECLARE_WIDE8(ab, readonly restrict)
#endif
const bool HAS_RES = true;
const bool RMS = false;
#endif
#else
const bool RMS = false;
#endif

const uint NC = ITEMS / VEC;              // chunks (accesses) per lane
const uint QPC = VEC == 8 ? 2 : 1;        // vec4 registers per chunk (VEC >= 4)
const uint NQ = VEC >= 4 ? NC * QPC : 1;  // vec4 registers per lane (VEC >= 4)
const uint NS = VEC == 1 ? ITEMS : 1;     // float registers per lane (VEC == 1)

float hsum(vec4 v) { return v.x + v.y + v.z + v.w; }

#if OUT_I8
// max |y| over a chunk in integer arithmetic on the fp32 bits, NaN counted as +Inf: a row
// holding NaN / Inf gets an Inf scale whatever a float max does with NaN.
uint amax_bits(vec4 a, vec4 b) {
  const uvec4 m = max(min(floatBitsToUint(a) & 0x7fffffffu, 0x7f800000u), min(floatBitsToUint(b) & 0x7fffffffu, 0x7f800000u));
  return max(max(m.x, m.y), max(m.z, m.w));
}
// A chunk of y (lo, hi) of register chunk t: stored (16/32-bit y), or kept in v for the codes
// once the row's max |y| is known (OUT_I8; am: this lane's max so far, as bits).
#define PUT_Y8(t, e, lo, hi) { v[(t) * QPC] = lo; if (QPC == 2) v[(t) * QPC + QPC - 1] = hi; am = max(am, amax_bits(lo, hi)); }
#define PUT_Y4(t, e, lo) { v[t] = lo; am = max(am, amax_bits(lo, vec4(0.0))); }
#define PUT_Y1(t, e, o) { v[t] = o; am = max(am, amax_bits(vec4(o, 0.0, 0.0, 0.0), vec4(0.0))); }
#else
#define PUT_Y8(t, e, lo, hi) STORE8(y, (yb + e) >> 3, lo, hi)
#define PUT_Y4(t, e, lo) WAT(y, (yb + e) >> 2) = from_f4(lo)
#define PUT_Y1(t, e, o) ST(y, yb + e, o)
#endif

#if CHANNEL_AFFINE
#include "activation.glsl"
// Row `row` of this dispatch is group (row_base + row) % groups of its sample: cpg channels of
// hw elements each, so element e belongs to channel group * cpg + e / hw. A VEC-element access
// never straddles two channels (the host picks VEC dividing hw).
bool per_channel() { return (ROW_FLAGS & FLAG_CHANNEL) != 0u; }
uint channel_of(uint row, uint e) { return ((pc.row_base + row) % pc.groups) * pc.cpg + e / pc.hw; }
#else
bool per_channel() { return false; }
uint channel_of(uint row, uint e) { return 0u; }
vec4 activate(vec4 v) { return v; }
float activate(float v) { return v; }
#endif

void main() {
  const uint slot = row_slot();
  const uint lane = slot % LPR;
  const uint block = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  const uint row = block * (WG / LPR) + slot / LPR;
  const bool ok = row < pc.rows;
  const uint xb = OFF(x) + row * pc.x_rs;
  const uint yb = OFF(y) + row * pc.y_rs;
#if ADD_RESIDUAL
  const uint rb = OFF(res) + row * pc.res_rs;
  const uint ob = OFF(ro) + row * pc.ro_rs;
#endif
#if ADAPTIVE
  // This row's modulation row, counted from the first one this dispatch's views start at.
  const uint mr = (pc.row0 + row) / pc.mdiv - pc.row0 / pc.mdiv;
  const uint scb = OFF(sc) + mr * SC_RS, shb = OFF(sh) + mr * SH_RS, gb = OFF(g) + mr * G_RS;
#endif
  const float inv_d = 1.0 / float(ROW_D);
  const uint step = LPR * VEC;  // elements between a lane's consecutive chunks
  float m, c, rs, var;
  if (VEC >= 4) {
    // Chunk t of this lane starts at element lane * VEC + t * step; VEC 8 keeps (lo, hi) in
    // v[2t], v[2t + 1]. Unused registers hold 0 and are masked out of the statistics.
    vec4 v[NQ];
    float acc = 0.0;
#if ADD_RESIDUAL
    if (HAS_RES) {  // a constant: true in add_layer_norm_row, RESIDUAL != 0 in ada_norm_row
    // Every load of the row first (x's chunks, then the residual's), then h = x + residual
    // rounded to the storage dtype as the unfused code would store it, the residual_out stores
    // (no store before the loads: residual_out may alias x) and the sum. H200, 2026-12-05: 1-13%
    // faster than adding and storing chunk by chunk between the loads.
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      vec4 lo = vec4(0.0), hi = vec4(0.0);
      if (ok && e < ROW_D) LOAD_CHUNK(x, xb + e, lo, hi);
      v[t * QPC] = lo;
      if (QPC == 2) v[t * QPC + QPC - 1] = hi;  // index in range whatever QPC is
    }
    {
      vec4 rv[NQ];
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        vec4 lo = vec4(0.0), hi = vec4(0.0);
        if (ok && e < ROW_D) LOAD_CHUNK(res, rb + e, lo, hi);
        rv[t * QPC] = lo;
        if (QPC == 2) rv[t * QPC + QPC - 1] = hi;
      }
#if ADAPTIVE
      if (RESIDUAL == 2u) {
        // h = residual + gate * x, the gate row shared by its block's rows (in cache).
        for (uint t = 0; t < NC; ++t) {
          const uint e = lane * VEC + t * step;
          vec4 lo = vec4(0.0), hi = vec4(0.0);
          if (ok && e < ROW_D) LOAD_CHUNK(g, gb + e, lo, hi);
          v[t * QPC] = rv[t * QPC] + lo * v[t * QPC];
          if (QPC == 2) v[t * QPC + QPC - 1] = rv[t * QPC + QPC - 1] + hi * v[t * QPC + QPC - 1];
        }
        for (uint q = 0; q < NQ; ++q) v[q] = round_storage(v[q]);  // padding stays 0
      } else
#else
      if (ADD_BIAS != 0u) {
        // The bias (one D-vector every row shares, in cache) is loaded where it is added.
        for (uint t = 0; t < NC; ++t) {
          const uint e = lane * VEC + t * step;
          vec4 lo = vec4(0.0), hi = vec4(0.0);
          if (ok && e < ROW_D) LOAD_CHUNK(ab, OFF(ab) + e, lo, hi);
          v[t * QPC] = (v[t * QPC] + rv[t * QPC]) + lo;
          if (QPC == 2) v[t * QPC + QPC - 1] = (v[t * QPC + QPC - 1] + rv[t * QPC + QPC - 1]) + hi;
        }
        for (uint q = 0; q < NQ; ++q) v[q] = round_storage(v[q]);  // padding stays 0
      } else
#endif
      {
        for (uint q = 0; q < NQ; ++q) v[q] = round_storage(v[q] + rv[q]);  // padding stays 0
      }
      if ((ROW_FLAGS & FLAG_WRITE_RESIDUAL) != 0u && ok)
        for (uint t = 0; t < NC; ++t) {
          const uint e = lane * VEC + t * step;
          if (e >= ROW_D) break;
          STORE_CHUNK(ro, ob + e, v[t * QPC], (QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0)));
        }
    }
    for (uint q = 0; q < NQ; ++q) acc += hsum(v[q]);
    } else
#endif
    // Each chunk summed as it arrives. H200, 2026-12-05: loading the whole row first (as
    // rms_norm_last does) ran these rows 20-58% slower with 40 registers instead of 48: the
    // compiler then kept fewer loads in flight.
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      vec4 lo = vec4(0.0), hi = vec4(0.0);
      if (ok && e < ROW_D) LOAD_CHUNK(x, xb + e, lo, hi);
#if ADAPTIVE
      if (ZGATE == 2u) {  // h = x * silu(z) in fp32 (padding: silu(0) = 0)
        vec4 zl = vec4(0.0), zh = vec4(0.0);
        if (ok && e < ROW_D) LOAD_CHUNK(g, gb + e, zl, zh);
        lo *= silu4(zl);
        hi *= silu4(zh);
      }
#endif
      v[t * QPC] = lo;
      if (QPC == 2) v[t * QPC + QPC - 1] = hi;  // index in range whatever QPC is
      acc += hsum(lo) + hsum(hi);
    }
    m = RMS ? 0.0 : seg_sum2(vec2(acc, 0.0), LPR).x * inv_d;
    vec4 s1 = vec4(0.0), s2 = vec4(0.0);
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      if (!(ok && e < ROW_D)) continue;
      for (uint q = 0; q < QPC; ++q) {
        vec4 d = v[t * QPC + q] - m;
        s1 += d;
        s2 += d * d;
      }
    }
    vec2 sums = seg_sum2(vec2(hsum(s1), hsum(s2)), LPR) * inv_d;
    c = RMS ? 0.0 : sums.x;
    var = RMS ? sums.y : corrected_variance(sums.y, c);
    rs = 1.0 / sqrt(var + pc.eps);
#if OUT_I8
    uint am = 0u;  // this lane's max |y| (amax_bits)
#endif
    if (ok)
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        if (e >= ROW_D) break;
        vec4 lo = ((v[t * QPC] - m) - c) * rs;
        vec4 hi = QPC == 2 ? ((v[t * QPC + QPC - 1] - m) - c) * rs : vec4(0.0);
        if (per_channel()) {
          const uint ch = channel_of(row, e);
          const float wv = (ROW_FLAGS & FLAG_WEIGHT) != 0 ? PLD(w, OFF(w) + ch) : 1.0;
          const float bv = (ROW_FLAGS & FLAG_BIAS) != 0 ? PLD(b, OFF(b) + ch) : 0.0;
          lo = activate(lo * wv + bv);
          hi = activate(hi * wv + bv);
          if (VEC == 8) {
            PUT_Y8(t, e, lo, hi);
          } else {
            PUT_Y4(t, e, lo);
          }
        } else if (VEC == 8) {
          if ((ROW_FLAGS & FLAG_WEIGHT) != 0) {
            vec4 wl, wh;
            PLOAD8(w, (OFF(w) + e) >> 3, wl, wh);
            lo *= wl;
            hi *= wh;
          }
          if ((ROW_FLAGS & FLAG_BIAS) != 0) {
            vec4 bl, bh;
            PLOAD8(b, (OFF(b) + e) >> 3, bl, bh);
            lo += bl;
            hi += bh;
          }
#if ADAPTIVE
          if ((MOD & 1u) != 0u) {
            vec4 sl, sh_;
            LOAD8(sc, (scb + e) >> 3, sl, sh_);
            lo *= pc.scale_offset + sl;
            hi *= pc.scale_offset + sh_;
          }
          if ((MOD & 2u) != 0u) {
            vec4 tl, th;
            LOAD8(sh, (shb + e) >> 3, tl, th);
            lo += tl;
            hi += th;
          }
          if (ZGATE == 1u) {
            vec4 zl, zh;
            LOAD8(g, (gb + e) >> 3, zl, zh);
            lo *= silu4(zl);
            hi *= silu4(zh);
          }
#endif
          PUT_Y8(t, e, lo, hi);
        } else {
          if ((ROW_FLAGS & FLAG_WEIGHT) != 0) lo *= PLD4(w, (OFF(w) + e) >> 2);
          if ((ROW_FLAGS & FLAG_BIAS) != 0) lo += PLD4(b, (OFF(b) + e) >> 2);
#if ADAPTIVE
          if ((MOD & 1u) != 0u) lo *= pc.scale_offset + to_f4(WAT(sc, (scb + e) >> 2));
          if ((MOD & 2u) != 0u) lo += to_f4(WAT(sh, (shb + e) >> 2));
          if (ZGATE == 1u) lo *= silu4(to_f4(WAT(g, (gb + e) >> 2)));
#endif
          PUT_Y4(t, e, lo);
        }
      }
#if OUT_I8
    // The row's max |y| (the statistics' reductions are done: one more, max only), then codes.
    const float inv = inverse_scale(seg_sum_max(vec2(0.0, uintBitsToFloat(am)), LPR).y, ok && lane == 0, row);
    if (ok)
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        if (e >= ROW_D) break;
        store_codes(yb + e, v[t * QPC], QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0), inv);
      }
#endif
  } else {
    float v[NS];
    float acc = 0.0;
#if ADD_RESIDUAL
    if (HAS_RES) {
    for (uint t = 0; t < NS; ++t) {  // loads first, as above
      const uint e = lane + t * LPR;
      v[t] = (ok && e < ROW_D) ? LD(x, xb + e) : 0.0;
    }
    {
      float rv[NS];
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        rv[t] = (ok && e < ROW_D) ? LD(res, rb + e) : 0.0;
      }
      for (uint t = 0; t < NS; ++t) {  // padding stays 0
        const uint e = lane + t * LPR;
#if ADAPTIVE
        if (RESIDUAL == 2u) {
          const float gv = ok && e < ROW_D ? LD(g, gb + e) : 0.0;
          v[t] = round_storage(vec4(rv[t] + gv * v[t])).x;
          continue;
        }
        const float bias = 0.0;
#else
        const float bias = ADD_BIAS != 0u && ok && e < ROW_D ? LD(ab, OFF(ab) + e) : 0.0;
#endif
        v[t] = round_storage(vec4((v[t] + rv[t]) + bias)).x;
      }
      if ((ROW_FLAGS & FLAG_WRITE_RESIDUAL) != 0u && ok)
        for (uint t = 0; t < NS; ++t) {
          const uint e = lane + t * LPR;
          if (e >= ROW_D) break;
          ST(ro, ob + e, v[t]);
        }
    }
    for (uint t = 0; t < NS; ++t) acc += v[t];
    } else
#endif
    for (uint t = 0; t < NS; ++t) {
      const uint e = lane + t * LPR;
      v[t] = (ok && e < ROW_D) ? LD(x, xb + e) : 0.0;
#if ADAPTIVE
      if (ZGATE == 2u && ok && e < ROW_D) v[t] *= silu4(vec4(LD(g, gb + e))).x;
#endif
      acc += v[t];
    }
    m = RMS ? 0.0 : seg_sum2(vec2(acc, 0.0), LPR).x * inv_d;
    float s1 = 0.0, s2 = 0.0;
    for (uint t = 0; t < NS; ++t) {
      const uint e = lane + t * LPR;
      float d = v[t] - m;
      if (ok && e < ROW_D) { s1 += d; s2 += d * d; }
    }
    vec2 sums = seg_sum2(vec2(s1, s2), LPR) * inv_d;
    c = RMS ? 0.0 : sums.x;
    var = RMS ? sums.y : corrected_variance(sums.y, c);
    rs = 1.0 / sqrt(var + pc.eps);
#if OUT_I8
    uint am = 0u;  // as above
#endif
    if (ok)
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        if (e >= ROW_D) break;
        float o = ((v[t] - m) - c) * rs;
        const uint ai = per_channel() ? channel_of(row, e) : e;
        if ((ROW_FLAGS & FLAG_WEIGHT) != 0) o *= PLD(w, OFF(w) + ai);
        if ((ROW_FLAGS & FLAG_BIAS) != 0) o += PLD(b, OFF(b) + ai);
#if ADAPTIVE
        if ((MOD & 1u) != 0u) o *= pc.scale_offset + LD(sc, scb + e);
        if ((MOD & 2u) != 0u) o += LD(sh, shb + e);
        if (ZGATE == 1u) o *= silu4(vec4(LD(g, gb + e))).x;
#endif
        PUT_Y1(t, e, activate(o));
      }
#if OUT_I8
    const float inv = inverse_scale(seg_sum_max(vec2(0.0, uintBitsToFloat(am)), LPR).y, ok && lane == 0, row);
    if (ok)
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        if (e >= ROW_D) break;
        store_codes(yb + e, vec4(v[t], 0.0, 0.0, 0.0), vec4(0.0), inv);
      }
#endif
  }
#if !ADAPTIVE
  if (ok && lane == 0) {
    if ((ROW_FLAGS & FLAG_MEAN) != 0) FAT(mean, OFF(mean) + row) = m + c;
#if CHANNEL_AFFINE
    if ((ROW_FLAGS & FLAG_RSTD) != 0) FAT(rstd, OFF(rstd) + row) = (ROW_FLAGS & FLAG_VAR) != 0u ? var : rs;
#else
    if ((ROW_FLAGS & FLAG_RSTD) != 0) FAT(rstd, OFF(rstd) + row) = rs;
#endif
  }
#endif
}
