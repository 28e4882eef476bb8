// LayerNorm forward and its fused residual-add form (add_layer_norm): one workgroup per row with
// the row in registers (split == 1), or rows split over `split` workgroups: a statistics pass and
// an apply pass per wave of rows (after a residual_add pass that writes h for the fused form).
#include "layer_norm_plan.h"
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/ada_norm_row.h"
#include "contracts/ada_norm_row_q8.h"
#include "contracts/add_layer_norm_row.h"
#include "contracts/layer_norm_apply.h"
#include "contracts/layer_norm_row.h"
#include "contracts/layer_norm_stats.h"
#include "contracts/residual_add.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm {
using namespace detail;

namespace {

// The row kernels' specialization constants (layer_norm_row and add_layer_norm_row).
template <typename K = kernels::layer_norm_row>
typename K::Spec row_spec(const KernelConfig& c) {
  typename K::Spec sc;
  sc.WG = c.workgroup_size;
  sc.ITEMS = c.items_per_invocation;
  sc.VEC = c.vector_width;
  sc.LPR = c.workgroup_size / c.rows_per_workgroup;
  return sc;
}

// A modulation tensor of x (scale / shift / gate of ada_norm): its leading dims, trailing
// size-1 dims dropped, must be a prefix of x's leading dims and its last dim x's. Its rows then
// map onto consecutive blocks of x's rows; *rows_per gets the block length.
Error modulation_layout(Context* ctx, const Tensor& x, const Tensor& t, const char* name, RowLayout* l,
                        uint64_t* rows_per) {
  if (Error e = check_tensor(ctx, t, name)) return e;
  if (t.dtype != x.dtype) return make_error(Status::invalid_argument, std::string(name) + " must have x's dtype");
  int lead = t.rank - 1;
  while (lead > 0 && t.shape[lead - 1] == 1) --lead;
  bool prefix = t.rank >= 1 && t.shape[t.rank - 1] == x.shape[x.rank - 1] && lead <= x.rank - 1;
  for (int i = 0; prefix && i < lead; ++i) prefix = t.shape[i] == x.shape[i];
  if (!prefix)
    return make_error(Status::invalid_argument,
                      std::string(name) + " " + shape_string(t) + " must be (..., D) with leading dims a prefix of x's " +
                          shape_string(x) + " (per sample (B, 1, D) / (B, D), per token (B, T, D), or (D))");
  if (Error e = row_layout(t, 1, name, l)) return e;
  uint64_t x_rows = 1;
  for (int i = 0; i + 1 < x.rank; ++i) x_rows *= uint64_t(x.shape[i]);
  *rows_per = l->rows ? std::max<uint64_t>(1, x_rows / l->rows) : 1;
  return ok();
}

}  // namespace

