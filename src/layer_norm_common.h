// Shape analysis shared by LayerNorm forward and backward.
#pragma once

#include "context.h"

#include <vknorm/vknorm.h>

#include <cstdint>

namespace vknorm::detail {

struct RowLayout {
  uint64_t rows = 0, D = 0;
  uint64_t row_stride = 0;  // elements between rows
};

// x viewed as (rows, D) with the trailing `normalized_rank` dims contiguous.
Error row_layout(const Tensor& t, int normalized_rank, const char* what, RowLayout* out);
bool vec4_aligned(const Tensor& t);  // offset/address allows 4-element accesses
bool vec_aligned(const Tensor& t, uint64_t elems);  // ... `elems`-element accesses (unset: true)

}  // namespace vknorm::detail
