#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// BatchNorm training, pass 2: workgroup c merges channel c's partials (exactly, in a fixed
// order, around the shift of its first partial, as layer_norm_apply does for a row), then
// writes the apply coefficients (shift, mean - shift, invstd * weight, bias), the saved mean and
// invstd (biased variance), and updates the running statistics with the unbiased variance:
//   running = momentum * batch + (1 - momentum) * running   (torch's formula).
// grid = (channels of this dispatch, 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/batch_norm_merge.h"  // bindings, push constants pc

DECLARE_TENSOR(w, DATA_T, readonly restrict)
DECLARE_TENSOR(b, DATA_T, readonly restrict)
DECLARE_F32(save_mean, writeonly restrict)
DECLARE_F32(save_invstd, writeonly restrict)
DECLARE_F32(running_mean, restrict)
DECLARE_F32(running_var, restrict)
DECLARE_VEC4(part, restrict)

void main() {
  const uint c = gl_WorkGroupID.x + pc.gx_base;
  const uint lid = gl_LocalInvocationIndex;
  const uint pb = pc.part_off + c * pc.part_cs;
  const float inv_n = 1.0 / float(pc.count);
  // Partial i holds (mean_i - shift_i, M2_i, count_i, shift_i); re-express each mean relative
  // to shift_0, then merge exactly: total mean, then sum of M2_i + n_i (mean_i - mean)^2.
  const float shift = V4AT(part, pb).w;
  // precise (NoContraction): (q.w - shift) + q.x regrouped as (q.w + q.x) - shift would round
  // at the data's magnitude and undo the shift.
  precise float s = 0.0;
  for (uint i = lid; i < pc.part_cs; i += WG) {
    vec4 q = V4AT(part, pb + i);
    s += float(floatBitsToUint(q.z)) * ((q.w - shift) + q.x);
  }
  const float m = wg_sum(s) * inv_n;
  float s2 = 0.0;
  for (uint i = lid; i < pc.part_cs; i += WG) {
    vec4 q = V4AT(part, pb + i);
    precise float d = ((q.w - shift) + q.x) - m;
    s2 += q.y + float(floatBitsToUint(q.z)) * d * d;
  }
  const float m2 = wg_sum(s2);
  if (lid != 0) return;
  const float mean = shift + m;
  const float invstd = 1.0 / sqrt(m2 * inv_n + pc.eps);
  const float wc = (pc.flags & FLAG_WEIGHT) != 0 ? LD(w, OFF(w) + c) : 1.0;
  const float bc = (pc.flags & FLAG_BIAS) != 0 ? LD(b, OFF(b) + c) : 0.0;
  V4AT(part, pc.coef_off + c) = vec4(shift, m, invstd * wc, bc);
  if ((pc.flags & FLAG_SAVE_MEAN) != 0) FAT(save_mean, OFF(save_mean) + c) = mean;
  if ((pc.flags & FLAG_SAVE_INVSTD) != 0) FAT(save_invstd, OFF(save_invstd) + c) = invstd;
  if ((pc.flags & FLAG_RUNNING) != 0) {
    // count >= 2 (the runtime refuses training with one value per channel).
    const float unbiased = m2 / float(pc.count - 1u);
    const float mo = pc.momentum;
    FAT(running_mean, OFF(running_mean) + c) = mo * mean + (1.0 - mo) * FAT(running_mean, OFF(running_mean) + c);
    FAT(running_var, OFF(running_var) + c) = mo * unbiased + (1.0 - mo) * FAT(running_var, OFF(running_var) + c);
  }
}
