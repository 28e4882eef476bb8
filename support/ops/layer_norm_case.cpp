// layer_norm: see support/ops/layer_norm.h (shared with add_layer_norm).
#include "support/ops/layer_norm.h"

namespace vknorm_support {

const OpCase& layer_norm_case() {
  static const LayerNormCase c(false);
  return c;
}

}  // namespace vknorm_support
