#include "pipeline_cache.h"

#include "embedded_spirv.h"

#include <cstring>
#include <tuple>

namespace vknorm::detail {

const EmbeddedSpirv* find_embedded_spirv(const char* name) {
  size_t count = 0;
  const EmbeddedSpirv* table = embedded_spirv_table(&count);
  for (size_t i = 0; i < count; ++i)
    if (std::strcmp(table[i].name, name) == 0) return &table[i];
  return nullptr;
}

bool PipelineKey::operator<(const PipelineKey& o) const {
  return std::tie(module, spec, bindings, push_bytes) <
         std::tie(o.module, o.spec, o.bindings, o.push_bytes);
}

void PipelineCache::init(VkDevice device, const DeviceFunctions* fns, VkPipelineCache cache,
                         bool capture_statistics) {
  device_ = device;
  fns_ = fns;
  cache_ = cache;
  capture_statistics_ = capture_statistics;
}

VkResult PipelineCache::get(const PipelineKey& key, const PipelineEntry** out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    *out = &it->second;
    return VK_SUCCESS;
  }
  const EmbeddedSpirv* spv = find_embedded_spirv(key.module.c_str());
  if (!spv) return VK_ERROR_UNKNOWN;

  PipelineEntry e;
  VkResult r = VK_SUCCESS;
  std::vector<VkDescriptorSetLayoutBinding> bindings(key.bindings);
  for (uint32_t i = 0; i < key.bindings; ++i)
    bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  if (key.bindings > 0) {
    VkDescriptorSetLayoutCreateInfo dsl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dsl.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
    dsl.bindingCount = key.bindings;
    dsl.pBindings = bindings.data();
    r = fns_->CreateDescriptorSetLayout(device_, &dsl, nullptr, &e.set_layout);
  }
  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, key.push_bytes};
  if (r == VK_SUCCESS) {
    VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pl.setLayoutCount = e.set_layout ? 1 : 0;
    pl.pSetLayouts = &e.set_layout;
    pl.pushConstantRangeCount = key.push_bytes ? 1 : 0;
    pl.pPushConstantRanges = &range;
    r = fns_->CreatePipelineLayout(device_, &pl, nullptr, &e.layout);
  }
  VkShaderModule module = VK_NULL_HANDLE;
  if (r == VK_SUCCESS) {
    VkShaderModuleCreateInfo sm{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    sm.codeSize = spv->word_count * 4;
    sm.pCode = spv->words;
    r = fns_->CreateShaderModule(device_, &sm, nullptr, &module);
  }
  if (r == VK_SUCCESS) {
    std::vector<VkSpecializationMapEntry> map(key.spec.size());
    for (uint32_t i = 0; i < key.spec.size(); ++i) map[i] = {i, i * 4, 4};
    VkSpecializationInfo si{static_cast<uint32_t>(map.size()), map.data(), key.spec.size() * 4,
                            key.spec.data()};
    VkComputePipelineCreateInfo cp{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    if (capture_statistics_) cp.flags = VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
    cp.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    cp.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cp.stage.module = module;
    cp.stage.pName = "main";
    cp.stage.pSpecializationInfo = &si;
    cp.layout = e.layout;
    r = fns_->CreateComputePipelines(device_, cache_, 1, &cp, nullptr, &e.pipeline);
    fns_->DestroyShaderModule(device_, module, nullptr);
  }
  if (r != VK_SUCCESS) {
    if (e.layout) fns_->DestroyPipelineLayout(device_, e.layout, nullptr);
    if (e.set_layout) fns_->DestroyDescriptorSetLayout(device_, e.set_layout, nullptr);
    return r;
  }
  auto ins = entries_.emplace(key, e);
  *out = &ins.first->second;
  return VK_SUCCESS;
}

size_t PipelineCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void PipelineCache::destroy() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& kv : entries_) {
    fns_->DestroyPipeline(device_, kv.second.pipeline, nullptr);
    fns_->DestroyPipelineLayout(device_, kv.second.layout, nullptr);
    if (kv.second.set_layout) fns_->DestroyDescriptorSetLayout(device_, kv.second.set_layout, nullptr);
  }
  entries_.clear();
}

}  // namespace vknorm::detail
