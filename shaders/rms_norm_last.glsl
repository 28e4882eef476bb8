// RMSNorm over the trailing dimensions (torch.nn.functional.rms_norm), optionally fused with a
// residual add and a quantized output. Body of rms_norm_last.comp and rms_norm_last_q8.comp (which
// defines OUT_I8: y holds 8-bit codes, int8 or float8 by QFMT). Rows are the leading dims viewed as (outer, inner) with
// one stride each (so q / k slices of a fused QKV buffer and per-head (tokens, heads, dim)
// views run in place); the D elements of a row are contiguous.
//   h = x + residual (rounded to residual's dtype), or x        [FLAG_RESIDUAL]
//   (residual / residual_out in fp32 beside 16-bit x: RES_F32)
//   ... + ab, a D-element bias, summed in fp32 before the rounding [ADD_BIAS]
//   residual_out = h                                             [FLAG_WRITE_RESIDUAL]
//   r = 1 / sqrt(mean(h^2) + eps);  rstd = r                     [FLAG_WRITE_RSTD]
//   y = h * r * (weight_offset + w)   (w = weight, or 1 without) [FLAG_WEIGHT]
//   OUT_I8: q = code(clamp(y / s, -QMAX, QMAX)) with s = max|y| / QMAX per row, written to
//   y_scale [FLAG_DYNAMIC_SCALE], or per group of pc.scale_group consecutive elements of a row
//   (FLAG_DYNAMIC_SCALE and scale_group > 0: y_scale is rows x ceil(D / G); the row in
//   registers, G a multiple of VEC), or the static scale pc.static_scale; QFMT 0: int8 (roundEven,
//   QMAX 127), 1: float8 e4m3fn (QMAX 448), 2: float8 e5m2 (QMAX 57344), rounded to nearest even
//   (the codes: quantize.glsl, shared with ada_norm_row_q8).
// A workgroup handles WG / LPR rows with LPR lanes per row; each lane keeps up to ITEMS
// elements in registers, VEC per access (1, 4, or 8 for 16-bit data). Longer rows are streamed
// (read again per pass). The row sums go through seg_sum2 (segments.glsl).
// In place: y may be x, and residual_out may be residual: every element is read, before it is
// written, by the invocation that writes it; the streamed passes re-read h from residual_out
// when it is written. Those tensors are declared without `restrict`.
// grid = (gx, gy): row block = x + y * gx (rows past pc.rows only join the barriers).
// Included after common.glsl and the kernel's contract (bindings, pc, ITEMS / VEC / LPR, FLAG_*).

#define HAS_W ((pc.flags & FLAG_WEIGHT) != 0u)
#define HAS_RES ((pc.flags & FLAG_RESIDUAL) != 0u)
#define WRITE_RES ((pc.flags & FLAG_WRITE_RESIDUAL) != 0u)
#define WRITE_RSTD ((pc.flags & FLAG_WRITE_RSTD) != 0u)
#define DYNAMIC ((pc.flags & FLAG_DYNAMIC_SCALE) != 0u)
#define HAS_AB (ADD_BIAS != 0u)  // a specialization constant

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(res, DATA_T, readonly)
DECLARE_WIDE(res, WIDE_T, readonly)
DECLARE_TENSOR(ro, DATA_T, )
DECLARE_WIDE(ro, WIDE_T, )
DECLARE_ALT_F32(res, readonly)  // residual / residual_out in fp32 beside 16-bit x (RES_F32)
DECLARE_ALT_F32(ro, )
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_WIDE(w, WIDE_T, readonly restrict)
DECLARE_PARAM_F32(w)  // weight in fp32 beside 16-bit x (PARAM_F32)
DECLARE_TENSOR(ab, DATA_T, readonly restrict)
DECLARE_WIDE(ab, WIDE_T, readonly restrict)
DECLARE_F32(rstd, writeonly restrict)
DECLARE_F32(scale, writeonly restrict)
#if !DTYPE_F32
DECLARE_WIDE8(x, readonly)
DECLARE_WIDE8(res, readonly)
DECLARE_WIDE8(ro, )
DECLARE_WIDE8(w, readonly restrict)
DECLARE_WIDE8(ab, readonly restrict)
#endif
#include "quantize.glsl"  // QMAX, y's codes (OUT_I8), store_codes, inverse_scale
#if !OUT_I8
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
#if !DTYPE_F32
DECLARE_WIDE8(y, writeonly)
#endif
#endif

const uint NC = ITEMS / VEC;              // chunks (accesses) per lane
const uint QPC = VEC == 8 ? 2 : 1;        // vec4 registers per chunk (VEC >= 4)
const uint NQ = VEC >= 4 ? NC * QPC : 1;  // vec4 registers per lane (VEC >= 4)
const uint NS = VEC == 1 ? ITEMS : 1;     // float registers per lane (VEC == 1)

