// The aliasing contract, checked before anything is recorded: an output may share memory with
// an input only when the operator allows that exact pair in place (same memory, same dtype,
// same shape and strides); any other overlap of an output with itself, with another output or
// with an input is an invalid_argument. Inputs may overlap each other freely (they are only read).
#pragma once

#include "context.h"

#include <vknorm/vknorm.h>

#include <initializer_list>
#include <utility>

namespace vknorm::detail {

struct TensorRole {
  const Tensor* tensor;  // unset tensors are skipped
  const char* name;
  bool output;
};

// `in_place` lists the (output, input) name pairs that may alias exactly.
Error check_aliasing(const Context* ctx, std::initializer_list<TensorRole> roles,
                     std::initializer_list<std::pair<const char*, const char*>> in_place = {});

// The bytes [0, bytes) of a caller's scratch argument as a tensor (unset if not given or unused).
Tensor scratch_view(const Tensor& scratch, VkDeviceSize bytes);

// True when the elements a view addresses are pairwise distinct (proved by sorting its
// dimensions by stride: each stride must exceed the span of all smaller ones). Views that fail
// this test may still be distinct in exotic layouts; outputs are rejected conservatively.
bool elements_distinct(const Tensor& t);

}  // namespace vknorm::detail
