// Argument validation shared by the operators: every check runs before anything is recorded.
#pragma once

#include <initializer_list>
#include <utility>

#include "context.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>

namespace vknorm::detail {

// Checks that a set tensor is well formed (binding, rank, shape, strides, offset alignment,
// size covering every element, dtype enabled on the device). `what` names it in messages.
Error check_tensor(const Context* ctx, const Tensor& t, const char* what);

// The dtype of an operator's main input (x, dy) and of the outputs that share it: f32, f16 or
// bf16. i8 is only a quantized output (rms_norm_last / add_rms_norm y); there is no i8 kernel
// to read it, so it is refused here and not at pipeline creation.
Error check_float_dtype(const Tensor& t, const char* what);

// Index one past the largest element the view addresses (0 for empty tensors; UINT64_MAX when
// shape x strides do not fit 64 bits, which check_tensor refuses as an overflow).
uint64_t element_extent(const Tensor& t);

// Collapses dims [begin, end) into one strided dim; false if they are not collapsible.
// Size-1 dims are ignored; an empty range gives size 1, stride `unit_stride`.
bool collapse(const Tensor& t, int begin, int end, uint64_t* size, uint64_t* stride,
              uint64_t unit_stride);

bool same_shape(const Tensor& a, const Tensor& b);
std::string shape_string(const Tensor& t);

Error check_eps(float eps);
Error check_f32_per_row(const Context* ctx, const Tensor& t, uint64_t rows, const char* what);
// weight/bias-like tensors: `count` contiguous elements of `dtype`.
Error check_vector(const Context* ctx, const Tensor& t, uint64_t count, DType dtype,
                   const char* what);
// Affine parameters (weight / bias; unset ones are skipped): `count` contiguous elements each,
// of x's dtype, or fp32 beside 16-bit x (mixed precision: checkpoints that keep norm weights in
// fp32); all of one dtype. *f32 tells whether they are fp32 while x is not.
Error check_params(const Context* ctx, std::initializer_list<std::pair<const Tensor*, const char*>> params,
                   uint64_t count, DType x_dtype, bool* f32);
Error check_scratch(const Context* ctx, const Tensor& s, VkDeviceSize needed, Tensor* resolved);

}  // namespace vknorm::detail
