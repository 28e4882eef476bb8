// add_layer_norm: see support/ops/layer_norm.h (shared with layer_norm).
#include "support/ops/layer_norm.h"

namespace vknorm_support {

const OpCase& add_layer_norm_case() {
  static const LayerNormCase c(true);
  return c;
}

}  // namespace vknorm_support
