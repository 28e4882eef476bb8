// BatchNorm's planning, which InstanceNorm's eval mode (running statistics) runs as it is.
// Defined in batch_norm.cpp.
#pragma once

#include "core/plan.h"

#include <vknorm/vknorm.h>

namespace vknorm::detail {

Error plan_batch_norm(Context* ctx, const BatchNormArgs& a, Plan* plan, PlanResult* res);

}  // namespace vknorm::detail