// h rounded as residual_out stores it (x's dtype, or fp32 with RES_F32: no rounding).
vec4 round_res(vec4 v) { return RES_F32 != 0u ? v : round_storage(v); }

// h at element index e of the row: x (+ residual, rounded). `again`: a streamed pass after
// the first, which reads h back from residual_out when it was written (residual may be it).
void load_h(uint xb, uint rb, uint ob, uint e, bool again, out vec4 lo, out vec4 hi) {
  if (again && WRITE_RES) {
    XLOAD_CHUNK(RES_F32, ro, ob + e, lo, hi);
    return;
  }
  LOAD_CHUNK(x, xb + e, lo, hi);
  if (HAS_RES) {
    vec4 rl, rh;
    XLOAD_CHUNK(RES_F32, res, rb + e, rl, rh);
    lo += rl;
    hi += rh;
    if (HAS_AB) {
      LOAD_CHUNK(ab, OFF(ab) + e, rl, rh);
      lo += rl;
      hi += rh;
    }
    lo = round_res(lo);
    hi = round_res(hi);
  }
}

void load_w(uint e, out vec4 lo, out vec4 hi) {
  if (!HAS_W) {
    lo = vec4(1.0);
    hi = vec4(1.0);
    return;
  }
  PLOAD_CHUNK(w, OFF(w) + e, lo, hi);
  lo += pc.weight_offset;
  hi += pc.weight_offset;
}

float max_abs(vec4 a, vec4 b) {
  const vec4 m = max(abs(a), abs(b));
  return max(max(m.x, m.y), max(m.z, m.w));
}

#if OUT_I8
void store_y(uint i, vec4 lo, vec4 hi, float inv) { store_codes(i, lo, hi, inv); }

// Per-group dynamic scales (pc.scale_group = G > 0): max |h * w| of every group of the
// workgroup's rows through shared-memory atomics on its bits (a non-negative float's bits
// order as the float does, and a maximum is exact: the result does not depend on the order
// the lanes arrive in). GSLOTS = rows per workgroup x the most groups a row in registers has.
// The callers are in uniform control flow (the barriers), rows past pc.rows included.
shared uint group_max[GSLOTS];
uint group_base() { return (row_slot() / LPR) * (GSLOTS / (WG / LPR)); }
void group_max_begin(uint base, uint groups, uint lane) {
  for (uint j = lane; j < groups; j += LPR) group_max[base + j] = 0u;
  barrier();
}
// Element e of the row starts a chunk whose elements (max |h * w| = m) share one group.
void group_max_add(uint base, uint e, float m) { atomicMax(group_max[base + e / pc.scale_group], floatBitsToUint(m)); }
// After every group_max_add: the row's scales max|y| / QMAX, y = h * w * r (row r of the dispatch).
void group_max_end(uint base, uint groups, uint lane, bool ok, uint row, float r) {
  barrier();
  if (ok)
    for (uint j = lane; j < groups; j += LPR)
      FAT(scale, OFF(scale) + row * groups + j) = uintBitsToFloat(group_max[base + j]) * r / QMAX;
}
// 1 / scale of the group holding element e (as inverse_scale: an all-zero group gets 0).
float group_inverse(uint base, uint e, float r) {
  const float amax = uintBitsToFloat(group_max[base + e / pc.scale_group]) * r;
  return amax > 0.0 ? QMAX / amax : 0.0;
}
#else
void store_y(uint i, vec4 lo, vec4 hi, float inv) { STORE_CHUNK(y, i, lo, hi); }
#endif

