// GroupNorm and InstanceNorm see x (N, C, spatial..) as LayerNorm rows: one row per (sample,
// group) of (C / groups) x spatial contiguous elements (layer_norm_plan.h's GroupAffine).
#pragma once

#include "core/context.h"
#include "core/selector.h"

#include <vknorm/vknorm.h>

#include <cstdint>

namespace vknorm::detail {

// The shape facts of a (N, C, spatial..) tensor.
struct ChannelShape {
  uint64_t N = 0, C = 0, S = 1;  // S: product of the spatial dims (1 for rank 2)
};

// Checks x / y (rank >= min_rank, same shape and dtype, contiguous) and fills the shape.
Error check_channel_tensors(Context* ctx, const Tensor& x, const Tensor& y, int min_rank, ChannelShape* out);

// `t` (N, C, spatial..) viewed as (N x groups, (C / groups) x S) rows; t contiguous.
Tensor group_rows(const Tensor& t, const ChannelShape& s, uint64_t groups);

// LayerNorm's default config, but one row per apply workgroup on split rows: a per-channel
// affine changes with the row's group, so rows sharing a workgroup share nothing, and the
// workgroup would only handle them one after another (H200, KernelBench #35: 5.70 ms with one
// row, 7.23 ms with 64).
void gn_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c);

}  // namespace vknorm::detail
