#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm over the trailing dims with an optional fused residual add; y in the storage dtype.
// The kernel is rms_norm_last.glsl (shared with the int8-output rms_norm_last_q8.comp).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/rms_norm_last.h"  // bindings, push constants pc, spec constants, FLAG_*
#include "segments.glsl"  // row_slot, seg_sum2: rows on segments of the workgroup
#define OUT_I8 0
#include "rms_norm_last.glsl"
