// GroupNorm: LayerNorm forward over one row per (sample, group), with one weight / bias value
// per channel (layer_norm_plan.h). Also the (N, C, spatial..) checks and row view that
// InstanceNorm shares (group_norm_rows.h). Channels last (GroupNormArgs::channels_last): its
// own statistics, merge and apply kernels reading rows of C channels (group_norm_nhwc_*.comp),
// plan_group_norm_nhwc below.
#include "group_norm_rows.h"
#include "layer_norm_plan.h"
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/tensor_checks.h"

#include "contracts/group_norm_nhwc_apply.h"
#include "contracts/group_norm_nhwc_merge.h"
#include "contracts/group_norm_nhwc_stats.h"

#include <algorithm>
#include <string>

namespace vknorm {
using namespace detail;

namespace detail {

Error check_channel_tensors(Context* ctx, const Tensor& x, const Tensor& y, int min_rank, ChannelShape* out) {
  Error e;
  if ((e = check_tensor(ctx, x, "x")) || (e = check_tensor(ctx, y, "y"))) return e;
  if (x.rank < min_rank)
    return make_error(Status::invalid_argument, "x must have rank >= " + std::to_string(min_rank) +
                                                    ": (N, C, spatial..), got " + shape_string(x));
  if (!same_shape(x, y))
    return make_error(Status::invalid_argument, "y " + shape_string(y) + " must have x's shape " + shape_string(x));
  if (x.dtype != y.dtype) return make_error(Status::invalid_argument, "y must have x's dtype");
  if (Error de = check_float_dtype(x, "x")) return de;
  for (auto [t, name] : {std::pair<const Tensor*, const char*>{&x, "x"}, {&y, "y"}}) {
    uint64_t n = 0, st = 0;
    if (!collapse(*t, 0, t->rank, &n, &st, 1) || (n > 1 && st != 1))
      return make_error(Status::invalid_argument, std::string(name) + " must be contiguous (row-major), got " +
                                                      shape_string(*t));
  }
  out->N = uint64_t(x.shape[0]);
  out->C = uint64_t(x.shape[1]);
  out->S = 1;
  for (int i = 2; i < x.rank; ++i) out->S *= uint64_t(x.shape[i]);
  return ok();
}

void gn_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  const bool caller_rows = c->rows_per_workgroup != 0;
  ln_fill_config(lim, p, c);
  if (!caller_rows && c->split > 1) c->rows_per_workgroup = 1;
}

Tensor group_rows(const Tensor& t, const ChannelShape& s, uint64_t groups) {
  Tensor v = t;
  v.rank = 2;
  v.shape[0] = int64_t(s.N * groups);
  v.shape[1] = int64_t(s.C / groups * s.S);
  v.strides[0] = v.shape[1];
  v.strides[1] = 1;
  for (int i = 2; i < kMaxRank; ++i) v.shape[i] = v.strides[i] = 0;
  return v;
}

}  // namespace detail


