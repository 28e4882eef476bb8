#include "lanes_probe.h"

#include "lanes_probe_spv.h"  // kLanesProbeSpv: lanes_probe.comp, compiled by CMake

#include <algorithm>
#include <vector>

namespace vknorm_check {

LanesProbe probe_lanes(vknorm_support::HostDevice& dev) {
  LanesProbe r;
  if (!dev.info().subgroup_arithmetic) {
    r.error = "no subgroup arithmetic in compute shaders";
    return r;
  }
  VkDevice d = dev.device();
  constexpr uint32_t kInvocations = 256;
  std::string err;
  vknorm_support::Buffer out = dev.create_buffer(kInvocations * 16, false, &err);
  if (out.buffer == VK_NULL_HANDLE) {
    r.error = err;
    return r;
  }
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout dsl = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  auto cleanup = [&]() {
    if (pool) vkDestroyDescriptorPool(d, pool, nullptr);
    if (pipeline) vkDestroyPipeline(d, pipeline, nullptr);
    if (layout) vkDestroyPipelineLayout(d, layout, nullptr);
    if (dsl) vkDestroyDescriptorSetLayout(d, dsl, nullptr);
    if (module) vkDestroyShaderModule(d, module, nullptr);
    dev.destroy_buffer(out);
  };
  VkShaderModuleCreateInfo smi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  smi.codeSize = sizeof(kLanesProbeSpv);
  smi.pCode = kLanesProbeSpv;
  VkDescriptorSetLayoutBinding b{};
  b.binding = 0;
  b.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  b.descriptorCount = 1;
  b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  VkDescriptorSetLayoutCreateInfo dli{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dli.bindingCount = 1;
  dli.pBindings = &b;
  VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
  VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dpi.maxSets = 1;
  dpi.poolSizeCount = 1;
  dpi.pPoolSizes = &ps;
  VkResult vr = vkCreateShaderModule(d, &smi, nullptr, &module);
  if (vr == VK_SUCCESS) vr = vkCreateDescriptorSetLayout(d, &dli, nullptr, &dsl);
  VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pli.setLayoutCount = 1;
  pli.pSetLayouts = &dsl;
  if (vr == VK_SUCCESS) vr = vkCreatePipelineLayout(d, &pli, nullptr, &layout);
  VkComputePipelineCreateInfo cpi{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cpi.stage.module = module;
  cpi.stage.pName = "main";
  cpi.layout = layout;
  if (vr == VK_SUCCESS) vr = vkCreateComputePipelines(d, VK_NULL_HANDLE, 1, &cpi, nullptr, &pipeline);
  if (vr == VK_SUCCESS) vr = vkCreateDescriptorPool(d, &dpi, nullptr, &pool);
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkDescriptorSetAllocateInfo dai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  dai.descriptorPool = pool;
  dai.descriptorSetCount = 1;
  dai.pSetLayouts = &dsl;
  if (vr == VK_SUCCESS) vr = vkAllocateDescriptorSets(d, &dai, &set);
  if (vr != VK_SUCCESS) {
    r.error = "Vulkan error " + std::to_string(static_cast<int>(vr)) + " creating the probe";
    cleanup();
    return r;
  }
  VkDescriptorBufferInfo bi{out.buffer, 0, VK_WHOLE_SIZE};
  VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  w.dstSet = set;
  w.dstBinding = 0;
  w.descriptorCount = 1;
  w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  w.pBufferInfo = &bi;
  vkUpdateDescriptorSets(d, 1, &w, 0, nullptr);
  vr = dev.run([&](VkCommandBuffer cmd) {
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, nullptr);
    vkCmdDispatch(cmd, 1, 1, 1);
  });
  if (vr != VK_SUCCESS) {
    r.error = "probe submission failed: " + std::to_string(static_cast<int>(vr));
    cleanup();
    return r;
  }
  std::vector<uint32_t> v(kInvocations * 4);
  dev.download(out, v.data(), v.size() * 4);
  for (uint32_t i = 0; i < kInvocations; ++i) {
    r.active_lanes = std::max(r.active_lanes, v[4 * i]);
    r.top_lane = std::max(r.top_lane, v[4 * i + 1]);
    r.reported = std::max(r.reported, v[4 * i + 2]);
  }
  r.ran = true;
  cleanup();
  return r;
}

}  // namespace vknorm_check
