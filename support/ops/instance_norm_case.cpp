// instance_norm: see support/ops/group_norm.h (one class for GroupNorm and InstanceNorm).
#include "support/ops/group_norm.h"

namespace vknorm_support {

const OpCase& instance_norm_case() {
  static const ChannelNormCase c(ChannelNormKind::instance);
  return c;
}

}  // namespace vknorm_support
