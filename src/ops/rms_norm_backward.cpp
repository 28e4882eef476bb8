// RMSNorm backward: dx from the per-row sum of g*xhat (g = dy * (weight_offset + w), xhat = x *
// rstd), computed in registers when one chunk covers a row, else by a row-sums pass; dweight from
// register accumulators over row blocks, summed over blocks by a column pass when there are
// several. Deterministic. The default config launches about one wave of resident workgroups
// that each loop over many rows (see rmsb_fill_config).
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/quirks.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/rms_norm_backward.h"
#include "contracts/rms_norm_backward_colsum.h"
#include "contracts/rms_norm_backward_rowsums.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm {
using namespace detail;

namespace {


Error plan_rms_backward(Context* ctx, const RmsNormBackwardArgs& a, Plan* plan, PlanResult* res) {
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
  if (!a.rstd.is_set()) return make_error(Status::invalid_argument, "rstd (from the forward pass) is required");
  if ((e = check_f32_per_row(ctx, a.rstd, R, "rstd"))) return e;
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, D, a.x.dtype, "weight"))) return e;
  if (a.dweight.is_set() && (e = check_vector(ctx, a.dweight, D, a.x.dtype, "dweight"))) return e;
  if (!std::isfinite(a.weight_offset))
    return make_error(Status::invalid_argument, "weight_offset must be finite");
  if (D > 0xFFFFFFFFull / 2)
    return make_error(Status::unsupported, "rows of " + std::to_string(D) + " elements are too long");

  Problem p;
  p.op = Op::rms_norm_backward;
  p.dtype = a.x.dtype;
  p.outer = R;
  p.reduce = D;
  p.vec4_ok = D % 4 == 0 && xl.row_stride % 4 == 0 && dyl.row_stride % 4 == 0 &&
              (!a.dx.is_set() || dxl.row_stride % 4 == 0) && vec4_aligned(a.x) && vec4_aligned(a.dy) &&
              vec4_aligned(a.dx) && vec4_aligned(a.weight);
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  const bool fused = c.split == 1;
  const bool want_dw = a.dweight.is_set();
  const bool want_any = want_dw || a.dx.is_set();
  const uint64_t chunk = uint64_t(c.workgroup_size) * c.items_per_invocation;
  const uint64_t chunks = ceil_div(D, chunk);
  const uint64_t es = dtype_size(p.dtype);

  // Windows (row ranges bound at once) and row blocks inside them.
  bool address_mode = false;
  if ((e = choose_binding_mode(ctx, {&a.x, &a.dy, &a.weight, &a.rstd, &a.dx, &a.dweight, &a.scratch}, &address_mode)))
    return e;
  Planner pl(ctx, address_mode);
  const OuterSpan xs{xl.row_stride, D, es}, dys{dyl.row_stride, D, es}, rss{1, 1, 4};
  std::vector<OuterSpan> spans{xs, dys, rss};
  if (a.dx.is_set()) spans.push_back({dxl.row_stride, D, es});
  const uint64_t max_gy = ctx->profile.max_workgroup_count[1];
  uint64_t win = max_window(spans, pl.window_limit_bytes(), max_gy * c.rows_per_workgroup);
  if (win == 0) return make_error(Status::unsupported, "one row spans more bytes than one binding can address on this device");
  if (win < R) win = std::max<uint64_t>(c.rows_per_workgroup, win / c.rows_per_workgroup * c.rows_per_workgroup);
  uint64_t total_blocks = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += win) total_blocks += ceil_div(std::min(win, R - r0), c.rows_per_workgroup);
  const bool direct = !want_dw || total_blocks <= 1;
  // Scratch: fp32 row-sum partials (split rows), then fp32 column partials [block][D], each
  // starting on 16 bytes.
  const uint64_t rowsum_bytes = fused ? 0 : (R * c.split * 4 + 15) / 16 * 16;
  const uint64_t col_bytes = direct ? 0 : total_blocks * D * 4;
  res->scratch_bytes = rowsum_bytes + col_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.dy, "dy", false}, {&a.x, "x", false}, {&a.weight, "weight", false},
                           {&a.rstd, "rstd", false}, {&a.dx, "dx", true}, {&a.dweight, "dweight", true},
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
  if ((rowsum_bytes + col_bytes) / 4 > 0xFFFFFFFFull)
    return make_error(Status::unsupported, "the scratch this call needs exceeds 32-bit indexing");

  uint32_t part_base16 = 0;
  BufferView part = pl.dummy(a.x);
  if (res->scratch_bytes) part = pl.scratch(scratch, 0, res->scratch_bytes, 16, &part_base16);
  const uint32_t part_base = part_base16 * 4;  // fp32 index of the scratch's first byte
  const uint32_t col_base = uint32_t(part_base + rowsum_bytes / 4);
  using Main = kernels::rms_norm_backward;
  using Rowsums = kernels::rms_norm_backward_rowsums;
  using Colsum = kernels::rms_norm_backward_colsum;
  const uint32_t flags = (a.weight.is_set() ? Main::FLAG_WEIGHT : 0u) | (a.dx.is_set() ? Main::FLAG_DX : 0u) |
                         (want_dw ? Main::FLAG_DWEIGHT : 0u) | (fused ? Main::FLAG_FUSED : 0u) |
                         (direct ? Main::FLAG_DIRECT : 0u);
  const uint64_t span = (ceil_div(D, c.split) + 3) / 4 * 4;
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, D) : pl.dummy(a.x);
  const BufferView dwv = want_dw ? pl.view(a.dweight, 0, D) : pl.dummy(a.x);
  uint64_t block_base = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += win) {
    const uint64_t k = std::min(win, R - r0);
    const uint64_t blocks = ceil_div(k, c.rows_per_workgroup);
    const BufferView xv = pl.view(a.x, r0 * xl.row_stride, xs.elements(k));
    const BufferView dyv = pl.view(a.dy, r0 * dyl.row_stride, dys.elements(k));
    const BufferView dxv = a.dx.is_set() ? pl.view(a.dx, r0 * dxl.row_stride, OuterSpan{dxl.row_stride, D, es}.elements(k)) : pl.dummy(a.x);
    const BufferView rv = pl.view(a.rstd, r0, k);
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
      sp.weight_offset = a.weight_offset;
      sp.part_off = part_off;
      PlannedDispatch s = plan_dispatch<Rowsums>(p.dtype, ss, sp, xv, dyv, wv, rv, part);
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
    pc.weight_offset = a.weight_offset;
    pc.part_off = part_off;
    pc.split = c.split;
    pc.col_off = col_base;
    pc.block_base = uint32_t(block_base);
    PlannedDispatch d = plan_dispatch<Main>(p.dtype, sc, pc, xv, dyv, wv, rv, dxv, dwv, part);
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
      pc.gx_base = uint32_t(g0);
      PlannedDispatch s = plan_dispatch<Colsum>(p.dtype, sc, pc, dwv, part);
      s.groups[0] = uint32_t(std::min(max_gx, groups - g0));
      s.barrier_before = true;
      plan->dispatches.push_back(std::move(s));
    }
  }
  return ok();
}

