// group_norm_nhwc: GroupNorm with channels_last (x (N, spatial.., C)); see support/ops/group_norm.h.
#include "support/ops/group_norm.h"

namespace vknorm_support {

const OpCase& group_norm_nhwc_case() {
  static const ChannelNormCase c(ChannelNormKind::group_nhwc);
  return c;
}

}  // namespace vknorm_support
