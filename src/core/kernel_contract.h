// The host side of a kernel contract (shaders/contracts/contract.h): the layout the core needs
// to build a dispatch's push constants and pipeline, without knowing the kernel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vknorm::detail {

struct KernelContract {
  const char* name;          // the shader: shaders/<name>.comp
  uint32_t bindings;         // storage buffers 0..bindings-1
  uint32_t offset_mask;      // bit i: binding i has an element offset (descriptor mode)
  uint32_t field_bytes;      // sizeof(Push): the named fields after the pointers / offsets
  uint32_t spec_count;       // specialization constants 0..spec_count-1 (0 is WG)

  constexpr uint32_t offset_count() const {
    uint32_t n = 0;
    for (uint32_t m = offset_mask; m; m &= m - 1) ++n;
    return n;
  }
  // The push block: a 64-bit pointer per binding (address mode) or a word per element offset
  // (descriptor mode), in binding order, then the fields.
  constexpr uint32_t fields_offset(bool address_mode) const {
    return address_mode ? 8 * bindings : 4 * offset_count();
  }
  constexpr uint32_t push_bytes(bool address_mode) const {
    return fields_offset(address_mode) + field_bytes;
  }
};

// Checks for the static_asserts of VKNORM_KERNEL (arrays end with a sentinel entry).
template <size_t N>
constexpr bool packed_words(const size_t (&offsets)[N], const size_t (&sizes)[N]) {
  for (size_t i = 0; i + 1 < N; ++i)
    if (offsets[i] != 4 * i || sizes[i] != 4) return false;
  return true;
}
template <size_t N>
constexpr bool consecutive(const uint32_t (&ids)[N]) {
  for (size_t i = 0; i + 1 < N; ++i)
    if (ids[i] != i) return false;
  return true;
}

}  // namespace vknorm::detail
