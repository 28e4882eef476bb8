// prepare()'s placeholder tensors: each op's OpSpec::prepare builds its call from them.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace vknorm::detail {

// Placeholder tensors: in descriptor mode distinct non-null handles that are only stored in the
// plan; in address mode distinct, 256-byte aligned fake addresses (address mode never calls
// vkGetBufferDeviceAddress for tensors that already have an address). Distinct, so that the
// aliasing checks see no overlap.
class Placeholders {
 public:
  Placeholders(bool address_mode, bool aligned, DType dtype)
      : address_mode_(address_mode), dtype_(dtype), misalign_(aligned ? 0 : dtype_size(dtype)) {}
  Tensor tensor(DType dtype, const std::vector<int64_t>& shape) {
    Tensor t = Tensor::contiguous(VK_NULL_HANDLE, 0, 0, dtype, shape);
    place(&t, dtype == dtype_ ? misalign_ : 0);  // fp32 mean / rstd stay aligned
    t.size = t.bytes_needed();
    return t;
  }
  Tensor scratch(VkDeviceSize bytes) {
    Tensor t = Tensor::contiguous(VK_NULL_HANDLE, 0, bytes, DType::f32, {int64_t((bytes + 3) / 4)});
    place(&t, 0);  // scratch offsets are multiples of 16
    return t;
  }

 private:
  void place(Tensor* t, uint64_t misalign) {
    if (address_mode_) {
      next_address_ += uint64_t(1) << 40;  // far apart: no two views overlap
      t->address = next_address_ + misalign;
    } else {
      next_handle_ += 0x1000;
      std::memcpy(&t->buffer, &next_handle_, sizeof(t->buffer) < sizeof(next_handle_) ? sizeof(t->buffer) : sizeof(next_handle_));
      t->offset = misalign;
    }
  }
  bool address_mode_;
  DType dtype_;
  uint64_t misalign_;
  uint64_t next_handle_ = 0;
  uint64_t next_address_ = 0;
};

inline std::vector<int64_t> dims(const PrepareInfo& p, int begin, int end) {
  return std::vector<int64_t>(p.shape + begin, p.shape + end);
}

inline int64_t product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

}  // namespace vknorm::detail
