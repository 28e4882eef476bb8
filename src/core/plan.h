// A call is planned completely (bindings, push constants, geometry, pipelines) before anything
// is recorded, so that every error surfaces while the command buffer is still untouched.
// planner.cpp: binding mode, views and windows; record.cpp: resolve (pipelines), record, describe.
#pragma once

#include "config.h"
#include "context.h"
#include "kernel_contract.h"
#include "pipeline_cache.h"
#include "selector.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace vknorm::detail {

// One storage binding: a byte range of a buffer (descriptor mode) or an address.
struct BufferView {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceAddress address = 0;   // address mode: already includes every offset
  VkDeviceSize bind_offset = 0;  // descriptor mode: aligned offset of the descriptor range
  VkDeviceSize bind_range = 0;
  uint32_t elem_base = 0;        // descriptor mode: element index of the view's start in range
};

struct PlannedDispatch {
  const KernelContract* kernel = nullptr;
  DType dtype = DType::f32;
  std::vector<uint32_t> spec;        // by constant id; spec[0] is the workgroup size
  std::vector<BufferView> bindings;  // by binding
  std::vector<uint32_t> fields;      // the contract's Push struct, after pointers / offsets
  uint32_t groups[3] = {1, 1, 1};
  bool barrier_before = false;
  const PipelineEntry* pipeline = nullptr;  // set by resolve()
  std::string module;                        // set by resolve()
  // Word of spec that holds SEG_SG (rows on subgroup lanes, shaders/segments.glsl), -1 where
  // the kernel has none: resolve() sets it from the device and the module it picks.
  int seg_sg_word = -1;
};

template <class Spec, class = void>
struct has_seg_sg : std::false_type {};
template <class Spec>
struct has_seg_sg<Spec, std::void_t<decltype(Spec::SEG_SG)>> : std::true_type {};

// A dispatch of kernel K (vknorm::kernels::<kernel>, from its contract header): one view per
// binding, in binding order. The typed Spec and Push are kept as words.
template <class K, class... Views>
PlannedDispatch plan_dispatch(DType dtype, const typename K::Spec& spec,
                              const typename K::Push& push, const Views&... views) {
  static_assert(sizeof...(Views) == K::contract.bindings, "one BufferView per binding of the contract");
  PlannedDispatch d;
  d.kernel = &K::contract;
  d.dtype = dtype;
  d.spec.resize(sizeof spec / 4);
  std::memcpy(d.spec.data(), &spec, sizeof spec);
  if constexpr (has_seg_sg<typename K::Spec>::value)
    d.seg_sg_word = static_cast<int>(offsetof(typename K::Spec, SEG_SG) / 4);
  d.bindings = {views...};
  d.fields.resize(sizeof push / 4);
  if (!d.fields.empty()) std::memcpy(d.fields.data(), &push, sizeof push);
  return d;
}

struct Plan {
  bool address_mode = false;
  std::vector<PlannedDispatch> dispatches;
};

// Binding model of a call: address mode when any tensor is given by address, or when the device
// has no push descriptors (then VkBuffers need SHADER_DEVICE_ADDRESS usage).
Error choose_binding_mode(const Context* ctx, const std::vector<const Tensor*>& tensors,
                          bool* address_mode);

class Planner {
 public:
  Planner(Context* ctx, bool address_mode) : ctx_(ctx), address_mode_(address_mode) {}
  bool address_mode() const { return address_mode_; }
  // Largest byte range one binding may cover in this mode (minus alignment slack).
  uint64_t window_limit_bytes() const;
  // Elements [elem_begin, elem_begin + elem_count) of t (relative to its offset/address).
  BufferView view(const Tensor& t, uint64_t elem_begin, uint64_t elem_count) const;
  // Bytes of raw scratch memory; *unit_base receives the index of the first byte in units of
  // `unit` bytes inside the bound range (descriptor mode may bind from an aligned offset).
  BufferView scratch(const Tensor& s, uint64_t byte_begin, uint64_t bytes, uint32_t unit,
                     uint32_t* unit_base) const;
  // A view of x's buffer used for an unused binding (descriptor mode needs something valid).
  BufferView dummy(const Tensor& any) const;
  // A call's whole scratch (`bytes` of `unit`-byte partials) in one binding, after checking the
  // caller's scratch tensor: refused when its elements exceed 32-bit indexing, the tensor is too
  // small, or (descriptor mode) one binding cannot cover it. bytes == 0 gives dummy(dummy_of).
  Error whole_scratch(const Tensor& given, uint64_t bytes, uint32_t unit, const Tensor& dummy_of,
                      BufferView* view, uint32_t* unit_base) const;

 private:
  VkDeviceSize alignment() const;
  Context* ctx_;
  bool address_mode_;
};

// Creates (or finds) every pipeline of the plan.
Error resolve(Context* ctx, Plan* plan);
// Records the plan; call only after resolve() succeeded.
void record_plan(Context* ctx, VkCommandBuffer cmd, const Plan& plan);
void describe_plan(const Plan& plan, std::vector<DispatchInfo>* out);

// A tensor indexed by the outer dimension that windows split (batches, rows).
struct OuterSpan {
  uint64_t stride = 0;  // elements between consecutive outer indices
  uint64_t extent = 0;  // elements one outer index touches (max inner index + 1)
  uint64_t elem_size = 4;
  uint64_t elements(uint64_t k) const { return k ? (k - 1) * stride + extent : 0; }
};

// Largest number of outer indices per window such that every span fits `limit_bytes` (0 if a
// single one does not fit), capped at `cap`.
uint64_t max_window(const std::vector<OuterSpan>& spans, uint64_t limit_bytes, uint64_t cap);

// What a planning function produces besides the dispatches.
struct PlanResult {
  KernelConfig config;
  VkDeviceSize scratch_bytes = 0;
  bool empty = false;  // nothing to do (a zero-size dimension)
};

}  // namespace vknorm::detail
