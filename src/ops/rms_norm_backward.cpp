// RMSNorm backward: dx from the per-row sum of g*xhat (g = dy * (weight_offset + w), xhat = x *
// rstd), computed in registers when one chunk covers a row, else by a row-sums pass; dweight from
// register accumulators over row blocks, summed over blocks by a column pass when there are
// several. Deterministic. The default config launches about one wave of resident workgroups
// that each loop over many rows (see rmsb_fill_config).
#include "backward_plan.h"

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
  BackwardRows rows;
  Error e;
  if ((e = check_backward_rows(ctx, a.dy, a.x, a.dx, a.normalized_rank, &rows))) return e;
  const uint64_t R = rows.R, D = rows.D;
  if (!a.rstd.is_set()) return make_error(Status::invalid_argument, "rstd (from the forward pass) is required");
  if ((e = check_f32_per_row(ctx, a.rstd, R, "rstd"))) return e;
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, D, a.x.dtype, "weight"))) return e;
  if (a.dweight.is_set() && (e = check_vector(ctx, a.dweight, D, a.x.dtype, "dweight"))) return e;
  if (!std::isfinite(a.weight_offset))
    return make_error(Status::invalid_argument, "weight_offset must be finite");
  if (D > 0xFFFFFFFFull / 2)
    return make_error(Status::unsupported, "rows of " + std::to_string(D) + " elements are too long");

  Problem p;
  if ((e = choose_backward_config(ctx, Op::rms_norm_backward, rows, a.dy, a.x, a.dx, a.weight, a.config, &p, res)))
    return e;
  const KernelConfig& c = res->config;
  const bool fused = c.split == 1;
  const bool want_dw = a.dweight.is_set();
  const bool want_any = want_dw || a.dx.is_set();

  bool address_mode = false;
  if ((e = choose_binding_mode(ctx, {&a.x, &a.dy, &a.weight, &a.rstd, &a.dx, &a.dweight, &a.scratch}, &address_mode)))
    return e;
  Planner pl(ctx, address_mode);
  BackwardWindows w;
  if ((e = backward_windows(ctx, pl, rows, a.dx, c, &w))) return e;
  const bool direct = !want_dw || w.total_blocks <= 1;
  // Scratch: fp32 row-sum partials (split rows), then fp32 column partials [block][D], each
  // starting on 16 bytes.
  const uint64_t rowsum_bytes = fused ? 0 : (R * c.split * 4 + 15) / 16 * 16;
  const uint64_t col_bytes = direct ? 0 : w.total_blocks * D * 4;
  res->scratch_bytes = rowsum_bytes + col_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.dy, "dy", false}, {&a.x, "x", false}, {&a.weight, "weight", false},
                           {&a.rstd, "rstd", false}, {&a.dx, "dx", true}, {&a.dweight, "dweight", true},
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
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, D) : pl.dummy(a.x);
  const BufferView dwv = want_dw ? pl.view(a.dweight, 0, D) : pl.dummy(a.x);
  uint64_t block_base = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += w.win) {
    const uint64_t k = std::min(w.win, R - r0);
    const uint64_t blocks = ceil_div(k, c.rows_per_workgroup);
    const BackwardWindowViews v = backward_window_views(pl, rows, a.x, a.dy, a.dx, a.x, r0, k);
    const BufferView rv = pl.view(a.rstd, r0, k);
    const uint32_t part_off = uint32_t(part_base + r0 * c.split);
    if (!fused) {
      Rowsums::Push sp{};
      sp.D = uint32_t(D);
      sp.span = uint32_t(backward_span(rows, c));
      sp.x_rs = uint32_t(rows.x.row_stride);
      sp.dy_rs = uint32_t(rows.dy.row_stride);
      sp.flags = a.weight.is_set() ? Rowsums::FLAG_WEIGHT : 0u;
      sp.weight_offset = a.weight_offset;
      sp.part_off = part_off;
      PlannedDispatch s = plan_dispatch<Rowsums>(p.dtype, backward_spec<Rowsums::Spec>(c), sp, v.x, v.dy, wv, rv, part);
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
    pc.weight_offset = a.weight_offset;
    pc.part_off = part_off;
    pc.split = c.split;
    pc.col_off = col_base;
    pc.block_base = uint32_t(block_base);
    PlannedDispatch d = plan_dispatch<Main>(p.dtype, backward_spec<Main::Spec>(c), pc, v.x, v.dy, wv, rv, v.dx, dwv, part);
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
      pc.gx_base = gx_base;
      PlannedDispatch s = plan_dispatch<Colsum>(p.dtype, sc, pc, dwv, part);
      s.groups[0] = groups_x;
      s.barrier_before = true;
      plan->dispatches.push_back(std::move(s));
    });
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
//      one subgroup: one_row_min_workgroup). Longer rows: split = workgroups per row of the row-sums pass
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
      c->workgroup_size =
          std::max(one_row_min_workgroup(lim), std::min(lim.max_wg, pow2_ceil(ceil_div(D, c->items_per_invocation))));
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
  auto per_row = [ph](RmsNormBackwardArgs* a, int64_t rows) { a->rstd = ph->tensor(DType::f32, {rows}); };
  return prepare_backward(ctx, info, ph, per_row, rms_norm_backward_scratch_size, prepare_rms_norm_backward);
}

}  // namespace

namespace detail {
// colsum keeps one float per invocation in shared memory on top of wg_sum2's vec2.
extern const OpSpec kRmsNormBackwardSpec = {Op::rms_norm_backward, "rms_norm_backward", 4,
                                            rmsb_case_shape,        rmsb_fill_config,
                                            rmsb_uses_row_kernel,   rmsb_check_config,
                                            rmsb_prepare,           backward_invariant_fields};
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
