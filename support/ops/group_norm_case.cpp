// group_norm: see support/ops/group_norm.h (one class for GroupNorm and InstanceNorm).
#include "support/ops/group_norm.h"

namespace vknorm_support {

const OpCase& group_norm_case() {
  static const ChannelNormCase c(ChannelNormKind::group);
  return c;
}

}  // namespace vknorm_support
