// RMSNorm over the trailing dims (rms_norm_last) and its fused residual-add form (add_rms_norm):
// validation, the (outer, inner) row layout, dispatch planning and the two OpSpecs. Both run
// rms_norm_last.comp, or rms_norm_last_q8.comp for a quantized (int8 / float8) y.
#include "layer_norm_rows.h"
#include "rms_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/rms_norm_last.h"
#include "contracts/rms_norm_last_q8.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vknorm {
using namespace detail;

namespace {

// The arguments of both public forms (add_rms_norm without a residual is rms_norm_last).
struct LastArgs {
  Op op;
  const Tensor* x;
  const Tensor* residual;      // may be unset
  const Tensor* residual_out;  // may be unset
  const Tensor* add_bias;      // may be unset (add_rms_norm only)
  const Tensor* y;
  const Tensor* weight;
  float weight_offset;
  const Tensor* rstd;
  const Tensor* y_scale;
  float static_scale;
  int64_t scale_group;  // dynamic scale per this many elements of a row (0: per row)
  int normalized_rank;
  float eps;
  const KernelConfig* config;
};

// Rows of every row-carrying tensor as (outer, inner) with one stride each per tensor: the
// leading dims grouped where every tensor is contiguous across them.
struct RowGrid {
  uint64_t outer = 1, inner = 1, D = 0;
  struct Strides {
    uint64_t so = 0, si = 0;
  };
  std::vector<Strides> strides;  // per tensor, in the order given
};

Error row_grid(const std::vector<const Tensor*>& ts, const std::vector<const char*>& names, int nr,
               RowGrid* g) {
  const Tensor& x = *ts[0];
  if (nr < 1 || nr > x.rank)
    return make_error(Status::invalid_argument, "normalized_rank must be in 1.." + std::to_string(x.rank) +
                                                    " for x " + shape_string(x));
  const int lead = x.rank - nr;
  for (size_t k = 0; k < ts.size(); ++k) {
    uint64_t D = 0, st = 0;
    if (!collapse(*ts[k], lead, x.rank, &D, &st, 1) || (D > 1 && st != 1))
      return make_error(Status::invalid_argument, std::string(names[k]) + ": the normalized dimensions must be contiguous");
    g->D = D;
  }
  // Group the leading dims from the innermost: dim i joins the current group when, in every
  // tensor, its stride is the group's stride times the group's size (dims of size 1 join any).
  struct Group {
    uint64_t size = 1;
    std::vector<uint64_t> stride;  // per tensor
  };
  std::vector<Group> groups;
  for (int i = lead - 1; i >= 0; --i) {
    const uint64_t n = uint64_t(x.shape[i]);
    if (n == 1) continue;
    bool joins = !groups.empty();
    for (size_t k = 0; joins && k < ts.size(); ++k)
      joins = uint64_t(ts[k]->strides[i]) == groups.back().stride[k] * groups.back().size;
    if (joins) {
      groups.back().size *= n;
      continue;
    }
    Group gr;
    gr.size = n;
    for (const Tensor* t : ts) gr.stride.push_back(uint64_t(t->strides[i]));
    groups.push_back(gr);
  }
  if (groups.size() > 2)
    return make_error(Status::invalid_argument,
                      "the leading dimensions of " + shape_string(x) +
                          " must collapse into at most two strided dimensions in every tensor");
  g->strides.assign(ts.size(), {});
  if (!groups.empty()) {
    const Group& outer = groups.back();  // groups run innermost first
    g->outer = outer.size;
    for (size_t k = 0; k < ts.size(); ++k) g->strides[k].so = outer.stride[k];
  }
  if (groups.size() == 2) {
    g->inner = groups[0].size;
    for (size_t k = 0; k < ts.size(); ++k) g->strides[k].si = groups[0].stride[k];
  }
  for (int i = 0; i < lead; ++i)
    if (x.shape[i] == 0) g->outer = 0;
  return ok();
}

// Shared-memory words of the per-group maxima: rows per workgroup x the groups a row in
// registers can have (rms_norm_last.glsl, GSLOTS).
uint64_t group_slots(const KernelConfig& c, uint64_t G) {
  const uint64_t lanes = c.workgroup_size / c.rows_per_workgroup;
  return uint64_t(c.rows_per_workgroup) * ceil_div(lanes * c.items_per_invocation, G);
}

// Per-group scales keep the row in registers (the kernel's streamed path has no per-group
// maxima): a default config whose row does not fit its lanes takes more items per lane (at
// most 256); a given one must fit already. Then the maxima must fit shared memory beside the
// row reduction's.
Error keep_row_in_registers(const Context* ctx, const Problem& p, const KernelConfig* given, uint64_t G,
                            KernelConfig* c) {
  const uint64_t D = p.reduce, lanes = c->workgroup_size / c->rows_per_workgroup, vec = c->vector_width;
  if (D > lanes * c->items_per_invocation) {
    const uint64_t items = vec * ceil_div(ceil_div(D, vec), lanes);
    if ((given && given->items_per_invocation) || items > 256)
      return make_error(Status::unsupported,
                        "per-group scales keep a row in registers: rows of " + std::to_string(D) + " elements need " +
                            std::to_string(items) + " items per invocation at " + std::to_string(lanes) +
                            " lanes per row (at most 256" + (given && given->items_per_invocation ? ", or a config that holds the row" : "") + ")");
    c->items_per_invocation = uint32_t(items);
  }
  const uint64_t bytes = group_slots(*c, G) * 4 + shared_bytes(p.op, c->workgroup_size);
  if (bytes > ctx->profile.max_shared_memory_bytes)
    return make_error(Status::unsupported, "the maxima of groups of " + std::to_string(G) + " elements need " +
                                               std::to_string(bytes) + " bytes of shared memory (the device has " +
                                               std::to_string(ctx->profile.max_shared_memory_bytes) +
                                               "): choose a larger scale_group_size");
  return ok();
}

// The 8-bit module holds more per lane than the 16-bit kernels: on an H100 its rows held in
// registers ran 9-29% faster with half the table's workgroup and twice its items wherever the
// table gave more than 256 invocations at fewer than 32 items a lane (D = 8192: 512 x 16 ->
// 256 x 32; 14336 / 16384: 1024 x 16 -> 512 x 32), and no faster below that (256 x 16 / 24 /
// 32 stayed best; bench/results/2026-12-07/tune-probe.txt, the tuner timing these very configs).
// Every device class takes it (the kernel is the same; lavapipe's conformance runs it), though
// only Hopper has been timed. The selector's own configs only: a caller's or a tuned one is
// kept. The rule reads the config alone, so a batch-invariant config stays invariant.
void narrow_q8_workgroup(uint64_t D, KernelConfig* c) {
  while (c->workgroup_size > 256 && c->rows_per_workgroup == 1 && c->items_per_invocation < 32 &&
         D <= uint64_t(c->workgroup_size) * c->items_per_invocation) {
    c->workgroup_size /= 2;
    c->items_per_invocation *= 2;
  }
}

Error plan_last(Context* ctx, const LastArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  const Tensor &x = *a.x, &y = *a.y;
  if ((e = check_tensor(ctx, x, "x")) || (e = check_tensor(ctx, y, "y"))) return e;
  if (Error de = check_float_dtype(x, "x")) return de;
  if (!same_shape(x, y)) return make_error(Status::invalid_argument, "y " + shape_string(y) + " must have x's shape " + shape_string(x));
  // A quantized y (8-bit codes: int8 or float8) runs the q8 module, the format a constant.
  const bool q8 = y.dtype == DType::i8 || y.dtype == DType::f8_e4m3 || y.dtype == DType::f8_e5m2;
  if (!q8 && y.dtype != x.dtype)
    return make_error(Status::invalid_argument, std::string("y must have x's dtype, or i8 / f8_e4m3 / f8_e5m2, got ") +
                                                    dtype_name(y.dtype));
  if ((e = check_eps(a.eps))) return e;
  if (!std::isfinite(a.weight_offset)) return make_error(Status::invalid_argument, "weight_offset must be finite");
  if (a.weight_offset != 0.0f && !a.weight->is_set())
    return make_error(Status::invalid_argument, "weight_offset needs a weight (without one y = x * rstd)");
  const bool has_res = a.residual->is_set(), write_res = a.residual_out->is_set();
  if (write_res && !has_res) return make_error(Status::invalid_argument, "residual_out needs a residual");
  const bool add_bias = a.add_bias->is_set();
  if (add_bias && !has_res) return make_error(Status::invalid_argument, "add_bias needs a residual");
  std::vector<const Tensor*> rows_of = {&x, &y};
  std::vector<const char*> names = {"x", "y"};
  // The residual stream (residual, residual_out) has x's dtype, or fp32 beside 16-bit x (engines
  // that keep it in fp32): one dtype for both.
  const DType res_dtype = has_res ? a.residual->dtype : x.dtype;
  const bool res_f32 = has_res && res_dtype == DType::f32 && x.dtype != DType::f32;
  for (auto [t, name] : {std::pair<const Tensor*, const char*>{a.residual, "residual"}, {a.residual_out, "residual_out"}}) {
    if (!t->is_set()) continue;
    if ((e = check_tensor(ctx, *t, name))) return e;
    if (!same_shape(x, *t))
      return make_error(Status::invalid_argument, std::string(name) + " " + shape_string(*t) + " must have x's shape " +
                                                      shape_string(x));
    if (t->dtype != (res_f32 ? DType::f32 : x.dtype))
      return make_error(Status::invalid_argument, std::string(name) + " must have x's dtype (" + dtype_name(x.dtype) +
                                                      ")" + (x.dtype != DType::f32 ? ", or f32 as the residual stream" : "") +
                                                      " (residual and residual_out alike), got " + dtype_name(t->dtype));
    rows_of.push_back(t);
    names.push_back(name);
  }
  RowGrid g;
  if ((e = row_grid(rows_of, names, a.normalized_rank, &g))) return e;
  const uint64_t D = g.D, R = g.outer * g.inner;
  if (D == 0) return make_error(Status::invalid_argument, "the normalized size is 0: the mean over it is undefined");
  if (D > 0xFFFFFFFFull) return make_error(Status::unsupported, "rows of more than 2^32 - 1 elements");
  bool param_f32 = false;  // an fp32 weight beside 16-bit x (the kernel's PARAM_F32)
  if ((e = check_params(ctx, {{a.weight, "weight"}}, D, x.dtype, &param_f32))) return e;
  if (add_bias && (e = check_vector(ctx, *a.add_bias, D, x.dtype, "add_bias"))) return e;
  if (a.rstd->is_set() && (e = check_f32_per_row(ctx, *a.rstd, R, "rstd"))) return e;
  const bool dynamic = q8 && !(a.static_scale > 0.0f);
  // Per-group dynamic scales: G elements per scale, ceil(D / G) scales per row.
  const uint64_t G = a.scale_group > 0 ? uint64_t(a.scale_group) : 0;
  const uint64_t groups = G ? ceil_div(D, G) : 1;
  if (a.scale_group < 0) return make_error(Status::invalid_argument, "scale_group_size must be >= 0 (0: one scale per row)");
  if (G > 0xFFFFFFFFull) return make_error(Status::invalid_argument, "scale_group_size must be < 2^32");
  if (G && !dynamic)
    return make_error(Status::invalid_argument,
                      "scale_group_size applies to a quantized (i8 / f8) y with a dynamic scale (static_scale = 0)");
  if (q8) {
    if (!std::isfinite(a.static_scale) || a.static_scale < 0.0f)
      return make_error(Status::invalid_argument, "static_scale must be finite and >= 0 (0: dynamic per-row scale)");
    if (dynamic && !a.y_scale->is_set())
      return make_error(Status::invalid_argument, G ? "a quantized y with per-group scales needs y_scale (fp32, rows x ceil(D / scale_group_size))"
                                                    : "a quantized y with a dynamic scale needs y_scale (fp32, one per row)");
    if (!dynamic && a.y_scale->is_set())
      return make_error(Status::invalid_argument, "y_scale is written only with a dynamic scale (static_scale = 0)");
    if (dynamic && (e = check_f32_per_row(ctx, *a.y_scale, R * groups, G ? "y_scale (rows x ceil(D / scale_group_size))" : "y_scale")))
      return e;
  } else if (a.y_scale->is_set() || a.static_scale != 0.0f) {
    return make_error(Status::invalid_argument, "y_scale and static_scale apply to a quantized (i8 / f8) y only");
  }
  if ((e = check_aliasing(ctx,
                          {{&x, "x", false}, {a.residual, "residual", false}, {a.weight, "weight", false},
                           {a.add_bias, "add_bias", false}, {&y, "y", true}, {a.residual_out, "residual_out", true}, {a.rstd, "rstd", true},
                           {a.y_scale, "y_scale", true}},
                          {{"y", "x"}, {"residual_out", "residual"}})))
    return e;

  Problem p;
  p.op = a.op;
  p.dtype = x.dtype;
  p.outer = R;
  p.reduce = D;
  p.row_path = true;
  // 4 / 8-element accesses: D, every row stride and every base aligned to them.
  auto aligned = [&](uint64_t v) {
    if (D % v) return false;
    for (size_t k = 0; k < rows_of.size(); ++k) {
      if ((g.outer > 1 && g.strides[k].so % v) || (g.inner > 1 && g.strides[k].si % v)) return false;
      if (!vec_aligned(*rows_of[k], v)) return false;
    }
    return vec_aligned(*a.weight, v) && vec_aligned(*a.add_bias, v);
  };
  // A chunk (one access) must lie in one group: G a multiple of the vector width.
  p.vec4_ok = aligned(4) && G % 4 == 0;
  p.vec8_ok = p.dtype != DType::f32 && aligned(8) && G % 8 == 0;
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  if (q8 && !a.config && res->config.source.rfind("table:", 0) == 0) narrow_q8_workgroup(D, &res->config);
  if (G && (e = keep_row_in_registers(ctx, p, a.config, G, &res->config))) return e;
  const KernelConfig& c = res->config;
  if (R == 0) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  if ((e = choose_binding_mode(ctx, {&x, &y, a.residual, a.residual_out, a.add_bias, a.weight, a.rstd, a.y_scale},
                               &plan->address_mode)))
    return e;
  Planner pl(ctx, plan->address_mode);

  // Windows over the outer index; each covers k outer items x inner rows.
  auto span = [&](size_t k) {
    const RowGrid::Strides& s = g.strides[k];
    const uint64_t extent = (g.inner - 1) * s.si + D;
    return OuterSpan{g.outer > 1 ? s.so : extent, extent, dtype_size(rows_of[k]->dtype)};
  };
  std::vector<OuterSpan> spans;
  for (size_t k = 0; k < rows_of.size(); ++k) spans.push_back(span(k));
  const uint64_t rpw = c.rows_per_workgroup;
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0], max_gy = ctx->profile.max_workgroup_count[1];
  const uint64_t cap = std::min<uint64_t>(uint64_t(1) << 31, max_gx * max_gy * rpw) / g.inner;
  const uint64_t win = max_window(spans, pl.window_limit_bytes(), cap);
  if (win == 0)
    return make_error(Status::unsupported, "the rows of one outer index span more bytes than one binding can address on this device");
  auto tensor_index = [&](const Tensor* t) -> int {
    for (size_t k = 0; k < rows_of.size(); ++k)
      if (rows_of[k] == t) return int(k);
    return -1;
  };
  using K = kernels::rms_norm_last;  // FLAG_* (rms_norm_last_q8 has the same lists)
  uint32_t flags = 0;
  if (a.weight->is_set()) flags |= K::FLAG_WEIGHT;
  if (has_res) flags |= K::FLAG_RESIDUAL;
  if (write_res) flags |= K::FLAG_WRITE_RESIDUAL;
  if (a.rstd->is_set()) flags |= K::FLAG_WRITE_RSTD;
  if (dynamic) flags |= K::FLAG_DYNAMIC_SCALE;
  // The plain form (rows with one stride, no residual, rstd, weight offset or int8) runs on
  // rms_norm_rows, RMSNorm-over-dim-1's row kernel: same config and layout, and faster on the
  // H200 ((32768, 8192) f16: 258 us against 295 us for rms_norm_last.comp, whose optional
  // tensors cost registers and scheduling even when absent).
  const bool plain = !q8 && !has_res && !a.rstd->is_set() && a.weight_offset == 0.0f && g.inner == 1 && !param_f32;
  for (uint64_t o0 = 0; o0 < g.outer; o0 += win) {
    const uint64_t k = std::min(win, g.outer - o0);
    const uint64_t rows = k * g.inner, blocks = ceil_div(rows, rpw);
    const uint64_t gx = std::min(blocks, max_gx);
    if (plain) {
      plan->dispatches.push_back(rms_rows_dispatch(
          p.dtype, c, D, rows, k > 1 ? g.strides[0].so : 0, k > 1 ? g.strides[1].so : 0, a.weight->is_set(),
          a.eps, max_gx, pl.view(x, o0 * spans[0].stride, spans[0].elements(k)),
          pl.view(y, o0 * spans[1].stride, spans[1].elements(k)),
          a.weight->is_set() ? pl.view(*a.weight, 0, D) : pl.dummy(x)));
      continue;
    }
    // Both modules share the contract lists; the kernel type picks the module.
    auto dispatch_of = [&](auto kernel) {
      using KK = decltype(kernel);
      typename KK::Spec sc;
      sc.WG = c.workgroup_size;
      sc.ITEMS = c.items_per_invocation;
      sc.VEC = c.vector_width;
      sc.LPR = uint32_t(c.workgroup_size / rpw);
      sc.ADD_BIAS = add_bias ? 1u : 0u;
      sc.QFMT = y.dtype == DType::f8_e4m3 ? 1u : y.dtype == DType::f8_e5m2 ? 2u : 0u;
      sc.PARAM_F32 = param_f32 ? 1u : 0u;
      sc.RES_F32 = res_f32 ? 1u : 0u;
      sc.GSLOTS = G ? uint32_t(group_slots(c, G)) : 1u;
      typename KK::Push pc{};
      pc.D = uint32_t(D);
      pc.rows = uint32_t(rows);
      pc.inner = uint32_t(g.inner);
      pc.flags = flags;
      pc.eps = a.eps;
      pc.weight_offset = a.weight_offset;
      pc.static_scale = a.static_scale;
      pc.scale_group = uint32_t(G);
      // A row tensor's view of this window, and its two strides (0 where the index is always 0).
      // Unused bindings: an input slot views x, an output slot y (written here anyway), so that
      // synchronization validation never sees a write binding on an input.
      auto rows_view = [&](const Tensor* t, const Tensor& unused, uint32_t* so, uint32_t* si) {
        const int idx = tensor_index(t);
        if (idx < 0) {
          *so = *si = 0;
          return pl.dummy(unused);
        }
        *so = k > 1 ? uint32_t(g.strides[idx].so) : 0;
        *si = g.inner > 1 ? uint32_t(g.strides[idx].si) : 0;
        return pl.view(*t, o0 * spans[idx].stride, spans[idx].elements(k));
      };
      const BufferView xv = rows_view(&x, x, &pc.x_so, &pc.x_si);
      const BufferView rv = rows_view(has_res ? a.residual : nullptr, x, &pc.res_so, &pc.res_si);
      const BufferView ov = rows_view(write_res ? a.residual_out : nullptr, y, &pc.ro_so, &pc.ro_si);
      const BufferView yv = rows_view(&y, y, &pc.y_so, &pc.y_si);
      const BufferView wv = a.weight->is_set() ? pl.view(*a.weight, 0, D) : pl.dummy(x);
      const uint64_t r0 = o0 * g.inner;
      const BufferView sv = a.rstd->is_set() ? pl.view(*a.rstd, r0, rows) : pl.dummy(y);
      const BufferView qv = dynamic ? pl.view(*a.y_scale, r0 * groups, rows * groups) : pl.dummy(y);
      const BufferView abv = add_bias ? pl.view(*a.add_bias, 0, D) : pl.dummy(x);
      return plan_dispatch<KK>(p.dtype, sc, pc, xv, rv, ov, yv, wv, sv, qv, abv);
    };
    PlannedDispatch d = q8 ? dispatch_of(kernels::rms_norm_last_q8{}) : dispatch_of(kernels::rms_norm_last{});
    d.groups[0] = uint32_t(gx);
    d.groups[1] = uint32_t(ceil_div(blocks, gx));
    plan->dispatches.push_back(std::move(d));
  }
  return ok();
}

