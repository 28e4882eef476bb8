// Host-visible buffers the fuzzer places tensors in: every tensor gets its own slot, a buffer
// with a guard region before and after the view, filled with a seeded pattern. After a call,
// every byte that the call may not write (guards, inputs, unused slots) is compared with the
// snapshot taken before it.
#pragma once

#include "support/host_device.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_fuzz {

class GuardedArena {
 public:
  // `slots` buffers of `slot_bytes` each; the usual view starts at guard_bytes().
  GuardedArena(vknorm_support::HostDevice& dev, size_t slots, VkDeviceSize slot_bytes);
  ~GuardedArena();
  GuardedArena(const GuardedArena&) = delete;
  GuardedArena& operator=(const GuardedArena&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t slots() const { return buffers_.size(); }
  VkDeviceSize slot_bytes() const { return slot_bytes_; }
  static constexpr VkDeviceSize guard_bytes() { return 1024; }
  const vknorm_support::Buffer& buffer(size_t slot) const { return buffers_[slot]; }
  // The slot that a VkBuffer or a device address lies in, with the byte offset inside it;
  // -1 when none (a descriptor pointing outside the arena).
  int slot_of_buffer(VkBuffer b) const;
  int slot_of_address(VkDeviceAddress a, VkDeviceSize* offset) const;

  // Fills every slot with a fresh pattern of stream `seed` and keeps a snapshot of it.
  void fill(uint64_t seed);
  // The snapshot of a slot (what fill wrote).
  const std::vector<uint8_t>& snapshot(size_t slot) const { return snapshots_[slot]; }
  const uint8_t* mapped(size_t slot) const;

 private:
  vknorm_support::HostDevice& dev_;
  VkDeviceSize slot_bytes_;
  std::vector<vknorm_support::Buffer> buffers_;
  std::vector<std::vector<uint8_t>> snapshots_;
  std::string error_;
};

}  // namespace vknorm_fuzz
