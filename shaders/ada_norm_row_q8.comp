#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// Adaptive LayerNorm / RMSNorm of DiT blocks (ada_norm) with an 8-bit y (int8, float8 e4m3fn
// or e5m2: QFMT) and a per-row dynamic or a static scale. Its own module because it declares
// StorageBuffer8BitAccess, which a device without 8-bit storage cannot load. The kernel is
// layer_norm_row.glsl with ADAPTIVE and OUT_I8 (codes: quantize.glsl).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#include "common.glsl"
#include "contracts/ada_norm_row_q8.h"  // bindings, push constants pc, spec constants
#include "segments.glsl"  // row_slot, seg_sum2, seg_sum_max: rows on segments of the workgroup
#define ADD_RESIDUAL 1
#define ADAPTIVE 1
#define CHANNEL_AFFINE 0
#define OUT_I8 1
#include "layer_norm_row.glsl"
