#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm over contiguous rows: x viewed as (rows, D) with the reduced dimension contiguous
// (RMSNorm over dim 1 of (N, C) or (N, C, 1, 1); rows may be strided).
//   y = x * rsqrt(mean(x^2) + eps) * w   (NORM 0; the L1 and L2 norms: norm_kind.glsl)
// A workgroup handles RPW = WG / LPR rows with LPR invocations (lanes) per row; short rows pack
// several rows into a workgroup. Each lane keeps up to ITEMS elements of its row in registers,
// VEC per access: 1, 4 (16-byte fp32 / 8-byte 16-bit) or 8 (16-byte 16-bit, uvec4). Rows longer
// than LPR * ITEMS are streamed twice instead (x read twice). The per-row sum goes through
// seg_sum2 (common.glsl), whose row-to-invocation mapping never depends on gl_SubgroupSize.
// In place: every element is read, before any element is written, by the invocation that
// writes it, so y may be x itself; x and y are therefore declared without `restrict`.
// grid = (gx, gy): row block = x + y * gx (rows past pc.rows only join the barriers).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_rows.h"  // bindings, push constants pc, spec constants
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

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint lane = lid % LPR;
  const uint block = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  const uint row = block * (WG / LPR) + lid / LPR;
  const bool ok = row < pc.rows;
  const uint xb = OFF(x) + row * pc.x_rs;
  const uint yb = OFF(y) + row * pc.y_rs;
  const uint wb = OFF(w);
  const float inv_d = 1.0 / float(pc.D);
  const uint step = LPR * VEC;  // elements between a lane's consecutive chunks

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
    if (ok)
      for (uint e = lane * VEC; e < pc.D; e += step) {
        vec4 a, b, wa, wc;
        load_x(xb + e, a, b);
        load_w(wb + e, wa, wc);
        store_y(yb + e, a * r * wa, b * r * wc);
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
