// ada_layer_norm: see support/ops/ada_norm.h.
#include "support/ops/ada_norm.h"

namespace vknorm_support {

const OpCase& ada_layer_norm_case() {
  static const AdaNormCase c(vknorm::NormKind::layer, false);
  return c;
}

}  // namespace vknorm_support