LastArgs from(const RmsNormLastArgs& a) {
  static const Tensor unset;
  return {Op::rms_norm_last, &a.x, &unset, &unset, &unset, &a.y, &a.weight, a.weight_offset, &a.rstd, &a.y_scale,
          a.static_scale, a.scale_group_size, a.normalized_rank, a.eps, a.config};
}
LastArgs from(const AddRmsNormArgs& a) {
  return {Op::add_rms_norm, &a.x, &a.residual, &a.residual_out, &a.add_bias, &a.y, &a.weight, a.weight_offset,
          &a.rstd, &a.y_scale, a.static_scale, a.scale_group_size, a.normalized_rank, a.eps, a.config};
}
Error plan_rms_norm_last(Context* ctx, const RmsNormLastArgs& a, Plan* plan, PlanResult* res) {
  return plan_last(ctx, from(a), plan, res);
}
Error plan_add_rms_norm(Context* ctx, const AddRmsNormArgs& a, Plan* plan, PlanResult* res) {
  if (!a.residual.is_set()) return make_error(Status::invalid_argument, "residual is required (use rms_norm_last without one)");
  return plan_last(ctx, from(a), plan, res);
}

// ---- OpSpecs: the core's row rule, keyed like every row problem ----

std::string last_case_shape(const Problem& p) { return rows_case_shape(p); }
void last_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  fill_row_config(lim, p, c);
  c->split = 1;
  c->channel_split = 0;
}
bool last_uses_row_kernel(const Problem&, const KernelConfig&) { return true; }
std::string last_check_config(const Problem&, const KernelConfig& c, bool) {
  if (c.split > 1) return "split must be 1: rms_norm_last keeps a row in one workgroup (long rows are streamed)";
  if (c.channel_split) return "channel_split applies to rms_norm's channel kernel only";
  return "";
}

