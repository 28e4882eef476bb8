// Resolves a plan (module names, push-constant words, pipelines), records it and describes it.
#include "plan.h"

#include "embedded_spirv.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <vector>

namespace vknorm::detail {

// "<kernel>.<dtype>.<desc|addr>.<sg|sh>"; a kernel without workgroup reductions has a single
// module for both reduction paths, named without the suffix (reduce=none, cmake/shaders.cmake).
static std::string module_name(const PlannedDispatch& d, bool address_mode, bool shared) {
  const std::string base = std::string(d.kernel->name) + "." + dtype_name(d.dtype) + (address_mode ? ".addr" : ".desc");
  const std::string full = base + (shared ? ".sh" : ".sg");
  return find_embedded_spirv(full.c_str()) || !find_embedded_spirv(base.c_str()) ? full : base;
}

// The push block of shaders/contracts/contract.h: a pointer per binding (address mode) or the
// element offset of each binding that has one (descriptor mode), then the contract's fields.
static std::vector<uint32_t> push_words(const PlannedDispatch& d, bool address_mode) {
  std::vector<uint32_t> words;
  for (size_t i = 0; i < d.bindings.size(); ++i) {
    const BufferView& b = d.bindings[i];
    if (address_mode) {
      words.push_back(static_cast<uint32_t>(b.address));
      words.push_back(static_cast<uint32_t>(b.address >> 32));
    } else if (d.kernel->offset_mask >> i & 1u) {
      words.push_back(b.elem_base);
    }
  }
  words.insert(words.end(), d.fields.begin(), d.fields.end());
  assert(words.size() * 4 == d.kernel->push_bytes(address_mode));
  return words;
}

Error resolve(Context* ctx, Plan* plan) {
  for (PlannedDispatch& d : plan->dispatches) {
    d.module = module_name(d, plan->address_mode, ctx->shared_memory_reduction);
    // Rows on subgroup lanes only in the sg modules of devices whose gl_SubgroupSize is what runs.
    if (d.seg_sg_word >= 0)
      d.spec[static_cast<size_t>(d.seg_sg_word)] = ctx->profile.subgroup_rows && !ctx->shared_memory_reduction ? 1u : 0u;
    PipelineKey key;
    key.module = d.module;
    key.spec = d.spec;
    key.bindings = plan->address_mode ? 0 : d.kernel->bindings;
    key.push_bytes = d.kernel->push_bytes(plan->address_mode);
    if (key.push_bytes > ctx->profile.max_push_constants_size)
      return make_error(Status::unsupported, d.module + " needs " + std::to_string(key.push_bytes) +
                                                 " bytes of push constants; the device allows " +
                                                 std::to_string(ctx->profile.max_push_constants_size));
    for (int i = 0; i < 3; ++i)
      if (d.groups[i] > ctx->profile.max_workgroup_count[i])
        return make_error(Status::invalid_argument, "internal: dispatch of " + d.module +
                                                        " exceeds maxComputeWorkGroupCount");
    VkResult r = ctx->pipelines.get(key, &d.pipeline);
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
      return make_error(Status::out_of_memory, "creating pipeline " + d.module);
    if (r != VK_SUCCESS)
      return make_error(Status::vulkan_error,
                        "creating pipeline " + d.module + " failed (VkResult " + std::to_string(r) + ")");
  }
  return ok();
}

void record_plan(Context* ctx, VkCommandBuffer cmd, const Plan& plan) {
  const DeviceFunctions& f = ctx->dfn;
  std::vector<VkDescriptorBufferInfo> infos;
  std::vector<VkWriteDescriptorSet> writes;
  for (const PlannedDispatch& d : plan.dispatches) {
    if (d.barrier_before) {
      VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
      mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
      f.CmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    }
    f.CmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->pipeline);
    if (!plan.address_mode) {
      infos.resize(d.bindings.size());
      writes.resize(d.bindings.size());
      for (size_t i = 0; i < d.bindings.size(); ++i) {
        infos[i] = {d.bindings[i].buffer, d.bindings[i].bind_offset, d.bindings[i].bind_range};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstBinding = static_cast<uint32_t>(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
      }
      f.CmdPushDescriptorSetKHR(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->layout, 0,
                                static_cast<uint32_t>(writes.size()), writes.data());
    }
    std::vector<uint32_t> words = push_words(d, plan.address_mode);
    if (!words.empty())
      f.CmdPushConstants(cmd, d.pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         static_cast<uint32_t>(words.size() * 4), words.data());
    f.CmdDispatch(cmd, d.groups[0], d.groups[1], d.groups[2]);
  }
}

void describe_plan(const Plan& plan, std::vector<DispatchInfo>* out) {
  out->clear();
  for (const PlannedDispatch& d : plan.dispatches) {
    DispatchInfo i;
    i.kernel = d.module.empty() ? d.kernel->name : d.module;
    std::copy(d.groups, d.groups + 3, i.groups);
    i.workgroup_size = d.spec.empty() ? 0 : d.spec[0];
    i.pipeline = d.pipeline ? d.pipeline->pipeline : VK_NULL_HANDLE;
    out->push_back(i);
  }
}

}  // namespace vknorm::detail
