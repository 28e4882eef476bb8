// rms_norm_last_fp8e5m2: see support/ops/rms_norm_last.h (the cases of the rms_norm_last kernel family).
#include "support/ops/rms_norm_last.h"

namespace vknorm_support {

const OpCase& rms_norm_last_fp8e5m2_case() {
  static const RmsLastCase c("rms_norm_last_fp8e5m2", 46, false, vknorm::DType::f8_e5m2);
  return c;
}

}  // namespace vknorm_support
