#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// RMSNorm over the trailing dims (optional fused residual add) with an 8-bit y (int8, float8
// e4m3fn or e5m2: QFMT) and a per-row dynamic or a static scale. Its own module because it declares StorageBuffer8BitAccess,
// which a device without 8-bit storage cannot load. The kernel is rms_norm_last.glsl.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#include "common.glsl"
#include "contracts/rms_norm_last_q8.h"  // bindings, push constants pc, spec constants, FLAG_*
#include "segments.glsl"  // row_slot, seg_sum2: rows on segments of the workgroup
#define OUT_I8 1
#include "rms_norm_last.glsl"
