// Frobenius normalization of the whole tensor (y = x / ||x||_F): validation, default config,
// dispatch planning and the OpSpec. Three kernels: frobenius_partial (one fp32 partial sum of
// squares per fixed span of x, one dispatch per window), frobenius_finalize (one workgroup sums
// every partial in a fixed order: sum, scale, optional norm) and frobenius_scale (y = x * scale).
// Deterministic: no atomics, and the spans (hence the partials) depend only on the shape, the
// config and the device, never on the binding mode or the windows.
#include "layer_norm_rows.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/plan.h"
#include "core/selector.h"
#include "core/tensor_checks.h"

#include "contracts/frobenius_finalize.h"
#include "contracts/frobenius_partial.h"
#include "contracts/frobenius_scale.h"

#include <algorithm>
#include <string>

namespace vknorm {
using namespace detail;

namespace {

// Largest window (bytes) that one binding may cover in either binding mode: the spans are cut
// to fit it, so that both modes sum the same partials.
uint64_t window_bytes_any_mode(Context* ctx) {
  return std::min(Planner(ctx, false).window_limit_bytes(), Planner(ctx, true).window_limit_bytes());
}

// The tensor's elements as one run of stride 1; false when they are not.
bool contiguous_run(const Tensor& t, uint64_t* n) {
  uint64_t stride = 1;
  return collapse(t, 0, t.rank, n, &stride, 1) && (*n <= 1 || stride == 1);
}

Error plan_frobenius_norm(Context* ctx, const FrobeniusNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.y, "y"))) return e;
  if (a.x.rank < 1) return make_error(Status::invalid_argument, "x must have rank >= 1");
  if (Error de = check_float_dtype(a.x, "x")) return de;
  if (!same_shape(a.x, a.y))
    return make_error(Status::invalid_argument, "y " + shape_string(a.y) + " must have x's shape " + shape_string(a.x));
  if (a.x.dtype != a.y.dtype) return make_error(Status::invalid_argument, "y must have x's dtype");
  if (a.norm.is_set() && (e = check_f32_per_row(ctx, a.norm, 1, "norm"))) return e;
  uint64_t n = 0, ny = 0;
  if (!contiguous_run(a.x, &n) || !contiguous_run(a.y, &ny))
    return make_error(Status::invalid_argument, "x and y must be contiguous (their dimensions must collapse into one run of stride 1)");

  Problem p;
  p.op = Op::frobenius_norm;
  p.dtype = a.x.dtype;
  p.outer = 1;
  p.reduce = n;
  p.inner = 1;
  p.vec4_ok = n % 4 == 0 && vec4_aligned(a.x) && vec4_aligned(a.y);
  if ((e = choose_config(ctx, p, a.config, &res->config))) return e;
  const KernelConfig& c = res->config;
  const uint64_t es = dtype_size(p.dtype);
  // Spans: about n / split elements (a multiple of 4), never more than one window holds.
  const uint64_t window_elems = window_bytes_any_mode(ctx) / es / 4 * 4;
  const uint64_t span = std::min(window_elems, std::max<uint64_t>(4, (ceil_div(n, c.split) + 3) / 4 * 4));
  const uint64_t parts = ceil_div(n, span);
  // Windows hold whole spans, so that a partial never straddles two of them.
  const uint64_t win = window_elems / span * span;
  // Scratch (floats): the partials, then (sum of squares, scale); 16-byte multiple.
  res->scratch_bytes = n ? (parts + 2 + 3) / 4 * 16 : 0;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx, {{&a.x, "x", false}, {&a.y, "y", true}, {&a.norm, "norm", true}, {&scratch_arg, "scratch", true}},
                          {{"y", "x"}})))
    return e;
  if (n == 0) {
    res->empty = true;
    return ok();
  }
  if (!plan) return ok();
  Tensor scratch;
  if ((e = check_scratch(ctx, a.scratch, res->scratch_bytes, &scratch))) return e;
  if ((e = choose_binding_mode(ctx, {&a.x, &a.y, &a.norm, &scratch}, &plan->address_mode))) return e;
  Planner pl(ctx, plan->address_mode);
  // The partials (<= split <= 65535) fit one grid row on every device: Vulkan guarantees
  // maxComputeWorkGroupCount[0] >= 65535.
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0];
  uint32_t base = 0;
  const BufferView part = pl.scratch(scratch, 0, res->scratch_bytes, 4, &base);
  const uint32_t stat_off = uint32_t(base + parts);

  for (uint64_t w0 = 0; w0 < n; w0 += win) {
    using K = kernels::frobenius_partial;
    const uint64_t count = std::min(win, n - w0);
    K::Spec sc;
    sc.WG = c.workgroup_size;
    sc.ITEMS = c.items_per_invocation;
    sc.VEC = c.vector_width;
    K::Push pc{};
    pc.count = uint32_t(count);
    pc.span = uint32_t(span);
    pc.part_off = uint32_t(base + w0 / span);
    PlannedDispatch d = plan_dispatch<K>(p.dtype, sc, pc, pl.view(a.x, w0, count), part);
    d.groups[0] = uint32_t(ceil_div(count, span));
    plan->dispatches.push_back(std::move(d));
  }
  {
    using K = kernels::frobenius_finalize;
    K::Spec sc;
    sc.WG = std::min<uint32_t>(c.workgroup_size, 256);
    K::Push pc{};
    pc.parts = uint32_t(parts);
    pc.part_off = base;
    pc.stat_off = stat_off;
    pc.flags = a.norm.is_set() ? K::FLAG_NORM : 0u;
    // Only fp32 data: the f32 module serves every dtype.
    PlannedDispatch d = plan_dispatch<K>(DType::f32, sc, pc, a.norm.is_set() ? pl.view(a.norm, 0, 1) : pl.dummy(a.x), part);
    d.barrier_before = true;
    plan->dispatches.push_back(std::move(d));
  }
  const uint64_t chunk = uint64_t(c.workgroup_size) * c.items_per_invocation;
  bool first = true;
  for (uint64_t w0 = 0; w0 < n; w0 += win) {
    const uint64_t count = std::min(win, n - w0), chunks = ceil_div(count, chunk);
    for (uint64_t g0 = 0; g0 < chunks; g0 += max_gx) {
      using K = kernels::frobenius_scale;
      K::Spec sc;
      sc.WG = c.workgroup_size;
      sc.ITEMS = c.items_per_invocation;
      sc.VEC = c.vector_width;
      K::Push pc{};
      pc.count = uint32_t(count);
      pc.stat_off = stat_off;
      pc.gx_base = uint32_t(g0);
      PlannedDispatch d = plan_dispatch<K>(p.dtype, sc, pc, pl.view(a.x, w0, count), pl.view(a.y, w0, count), part);
      d.groups[0] = uint32_t(std::min(max_gx, chunks - g0));
      d.barrier_before = first;  // the scale is ready
      first = false;
      plan->dispatches.push_back(std::move(d));
    }
  }
  return ok();
}

