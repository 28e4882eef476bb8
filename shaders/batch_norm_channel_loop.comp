#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// BatchNorm training in one dispatch for channels longer than one workgroup's registers but
// short enough to stay in L2 while their workgroup runs: workgroup c streams channel c twice,
// as torch.compile's fused kernel does. Pass 1 reduces it in batches of WG x ITEMS values as
// batch_norm_stats reduces a chunk (shift = fp32 mean of the first batch, exact two-pass per
// batch, Chan merge between batches, exact workgroup merge), writes the saved and running
// statistics as batch_norm_merge does; pass 2 reads the batches again, last first (the likeliest
// to be still in L2), and writes y. One dispatch instead of stats + merge + apply, no scratch.
// Index j = n * S + s; VEC = 4: four adjacent positions (S % 4 == 0, unit position strides).
// Each invocation reads x in pass 2 only at the elements it writes, after every read of pass 1
// by the workgroup (a barrier separates them): y may be x.
// grid = (1, channels of this dispatch from c_base).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/batch_norm_channel_loop.h"  // bindings, push constants pc, spec constants

DECLARE_TENSOR(x, DATA_T, readonly)
DECLARE_WIDE(x, WIDE_T, readonly)
DECLARE_TENSOR(y, DATA_T, writeonly)
DECLARE_WIDE(y, WIDE_T, writeonly)
DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_F32(save_mean, writeonly restrict)
DECLARE_F32(save_invstd, writeonly restrict)
DECLARE_F32(running_mean, restrict)
DECLARE_F32(running_var, restrict)

const uint NV = ITEMS / VEC;
const uint BATCH = WG * ITEMS;

uint plane_index(uint j, uint sn, uint ss) {
  uint n = j / pc.S;
  return n * sn + (j - n * pc.S) * ss;
}

// The ITEMS values of this invocation in the batch at `base` (0 past the channel's end);
// returns how many are in the channel.
uint load_batch(uint xb, uint base, uint lid, out float v[ITEMS]) {
  uint nb = 0;
  for (uint t = 0; t < NV; ++t) {
    const uint e = base + (lid + t * WG) * VEC;
    if (VEC == 4) {
      vec4 q = e < pc.NS ? to_f4(WAT(x, (xb + plane_index(e, pc.x_sn, pc.x_ss)) >> 2)) : vec4(0.0);
      v[t * 4] = q.x; v[t * 4 + 1] = q.y; v[t * 4 + 2] = q.z; v[t * 4 + 3] = q.w;
      if (e < pc.NS) nb += 4;
    } else {
      v[t] = e < pc.NS ? LD(x, xb + plane_index(e, pc.x_sn, pc.x_ss)) : 0.0;
      if (e < pc.NS) nb += 1;
    }
  }
  return nb;
}

void main() {
  const uint c = gl_WorkGroupID.y + pc.c_base;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + c * pc.x_sc, yb = OFF(y) + c * pc.y_sc;
  // Pass 1: (count, mean - shift, M2) per invocation over its values of every batch.
  uint n = 0;
  float mean = 0.0, m2 = 0.0, shift = 0.0;
  for (uint base = 0; base < pc.NS; base += BATCH) {  // base is uniform: uniform control flow
    float v[ITEMS];
    const uint nb = load_batch(xb, base, lid, v);
    // precise (SPIR-V NoContraction): sums of x - shift may not be regrouped into sums of x
    precise float s = 0.0;
    if (base == 0) {
      for (uint i = 0; i < ITEMS; ++i) s += v[i];  // unused items hold 0
      const vec2 first = wg_sum2(vec2(s, float(nb)));
      shift = first.x / first.y;  // the first batch is never empty: NS > 0
    }
    s = 0.0;
    for (uint t = 0; t < NV; ++t) {
      const uint e = base + (lid + t * WG) * VEC;
      for (uint k = 0; k < VEC; ++k) {
        v[t * VEC + k] -= shift;
        if (e < pc.NS) s += v[t * VEC + k];
      }
    }
    if (nb == 0) continue;
    const float mb = s / float(nb);
    float m2b = 0.0;
    for (uint t = 0; t < NV; ++t) {
      const uint e = base + (lid + t * WG) * VEC;
      for (uint k = 0; k < VEC; ++k) {
        const float d = v[t * VEC + k] - mb;
        if (e < pc.NS) m2b += d * d;
      }
    }
    chan_merge(n, mean, m2, nb, mb, m2b);
  }
  // Exact workgroup merge: total mean first, then sum of M2_i + n_i (mean_i - mean)^2.
  const float inv_n = 1.0 / float(pc.NS);
  const float m = wg_sum(float(n) * mean) * inv_n;  // relative to shift
  const float dm = mean - m;
  const float var = wg_sum(m2 + float(n) * dm * dm) * inv_n;
  const float invstd = 1.0 / sqrt(var + pc.eps);
  const float wc = (pc.flags & FLAG_WEIGHT) != 0 ? LD(w, OFF(w) + c) : 1.0;
  const float bc = (pc.flags & FLAG_BIAS) != 0 ? LD(b, OFF(b) + c) : 0.0;
  const float a = invstd * wc;
  if (lid == 0) {
    if ((pc.flags & FLAG_SAVE_MEAN) != 0) FAT(save_mean, OFF(save_mean) + c) = shift + m;
    if ((pc.flags & FLAG_SAVE_INVSTD) != 0) FAT(save_invstd, OFF(save_invstd) + c) = invstd;
    if ((pc.flags & FLAG_RUNNING) != 0) {
      // NS >= 2 (the runtime refuses training with one value per channel).
      const float unbiased = var * (float(pc.NS) * (1.0 / float(pc.NS - 1u)));
      const float mo = pc.momentum;
      FAT(running_mean, OFF(running_mean) + c) = mo * (shift + m) + (1.0 - mo) * FAT(running_mean, OFF(running_mean) + c);
      FAT(running_var, OFF(running_var) + c) = mo * unbiased + (1.0 - mo) * FAT(running_var, OFF(running_var) + c);
    }
  }
  // Pass 2: y = ((x - shift) - m) * a + bias, last batch first. The wg_sum barriers above
  // order every read of pass 1 before any write here (y may be x).
  const uint last = (pc.NS - 1u) / BATCH * BATCH;
  for (uint base = last;; base -= BATCH) {
    float v[ITEMS];
    load_batch(xb, base, lid, v);
    for (uint t = 0; t < NV; ++t) {
      const uint e = base + (lid + t * WG) * VEC;
      if (e >= pc.NS) continue;
      if (VEC == 4) {
        const vec4 q = vec4(v[t * 4], v[t * 4 + 1], v[t * 4 + 2], v[t * 4 + 3]);
        WAT(y, (yb + plane_index(e, pc.y_sn, pc.y_ss)) >> 2) = from_f4(centered(q, shift, m) * a + bc);
      } else {
        ST(y, yb + plane_index(e, pc.y_sn, pc.y_ss), centered(v[t], shift, m) * a + bc);
      }
    }
    if (base == 0) break;
  }
}