namespace detail {

Error plan_ln(Context* ctx, const LnCall& call, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  const LayerNormArgs& a = call.a;
  const GroupAffine* grp = call.group;
  static const Tensor unset;
  const Tensor &r = *call.residual, &ro = *call.residual_out;
  const Tensor& ab = call.add_bias ? *call.add_bias : unset;
  const bool add = r.is_set(), write_res = ro.is_set(), add_bias = ab.is_set();
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.y, "y"))) return e;
  if (!same_shape(a.x, a.y))
    return make_error(Status::invalid_argument, "y " + shape_string(a.y) + " must have x's shape " + shape_string(a.x));
  // ada_norm: a quantized y (8-bit codes: int8 or float8) runs ada_norm_row_q8, the format a
  // constant (check_tensor above refused it without storageBuffer8BitAccess).
  const bool q8 = call.ada && call.ada->y_scale &&
                  (a.y.dtype == DType::i8 || a.y.dtype == DType::f8_e4m3 || a.y.dtype == DType::f8_e5m2);
  if (!q8 && a.x.dtype != a.y.dtype)
    return make_error(Status::invalid_argument, std::string("y must have x's dtype") +
                                                    (call.ada && call.ada->y_scale ? ", or i8 / f8_e4m3 / f8_e5m2, got " : ", got ") +
                                                    dtype_name(a.y.dtype));
  if (Error de = check_float_dtype(a.x, "x")) return de;
  if ((e = check_eps(a.eps))) return e;
  RowLayout xl, yl, rl, ol;
  if ((e = row_layout(a.x, a.normalized_rank, "x", &xl)) || (e = row_layout(a.y, a.normalized_rank, "y", &yl))) return e;
  if (write_res && !add) return make_error(Status::invalid_argument, "residual_out needs a residual");
  // ada_norm: the gate and the modulation tensors (unset ones stay empty).
  const AdaCall* ada = call.ada;
  const Tensor& gate = ada && ada->gate ? *ada->gate : unset;
  const Tensor& scl = ada && ada->scale ? *ada->scale : unset;
  const Tensor& shf = ada && ada->shift ? *ada->shift : unset;
  RowLayout gl, sl, hl;
  uint64_t g_div = 1, s_div = 1, h_div = 1;
  if (ada) {
    if (ada->norm != NormKind::layer && ada->norm != NormKind::rms)
      return make_error(Status::invalid_argument, "norm must be NormKind::layer or NormKind::rms");
    if (a.normalized_rank != 1) return make_error(Status::invalid_argument, "ada_norm normalizes the last dim only");
    if (gate.is_set() && !add && !ada->zgate) return make_error(Status::invalid_argument, "gate needs a residual");
    uint64_t mod_rows = 0;
    const char* first = nullptr;
    for (auto [t, name, l, div] : {std::tuple<const Tensor*, const char*, RowLayout*, uint64_t*>{&gate, "gate", &gl, &g_div},
                                   {&scl, "scale", &sl, &s_div}, {&shf, "shift", &hl, &h_div}}) {
      if (!t->is_set()) continue;
      if ((e = modulation_layout(ctx, a.x, *t, name, l, div))) return e;
      if (first && l->rows != mod_rows)
        return make_error(Status::invalid_argument, std::string(name) + " must have " + first + "'s rows (" +
                                                        std::to_string(mod_rows) + "): one modulation granularity per call");
      first = first ? first : name;
      mod_rows = l->rows;
    }
  }
  if (add_bias && !add) return make_error(Status::invalid_argument, "add_bias needs a residual");
  for (auto [t, name, layout] : {std::tuple<const Tensor*, const char*, RowLayout*>{&r, "residual", &rl},
                                 {&ro, "residual_out", &ol}}) {
    if (!t->is_set()) continue;
    if ((e = check_tensor(ctx, *t, name))) return e;
    if (!same_shape(a.x, *t) || t->dtype != a.x.dtype)
      return make_error(Status::invalid_argument, std::string(name) + " " + shape_string(*t) + " must have x's shape " +
                                                      shape_string(a.x) + " and dtype");
    if ((e = row_layout(*t, a.normalized_rank, name, layout))) return e;
  }
  const uint64_t R = xl.rows, D = xl.D;
  if (D == 0) return make_error(Status::invalid_argument, "the normalized size is 0: mean and variance are undefined");
  static const Tensor no_scale;
  const Tensor& y_scale = call.ada && call.ada->y_scale ? *call.ada->y_scale : no_scale;
  const float static_scale = call.ada ? call.ada->static_scale : 0.0f;
  const bool dynamic = q8 && !(static_scale > 0.0f);
  if (q8) {
    if (!std::isfinite(static_scale) || static_scale < 0.0f)
      return make_error(Status::invalid_argument, "static_scale must be finite and >= 0 (0: dynamic per-row scale)");
    if (dynamic && !y_scale.is_set())
      return make_error(Status::invalid_argument, "a quantized y with a dynamic scale needs y_scale (fp32, one per row)");
    if (!dynamic && y_scale.is_set())
      return make_error(Status::invalid_argument, "y_scale is written only with a dynamic scale (static_scale = 0)");
    if (dynamic && (e = check_f32_per_row(ctx, y_scale, R, "y_scale"))) return e;
    // D shares a push word with the flags (below 2^20: ada_norm's longest rows are 1024 x 256).
    if (D >= (uint64_t(1) << 20))
      return make_error(Status::unsupported, "ada_norm with a quantized y takes rows of fewer than 2^20 elements");
    // One row stride for the modulation tensors (the q8 kernel's push block is full): it
    // matters only with more than one modulation row.
    uint64_t m_rs = 0;
    for (auto [t, l, name] : {std::tuple<const Tensor*, const RowLayout*, const char*>{&gate, &gl, "gate"}, {&scl, &sl, "scale"},
                              {&shf, &hl, "shift"}}) {
      if (!t->is_set() || l->rows <= 1) continue;
      if (m_rs && l->row_stride != m_rs)
        return make_error(Status::unsupported, std::string("with a quantized y, scale, shift and gate must share one row stride (") +
                                                   name + "'s is " + std::to_string(l->row_stride) + ", another's " +
                                                   std::to_string(m_rs) + ")");
      m_rs = l->row_stride;
    }
  } else if (y_scale.is_set() || static_scale != 0.0f) {
    return make_error(Status::invalid_argument, "y_scale and static_scale apply to a quantized (i8 / f8) y only");
  }
  if (ada) {
    uint64_t wg = 1;  // the largest power-of-two workgroup (the selector's bound)
    while (wg * 2 <= std::min<uint64_t>({ctx->profile.max_workgroup_invocations, ctx->profile.max_workgroup_size_x, 1024}))
      wg *= 2;
    const uint64_t longest = wg * kMaxRowItems;
    if (D > longest)
      return make_error(Status::unsupported, std::string(op_name(call.op)) + " rows of " + std::to_string(D) + " elements exceed the " +
                                                 std::to_string(longest) + " one workgroup of this device holds");
    if (R >= (uint64_t(1) << 32))
      return make_error(Status::unsupported, std::string(op_name(call.op)) + " takes fewer than 2^32 rows");
  }
  // GroupNorm / InstanceNorm: one weight / bias value per channel.
  const uint64_t affine_len = grp ? grp->groups * grp->cpg : D;
  bool param_f32 = false;  // weight / bias in fp32 beside 16-bit x (the kernels' PARAM_F32)
  if ((e = check_params(ctx, {{&a.weight, "weight"}, {&a.bias, "bias"}}, affine_len, a.x.dtype, &param_f32))) return e;
  if (add_bias && (e = check_vector(ctx, ab, D, a.x.dtype, "add_bias"))) return e;
  if (a.mean.is_set() && (e = check_f32_per_row(ctx, a.mean, R, "mean"))) return e;
  if (a.rstd.is_set() && (e = check_f32_per_row(ctx, a.rstd, R, "rstd"))) return e;

  Problem p;
  p.op = call.op;
  p.dtype = a.x.dtype;
  p.outer = R;
  p.reduce = D;
  // 4 / 8-element accesses: D, every row stride and every base aligned to them (8: 16-bit
  // data, the row kernel only).
  const std::vector<std::pair<const Tensor*, const RowLayout*>> rows_of = {
      {&a.x, &xl}, {&a.y, &yl}, {&r, &rl}, {&ro, &ol}};
  // Per-channel affine values are read one at a time; an access must not straddle channels.
  auto aligned = [&](uint64_t v) {
    if (D % v || (grp && grp->hw % v)) return false;
    for (auto [t, l] : rows_of)
      if (t->is_set() && ((R > 1 && l->row_stride % v) || !vec_aligned(*t, v))) return false;
    for (auto [t, l] : {std::pair<const Tensor*, const RowLayout*>{&gate, &gl}, {&scl, &sl}, {&shf, &hl}})
      if (t->is_set() && ((l->rows > 1 && l->row_stride % v) || !vec_aligned(*t, v))) return false;
    return grp || (vec_aligned(a.weight, v) && vec_aligned(a.bias, v) && vec_aligned(ab, v));
  };
  p.vec4_ok = aligned(4);
  p.vec8_ok = p.dtype != DType::f32 && aligned(8);
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  const bool split = c.split > 1;
  const uint64_t es = dtype_size(p.dtype);
  // The split fused form normalizes h = x + residual from residual_out, or from scratch (h of
  // one wave of rows at a time) when residual_out is omitted.
  const uint64_t part_bytes = split ? R * c.split * 16 : 0;
  const bool h_in_scratch = split && add && !write_res;
  uint64_t wave_rows = R;
  if (split && c.wave_bytes) wave_rows = std::min<uint64_t>(R, std::max<uint64_t>(1, c.wave_bytes / (D * es)));
  const uint64_t h_bytes = h_in_scratch ? (wave_rows * D * es + 15) / 16 * 16 : 0;
  res->scratch_bytes = part_bytes + h_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  // A quantized y cannot be x in place (its codes are narrower than x's elements).
  auto aliasing = [&](std::initializer_list<std::pair<const char*, const char*>> in_place) {
    return check_aliasing(ctx,
                          {{&a.x, "x", false}, {&r, "residual", false}, {&a.weight, "weight", false},
                           {&a.bias, "bias", false}, {&ab, "add_bias", false}, {&gate, "gate", false},
                           {&scl, "scale", false}, {&shf, "shift", false}, {&a.y, "y", true},
                           {&ro, "residual_out", true},
                           {&a.mean, "mean", true}, {&a.rstd, "rstd", true}, {&scratch_arg, "scratch", true},
                           {&y_scale, "y_scale", true}},
                          in_place);
  };
  if ((e = q8 ? aliasing({{"residual_out", "residual"}}) : aliasing({{"y", "x"}, {"residual_out", "residual"}}))) return e;
  if (R == 0) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  Tensor scratch;
  if ((e = check_scratch(ctx, a.scratch, res->scratch_bytes, &scratch))) return e;
  std::vector<const Tensor*> bound = {&a.x,    &a.y,    &r,      &ro,   &ab,  &a.weight, &a.bias,
                                     &a.mean, &a.rstd, &scratch, &gate, &scl, &shf, &y_scale};
  bound.insert(bound.end(), call.also_bound.begin(), call.also_bound.end());
  if ((e = choose_binding_mode(ctx, bound, &plan->address_mode))) return e;
  Planner pl(ctx, plan->address_mode);

  const OuterSpan xs{xl.row_stride, D, es}, ys{yl.row_stride, D, dtype_size(a.y.dtype)}, ms{1, 1, 4};
  const OuterSpan rs{add ? rl.row_stride : D, D, es}, os{write_res ? ol.row_stride : D, D, es};
  std::vector<OuterSpan> spans = {xs, ys, ms};
  if (add) spans.push_back(rs);
  if (write_res) spans.push_back(os);
  for (auto [t, l] : {std::pair<const Tensor*, const RowLayout*>{&gate, &gl}, {&scl, &sl}, {&shf, &hl}})
    if (t->is_set()) spans.push_back({l->row_stride, D, es});
  // The row kernel covers a window's rows with a 2D grid of rows_per_workgroup-row blocks (one
  // dispatch per window); the split paths put rows on the grid's y.
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0], max_gy = ctx->profile.max_workgroup_count[1];
  const uint64_t row_cap = split ? max_gy : std::min<uint64_t>(uint64_t(1) << 31, max_gx * max_gy * c.rows_per_workgroup);
  uint64_t win = max_window(spans, pl.window_limit_bytes(), row_cap);
  if (win == 0) return make_error(Status::unsupported, "one row spans more bytes than one binding can address on this device");
  const uint64_t chunk = uint64_t(c.workgroup_size) * c.items_per_invocation;
  const uint64_t chunks = ceil_div(D, chunk);
  if (split) {
    if (chunks > ctx->profile.max_workgroup_count[0] || c.split > ctx->profile.max_workgroup_count[0])
      return make_error(Status::unsupported, "rows of " + std::to_string(D) + " elements need more workgroups per row than the device dispatches");
    win = std::min(win, wave_rows);
  }
  // One flags word for the row and the apply kernel: their contracts give the same bits.
  using Row = kernels::layer_norm_row;
  using Apply = kernels::layer_norm_apply;
  static_assert(Row::FLAG_WEIGHT == Apply::FLAG_WEIGHT && Row::FLAG_BIAS == Apply::FLAG_BIAS &&
                Row::FLAG_MEAN == Apply::FLAG_MEAN && Row::FLAG_RSTD == Apply::FLAG_RSTD, "");
  static_assert(Row::FLAG_CHANNEL == Apply::FLAG_CHANNEL && Row::FLAG_VAR == Apply::FLAG_VAR, "");
  const uint32_t act = uint32_t(grp ? grp->activation : Activation::none);  // the kernels' ACT
  const uint32_t flags = (a.weight.is_set() ? Row::FLAG_WEIGHT : 0u) | (a.bias.is_set() ? Row::FLAG_BIAS : 0u) |
                         (a.mean.is_set() ? Row::FLAG_MEAN : 0u) | (a.rstd.is_set() ? Row::FLAG_RSTD : 0u) |
                         (grp ? Row::FLAG_CHANNEL : 0u) | (grp && grp->write_var ? Row::FLAG_VAR : 0u);
  // The per-channel affine's push fields (unused without FLAG_CHANNEL).
  auto set_group = [&](auto& pc, uint64_t r0) {
    pc.hw = grp ? uint32_t(grp->hw) : 1u;
    pc.cpg = grp ? uint32_t(grp->cpg) : 1u;
    pc.groups = grp ? uint32_t(grp->groups) : 1u;
    pc.row_base = grp ? uint32_t(r0 % grp->groups) : 0u;  // fits 32 bits whatever r0 is
  };
  const uint64_t span = (ceil_div(D, c.split) + 3) / 4 * 4;
  uint32_t part_base = 0;
  const BufferView part = split ? pl.scratch(scratch, 0, part_bytes, 16, &part_base) : BufferView{};
  for (uint64_t r0 = 0; r0 < R; r0 += win) {
    const uint64_t k = std::min(win, R - r0);
    BufferView xv = pl.view(a.x, r0 * xl.row_stride, xs.elements(k));
    const BufferView yv = pl.view(a.y, r0 * yl.row_stride, ys.elements(k));
    const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, affine_len) : pl.dummy(a.x);
    const BufferView bv = a.bias.is_set() ? pl.view(a.bias, 0, affine_len) : pl.dummy(a.x);
    // Unused outputs bind y (written by this dispatch anyway), never an input.
    const BufferView mv = a.mean.is_set() ? pl.view(a.mean, r0, k) : pl.dummy(a.y);
    const BufferView rv = a.rstd.is_set() ? pl.view(a.rstd, r0, k) : pl.dummy(a.y);
    const uint32_t part_off = uint32_t(part_base + r0 * c.split);
    const BufferView resv = add ? pl.view(r, r0 * rl.row_stride, rs.elements(k)) : BufferView{};
    const BufferView rov = write_res ? pl.view(ro, r0 * ol.row_stride, os.elements(k)) : BufferView{};
    const BufferView abv = add_bias ? pl.view(ab, 0, D) : pl.dummy(a.x);
    if (!split) {
      const uint64_t blocks = ceil_div(k, c.rows_per_workgroup);
      const uint64_t gx = std::min(blocks, max_gx);
      // The push fields both row kernels share.
      auto push_of = [&](auto kernel) {
        using K = decltype(kernel);
        typename K::Push pc{};
        pc.D = uint32_t(D);
        pc.x_rs = uint32_t(xl.row_stride);
        pc.y_rs = uint32_t(yl.row_stride);
        pc.rows = uint32_t(k);
        pc.flags = flags;
        pc.eps = a.eps;
        return pc;
      };
      PlannedDispatch d;
      if (ada) {
        using AdaRow = kernels::ada_norm_row;
        // The shared flags word: weight / bias bits agree; mean / rstd / channel are never set here.
        static_assert(Row::FLAG_WEIGHT == AdaRow::FLAG_WEIGHT && Row::FLAG_BIAS == AdaRow::FLAG_BIAS, "");
        AdaRow::Push pc = push_of(AdaRow{});
        pc.flags |= write_res ? AdaRow::FLAG_WRITE_RESIDUAL : 0u;
        pc.res_rs = add ? uint32_t(rl.row_stride) : 0u;
        pc.ro_rs = write_res ? uint32_t(ol.row_stride) : 0u;
        pc.row0 = uint32_t(r0);
        pc.scale_offset = ada->scale_offset;
        // A modulation tensor's view starts at the first of its rows this window reads.
        // One divisor: the modulation tensors have the same rows (checked above).
        const uint64_t div = std::max({g_div, s_div, h_div});
        pc.mdiv = uint32_t(div);
        auto mod_view = [&](const Tensor& t, const RowLayout& l, uint32_t* stride) {
          *stride = uint32_t(l.row_stride);
          if (!t.is_set()) return pl.dummy(a.x);
          const uint64_t first = r0 / div, last = (r0 + k - 1) / div;
          return pl.view(t, first * l.row_stride, (last - first) * l.row_stride + D);
        };
        const BufferView scv = mod_view(scl, sl, &pc.sc_rs);
        const BufferView shv = mod_view(shf, hl, &pc.sh_rs);
        const BufferView gv = mod_view(gate, gl, &pc.g_rs);
        // The specialization constants both ada kernels share.
        auto ada_spec = [&](auto kernel) {
          using K = decltype(kernel);
          typename K::Spec sc = row_spec<K>(c);
          sc.NORM = uint32_t(ada->norm);
          sc.RESIDUAL = !add ? 0u : gate.is_set() ? 2u : 1u;
          sc.ZGATE = ada->zgate;
          sc.MOD = (scl.is_set() ? 1u : 0u) | (shf.is_set() ? 2u : 0u);
          sc.PARAM_F32 = param_f32 ? 1u : 0u;
          return sc;
        };
        if (q8) {
          // 8-bit codes: D and the flags in one word, one modulation row stride (the push
          // block is full: contracts/ada_norm_row_q8.h; strides checked above).
          using Q8 = kernels::ada_norm_row_q8;
          static_assert(AdaRow::FLAG_WEIGHT == Q8::FLAG_WEIGHT && AdaRow::FLAG_BIAS == Q8::FLAG_BIAS &&
                            AdaRow::FLAG_WRITE_RESIDUAL == Q8::FLAG_WRITE_RESIDUAL && Q8::FLAG_DYNAMIC_SCALE < (1u << 12),
                        "");
          Q8::Push q{};
          q.d_flags = uint32_t(D) | ((pc.flags | (dynamic ? Q8::FLAG_DYNAMIC_SCALE : 0u)) << 20);
          q.x_rs = pc.x_rs;
          q.y_rs = pc.y_rs;
          q.rows = pc.rows;
          q.eps = pc.eps;
          q.res_rs = pc.res_rs;
          q.ro_rs = pc.ro_rs;
          q.m_rs = scl.is_set() && sl.rows > 1 ? pc.sc_rs : shf.is_set() && hl.rows > 1 ? pc.sh_rs
                                                           : gate.is_set() && gl.rows > 1 ? pc.g_rs : 0u;
          q.mdiv = pc.mdiv;
          q.row0 = pc.row0;
          q.scale_offset = pc.scale_offset;
          q.static_scale = dynamic ? 0.0f : static_scale;
          Q8::Spec sc = ada_spec(Q8{});
          sc.QFMT = a.y.dtype == DType::f8_e4m3 ? 1u : a.y.dtype == DType::f8_e5m2 ? 2u : 0u;
          const BufferView qv = dynamic ? pl.view(y_scale, r0, k) : pl.dummy(a.y);
          d = plan_dispatch<Q8>(p.dtype, sc, q, xv, yv, wv, bv, add ? resv : xv, write_res ? rov : pl.dummy(a.y), scv, shv,
                                gv, qv);
        } else {
          // Without a residual its bindings view x (read anyway) and y (written anyway).
          d = plan_dispatch<AdaRow>(p.dtype, ada_spec(AdaRow{}), pc, xv, yv, wv, bv, add ? resv : xv,
                                    write_res ? rov : pl.dummy(a.y), scv, shv, gv);
        }
      } else if (!add) {
        Row::Push pc = push_of(Row{});
        set_group(pc, r0);
        Row::Spec sc = row_spec(c);
        sc.ACT = act;
        sc.PARAM_F32 = param_f32 ? 1u : 0u;
        d = plan_dispatch<Row>(p.dtype, sc, pc, xv, yv, wv, bv, mv, rv);
      } else {
        using AddRow = kernels::add_layer_norm_row;
        static_assert(Row::FLAG_WEIGHT == AddRow::FLAG_WEIGHT && Row::FLAG_BIAS == AddRow::FLAG_BIAS &&
                          Row::FLAG_MEAN == AddRow::FLAG_MEAN && Row::FLAG_RSTD == AddRow::FLAG_RSTD, "");
        AddRow::Push pc = push_of(AddRow{});
        pc.flags |= write_res ? AddRow::FLAG_WRITE_RESIDUAL : 0u;
        pc.res_rs = uint32_t(rl.row_stride);
        pc.ro_rs = write_res ? uint32_t(ol.row_stride) : 0u;
        // Without residual_out its binding views y (written here anyway), never an input.
        AddRow::Spec sc = row_spec<AddRow>(c);
        sc.ADD_BIAS = add_bias ? 1u : 0u;
        sc.PARAM_F32 = param_f32 ? 1u : 0u;
        d = plan_dispatch<AddRow>(p.dtype, sc, pc, xv, yv, wv, bv, mv, rv, resv,
                                  write_res ? rov : pl.dummy(a.y), abv);
      }
      d.groups[0] = uint32_t(gx);
      d.groups[1] = uint32_t(ceil_div(blocks, gx));
      plan->dispatches.push_back(std::move(d));
      continue;
    }
    uint64_t x_rs = xl.row_stride;
    bool after_add = false;
    if (add) {
      // h = x + residual into residual_out, or into scratch (one wave's rows, reused: the pass
      // waits for the previous wave's apply pass, which reads it).
      BufferView hv = rov;
      uint64_t h_rs = ol.row_stride;
      if (h_in_scratch) {
        Tensor h = scratch;
        h.dtype = p.dtype;
        if (h.address) h.address += part_bytes; else h.offset += part_bytes;
        hv = pl.view(h, 0, k * D);
        h_rs = D;
      }
      using Add = kernels::residual_add;
      Add::Spec asp;
      asp.WG = c.workgroup_size;
      asp.ITEMS = c.items_per_invocation;
      asp.VEC = c.vector_width;
      Add::Push ap{};
      ap.D = uint32_t(D);
      ap.x_rs = uint32_t(xl.row_stride);
      ap.res_rs = uint32_t(rl.row_stride);
      ap.ro_rs = uint32_t(h_rs);
      asp.ADD_BIAS = add_bias ? 1u : 0u;
      PlannedDispatch d = plan_dispatch<Add>(p.dtype, asp, ap, xv, resv, hv, abv);
      d.groups[0] = uint32_t(chunks);
      d.groups[1] = uint32_t(k);
      d.barrier_before = h_in_scratch && r0 > 0;
      plan->dispatches.push_back(std::move(d));
      xv = hv;
      x_rs = h_rs;
      after_add = true;
    }
    // The stats pass of this wave may overlap the previous wave's apply pass (they touch
    // different rows); the apply pass waits for both.
    using Stats = kernels::layer_norm_stats;
    Stats::Spec ss;
    ss.WG = c.workgroup_size;
    ss.ITEMS = c.items_per_invocation;
    ss.VEC = c.vector_width;
    Stats::Push sp{};
    sp.D = uint32_t(D);
    sp.span = uint32_t(span);
    sp.x_rs = uint32_t(x_rs);
    sp.part_off = part_off;
    PlannedDispatch s = plan_dispatch<Stats>(p.dtype, ss, sp, xv, part);
    s.groups[0] = c.split;
    s.groups[1] = uint32_t(k);
    s.barrier_before = after_add;
    plan->dispatches.push_back(std::move(s));
    Apply::Spec asc;
    asc.WG = c.workgroup_size;
    asc.ITEMS = c.items_per_invocation;
    asc.VEC = c.vector_width;
    Apply::Push ap{};
    ap.D = uint32_t(D);
    ap.x_rs = uint32_t(x_rs);
    ap.y_rs = uint32_t(yl.row_stride);
    ap.flags = flags;
    ap.eps = a.eps;
    ap.part_off = part_off;
    ap.split = c.split;
    set_group(ap, r0);
    // rows_per_workgroup consecutive rows per apply workgroup share its weight / bias chunk.
    ap.rows = uint32_t(k);
    ap.rpw = uint32_t(std::min<uint64_t>(c.rows_per_workgroup, k));
    // Not keyed on whether weight / bias are given: prepare() makes the same pipelines.
    asc.AFFINE_REGS = ap.rpw > 1 && !grp ? 1u : 0u;
    asc.ACT = act;
    asc.PARAM_F32 = param_f32 ? 1u : 0u;
    PlannedDispatch d = plan_dispatch<Apply>(p.dtype, asc, ap, xv, yv, wv, bv, mv, rv, part);
    d.groups[0] = uint32_t(chunks);
    d.groups[1] = uint32_t(ceil_div(k, uint64_t(ap.rpw)));
    d.barrier_before = true;
    plan->dispatches.push_back(std::move(d));
  }
  return ok();
}

