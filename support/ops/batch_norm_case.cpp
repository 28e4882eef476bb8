// batch_norm: see support/ops/batch_norm.h (one class for training and eval).
#include "support/ops/batch_norm.h"

namespace vknorm_support {

const OpCase& batch_norm_case() {
  static const BatchNormCase c(false);
  return c;
}

}  // namespace vknorm_support
