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
};

Error plan_ln(Context* ctx, const LnCall& call, Plan* plan, PlanResult* res);

// The OpSpec functions of LayerNorm forward, which the other forms' specs reuse.
std::string ln_case_shape(const Problem& p);
void ln_fill_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c);
bool ln_uses_row_kernel(const Problem& p, const KernelConfig& c);
std::string ln_check_config(const Problem& p, const KernelConfig& c, bool row_kernel);

}  // namespace vknorm::detail
