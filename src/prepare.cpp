// prepare(): creates the pipelines of a call from its shape alone. The operator's own planning
// runs on placeholder tensors (a fake buffer handle or fake addresses that are never
// dereferenced nor passed to Vulkan), so the pipelines are exactly those the real call picks.
#include "context.h"

#include <vknorm/vknorm.h>

#include <cstring>

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

namespace {

// Placeholder tensors: in descriptor mode distinct non-null handles that are only stored in the
// plan; in address mode distinct, 256-byte aligned fake addresses (address mode never calls
// vkGetBufferDeviceAddress for tensors that already have an address). Distinct, so that the
// aliasing checks see no overlap.
class Placeholders {
 public:
  Placeholders(bool address_mode, bool aligned, DType dtype)
      : address_mode_(address_mode), dtype_(dtype), misalign_(aligned ? 0 : dtype_size(dtype)) {}
  Tensor tensor(DType dtype, const std::vector<int64_t>& shape) {
    Tensor t = Tensor::contiguous(VK_NULL_HANDLE, 0, 0, dtype, shape);
    place(&t, dtype == dtype_ ? misalign_ : 0);  // fp32 mean / rstd stay aligned
    t.size = t.bytes_needed();
    return t;
  }
  Tensor scratch(VkDeviceSize bytes) {
    Tensor t = Tensor::contiguous(VK_NULL_HANDLE, 0, bytes, DType::f32, {int64_t((bytes + 3) / 4)});
    place(&t, 0);  // scratch offsets are multiples of 16
    return t;
  }

 private:
  void place(Tensor* t, uint64_t misalign) {
    if (address_mode_) {
      next_address_ += uint64_t(1) << 40;  // far apart: no two views overlap
      t->address = next_address_ + misalign;
    } else {
      next_handle_ += 0x1000;
      std::memcpy(&t->buffer, &next_handle_, sizeof(t->buffer) < sizeof(next_handle_) ? sizeof(t->buffer) : sizeof(next_handle_));
      t->offset = misalign;
    }
  }
  bool address_mode_;
  DType dtype_;
  uint64_t misalign_;
  uint64_t next_handle_ = 0;
  uint64_t next_address_ = 0;
};

std::vector<int64_t> dims(const PrepareInfo& p, int begin, int end) {
  return std::vector<int64_t>(p.shape + begin, p.shape + end);
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

}  // namespace

Error prepare(Context* ctx, const PrepareInfo& info) {
  if (!ctx) return make_error(Status::invalid_argument, "context is null");
  if (info.rank < 1 || info.rank > kMaxRank)
    return make_error(Status::invalid_argument, "PrepareInfo: rank must be 1.." + std::to_string(kMaxRank));
  const bool address_mode = info.by_address || !ctx->info.enabled.push_descriptor;
  if (address_mode && !ctx->info.enabled.buffer_device_address)
    return make_error(Status::unsupported, info.by_address
                                               ? "tensors given by address need bufferDeviceAddress enabled"
                                               : "the device has neither VK_KHR_push_descriptor nor bufferDeviceAddress enabled");
  Placeholders ph(address_mode, info.aligned, info.dtype);
  const std::vector<int64_t> shape = dims(info, 0, info.rank);
  switch (info.op) {
    case Op::rms_norm: {
      RmsNormArgs a;
      a.x = ph.tensor(info.dtype, shape);
      a.y = ph.tensor(info.dtype, shape);
      a.config = info.config;
      return prepare_rms_norm(ctx, a);
    }
    case Op::layer_norm_forward: {
      LayerNormArgs a;
      a.x = ph.tensor(info.dtype, shape);
      a.y = ph.tensor(info.dtype, shape);
      a.normalized_rank = info.normalized_rank;
      a.config = info.config;
      VkDeviceSize bytes = 0;
      if (Error e = layer_norm_scratch_size(ctx, a, &bytes)) return e;
      if (bytes) a.scratch = ph.scratch(bytes);
      return prepare_layer_norm(ctx, a);
    }
    case Op::layer_norm_backward: {
      const int nr = info.normalized_rank;
      const bool nr_ok = nr >= 1 && nr <= info.rank;  // else the planner reports it
      const int64_t rows = nr_ok ? product(dims(info, 0, info.rank - nr)) : 1;
      const int64_t D = nr_ok ? product(dims(info, info.rank - nr, info.rank)) : 1;
      LayerNormBackwardArgs a;
      a.dy = ph.tensor(info.dtype, shape);
      a.x = ph.tensor(info.dtype, shape);
      a.dx = ph.tensor(info.dtype, shape);
      a.mean = ph.tensor(DType::f32, {rows});
      a.rstd = ph.tensor(DType::f32, {rows});
      if (info.weight_grads) a.dweight = ph.tensor(info.dtype, {D});
      a.normalized_rank = nr;
      a.config = info.config;
      VkDeviceSize bytes = 0;
      if (Error e = layer_norm_backward_scratch_size(ctx, a, &bytes)) return e;
      if (bytes) a.scratch = ph.scratch(bytes);
      return prepare_layer_norm_backward(ctx, a);
    }
  }
  return make_error(Status::invalid_argument, "PrepareInfo: unknown op");
}

}  // namespace vknorm
