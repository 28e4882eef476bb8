// LayerNorm backward: dx from per-row sums of g = dy*w and g*xhat (computed in registers when one
// chunk covers a row, else by a row-sums pass), dweight/dbias from register accumulators over row
// blocks, summed over blocks by a column pass when there are several. Deterministic.
#include "backward_plan.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/layer_norm_backward.h"
#include "contracts/layer_norm_backward_colsum.h"
#include "contracts/layer_norm_backward_rowsums.h"

#include <algorithm>
#include <string>

namespace vknorm {
using namespace detail;

namespace {

Error plan_backward(Context* ctx, const LayerNormBackwardArgs& a, Plan* plan, PlanResult* res) {
  BackwardRows rows;
  Error e;
  if ((e = check_backward_rows(ctx, a.dy, a.x, a.dx, a.normalized_rank, &rows))) return e;
  const uint64_t R = rows.R, D = rows.D;
  if (!a.mean.is_set() || !a.rstd.is_set())
    return make_error(Status::invalid_argument, "mean and rstd (from the forward pass) are required");
  if ((e = check_f32_per_row(ctx, a.mean, R, "mean")) || (e = check_f32_per_row(ctx, a.rstd, R, "rstd"))) return e;
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, D, a.x.dtype, "weight"))) return e;
  if (a.dweight.is_set() && (e = check_vector(ctx, a.dweight, D, a.x.dtype, "dweight"))) return e;
  if (a.dbias.is_set() && (e = check_vector(ctx, a.dbias, D, a.x.dtype, "dbias"))) return e;

  Problem p;
  if ((e = choose_backward_config(ctx, Op::layer_norm_backward, rows, a.dy, a.x, a.dx, a.weight, a.config, &p, res)))
    return e;
  const KernelConfig& c = res->config;
  const bool fused = c.split == 1;
  const bool want_cols = a.dweight.is_set() || a.dbias.is_set();
  const bool want_any = want_cols || a.dx.is_set();

  bool address_mode = false;
  if ((e = choose_binding_mode(ctx, {&a.x, &a.dy, &a.weight, &a.mean, &a.rstd, &a.dx, &a.dweight, &a.dbias, &a.scratch},
                               &address_mode)))
    return e;
  Planner pl(ctx, address_mode);
  BackwardWindows w;
  if ((e = backward_windows(ctx, pl, rows, a.dx, c, &w))) return e;
  const bool direct = !want_cols || w.total_blocks <= 1;
  const uint64_t rowsum_bytes = fused ? 0 : (R * c.split * 8 + 15) / 16 * 16;
  const uint64_t col_bytes = direct ? 0 : w.total_blocks * 2 * D * 4;
  res->scratch_bytes = rowsum_bytes + col_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.dy, "dy", false}, {&a.x, "x", false}, {&a.weight, "weight", false},
                           {&a.mean, "mean", false}, {&a.rstd, "rstd", false}, {&a.dx, "dx", true},
                           {&a.dweight, "dweight", true}, {&a.dbias, "dbias", true},
                           {&scratch_arg, "scratch", true}},
                          {{"dx", "dy"}})))
    return e;
  if (R == 0 || !want_any) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  Tensor scratch;
  if ((e = check_backward_dispatch(ctx, pl, rows, c, a.scratch, res->scratch_bytes, plan, &scratch))) return e;

  // One scratch binding: row-sum partials (vec2) first, then the fp32 column partials.
  // Unused bindings: inputs get a view of x; outputs (writable in the shader) a view of an
  // output of this call, so that synchronization validation sees no write to an input.
  const Tensor& any_out = a.dx.is_set() ? a.dx : a.dweight.is_set() ? a.dweight : a.dbias;
  uint32_t part_base = 0;
  BufferView part = pl.dummy(any_out);
  if (res->scratch_bytes) part = pl.scratch(scratch, 0, res->scratch_bytes, 8, &part_base);
  const uint32_t col_base = uint32_t(part_base * 2 + rowsum_bytes / 4);
  using Main = kernels::layer_norm_backward;
  using Rowsums = kernels::layer_norm_backward_rowsums;
  using Colsum = kernels::layer_norm_backward_colsum;
  const uint32_t flags = (a.weight.is_set() ? Main::FLAG_WEIGHT : 0u) | (a.dx.is_set() ? Main::FLAG_DX : 0u) |
                         (a.dweight.is_set() ? Main::FLAG_DWEIGHT : 0u) | (a.dbias.is_set() ? Main::FLAG_DBIAS : 0u) |
                         (fused ? Main::FLAG_FUSED : 0u) | (direct ? Main::FLAG_DIRECT : 0u);
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, D) : pl.dummy(a.x);
  const BufferView dwv = a.dweight.is_set() ? pl.view(a.dweight, 0, D) : pl.dummy(any_out);
  const BufferView dbv = a.dbias.is_set() ? pl.view(a.dbias, 0, D) : pl.dummy(any_out);
  uint64_t block_base = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += w.win) {
    const uint64_t k = std::min(w.win, R - r0);
    const uint64_t blocks = ceil_div(k, c.rows_per_workgroup);
    const BackwardWindowViews v = backward_window_views(pl, rows, a.x, a.dy, a.dx, any_out, r0, k);
    const BufferView mv = pl.view(a.mean, r0, k), rv = pl.view(a.rstd, r0, k);
    const uint32_t part_off = uint32_t(part_base + r0 * c.split);
    if (!fused) {
      Rowsums::Push sp{};
      sp.D = uint32_t(D);
      sp.span = uint32_t(backward_span(rows, c));
      sp.x_rs = uint32_t(rows.x.row_stride);
      sp.dy_rs = uint32_t(rows.dy.row_stride);
      sp.flags = a.weight.is_set() ? Rowsums::FLAG_WEIGHT : 0u;
      sp.part_off = part_off;
      PlannedDispatch s = plan_dispatch<Rowsums>(p.dtype, backward_spec<Rowsums::Spec>(c), sp, v.x, v.dy, wv, mv, rv, part);
      s.groups[0] = c.split;
      s.groups[1] = uint32_t(k);
      s.barrier_before = !plan->dispatches.empty();
      plan->dispatches.push_back(std::move(s));
    }
    Main::Push pc{};
    pc.D = uint32_t(D);
    pc.rows = uint32_t(k);
    pc.rows_per_block = c.rows_per_workgroup;
    pc.x_rs = uint32_t(rows.x.row_stride);
    pc.dy_rs = uint32_t(rows.dy.row_stride);
    pc.dx_rs = uint32_t(a.dx.is_set() ? rows.dx.row_stride : 0);
    pc.flags = flags;
    pc.part_off = part_off;
    pc.split = c.split;
    pc.col_off = col_base;
    pc.block_base = uint32_t(block_base);
    PlannedDispatch d = plan_dispatch<Main>(p.dtype, backward_spec<Main::Spec>(c), pc, v.x, v.dy, wv, mv, rv, v.dx, dwv, dbv, part);
    d.groups[0] = uint32_t(backward_chunks(rows, c));
    d.groups[1] = uint32_t(blocks);
    d.barrier_before = !fused;
    plan->dispatches.push_back(std::move(d));
    block_base += blocks;
  }
  if (!direct) {
    for_each_colsum_pass(ctx, w.total_blocks, D, [&](const ColsumShape& shape, uint32_t gx_base, uint32_t groups_x) {
      Colsum::Spec sc;
      sc.WG = shape.workgroup_size;
      sc.LANES = shape.lanes;
      Colsum::Push pc{};
      pc.D = uint32_t(D);
      pc.blocks = uint32_t(w.total_blocks);
      pc.col_off = col_base;
      pc.flags = (a.dweight.is_set() ? Colsum::FLAG_DWEIGHT : 0u) | (a.dbias.is_set() ? Colsum::FLAG_DBIAS : 0u);
      pc.gx_base = gx_base;
      PlannedDispatch s = plan_dispatch<Colsum>(p.dtype, sc, pc, dwv, dbv, part);
      s.groups[0] = groups_x;
      s.barrier_before = true;
      plan->dispatches.push_back(std::move(s));
    });
  }
  return ok();
}

