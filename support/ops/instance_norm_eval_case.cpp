// instance_norm_eval: see support/ops/group_norm.h (one class for GroupNorm and InstanceNorm).
#include "support/ops/group_norm.h"

namespace vknorm_support {

const OpCase& instance_norm_eval_case() {
  static const ChannelNormCase c(ChannelNormKind::instance_eval);
  return c;
}

}  // namespace vknorm_support
