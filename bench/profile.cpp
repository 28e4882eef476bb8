#include "profile.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace vknorm_bench {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string statistic_text(const VkPipelineExecutableStatisticKHR& s) {
  switch (s.format) {
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: return s.value.b32 ? "true" : "false";
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: return std::to_string(s.value.i64);
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: return std::to_string(s.value.u64);
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_FLOAT64_KHR: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", s.value.f64);
      return buf;
    }
    default: return "?";
  }
}

int64_t statistic_int(const VkPipelineExecutableStatisticKHR& s) {
  switch (s.format) {
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: return s.value.i64;
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: return static_cast<int64_t>(s.value.u64);
    case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_FLOAT64_KHR: return static_cast<int64_t>(s.value.f64);
    default: return -1;
  }
}

// Reads the statistics of every executable of the pipeline (compute: one).
void read_statistics(VkDevice device, VkPipeline pipeline, DispatchProfile* p) {
  auto get_props = reinterpret_cast<PFN_vkGetPipelineExecutablePropertiesKHR>(
      vkGetDeviceProcAddr(device, "vkGetPipelineExecutablePropertiesKHR"));
  auto get_stats = reinterpret_cast<PFN_vkGetPipelineExecutableStatisticsKHR>(
      vkGetDeviceProcAddr(device, "vkGetPipelineExecutableStatisticsKHR"));
  if (!get_props || !get_stats) {
    p->statistics_note = "vkGetPipelineExecutable*KHR not found";
    return;
  }
  VkPipelineInfoKHR pi{};
  pi.sType = VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR;
  pi.pipeline = pipeline;
  uint32_t n = 0;
  if (get_props(device, &pi, &n, nullptr) != VK_SUCCESS || n == 0) {
    p->statistics_note = "no pipeline executables reported";
    return;
  }
  VkPipelineExecutablePropertiesKHR prop_init{};
  prop_init.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_PROPERTIES_KHR;
  std::vector<VkPipelineExecutablePropertiesKHR> props(n, prop_init);
  get_props(device, &pi, &n, props.data());
  for (uint32_t e = 0; e < n; ++e) {
    VkPipelineExecutableInfoKHR ei{};
    ei.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR;
    ei.pipeline = pipeline;
    ei.executableIndex = e;
    uint32_t m = 0;
    if (get_stats(device, &ei, &m, nullptr) != VK_SUCCESS) continue;
    VkPipelineExecutableStatisticKHR stat_init{};
    stat_init.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR;
    std::vector<VkPipelineExecutableStatisticKHR> stats(m, stat_init);
    if (get_stats(device, &ei, &m, stats.data()) != VK_SUCCESS) continue;
    p->have_statistics = true;
    const std::string prefix = n > 1 ? std::string(props[e].name) + "/" : "";
    for (uint32_t i = 0; i < m; ++i) {
      const std::string name = stats[i].name;
      p->statistics.emplace_back(prefix + name, statistic_text(stats[i]));
      const std::string l = lower(name);
      const int64_t v = statistic_int(stats[i]);
      const bool spill = l.find("spill") != std::string::npos || l.find("scratch") != std::string::npos;
      if (p->registers < 0 && !spill &&
          (l.find("register") != std::string::npos || l == "vgprs" || l.find("grf") != std::string::npos))
        p->registers = v;
      if (p->shared_bytes < 0 && !spill &&
          (l.find("shared") != std::string::npos || l.find("workgroup memory") != std::string::npos ||
           l.find("lds") != std::string::npos))
        p->shared_bytes = v;
    }
  }
  if (!p->have_statistics) p->statistics_note = "the driver returned no statistics";
}

void estimate_occupancy(const SmLimits& lim, DispatchProfile* p) {
  char buf[160];
  if (!lim.name) {
    p->occupancy_text = "n/a (per-SM limits unknown for this device)";
    return;
  }
  const uint32_t wg = std::max<uint32_t>(1, p->info.workgroup_size);
  const uint32_t warps = (wg + lim.warp - 1) / lim.warp;
  const uint32_t max_warps = lim.max_threads / lim.warp;
  struct Limit { uint32_t blocks; const char* what; };
  std::vector<Limit> limits = {{max_warps / warps, "threads"}, {lim.max_blocks, "blocks/SM"}};
  if (p->registers > 0) {
    // Registers are allocated per warp in units of 256 (8 per invocation).
    const uint64_t per_warp = (static_cast<uint64_t>(p->registers) * lim.warp + 255) / 256 * 256;
    limits.push_back({static_cast<uint32_t>(lim.registers / per_warp / warps), "registers"});
  }
  if (p->shared_bytes >= 0) {
    const uint64_t per_block = (static_cast<uint64_t>(p->shared_bytes) + 127) / 128 * 128 +
                               lim.reserved_shared_per_block;
    limits.push_back({static_cast<uint32_t>(lim.shared_bytes / per_block), "shared memory"});
  }
  const Limit* best = &limits[0];
  for (const Limit& l : limits)
    if (l.blocks < best->blocks) best = &l;
  p->occupancy = static_cast<double>(best->blocks * warps) / max_warps;
  const bool partial = p->registers <= 0 || p->shared_bytes < 0;
  std::snprintf(buf, sizeof(buf), "%s%.0f%% (%u blocks x %u warps of %u; limit: %s%s; %s)",
                partial ? "<=" : "", 100.0 * p->occupancy, best->blocks, warps, max_warps,
                best->what, partial ? ", registers/shared memory not reported" : "", lim.name);
  p->occupancy_text = buf;
}

}  // namespace

SmLimits sm_limits(const vknorm::DeviceInfo& info) {
  SmLimits l;
  switch (info.device_class) {
    case vknorm::DeviceClass::hopper:
      l = {"Hopper SM: 64K regs, 64 warps, 32 blocks, 228 KiB smem", 65536, 2048, 32, 32, 233472, 1024};
      break;
    case vknorm::DeviceClass::ada:
      l = {"Ada SM: 64K regs, 48 warps, 24 blocks, 100 KiB smem", 65536, 1536, 24, 32, 102400, 1024};
      break;
    default: break;
  }
  return l;
}

std::vector<DispatchProfile> profile_dispatches(vknorm_support::HostDevice& device,
                                                const std::vector<vknorm::DispatchInfo>& dispatches) {
  const vknorm::DeviceInfo& info = device.info();
  const SmLimits lim = sm_limits(info);
  std::vector<DispatchProfile> out;
  for (const vknorm::DispatchInfo& d : dispatches) {
    DispatchProfile p;
    p.info = d;
    p.subgroup_size = info.subgroup_size;
    if (!info.enabled.pipeline_executable_info)
      p.statistics_note = "VK_KHR_pipeline_executable_properties not enabled";
    else if (d.pipeline == VK_NULL_HANDLE)
      p.statistics_note = "no pipeline handle";
    else
      read_statistics(device.device(), d.pipeline, &p);
    estimate_occupancy(lim, &p);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace vknorm_bench
