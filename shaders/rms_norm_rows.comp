#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm over contiguous rows: x viewed as (rows, D) with the reduced dimension contiguous
// (RMSNorm over dim 1 of (N, C) or (N, C, 1, 1); rows may be strided).
//   y = x * rsqrt(mean(x^2) + eps) * w   (NORM 0; the L1 and L2 norms: norm_kind.glsl)
// A workgroup handles RPW = WG / LPR rows with LPR invocations (lanes) per row; short rows pack
// several rows into a workgroup. Each lane keeps up to ITEMS elements of its row in registers,
// VEC per access: 1, 4 (16-byte fp32 / 8-byte 16-bit) or 8 (16-byte 16-bit, uvec4). Rows longer
// than LPR * ITEMS are streamed twice instead (x read twice). The per-row sum goes through
// seg_sum2 (segments.glsl).
// In place: every element is read, before any element is written, by the invocation that
// writes it, so y may be x itself; x and y are therefore declared without `restrict`.
// grid = (gx, gy): row block = x + y * gx (rows past pc.rows only join the barriers). A grid
// smaller than the row blocks loops over them (block += gx * gy): a config's wave_bytes caps the
// grid of streamed rows (bytes of rows in flight, for L2 reuse of their second read; no default
// sets it: on the H200 it was slower, src/ops/rms_norm.cpp).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_rows.h"  // bindings, push constants pc, spec constants
#include "segments.glsl"  // row_slot, seg_sum2: rows on segments of the workgroup
#include "norm_kind.glsl"              // NORM: RMS, L1 or L2

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
#if !DTYPE_F32
DECLARE_WIDE8(x, readonly)
DECLARE_WIDE8(y, writeonly)
DECLARE_WIDE8(w, readonly restrict)
#endif

const uint NC = ITEMS / VEC;                  // chunks (accesses) per lane
const uint QPC = VEC == 8 ? 2 : 1;            // vec4 registers per chunk (VEC >= 4)
const uint NQ = VEC >= 4 ? NC * QPC : 1;      // vec4 registers per lane (VEC >= 4)
const uint NS = VEC == 1 ? ITEMS : 1;         // float registers per lane (VEC == 1)

// Chunk of VEC elements starting at element index i (a multiple of VEC) as two vec4 (lo, hi);
// unused components are 0 (VEC 1: lo.x only; VEC 4: lo only).
void load_x(uint i, out vec4 lo, out vec4 hi) {
  lo = vec4(0.0);
  hi = vec4(0.0);
  if (VEC == 8) {
    LOAD8(x, i >> 3, lo, hi);
  } else if (VEC == 4) {
    lo = to_f4(WAT(x, i >> 2));
  } else {
    lo.x = LD(x, i);
  }
}

void load_w(uint i, out vec4 lo, out vec4 hi) {
  lo = vec4(1.0);
  hi = vec4(1.0);
  if (pc.has_weight == 0) return;
  if (VEC == 8) {
    LOAD8(w, i >> 3, lo, hi);
  } else if (VEC == 4) {
    lo = to_f4(WAT(w, i >> 2));
  } else {
    lo.x = LD(w, i);
  }
}

void store_y(uint i, vec4 lo, vec4 hi) {
  if (VEC == 8) {
    STORE8(y, i >> 3, lo, hi);
  } else if (VEC == 4) {
    WAT(y, i >> 2) = from_f4(lo);
  } else {
    ST(y, i, lo.x);
  }
}

// Streamed rows with VEC 1 (an odd D or an unaligned row start): elements [0, head) and the
// tail one at a time, the body between in 4-element accesses aligned to the buffer, four
// accesses per lane in flight. `stream_sum` returns the lane's sum of norm terms; `stream_apply`
// writes y = x * r * w over the same elements. The body needs y (and w) at the same alignment
// as x; otherwise the row goes element by element.
struct Stream {
  uint head, nq, body_end;  // body: 4-element groups q in [0, nq) at head + 4 q
};

Stream stream_split(uint xb, uint yb, uint wb) {
  Stream s;
  const bool same = pc.stream4 != 0u && ((xb ^ yb) & 3u) == 0u && (pc.has_weight == 0u || ((xb ^ wb) & 3u) == 0u);
  s.head = same ? min(pc.D, (4u - (xb & 3u)) & 3u) : pc.D;
  s.nq = (pc.D - s.head) / 4u;
  s.body_end = s.head + 4u * s.nq;
  return s;
}

float stream_sum(uint lane, uint xb, Stream s) {
  float ss = 0.0;
  for (uint e = lane; e < s.head; e += LPR) ss += norm_term(LD(x, xb + e));
  const uint xq = (xb + s.head) >> 2;
  uint q = lane;
  for (; q + 3u * LPR < s.nq; q += 4u * LPR) {
    const vec4 a = to_f4(WAT(x, xq + q)), b = to_f4(WAT(x, xq + q + LPR));
    const vec4 c = to_f4(WAT(x, xq + q + 2u * LPR)), d = to_f4(WAT(x, xq + q + 3u * LPR));
    ss += (norm_sum(a, b) + norm_sum(c, d));
  }
  for (; q < s.nq; q += LPR) ss += norm_sum(to_f4(WAT(x, xq + q)), vec4(0.0));
  for (uint e = s.body_end + lane; e < pc.D; e += LPR) ss += norm_term(LD(x, xb + e));
  return ss;
}

