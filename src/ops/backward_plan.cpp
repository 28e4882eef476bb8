// What the LayerNorm and RMSNorm backward passes plan alike (see backward_plan.h).
#include "backward_plan.h"

#include "core/config.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include <algorithm>
#include <string>

namespace vknorm::detail {

Error check_backward_rows(Context* ctx, const Tensor& dy, const Tensor& x, const Tensor& dx, int normalized_rank,
                          BackwardRows* out) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if ((e = check_tensor(ctx, dy, "dy")) || (e = check_tensor(ctx, x, "x"))) return e;
  if (!same_shape(x, dy))
    return make_error(Status::invalid_argument, "dy " + shape_string(dy) + " must have x's shape " + shape_string(x));
  if (x.dtype != dy.dtype) return make_error(Status::invalid_argument, "dy must have x's dtype");
  if (Error de = check_float_dtype(x, "x")) return de;
  if ((e = row_layout(x, normalized_rank, "x", &out->x)) || (e = row_layout(dy, normalized_rank, "dy", &out->dy)))
    return e;
  out->R = out->x.rows;
  out->D = out->x.D;
  out->es = dtype_size(x.dtype);
  if (out->D == 0) return make_error(Status::invalid_argument, "the normalized size is 0");
  if (dx.is_set()) {
    if ((e = check_tensor(ctx, dx, "dx"))) return e;
    if (!same_shape(x, dx) || dx.dtype != x.dtype)
      return make_error(Status::invalid_argument, "dx must have x's shape and dtype");
    if ((e = row_layout(dx, normalized_rank, "dx", &out->dx))) return e;
  }
  return ok();
}

Error choose_backward_config(Context* ctx, Op op, const BackwardRows& rows, const Tensor& dy, const Tensor& x,
                             const Tensor& dx, const Tensor& weight, const KernelConfig* given, Problem* p,
                             PlanResult* res) {
  p->op = op;
  p->dtype = x.dtype;
  p->outer = rows.R;
  p->reduce = rows.D;
  p->vec4_ok = rows.D % 4 == 0 && rows.x.row_stride % 4 == 0 && rows.dy.row_stride % 4 == 0 &&
               (!dx.is_set() || rows.dx.row_stride % 4 == 0) && vec4_aligned(x) && vec4_aligned(dy) &&
               vec4_aligned(dx) && vec4_aligned(weight);
  return choose_config(ctx, *p, given, &res->config);
}

Error backward_windows(const Context* ctx, const Planner& pl, const BackwardRows& rows, const Tensor& dx,
                       const KernelConfig& c, BackwardWindows* out) {
  const uint64_t R = rows.R, D = rows.D, es = rows.es;
  std::vector<OuterSpan> spans{{rows.x.row_stride, D, es}, {rows.dy.row_stride, D, es}, {1, 1, 4}};
  if (dx.is_set()) spans.push_back({rows.dx.row_stride, D, es});
  const uint64_t max_gy = ctx->profile.max_workgroup_count[1];
  // Rows per window: the main pass covers them in blocks of rows_per_workgroup on grid y; the
  // row-sums pass of split rows (split > 1) takes one grid row per row.
  const uint64_t grid_rows = c.split > 1 ? max_gy : max_gy * c.rows_per_workgroup;
  uint64_t win = max_window(spans, pl.window_limit_bytes(), grid_rows);
  if (win == 0) return make_error(Status::unsupported, "one row spans more bytes than one binding can address on this device");
  if (win < R) win = std::max<uint64_t>(c.rows_per_workgroup, win / c.rows_per_workgroup * c.rows_per_workgroup);
  uint64_t total_blocks = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += win) total_blocks += ceil_div(std::min(win, R - r0), c.rows_per_workgroup);
  out->win = win;
  out->total_blocks = total_blocks;
  return ok();
}

Error check_backward_dispatch(Context* ctx, const Planner& pl, const BackwardRows& rows, const KernelConfig& c,
                              const Tensor& given_scratch, uint64_t scratch_bytes, Plan* plan, Tensor* scratch) {
  if (backward_chunks(rows, c) > ctx->profile.max_workgroup_count[0] || c.split > ctx->profile.max_workgroup_count[0])
    return make_error(Status::unsupported, "rows of " + std::to_string(rows.D) + " elements need more workgroups per row than the device dispatches");
  if (Error e = check_scratch(ctx, given_scratch, scratch_bytes, scratch)) return e;
  plan->address_mode = pl.address_mode();
  if (!pl.address_mode() && scratch_bytes > pl.window_limit_bytes())
    return make_error(Status::unsupported, "the scratch this call needs exceeds one binding's range");
  return ok();
}

BackwardWindowViews backward_window_views(const Planner& pl, const BackwardRows& rows, const Tensor& x,
                                          const Tensor& dy, const Tensor& dx, const Tensor& dx_unset_of,
                                          uint64_t r0, uint64_t k) {
  const uint64_t D = rows.D, es = rows.es;
  BackwardWindowViews v;
  v.x = pl.view(x, r0 * rows.x.row_stride, OuterSpan{rows.x.row_stride, D, es}.elements(k));
  v.dy = pl.view(dy, r0 * rows.dy.row_stride, OuterSpan{rows.dy.row_stride, D, es}.elements(k));
  v.dx = dx.is_set() ? pl.view(dx, r0 * rows.dx.row_stride, OuterSpan{rows.dx.row_stride, D, es}.elements(k)) : pl.dummy(dx_unset_of);
  return v;
}

void backward_invariant_fields(const KernelConfig& large, KernelConfig* c) {
  c->split = large.split;
  c->workgroup_size = large.workgroup_size;
  c->items_per_invocation = large.items_per_invocation;
  c->vector_width = large.vector_width;
}

}  // namespace vknorm::detail
