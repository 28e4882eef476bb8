// BatchNorm over N and the spatial dimensions of (N, C, spatial...): validation, default config,
// dispatch planning and the OpSpec. Training: batch_norm_channel where a channel fits one
// workgroup's registers (split 1, N x S <= workgroup_size x items: one pass, one read of x);
// batch_norm_channel_loop with split 1 and longer channels (one workgroup streams its channel
// twice); else batch_norm_stats (per-(channel, chunk) partials of (mean, M2) around a shift),
// batch_norm_merge (one workgroup per channel: exact merge in a fixed order, saved statistics,
// running statistics), batch_norm_apply. Eval: batch_norm_apply alone, from the running
// statistics. Deterministic: no atomics, fixed reduction order.
#include "batch_norm_plan.h"
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/batch_norm_apply.h"
#include "contracts/batch_norm_channel.h"
#include "contracts/batch_norm_channel_loop.h"
#include "contracts/batch_norm_merge.h"
#include "contracts/batch_norm_stats.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm {
using namespace detail;

namespace detail {

Error plan_batch_norm(Context* ctx, const BatchNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.y, "y"))) return e;
  if (a.x.rank < 2) return make_error(Status::invalid_argument, "x must have rank >= 2: (N, C, ...), got " + shape_string(a.x));
  if (!same_shape(a.x, a.y))
    return make_error(Status::invalid_argument, "y " + shape_string(a.y) + " must have x's shape " + shape_string(a.x));
  if (a.x.dtype != a.y.dtype) return make_error(Status::invalid_argument, "y must have x's dtype");
  if (Error de = check_float_dtype(a.x, "x")) return de;
  if ((e = check_eps(a.eps))) return e;
  if (a.training && !(a.momentum >= 0.0f && a.momentum <= 1.0f))
    return make_error(Status::invalid_argument, "momentum must be in [0, 1], got " + std::to_string(a.momentum));
  const uint64_t N = uint64_t(a.x.shape[0]), C = uint64_t(a.x.shape[1]);
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, C, a.x.dtype, "weight"))) return e;
  if (a.bias.is_set() && (e = check_vector(ctx, a.bias, C, a.x.dtype, "bias"))) return e;
  if (a.running_mean.is_set() != a.running_var.is_set())
    return make_error(Status::invalid_argument, "running_mean and running_var go together: pass both or neither");
  if (!a.training && !a.running_mean.is_set())
    return make_error(Status::invalid_argument, "eval mode (training = false) needs running_mean and running_var");
  if (!a.training && (a.save_mean.is_set() || a.save_invstd.is_set()))
    return make_error(Status::invalid_argument, "save_mean / save_invstd are training outputs; leave them unset in eval mode");
  if (a.running_mean.is_set() && ((e = check_f32_per_row(ctx, a.running_mean, C, "running_mean")) ||
                                  (e = check_f32_per_row(ctx, a.running_var, C, "running_var"))))
    return e;
  if (a.save_mean.is_set() && (e = check_f32_per_row(ctx, a.save_mean, C, "save_mean"))) return e;
  if (a.save_invstd.is_set() && (e = check_f32_per_row(ctx, a.save_invstd, C, "save_invstd"))) return e;
  uint64_t S = 0, xss = 0, yss = 0;
  if (!collapse(a.x, 2, a.x.rank, &S, &xss, 1) || !collapse(a.y, 2, a.y.rank, &S, &yss, 1))
    return make_error(Status::invalid_argument, "the spatial dimensions of x and y must collapse into one strided dimension");
  const uint64_t xsn = uint64_t(a.x.strides[0]), xsc = uint64_t(a.x.strides[1]);
  const uint64_t ysn = uint64_t(a.y.strides[0]), ysc = uint64_t(a.y.strides[1]);
  const uint64_t count = N * S;  // values per channel
  // torch: "Expected more than 1 value per channel when training" (the unbiased variance of
  // one value is 0/0).
  if (a.training && count == 1 && C > 0)
    return make_error(Status::invalid_argument, "training needs more than 1 value per channel (N x spatial = 1 for " +
                                                    shape_string(a.x) + ")");
  if (count >= (uint64_t(1) << 31))
    return make_error(Status::unsupported, "more than 2^31 values per channel");

  Problem p;
  p.op = Op::batch_norm;
  p.dtype = a.x.dtype;
  p.outer = C;
  p.reduce = count;
  p.inner = S;
  p.vec4_ok = S % 4 == 0 && (S == 0 || (xss == 1 && yss == 1)) && xsn % 4 == 0 && xsc % 4 == 0 &&
              ysn % 4 == 0 && ysc % 4 == 0 && vec4_aligned(a.x) && vec4_aligned(a.y);
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  const bool empty = count == 0 || C == 0;
  // Chunks: a workgroup reduces (and later normalizes) `span` consecutive values of a channel,
  // in batches of wg x items values.
  const uint64_t batch = uint64_t(c.workgroup_size) * c.items_per_invocation;
  uint64_t span = empty ? 4 : std::max<uint64_t>(4, (ceil_div(count, c.split) + 3) / 4 * 4);
  // Large planes: round the chunk down to a divisor of S (a multiple of 4) within 2x, so that no
  // chunk crosses a batch boundary and the kernels index without a division per element.
  bool one_plane = false;
  if (!empty && S >= span) {
    const uint64_t q0 = ceil_div(S, span);
    for (uint64_t q = q0; q <= 2 * q0 && !one_plane; ++q)
      if (S % q == 0 && (S / q) % 4 == 0) {
        span = S / q;
        one_plane = true;
      }
  }
  // A chunk that crosses planes and is a little longer than whole batches leaves each
  // workgroup a last, nearly empty batch: one more round trip to memory for a few values
  // ((32, 256, 56, 56): 24 chunks of 4184 = 4096 + 88). Such chunks take the nearest whole
  // number of batches (batch is a multiple of 4) while the chunk count stays dispatchable.
  if (!empty && !one_plane && span > batch) {
    const uint64_t whole = std::max<uint64_t>(1, (span + batch / 2) / batch) * batch;
    if (ceil_div(count, whole) <= ctx->profile.max_workgroup_count[0]) span = whole;
  }
  const uint64_t es = dtype_size(p.dtype);

  bool address_mode = false;
  std::vector<uint64_t> window_starts;  // first batch item of each window
  uint64_t win = N;
  uint64_t chunks_total = 0;            // partials per channel, over every window
  if (!empty) {
    if ((e = choose_binding_mode(ctx, {&a.x, &a.y, &a.weight, &a.bias, &a.running_mean, &a.running_var,
                                       &a.save_mean, &a.save_invstd, &a.scratch},
                                 &address_mode)))
      return e;
    Planner pl(ctx, address_mode);
    const OuterSpan xs{xsn, (C - 1) * xsc + (S - 1) * xss + 1, es};
    const OuterSpan ys{ysn, (C - 1) * ysc + (S - 1) * yss + 1, es};
    win = max_window({xs, ys}, pl.window_limit_bytes(), N);
    if (win == 0)
      return make_error(Status::unsupported, "one batch item of x or y spans more bytes than one binding can address on this device");
    for (uint64_t n0 = 0; n0 < N; n0 += win) {
      window_starts.push_back(n0);
      chunks_total += ceil_div(std::min(win, N - n0) * S, span);
    }
  }
  // One workgroup per channel (split 1, one binding window): the whole channel in its
  // registers (one_pass), or streamed twice (looped: statistics, then y).
  const bool per_channel = a.training && !empty && c.split == 1 && window_starts.size() == 1;
  const bool one_pass = per_channel && count <= batch;
  const bool looped = per_channel && !one_pass;
  // Scratch (split training): C x chunks_total partials, then C apply coefficients, vec4 each.
  res->scratch_bytes = a.training && !empty && !per_channel ? (C * chunks_total + C) * 16 : 0;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.x, "x", false}, {&a.weight, "weight", false}, {&a.bias, "bias", false},
                           {&a.y, "y", true}, {&a.running_mean, "running_mean", true},
                           {&a.running_var, "running_var", true}, {&a.save_mean, "save_mean", true},
                           {&a.save_invstd, "save_invstd", true}, {&scratch_arg, "scratch", true}},
                          {{"y", "x"}})))
    return e;
  if (empty) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0], max_gy = ctx->profile.max_workgroup_count[1];
  if (ceil_div(win * S, span) > max_gx)
    return make_error(Status::unsupported, "the chunks of one channel exceed the device's workgroup count limit (raise config.split's chunk size)");
  plan->address_mode = address_mode;
  Planner pl(ctx, address_mode);
  uint32_t part_base = 0;
  BufferView part;
  if ((e = pl.whole_scratch(a.scratch, res->scratch_bytes, 16, a.x, &part, &part_base))) return e;
  const uint32_t coef_off = uint32_t(part_base + C * chunks_total);
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, C) : pl.dummy(a.x);
  const BufferView bv = a.bias.is_set() ? pl.view(a.bias, 0, C) : pl.dummy(a.x);
  const BufferView rmv = a.running_mean.is_set() ? pl.view(a.running_mean, 0, C) : pl.dummy(a.x);
  const BufferView rvv = a.running_var.is_set() ? pl.view(a.running_var, 0, C) : pl.dummy(a.x);
  const OuterSpan xs{xsn, (C - 1) * xsc + (S - 1) * xss + 1, es};
  const OuterSpan ys{ysn, (C - 1) * ysc + (S - 1) * yss + 1, es};
  // What the pass that computes the statistics writes (batch_norm_channel or batch_norm_merge,
  // whose flag bits are the same).
  using Merge = kernels::batch_norm_merge;
  using Channel = kernels::batch_norm_channel;
  static_assert(Channel::FLAG_WEIGHT == Merge::FLAG_WEIGHT && Channel::FLAG_BIAS == Merge::FLAG_BIAS &&
                    Channel::FLAG_SAVE_MEAN == Merge::FLAG_SAVE_MEAN &&
                    Channel::FLAG_SAVE_INVSTD == Merge::FLAG_SAVE_INVSTD && Channel::FLAG_RUNNING == Merge::FLAG_RUNNING,
                "batch_norm_channel and batch_norm_merge share their flag bits");
  const uint32_t stat_flags = (a.weight.is_set() ? Merge::FLAG_WEIGHT : 0u) | (a.bias.is_set() ? Merge::FLAG_BIAS : 0u) |
                              (a.save_mean.is_set() ? Merge::FLAG_SAVE_MEAN : 0u) |
                              (a.save_invstd.is_set() ? Merge::FLAG_SAVE_INVSTD : 0u) |
                              (a.running_mean.is_set() ? Merge::FLAG_RUNNING : 0u);
  const BufferView smv = a.save_mean.is_set() ? pl.view(a.save_mean, 0, C) : pl.dummy(a.x);
  const BufferView siv = a.save_invstd.is_set() ? pl.view(a.save_invstd, 0, C) : pl.dummy(a.x);

  // One workgroup per channel: batch_norm_channel and batch_norm_channel_loop share their
  // contract lists (batch_norm_channel_lists.h), so one loop plans either.
  auto per_channel_dispatches = [&](auto kernel) {
    using K = decltype(kernel);
    for (uint64_t c0 = 0; c0 < C; c0 += max_gy) {
      typename K::Spec sc;
      sc.WG = c.workgroup_size;
      sc.ITEMS = c.items_per_invocation;
      sc.VEC = c.vector_width;
      typename K::Push pc{};
      pc.S = uint32_t(S);
      pc.NS = uint32_t(count);
      pc.x_sn = uint32_t(N > 1 ? xsn : 0);
      pc.x_sc = uint32_t(xsc);
      pc.x_ss = uint32_t(xss);
      pc.y_sn = uint32_t(N > 1 ? ysn : 0);
      pc.y_sc = uint32_t(ysc);
      pc.y_ss = uint32_t(yss);
      pc.flags = stat_flags;
      pc.eps = a.eps;
      pc.momentum = a.momentum;
      pc.c_base = uint32_t(c0);
      PlannedDispatch d = plan_dispatch<K>(p.dtype, sc, pc, pl.view(a.x, 0, xs.elements(N)),
                                           pl.view(a.y, 0, ys.elements(N)), wv, bv, smv, siv, rmv, rvv);
      d.groups[0] = 1;
      d.groups[1] = uint32_t(std::min(max_gy, C - c0));
      plan->dispatches.push_back(std::move(d));
    }
    return ok();
  };
  if (looped) return per_channel_dispatches(kernels::batch_norm_channel_loop{});
  if (one_pass) return per_channel_dispatches(Channel{});
  if (a.training) {
    using Stats = kernels::batch_norm_stats;
    uint64_t chunk_base = 0;
    for (uint64_t n0 : window_starts) {
      const uint64_t k = std::min(win, N - n0), chunks = ceil_div(k * S, span);
      // Channels beyond the device's grid height go to further dispatches (c_base).
      for (uint64_t c0 = 0; c0 < C; c0 += max_gy) {
        Stats::Spec sc;
        sc.WG = c.workgroup_size;
        sc.ITEMS = c.items_per_invocation;
        sc.VEC = c.vector_width;
        Stats::Push pc{};
        pc.S = uint32_t(S);
        pc.NS = uint32_t(k * S);
        pc.span = uint32_t(span);
        pc.x_sn = uint32_t(k > 1 ? xsn : 0);
        pc.x_sc = uint32_t(xsc);
        pc.x_ss = uint32_t(xss);
        pc.part_off = uint32_t(part_base + chunk_base);
        pc.part_cs = uint32_t(chunks_total);
        pc.flags = one_plane ? Stats::FLAG_ONE_PLANE : 0u;
        pc.c_base = uint32_t(c0);
        PlannedDispatch d = plan_dispatch<Stats>(p.dtype, sc, pc, pl.view(a.x, n0 * xsn, xs.elements(k)), part);
        d.groups[0] = uint32_t(chunks);
        d.groups[1] = uint32_t(std::min(max_gy, C - c0));
        plan->dispatches.push_back(std::move(d));
      }
      chunk_base += chunks;
    }
    const uint32_t mwg = std::min<uint32_t>(c.workgroup_size, 256);
    for (uint64_t c0 = 0; c0 < C; c0 += max_gx) {
      Merge::Spec sc;
      sc.WG = mwg;
      Merge::Push pc{};
      pc.count = uint32_t(count);
      pc.part_cs = uint32_t(chunks_total);
      pc.part_off = part_base;
      pc.coef_off = coef_off;
      pc.flags = stat_flags;
      pc.eps = a.eps;
      pc.momentum = a.momentum;
      pc.gx_base = uint32_t(c0);
      PlannedDispatch d = plan_dispatch<Merge>(p.dtype, sc, pc, wv, bv, smv, siv, rmv, rvv, part);
      d.groups[0] = uint32_t(std::min(max_gx, C - c0));
      d.barrier_before = true;
      plan->dispatches.push_back(std::move(d));
    }
  }
  // The apply pass cuts each chunk further, by halves while it stays a multiple of 4 and at
  // least one workgroup's batch of wg x items values: one batch per workgroup, as the copy
  // shader does, where the statistics pass wants long chunks (few partials to merge). Halves
  // of a divisor of S still divide it, so one_plane holds.
  uint64_t apply_span = span;
  while (apply_span % 8 == 0 && apply_span / 2 >= batch && ceil_div(win * S, apply_span / 2) <= max_gx) apply_span /= 2;
  // Windows in reverse: the stats pass's last window is still partly in L2.
  using Apply = kernels::batch_norm_apply;
  bool first_apply = true;
  for (auto it = window_starts.rbegin(); it != window_starts.rend(); ++it) {
    const uint64_t n0 = *it, k = std::min(win, N - n0);
    const uint64_t blocks = ceil_div(C, max_gy);
    for (uint64_t bi = blocks; bi-- > 0;) {  // channel blocks in reverse too
      const uint64_t c0 = bi * max_gy;
      Apply::Spec sc;
      sc.WG = c.workgroup_size;
      sc.ITEMS = c.items_per_invocation;
      sc.VEC = c.vector_width;
      Apply::Push pc{};
      pc.S = uint32_t(S);
      pc.NS = uint32_t(k * S);
      pc.span = uint32_t(apply_span);
      pc.x_sn = uint32_t(k > 1 ? xsn : 0);
      pc.x_sc = uint32_t(xsc);
      pc.x_ss = uint32_t(xss);
      pc.y_sn = uint32_t(k > 1 ? ysn : 0);
      pc.y_sc = uint32_t(ysc);
      pc.y_ss = uint32_t(yss);
      pc.coef_off = coef_off;
      pc.flags = (a.weight.is_set() ? Apply::FLAG_WEIGHT : 0u) | (a.bias.is_set() ? Apply::FLAG_BIAS : 0u) |
                 (a.training ? 0u : Apply::FLAG_EVAL) | (one_plane ? Apply::FLAG_ONE_PLANE : 0u);
      pc.eps = a.eps;
      pc.c_base = uint32_t(c0);
      PlannedDispatch d = plan_dispatch<Apply>(p.dtype, sc, pc, pl.view(a.x, n0 * xsn, xs.elements(k)),
                                               pl.view(a.y, n0 * ysn, ys.elements(k)), wv, bv,
                                               a.training ? pl.dummy(a.x) : rmv, a.training ? pl.dummy(a.x) : rvv,
                                               a.training ? part : pl.dummy(a.x));
      d.groups[0] = uint32_t(ceil_div(k * S, apply_span));
      d.groups[1] = uint32_t(std::min(max_gy, C - c0));
      d.barrier_before = a.training && first_apply;
      first_apply = false;
      plan->dispatches.push_back(std::move(d));
    }
  }
  return ok();
}

}  // namespace detail

