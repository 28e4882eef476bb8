// DeviceLimits: named profiles of smaller devices and their application to a DeviceProfile
// (a context created with ContextCreateInfo::limits plans as if the device reported them).
#include "device_profile.h"

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace vknorm {

namespace {

struct NamedLimits {
  const char* name;
  DeviceLimits limits;
};

DeviceLimits make_limits(uint32_t invocations, uint32_t count, uint32_t shared, uint64_t range,
                         uint32_t alignment, bool no_arithmetic) {
  DeviceLimits l;
  l.max_workgroup_invocations = invocations;
  l.max_workgroup_count = count;
  l.max_shared_memory_bytes = shared;
  l.max_storage_buffer_range = range;
  l.min_storage_buffer_offset_alignment = alignment;
  l.no_subgroup_arithmetic = no_arithmetic;
  return l;
}

const NamedLimits* profiles(size_t* count) {
  static const NamedLimits all[] = {
      {"mobile", make_limits(128, 65535, 16384, uint64_t(1) << 27, 256, true)},
      {"integrated", make_limits(512, 65535, 32768, uint64_t(1) << 30, 64, false)},
  };
  *count = sizeof(all) / sizeof(all[0]);
  return all;
}

}  // namespace

Error device_limits_profile(const char* name, DeviceLimits* out) {
  if (!out) return Error{Status::invalid_argument, "device_limits_profile: out is null"};
  size_t n = 0;
  const NamedLimits* all = profiles(&n);
  std::string names;
  for (size_t i = 0; i < n; ++i) {
    if (name && std::strcmp(name, all[i].name) == 0) {
      *out = all[i].limits;
      return Error{};
    }
    names += std::string(i ? ", " : "") + all[i].name;
  }
  return Error{Status::invalid_argument,
               std::string("unknown device limits profile '") + (name ? name : "(null)") + "' (profiles: " + names + ")"};
}

const char* const* device_limits_profile_names(size_t* count) {
  size_t n = 0;
  const NamedLimits* all = profiles(&n);
  static const std::vector<const char*> names = [&] {
    std::vector<const char*> v;
    for (size_t i = 0; i < n; ++i) v.push_back(all[i].name);
    return v;
  }();
  if (count) *count = names.size();
  return names.data();
}

namespace detail {

Error apply_device_limits(const DeviceLimits& l, DeviceProfile* p) {
  // The lower of the device's limit and the profile's: a profile runs on any device.
  auto lower = [&](auto* field, uint64_t value) {
    if (!value || value >= uint64_t(*field)) return;
    *field = static_cast<std::remove_reference_t<decltype(*field)>>(value);
    p->limits_lowered = true;
  };
  lower(&p->max_workgroup_invocations, l.max_workgroup_invocations);
  lower(&p->max_workgroup_size_x, l.max_workgroup_invocations);
  for (uint32_t& c : p->max_workgroup_count) lower(&c, l.max_workgroup_count);
  lower(&p->max_shared_memory_bytes, l.max_shared_memory_bytes);
  lower(&p->max_storage_buffer_range, l.max_storage_buffer_range);
  if (const uint32_t a = l.min_storage_buffer_offset_alignment) {
    if (a & (a - 1))
      return Error{Status::invalid_argument, "ContextCreateInfo::limits.min_storage_buffer_offset_alignment = " +
                                                 std::to_string(a) + " is not a power of two"};
    if (a > p->min_storage_buffer_offset_alignment) {
      p->min_storage_buffer_offset_alignment = a;
      p->limits_lowered = true;
    }
  }
  if (l.no_subgroup_arithmetic && p->subgroup_arithmetic) {
    p->subgroup_arithmetic = false;
    p->subgroup_rows = false;
    p->limits_lowered = true;
  }
  return Error{};
}

}  // namespace detail
}  // namespace vknorm
