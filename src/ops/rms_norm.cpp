// RMSNorm over dimension 1 and the L1 / L2 norms over dimension 1 (lp_norm: the same kernels
// with another NORM spec constant, shaders/norm_kind.glsl): validation, default config,
// dispatch planning and the two OpSpecs. Two kernels: rms_norm (channels of (N, C, S) in a
// column per position) and rms_norm_rows (contiguous rows of C when S == 1).
#include "rms_norm_rows.h"
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/rms_norm.h"
#include "contracts/rms_norm_rows.h"

#include <algorithm>
#include <string>

namespace vknorm {
using namespace detail;

namespace {

bool aligned_for_vec4(const Tensor& t) {
  const uint64_t base = t.address ? t.address : t.offset;
  return base % (4 * dtype_size(t.dtype)) == 0;
}


// NORM spec constant values (norm_kind.glsl).
constexpr uint32_t kNormRms = 0, kNormL1 = 1, kNormL2 = 2;

Error plan_dim1(Context* ctx, Op op, uint32_t norm, const RmsNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.y, "y"))) return e;
  if (a.x.rank < 2) return make_error(Status::invalid_argument, "x must have rank >= 2: (N, C, ...), got " + shape_string(a.x));
  if (!same_shape(a.x, a.y))
    return make_error(Status::invalid_argument, "y " + shape_string(a.y) + " must have x's shape " + shape_string(a.x));
  if (a.x.dtype != a.y.dtype) return make_error(Status::invalid_argument, "y must have x's dtype");
  if (Error de = check_float_dtype(a.x, "x")) return de;
  if ((e = check_eps(a.eps))) return e;
  const uint64_t N = uint64_t(a.x.shape[0]), C = uint64_t(a.x.shape[1]);
  if (C == 0) return make_error(Status::invalid_argument, "x has 0 channels: the mean over C is undefined");
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, C, a.x.dtype, "weight"))) return e;
  if ((e = check_aliasing(ctx, {{&a.x, "x", false}, {&a.weight, "weight", false}, {&a.y, "y", true}},
                          {{"y", "x"}})))
    return e;
  uint64_t S = 0, xss = 0, yss = 0;
  if (!collapse(a.x, 2, a.x.rank, &S, &xss, 1) || !collapse(a.y, 2, a.y.rank, &S, &yss, 1))
    return make_error(Status::invalid_argument, "the spatial dimensions of x and y must collapse into one strided dimension");
  const uint64_t xsn = uint64_t(a.x.strides[0]), xsc = uint64_t(a.x.strides[1]);
  const uint64_t ysn = uint64_t(a.y.strides[0]), ysc = uint64_t(a.y.strides[1]);

  Problem p;
  p.op = op;
  p.dtype = a.x.dtype;
  p.outer = N;
  p.reduce = C;
  p.inner = S;
  // Rows: the reduced dim contiguous in x and y and one position per batch item, i.e. (N, C)
  // or (N, C, 1, 1): rms_norm_rows (rows may be strided; a row stride only matters for N > 1).
  p.row_path = S == 1 && (C == 1 || (xsc == 1 && ysc == 1));
  if (p.row_path) {
    auto rows_aligned = [&](uint64_t v) {
      return C % v == 0 && (N <= 1 || (xsn % v == 0 && ysn % v == 0)) && vec_aligned(a.x, v) &&
             vec_aligned(a.y, v) && vec_aligned(a.weight, v);
    };
    p.vec4_ok = rows_aligned(4);
    p.vec8_ok = p.dtype != DType::f32 && rows_aligned(8);
  } else {
    p.vec4_ok = S % 4 == 0 && (S == 0 || (xss == 1 && yss == 1)) && xsn % 4 == 0 && xsc % 4 == 0 &&
                ysn % 4 == 0 && ysc % 4 == 0 && aligned_for_vec4(a.x) && aligned_for_vec4(a.y);
  }
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  if (N == 0 || S == 0) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  if ((e = choose_binding_mode(ctx, {&a.x, &a.y, &a.weight}, &plan->address_mode))) return e;
  Planner pl(ctx, plan->address_mode);

  const uint64_t es = dtype_size(p.dtype);
  if (uses_row_kernel(p, c)) {
    // One workgroup per rows_per_workgroup rows, over a 2D grid so that a window of rows is one
    // dispatch; windows only where the rows exceed one binding.
    const uint64_t rpw = c.rows_per_workgroup;
    const OuterSpan xs{N > 1 ? xsn : C, C, es}, ys{N > 1 ? ysn : C, C, es};
    const uint64_t max_gx = ctx->profile.max_workgroup_count[0], max_gy = ctx->profile.max_workgroup_count[1];
    const uint64_t cap = std::min<uint64_t>(uint64_t(1) << 31, max_gx * max_gy * rpw);
    const uint64_t win = max_window({xs, ys}, pl.window_limit_bytes(), cap);
    if (win == 0)
      return make_error(Status::unsupported, "one row of x or y spans more bytes than one binding can address on this device");
    for (uint64_t n0 = 0; n0 < N; n0 += win) {
      const uint64_t k = std::min(win, N - n0);
      plan->dispatches.push_back(rms_rows_dispatch(
          p.dtype, c, C, k, k > 1 ? xsn : 0, k > 1 ? ysn : 0, a.weight.is_set(), a.eps, max_gx,
          pl.view(a.x, n0 * xsn, xs.elements(k)), pl.view(a.y, n0 * ysn, ys.elements(k)),
          a.weight.is_set() ? pl.view(a.weight, 0, C) : pl.dummy(a.x), norm));
    }
    return ok();
  }
  const OuterSpan xs{xsn, (C - 1) * xsc + (S - 1) * xss + 1, es};
  const OuterSpan ys{ysn, (C - 1) * ysc + (S - 1) * yss + 1, es};
  const uint64_t win = max_window({xs, ys}, pl.window_limit_bytes(), ctx->profile.max_workgroup_count[1]);
  if (win == 0)
    return make_error(Status::unsupported, "one batch item of x or y spans more bytes than one binding can address on this device");
  const uint32_t positions_per_wg = c.workgroup_size / c.channel_split * c.vector_width;
  const uint64_t blocks = ceil_div(S, positions_per_wg);
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0];
  for (uint64_t n0 = 0; n0 < N; n0 += win) {
    const uint64_t k = std::min(win, N - n0);
    for (uint64_t b0 = 0; b0 < blocks; b0 += max_gx) {
      using K = kernels::rms_norm;
      K::Spec sc;
      sc.WG = c.workgroup_size;
      sc.CSPLIT = c.channel_split;
      sc.CMAX = c.items_per_invocation;
      sc.VEC = c.vector_width;
      sc.NORM = norm;
      K::Push pc{};
      pc.C = uint32_t(C);
      pc.S = uint32_t(S);
      pc.x_sn = uint32_t(k > 1 ? xsn : 0);
      pc.x_sc = uint32_t(xsc);
      pc.x_ss = uint32_t(xss);
      pc.y_sn = uint32_t(k > 1 ? ysn : 0);
      pc.y_sc = uint32_t(ysc);
      pc.y_ss = uint32_t(yss);
      pc.has_weight = a.weight.is_set() ? 1u : 0u;
      pc.gx_base = uint32_t(b0);
      pc.eps = a.eps;
      PlannedDispatch d = plan_dispatch<K>(p.dtype, sc, pc, pl.view(a.x, n0 * xsn, xs.elements(k)),
                                           pl.view(a.y, n0 * ysn, ys.elements(k)),
                                           a.weight.is_set() ? pl.view(a.weight, 0, C) : pl.dummy(a.x));
      d.groups[0] = uint32_t(std::min(max_gx, blocks - b0));
      d.groups[1] = uint32_t(k);
      plan->dispatches.push_back(std::move(d));
    }
  }
  return ok();
}

