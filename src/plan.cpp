#include "plan.h"

#include <algorithm>
#include <cstring>

namespace vknorm::detail {

Error choose_binding_mode(const Context* ctx, const std::vector<const Tensor*>& tensors,
                          bool* address_mode) {
  bool any_address = false;
  for (const Tensor* t : tensors)
    if (t && t->address) any_address = true;
  const EnabledFeatures& en = ctx->info.enabled;
  if (any_address || !en.push_descriptor) {
    if (!en.buffer_device_address)
      return make_error(Status::unsupported,
                        any_address ? "tensors given by address need bufferDeviceAddress enabled "
                                      "(ContextCreateInfo::enabled.buffer_device_address)"
                                    : "the device has neither VK_KHR_push_descriptor nor "
                                      "bufferDeviceAddress enabled; vknorm needs one of them");
    *address_mode = true;
    // Every VkBuffer tensor is converted with vkGetBufferDeviceAddress. Its usage flags cannot
    // be queried; a zero address is the one symptom that can be seen here.
    for (const Tensor* t : tensors) {
      if (!t || !t->buffer || t->address) continue;
      VkBufferDeviceAddressInfo info{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
      info.buffer = t->buffer;
      if (ctx->dfn.GetBufferDeviceAddress(ctx->info.device, &info) == 0)
        return make_error(Status::invalid_argument,
                          "vkGetBufferDeviceAddress returned 0 for a VkBuffer tensor of this address-mode call: "
                          "its buffer needs VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT and memory allocated with "
                          "VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT (see \"Buffer requirements\" in vknorm.h)");
    }
  } else {
    *address_mode = false;
  }
  return ok();
}

VkDeviceSize Planner::alignment() const {
  return std::max<VkDeviceSize>(ctx_->profile.min_storage_buffer_offset_alignment, 16);
}

uint64_t Planner::window_limit_bytes() const {
  if (address_mode_) return uint64_t(1) << 31;  // element indices stay far below 2^32
  return std::min<uint64_t>(ctx_->profile.max_storage_buffer_range, 0xFFFFFFFFull) - alignment();
}

static VkDeviceAddress address_of(const Context* ctx, const Tensor& t) {
  if (t.address) return t.address;
  VkBufferDeviceAddressInfo info{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
  info.buffer = t.buffer;
  return ctx->dfn.GetBufferDeviceAddress(ctx->info.device, &info) + t.offset;
}

BufferView Planner::view(const Tensor& t, uint64_t elem_begin, uint64_t elem_count) const {
  const uint64_t es = dtype_size(t.dtype);
  BufferView v;
  if (address_mode_) {
    v.address = address_of(ctx_, t) + elem_begin * es;
    return v;
  }
  const VkDeviceSize start = t.offset + elem_begin * es;
  v.buffer = t.buffer;
  v.bind_offset = start / alignment() * alignment();
  v.elem_base = static_cast<uint32_t>((start - v.bind_offset) / es);
  v.bind_range = (start - v.bind_offset) + std::max<uint64_t>(elem_count, 1) * es;
  return v;
}

BufferView Planner::scratch(const Tensor& s, uint64_t byte_begin, uint64_t bytes, uint32_t unit,
                            uint32_t* unit_base) const {
  BufferView v;
  v.offset_field = false;
  if (address_mode_) {
    v.address = address_of(ctx_, s) + byte_begin;
    *unit_base = 0;
    return v;
  }
  const VkDeviceSize start = s.offset + byte_begin;
  v.buffer = s.buffer;
  v.bind_offset = start / alignment() * alignment();
  *unit_base = static_cast<uint32_t>((start - v.bind_offset) / unit);
  v.bind_range = (start - v.bind_offset) + std::max<uint64_t>(bytes, 16);
  return v;
}

BufferView Planner::dummy(const Tensor& any) const {
  BufferView v = view(any, 0, 1);
  v.address = 0;  // never dereferenced: its flag is off
  return v;
}

static std::string module_name(const PlannedDispatch& d, bool address_mode, bool shared) {
  return d.kernel + "." + dtype_name(d.dtype) + (address_mode ? ".addr" : ".desc") +
         (shared ? ".sh" : ".sg");
}

static std::vector<uint32_t> push_words(const PlannedDispatch& d, bool address_mode) {
  std::vector<uint32_t> words;
  if (address_mode)
    for (const BufferView& b : d.bindings) {
      words.push_back(static_cast<uint32_t>(b.address));
      words.push_back(static_cast<uint32_t>(b.address >> 32));
    }
  for (uint32_t f : d.fields) {
    if (f != kOffsetsMarker) {
      words.push_back(f);
      continue;
    }
    if (address_mode) continue;
    for (const BufferView& b : d.bindings)
      if (b.offset_field) words.push_back(b.elem_base);
  }
  return words;
}

Error resolve(Context* ctx, Plan* plan) {
  for (PlannedDispatch& d : plan->dispatches) {
    d.module = module_name(d, plan->address_mode, ctx->shared_memory_reduction);
    PipelineKey key;
    key.module = d.module;
    key.spec = d.spec;
    key.bindings = plan->address_mode ? 0 : static_cast<uint32_t>(d.bindings.size());
    key.push_bytes = static_cast<uint32_t>(push_words(d, plan->address_mode).size() * 4);
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
    i.kernel = d.module.empty() ? d.kernel : d.module;
    std::copy(d.groups, d.groups + 3, i.groups);
    i.workgroup_size = d.spec.empty() ? 0 : d.spec[0];
    i.pipeline = d.pipeline ? d.pipeline->pipeline : VK_NULL_HANDLE;
    out->push_back(i);
  }
}

}  // namespace vknorm::detail

#include "selector.h"

namespace vknorm::detail {

uint64_t max_window(const std::vector<OuterSpan>& spans, uint64_t limit_bytes, uint64_t cap) {
  uint64_t k = cap;
  for (const OuterSpan& s : spans) {
    const uint64_t limit_elems = limit_bytes / s.elem_size;
    if (s.extent > limit_elems) return 0;
    if (s.stride) k = std::min<uint64_t>(k, (limit_elems - s.extent) / s.stride + 1);
  }
  return k;
}

Error choose_config(Context* ctx, const Problem& p, const KernelConfig* override_cfg,
                    KernelConfig* out) {
  KernelConfig c;
  if (override_cfg) {
    c = *override_cfg;
    c.source = "caller";
  } else if (const KernelConfig* tuned = ctx->tuning.find(uuid_hex(ctx->profile.uuid),
                                                          ctx->profile.driver_version, case_class(p))) {
    c = *tuned;
    c.source = "tuned";
    fill_config(ctx->profile, p, &c);
    if (!config_problem(ctx->profile, p, c).empty()) c = KernelConfig{};  // stale entry: use tables
  }
  fill_config(ctx->profile, p, &c);
  const std::string why = config_problem(ctx->profile, p, c);
  if (!why.empty()) return make_error(Status::invalid_argument, "config: " + why);
  *out = c;
  return ok();
}

}  // namespace vknorm::detail
