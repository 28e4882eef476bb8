// batch_norm_eval: see support/ops/batch_norm.h (one class for training and eval).
#include "support/ops/batch_norm.h"

namespace vknorm_support {

const OpCase& batch_norm_eval_case() {
  static const BatchNormCase c(true);
  return c;
}

}  // namespace vknorm_support
