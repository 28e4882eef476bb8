// add_rms_norm_fp8_g128: see support/ops/rms_norm_last.h (the cases of the rms_norm_last kernel family).
#include "support/ops/rms_norm_last.h"

namespace vknorm_support {

const OpCase& add_rms_norm_fp8_g128_case() {
  static const RmsLastCase c("add_rms_norm_fp8_g128", 47, true, vknorm::DType::f8_e4m3, 128);
  return c;
}

}  // namespace vknorm_support
