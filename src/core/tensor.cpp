// Tensor construction (contiguous / strided, by buffer or by address) and its size helpers.
#include <vknorm/vknorm.h>

#include <limits>
#include <vector>

namespace vknorm {

static Tensor make_contiguous(DType dtype, const int64_t* shape, size_t rank) {
  Tensor t;
  t.dtype = dtype;
  t.rank = static_cast<int>(rank);
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    if (i < static_cast<size_t>(kMaxRank)) {
      t.shape[i] = shape[i];
      t.strides[i] = stride;
    }
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
  return t;
}

Tensor Tensor::contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size, DType dtype,
                          std::initializer_list<int64_t> shape) {
  return contiguous(buffer, offset, size, dtype, std::vector<int64_t>(shape));
}

Tensor Tensor::contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size, DType dtype,
                          const std::vector<int64_t>& shape) {
  Tensor t = make_contiguous(dtype, shape.data(), shape.size());
  if (shape.size() > static_cast<size_t>(kMaxRank)) t.rank = kMaxRank + 1;  // rejected later
  t.buffer = buffer;
  t.offset = offset;
  t.size = size;
  return t;
}

Tensor Tensor::contiguous_at(VkDeviceAddress address, VkDeviceSize size, DType dtype,
                             const std::vector<int64_t>& shape) {
  Tensor t = contiguous(VK_NULL_HANDLE, 0, size, dtype, shape);
  t.address = address;
  return t;
}

static Tensor make_strided(DType dtype, const int64_t* shape, size_t rank, const int64_t* strides,
                          size_t stride_count) {
  Tensor t;
  t.dtype = dtype;
  if (rank != stride_count || rank > static_cast<size_t>(kMaxRank)) {
    t.rank = kMaxRank + 1;  // rejected by every call
    return t;
  }
  t.rank = static_cast<int>(rank);
  for (size_t i = 0; i < rank; ++i) {
    t.shape[i] = shape[i];
    t.strides[i] = strides[i];
  }
  t.size = t.bytes_needed();
  return t;
}

Tensor Tensor::strided(VkBuffer buffer, VkDeviceSize offset, DType dtype, std::initializer_list<int64_t> shape,
                       std::initializer_list<int64_t> strides) {
  return strided(buffer, offset, dtype, std::vector<int64_t>(shape), std::vector<int64_t>(strides));
}

Tensor Tensor::strided(VkBuffer buffer, VkDeviceSize offset, DType dtype, const std::vector<int64_t>& shape,
                       const std::vector<int64_t>& strides) {
  Tensor t = make_strided(dtype, shape.data(), shape.size(), strides.data(), strides.size());
  t.buffer = buffer;
  t.offset = offset;
  return t;
}

Tensor Tensor::strided_at(VkDeviceAddress address, DType dtype, std::initializer_list<int64_t> shape,
                          std::initializer_list<int64_t> strides) {
  return strided_at(address, dtype, std::vector<int64_t>(shape), std::vector<int64_t>(strides));
}

Tensor Tensor::strided_at(VkDeviceAddress address, DType dtype, const std::vector<int64_t>& shape,
                          const std::vector<int64_t>& strides) {
  Tensor t = make_strided(dtype, shape.data(), shape.size(), strides.data(), strides.size());
  t.address = address;
  return t;
}

VkDeviceSize Tensor::bytes_needed() const {
  if (rank < 0 || rank > kMaxRank) return 0;
  for (int i = 0; i < rank; ++i)
    if (shape[i] <= 0 || strides[i] < 0) return 0;
  constexpr uint64_t kMax = ~uint64_t(0);
  uint64_t last = 0;  // index of the last element
  for (int i = 0; i < rank; ++i) {
    const uint64_t n = uint64_t(shape[i] - 1), st = uint64_t(strides[i]);
    if (st != 0 && n > (kMax - last) / st) return kMax;
    last += n * st;
  }
  const uint64_t es = dtype_size(dtype);
  if (es == 0) return 0;  // not a DType value (a garbage descriptor): no element size to count
  if (last >= kMax / es) return kMax;
  return (last + 1) * es;
}

int64_t Tensor::numel() const {
  // Saturates at INT64_MAX instead of overflowing (a garbage descriptor's huge dims: the
  // checks then refuse it by count); any zero dim gives 0.
  int64_t n = 1;
  bool saturated = false;
  for (int i = 0; i < rank && i < kMaxRank; ++i) {
    if (shape[i] == 0) return 0;
    if (!saturated && __builtin_mul_overflow(n, shape[i], &n)) saturated = true;
  }
  return saturated ? std::numeric_limits<int64_t>::max() : n;
}

}  // namespace vknorm
