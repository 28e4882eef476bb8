// qk_norm_rope: see support/ops/qk_norm_rope.h.
#include "support/ops/qk_norm_rope.h"

namespace vknorm_support {

const OpCase& qk_norm_rope_case() {
  static const QkNormRopeCase c(false);
  return c;
}

}  // namespace vknorm_support
