// The public entry points every operator offers (scratch size, config read-back, prepare,
// describe, record), written once over the operator's planning function.
#pragma once

#include "plan.h"

namespace vknorm::detail {

// Validates `args`, fills `res`; with a non-null plan also builds the dispatches.
template <typename Args>
using PlanFunction = Error (*)(Context*, const Args&, Plan*, PlanResult*);

template <typename Args>
Error scratch_size_of(PlanFunction<Args> plan_fn, Context* ctx, const Args& args, VkDeviceSize* out) {
  PlanResult r;
  Error e = plan_fn(ctx, args, nullptr, &r);
  if (out) *out = e ? 0 : r.scratch_bytes;
  return e;
}

template <typename Args>
Error config_of(PlanFunction<Args> plan_fn, Context* ctx, const Args& args, KernelConfig* out) {
  PlanResult r;
  Error e = plan_fn(ctx, args, nullptr, &r);
  if (!e && out) *out = r.config;
  return e;
}

// Plans and creates every pipeline; nothing is recorded.
template <typename Args>
Error resolved_plan(PlanFunction<Args> plan_fn, Context* ctx, const Args& args, Plan* plan) {
  PlanResult r;
  Error e = plan_fn(ctx, args, plan, &r);
  return e ? e : resolve(ctx, plan);
}

template <typename Args>
Error prepare_of(PlanFunction<Args> plan_fn, Context* ctx, const Args& args) {
  Plan plan;
  return resolved_plan(plan_fn, ctx, args, &plan);
}

template <typename Args>
Error describe_of(PlanFunction<Args> plan_fn, Context* ctx, const Args& args, std::vector<DispatchInfo>* out) {
  Plan plan;
  Error e = resolved_plan(plan_fn, ctx, args, &plan);
  if (!e && out) describe_plan(plan, out);
  return e;
}

template <typename Args>
Error record_of(PlanFunction<Args> plan_fn, Context* ctx, VkCommandBuffer cmd, const Args& args) {
  if (cmd == VK_NULL_HANDLE) return make_error(Status::invalid_argument, "command buffer is null");
  Plan plan;
  Error e = resolved_plan(plan_fn, ctx, args, &plan);
  if (!e) record_plan(ctx, cmd, plan);
  return e;
}

}  // namespace vknorm::detail
