// LayerNorm backward: dx from per-row sums of g = dy*w and g*xhat (computed in registers when one
// chunk covers a row, else by a row-sums pass), dweight/dbias from register accumulators over row
// blocks, summed over blocks by a column pass when there are several. Deterministic.
#include "layer_norm_rows.h"

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
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if ((e = check_tensor(ctx, a.dy, "dy")) || (e = check_tensor(ctx, a.x, "x"))) return e;
  if (!same_shape(a.x, a.dy))
    return make_error(Status::invalid_argument, "dy " + shape_string(a.dy) + " must have x's shape " + shape_string(a.x));
  if (a.x.dtype != a.dy.dtype) return make_error(Status::invalid_argument, "dy must have x's dtype");
  if (Error de = check_float_dtype(a.x, "x")) return de;
  RowLayout xl, dyl, dxl;
  if ((e = row_layout(a.x, a.normalized_rank, "x", &xl)) || (e = row_layout(a.dy, a.normalized_rank, "dy", &dyl))) return e;
  const uint64_t R = xl.rows, D = xl.D;
  if (D == 0) return make_error(Status::invalid_argument, "the normalized size is 0");
  if (a.dx.is_set()) {
    if ((e = check_tensor(ctx, a.dx, "dx"))) return e;
    if (!same_shape(a.x, a.dx) || a.dx.dtype != a.x.dtype)
      return make_error(Status::invalid_argument, "dx must have x's shape and dtype");
    if ((e = row_layout(a.dx, a.normalized_rank, "dx", &dxl))) return e;
  }
  if (!a.mean.is_set() || !a.rstd.is_set())
    return make_error(Status::invalid_argument, "mean and rstd (from the forward pass) are required");
  if ((e = check_f32_per_row(ctx, a.mean, R, "mean")) || (e = check_f32_per_row(ctx, a.rstd, R, "rstd"))) return e;
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, D, a.x.dtype, "weight"))) return e;
  if (a.dweight.is_set() && (e = check_vector(ctx, a.dweight, D, a.x.dtype, "dweight"))) return e;
  if (a.dbias.is_set() && (e = check_vector(ctx, a.dbias, D, a.x.dtype, "dbias"))) return e;

  Problem p;
  p.op = Op::layer_norm_backward;
  p.dtype = a.x.dtype;
  p.outer = R;
  p.reduce = D;
  p.vec4_ok = D % 4 == 0 && xl.row_stride % 4 == 0 && dyl.row_stride % 4 == 0 &&
              (!a.dx.is_set() || dxl.row_stride % 4 == 0) && vec4_aligned(a.x) && vec4_aligned(a.dy) &&
              vec4_aligned(a.dx) && vec4_aligned(a.weight);
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  const bool fused = c.split == 1;
  const bool want_cols = a.dweight.is_set() || a.dbias.is_set();
  const bool want_any = want_cols || a.dx.is_set();
  const uint64_t chunk = uint64_t(c.workgroup_size) * c.items_per_invocation;
  const uint64_t chunks = ceil_div(D, chunk);
  const uint64_t es = dtype_size(p.dtype);

  // Windows (row ranges bound at once) and row blocks inside them.
  bool address_mode = false;
  if ((e = choose_binding_mode(ctx, {&a.x, &a.dy, &a.weight, &a.mean, &a.rstd, &a.dx, &a.dweight, &a.dbias, &a.scratch},
                               &address_mode)))
    return e;
  Planner pl(ctx, address_mode);
  const OuterSpan xs{xl.row_stride, D, es}, dys{dyl.row_stride, D, es}, ms{1, 1, 4};
  std::vector<OuterSpan> spans{xs, dys, ms};
  if (a.dx.is_set()) spans.push_back({dxl.row_stride, D, es});
  const uint64_t max_gy = ctx->profile.max_workgroup_count[1];
  uint64_t win = max_window(spans, pl.window_limit_bytes(), max_gy * c.rows_per_workgroup);
  if (win == 0) return make_error(Status::unsupported, "one row spans more bytes than one binding can address on this device");
  if (win < R) win = std::max<uint64_t>(c.rows_per_workgroup, win / c.rows_per_workgroup * c.rows_per_workgroup);
  uint64_t total_blocks = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += win) total_blocks += ceil_div(std::min(win, R - r0), c.rows_per_workgroup);
  const bool direct = !want_cols || total_blocks <= 1;
  const uint64_t rowsum_bytes = fused ? 0 : (R * c.split * 8 + 15) / 16 * 16;
  const uint64_t col_bytes = direct ? 0 : total_blocks * 2 * D * 4;
  res->scratch_bytes = rowsum_bytes + col_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.dy, "dy", false}, {&a.x, "x", false}, {&a.weight, "weight", false},
                           {&a.mean, "mean", false}, {&a.rstd, "rstd", false}, {&a.dx, "dx", true},
                           {&a.dweight, "dweight", true}, {&a.dbias, "dbias", true},
                           {&scratch_arg, "scratch", true}})))
    return e;
  if (R == 0 || !want_any) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  if (chunks > ctx->profile.max_workgroup_count[0] || c.split > ctx->profile.max_workgroup_count[0])
    return make_error(Status::unsupported, "rows of " + std::to_string(D) + " elements need more workgroups per row than the device dispatches");
  Tensor scratch;
  if ((e = check_scratch(ctx, a.scratch, res->scratch_bytes, &scratch))) return e;
  plan->address_mode = address_mode;
  if (!address_mode && res->scratch_bytes > pl.window_limit_bytes())
    return make_error(Status::unsupported, "the scratch this call needs exceeds one binding's range");

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
  const uint64_t span = (ceil_div(D, c.split) + 3) / 4 * 4;
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, D) : pl.dummy(a.x);
  const BufferView dwv = a.dweight.is_set() ? pl.view(a.dweight, 0, D) : pl.dummy(any_out);
  const BufferView dbv = a.dbias.is_set() ? pl.view(a.dbias, 0, D) : pl.dummy(any_out);
  uint64_t block_base = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += win) {
    const uint64_t k = std::min(win, R - r0);
    const uint64_t blocks = ceil_div(k, c.rows_per_workgroup);
    const BufferView xv = pl.view(a.x, r0 * xl.row_stride, xs.elements(k));
    const BufferView dyv = pl.view(a.dy, r0 * dyl.row_stride, dys.elements(k));
    const BufferView dxv = a.dx.is_set() ? pl.view(a.dx, r0 * dxl.row_stride, OuterSpan{dxl.row_stride, D, es}.elements(k)) : pl.dummy(any_out);
    const BufferView mv = pl.view(a.mean, r0, k), rv = pl.view(a.rstd, r0, k);
    const uint32_t part_off = uint32_t(part_base + r0 * c.split);
    if (!fused) {
      Rowsums::Spec ss;
      ss.WG = c.workgroup_size;
      ss.ITEMS = c.items_per_invocation;
      ss.VEC = c.vector_width;
      Rowsums::Push sp{};
      sp.D = uint32_t(D);
      sp.span = uint32_t(span);
      sp.x_rs = uint32_t(xl.row_stride);
      sp.dy_rs = uint32_t(dyl.row_stride);
      sp.flags = a.weight.is_set() ? Rowsums::FLAG_WEIGHT : 0u;
      sp.part_off = part_off;
      PlannedDispatch s = plan_dispatch<Rowsums>(p.dtype, ss, sp, xv, dyv, wv, mv, rv, part);
      s.groups[0] = c.split;
      s.groups[1] = uint32_t(k);
      s.barrier_before = !plan->dispatches.empty();
      plan->dispatches.push_back(std::move(s));
    }
    Main::Spec sc;
    sc.WG = c.workgroup_size;
    sc.ITEMS = c.items_per_invocation;
    sc.VEC = c.vector_width;
    Main::Push pc{};
    pc.D = uint32_t(D);
    pc.rows = uint32_t(k);
    pc.rows_per_block = c.rows_per_workgroup;
    pc.x_rs = uint32_t(xl.row_stride);
    pc.dy_rs = uint32_t(dyl.row_stride);
    pc.dx_rs = uint32_t(a.dx.is_set() ? dxl.row_stride : 0);
    pc.flags = flags;
    pc.part_off = part_off;
    pc.split = c.split;
    pc.col_off = col_base;
    pc.block_base = uint32_t(block_base);
    PlannedDispatch d = plan_dispatch<Main>(p.dtype, sc, pc, xv, dyv, wv, mv, rv, dxv, dwv, dbv, part);
    d.groups[0] = uint32_t(chunks);
    d.groups[1] = uint32_t(blocks);
    d.barrier_before = !fused;
    plan->dispatches.push_back(std::move(d));
    block_base += blocks;
  }
  if (!direct) {
    const ColsumShape shape = colsum_shape(total_blocks, ctx->profile);
    const uint64_t groups = ceil_div(D, shape.columns());
    const uint64_t max_gx = ctx->profile.max_workgroup_count[0];
    for (uint64_t g0 = 0; g0 < groups; g0 += max_gx) {
      Colsum::Spec sc;
      sc.WG = shape.workgroup_size;
      sc.LANES = shape.lanes;
      Colsum::Push pc{};
      pc.D = uint32_t(D);
      pc.blocks = uint32_t(total_blocks);
      pc.col_off = col_base;
      pc.flags = (a.dweight.is_set() ? Colsum::FLAG_DWEIGHT : 0u) | (a.dbias.is_set() ? Colsum::FLAG_DBIAS : 0u);
      pc.gx_base = uint32_t(g0);
      PlannedDispatch s = plan_dispatch<Colsum>(p.dtype, sc, pc, dwv, dbv, part);
      s.groups[0] = uint32_t(std::min(max_gx, groups - g0));
      s.barrier_before = true;
      plan->dispatches.push_back(std::move(s));
    }
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
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  const int nr = info.normalized_rank;
  const bool nr_ok = nr >= 1 && nr <= info.rank;  // else the planner reports it
  const int64_t rows = nr_ok ? product(dims(info, 0, info.rank - nr)) : 1;
  const int64_t D = nr_ok ? product(dims(info, info.rank - nr, info.rank)) : 1;
  LayerNormBackwardArgs a;
  a.dy = ph->tensor(info.dtype, shape);
  a.x = ph->tensor(info.dtype, shape);
  a.dx = ph->tensor(info.dtype, shape);
  a.mean = ph->tensor(DType::f32, {rows});
  a.rstd = ph->tensor(DType::f32, {rows});
  if (info.weight_grads) a.dweight = ph->tensor(info.dtype, {D});
  a.normalized_rank = nr;
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = layer_norm_backward_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_layer_norm_backward(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kLayerNormBackwardSpec = {Op::layer_norm_backward, "layer_norm_backward", 0,
                                              bwd_case_shape,          bwd_fill_config,
                                              bwd_uses_row_kernel,     bwd_check_config,
                                              bwd_prepare};
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