// ---- OpSpec ----

std::string ln_case_shape(const Problem& p) { return rows_case_shape(p); }

bool ln_uses_row_kernel(const Problem&, const KernelConfig& c) { return c.split == 1; }

void ln_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  choose_split(lim, p, /*backward=*/false, c);
  if (c->split == 1) {  // the row kernel
    // 16-bit LayerNorm rows keep 8-byte accesses: on the H200, 16-byte ones (vec 8) were
    // slower for (32768, 8192) f16 (348 us against 318 us) and (4096, 4096) bf16 (31 against
    // 28.6 us), bench/results/h200-2026-11-22-rows/. RMSNorm rows gain from them.
    if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
    // f16 rows on Hopper: twice the items per lane (half the lanes), so that twice the bytes
    // are in flight per invocation. H200, side by side (bench/results/h200-2026-12-01-final/
    // probe-ln16): (32768, 8192) 381 -> 293 us, (262144, 768) 304 -> 253 us (a cap on the items
    // per lane: fill_row_config fits them to the row). bf16 lost with
    // the same change ((262144, 768): 369 -> 503 us: its conversions cost registers), and no
    // other class was measured: both keep the table's items.
    // Only where the rows fill the device: a decode-sized row wants the lanes ((1, 4096) f16:
    // 6.1 us at 256 x 16, 8.0-8.7 us at 128 x 32; bench/results/2026-12-04-zoo/split-probe/).
    const bool wide = p.dtype == DType::f16 && c->vector_width == 4 &&
                      lim.device.device_class == DeviceClass::hopper && rows_fill_device(lim, p);
    fill_row_config(lim, p, c, wide ? 2 * lim.table.ln_items : 0);
    return;
  }
  fill_split_config(lim, p, /*backward=*/false, c);
}