// ---- OpSpec ----

std::string rmsb_case_shape(const Problem& p) { return rows_case_shape(p); }

bool rmsb_uses_row_kernel(const Problem&, const KernelConfig&) { return false; }

// Items per invocation up to which a row stays in registers (single pass): 16 keeps x, g and
// the dweight accumulators at 48 floats per invocation (rows up to 16K elements at 1024).
constexpr uint32_t kMaxRegisterItems = 16;

// The default config, from the shape and the device limits (fields already set are kept):
//   1. vector_width 4 where every tensor allows 4-element accesses, else 1.
//   2. Single pass (split 1) when the row fits one workgroup with items_per_invocation in
//      registers: items = the class's bwd_items, doubled (up to 16) while the row does not fit
//      max_wg x items; workgroup_size = the smallest power of two covering the row (at least
//      the subgroup / 32). Longer rows: split = workgroups per row of the row-sums pass
//      (enough to fill the device with the rows given), workgroup_size = the class's, items =
//      bwd_items; the main pass then covers a row with ceil(D / (wg x items)) workgroups.
//   3. rows_per_workgroup: one wave of resident workgroups. Resident per SM = the class's
//      threads per SM (workgroup_size x workgroups_per_sm of its table) / workgroup_size (at
//      least 1); blocks = SMs x resident / chunks per row; rows_per_workgroup = rows / blocks,
//      at most max_rows_per_workgroup() (fewer on lavapipe, whose long loops mis-execute:
//      core/quirks.h). Each block writes
//      one fp32 partial row of dweight (D floats) that the column pass sums, so the partials
//      stay a few MB even for (32768, 8192).
void rmsb_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  const ClassTable& t = lim.table;
  const uint64_t D = p.reduce, rows = p.outer;
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  const uint32_t vec = c->vector_width;
  // bf16 rows: twice the items in half the invocations (H200, (32768, 8192): 667 -> 583 us;
  // f16 and f32 were slower so: 585 -> 609, 849 -> 941; bench/results/h200-2026-11-22-tune2/).
  const uint32_t base_items = std::max<uint32_t>(vec, p.dtype == DType::bf16 ? 2 * t.bwd_items : t.bwd_items);
  if (!c->split) {
    const uint32_t it_cap = c->items_per_invocation ? c->items_per_invocation : std::max(base_items, kMaxRegisterItems);
    const uint32_t wg_cap = c->workgroup_size ? c->workgroup_size : lim.max_wg;
    c->split = D <= uint64_t(wg_cap) * it_cap ? 1 : 0;
  }
  if (c->split == 1) {
    const bool items_given = c->items_per_invocation != 0;
    if (!items_given) {
      const uint32_t wg_cap = c->workgroup_size ? c->workgroup_size : lim.max_wg;
      uint32_t it = base_items;
      while (D > uint64_t(wg_cap) * it && it < kMaxRegisterItems) it *= 2;
      c->items_per_invocation = it;
    }
    if (!c->workgroup_size)
      c->workgroup_size = std::max(lim.min_wg, std::min(lim.max_wg, pow2_ceil(ceil_div(D, c->items_per_invocation))));
    if (!c->workgroup_size) c->workgroup_size = lim.min_wg;
    // Short rows: shrink the register arrays to what the row needs.
    if (!items_given && D <= uint64_t(c->workgroup_size) * c->items_per_invocation / 2) {
      uint32_t it = c->items_per_invocation;
      while (it > vec && D <= uint64_t(c->workgroup_size) * (it / 2)) it /= 2;
      c->items_per_invocation = std::max(vec, it);
    }
  } else {
    if (!c->workgroup_size) c->workgroup_size = std::min(t.workgroup_size, lim.max_wg);
    if (!c->items_per_invocation) c->items_per_invocation = base_items;
  }
  const uint64_t chunk = uint64_t(c->workgroup_size) * c->items_per_invocation;
  const uint64_t chunks = ceil_div(D, chunk);
  const uint64_t sms = std::max<uint64_t>(1, lim.target_wgs / std::max<uint32_t>(1, t.workgroups_per_sm));
  // One wave as the registers allow (see layer_norm_rows.cpp); where the class table does not
  // know its threads per SM, its workgroups per SM at the table's workgroup size.
  const uint64_t threads_per_sm = uint64_t(t.workgroup_size) * t.workgroups_per_sm;
  const uint64_t wave = t.threads_per_sm ? resident_workgroups(lim, c->workgroup_size, kBackwardRegisters)
                                         : sms * std::max<uint64_t>(1, threads_per_sm / c->workgroup_size);
  if (!c->split) {
    const uint64_t most = std::max<uint64_t>(2, D / chunk);
    c->split = uint32_t(std::min<uint64_t>(std::max<uint64_t>(2, ceil_div(wave, std::max<uint64_t>(rows, 1))), most));
  }
  if (!c->rows_per_workgroup) {
    const uint64_t blocks = std::min<uint64_t>(std::max<uint64_t>(rows, 1), std::max<uint64_t>(1, wave / chunks));
    c->rows_per_workgroup = uint32_t(std::max<uint64_t>(
        1, std::min<uint64_t>(ceil_div(std::max<uint64_t>(rows, 1), blocks),
                              max_rows_per_workgroup(lim.device, c->workgroup_size, c->items_per_invocation))));
  }
}

