// ada_layer_norm_fp8: see support/ops/ada_norm.h (the quantized forms of ada_norm).
#include "support/ops/ada_norm.h"

namespace vknorm_support {

const OpCase& ada_layer_norm_fp8_case() {
  static const AdaNormCase c(vknorm::NormKind::layer, false, vknorm::DType::f8_e4m3, "ada_layer_norm_fp8");
  return c;
}

}  // namespace vknorm_support