std::string ln_check_config(const Problem& p, const KernelConfig& c, bool row_kernel) {
  if (!row_kernel) return check_split_config(p, c);
  if (p.reduce > uint64_t(c.workgroup_size / c.rows_per_workgroup) * c.items_per_invocation)
    return "the row (" + std::to_string(p.reduce) +
           ") must fit in (workgroup_size / rows_per_workgroup) * items_per_invocation";
  return "";
}

}  // namespace detail

namespace {

Error ln_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  LayerNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  if (info.f32_params) a.weight = ph->tensor(DType::f32, dims(info, std::max(0, info.rank - info.normalized_rank), info.rank));
  a.normalized_rank = info.normalized_rank;
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = layer_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_layer_norm(ctx, a);
}

Error add_ln_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  AddLayerNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.residual = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  if (info.add_bias) a.add_bias = ph->tensor(info.dtype, dims(info, std::max(0, info.rank - info.normalized_rank), info.rank));
  if (info.f32_params) a.weight = ph->tensor(DType::f32, dims(info, std::max(0, info.rank - info.normalized_rank), info.rank));
  a.normalized_rank = info.normalized_rank;
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = add_layer_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_add_layer_norm(ctx, a);
}

Error plan_layer_norm(Context* ctx, const LayerNormArgs& a, Plan* plan, PlanResult* res) {
  static const Tensor unset;
  return plan_ln(ctx, {Op::layer_norm_forward, a, &unset, &unset}, plan, res);
}