// Backwards through the row (tail, body, head): the part stream_sum read last is the likeliest
// to be still in L2.
void stream_apply(uint lane, uint xb, uint yb, uint wb, Stream s, float r) {
  const bool hw = pc.has_weight != 0u;
  for (uint e = s.body_end + lane; e < pc.D; e += LPR) ST(y, yb + e, LD(x, xb + e) * r * (hw ? LD(w, wb + e) : 1.0));
  const uint xq = (xb + s.head) >> 2, yq = (yb + s.head) >> 2, wq = (wb + s.head) >> 2;
  if (lane < s.nq)
    for (uint q = lane + (s.nq - 1u - lane) / LPR * LPR;; q -= LPR) {
      const vec4 wv = hw ? to_f4(WAT(w, wq + q)) : vec4(1.0);
      WAT(y, yq + q) = from_f4(to_f4(WAT(x, xq + q)) * r * wv);
      if (q < LPR) break;
    }
  for (uint e = lane; e < s.head; e += LPR) ST(y, yb + e, LD(x, xb + e) * r * (hw ? LD(w, wb + e) : 1.0));
}

void norm_block(uint block) {
  const uint slot = row_slot();
  const uint lane = slot % LPR;
  const uint row = block * (WG / LPR) + slot / LPR;
  const bool ok = row < pc.rows;
  const uint xb = OFF(x) + row * pc.x_rs;
  const uint yb = OFF(y) + row * pc.y_rs;
  const uint wb = OFF(w);
  const float inv_d = 1.0 / float(pc.D);
  const uint step = LPR * VEC;  // elements between a lane's consecutive chunks

  if (pc.D > LPR * ITEMS && VEC == 1) {
    // Streamed, element-aligned rows: see stream_split.
    const Stream s = stream_split(xb, yb, wb);
    const float r = norm_scale(seg_sum2(vec2(ok ? stream_sum(lane, xb, s) : 0.0, 0.0), LPR).x, inv_d, pc.eps);
    if (ok) stream_apply(lane, xb, yb, wb, s, r);
    return;
  }
  if (pc.D > LPR * ITEMS) {
    // Streamed: sum of squares, then a second read of x. In place stays correct: each element
    // is read again and written by the same invocation, after every read of the first pass.
    float ss = 0.0;
    if (ok)
      for (uint e = lane * VEC; e < pc.D; e += step) {
        vec4 a, b;
        load_x(xb + e, a, b);
        ss += norm_sum(a, b);
      }
    const float r = norm_scale(seg_sum2(vec2(ss, 0.0), LPR).x, inv_d, pc.eps);
    // The second read goes backwards (the part read last is the likeliest to be in L2).
    if (ok && lane * VEC < pc.D)
      for (uint e = lane * VEC + (pc.D - 1u - lane * VEC) / step * step;; e -= step) {
        vec4 a, b, wa, wc;
        load_x(xb + e, a, b);
        load_w(wb + e, wa, wc);
        store_y(yb + e, a * r * wa, b * r * wc);
        if (e < step) break;
      }
    return;
  }

  if (VEC >= 4) {
    vec4 v[NQ];
    float ss = 0.0;
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      vec4 a = vec4(0.0), b = vec4(0.0);
      if (ok && e < pc.D) load_x(xb + e, a, b);
      v[t * QPC] = a;
      if (QPC == 2) v[t * QPC + QPC - 1] = b;  // index in range whatever QPC is
      ss += norm_sum(a, b);
    }
    const float r = norm_scale(seg_sum2(vec2(ss, 0.0), LPR).x, inv_d, pc.eps);
    if (!ok) return;
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      if (e >= pc.D) break;
      vec4 wa, wc;
      load_w(wb + e, wa, wc);
      const vec4 a = v[t * QPC];
      const vec4 b = QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0);
      store_y(yb + e, a * r * wa, b * r * wc);
    }
  } else {
    float v[NS];
    float ss = 0.0;
    for (uint t = 0; t < NS; ++t) {
      const uint e = lane + t * LPR;
      v[t] = (ok && e < pc.D) ? LD(x, xb + e) : 0.0;
      ss += norm_term(v[t]);
    }
    const float r = norm_scale(seg_sum2(vec2(ss, 0.0), LPR).x, inv_d, pc.eps);
    if (!ok) return;
    for (uint t = 0; t < NS; ++t) {
      const uint e = lane + t * LPR;
      if (e >= pc.D) break;
      const float wv = pc.has_weight != 0 ? LD(w, wb + e) : 1.0;
      ST(y, yb + e, v[t] * r * wv);
    }
  }
}

void main() {
  const uint blocks = (pc.rows + (WG / LPR) - 1u) / (WG / LPR);
  const uint grid = gl_NumWorkGroups.x * gl_NumWorkGroups.y;
  for (uint b = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x; b < blocks; b += grid) norm_block(b);
}
