// Compute pipelines, created once per (SPIR-V variant, specialization values, layout) key and
// kept for the context's lifetime. Thread-safe.
#pragma once

#include "dispatch_table.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace vknorm::detail {

struct PipelineKey {
  std::string module;           // embedded SPIR-V name, e.g. "layer_norm_row.f32.desc.sg"
  std::vector<uint32_t> spec;   // specialization constants 0..n-1
  uint32_t bindings = 0;        // push-descriptor storage buffers (0 in address mode)
  uint32_t push_bytes = 0;
  bool operator<(const PipelineKey& o) const;
};

struct PipelineEntry {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
};

class PipelineCache {
 public:
  void init(VkDevice device, const DeviceFunctions* fns, VkPipelineCache cache,
            bool capture_statistics);
  // Returns VK_SUCCESS and the entry, or the Vulkan error (VK_ERROR_UNKNOWN if the module is
  // not embedded).
  VkResult get(const PipelineKey& key, const PipelineEntry** out);
  void destroy();
  size_t size() const;  // pipelines created so far

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  const DeviceFunctions* fns_ = nullptr;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  bool capture_statistics_ = false;
  mutable std::mutex mutex_;
  std::map<PipelineKey, PipelineEntry> entries_;
};

}  // namespace vknorm::detail
