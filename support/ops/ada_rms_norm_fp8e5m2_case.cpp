// ada_rms_norm_fp8e5m2: see support/ops/ada_norm.h (the quantized forms of ada_norm).
#include "support/ops/ada_norm.h"

namespace vknorm_support {

const OpCase& ada_rms_norm_fp8e5m2_case() {
  static const AdaNormCase c(vknorm::NormKind::rms, false, vknorm::DType::f8_e5m2, "ada_rms_norm_fp8e5m2");
  return c;
}

}  // namespace vknorm_support