void main() {
  const uint slot = row_slot();
  const uint lane = slot % LPR;
  const uint block = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  const uint row = block * (WG / LPR) + slot / LPR;
  const bool ok = row < pc.rows;
  const uint ro_ = ok ? row / pc.inner : 0u, ri = ok ? row % pc.inner : 0u;
  const uint xb = OFF(x) + ro_ * pc.x_so + ri * pc.x_si;
  const uint rb = OFF(res) + ro_ * pc.res_so + ri * pc.res_si;
  const uint ob = OFF(ro) + ro_ * pc.ro_so + ri * pc.ro_si;
  const uint yb = OFF(y) + ro_ * pc.y_so + ri * pc.y_si;
  const float inv_d = 1.0 / float(pc.D);
  const uint step = LPR * VEC;  // elements between a lane's consecutive chunks
  const bool writer = ok && lane == 0;
#if OUT_I8
  // A dynamic scale needs y before any store: the registers take h * w (weight_first). One
  // scale per row: max|h * w| joins the row's reduction (need_max); per group: group_max.
  const bool grouped = DYNAMIC && pc.scale_group != 0u;
  const bool weight_first = DYNAMIC, need_max = DYNAMIC && !grouped;
  const uint groups = grouped ? (pc.D + pc.scale_group - 1u) / pc.scale_group : 0u;
#else
  const bool grouped = false, weight_first = false, need_max = false;
#endif

  if (pc.D > LPR * ITEMS) {
    // (Per-group scales never come here: the host keeps their rows in registers.)
    // Streamed: sum of squares (writing residual_out) [and max |h * w|], then the output pass.
    float ss = 0.0, hw_max = 0.0;
    if (ok)
      for (uint e = lane * VEC; e < pc.D; e += step) {
        vec4 a, b;
        load_h(xb, rb, ob, e, false, a, b);
        if (WRITE_RES) XSTORE_CHUNK(RES_F32, ro, ob + e, a, b);
        ss += dot(a, a) + dot(b, b);
        if (need_max) {
          vec4 wa, wc;
          load_w(e, wa, wc);
          hw_max = max(hw_max, max_abs(a * wa, b * wc));
        }
      }
    const vec2 red = need_max ? seg_sum_max(vec2(ss, hw_max), LPR) : seg_sum2(vec2(ss, 0.0), LPR);
    const float r = 1.0 / sqrt(red.x * inv_d + pc.eps);
    if (WRITE_RSTD && writer) FAT(rstd, OFF(rstd) + row) = r;
    const float inv = inverse_scale(red.y * r, writer, row);
    if (ok)
      for (uint e = lane * VEC; e < pc.D; e += step) {
        vec4 a, b, wa, wc;
        load_h(xb, rb, ob, e, true, a, b);
        load_w(e, wa, wc);
        store_y(yb + e, a * (r * wa), b * (r * wc), inv);
      }
    return;
  }

  if (VEC >= 4) {
    // Every load of the row is issued before any of them is used: x's chunks, then the
    // residual's, then the sums (an add between two loads made each chunk wait for the one
    // before: (32768, 8192) f16 ran at 74% of the copy roofline instead of 98%). And no store
    // before the loads: ro may alias x or residual.
    vec4 v[NQ];
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      vec4 a = vec4(0.0), b = vec4(0.0);
      if (ok && e < pc.D) LOAD_CHUNK(x, xb + e, a, b);
      v[t * QPC] = a;
      if (QPC == 2) v[t * QPC + QPC - 1] = b;  // index in range whatever QPC is
    }
    if (HAS_RES) {
      vec4 rv[NQ];
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        vec4 a = vec4(0.0), b = vec4(0.0);
        if (ok && e < pc.D) XLOAD_CHUNK(RES_F32, res, rb + e, a, b);
        rv[t * QPC] = a;
        if (QPC == 2) rv[t * QPC + QPC - 1] = b;
      }
      if (HAS_AB) {
        // The bias is one D-vector every row shares (in cache): loaded where it is added.
        for (uint t = 0; t < NC; ++t) {
          const uint e = lane * VEC + t * step;
          vec4 a = vec4(0.0), b = vec4(0.0);
          if (ok && e < pc.D) LOAD_CHUNK(ab, OFF(ab) + e, a, b);
          v[t * QPC] = (v[t * QPC] + rv[t * QPC]) + a;
          if (QPC == 2) v[t * QPC + QPC - 1] = (v[t * QPC + QPC - 1] + rv[t * QPC + QPC - 1]) + b;
        }
        for (uint q = 0; q < NQ; ++q) v[q] = round_res(v[q]);  // padding stays 0
      } else {
        for (uint q = 0; q < NQ; ++q) v[q] = round_res(v[q] + rv[q]);  // padding stays 0
      }
    }
    float ss = 0.0;
    for (uint q = 0; q < NQ; ++q) ss += dot(v[q], v[q]);
    if (WRITE_RES && ok)
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        if (e >= pc.D) break;
        XSTORE_CHUNK(RES_F32, ro, ob + e, v[t * QPC], (QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0)));
      }
    // A dynamic scale needs max|y| = rstd * max|h * w| before any store: the registers take
    // h * w in place (the store loop then needs no weight) and max|h * w| joins the sum of
    // squares in one reduction (a second, max-only one cost a shared-memory tree per row).
    // Without it (need_max is a constant false in the 16/32-bit module) the weight is applied
    // in the store loop, the shape the compiler keeps in registers best.
    float hw_max = 0.0;
    if (weight_first && ok)
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        if (e >= pc.D) break;
        vec4 wa, wc;
        load_w(e, wa, wc);
        v[t * QPC] *= wa;
        if (QPC == 2) v[t * QPC + QPC - 1] *= wc;
        hw_max = max(hw_max, max_abs(v[t * QPC], QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0)));
      }
    const vec2 red = need_max ? seg_sum_max(vec2(ss, hw_max), LPR) : seg_sum2(vec2(ss, 0.0), LPR);
    const float r = 1.0 / sqrt(red.x * inv_d + pc.eps);
    if (WRITE_RSTD && writer) FAT(rstd, OFF(rstd) + row) = r;