namespace {

// ---- OpSpec ----

std::string bn_case_shape(const Problem& p) {
  return "/C2^" + std::to_string(log2_bucket(p.outer)) + "/NS2^" + std::to_string(log2_bucket(p.reduce)) +
         (p.inner == 1 ? "/S1" : "");
}

bool bn_uses_row_kernel(const Problem&, const KernelConfig&) { return false; }

// The default config:
//   vector_width 4 where x and y allow 4-position accesses, else 1; workgroup_size the class's;
//   items_per_invocation 16 (four 16-byte loads in flight per invocation at vec 4);
//   split = about the chunks per channel (large planes round the chunk to a divisor of S): 8 waves of workgroups over all channels (tail balance on
//   big tensors), never chunks smaller than one workgroup's batch of wg x items values.
// A channel that fits one workgroup's registers (N x S <= max_wg x kOnePassItems) with enough
// channels to give every SM one (C >= SMs / 2) takes split 1 with the smallest power-of-two
// workgroup (>= 64) whose invocations hold it in <= 16 values, then more values per invocation
// (a power of two, at most kOnePassItems) at the largest workgroup: training then reads x once
// in one dispatch (batch_norm_channel) instead of stats + merge + apply.
// A longer channel (up to max_wg x kLoopItems values), with as many channels, takes split 1 with
// 512 invocations (at most max_wg) and 16 items: one workgroup streams its channel
// twice (batch_norm_channel_loop), the second read mostly from L2, as torch.compile's fused
// kernel does. H200, (32, 512, 28, 28) bf16 (bench/results/2026-12-05-zoo/lease3/bn-probe.txt):
// 42.5 us with 512 invocations, 45.4 with 256, 46.8 for the register pass at 1024 x 32 (61
// registers, half occupancy); torch.compile's kernel 26.6 us.
constexpr uint32_t kOnePassItems = 16;
constexpr uint32_t kLoopItems = 64;

void bn_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  const ClassTable& t = lim.table;
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  const uint64_t C = std::max<uint64_t>(1, p.outer);
  if (!c->split && !c->workgroup_size && !c->items_per_invocation && p.reduce > 0 &&
      p.reduce <= uint64_t(lim.max_wg) * kOnePassItems && C * 2 >= lim.sm_count) {
    uint32_t wg = std::min<uint32_t>(std::max<uint32_t>(64, lim.min_wg), lim.max_wg);
    while (wg < lim.max_wg && uint64_t(wg) * 16 < p.reduce) wg *= 2;
    const uint64_t per = ceil_div(p.reduce, wg);
    c->workgroup_size = wg;
    c->items_per_invocation = std::max<uint32_t>(4, pow2_ceil(uint32_t(per)));
    c->split = 1;
  } else if (!c->split && !c->workgroup_size && !c->items_per_invocation &&
             p.reduce <= uint64_t(lim.max_wg) * kLoopItems && C * 2 >= lim.sm_count) {
    c->workgroup_size = std::min<uint32_t>(512, lim.max_wg);
    c->items_per_invocation = std::max<uint32_t>(16, c->vector_width);
    c->split = 1;
  }
  if (!c->workgroup_size) c->workgroup_size = std::min(t.workgroup_size, lim.max_wg);
  if (!c->items_per_invocation) c->items_per_invocation = std::max<uint32_t>(16, c->vector_width);
  if (!c->split) {
    const uint64_t batch = uint64_t(c->workgroup_size) * c->items_per_invocation;
    const uint64_t most = std::max<uint64_t>(1, p.reduce / batch);
    const uint64_t want = std::max<uint64_t>(1, ceil_div(8 * lim.target_wgs, C));
    c->split = uint32_t(std::min<uint64_t>(std::min(want, most), 1u << 20));
  }
  c->rows_per_workgroup = 1;
}

