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
#include "partial_merge.glsl"  // merge_partials

void main() {
  const uint c = gl_WorkGroupID.x + pc.gx_base;
  const uint lid = gl_LocalInvocationIndex;
  const uint pb = pc.part_off + c * pc.part_cs;
  const float inv_n = 1.0 / float(pc.count);
  // Merged around the first partial's shift.
  const float shift = V4AT(part, pb).w;
  const vec2 mm = merge_partials(pb, pc.part_cs, shift, inv_n);
  const float m = mm.x, m2 = mm.y;
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
