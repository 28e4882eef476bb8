// LayerNorm forward's planning, shared by the operators that are LayerNorm over another row:
// add_layer_norm (a residual add in front), GroupNorm and InstanceNorm (rows of one group of a
// sample, with one weight / bias value per channel). Defined in layer_norm.cpp.
#pragma once

#include "core/op_spec.h"
#include "core/plan.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm::detail {

// A row is one group of one sample: cpg channels of hw elements each (D = cpg * hw), weight
// and bias hold groups * cpg values (one per channel). write_var: the rstd output receives the
// biased variance instead (InstanceNorm's running statistics are built from it).
struct GroupAffine {
  uint64_t groups = 1, cpg = 1, hw = 1;
  bool write_var = false;
  Activation activation = Activation::none;  // applied after the affine (GroupNorm)
};

// ada_norm's own arguments (AdaNormArgs): the norm, the gate of the residual add and the
// modulation tensors (each may be unset). Planned by plan_ln on the ada_norm_row kernel only.
struct AdaCall {
  NormKind norm = NormKind::layer;
  const Tensor* gate;
  const Tensor* scale;
  const Tensor* shift;
  float scale_offset = 1.0f;
  // gated_rms_norm: `gate` holds z (x's shape, no residual); 1 y *= silu(z) after the norm,
  // 2 the norm of x * silu(z) (the kernel's ZGATE).
  uint32_t zgate = 0;
  // ada_norm: a quantized (i8 / f8) y may be given (ada_norm_row_q8) with these; null for
  // gated_rms_norm (y then has x's dtype).
  const Tensor* y_scale = nullptr;
  float static_scale = 0.0f;
};

// The arguments of every form (LayerNormArgs has no residual).
struct LnCall {
  Op op;
  const LayerNormArgs& a;              // everything but the residual
  const Tensor* residual;              // unset but for add_layer_norm
  const Tensor* residual_out;          // may be unset
  const GroupAffine* group = nullptr;  // GroupNorm / InstanceNorm; null for LayerNorm
  // Tensors of dispatches the caller appends (InstanceNorm's running statistics): they take
  // part in the choice of the binding mode.
  std::vector<const Tensor*> also_bound = {};
  // add_layer_norm: the D-element bias added to x + residual (may be null or unset).
  const Tensor* add_bias = nullptr;
  const AdaCall* ada = nullptr;  // ada_norm (residual may then be unset)
};

Error plan_ln(Context* ctx, const LnCall& call, Plan* plan, PlanResult* res);

// The OpSpec functions of LayerNorm forward, which the other forms' specs reuse.
std::string ln_case_shape(const Problem& p);
void ln_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c);
bool ln_uses_row_kernel(const Problem& p, const KernelConfig& c);
// ada_norm's OpSpec functions (defined in ada_norm.cpp), which gated_rms_norm (the same
// kernel) reuses: LayerNorm's row config, more items per lane instead of a split path.
void ada_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c);
bool ada_uses_row_kernel(const Problem& p, const KernelConfig& c);
std::string ada_check_config(const Problem& p, const KernelConfig& c, bool row_kernel);

// The longest row ada_norm takes (it has no split path): kMaxRowItems elements per invocation
// of the largest workgroup, the most KernelConfig::items_per_invocation allows. Past the
// table's items (16-32) the registers spill: slow, but a small device still runs DiT widths.
constexpr uint32_t kMaxRowItems = 256;
std::string ln_check_config(const Problem& p, const KernelConfig& c, bool row_kernel);

}  // namespace vknorm::detail