std::string bn_check_config(const Problem&, const KernelConfig& c, bool) {
  if (c.items_per_invocation % c.vector_width) return "items_per_invocation must be a multiple of vector_width";
  if (c.split == 0) return "split (chunks per channel) must be >= 1";
  return "";
}

Error bn_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  const int64_t C = info.rank >= 2 ? shape[1] : 1;
  BatchNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  a.running_mean = ph->tensor(DType::f32, {C});
  a.running_var = ph->tensor(DType::f32, {C});
  a.config = info.config;
  // Training (one pass, or stats + merge + apply), then eval (batch_norm_apply), whose pipeline
  // the split training path shares.
  a.training = true;
  VkDeviceSize bytes = 0;
  if (Error e = batch_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  if (Error e = prepare_batch_norm(ctx, a)) return e;
  a.training = false;
  a.scratch = Tensor{};
  return prepare_batch_norm(ctx, a);
}

// Batch invariance: nothing to keep. Training's statistics are over the batch (not invariant);
// eval is one element-wise pass whose bits no config field changes.
void bn_invariant_fields(const KernelConfig&, KernelConfig*) {}

}  // namespace

namespace detail {
extern const OpSpec kBatchNormSpec = {Op::batch_norm,      "batch_norm",     0,
                                      bn_case_shape,       bn_fill_config,   bn_uses_row_kernel,
                                      bn_check_config,     bn_prepare,       bn_invariant_fields};
}  // namespace detail

Error batch_norm_scratch_size(Context* ctx, const BatchNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_batch_norm, ctx, args, out);
}

Error select_config(Context* ctx, const BatchNormArgs& args, KernelConfig* out) {
  return config_of(plan_batch_norm, ctx, args, out);
}

Error prepare_batch_norm(Context* ctx, const BatchNormArgs& args) { return prepare_of(plan_batch_norm, ctx, args); }

Error describe_dispatches(Context* ctx, const BatchNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_batch_norm, ctx, args, out);
}

Error record_batch_norm(Context* ctx, VkCommandBuffer cmd, const BatchNormArgs& args) {
  return record_of(plan_batch_norm, ctx, cmd, args);
}

}  // namespace vknorm
