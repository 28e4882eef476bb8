// Per-head RMSNorm of q and k followed by rotary position embedding (qk_norm_rope): validation,
// the token windows, the config rule and the OpSpec. One dispatch of qk_norm_rope.comp (or of
// qk_norm_rope_kf16.comp for an f16 k_out beside f32 / bf16 q and k) covers tokens x (q_heads +
// k_heads) heads, several heads per workgroup.
#include "core/alias_checks.h"
#include "core/config.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/qk_norm_rope.h"
#include "contracts/qk_norm_rope_kf16.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vknorm {
using namespace detail;

namespace {

// A (..., heads, head_dim) tensor as (tokens, heads, D) with a token and a head stride.
struct HeadLayout {
  uint64_t tokens = 0, heads = 0, D = 0;
  uint64_t ts = 0, hs = 0;
};

Error head_layout(const Tensor& t, const char* what, HeadLayout* l) {
  if (t.rank < 2)
    return make_error(Status::invalid_argument, std::string(what) + " must be (..., heads, head_dim), got " + shape_string(t));
  l->D = uint64_t(t.shape[t.rank - 1]);
  l->heads = uint64_t(t.shape[t.rank - 2]);
  if (l->D > 1 && t.strides[t.rank - 1] != 1)
    return make_error(Status::invalid_argument, std::string(what) + ": head_dim must be contiguous (stride 1)");
  l->hs = uint64_t(t.strides[t.rank - 2]);
  if (!collapse(t, 0, t.rank - 2, &l->tokens, &l->ts, 0))
    return make_error(Status::invalid_argument, std::string(what) + " " + shape_string(t) +
                                                    ": the leading dimensions must collapse into one token dimension");
  for (int i = 0; i < t.rank - 2; ++i)
    if (t.shape[i] == 0) l->tokens = 0;
  return ok();
}

Error plan_qk_norm_rope(Context* ctx, const QkNormRopeArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if (!a.q.is_set()) return make_error(Status::invalid_argument, "q is required");
  if (!a.k.is_set()) return make_error(Status::invalid_argument, "k is required");
  if (!a.positions.is_set()) return make_error(Status::invalid_argument, "positions is required (i32, one per token)");
  if ((e = check_tensor(ctx, a.q, "q")) || (e = check_tensor(ctx, a.k, "k"))) return e;
  if ((e = check_float_dtype(a.q, "q"))) return e;
  if (a.k.dtype != a.q.dtype)
    return make_error(Status::invalid_argument, std::string("k must have q's dtype ") + dtype_name(a.q.dtype));
  HeadLayout ql, kl;
  if ((e = head_layout(a.q, "q", &ql)) || (e = head_layout(a.k, "k", &kl))) return e;
  if (ql.D != kl.D)
    return make_error(Status::invalid_argument, "q and k must have the same head_dim, got " + shape_string(a.q) +
                                                    " and " + shape_string(a.k));
  if (ql.tokens != kl.tokens)
    return make_error(Status::invalid_argument, "q and k must have the same number of tokens, got " +
                                                    shape_string(a.q) + " and " + shape_string(a.k));
  const uint64_t D = ql.D, T = ql.tokens;
  if (D == 0) return make_error(Status::invalid_argument, "head_dim is 0: the mean over it is undefined");
  if (ql.heads == 0 || kl.heads == 0)
    return make_error(Status::invalid_argument, "q and k need at least one head each");
  if (ql.heads >= 65536 || kl.heads >= 65536)
    return make_error(Status::unsupported, "q_heads and k_heads must be below 65536");
  {
    const uint64_t max_wg = std::min<uint64_t>({1024, ctx->profile.max_workgroup_invocations, ctx->profile.max_workgroup_size_x});
    if (D > 256 * max_wg)
      return make_error(Status::unsupported, "head_dim " + std::to_string(D) + " exceeds the " + std::to_string(256 * max_wg) +
                                                 " elements one workgroup of this device holds in registers");
  }
  const uint64_t rot = a.rotary_dim ? a.rotary_dim : D;
  if (rot % 2 || rot > D)
    return make_error(Status::invalid_argument,
                      "rotary_dim must be even and <= head_dim " + std::to_string(D) + ", got " + std::to_string(rot) +
                          (a.rotary_dim ? "" : " (0 means head_dim)"));
  if ((e = check_eps(a.eps))) return e;
  if (a.style != RopeStyle::neox && a.style != RopeStyle::gptj)
    return make_error(Status::invalid_argument, "style must be RopeStyle::neox or RopeStyle::gptj");
  const bool cached = a.cos_sin_cache.is_set();
  if (!cached && !(std::isfinite(a.rope_theta) && a.rope_theta > 0.0f))
    return make_error(Status::invalid_argument, "rope_theta must be finite and > 0 (without a cos_sin_cache)");

  // Outputs: unset = in place.
  const Tensor& qo = a.q_out.is_set() ? a.q_out : a.q;
  const Tensor& ko = a.k_out.is_set() ? a.k_out : a.k;
  HeadLayout qol = ql, kol = kl;
  if (a.q_out.is_set()) {
    if ((e = check_tensor(ctx, a.q_out, "q_out"))) return e;
    if (!same_shape(a.q, a.q_out) || a.q_out.dtype != a.q.dtype)
      return make_error(Status::invalid_argument, "q_out " + shape_string(a.q_out) + " must have q's shape " +
                                                      shape_string(a.q) + " and dtype");
    if ((e = head_layout(a.q_out, "q_out", &qol))) return e;
  }
  bool kout_f16 = false;
  if (a.k_out.is_set()) {
    if ((e = check_tensor(ctx, a.k_out, "k_out"))) return e;
    if (!same_shape(a.k, a.k_out))
      return make_error(Status::invalid_argument, "k_out " + shape_string(a.k_out) + " must have k's shape " + shape_string(a.k));
    if (a.k_out.dtype != a.k.dtype && a.k_out.dtype != DType::f16)
      return make_error(Status::invalid_argument, std::string("k_out must have k's dtype ") + dtype_name(a.k.dtype) +
                                                      " or f16, got " + dtype_name(a.k_out.dtype));
    kout_f16 = a.k_out.dtype != a.k.dtype;
    if ((e = head_layout(a.k_out, "k_out", &kol))) return e;
  }
  // positions: i32, one per token, contiguous.
  if ((e = check_tensor(ctx, a.positions, "positions"))) return e;
  if (a.positions.dtype != DType::i32)
    return make_error(Status::invalid_argument, std::string("positions must be i32, got ") + dtype_name(a.positions.dtype));
  if ((e = check_vector(ctx, a.positions, T, DType::i32, "positions"))) return e;
  if (a.q_weight.is_set() && (e = check_vector(ctx, a.q_weight, D, a.q.dtype, "q_weight"))) return e;
  if (a.k_weight.is_set() && (e = check_vector(ctx, a.k_weight, D, a.q.dtype, "k_weight"))) return e;
  uint64_t max_pos = 0;
  if (cached) {
    const Tensor& c = a.cos_sin_cache;
    if ((e = check_tensor(ctx, c, "cos_sin_cache"))) return e;
    if (c.dtype != DType::f32)
      return make_error(Status::invalid_argument, std::string("cos_sin_cache must be f32, got ") + dtype_name(c.dtype));
    if (c.rank != 2 || uint64_t(c.shape[1]) != rot || c.shape[0] < 1)
      return make_error(Status::invalid_argument, "cos_sin_cache must be (max_position >= 1, rotary_dim " +
                                                      std::to_string(rot) + "), got " + shape_string(c));
    if ((c.shape[0] > 1 && uint64_t(c.strides[0]) != rot) || (rot > 1 && c.strides[1] != 1))
      return make_error(Status::invalid_argument, "cos_sin_cache must be contiguous");
    max_pos = uint64_t(c.shape[0]);
    if (max_pos > uint64_t(INT32_MAX))
      return make_error(Status::unsupported, "cos_sin_cache holds more than 2^31 - 1 positions");
  }
  if ((e = check_aliasing(ctx,
                          {{&a.q, "q", false}, {&a.k, "k", false}, {&a.q_weight, "q_weight", false},
                           {&a.k_weight, "k_weight", false}, {&a.positions, "positions", false},
                           {&a.cos_sin_cache, "cos_sin_cache", false}, {&qo, "q_out", true}, {&ko, "k_out", true}},
                          {{"q_out", "q"}, {"k_out", "k"}})))
    return e;

  const uint64_t heads = ql.heads + kl.heads;
  Problem p;
  p.op = Op::qk_norm_rope;
  p.dtype = a.q.dtype;
  p.outer = T * heads;
  p.reduce = D;
  p.row_path = true;
  if (p.outer >= (uint64_t(1) << 32)) return make_error(Status::unsupported, "qk_norm_rope takes fewer than 2^32 heads in all");
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  if (T == 0) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  if ((e = choose_binding_mode(ctx, {&a.q, &a.k, &qo, &ko, &a.q_weight, &a.k_weight, &a.positions, &a.cos_sin_cache},
                               &plan->address_mode)))
    return e;
  Planner pl(ctx, plan->address_mode);

  // Windows over the tokens: every head tensor's token span, and the positions.
  auto span = [&](const HeadLayout& l, const Tensor& t) {
    const uint64_t extent = (l.heads - 1) * l.hs + D;
    return OuterSpan{T > 1 ? l.ts : extent, extent, dtype_size(t.dtype)};
  };
  const std::vector<OuterSpan> spans = {span(ql, a.q), span(kl, a.k), span(qol, qo), span(kol, ko), OuterSpan{1, 1, 4}};
  if (cached && max_pos * rot * 4 > pl.window_limit_bytes())
    return make_error(Status::unsupported, "cos_sin_cache spans more bytes than one binding can address on this device");
  const uint64_t rpw = c.rows_per_workgroup;
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0], max_gy = ctx->profile.max_workgroup_count[1];
  const uint64_t cap = std::min<uint64_t>(uint64_t(1) << 31, max_gx * max_gy * rpw) / heads;
  const uint64_t win = max_window(spans, pl.window_limit_bytes(), cap);
  if (win == 0)
    return make_error(Status::unsupported, "the heads of one token span more bytes than one binding can address on this device");
  using K = kernels::qk_norm_rope;  // FLAG_* (qk_norm_rope_kf16 has the same lists)
  uint32_t flags = 0;
  if (a.q_weight.is_set()) flags |= K::FLAG_Q_WEIGHT;
  if (a.k_weight.is_set()) flags |= K::FLAG_K_WEIGHT;
  if (cached) flags |= K::FLAG_CACHE;
  if (a.style == RopeStyle::gptj) flags |= K::FLAG_GPTJ;
  for (uint64_t t0 = 0; t0 < T; t0 += win) {
    const uint64_t n = std::min(win, T - t0);
    const uint64_t rows = n * heads, blocks = ceil_div(rows, rpw);
    const uint64_t gx = std::min(blocks, max_gx);
    auto dispatch_of = [&](auto kernel) {
      using KK = decltype(kernel);
      typename KK::Spec sc;
      sc.WG = c.workgroup_size;
      sc.ITEMS = c.items_per_invocation;
      sc.LPR = uint32_t(c.workgroup_size / rpw);
      typename KK::Push pc{};
      pc.D = uint32_t(D);
      pc.rot = uint32_t(rot);
      pc.heads = uint32_t(ql.heads | (kl.heads << 16));
      pc.rows = uint32_t(rows);
      pc.q_ts = uint32_t(ql.ts);
      pc.q_hs = uint32_t(ql.hs);
      pc.k_ts = uint32_t(kl.ts);
      pc.k_hs = uint32_t(kl.hs);
      pc.qo_ts = uint32_t(qol.ts);
      pc.qo_hs = uint32_t(qol.hs);
      pc.ko_ts = uint32_t(kol.ts);
      pc.ko_hs = uint32_t(kol.hs);
      pc.flags = flags;
      pc.eps = a.eps;
      pc.max_pos = uint32_t(max_pos);
      pc.freq = cached ? 0.0f : float(-2.0 * std::log2(double(a.rope_theta)) / double(rot));
      const BufferView qv = pl.view(a.q, t0 * spans[0].stride, spans[0].elements(n));
      const BufferView kv = pl.view(a.k, t0 * spans[1].stride, spans[1].elements(n));
      const BufferView qov = pl.view(qo, t0 * spans[2].stride, spans[2].elements(n));
      const BufferView kov = pl.view(ko, t0 * spans[3].stride, spans[3].elements(n));
      // Unused inputs view q (read anyway).
      const BufferView qwv = a.q_weight.is_set() ? pl.view(a.q_weight, 0, D) : pl.dummy(a.q);
      const BufferView kwv = a.k_weight.is_set() ? pl.view(a.k_weight, 0, D) : pl.dummy(a.q);
      const BufferView posv = pl.view(a.positions, t0, n);
      const BufferView csv = cached ? pl.view(a.cos_sin_cache, 0, max_pos * rot) : pl.dummy(a.q);
      return plan_dispatch<KK>(p.dtype, sc, pc, qv, kv, qov, kov, qwv, kwv, posv, csv);
    };
    PlannedDispatch d = kout_f16 ? dispatch_of(kernels::qk_norm_rope_kf16{}) : dispatch_of(kernels::qk_norm_rope{});
    d.groups[0] = uint32_t(gx);
    d.groups[1] = uint32_t(ceil_div(blocks, gx));
    plan->dispatches.push_back(std::move(d));
  }
  return ok();
}

