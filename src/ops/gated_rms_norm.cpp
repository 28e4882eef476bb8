// Gated RMSNorm (gated_rms_norm): ada_norm's row kernel (ada_norm_row.comp) with RMSNorm, no
// residual and no modulation, z in the gate binding read per row (ZGATE: silu(z) after the
// norm, or x * silu(z) before it). Planned by plan_ln like ada_norm, with its config rules.
#include "layer_norm_plan.h"

#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/tensor_checks.h"

#include <string>

namespace vknorm {
using namespace detail;

namespace {

Error plan_gated_rms_norm(Context* ctx, const GatedRmsNormArgs& a, Plan* plan, PlanResult* res) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  if (!a.z.is_set()) return make_error(Status::invalid_argument, "z is required (use rms_norm_last without a gate)");
  // Checked before their shapes are read (a malformed view's rank may exceed kMaxRank).
  Error e;
  if ((e = check_tensor(ctx, a.x, "x")) || (e = check_tensor(ctx, a.z, "z"))) return e;
  if (!same_shape(a.x, a.z))
    return make_error(Status::invalid_argument, "z " + shape_string(a.z) + " must have x's shape " + shape_string(a.x));
  LayerNormArgs ln;
  ln.x = a.x;
  ln.y = a.y;
  ln.weight = a.weight;
  ln.normalized_rank = 1;
  ln.eps = a.eps;
  ln.scratch = a.scratch;
  ln.config = a.config;
  static const Tensor unset;
  AdaCall ada;
  ada.norm = NormKind::rms;
  ada.gate = &a.z;
  ada.scale = &unset;
  ada.shift = &unset;
  ada.zgate = a.norm_before_gate ? 1u : 2u;
  LnCall call{Op::gated_rms_norm, ln, &unset, &unset};
  call.ada = &ada;
  return plan_ln(ctx, call, plan, res);
}

Error gated_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  GatedRmsNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  a.z = ph->tensor(info.dtype, shape);
  a.y = ph->tensor(info.dtype, shape);
  if (info.f32_params) a.weight = ph->tensor(DType::f32, dims(info, std::max(0, info.rank - 1), info.rank));
  a.norm_before_gate = info.norm_before_gate;
  a.config = info.config;
  return prepare_gated_rms_norm(ctx, a);
}

}  // namespace

namespace detail {
// ada_norm's kernel, so ada_norm's config rules.
extern const OpSpec kGatedRmsNormSpec = {Op::gated_rms_norm,  "gated_rms_norm",    0,
                                         ln_case_shape,       ada_fill_config,     ada_uses_row_kernel,
                                         ada_check_config,    gated_prepare};
}  // namespace detail

Error gated_rms_norm_scratch_size(Context* ctx, const GatedRmsNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_gated_rms_norm, ctx, args, out);
}
Error select_config(Context* ctx, const GatedRmsNormArgs& args, KernelConfig* out) {
  return config_of(plan_gated_rms_norm, ctx, args, out);
}
Error prepare_gated_rms_norm(Context* ctx, const GatedRmsNormArgs& args) {
  return prepare_of(plan_gated_rms_norm, ctx, args);
}
Error describe_dispatches(Context* ctx, const GatedRmsNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_gated_rms_norm, ctx, args, out);
}
Error record_gated_rms_norm(Context* ctx, VkCommandBuffer cmd, const GatedRmsNormArgs& args) {
  return record_of(plan_gated_rms_norm, ctx, cmd, args);
}

}  // namespace vknorm