template <typename Args>
void fill_prepare_args(const PrepareInfo& info, Placeholders* ph, Args* a, Tensor* y_scale) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  a->x = ph->tensor(info.dtype, shape);
  const DType q = info.int8_output ? DType::i8 : info.output_dtype;
  const bool quantized = q == DType::i8 || q == DType::f8_e4m3 || q == DType::f8_e5m2;
  a->y = ph->tensor(quantized ? q : info.dtype, shape);
  if (quantized) {
    const int lead = std::max(0, info.rank - info.normalized_rank);
    int64_t groups = 1;
    if (info.scale_group_size > 0) {
      const int64_t D = product(dims(info, lead, info.rank));
      groups = std::max<int64_t>(1, (D + info.scale_group_size - 1) / info.scale_group_size);
    }
    *y_scale = ph->tensor(DType::f32, {product(dims(info, 0, lead)) * groups});
  }
  a->scale_group_size = quantized ? info.scale_group_size : 0;
  if (info.f32_params) a->weight = ph->tensor(DType::f32, dims(info, std::max(0, info.rank - info.normalized_rank), info.rank));
  a->normalized_rank = info.normalized_rank;
  a->config = info.config;
}

Error last_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  RmsNormLastArgs a;
  fill_prepare_args(info, ph, &a, &a.y_scale);
  return prepare_rms_norm_last(ctx, a);
}
Error add_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  AddRmsNormArgs a;
  fill_prepare_args(info, ph, &a, &a.y_scale);
  a.residual = ph->tensor(info.f32_residual ? DType::f32 : info.dtype, dims(info, 0, info.rank));
  if (info.add_bias) a.add_bias = ph->tensor(info.dtype, dims(info, std::max(0, info.rank - info.normalized_rank), info.rank));
  return prepare_add_rms_norm(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kRmsNormLastSpec = {Op::rms_norm_last,  "rms_norm_last",      0, last_case_shape,
                                        last_fill_config,   last_uses_row_kernel, last_check_config,
                                        last_prepare};
extern const OpSpec kAddRmsNormSpec = {Op::add_rms_norm,   "add_rms_norm",       0, last_case_shape,
                                       last_fill_config,   last_uses_row_kernel, last_check_config,
                                       add_prepare};
}  // namespace detail