Error plan_add_layer_norm(Context* ctx, const AddLayerNormArgs& a, Plan* plan, PlanResult* res) {
  if (!a.residual.is_set())
    return make_error(Status::invalid_argument, "residual is required (use layer_norm without one)");
  LayerNormArgs ln;
  ln.x = a.x;
  ln.y = a.y;
  ln.weight = a.weight;
  ln.bias = a.bias;
  ln.mean = a.mean;
  ln.rstd = a.rstd;
  ln.normalized_rank = a.normalized_rank;
  ln.eps = a.eps;
  ln.scratch = a.scratch;
  ln.config = a.config;
  LnCall call{Op::add_layer_norm, ln, &a.residual, &a.residual_out};
  call.add_bias = &a.add_bias;
  return plan_ln(ctx, call, plan, res);
}

}  // namespace

namespace detail {
extern const OpSpec kLayerNormSpec = {Op::layer_norm_forward, "layer_norm",     0,
                                      ln_case_shape,          ln_fill_config,   ln_uses_row_kernel,
                                      ln_check_config,        ln_prepare};
extern const OpSpec kAddLayerNormSpec = {Op::add_layer_norm, "add_layer_norm", 0,
                                         ln_case_shape,      ln_fill_config,   ln_uses_row_kernel,
                                         ln_check_config,    add_ln_prepare};
}  // namespace detail