Error plan_rms_norm(Context* ctx, const RmsNormArgs& a, Plan* plan, PlanResult* res) {
  return plan_dim1(ctx, Op::rms_norm, kNormRms, a, plan, res);
}

Error plan_lp_norm(Context* ctx, const LpNormArgs& a, Plan* plan, PlanResult* res) {
  if (a.p != 1 && a.p != 2)
    return make_error(Status::invalid_argument, "p must be 1 (x / mean(|x|)) or 2 (x / ||x||_2), got " + std::to_string(a.p));
  RmsNormArgs r;
  r.x = a.x;
  r.y = a.y;
  r.eps = 0.0f;
  r.config = a.config;
  return plan_dim1(ctx, Op::lp_norm, a.p == 1 ? kNormL1 : kNormL2, r, plan, res);
}

// ---- OpSpecs ----

std::string rms_case_shape(const Problem& p) {
  if (p.row_path) return "/rows" + rows_case_shape(p);  // rms_norm_rows: keyed like layer norm rows
  return "/C" + std::to_string(pow2_ceil(p.reduce)) + "/S2^" + std::to_string(log2_bucket(p.inner)) +
         "/N2^" + std::to_string(log2_bucket(p.outer));
}

bool rms_uses_row_kernel(const Problem& p, const KernelConfig& c) { return p.row_path && c.channel_split == 0; }

