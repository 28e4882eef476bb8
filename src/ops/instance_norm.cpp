// InstanceNorm: with input statistics it is GroupNorm with one group per channel (LayerNorm rows
// of one (sample, channel) plane, layer_norm_plan.h), plus a pass that folds the per-plane
// statistics into the running statistics; with running statistics (eval) it is BatchNorm's
// eval path (batch_norm_plan.h).
#include "batch_norm_plan.h"
#include "group_norm_rows.h"
#include "layer_norm_plan.h"

#include "core/alias_checks.h"
#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/tensor_checks.h"

#include "contracts/instance_norm_running.h"

#include <string>

namespace vknorm {
using namespace detail;

namespace {

// Bytes [begin, begin + count * 4) of a resolved scratch tensor as an fp32 vector.
Tensor scratch_f32(const Tensor& scratch, uint64_t byte_begin, uint64_t count) {
  Tensor t = scratch;
  if (t.address) t.address += byte_begin; else t.offset += byte_begin;
  t.size = count * 4;
  t.dtype = DType::f32;
  t.rank = 1;
  t.shape[0] = int64_t(count);
  t.strides[0] = 1;
  return t;
}

Error plan_instance_norm(Context* ctx, const InstanceNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  ChannelShape s;
  Error e;
  if ((e = check_channel_tensors(ctx, a.x, a.y, 3, &s))) return e;
  if (!a.use_input_stats) {
    if (!a.running_mean.is_set() || !a.running_var.is_set())
      return make_error(Status::invalid_argument, "use_input_stats = false needs running_mean and running_var");
    BatchNormArgs bn;
    bn.x = a.x;
    bn.y = a.y;
    bn.weight = a.weight;
    bn.bias = a.bias;
    bn.running_mean = a.running_mean;
    bn.running_var = a.running_var;
    bn.training = false;
    bn.eps = a.eps;
    bn.scratch = a.scratch;
    bn.config = a.config;
    return plan_batch_norm(ctx, bn, plan, res);
  }
  if (!(a.momentum >= 0.0f && a.momentum <= 1.0f))
    return make_error(Status::invalid_argument, "momentum must be in [0, 1], got " + std::to_string(a.momentum));
  if (a.running_mean.is_set() != a.running_var.is_set())
    return make_error(Status::invalid_argument, "running_mean and running_var go together: pass both or neither");
  const bool running = a.running_mean.is_set();
  if (running && ((e = check_f32_per_row(ctx, a.running_mean, s.C, "running_mean")) ||
                  (e = check_f32_per_row(ctx, a.running_var, s.C, "running_var"))))
    return e;
  const uint64_t planes = s.N * s.C;
  // torch: "Expected more than 1 spatial element when training".
  if (s.S == 1 && planes > 0)
    return make_error(Status::invalid_argument, "instance statistics need more than 1 spatial element (got " +
                                                    shape_string(a.x) + ")");
  if (planes == 0 || s.S == 0) {  // nothing to normalize; running statistics unchanged
    bool param_f32 = false;
    if ((e = check_params(ctx, {{&a.weight, "weight"}, {&a.bias, "bias"}}, s.C, a.x.dtype, &param_f32))) return e;
    res->empty = true;
    return ok();
  }
  if (running && planes >= (uint64_t(1) << 31))
    return make_error(Status::unsupported, "running statistics of more than 2^31 (sample, channel) planes");
  GroupAffine grp;
  grp.groups = s.C;
  grp.cpg = 1;
  grp.hw = s.S;
  grp.write_var = running;
  LayerNormArgs ln;
  ln.x = group_rows(a.x, s, s.C);
  ln.y = group_rows(a.y, s, s.C);
  ln.weight = a.weight;
  ln.bias = a.bias;
  ln.eps = a.eps;
  ln.config = a.config;
  static const Tensor unset;
  LnCall call{Op::instance_norm, ln, &unset, &unset, &grp, {&a.running_mean, &a.running_var}};
  if (!running) {
    ln.scratch = a.scratch;
    return plan_ln(ctx, call, plan, res);
  }
  // With running statistics the planes' mean and variance go to scratch (N x C fp32 each), and
  // LayerNorm's own scratch follows them.
  const uint64_t stats_bytes = (2 * planes * 4 + 15) / 16 * 16;
  if ((e = plan_ln(ctx, call, nullptr, res))) return e;  // sizes LayerNorm's part
  const uint64_t ln_bytes = res->scratch_bytes;
  res->scratch_bytes = stats_bytes + ln_bytes;
  const Tensor scratch_arg = scratch_view(a.scratch, res->scratch_bytes);
  if ((e = check_aliasing(ctx,
                          {{&a.x, "x", false}, {&a.weight, "weight", false}, {&a.bias, "bias", false},
                           {&a.y, "y", true}, {&a.running_mean, "running_mean", true},
                           {&a.running_var, "running_var", true}, {&scratch_arg, "scratch", true}},
                          {{"y", "x"}})))
    return e;
  if (!plan) return ok();
  Tensor scratch;
  if ((e = check_scratch(ctx, a.scratch, res->scratch_bytes, &scratch))) return e;
  ln.mean = scratch_f32(scratch, 0, planes);
  ln.rstd = scratch_f32(scratch, planes * 4, planes);  // receives the variance (write_var)
  if (ln_bytes) {
    ln.scratch = scratch_f32(scratch, stats_bytes, ln_bytes / 4);
    ln.scratch.size = ln_bytes;
  }
  const VkDeviceSize total = res->scratch_bytes;
  if ((e = plan_ln(ctx, call, plan, res))) return e;
  res->scratch_bytes = total;

  using K = kernels::instance_norm_running;
  Planner pl(ctx, plan->address_mode);
  K::Spec sc;
  sc.WG = 64;
  K::Push pc{};
  pc.N = uint32_t(s.N);
  pc.C = uint32_t(s.C);
  pc.unbias = float(double(s.S) / double(s.S - 1));
  pc.momentum = a.momentum;
  PlannedDispatch d = plan_dispatch<K>(DType::f32, sc, pc, pl.view(ln.mean, 0, planes), pl.view(ln.rstd, 0, planes),
                                       pl.view(a.running_mean, 0, s.C), pl.view(a.running_var, 0, s.C));
  d.groups[0] = uint32_t(ceil_div(s.C, uint64_t(sc.WG)));
  d.barrier_before = true;
  plan->dispatches.push_back(std::move(d));
  return ok();
}

Error in_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  const int64_t C = info.rank >= 2 ? shape[1] : 1;
  InstanceNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  a.running_mean = ph->tensor(DType::f32, {C});
  a.running_var = ph->tensor(DType::f32, {C});
  a.config = info.config;
  VkDeviceSize bytes = 0;
  if (Error e = instance_norm_scratch_size(ctx, a, &bytes)) return e;
  if (bytes) a.scratch = ph->scratch(bytes);
  return prepare_instance_norm(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kInstanceNormSpec = {Op::instance_norm, "instance_norm", 0,
                                         ln_case_shape,     gn_fill_config,  ln_uses_row_kernel,
                                         ln_check_config,   in_prepare};
}  // namespace detail

Error instance_norm_scratch_size(Context* ctx, const InstanceNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_instance_norm, ctx, args, out);
}
Error select_config(Context* ctx, const InstanceNormArgs& args, KernelConfig* out) {
  return config_of(plan_instance_norm, ctx, args, out);
}
Error prepare_instance_norm(Context* ctx, const InstanceNormArgs& args) {
  return prepare_of(plan_instance_norm, ctx, args);
}
Error describe_dispatches(Context* ctx, const InstanceNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_instance_norm, ctx, args, out);
}
Error record_instance_norm(Context* ctx, VkCommandBuffer cmd, const InstanceNormArgs& args) {
  return record_of(plan_instance_norm, ctx, cmd, args);
}

}  // namespace vknorm