Error layer_norm_scratch_size(Context* ctx, const LayerNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_layer_norm, ctx, args, out);
}

Error select_config(Context* ctx, const LayerNormArgs& args, KernelConfig* out) {
  return config_of(plan_layer_norm, ctx, args, out);
}

Error prepare_layer_norm(Context* ctx, const LayerNormArgs& args) { return prepare_of(plan_layer_norm, ctx, args); }

Error describe_dispatches(Context* ctx, const LayerNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_layer_norm, ctx, args, out);
}

Error record_layer_norm(Context* ctx, VkCommandBuffer cmd, const LayerNormArgs& args) {
  return record_of(plan_layer_norm, ctx, cmd, args);
}

}  // namespace vknorm

namespace vknorm {

Error add_layer_norm_scratch_size(Context* ctx, const AddLayerNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_add_layer_norm, ctx, args, out);
}

Error select_config(Context* ctx, const AddLayerNormArgs& args, KernelConfig* out) {
  return config_of(plan_add_layer_norm, ctx, args, out);
}

Error prepare_add_layer_norm(Context* ctx, const AddLayerNormArgs& args) {
  return prepare_of(plan_add_layer_norm, ctx, args);
}

Error describe_dispatches(Context* ctx, const AddLayerNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_add_layer_norm, ctx, args, out);
}

Error record_add_layer_norm(Context* ctx, VkCommandBuffer cmd, const AddLayerNormArgs& args) {
  return record_of(plan_add_layer_norm, ctx, cmd, args);
}

}  // namespace vknorm
