#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// Per-head RMSNorm of q and k, then rotary position embedding; k_out in k's dtype. The kernel
// is qk_norm_rope.glsl (shared with qk_norm_rope_kf16.comp, an f16 k_out beside f32 / bf16).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/qk_norm_rope.h"  // bindings, push constants pc, spec constants, FLAG_*
#include "segments.glsl"  // row_slot, seg_sum2: heads on segments of the workgroup
#define KOUT_F16 0
#include "qk_norm_rope.glsl"
