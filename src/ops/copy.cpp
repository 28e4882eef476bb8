// The copy kernel that benchmarks use as their roofline (same access width as the norms).
#include "core/plan.h"
#include "core/tensor_checks.h"

#include "contracts/copy.h"

#include <algorithm>

namespace vknorm {
using namespace detail;

Error record_copy(Context* ctx, VkCommandBuffer cmd, const Tensor& src, const Tensor& dst, VkDeviceSize bytes) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  if (cmd == VK_NULL_HANDLE) return make_error(Status::invalid_argument, "command buffer is null");
  if (bytes % 16 != 0) return make_error(Status::invalid_argument, "copy: bytes must be a multiple of 16");
  for (const Tensor* t : {&src, &dst}) {
    if (!t->is_set()) return make_error(Status::invalid_argument, "copy: tensor without buffer or address");
    if ((t->address ? t->address : t->offset) % 16 != 0)
      return make_error(Status::invalid_argument, "copy: offsets must be multiples of 16 bytes");
    if (t->size < bytes) return make_error(Status::invalid_argument, "copy: a tensor's size is below `bytes`");
  }
  Plan plan;
  Error e = choose_binding_mode(ctx, {&src, &dst}, &plan.address_mode);
  if (e) return e;
  Planner pl(ctx, plan.address_mode);
  const uint32_t wg = 256, items = 4;
  const uint64_t window = pl.window_limit_bytes() / 16 * 16;
  const uint64_t max_gx = ctx->profile.max_workgroup_count[0];
  Tensor s = src, d = dst;
  s.dtype = d.dtype = DType::f32;
  for (uint64_t b0 = 0; b0 < bytes; b0 += window) {
    const uint64_t count = std::min(window, bytes - b0) / 16;
    const uint64_t groups = ceil_div(count, uint64_t(wg) * items);
    for (uint64_t g0 = 0; g0 < groups; g0 += max_gx) {
      using K = kernels::copy;
      K::Spec sc;
      sc.WG = wg;
      sc.ITEMS = items;
      K::Push pc{};
      pc.count = uint32_t(count);
      pc.gx_base = uint32_t(g0);
      PlannedDispatch pd = plan_dispatch<K>(DType::f32, sc, pc, pl.view(s, b0 / 4, count * 4),
                                            pl.view(d, b0 / 4, count * 4));
      // views count in floats; the kernel indexes vec4s.
      for (BufferView& v : pd.bindings) v.elem_base /= 4;
      pd.groups[0] = uint32_t(std::min(max_gx, groups - g0));
      plan.dispatches.push_back(std::move(pd));
    }
  }
  if ((e = resolve(ctx, &plan))) return e;
  record_plan(ctx, cmd, plan);
  return ok();
}

}  // namespace vknorm
