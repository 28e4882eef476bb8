// rms_norm_last: see support/ops/rms_norm_last.h (the four cases of the rms_norm_last kernel family).
#include "support/ops/rms_norm_last.h"

namespace vknorm_support {

const OpCase& rms_norm_last_case() {
  static const RmsLastCase c("rms_norm_last", 40, false);
  return c;
}

}  // namespace vknorm_support