#if OUT_I8
    if (grouped) {
      const uint gb = group_base();
      group_max_begin(gb, groups, lane);
      if (ok)
        for (uint t = 0; t < NC; ++t) {
          const uint e = lane * VEC + t * step;
          if (e >= pc.D) break;
          group_max_add(gb, e, max_abs(v[t * QPC], QPC == 2 ? v[t * QPC + QPC - 1] : vec4(0.0)));
        }
      group_max_end(gb, groups, lane, ok, row, r);
      if (!ok) return;
      for (uint t = 0; t < NC; ++t) {
        const uint e = lane * VEC + t * step;
        if (e >= pc.D) break;
        store_y(yb + e, v[t * QPC] * r, QPC == 2 ? v[t * QPC + QPC - 1] * r : vec4(0.0), group_inverse(gb, e, r));
      }
      return;
    }
#endif
    const float inv = inverse_scale(red.y * r, writer, row);
    if (!ok) return;
    for (uint t = 0; t < NC; ++t) {
      const uint e = lane * VEC + t * step;
      if (e >= pc.D) break;
      vec4 wa = vec4(1.0), wc = vec4(1.0);
      if (!weight_first) load_w(e, wa, wc);
      const vec4 a = v[t * QPC] * (r * wa);
      const vec4 b = QPC == 2 ? v[t * QPC + QPC - 1] * (r * wc) : vec4(0.0);
      store_y(yb + e, a, b, inv);
    }
  } else {
    float v[NS];
    for (uint t = 0; t < NS; ++t) {  // loads first, as above
      const uint e = lane + t * LPR;
      v[t] = ok && e < pc.D ? LD(x, xb + e) : 0.0;
    }
    if (HAS_RES) {
      float rv[NS];
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        rv[t] = ok && e < pc.D ? XLD(RES_F32, res, rb + e) : 0.0;
      }
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        const float bias = HAS_AB && ok && e < pc.D ? LD(ab, OFF(ab) + e) : 0.0;
        v[t] = round_res(vec4((v[t] + rv[t]) + bias)).x;
      }
    }
    float ss = 0.0;
    for (uint t = 0; t < NS; ++t) ss += v[t] * v[t];
    if (WRITE_RES && ok)
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        if (e >= pc.D) break;
        XST(RES_F32, ro, ob + e, v[t]);
      }
    float hw_max = 0.0;  // as above
    if (need_max && ok)
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        if (e >= pc.D) break;
        vec4 wa, wc;
        load_w(e, wa, wc);
        hw_max = max(hw_max, abs(v[t] * wa.x));
      }
    const vec2 red = need_max ? seg_sum_max(vec2(ss, hw_max), LPR) : seg_sum2(vec2(ss, 0.0), LPR);
    const float r = 1.0 / sqrt(red.x * inv_d + pc.eps);
    if (WRITE_RSTD && writer) FAT(rstd, OFF(rstd) + row) = r;
#if OUT_I8
    if (grouped) {
      const uint gb = group_base();
      group_max_begin(gb, groups, lane);
      if (ok)
        for (uint t = 0; t < NS; ++t) {
          const uint e = lane + t * LPR;
          if (e >= pc.D) break;
          vec4 wa, wc;
          load_w(e, wa, wc);
          v[t] *= wa.x;
          group_max_add(gb, e, abs(v[t]));
        }
      group_max_end(gb, groups, lane, ok, row, r);
      if (!ok) return;
      for (uint t = 0; t < NS; ++t) {
        const uint e = lane + t * LPR;
        if (e >= pc.D) break;
        store_y(yb + e, vec4(v[t] * r, 0.0, 0.0, 0.0), vec4(0.0), group_inverse(gb, e, r));
      }
      return;
    }
#endif
    const float inv = inverse_scale(red.y * r, writer, row);
    if (!ok) return;
    for (uint t = 0; t < NS; ++t) {
      const uint e = lane + t * LPR;
      if (e >= pc.D) break;
      vec4 wa, wc;
      load_w(e, wa, wc);
      store_y(yb + e, vec4(v[t] * (r * wa.x), 0.0, 0.0, 0.0), vec4(0.0), inv);
    }
  }
}