// ---- OpSpec ----

std::string bwd_case_shape(const Problem& p) { return rows_case_shape(p); }

bool bwd_uses_row_kernel(const Problem&, const KernelConfig&) { return false; }

void bwd_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  choose_split(lim, p, /*backward=*/true, c);
  fill_split_config(lim, p, /*backward=*/true, c);
}

std::string bwd_check_config(const Problem& p, const KernelConfig& c, bool) { return check_split_config(p, c); }

Error bwd_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  auto per_row = [ph](LayerNormBackwardArgs* a, int64_t rows) {
    a->mean = ph->tensor(DType::f32, {rows});
    a->rstd = ph->tensor(DType::f32, {rows});
  };
  return prepare_backward(ctx, info, ph, per_row, layer_norm_backward_scratch_size, prepare_layer_norm_backward);
}

}  // namespace

namespace detail {
extern const OpSpec kLayerNormBackwardSpec = {Op::layer_norm_backward, "layer_norm_backward", 0,
                                              bwd_case_shape,          bwd_fill_config,
                                              bwd_uses_row_kernel,     bwd_check_config,
                                              bwd_prepare,             backward_invariant_fields};
}  // namespace detail

Error layer_norm_backward_scratch_size(Context* ctx, const LayerNormBackwardArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_backward, ctx, args, out);
}

Error select_config(Context* ctx, const LayerNormBackwardArgs& args, KernelConfig* out) {
  return config_of(plan_backward, ctx, args, out);
}

Error prepare_layer_norm_backward(Context* ctx, const LayerNormBackwardArgs& args) { return prepare_of(plan_backward, ctx, args); }

Error describe_dispatches(Context* ctx, const LayerNormBackwardArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_backward, ctx, args, out);
}

Error record_layer_norm_backward(Context* ctx, VkCommandBuffer cmd, const LayerNormBackwardArgs& args) {
  return record_of(plan_backward, ctx, cmd, args);
}

}  // namespace vknorm
