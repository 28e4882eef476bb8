#version 450
// vknorm-variants: dtype=f32,f16,bf16 reduce=sg,sh
// LayerNorm forward with the row in registers. The kernel is layer_norm_row.glsl (shared with
// add_layer_norm_row.comp, the fused residual-add form).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/layer_norm_row.h"  // bindings, push constants pc, spec constants
#include "segments.glsl"  // row_slot, seg_sum2: rows on segments of the workgroup
#define ADD_RESIDUAL 0
#define CHANNEL_AFFINE 1
#include "layer_norm_row.glsl"
