// Adaptive LayerNorm / RMSNorm of DiT blocks (ada_norm): LayerNorm's row kernel with the gated
// residual add in front and the modulation after (ada_norm_row.comp, layer_norm_row.glsl),
// planned by plan_ln (layer_norm_plan.h). No split path: a row runs in one workgroup.
#include "layer_norm_plan.h"

#include "core/entry_points.h"
#include "core/op_spec.h"
#include "core/placeholders.h"
#include "core/selector.h"

#include <algorithm>
#include <string>

namespace vknorm {
using namespace detail;

namespace detail {

// LayerNorm's default; a row longer than the table's items in the largest workgroup takes more
// items per lane instead of LayerNorm's split path (ada_norm has none).
void ada_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c) {
  if (c->split > 1) return;  // refused by ada_check_config
  KernelConfig t = *c;
  ln_fill_config(lim, p, &t);
  if (t.split == 1 && ln_check_config(p, t, true).empty()) {
    *c = t;
    return;
  }
  c->split = 1;
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  const uint32_t wg = c->workgroup_size ? std::min(c->workgroup_size, lim.max_wg) : lim.max_wg;
  fill_row_config(lim, p, c, pow2_ceil(ceil_div(p.reduce, wg)));
}

bool ada_uses_row_kernel(const Problem&, const KernelConfig&) { return true; }

std::string ada_check_config(const Problem& p, const KernelConfig& c, bool) {
  if (c.split != 1) return "ada_norm runs each row in one workgroup: split must be 1";
  return ln_check_config(p, c, true);
}

}  // namespace detail

namespace {

Error plan_ada_norm(Context* ctx, const AdaNormArgs& a, Plan* plan, PlanResult* res) {
  LayerNormArgs ln;
  ln.x = a.x;
  ln.y = a.y;
  ln.weight = a.weight;
  ln.bias = a.bias;
  ln.normalized_rank = 1;
  ln.eps = a.eps;
  ln.scratch = a.scratch;
  ln.config = a.config;
  AdaCall ada;
  ada.norm = a.norm;
  ada.gate = &a.gate;
  ada.scale = &a.scale;
  ada.shift = &a.shift;
  ada.scale_offset = a.scale_offset;
  ada.y_scale = &a.y_scale;
  ada.static_scale = a.static_scale;
  LnCall call{Op::ada_norm, ln, &a.residual, &a.residual_out};
  call.ada = &ada;
  return plan_ln(ctx, call, plan, res);
}

Error ada_prepare(Context* ctx, const PrepareInfo& info, Placeholders* ph) {
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  // The modulation's rows do not change the pipelines: one row of D.
  const std::vector<int64_t> mod = dims(info, std::max(0, info.rank - 1), info.rank);
  AdaNormArgs a;
  a.x = ph->tensor(info.dtype, shape);
  // A quantized y (its own module per format): int8_output or output_dtype i8 / f8_*.
  const DType q = info.int8_output ? DType::i8 : info.output_dtype;
  const bool quantized = q == DType::i8 || q == DType::f8_e4m3 || q == DType::f8_e5m2;
  a.y = ph->tensor(quantized ? q : info.dtype, shape);
  if (quantized) {
    a.static_scale = 1.0f;  // the scale kind changes no pipeline
    a.y_scale = Tensor{};
  }
  if (info.residual) a.residual = ph->tensor(info.dtype, shape);
  if (info.gate) a.gate = ph->tensor(info.dtype, mod);
  if (info.scale) a.scale = ph->tensor(info.dtype, mod);
  if (info.shift) a.shift = ph->tensor(info.dtype, mod);
  if (info.f32_params) a.weight = ph->tensor(DType::f32, mod);
  a.norm = info.norm;
  a.config = info.config;
  return prepare_ada_norm(ctx, a);
}

}  // namespace

namespace detail {
extern const OpSpec kAdaNormSpec = {Op::ada_norm,      "ada_norm",      0,
                                    ln_case_shape,     ada_fill_config, ada_uses_row_kernel,
                                    ada_check_config,  ada_prepare};
}  // namespace detail

Error ada_norm_scratch_size(Context* ctx, const AdaNormArgs& args, VkDeviceSize* out) {
  return scratch_size_of(plan_ada_norm, ctx, args, out);
}
Error select_config(Context* ctx, const AdaNormArgs& args, KernelConfig* out) {
  return config_of(plan_ada_norm, ctx, args, out);
}
Error prepare_ada_norm(Context* ctx, const AdaNormArgs& args) { return prepare_of(plan_ada_norm, ctx, args); }
Error describe_dispatches(Context* ctx, const AdaNormArgs& args, std::vector<DispatchInfo>* out) {
  return describe_of(plan_ada_norm, ctx, args, out);
}
Error record_ada_norm(Context* ctx, VkCommandBuffer cmd, const AdaNormArgs& args) {
  return record_of(plan_ada_norm, ctx, cmd, args);
}

}  // namespace vknorm
