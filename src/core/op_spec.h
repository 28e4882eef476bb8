// What an operator hands to the core. Each src/ops/<op>.cpp defines one OpSpec; the core finds
// it by Op id (find_op_spec) and never branches on an operator itself.
#pragma once

#include "context.h"
#include "selector.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>

namespace vknorm::detail {

class Placeholders;

struct OpSpec {
  Op op;
  const char* name;  // op_name(op); the first part of its tuning-cache case class
  // Shared memory per invocation on top of the workgroup reduction's vec2 (shared_bytes()).
  uint32_t extra_shared_bytes_per_invocation;
  // The shape part of the case class, e.g. "/D2^12/R2^10" (see case_class()).
  std::string (*case_shape)(const Problem& p);
  // The op's default config: fills every zero field of *cfg (set fields are kept).
  void (*fill_config)(const SelectorLimits& limits, const Problem& p, KernelConfig* cfg);
  // True when cfg runs p on one of the op's row kernels (the generic row checks apply).
  bool (*uses_row_kernel)(const Problem& p, const KernelConfig& cfg);
  // The op's own config checks, after the generic ones (config_problem()); "" when fine.
  std::string (*check_config)(const Problem& p, const KernelConfig& cfg, bool row_kernel);
  // prepare(): plans (and resolves) the call on placeholder tensors of the info's shape.
  Error (*prepare)(Context* ctx, const PrepareInfo& info, Placeholders* ph);
  // Batch invariance (ContextCreateInfo::batch_invariant): the config is chosen for a large
  // batch, and this copies into *c only the fields that the bits of the outputs the op
  // promises invariant depend on; the others stay 0 and take the real batch's default.
  // nullptr: every field (the row-wise forward ops).
  void (*batch_invariant_fields)(const KernelConfig& large_batch, KernelConfig* c) = nullptr;
};

// The operator registry (src/ops/registry.cpp); nullptr for an unknown op.
const OpSpec* find_op_spec(Op op);

}  // namespace vknorm::detail
