// The autotune cache written by `vknorm-bench --tune` and read by the library when
// ContextCreateInfo::tuning_cache_path is set. One file may hold entries for many devices;
// an entry applies only to the same device UUID and driver version.
//
// File format (text, so that the library needs no JSON parser), one entry per line:
//   vknorm-tuning-cache 1
//   <uuid-hex> <driver_version> <case_class> wg=<n> items=<n> vec=<n> csplit=<n> split=<n>
//       rows=<n> wave=<n> tuned_ms=<x> baseline_ms=<x>        (all on one line)
// Lines starting with '#' and blank lines are ignored; unknown key=value pairs are ignored.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm::detail {

struct TuningEntry {
  std::string device_uuid;   // 32 lowercase hex digits
  uint32_t driver_version = 0;
  std::string case_class;    // selector's case class, e.g. "rms_norm/f32/C64/S2^18/N2^7/v4"
  KernelConfig config;       // source = "tuned"
  double tuned_ms = 0, baseline_ms = 0;  // informational
};

class TuningCache {
 public:
  // Missing file: ok with no entries. Malformed file: false + message.
  bool load(const std::string& path, std::string* error);
  bool save(const std::string& path, std::string* error) const;
  const KernelConfig* find(const std::string& device_uuid, uint32_t driver_version,
                           const std::string& case_class) const;
  void upsert(const TuningEntry& e);  // replaces an entry with the same key
  const std::vector<TuningEntry>& entries() const { return entries_; }

 private:
  std::vector<TuningEntry> entries_;
};

std::string uuid_hex(const uint8_t uuid[VK_UUID_SIZE]);

}  // namespace vknorm::detail
