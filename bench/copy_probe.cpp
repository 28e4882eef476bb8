#include "copy_probe.h"

#include <algorithm>

namespace vknorm_bench {

CopyProbe::CopyProbe(vknorm_support::HostDevice& dev, uint64_t capacity) : dev_(dev) {
  capacity_ = capacity / 16 * 16;
  std::string e1, e2;
  src_ = dev_.create_buffer(capacity_, false, &e1);
  dst_ = dev_.create_buffer(capacity_, false, &e2);
  if (!src_.buffer || !dst_.buffer) {
    error_ = "allocation failed: " + e1 + e2;
    return;
  }
  dev_.fill(src_, 0x3f800000u);
}

CopyProbe::~CopyProbe() {
  if (src_.buffer) dev_.destroy_buffer(src_);
  if (dst_.buffer) dev_.destroy_buffer(dst_);
}

bool CopyProbe::ok(std::string* error) const {
  if (error) *error = error_;
  return error_.empty();
}

CopyTime CopyProbe::time(Timer& timer, uint64_t bytes) {
  CopyTime t;
  t.bytes = bytes;
  if (!error_.empty()) {
    t.stats.error = error_;
    return t;
  }
  t.timed_bytes = std::min(capacity_, std::max<uint64_t>(16, (bytes + 15) / 16 * 16));
  const vknorm::Tensor s = vknorm::Tensor::contiguous(src_.buffer, 0, t.timed_bytes, vknorm::DType::f32,
                                                      {static_cast<int64_t>(t.timed_bytes / 4)});
  const vknorm::Tensor d = vknorm::Tensor::contiguous(dst_.buffer, 0, t.timed_bytes, vknorm::DType::f32,
                                                      {static_cast<int64_t>(t.timed_bytes / 4)});
  std::string err;
  t.stats = timer.measure([&](VkCommandBuffer cmd) {
    const vknorm::Error e = vknorm::record_copy(dev_.context(), cmd, s, d, t.timed_bytes);
    if (!e.ok()) err = e.message;
    return e.ok();
  });
  if (!t.stats.ok && !err.empty()) t.stats.error += ": " + err;
  t.median_ms = t.stats.median_ms;
  if (t.timed_bytes < bytes && t.timed_bytes == capacity_)
    t.median_ms *= static_cast<double>(bytes) / static_cast<double>(t.timed_bytes);
  return t;
}

}  // namespace vknorm_bench
