// gated_rms_norm_gate_first: see support/ops/gated_rms_norm.h.
#include "support/ops/gated_rms_norm.h"

namespace vknorm_support {

const OpCase& gated_rms_norm_gate_first_case() {
  static const GatedRmsNormCase c(false);
  return c;
}

}  // namespace vknorm_support
