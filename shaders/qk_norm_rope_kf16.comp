#version 450
// vknorm-variants: dtype=f32,bf16 reduce=sg,sh
// qk_norm_rope with an f16 k_out (a 16-bit KV-cache write) beside f32 / bf16 q and k. Its own
// module: the f32 variant declares StorageBuffer16BitAccess, which the plain f32 module must
// not (a device without 16-bit storage could not load it). f16 q / k use qk_norm_rope.comp.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/qk_norm_rope_kf16.h"  // bindings, push constants pc, spec constants, FLAG_*
#include "segments.glsl"  // row_slot, seg_sum2: heads on segments of the workgroup
#define KOUT_F16 1
#include "qk_norm_rope.glsl"
