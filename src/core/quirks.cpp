#include "quirks.h"

#include <algorithm>
#include <cstdio>

namespace vknorm::detail {

const std::vector<QuirkInfo>& quirk_table() {
  static const std::vector<QuirkInfo> table = {
      {Quirk::lavapipe_subgroup_size_misreport, "lavapipe_subgroup_size_misreport", VK_DRIVER_ID_MESA_LLVMPIPE,
       220000, 250099,
       "reports 32 / 64 subgroup lanes at LP_NATIVE_VECTOR_WIDTH 1024 / 2048 but runs compute shaders on 16",
       "selection and the tuning-cache key use the 16 lanes that run; row kernels keep the layout that does not "
       "read gl_SubgroupSize (SEG_SG off)"},
      {Quirk::lavapipe_long_row_loop, "lavapipe_long_row_loop", VK_DRIVER_ID_MESA_LLVMPIPE, 220000, 250099,
       "row loops of more than 16384 iterations computed wrong results (NaN) in a LayerNorm backward",
       "backward passes loop over at most 1024 rows per workgroup; larger rows_per_workgroup configs are refused"},
  };
  return table;
}

uint32_t mesa_version(const std::string& info) {
  const size_t at = info.find("Mesa ");
  if (at == std::string::npos) return 0;
  unsigned major = 0, minor = 0, patch = 0;
  const int n = std::sscanf(info.c_str() + at + 5, "%u.%u.%u", &major, &minor, &patch);
  if (n < 2) return 0;
  return major * 10000 + minor * 100 + std::min(patch, 99u);
}

namespace {

bool in_range(const DeviceProfile& p, const QuirkInfo& q) {
  if (p.driver_id != q.driver_id) return false;
  const uint32_t v = mesa_version(p.driver_info);
  return v >= q.first_version && v <= q.last_version;
}

}  // namespace

void apply_quirks(DeviceProfile* p) {
  p->quirks = 0;
  p->reported_subgroup_size = p->subgroup_size;
  for (const QuirkInfo& q : quirk_table()) {
    if (!in_range(*p, q)) continue;
    if (q.id == Quirk::lavapipe_subgroup_size_misreport) {
      if (p->subgroup_size <= 16) continue;  // widths 128..512 report what they run
      p->subgroup_size = 16;
      p->min_subgroup_size = std::min(p->min_subgroup_size, 16u);
      p->max_subgroup_size = std::min(p->max_subgroup_size, 16u);
      p->subgroup_rows = false;  // gl_SubgroupSize in the shaders is not what runs
    }
    p->quirks |= 1u << static_cast<uint32_t>(q.id);
  }
}

bool has_quirk(const DeviceProfile& p, Quirk q) { return (p.quirks >> static_cast<uint32_t>(q)) & 1u; }

std::vector<std::string> describe_quirks(const DeviceProfile& p) {
  std::vector<std::string> out;
  for (const QuirkInfo& q : quirk_table())
    if (has_quirk(p, q.id)) out.push_back(std::string(q.name) + ": " + q.what + "; vknorm: " + q.workaround);
  return out;
}

uint32_t max_rows_per_workgroup(const DeviceProfile& p, uint32_t workgroup_size, uint32_t items) {
  if (!has_quirk(p, Quirk::lavapipe_long_row_loop)) return 4096;
  // Iterations a row costs: its items, the reduction's loop over the workgroup's subgroups
  // (the lanes that run: subgroup_size), and a few more; 32768 in all, half the limit.
  // Virtual subgroups (testing) loop over their lanes in each subgroup operation too.
  const uint32_t per_row =
      items + workgroup_size / std::max<uint32_t>(1, p.subgroup_size) + p.virtual_subgroup_size + 8;
  return std::max<uint32_t>(1, std::min<uint32_t>(1024, 32768 / per_row));
}

}  // namespace vknorm::detail