std::string rmsb_check_config(const Problem& p, const KernelConfig& c, bool) {
  if (c.vector_width == 4 && c.items_per_invocation < 4) return "items_per_invocation must be >= vector_width";
  return check_split_config(p, c);
}

Error rmsb_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  const int nr = info.normalized_rank;
  const bool nr_ok = nr >= 1 && nr <= info.rank;  // else the planner reports it
  const int64_t rows = nr_ok ? product(dims(info, 0, info.rank - nr)) : 1;
  const int64_t D = nr_ok ? product(dims(info, info.rank - nr, info.rank)) : 1;
  RmsNormBackwardArgs a;
  a.dy = ph->tensor(info.dtype, shape);
  a.x = ph->tensor(info.dtype, shape);
  a.dx = ph->tensor(info.dtype, shape);
  a.rstd = ph->tensor(DType::f32, {rows});
  if (info.weight_grads) a.dweight = ph->tensor(info.dtype, {D});
  a.normalized_rank = nr;
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = rms_norm_backward_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_rms_norm_backward(ctx, a);
}

}  // namespace

namespace detail {
// colsum keeps one float per invocation in shared memory on top of wg_sum2's vec2.
extern const OpSpec kRmsNormBackwardSpec = {Op::rms_norm_backward, "rms_norm_backward", 4,
                                            rmsb_case_shape,        rmsb_fill_config,
                                            rmsb_uses_row_kernel,   rmsb_check_config,
                                            rmsb_prepare};
}  // namespace detail

Error rms_norm_backward_scratch_size(Context* ctx, const RmsNormBackwardArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_rms_backward, ctx, args, out);
}

Error select_config(Context* ctx, const RmsNormBackwardArgs& args, KernelConfig* out) {
  return config_of(plan_rms_backward, ctx, args, out);
}

Error prepare_rms_norm_backward(Context* ctx, const RmsNormBackwardArgs& args) {
  return prepare_of(plan_rms_backward, ctx, args);
}

Error describe_dispatches(Context* ctx, const RmsNormBackwardArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_rms_backward, ctx, args, out);
}

Error record_rms_norm_backward(Context* ctx, VkCommandBuffer cmd, const RmsNormBackwardArgs& args) {
  return record_of(plan_rms_backward, ctx, cmd, args);
}

}  // namespace vknorm