// ---- OpSpec ----

std::string qk_case_shape(const Problem& p) { return rows_case_shape(p); }

// Lanes per head L: the smallest power of two giving each lane at most 2 pairs (4 elements),
// at most 32 (a head of 128: 32 lanes x 4, of 256: 32 x 8); more lanes only where a lane would
// hold more than 16 elements. Heads per workgroup: 128 invocations (the mobile profile's
// largest workgroup) / L: short heads share a workgroup, the reduction stays in the head's
// segment (SEG_SG: shuffles inside a subgroup).
void qk_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  const uint64_t pairs = std::max<uint64_t>(1, ceil_div(p.reduce, 2));
  if (!c->vector_width) c->vector_width = 1;
  uint32_t L;
  if (c->workgroup_size && c->rows_per_workgroup) {
    L = std::max<uint32_t>(1, c->workgroup_size / c->rows_per_workgroup);
  } else {
    L = std::min<uint32_t>({32u, lim.max_wg, pow2_ceil(ceil_div(pairs, 2))});
    if (c->workgroup_size) L = std::min(L, c->workgroup_size);
    while (2 * ceil_div(pairs, L) > 16 && L < lim.max_wg && (!c->workgroup_size || L < c->workgroup_size)) L *= 2;
  }
  if (!c->items_per_invocation) c->items_per_invocation = uint32_t(2 * ceil_div(pairs, L));
  if (!c->workgroup_size) {
    const uint32_t wg = c->rows_per_workgroup ? L * c->rows_per_workgroup : std::max(L, std::min<uint32_t>(128, lim.max_wg));
    c->workgroup_size = wg;
  }
  if (!c->rows_per_workgroup) c->rows_per_workgroup = std::max<uint32_t>(1, c->workgroup_size / L);
  c->split = 1;
  c->channel_split = 0;
}
bool qk_uses_row_kernel(const Problem&, const KernelConfig&) { return true; }
std::string qk_check_config(const Problem& p, const KernelConfig& c, bool) {
  if (c.vector_width != 1) return "vector_width must be 1: qk_norm_rope loads the two elements of each rotary pair";
  if (c.items_per_invocation % 2) return "items_per_invocation must be even (two elements per rotary pair)";
  if (c.split > 1) return "split must be 1: qk_norm_rope keeps a head in one workgroup";
  if (c.channel_split) return "channel_split applies to rms_norm's channel kernel only";
  const uint64_t lanes = c.workgroup_size / c.rows_per_workgroup;
  if (lanes * (c.items_per_invocation / 2) < ceil_div(p.reduce, 2))
    return "(workgroup_size / rows_per_workgroup) x items_per_invocation must cover head_dim " + std::to_string(p.reduce) +
           " (a head stays in registers)";
  return "";
}

