// GroupNorm: LayerNorm forward over one row per (sample, group), with one weight / bias value
// per channel (layer_norm_plan.h). Also the (N, C, spatial..) checks and row view that
// InstanceNorm shares (group_norm_rows.h).
#include "group_norm_rows.h"
#include "layer_norm_plan.h"

#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/tensor_checks.h"

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

Error plan_group_norm(Context* ctx, const GroupNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
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