namespace {

uint32_t pow2_floor(uint64_t v) {
  uint32_t p = 1;
  while (uint64_t(p) * 2 <= v) p *= 2;
  return p;
}

// Channels last: x (N, d1.., C) as N x S rows (positions) of C contiguous channels.
//   pass 1 group_norm_nhwc_stats: workgroup (chunk of positions, channel block) -> one
//          (mean - shift, M2, count, shift) partial per group of the block (x read once:
//          register batches, exact two-pass each, merged exactly around the chunk's group mean);
//   pass 2 group_norm_nhwc_merge: one workgroup per (sample, group) merges its partials exactly
//          in a fixed order around their directly averaged mean, writes mean / rstd and the
//          apply coefficients (shift, mean - shift, rstd);
//   pass 3 group_norm_nhwc_apply: the same grid, y = act(((x - shift) - m) * rstd * w + b).
// Config: workgroup_size (a power of two), vector_width (1, or 4: C, C / num_groups and x / y
// offsets multiples of 4), split (chunks per sample, at most S; 0 = about 8 workgroups per SM
// for one sample, chunks of at least 16 position rows: never from N, so batch invariant),
// items_per_invocation (positions per register batch of the statistics pass, default 8 at
// vec 4, 16 at vec 1, at most 64).
Error plan_group_norm_nhwc(Context* ctx, const GroupNormArgs& a, Plan* plan, PlanResult* res) {
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.y, "y"))) return e;
  if (a.x.rank < 2)
    return make_error(Status::invalid_argument,
                      "x must have rank >= 2: (N, spatial.., C) with channels_last, got " + shape_string(a.x));
  ChannelShape cs;
  if ((e = check_channel_tensors(ctx, a.x, a.y, 2, &cs))) return e;
  if ((e = check_eps(a.eps))) return e;
  const uint64_t N = uint64_t(a.x.shape[0]), C = uint64_t(a.x.shape[a.x.rank - 1]);
  uint64_t S = 1;
  for (int i = 1; i + 1 < a.x.rank; ++i) S *= uint64_t(a.x.shape[i]);
  if (a.num_groups < 1 || (C > 0 && C % uint64_t(a.num_groups) != 0) || (C == 0 && a.num_groups != 1))
    return make_error(Status::invalid_argument, "num_groups (" + std::to_string(a.num_groups) +
                                                    ") must be >= 1 and divide the channel count C = " + std::to_string(C) +
                                                    " (channels_last: x's last dimension)");
  if (a.activation != Activation::none && a.activation != Activation::silu && a.activation != Activation::gelu_tanh)
    return make_error(Status::invalid_argument, "activation must be none, silu or gelu_tanh (got value " +
                                                    std::to_string(uint32_t(a.activation)) + ")");
  const uint64_t G = uint64_t(a.num_groups), cpg = C ? C / G : 0;
  if (a.weight.is_set() && (e = check_vector(ctx, a.weight, C, a.x.dtype, "weight"))) return e;
  if (a.bias.is_set() && (e = check_vector(ctx, a.bias, C, a.x.dtype, "bias"))) return e;
  const bool empty = N == 0 || C == 0 || S == 0;
  if (!empty) {
    if (a.mean.is_set() && (e = check_f32_per_row(ctx, a.mean, N * G, "mean"))) return e;
    if (a.rstd.is_set() && (e = check_f32_per_row(ctx, a.rstd, N * G, "rstd"))) return e;
    if (S * cpg >= (uint64_t(1) << 31) || N * S >= (uint64_t(1) << 32))
      return make_error(Status::unsupported, "channels_last GroupNorm takes fewer than 2^31 elements per group and 2^32 positions");
  }
  const DeviceProfile& dev = ctx->profile;
  const uint64_t es = dtype_size(a.x.dtype);
  // Config.
  KernelConfig c;
  if (a.config) {
    c = *a.config;
    c.source = "caller";
  } else {
    c.source = "default:group_norm_nhwc";
  }
  const bool vec4_ok = C % 4 == 0 && cpg % 4 == 0 && vec4_aligned(a.x) && vec4_aligned(a.y);
  const uint64_t max_wg = std::min<uint64_t>(dev.max_workgroup_invocations, dev.max_workgroup_size_x);
  if (!c.workgroup_size) c.workgroup_size = pow2_floor(std::min<uint64_t>(256, max_wg));
  if (!c.vector_width) c.vector_width = vec4_ok ? 4 : 1;
  // Positions per batch of the statistics pass (ITEMS x vector_width values in registers).
  if (!c.items_per_invocation) c.items_per_invocation = c.vector_width == 4 ? 8 : 16;
  const uint32_t wg = c.workgroup_size, vec = c.vector_width;
  if ((wg & (wg - 1)) != 0 || wg > max_wg)
    return make_error(Status::invalid_argument, "config: workgroup_size (" + std::to_string(wg) +
                                                    ") must be a power of two within the device's limit (" +
                                                    std::to_string(max_wg) + ")");
  if (c.items_per_invocation > 64)
    return make_error(Status::invalid_argument, "config: channels_last GroupNorm takes items_per_invocation <= 64 positions per batch");
  if (vec != 1 && vec != 4)
    return make_error(Status::invalid_argument, "config: channels_last GroupNorm takes vector_width 1 or 4");
  if (vec == 4 && !vec4_ok)
    return make_error(Status::invalid_argument,
                      "config: vector_width 4 needs C and C / num_groups multiples of 4 and 4-element aligned x / y");
  if (uint64_t(wg) * 24 > dev.max_shared_memory_bytes)  // the stats pass: 24 bytes per invocation
    return make_error(Status::invalid_argument, "config: workgroup_size " + std::to_string(wg) +
                                                    " needs more shared memory than the device has");
  // Channel blocks: whole groups where a group fits a workgroup's lanes, else parts of one group.
  const uint64_t width = uint64_t(wg) * vec;  // channels a workgroup covers at one position
  uint64_t cb = 0, subs = 1, gpb = 1, blocks = 0;
  if (!empty) {
    if (cpg <= width) {
      gpb = std::min<uint64_t>(G, width / cpg);
      cb = gpb * cpg;
      blocks = ceil_div(G, gpb);
    } else {
      const uint64_t parts = ceil_div(cpg, width);
      cb = (ceil_div(cpg, parts) + vec - 1) / vec * vec;
      subs = ceil_div(cpg, cb);  // every part non-empty
      blocks = G * subs;
    }
  }
  const uint64_t lanes = empty ? 1 : cb / vec, P = uint64_t(wg) / lanes;
  // Chunks of positions per sample.
  uint64_t cps = 1, clen = std::max<uint64_t>(S, 1);
  if (!empty) {
    if (c.split) {
      cps = std::min<uint64_t>(c.split, S);
    } else {
      // From one sample's shape alone, never N: a sample's partials, hence its bits, are then
      // the same in every batch (ContextCreateInfo::batch_invariant holds without a special
      // case). About 8 workgroups per SM for one sample, chunks of at least 16 position rows.
      const uint64_t sms = dev.multiprocessor_count ? dev.multiprocessor_count : 16;
      const uint64_t target = std::max<uint64_t>(256, 8 * sms);
      cps = std::max<uint64_t>(1, std::min(ceil_div(target, blocks), S / (16 * P)));
    }
    clen = ceil_div(S, cps);
  }
  bool address_mode = false;
  uint64_t win_rows = N * S;
  if (!empty) {
    if ((e = choose_binding_mode(ctx, {&a.x, &a.y, &a.weight, &a.bias, &a.mean, &a.rstd, &a.scratch}, &address_mode)))
      return e;
    Planner pl(ctx, address_mode);
    win_rows = max_window({{C, C, es}}, pl.window_limit_bytes(), N * S);
    if (win_rows == 0)
      return make_error(Status::unsupported, "one position's channels span more bytes than one binding can address on this device");
    if (clen > win_rows) clen = win_rows;  // a window holds whole chunks
    cps = ceil_div(S, clen);
  }
  c.split = uint32_t(cps);
  res->config = c;
  const uint64_t parts = empty ? 0 : N * G * cps * subs;
  res->scratch_bytes = empty ? 0 : (parts + N * G) * 16;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.x, "x", false}, {&a.weight, "weight", false}, {&a.bias, "bias", false},
                           {&a.y, "y", true}, {&a.mean, "mean", true}, {&a.rstd, "rstd", true},
                           {&scratch_arg, "scratch", true}},
                          {{"y", "x"}})))
    return e;
  if (empty) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  plan->address_mode = address_mode;
  Planner pl(ctx, address_mode);
  uint32_t part_base = 0;
  BufferView part;
  if ((e = pl.whole_scratch(a.scratch, res->scratch_bytes, 16, a.x, &part, &part_base))) return e;
  const uint32_t coef_off = uint32_t(part_base + parts);
  const BufferView wv = a.weight.is_set() ? pl.view(a.weight, 0, C) : pl.dummy(a.x);
  const BufferView bv = a.bias.is_set() ? pl.view(a.bias, 0, C) : pl.dummy(a.x);
  const uint64_t max_gx = dev.max_workgroup_count[0], max_gy = dev.max_workgroup_count[1];

  using Stats = kernels::group_norm_nhwc_stats;
  using Apply = kernels::group_norm_nhwc_apply;
  using Merge = kernels::group_norm_nhwc_merge;
  auto geom = [&](auto& pc, uint64_t q0, uint64_t row_base, uint64_t y0) {
    pc.y_base = uint32_t(y0);
    pc.C = uint32_t(C);
    pc.cpg = uint32_t(cpg);
    pc.G = uint32_t(G);
    pc.S = uint32_t(S);
    pc.clen = uint32_t(clen);
    pc.cps = uint32_t(cps);
    pc.q_base = uint32_t(q0);
    pc.row_base = uint32_t(row_base);
    pc.cb = uint32_t(cb);
    pc.subs = uint32_t(subs);
    pc.gpb = uint32_t(gpb);
    pc.lanes = uint32_t(lanes);
  };
  // Windows: runs of consecutive chunks (sample-major) whose positions fit one binding.
  const uint64_t chunks = N * cps, per_win = std::max<uint64_t>(1, std::min(win_rows / clen, max_gx));
  struct Win {
    uint64_t q0, q1, r0, r1;
  };
  std::vector<Win> wins;
  for (uint64_t q0 = 0; q0 < chunks; q0 += per_win) {
    const uint64_t q1 = std::min(chunks, q0 + per_win);
    auto row_of = [&](uint64_t q) { return (q / cps) * S + (q % cps) * clen; };
    const uint64_t last = q1 - 1, r1 = row_of(last) + std::min(clen, S - (last % cps) * clen);
    wins.push_back({q0, q1, row_of(q0), r1});
  }
  for (const Win& w : wins)
    for (uint64_t y0 = 0; y0 < blocks; y0 += max_gy) {  // channel blocks beyond the grid: more dispatches
      Stats::Spec sc;
      sc.WG = wg;
      sc.VEC = vec;
      sc.ITEMS = c.items_per_invocation;
      Stats::Push pc{};
      geom(pc, w.q0, w.r0, y0);
      pc.part_off = part_base;
      PlannedDispatch d = plan_dispatch<Stats>(a.x.dtype, sc, pc, pl.view(a.x, w.r0 * C, (w.r1 - w.r0) * C), part);
      d.groups[0] = uint32_t(w.q1 - w.q0);
      d.groups[1] = uint32_t(std::min(max_gy, blocks - y0));
      plan->dispatches.push_back(std::move(d));
    }
  const uint32_t stat_flags = (a.mean.is_set() ? Merge::FLAG_MEAN : 0u) | (a.rstd.is_set() ? Merge::FLAG_RSTD : 0u);
  const BufferView mv = a.mean.is_set() ? pl.view(a.mean, 0, N * G) : pl.dummy(a.x);
  const BufferView rv = a.rstd.is_set() ? pl.view(a.rstd, 0, N * G) : pl.dummy(a.x);
  for (uint64_t r0 = 0; r0 < N * G; r0 += max_gx) {
    Merge::Spec sc;
    sc.WG = std::min<uint32_t>(wg, 256);
    Merge::Push pc{};
    pc.count = uint32_t(S * cpg);
    pc.part_cs = uint32_t(cps * subs);
    pc.part_off = part_base;
    pc.coef_off = coef_off;
    pc.flags = stat_flags;
    pc.eps = a.eps;
    pc.gx_base = uint32_t(r0);
    PlannedDispatch d = plan_dispatch<Merge>(DType::f32, sc, pc, mv, rv, part);
    d.groups[0] = uint32_t(std::min(max_gx, N * G - r0));
    d.barrier_before = r0 == 0;
    plan->dispatches.push_back(std::move(d));
  }
  bool first = true;
  for (auto it = wins.rbegin(); it != wins.rend(); ++it) {  // the stats pass's last window first (L2)
    const Win& w = *it;
    for (uint64_t y0 = 0; y0 < blocks; y0 += max_gy) {
      Apply::Spec sc;
      sc.WG = wg;
      sc.VEC = vec;
      sc.ACT = uint32_t(a.activation);
      Apply::Push pc{};
      geom(pc, w.q0, w.r0, y0);
      pc.coef_off = coef_off;
      pc.flags = (a.weight.is_set() ? Apply::FLAG_WEIGHT : 0u) | (a.bias.is_set() ? Apply::FLAG_BIAS : 0u);
      PlannedDispatch d = plan_dispatch<Apply>(a.x.dtype, sc, pc, pl.view(a.x, w.r0 * C, (w.r1 - w.r0) * C),
                                               pl.view(a.y, w.r0 * C, (w.r1 - w.r0) * C), wv, bv, part);
      d.groups[0] = uint32_t(w.q1 - w.q0);
      d.groups[1] = uint32_t(std::min(max_gy, blocks - y0));
      d.barrier_before = first;
      first = false;
      plan->dispatches.push_back(std::move(d));
    }
  }
  return ok();
}

