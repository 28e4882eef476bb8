// The public face of the autotune cache (read_tuning_cache / write_tuning_cache in vknorm.h),
// so that tools write the file through the library instead of including its private header.
// The file format and its reader / writer stay in tuning_cache.cpp.
#include <vknorm/vknorm.h>

#include "tuning_cache.h"

namespace vknorm {

std::string device_uuid_string(const DeviceInfo& info) {
  return detail::uuid_hex(info.uuid);
}

Error read_tuning_cache(const std::string& path, std::vector<TuningCacheEntry>* out) {
  if (!out) return Error{Status::invalid_argument, "read_tuning_cache: out is null"};
  detail::TuningCache cache;
  std::string error;
  if (!cache.load(path, &error)) return Error{Status::invalid_argument, error};
  std::vector<TuningCacheEntry> entries;
  entries.reserve(cache.entries().size());
  for (const detail::TuningEntry& e : cache.entries()) {
    TuningCacheEntry p;
    p.device_uuid = e.device_uuid;
    p.driver_version = e.driver_version;
    p.case_class = e.case_class;
    p.config = e.config;
    p.tuned_ms = e.tuned_ms;
    p.baseline_ms = e.baseline_ms;
    entries.push_back(std::move(p));
  }
  *out = std::move(entries);
  return Error{};
}

Error write_tuning_cache(const std::string& path, const DeviceInfo& device,
                         const std::vector<TuningCacheEntry>& entries) {
  detail::TuningCache cache;
  std::string error;
  if (!cache.load(path, &error)) return Error{Status::invalid_argument, error};
  const std::string uuid = device_uuid_string(device);
  for (const TuningCacheEntry& p : entries) {
    if (p.case_class.empty())
      return Error{Status::invalid_argument, "write_tuning_cache: an entry has no case_class"};
    detail::TuningEntry e;
    e.device_uuid = uuid;
    e.driver_version = device.driver_version;
    e.case_class = p.case_class;
    e.config = p.config;
    e.tuned_ms = p.tuned_ms;
    e.baseline_ms = p.baseline_ms;
    cache.upsert(e);
  }
  if (!cache.save(path, &error)) return Error{Status::invalid_argument, error};
  return Error{};
}

}  // namespace vknorm
