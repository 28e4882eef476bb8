// gated_ada_rms_norm: see support/ops/ada_norm.h.
#include "support/ops/ada_norm.h"

namespace vknorm_support {

const OpCase& gated_ada_rms_norm_case() {
  static const AdaNormCase c(vknorm::NormKind::rms, true);
  return c;
}

}  // namespace vknorm_support
