// gated_rms_norm: see support/ops/gated_rms_norm.h.
#include "support/ops/gated_rms_norm.h"

namespace vknorm_support {

const OpCase& gated_rms_norm_case() {
  static const GatedRmsNormCase c(true);
  return c;
}

}  // namespace vknorm_support
