#include "tools/fuzz/guarded_arena.h"

#include "tools/fuzz/rng.h"

#include <cstring>

namespace vknorm_fuzz {

GuardedArena::GuardedArena(vknorm_support::HostDevice& dev, size_t slots, VkDeviceSize slot_bytes)
    : dev_(dev), slot_bytes_(slot_bytes) {
  for (size_t k = 0; k < slots; ++k) {
    std::string err;
    vknorm_support::Buffer b = dev_.create_buffer(slot_bytes, /*host_visible=*/true, &err);
    if (b.buffer == VK_NULL_HANDLE || !b.mapped) {
      error_ = "cannot create a host-visible arena buffer: " + err;
      if (b.buffer != VK_NULL_HANDLE) dev_.destroy_buffer(b);
      return;
    }
    buffers_.push_back(b);
    snapshots_.emplace_back(static_cast<size_t>(slot_bytes));
  }
}

GuardedArena::~GuardedArena() {
  for (auto& b : buffers_) dev_.destroy_buffer(b);
}

int GuardedArena::slot_of_buffer(VkBuffer b) const {
  for (size_t k = 0; k < buffers_.size(); ++k)
    if (buffers_[k].buffer == b) return static_cast<int>(k);
  return -1;
}

int GuardedArena::slot_of_address(VkDeviceAddress a, VkDeviceSize* offset) const {
  for (size_t k = 0; k < buffers_.size(); ++k) {
    const VkDeviceAddress base = buffers_[k].address;
    if (base != 0 && a >= base && a - base <= slot_bytes_) {
      *offset = a - base;
      return static_cast<int>(k);
    }
  }
  return -1;
}

void GuardedArena::fill(uint64_t seed) {
  Rng rng(seed);
  for (size_t k = 0; k < buffers_.size(); ++k) {
    std::vector<uint8_t>& s = snapshots_[k];
    for (size_t i = 0; i + 8 <= s.size(); i += 8) {
      // Small finite floats mostly (so kernels see ordinary data), with the odd raw word.
      uint64_t w = rng.next();
      if ((w & 15) != 0) {
        float f[2] = {static_cast<float>((w >> 8) % 2001) / 1000.0f - 1.0f,
                      static_cast<float>((w >> 24) % 2001) / 1000.0f - 1.0f};
        std::memcpy(&w, f, 8);
      }
      std::memcpy(s.data() + i, &w, 8);
    }
    std::memcpy(buffers_[k].mapped, s.data(), s.size());
  }
}

const uint8_t* GuardedArena::mapped(size_t slot) const {
  return static_cast<const uint8_t*>(buffers_[slot].mapped);
}

}  // namespace vknorm_fuzz
