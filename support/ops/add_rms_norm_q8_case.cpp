// add_rms_norm_q8: see support/ops/rms_norm_last.h (the four cases of the rms_norm_last kernel family).
#include "support/ops/rms_norm_last.h"

namespace vknorm_support {

const OpCase& add_rms_norm_q8_case() {
  static const RmsLastCase c("add_rms_norm_q8", 43, true, vknorm::DType::i8);
  return c;
}

}  // namespace vknorm_support