Error rms_norm_last_scratch_size(Context* ctx, const RmsNormLastArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_rms_norm_last, ctx, args, out);
}
Error select_config(Context* ctx, const RmsNormLastArgs& args, KernelConfig* out) {
  return config_of(plan_rms_norm_last, ctx, args, out);
}
Error prepare_rms_norm_last(Context* ctx, const RmsNormLastArgs& args) {
  return prepare_of(plan_rms_norm_last, ctx, args);
}
Error describe_dispatches(Context* ctx, const RmsNormLastArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_rms_norm_last, ctx, args, out);
}
Error record_rms_norm_last(Context* ctx, VkCommandBuffer cmd, const RmsNormLastArgs& args) {
  return record_of(plan_rms_norm_last, ctx, cmd, args);
}

Error add_rms_norm_scratch_size(Context* ctx, const AddRmsNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_add_rms_norm, ctx, args, out);
}
Error select_config(Context* ctx, const AddRmsNormArgs& args, KernelConfig* out) {
  return config_of(plan_add_rms_norm, ctx, args, out);
}
Error prepare_add_rms_norm(Context* ctx, const AddRmsNormArgs& args) {
  return prepare_of(plan_add_rms_norm, ctx, args);
}
Error describe_dispatches(Context* ctx, const AddRmsNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_add_rms_norm, ctx, args, out);
}
Error record_add_rms_norm(Context* ctx, VkCommandBuffer cmd, const AddRmsNormArgs& args) {
  return record_of(plan_add_rms_norm, ctx, cmd, args);
}

}  // namespace vknorm
