// qk_norm_rope_gptj: see support/ops/qk_norm_rope.h.
#include "support/ops/qk_norm_rope.h"

namespace vknorm_support {

const OpCase& qk_norm_rope_gptj_case() {
  static const QkNormRopeCase c(true);
  return c;
}

}  // namespace vknorm_support