// rms_norm_rows: the core's row rule. rms_norm: a column of C channels per position, cached in
// registers up to the class's register_floats per invocation, split over channel_split lanes.
void rms_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  if (p.row_path && !c->channel_split) {
    fill_row_config(lim, p, c);
    c->split = 1;
    // wave_bytes (a grid cap for streamed rows, so that their second read could hit L2) stays
    // 0: on the H200 KernelBench #38 took 5.93 ms without a cap, 6.36 ms with 25 MiB of rows in
    // flight, 6.61 ms with 12.5 MiB (bench/results/h200-2026-12-01-family/run3/tune.txt): fewer busy SMs cost
    // more than the L2 hits saved.
    return;
  }
  const ClassTable& t = lim.table;
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  const uint32_t vec = c->vector_width;
  const uint64_t C = p.reduce, positions = ceil_div(p.inner, vec);
  if (!c->workgroup_size) c->workgroup_size = std::min(t.workgroup_size, lim.max_wg);
  const uint32_t wg = c->workgroup_size;
  // Values one invocation caches (items x vec floats). The class's register_floats when one
  // lane holds a whole fp32 column (no cross-lane sum: KernelBench #36, C = 64, 3.74 ms with 64
  // items against 3.80 with 16); otherwise at most 64 floats, so that the column is spread
  // over more lanes and three workgroups per SM stay resident instead of one. On the H200
  // (bench/results/h200-2026-12-01-rmscache): (32,256,128,128) f32 280 -> 267 us, f16
  // 184 -> 151 us, bf16 218 -> 180 us; (112,64,512,512) f16 2.12 -> 1.82 ms, bf16
  // 2.69 -> 1.93 ms; (64,1024,32,32) f32 173 -> 148 us, bf16 149 -> 121 us. 16-bit data
  // always takes the small cache (its conversions need registers of their own: bf16 with 32
  // items ran 2x slower). A column the small cache cannot hold at the widest split keeps
  // the large one rather than being read twice.
  const uint32_t big = std::max<uint32_t>(1, t.register_floats / vec);
  const uint32_t small = std::max<uint32_t>(1, std::min<uint32_t>(big, 64 / vec));
  const bool one_lane = p.dtype == DType::f32 && C <= big;
  const uint32_t cap = one_lane || C > uint64_t(small) * wg ? big : small;
  if (!c->channel_split) {
    uint32_t lanes = std::min<uint32_t>(wg, pow2_ceil(positions));
    uint32_t split = wg / lanes;
    const uint32_t needed = pow2_ceil(ceil_div(C, cap));
    if (needed > split) split = std::min(wg, needed);
    c->channel_split = split;
  }
  if (!c->items_per_invocation) {
    const uint64_t per_lane = ceil_div(C, c->channel_split);
    // The selector's own split keeps per_lane within cap; a caller's split may need up to big.
    c->items_per_invocation = per_lane > big ? 1 : std::min(big, pow2_ceil(per_lane));
  }
  c->split = 1;
  c->rows_per_workgroup = 1;
}

std::string rms_check_config(const Problem&, const KernelConfig& c, bool row_kernel) {
  if (row_kernel) return "";
  if (!is_pow2(c.channel_split) || c.channel_split > c.workgroup_size)
    return "channel_split must be a power of two <= workgroup_size";
  if (uint64_t(c.items_per_invocation) * c.vector_width > 512)
    return "items_per_invocation * vector_width must be <= 512";
  return "";
}

Error rms_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  RmsNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  a.config = info.config;
  return prepare_rms_norm(ctx, a);
}

Error lp_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  // Both norms use the same pipelines' shapes; p only changes a specialization constant, so
  // prepare() creates both.
  for (int norm_p : {1, 2}) {
    LpNormArgs a;
    a.x = ph->tensor(info.dtype, shape);
    a.y = ph->tensor(info.dtype, shape);
    a.p = norm_p;
    a.config = info.config;
    if (Error e = prepare_lp_norm(ctx, a)) return e;
  }
  return ok();
}

}  // namespace

