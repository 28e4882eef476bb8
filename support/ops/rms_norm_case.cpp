// rms_norm: see support/ops/dim1_norm.h (rms_norm, l1_norm and l2_norm share their kernels).
#include "support/ops/dim1_norm.h"

namespace vknorm_support {

const OpCase& rms_norm_case() {
  static const Dim1NormCase c(0);
  return c;
}

}  // namespace vknorm_support
