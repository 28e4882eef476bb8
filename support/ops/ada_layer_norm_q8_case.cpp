// ada_layer_norm_q8: see support/ops/ada_norm.h (the quantized forms of ada_norm).
#include "support/ops/ada_norm.h"

namespace vknorm_support {

const OpCase& ada_layer_norm_q8_case() {
  static const AdaNormCase c(vknorm::NormKind::layer, false, vknorm::DType::i8, "ada_layer_norm_q8");
  return c;
}

}  // namespace vknorm_support
