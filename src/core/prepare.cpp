// prepare(): creates the pipelines of a call from its shape alone. The operator's own planning
// (OpSpec::prepare) runs on placeholder tensors (a fake buffer handle or fake addresses that are
// never dereferenced nor passed to Vulkan), so the pipelines are exactly those the real call picks.
#include "context.h"
#include "op_spec.h"
#include "placeholders.h"

#include <vknorm/vknorm.h>

namespace vknorm {
using namespace detail;

PrepareInfo PrepareInfo::make(Op op, DType dtype, const std::vector<int64_t>& shape, int normalized_rank) {
  PrepareInfo p;
  p.op = op;
  p.dtype = dtype;
  p.normalized_rank = normalized_rank;
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    p.rank = kMaxRank + 1;  // rejected by prepare()
    return p;
  }
  p.rank = static_cast<int>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) p.shape[i] = shape[i];
  return p;
}

Error prepare(Context* ctx, const PrepareInfo& info) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  if (info.rank < 1 || info.rank > kMaxRank)
    return make_error(Status::invalid_argument, "PrepareInfo: rank must be 1.." + std::to_string(kMaxRank));
  const bool address_mode = info.by_address || !ctx->info.enabled.push_descriptor;
  if (address_mode && !ctx->info.enabled.buffer_device_address)
    return make_error(Status::unsupported, info.by_address
                                               ? "tensors given by address need bufferDeviceAddress enabled"
                                               : "the device has neither VK_KHR_push_descriptor nor bufferDeviceAddress enabled");
  const OpSpec* spec = find_op_spec(info.op);
  if (!spec) return make_error(Status::invalid_argument, "PrepareInfo: unknown op");
  Placeholders ph(address_mode, info.aligned, info.dtype);
  return spec->prepare(ctx, info, &ph);
}

}  // namespace vknorm