Error plan_group_norm(Context* ctx, const GroupNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  if (a.channels_last) return plan_group_norm_nhwc(ctx, a, plan, res);
  ChannelShape s;
  if (Error e = check_channel_tensors(ctx, a.x, a.y, 2, &s)) return e;
  if (a.num_groups < 1 || (s.C > 0 && s.C % uint64_t(a.num_groups) != 0) || (s.C == 0 && a.num_groups != 1))
    return make_error(Status::invalid_argument, "num_groups (" + std::to_string(a.num_groups) +
                                                    ") must be >= 1 and divide the channel count C = " +
                                                    std::to_string(s.C));
  if (a.activation != Activation::none && a.activation != Activation::silu && a.activation != Activation::gelu_tanh)
    return make_error(Status::invalid_argument, "activation must be none, silu or gelu_tanh (got value " +
                                                    std::to_string(uint32_t(a.activation)) + ")");
  const uint64_t G = uint64_t(a.num_groups);
  if (s.C == 0 || s.S == 0) {  // no group has an element: nothing to normalize, nothing recorded
    Error e;
    bool param_f32 = false;
    if ((e = check_params(ctx, {{&a.weight, "weight"}, {&a.bias, "bias"}}, s.C, a.x.dtype, &param_f32))) return e;
    res->empty = true;
    return ok();
  }
  GroupAffine grp;
  grp.groups = G;
  grp.cpg = s.C / G;
  grp.hw = s.S;
  grp.activation = a.activation;
  LayerNormArgs ln;
  ln.x = group_rows(a.x, s, G);
  ln.y = group_rows(a.y, s, G);
  ln.weight = a.weight;
  ln.bias = a.bias;
  ln.mean = a.mean;
  ln.rstd = a.rstd;
  ln.normalized_rank = 1;
  ln.eps = a.eps;
  ln.scratch = a.scratch;
  ln.config = a.config;
  static const Tensor unset;
  return plan_ln(ctx, {Op::group_norm, ln, &unset, &unset, &grp}, plan, res);
}

Error gn_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  GroupNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  a.num_groups = info.num_groups;
  a.activation = info.activation;
  if (info.f32_params && info.rank >= 2) a.weight = ph->tensor(DType::f32, {info.shape[1]});
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = group_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_group_norm(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kGroupNormSpec = {Op::group_norm, "group_norm",   0,
                                      ln_case_shape,  gn_fill_config, ln_uses_row_kernel,
                                      ln_check_config, gn_prepare};
}  // namespace detail

Error group_norm_scratch_size(Context* ctx, const GroupNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_group_norm, ctx, args, out);
}
Error select_config(Context* ctx, const GroupNormArgs& args, KernelConfig* out) {
  return config_of(plan_group_norm, ctx, args, out);
}
Error prepare_group_norm(Context* ctx, const GroupNormArgs& args) { return prepare_of(plan_group_norm, ctx, args); }
Error describe_dispatches(Context* ctx, const GroupNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_group_norm, ctx, args, out);
}
Error record_group_norm(Context* ctx, VkCommandBuffer cmd, const GroupNormArgs& args) {
  return record_of(plan_group_norm, ctx, cmd, args);
}

}  // namespace vknorm
