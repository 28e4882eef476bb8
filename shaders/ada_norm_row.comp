#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// Adaptive LayerNorm / RMSNorm of DiT blocks (ada_norm) with the row in registers:
// layer_norm_row.glsl with ADAPTIVE (optional gated residual add in front, modulation after).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/ada_norm_row.h"  // bindings, push constants pc, spec constants
#include "segments.glsl"  // row_slot, seg_sum2: rows on segments of the workgroup
#define ADD_RESIDUAL 1
#define ADAPTIVE 1
#define CHANNEL_AFFINE 0
#include "layer_norm_row.glsl"
