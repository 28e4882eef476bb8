// Resolves a plan (module names, push-constant words, pipelines), records it and describes it.
#include "plan.h"

#include "embedded_spirv.h"
#include "spirv_reflect.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <unordered_map>
#include <vector>

namespace vknorm::detail {

// "<kernel>.<dtype>.<desc|addr>.<sg|sh|v64|v128>"; a kernel without workgroup reductions has a
// single module for every reduction path, named without the suffix (reduce=none,
// cmake/shaders.cmake). vN: the sg module on virtual subgroups of N lanes (testing builds).
static std::string module_name(const PlannedDispatch& d, bool address_mode, bool shared, uint32_t virtual_lanes) {
  const std::string base = std::string(d.kernel->name) + "." + dtype_name(d.dtype) + (address_mode ? ".addr" : ".desc");
  const std::string full =
      base + (shared ? ".sh" : virtual_lanes ? ".v" + std::to_string(virtual_lanes) : std::string(".sg"));
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

// Every embedded module's reflection, read once from its SPIR-V (thread-safe static).
static const SpirvReflection& module_reflection(const std::string& module) {
  static const std::unordered_map<std::string, SpirvReflection> all = [] {
    std::unordered_map<std::string, SpirvReflection> m;
    size_t n = 0;
    const EmbeddedSpirv* t = embedded_spirv_table(&n);
    for (size_t i = 0; i < n; ++i) m[t[i].name] = reflect_spirv(t[i].words, t[i].word_count);
    return m;
  }();
  static const SpirvReflection none = [] {
    SpirvReflection r;
    r.error = "no embedded module of that name";
    return r;
  }();
  const auto it = all.find(module);
  return it == all.end() ? none : it->second;
}

// What the device (or ContextCreateInfo::limits) allows a dispatch: checked before anything is
// recorded, so a planning mistake is an error instead of an invalid dispatch.
static Error check_dispatch_limits(const DeviceProfile& dp, const PlannedDispatch& d, bool address_mode) {
  auto refuse = [&](const std::string& what) {
    return make_error(Status::unsupported, d.module + ": " + what + " (the selector or the planner chose it; "
                                                                    "pass a smaller config or report it)");
  };
  const uint32_t wg = d.spec.empty() ? 1 : d.spec[0];
  if (wg > dp.max_workgroup_invocations || wg > dp.max_workgroup_size_x)
    return refuse("workgroup of " + std::to_string(wg) + " invocations exceeds maxComputeWorkGroupInvocations " +
                  std::to_string(std::min(dp.max_workgroup_invocations, dp.max_workgroup_size_x)));
  for (int i = 0; i < 3; ++i)
    if (d.groups[i] > dp.max_workgroup_count[i])
      return refuse(std::to_string(d.groups[i]) + " workgroups in dimension " + std::to_string(i) +
                    " exceed maxComputeWorkGroupCount " + std::to_string(dp.max_workgroup_count[i]));
  const SpirvReflection& sm = module_reflection(d.module);
  if (!sm.error.empty()) return refuse("shared memory cannot be sized: " + sm.error);
  if (sm.shared_bytes(d.spec) > dp.max_shared_memory_bytes)
    return refuse(std::to_string(sm.shared_bytes(d.spec)) + " bytes of shared memory exceed maxComputeSharedMemorySize " +
                  std::to_string(dp.max_shared_memory_bytes));
  if (address_mode) return ok();
  for (size_t i = 0; i < d.bindings.size(); ++i) {
    const BufferView& b = d.bindings[i];
    if (b.bind_range != VK_WHOLE_SIZE && b.bind_range > dp.max_storage_buffer_range)
      return refuse("binding " + std::to_string(i) + " spans " + std::to_string(b.bind_range) +
                    " bytes, over maxStorageBufferRange " + std::to_string(dp.max_storage_buffer_range));
    if (b.bind_offset % dp.min_storage_buffer_offset_alignment)
      return refuse("binding " + std::to_string(i) + " at offset " + std::to_string(b.bind_offset) +
                    " is not a multiple of minStorageBufferOffsetAlignment " +
                    std::to_string(dp.min_storage_buffer_offset_alignment));
  }
  return ok();
}

// A barrier before each dispatch whose bound ranges overlap, in the same buffer, those of a
// dispatch since the last barrier where either may write. Planners order the dispatches that
// touch the same elements; this covers ranges that overlap only because a binding starts at
// the offset aligned down to minStorageBufferOffsetAlignment (or because the caller packed
// tensors closer than that): no element is shared, but the bound ranges are what the Vulkan
// memory model and the validation layer judge synchronization on.
static void order_overlapping_bindings(Plan* plan) {
  if (plan->address_mode) return;  // no descriptors: accesses are the shaders' own
  struct Bound {
    VkBuffer buffer;
    VkDeviceSize lo, hi;
    bool write;
  };
  std::vector<Bound> since_barrier;
  for (PlannedDispatch& d : plan->dispatches) {
    const uint32_t written = module_reflection(d.module).written_bindings;
    std::vector<Bound> mine;
    for (size_t i = 0; i < d.bindings.size(); ++i) {
      const BufferView& b = d.bindings[i];
      const VkDeviceSize hi = b.bind_range == VK_WHOLE_SIZE ? ~VkDeviceSize(0) : b.bind_offset + b.bind_range;
      mine.push_back({b.buffer, b.bind_offset, hi, (written >> i & 1u) != 0});
    }
    for (size_t i = 0; i < mine.size() && !d.barrier_before; ++i)
      for (const Bound& o : since_barrier)
        if (o.buffer == mine[i].buffer && o.lo < mine[i].hi && mine[i].lo < o.hi && (o.write || mine[i].write)) {
          d.barrier_before = true;
          break;
        }
    if (d.barrier_before) since_barrier.clear();
    since_barrier.insert(since_barrier.end(), mine.begin(), mine.end());
  }
}

Error resolve(Context* ctx, Plan* plan) {
  for (PlannedDispatch& d : plan->dispatches) {
    d.module = module_name(d, plan->address_mode, ctx->shared_memory_reduction, ctx->profile.virtual_subgroup_size);
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
    if (Error e = check_dispatch_limits(ctx->profile, d, plan->address_mode)) return e;
    VkResult r = ctx->pipelines.get(key, &d.pipeline);
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
      return make_error(Status::out_of_memory, "creating pipeline " + d.module);
    if (r != VK_SUCCESS)
      return make_error(Status::vulkan_error,
                        "creating pipeline " + d.module + " failed (VkResult " + std::to_string(r) + ")");
  }
  order_overlapping_bindings(plan);
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
