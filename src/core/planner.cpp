// Binding mode, buffer views and windows of a planned call.
#include "plan.h"
#include "tensor_checks.h"

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

Error Planner::whole_scratch(const Tensor& given, uint64_t bytes, uint32_t unit, const Tensor& dummy_of,
                             BufferView* view, uint32_t* unit_base) const {
  if (bytes / unit > 0xFFFFFFFFull)
    return make_error(Status::unsupported, "the partials this call needs exceed 32-bit indexing");
  Tensor scratch;
  if (Error e = check_scratch(ctx_, given, bytes, &scratch)) return e;
  if (!address_mode_ && bytes > window_limit_bytes())
    return make_error(Status::unsupported, "the scratch this call needs exceeds one binding's range");
  *unit_base = 0;
  *view = bytes ? this->scratch(scratch, 0, bytes, unit, unit_base) : dummy(dummy_of);
  return ok();
}

uint64_t max_window(const std::vector<OuterSpan>& spans, uint64_t limit_bytes, uint64_t cap) {
  uint64_t k = cap;
  for (const OuterSpan& s : spans) {
    const uint64_t limit_elems = limit_bytes / s.elem_size;
    if (s.extent > limit_elems) return 0;
    if (s.stride) k = std::min<uint64_t>(k, (limit_elems - s.extent) / s.stride + 1);
  }
  return k;
}

}  // namespace vknorm::detail
