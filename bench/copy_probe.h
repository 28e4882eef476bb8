// vknorm's copy shader as the yardstick: the 1 GiB roofline of a run, and the same-size copy
// each case is compared with (a case that moves B minimal bytes against a copy that reads B/2
// and writes B/2). A timed copy carries the same fixed cost per isolated dispatch as the case,
// so the ratio copy time / case time cancels the timing floor of the method (about 3 us on the
// H200) and can be set beside torch's kernel time against torch's own clone of the same bytes.
#pragma once

#include "timing.h"

#include "support/host_device.h"

#include <cstdint>
#include <string>

namespace vknorm_bench {

struct CopyTime {
  uint64_t bytes = 0;        // bytes copied (read once + written once: moves 2x)
  uint64_t timed_bytes = 0;  // bytes of the copy really timed (capped by the buffers)
  Stats stats;               // of the timed copy
  double median_ms = 0;      // scaled to `bytes` when the timed copy was capped
  bool ok() const { return stats.ok; }
};

class CopyProbe {
 public:
  // Allocates a source and a destination of `capacity` bytes (rounded down to 16).
  CopyProbe(vknorm_support::HostDevice& dev, uint64_t capacity);
  ~CopyProbe();
  CopyProbe(const CopyProbe&) = delete;
  CopyProbe& operator=(const CopyProbe&) = delete;
  bool ok(std::string* error) const;
  uint64_t capacity() const { return capacity_; }

  // Times a copy of `bytes` (rounded up to 16). Above the capacity, times the capacity and
  // scales linearly: at that size the copy runs at bandwidth.
  CopyTime time(Timer& timer, uint64_t bytes);

 private:
  vknorm_support::HostDevice& dev_;
  uint64_t capacity_ = 0;
  vknorm_support::Buffer src_, dst_;
  std::string error_;
};

}  // namespace vknorm_bench
