// Per-head RMSNorm of q and k followed by rotary position embedding (vknorm.h, QkNormRopeArgs).
// Body of qk_norm_rope.comp and qk_norm_rope_kf16.comp (KOUT_F16: k_out holds f16 whatever
// DTYPE is). A "row" is one head: row r of the dispatch is token r / (hq + hk), head
// r % (hq + hk), the first hq of q, the others of k. A workgroup holds WG / LPR heads, LPR
// lanes each; every lane keeps ITEMS / 2 rotary pairs in registers, both elements of a pair
// (no shuffle for the rotation). Pair slot p = lane + j LPR (j < ITEMS / 2) covers elements
//   p < rot/2:  neox (p, p + rot/2), gptj (2p, 2p + 1)       rotated with frequency index p
//   p >= rot/2: (rot + 2 (p - rot/2), that + 1)               normalized only
// (a second element past D is padding). Loads of a head by neighbouring lanes are neighbouring
// elements (neox) or pairs of them (gptj).
//   r = 1 / sqrt(mean(x^2) + eps); n = x r w (fp32); out_a = n_a c - n_b s, out_b = n_b c + n_a s.
// cos / sin: FLAG_CACHE from cache row clamp(pos, 0, max_pos - 1) ([cos | sin], rot floats), else
// angle = float(pos) * 2^(i freq), reduced to [-pi, pi] before sin / cos.
// In place: qo may be q and ko may be k (declared without restrict): every element is read by
// the lane that writes it, before the head's sum, so before any store.
// grid = (gx, gy): head block = x + y * gx (heads past pc.rows only join the reduction).

DECLARE_TENSOR(q, DATA_T, readonly)
DECLARE_TENSOR(k, DATA_T, readonly)
DECLARE_TENSOR(qo, DATA_T, writeonly)
#if KOUT_F16
#if BIND_DESC
layout(set = 0, binding = ko_binding, std430) writeonly buffer ko_hblock { uint16_t ko_h[]; };
#define KO_AT(i) ko_h[i]
#else
layout(buffer_reference, std430, buffer_reference_align = 2) buffer HalfRef { uint16_t v[]; };
#define KO_AT(i) HalfRef(pc.ko).v[i]
#endif
#define ST_KO(i, v) KO_AT(i) = uint16_t(packHalf2x16(vec2(v, 0.0)) & 0xffffu)
#else
DECLARE_TENSOR(ko, DATA_T, writeonly)
#define ST_KO(i, v) ST(ko, i, v)
#endif
DECLARE_TENSOR(qw, DATA_T, readonly restrict)
DECLARE_TENSOR(kw, DATA_T, readonly restrict)
DECLARE_I32(pos, readonly restrict)
DECLARE_F32(cs, readonly restrict)

const uint NP = ITEMS / 2;  // rotary pairs per lane

// Elements (a, b) of pair slot p.
void pair_of(uint p, uint half_rot, bool gptj, out uint a, out uint b) {
  if (p < half_rot) {
    a = gptj ? 2u * p : p;
    b = gptj ? 2u * p + 1u : p + half_rot;
  } else {
    a = 2u * half_rot + 2u * (p - half_rot);
    b = a + 1u;
  }
}

float load_x(bool isk, uint i) {
  if (isk) return LD(k, i);
  return LD(q, i);
}

float load_w(bool isk, uint e) {
  if (isk) return (pc.flags & FLAG_K_WEIGHT) != 0u ? LD(kw, OFF(kw) + e) : 1.0;
  return (pc.flags & FLAG_Q_WEIGHT) != 0u ? LD(qw, OFF(qw) + e) : 1.0;
}

void store_out(bool isk, uint i, float v) {
  if (isk) {
    ST_KO(i, v);
  } else {
    ST(qo, i, v);
  }
}

// cos / sin of fp32 angle x: x - k 2pi in two steps (6.28125 has 8 significant bits: k 6.28125
// is exact for |k| < 2^16), then the built-ins on [-pi, pi], where their error is specified.
vec2 cos_sin(float x) {
  const float k = roundEven(x * 0.15915494309189535);
  const float r = (x - k * 6.28125) - k * 1.9353071795864769e-3;
  return vec2(cos(r), sin(r));
}

void main() {
  const uint slot = row_slot();
  const uint lane = slot % LPR;
  const uint block = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  const uint row = block * (WG / LPR) + slot / LPR;
  const bool ok = row < pc.rows;
  const uint hq = pc.heads & 0xffffu, hk = pc.heads >> 16;
  const uint t = ok ? row / (hq + hk) : 0u, h = ok ? row % (hq + hk) : 0u;
  const bool isk = h >= hq;
  const uint hh = isk ? h - hq : h;
  const uint xb = isk ? OFF(k) + t * pc.k_ts + hh * pc.k_hs : OFF(q) + t * pc.q_ts + hh * pc.q_hs;
  const uint ob = isk ? OFF(ko) + t * pc.ko_ts + hh * pc.ko_hs : OFF(qo) + t * pc.qo_ts + hh * pc.qo_hs;
  const uint half_rot = pc.rot >> 1;
  const bool gptj = (pc.flags & FLAG_GPTJ) != 0u;

  // Every load of the head before the sum (and before any store: in place).
  float va[NP], vb[NP];
  float ss = 0.0;
  for (uint j = 0; j < NP; ++j) {
    uint a, b;
    pair_of(lane + j * LPR, half_rot, gptj, a, b);
    va[j] = ok && a < pc.D ? load_x(isk, xb + a) : 0.0;
    vb[j] = ok && b < pc.D ? load_x(isk, xb + b) : 0.0;
    ss += va[j] * va[j] + vb[j] * vb[j];
  }
  const float r = 1.0 / sqrt(seg_sum2(vec2(ss, 0.0), LPR).x / float(pc.D) + pc.eps);
  if (!ok) return;

  const int p = IAT(pos, OFF(pos) + t);
  const bool cached = (pc.flags & FLAG_CACHE) != 0u;
  // Positions are device data: a cache row outside [0, max_pos) is clamped, never read past.
  const uint crow = cached ? uint(clamp(p, 0, int(pc.max_pos) - 1)) * pc.rot : 0u;
  for (uint j = 0; j < NP; ++j) {
    const uint slot_p = lane + j * LPR;
    uint a, b;
    pair_of(slot_p, half_rot, gptj, a, b);
    if (a >= pc.D) break;  // slots only grow with j
    float na = va[j] * r * load_w(isk, a);
    float nb = b < pc.D ? vb[j] * r * load_w(isk, b) : 0.0;
    if (slot_p < half_rot) {
      vec2 c_s;
      if (cached) {
        c_s = vec2(FAT(cs, OFF(cs) + crow + slot_p), FAT(cs, OFF(cs) + crow + half_rot + slot_p));
      } else {
        c_s = cos_sin(float(p) * exp2(float(slot_p) * pc.freq));
      }
      const float ra = na * c_s.x - nb * c_s.y;
      const float rb = nb * c_s.x + na * c_s.y;
      na = ra;
      nb = rb;
    }
    store_out(isk, ob + a, na);
    if (b < pc.D) store_out(isk, ob + b, nb);
  }
}