// ---- OpSpec ----

std::string fro_case_shape(const Problem& p) { return "/n2^" + std::to_string(log2_bucket(p.reduce)); }

bool fro_uses_row_kernel(const Problem&, const KernelConfig&) { return false; }

// The default config:
//   vector_width 4 where x and y allow 4-element accesses, else 1;
//   workgroup_size the device's largest, up to 1024; items_per_invocation 16 (four 16-byte
//   loads in flight per invocation at vec 4);
//   split = 16 x the device's target workgroups (SMs x workgroups_per_sm), fewer when the
//   tensor has less than one batch of workgroup_size x items values per workgroup.
// On the H200, KernelBench #37 (1.9e9 fp32 elements) took 5.53 ms with one wave of
// 256-invocation partial workgroups (split 1056), 5.34 ms with 16896 of them and 5.28 ms with
// 16896 of 1024 invocations (bench/results/h200-2026-12-01-perf; 4224, 33792 and 65535
// partials were no faster).
void fro_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  if (!c->workgroup_size) c->workgroup_size = std::min<uint32_t>(1024, lim.max_wg);
  if (!c->items_per_invocation) c->items_per_invocation = std::max<uint32_t>(16, c->vector_width);
  if (!c->split) {
    const uint64_t batch = uint64_t(c->workgroup_size) * c->items_per_invocation;
    const uint64_t most = std::max<uint64_t>(1, p.reduce / batch);
    c->split = uint32_t(std::min<uint64_t>({16 * lim.target_wgs, most, 65535}));
  }
  c->rows_per_workgroup = 1;
}

std::string fro_check_config(const Problem&, const KernelConfig& c, bool) {
  if (c.items_per_invocation % c.vector_width) return "items_per_invocation must be a multiple of vector_width";
  if (c.split == 0 || c.split > 65535) return "split (partial workgroups) must be in [1, 65535]";
  return "";
}

Error fro_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  FrobeniusNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = frobenius_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_frobenius_norm(ctx, a);
}

// Batch invariance: nothing to keep (the norm is over the whole tensor: not invariant).
void fro_invariant_fields(const KernelConfig&, KernelConfig*) {}

}  // namespace

namespace detail {
extern const OpSpec kFrobeniusNormSpec = {Op::frobenius_norm, "frobenius_norm", 0,
                                          fro_case_shape,     fro_fill_config,  fro_uses_row_kernel,
                                          fro_check_config,   fro_prepare,      fro_invariant_fields};
}  // namespace detail

Error frobenius_norm_scratch_size(Context* ctx, const FrobeniusNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_frobenius_norm, ctx, args, out);
}

Error select_config(Context* ctx, const FrobeniusNormArgs& args, KernelConfig* out) {
  return config_of(plan_frobenius_norm, ctx, args, out);
}

Error prepare_frobenius_norm(Context* ctx, const FrobeniusNormArgs& args) {
  return prepare_of(plan_frobenius_norm, ctx, args);
}

Error describe_dispatches(Context* ctx, const FrobeniusNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_frobenius_norm, ctx, args, out);
}

Error record_frobenius_norm(Context* ctx, VkCommandBuffer cmd, const FrobeniusNormArgs& args) {
  return record_of(plan_frobenius_norm, ctx, cmd, args);
}

}  // namespace vknorm