Error qk_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  if (info.rank < 2) return make_error(Status::invalid_argument, "qk_norm_rope: shape must be q's (..., heads, head_dim)");
  std::vector<int64_t> qs = dims(info, 0, info.rank), ks = qs;
  if (info.kv_heads > 0) ks[size_t(info.rank - 2)] = info.kv_heads;
  QkNormRopeArgs a;
  a.q = ph->tensor(info.dtype, qs);
  a.k = ph->tensor(info.dtype, ks);
  a.q_out = ph->tensor(info.dtype, qs);
  a.k_out = ph->tensor(info.k_out_f16 ? DType::f16 : info.dtype, ks);
  a.positions = ph->tensor(DType::i32, {product(dims(info, 0, info.rank - 2))});
  a.config = info.config;
  return prepare_qk_norm_rope(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kQkNormRopeSpec = {Op::qk_norm_rope, "qk_norm_rope",     0,           qk_case_shape,
                                       qk_fill_config,   qk_uses_row_kernel, qk_check_config, qk_prepare};
}  // namespace detail

Error qk_norm_rope_scratch_size(Context* ctx, const QkNormRopeArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_qk_norm_rope, ctx, args, out);
}
Error select_config(Context* ctx, const QkNormRopeArgs& args, KernelConfig* out) {
  return config_of(plan_qk_norm_rope, ctx, args, out);
}
Error prepare_qk_norm_rope(Context* ctx, const QkNormRopeArgs& args) {
  return prepare_of(plan_qk_norm_rope, ctx, args);
}
Error describe_dispatches(Context* ctx, const QkNormRopeArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_qk_norm_rope, ctx, args, out);
}
Error record_qk_norm_rope(Context* ctx, VkCommandBuffer cmd, const QkNormRopeArgs& args) {
  return record_of(plan_qk_norm_rope, ctx, cmd, args);
}

}  // namespace vknorm
