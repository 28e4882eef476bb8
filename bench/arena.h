// Device memory that outlives the cases of a run.
//
// Why (issue "Fast everywhere": the same case took 2-3x longer inside --suite extended than
// alone): every case used to vkAllocateMemory its tensors (up to 2 x 7.5 GB) and vkFreeMemory
// them afterwards, so each case ran on memory the driver had just handed out, right after
// multi-GiB frees of the previous case, and what each case got (where, which page size, whether
// freed memory was already reclaimed / scrubbed by the driver) depended on the cases before it.
// A single-case run gets fresh memory from a quiet device instead. Now every tensor is a
// VkBuffer bound at offset 0 of a per-role block (x, y, dy, dx, weight, ...) that is allocated
// once, sized to the largest case of the run (Arena::reserve before the first case), and only
// re-allocated when a later case needs more. Cases therefore run on the same, long-lived,
// device-local memory whether they run alone or in a suite, nothing is freed between cases,
// and input fills can be skipped when the block already holds the same periodic pattern.
#pragma once

#include "support/host_device.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vknorm_bench {

enum class Slot { x, y, dy, dx, weight, bias, mean, rstd, dweight, dbias, scratch, residual, residual_out, y_scale, running_mean, running_var, add_bias, scale, shift, gate, z, k_weight, positions, cos_sin_cache, count };
const char* slot_name(Slot s);

class Arena {
 public:
  explicit Arena(vknorm_support::HostDevice& dev);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Makes the slot's block hold at least `bytes` (rounded up to 2 MiB). A smaller block is
  // freed first. Returns false with *error when the allocation fails (the slot is then empty).
  bool reserve(Slot s, uint64_t bytes, std::string* error);
  // A buffer of `bytes` bound at offset 0 of the slot's block (reserving as needed). Release
  // it with release(), never with HostDevice::destroy_buffer (it does not own the memory).
  bool view(Slot s, uint64_t bytes, vknorm_support::Buffer* out, std::string* error);
  void release(vknorm_support::Buffer& b);

  // What a slot holds (for skipping fills): an opaque tag and how many bytes carry it.
  struct Content {
    uint64_t tag = 0;
    uint64_t bytes = 0;
  };
  Content& content(Slot s) { return content_[static_cast<size_t>(s)]; }
  uint64_t capacity(Slot s) const { return blocks_[static_cast<size_t>(s)].size; }
  bool device_local() const;  // every allocated block is in device-local memory
  uint64_t total_bytes() const;
  int reallocations() const { return reallocations_; }

 private:
  vknorm_support::HostDevice& dev_;
  std::array<vknorm_support::Buffer, static_cast<size_t>(Slot::count)> blocks_{};
  std::array<Content, static_cast<size_t>(Slot::count)> content_{};
  std::array<int, static_cast<size_t>(Slot::count)> live_{};
  int reallocations_ = 0;
  std::vector<std::pair<VkBuffer, Slot>> slots_of_;
  PFN_vkGetBufferDeviceAddress get_address_ = nullptr;
};

// VK_EXT_memory_budget, when the device supports it: usage and budget of the largest
// device-local heap (both 0 otherwise). Logged per case so that memory left over from earlier
// cases shows in the JSON.
void device_local_usage(vknorm_support::HostDevice& dev, uint64_t* usage, uint64_t* budget);

}  // namespace vknorm_bench
