// What the LayerNorm and RMSNorm backward passes plan alike (layer_norm_backward.cpp,
// rms_norm_backward.cpp): the rows of dy / x / dx and their checks, the problem and its split
// config, the windows of rows bound at once with the row blocks inside them, the checks before
// the dispatches, the views of one window and the column-sum passes. Each op keeps its per-row
// statistics (mean / rstd), its weight outputs, its scratch layout and its kernels' push
// constants.
#pragma once

#include "layer_norm_rows.h"

#include "core/placeholders.h"
#include "core/plan.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vknorm::detail {

struct BackwardRows {
  RowLayout x, dy, dx;  // dx: only when dx is set
  uint64_t R = 0, D = 0;
  uint64_t es = 0;      // bytes per element of x
};

// The checks both passes run first: the context, dy and x (set, the same shape and float
// dtype, rows of `normalized_rank` contiguous dims), a non-empty row, and dx when set (x's
// shape and dtype, the same row view).
// Batch invariance of the backward passes (OpSpec::batch_invariant_fields): dx is promised
// invariant and depends on how a row is split and reduced (split, workgroup size, items,
// vector width), not on how many rows a workgroup loops over (rows_per_workgroup), which
// decides only dweight's partials (sums over the batch, not invariant). H200, 2026-12-05: the
// large batch's rows per workgroup made small batches up to 10x slower.
void backward_invariant_fields(const KernelConfig& large_batch, KernelConfig* c);

Error check_backward_rows(Context* ctx, const Tensor& dy, const Tensor& x, const Tensor& dx, int normalized_rank,
                          BackwardRows* out);

// The problem of the call (4-element accesses where every row tensor allows them) and its
// config, in res->config.
Error choose_backward_config(Context* ctx, Op op, const BackwardRows& rows, const Tensor& dy, const Tensor& x,
                             const Tensor& dx, const Tensor& weight, const KernelConfig* given, Problem* p,
                             PlanResult* res);

// Windows: row ranges bound at once (x, dy, dx and one fp32 statistic per row each within one
// binding's range and the device's workgroup count in y), a multiple of rows_per_workgroup when
// the rows need several; total_blocks counts the row blocks of all windows.
struct BackwardWindows {
  uint64_t win = 0, total_blocks = 0;
};
Error backward_windows(const Context* ctx, const Planner& pl, const BackwardRows& rows, const Tensor& dx,
                       const KernelConfig& c, BackwardWindows* out);

// Row chunks of one workgroup per row (of the main pass) and rows of the row-sums pass's
// workgroups (split), elements per row-sums workgroup rounded up to 4.
inline uint64_t backward_chunks(const BackwardRows& rows, const KernelConfig& c) {
  return ceil_div(rows.D, uint64_t(c.workgroup_size) * c.items_per_invocation);
}
inline uint64_t backward_span(const BackwardRows& rows, const KernelConfig& c) {
  return (ceil_div(rows.D, c.split) + 3) / 4 * 4;
}

// The checks between planning and the dispatches: workgroups per row within the device's x
// count, the scratch the call was given (resolved into *scratch) and, in descriptor mode, its range within one binding.
// Sets plan->address_mode.
Error check_backward_dispatch(Context* ctx, const Planner& pl, const BackwardRows& rows, const KernelConfig& c,
                              const Tensor& given_scratch, uint64_t scratch_bytes, Plan* plan, Tensor* scratch);

// Views of x, dy and dx (a dummy view of dx_unset_of where dx is not set) for the k rows from
// row r0.
struct BackwardWindowViews {
  BufferView x, dy, dx;
};
BackwardWindowViews backward_window_views(const Planner& pl, const BackwardRows& rows, const Tensor& x,
                                          const Tensor& dy, const Tensor& dx, const Tensor& dx_unset_of,
                                          uint64_t r0, uint64_t k);

// WG / ITEMS / VEC of the main and row-sums kernels' Spec from the config.
template <class Spec>
Spec backward_spec(const KernelConfig& c) {
  Spec s;
  s.WG = c.workgroup_size;
  s.ITEMS = c.items_per_invocation;
  s.VEC = c.vector_width;
  return s;
}

// The column-sum passes over total_blocks partial rows of D columns: emit(shape, gx_base,
// groups_x) once per dispatch (the columns' workgroups in slices of the device's x count).
template <class Emit>
void for_each_colsum_pass(const Context* ctx, uint64_t total_blocks, uint64_t D, Emit emit) {
  const ColsumShape shape = colsum_shape(total_blocks, ctx->profile);
  const uint64_t groups = ceil_div(D, shape.columns());
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0];
  for (uint64_t g0 = 0; g0 < groups; g0 += max_gx) emit(shape, uint32_t(g0), uint32_t(std::min(max_gx, groups - g0)));
}

// prepare(): placeholders of x's shape and dtype for dy, x and dx, then the op's per-row
// statistics (per_row(&args, rows): fp32, one per row), dweight when info.weight_grads, the
// config and the scratch the call needs; prepares that call. Rows and row length are 1 when
// normalized_rank is out of range (the planner reports it).
template <class Args, class PerRow>
Error prepare_backward(Context* ctx, const PrepareInfo& info, Placeholders* ph, PerRow per_row,
                       Error (*scratch_size)(Context*, const Args&, VkDeviceSize*),
                       Error (*prepare)(Context*, const Args&)) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  const int nr = info.normalized_rank;
  const bool nr_ok = nr >= 1 && nr <= info.rank;
  const int64_t rows = nr_ok ? product(dims(info, 0, info.rank - nr)) : 1;
  const int64_t D = nr_ok ? product(dims(info, info.rank - nr, info.rank)) : 1;
  Args a;
  a.dy = ph->tensor(info.dtype, shape);
  a.x = ph->tensor(info.dtype, shape);
  a.dx = ph->tensor(info.dtype, shape);
  per_row(&a, rows);
  if (info.weight_grads) a.dweight = ph->tensor(info.dtype, {D});
  a.normalized_rank = nr;
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare(ctx, a);
}

}  // namespace vknorm::detail
