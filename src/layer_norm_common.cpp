#include "layer_norm_common.h"

#include "tensor_checks.h"

namespace vknorm::detail {

Error row_layout(const Tensor& t, int k, const char* what, RowLayout* out) {
  if (k < 1 || k > t.rank)
    return make_error(Status::invalid_argument, std::string("normalized_rank must be in 1..") +
                                                    std::to_string(t.rank) + " for " + what + " " +
                                                    shape_string(t));
  uint64_t D = 0, st = 0;
  if (!collapse(t, t.rank - k, t.rank, &D, &st, 1) || (D > 1 && st != 1))
    return make_error(Status::invalid_argument, std::string(what) + ": the normalized dimensions must be contiguous");
  uint64_t rows = 0, rs = 0;
  if (!collapse(t, 0, t.rank - k, &rows, &rs, D))
    return make_error(Status::invalid_argument, std::string(what) + ": the leading dimensions must collapse into one strided row dimension");
  out->rows = rows;
  out->D = D;
  out->row_stride = rows > 1 ? rs : D;
  return ok();
}

bool vec4_aligned(const Tensor& t) { return vec_aligned(t, 4); }

bool vec_aligned(const Tensor& t, uint64_t elems) {
  if (!t.is_set()) return true;
  const uint64_t base = t.address ? t.address : t.offset;
  return base % (elems * dtype_size(t.dtype)) == 0;
}

}  // namespace vknorm::detail