namespace detail {
PlannedDispatch rms_rows_dispatch(DType dtype, const KernelConfig& c, uint64_t D, uint64_t rows, uint64_t x_rs,
                                  uint64_t y_rs, bool has_weight, float eps, uint64_t max_gx,
                                  const BufferView& x, const BufferView& y, const BufferView& w, uint32_t norm) {
  using K = kernels::rms_norm_rows;
  const uint64_t rpw = c.rows_per_workgroup, blocks = ceil_div(rows, rpw);
  const uint64_t lanes = c.workgroup_size / rpw;
  const bool streamed = D > lanes * c.items_per_invocation;
  // Streamed rows under a wave_bytes cap: that many bytes of rows in flight, the workgroups
  // looping over the row blocks (rms_norm_rows.comp's main).
  uint64_t grid = blocks;
  if (streamed && c.wave_bytes)
    grid = std::min(blocks, std::max<uint64_t>(1, c.wave_bytes / std::max<uint64_t>(1, D * dtype_size(dtype) * rpw)));
  const uint64_t gx = std::min(grid, max_gx);
  K::Spec sc;
  sc.WG = c.workgroup_size;
  sc.ITEMS = c.items_per_invocation;
  sc.VEC = c.vector_width;
  sc.LPR = uint32_t(c.workgroup_size / rpw);
  sc.NORM = norm;
  K::Push pc{};
  pc.D = uint32_t(D);
  pc.x_rs = uint32_t(x_rs);
  pc.y_rs = uint32_t(y_rs);
  pc.rows = uint32_t(rows);
  pc.has_weight = has_weight ? 1u : 0u;
  pc.eps = eps;
  // Streamed element-aligned rows read 4-element groups where the memory allows: always in
  // descriptor mode (accesses are relative to the binding), by address only from a 4-element
  // aligned pointer.
  const uint64_t wide = 4 * dtype_size(dtype);
  pc.stream4 = (x.address % wide == 0 && y.address % wide == 0 && w.address % wide == 0) ? 1u : 0u;
  PlannedDispatch d = plan_dispatch<K>(dtype, sc, pc, x, y, w);
  d.groups[0] = uint32_t(gx);
  d.groups[1] = uint32_t(ceil_div(grid, gx));
  return d;
}

// rms_norm's kernels keep a vec4 of lane sums per invocation in shared memory.
extern const OpSpec kRmsNormSpec = {Op::rms_norm,          "rms_norm",         16, rms_case_shape,
                                    rms_fill_config,       rms_uses_row_kernel, rms_check_config,
                                    rms_prepare};
extern const OpSpec kLpNormSpec = {Op::lp_norm,           "lp_norm",          16, rms_case_shape,
                                   rms_fill_config,       rms_uses_row_kernel, rms_check_config,
                                   lp_prepare};
}  // namespace detail

Error rms_norm_scratch_size(Context* ctx, const RmsNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_rms_norm, ctx, args, out);
}

Error select_config(Context* ctx, const RmsNormArgs& args, KernelConfig* out) {
  return config_of(plan_rms_norm, ctx, args, out);
}

Error prepare_rms_norm(Context* ctx, const RmsNormArgs& args) { return prepare_of(plan_rms_norm, ctx, args); }

Error describe_dispatches(Context* ctx, const RmsNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_rms_norm, ctx, args, out);
}

Error record_rms_norm(Context* ctx, VkCommandBuffer cmd, const RmsNormArgs& args) {
  return record_of(plan_rms_norm, ctx, cmd, args);
}

}  // namespace vknorm

namespace vknorm {

Error lp_norm_scratch_size(Context* ctx, const LpNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_lp_norm, ctx, args, out);
}

Error select_config(Context* ctx, const LpNormArgs& args, KernelConfig* out) {
  return config_of(plan_lp_norm, ctx, args, out);
}

Error prepare_lp_norm(Context* ctx, const LpNormArgs& args) { return prepare_of(plan_lp_norm, ctx, args); }

Error describe_dispatches(Context* ctx, const LpNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_lp_norm, ctx, args, out);
}

Error record_lp_norm(Context* ctx, VkCommandBuffer cmd, const LpNormArgs& args) {
  return record_of(plan_lp_norm, ctx, cmd, args);
}

}  // namespace vknorm
