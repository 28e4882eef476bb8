#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// BatchNorm training in one pass where a channel's N x S values fit one workgroup's registers
// (NS <= WG x ITEMS): workgroup c loads channel c once, reduces its mean and corrected
// two-pass variance exactly (values stay in registers), writes the saved and running
// statistics as batch_norm_merge does, then y. Replaces stats + merge + apply (three
// dispatches, two reads of x) for the late layers of CNNs, whose channels are short and many.
// Index j = n * S + s as in batch_norm_stats; VEC = 4: four adjacent positions (S % 4 == 0,
// unit position strides). Each invocation reads and writes only its own elements: y may be x.
// grid = (1, channels of this dispatch from c_base).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/batch_norm_channel.h"  // bindings, push constants pc, spec constants

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

uint plane_index(uint j, uint sn, uint ss) {
  uint n = j / pc.S;
  return n * sn + (j - n * pc.S) * ss;
}

void main() {
  const uint c = gl_WorkGroupID.y + pc.c_base;
  const uint lid = gl_LocalInvocationIndex;
  const uint xb = OFF(x) + c * pc.x_sc, yb = OFF(y) + c * pc.y_sc;
  // Loads first, then the sum: the form the H200 measured (2026-12-05, ResNet-50 (32, 2048, 7, 7):
  // 17.6 us). Not a general rule: the same order made 16-bit LayerNorm rows slower. Unused
  // items hold 0.
  float v[ITEMS];
  for (uint t = 0; t < NV; ++t) {
    const uint e = (lid + t * WG) * VEC;
    if (VEC == 4) {
      vec4 q = e < pc.NS ? to_f4(WAT(x, (xb + plane_index(e, pc.x_sn, pc.x_ss)) >> 2)) : vec4(0.0);
      v[t * 4] = q.x; v[t * 4 + 1] = q.y; v[t * 4 + 2] = q.z; v[t * 4 + 3] = q.w;
    } else {
      v[t] = e < pc.NS ? LD(x, xb + plane_index(e, pc.x_sn, pc.x_ss)) : 0.0;
    }
  }
  float s = 0.0;
  for (uint t = 0; t < NV; ++t) {
    float cs = 0.0;  // one access's elements
    for (uint k = 0; k < VEC; ++k) cs += v[t * VEC + k];
    s += cs;
  }
  const float inv_n = 1.0 / float(pc.NS);
  const float mean = wg_sum(s) * inv_n;
  vec2 dd = vec2(0.0);  // (sum of d^2, sum of d), d = x - mean over this invocation's elements;
                        // v[] keeps d
  for (uint t = 0; t < NV; ++t) {
    const uint e = (lid + t * WG) * VEC;
    for (uint k = 0; k < VEC; ++k) {
      const float d = v[t * VEC + k] - mean;  // exact where x is near the mean
      v[t * VEC + k] = d;
      if (e < pc.NS) dd += vec2(d * d, d);
    }
  }
  dd = wg_sum2(dd);
  // The first mean carries the rounding of a sum of large values; mean(d) corrects it.
  const float corr = dd.y * inv_n;
  const float var = corrected_variance(dd.x * inv_n, corr);
  const float invstd = 1.0 / sqrt(var + pc.eps);
  const float wc = (pc.flags & FLAG_WEIGHT) != 0 ? LD(w, OFF(w) + c) : 1.0;
  const float bc = (pc.flags & FLAG_BIAS) != 0 ? LD(b, OFF(b) + c) : 0.0;
  const float a = invstd * wc;
  for (uint t = 0; t < NV; ++t) {
    const uint e = (lid + t * WG) * VEC;
    if (e >= pc.NS) continue;
    if (VEC == 4) {
      vec4 q = vec4(v[t * 4], v[t * 4 + 1], v[t * 4 + 2], v[t * 4 + 3]);
      WAT(y, (yb + plane_index(e, pc.y_sn, pc.y_ss)) >> 2) = from_f4((q - corr) * a + bc);
    } else {
      ST(y, yb + plane_index(e, pc.y_sn, pc.y_ss), (v[t] - corr) * a + bc);
    }
  }
  if (lid != 0) return;
  if ((pc.flags & FLAG_SAVE_MEAN) != 0) FAT(save_mean, OFF(save_mean) + c) = mean + corr;
  if ((pc.flags & FLAG_SAVE_INVSTD) != 0) FAT(save_invstd, OFF(save_invstd) + c) = invstd;
  if ((pc.flags & FLAG_RUNNING) != 0) {
    // NS >= 2 (the runtime refuses training with one value per channel).
    const float unbiased = var * (float(pc.NS) * (1.0 / float(pc.NS - 1u)));
    const float mo = pc.momentum;
    FAT(running_mean, OFF(running_mean) + c) = mo * (mean + corr) + (1.0 - mo) * FAT(running_mean, OFF(running_mean) + c);
    FAT(running_var, OFF(running_var) + c) = mo * unbiased + (1.0 - mo) * FAT(running_var, OFF(running_var) + c);
  }
}
