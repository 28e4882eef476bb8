#include "tensor_checks.h"

#include <cmath>
#include <sstream>

namespace vknorm::detail {

uint64_t element_extent(const Tensor& t) {
  for (int i = 0; i < t.rank; ++i)
    if (t.shape[i] == 0) return 0;  // no element, whatever the strides of the other dims
  // Saturating: a sum that wrapped around 2^64 (a stride near INT64_MAX on a dimension of size
  // > 1) would look small enough for the view's size and let kernels index far outside it.
  constexpr uint64_t kMax = ~uint64_t(0);
  uint64_t last = 0;
  for (int i = 0; i < t.rank; ++i) {
    const uint64_t n = uint64_t(t.shape[i] - 1), s = uint64_t(t.strides[i]);
    if (n != 0 && s > (kMax - 1 - last) / n) return kMax;
    last += n * s;
  }
  return last + 1;
}

std::string shape_string(const Tensor& t) {
  std::ostringstream s;
  s << "(";
  for (int i = 0; i < t.rank; ++i) s << (i ? ", " : "") << t.shape[i];
  s << ")";
  return s.str();
}

bool same_shape(const Tensor& a, const Tensor& b) {
  if (a.rank != b.rank) return false;
  for (int i = 0; i < a.rank; ++i)
    if (a.shape[i] != b.shape[i]) return false;
  return true;
}

Error check_float_dtype(const Tensor& t, const char* what) {
  if (t.dtype == DType::f32 || t.dtype == DType::f16 || t.dtype == DType::bf16) return ok();
  return make_error(Status::invalid_argument, std::string(what) + " must be f32, f16 or bf16, got " +
                                                  dtype_name(t.dtype) + " (i8, f8_e4m3 and f8_e5m2 are quantized output dtypes, i32 an index dtype)");
}

Error check_tensor(const Context* ctx, const Tensor& t, const char* what) {
  std::string w = what;
  if (!t.is_set()) return make_error(Status::invalid_argument, w + ": neither buffer nor address is set");
  if (t.buffer != VK_NULL_HANDLE && t.address != 0)
    return make_error(Status::invalid_argument, w + ": give either a buffer or an address, not both");
  if (t.address != 0 && t.offset != 0)
    return make_error(Status::invalid_argument, w + ": offset must be 0 for an address tensor");
  if (static_cast<uint32_t>(t.dtype) > static_cast<uint32_t>(DType::f8_e5m2))
    return make_error(Status::invalid_argument, w + ": unknown dtype");
  if (t.rank < 1 || t.rank > kMaxRank)
    return make_error(Status::invalid_argument, w + ": rank must be 1.." + std::to_string(kMaxRank));
  for (int i = 0; i < t.rank; ++i) {
    if (t.shape[i] < 0) return make_error(Status::invalid_argument, w + ": negative dimension");
    if (t.strides[i] < 0) return make_error(Status::invalid_argument, w + ": negative strides are not supported");
  }
  const uint64_t es = dtype_size(t.dtype);
  const uint64_t base = t.address ? t.address : t.offset;
  if (base % es != 0)
    return make_error(Status::invalid_argument,
                      w + ": offset " + std::to_string(base) + " is not a multiple of the element size " +
                          std::to_string(es));
  const uint64_t extent = element_extent(t);
  if (extent > (uint64_t(1) << 62) / es)
    return make_error(Status::invalid_argument, w + ": shape and strides overflow");
  if (extent * es > t.size)
    return make_error(Status::invalid_argument,
                      w + " " + shape_string(t) + " needs " + std::to_string(extent * es) +
                          " bytes but its size is " + std::to_string(t.size));
  if (!ctx->device_info.supports(t.dtype))
    return make_error(Status::unsupported, w + ": " + dtype_name(t.dtype) + " needs " +
                                               (dtype_size(t.dtype) == 1 ? "storageBuffer8BitAccess" : "storageBuffer16BitAccess") +
                                               ", which is not enabled on this device");
  return ok();
}

bool collapse(const Tensor& t, int begin, int end, uint64_t* size, uint64_t* stride,
              uint64_t unit_stride) {
  uint64_t n = 1, st = unit_stride;
  for (int i = begin; i < end; ++i)
    if (t.shape[i] == 0) {  // an empty range collapses trivially, whatever its strides
      *size = 0;
      *stride = unit_stride;
      return true;
    }
  bool have = false;
  for (int i = end - 1; i >= begin; --i) {
    const uint64_t s = uint64_t(t.shape[i]);
    if (s == 1) continue;
    if (!have) {
      st = uint64_t(t.strides[i]);
      have = true;
    } else if (uint64_t(t.strides[i]) != st * n) {
      return false;
    }
    n *= s;
  }
  *size = n;
  *stride = st;
  return true;
}

Error check_eps(float eps) {
  if (!std::isfinite(eps) || eps < 0)
    return make_error(Status::invalid_argument, "eps must be finite and >= 0");
  return ok();
}

Error check_vector(const Context* ctx, const Tensor& t, uint64_t count, DType dtype, const char* what) {
  Error e = check_tensor(ctx, t, what);
  if (e) return e;
  if (t.dtype != dtype)
    return make_error(Status::invalid_argument, std::string(what) + " must have dtype " + dtype_name(dtype));
  uint64_t n = 0, stride = 0;
  if (uint64_t(t.numel()) != count || !collapse(t, 0, t.rank, &n, &stride, 1) || (n > 1 && stride != 1))
    return make_error(Status::invalid_argument, std::string(what) + " must hold " + std::to_string(count) +
                                                    " contiguous elements, got " + shape_string(t));
  return ok();
}

Error check_params(const Context* ctx, std::initializer_list<std::pair<const Tensor*, const char*>> params,
                   uint64_t count, DType x_dtype, bool* f32) {
  *f32 = false;
  const Tensor* first = nullptr;
  for (auto [t, name] : params) {
    if (!t->is_set()) continue;
    const bool mixed = t->dtype == DType::f32 && x_dtype != DType::f32;
    if (Error e = check_vector(ctx, *t, count, mixed ? DType::f32 : x_dtype, name))
      return t->dtype == DType::f32 || t->dtype == x_dtype
                 ? e
                 : make_error(Status::invalid_argument, std::string(name) + " must have x's dtype (" + dtype_name(x_dtype) +
                                                            ") or f32, got " + dtype_name(t->dtype));
    if (first && t->dtype != first->dtype)
      return make_error(Status::invalid_argument, std::string(name) + " must have the other parameters' dtype (" +
                                                      dtype_name(first->dtype) + ")");
    if (!first) first = t;
    *f32 = mixed;
  }
  return ok();
}

Error check_f32_per_row(const Context* ctx, const Tensor& t, uint64_t rows, const char* what) {
  return check_vector(ctx, t, rows, DType::f32, what);
}

Error check_scratch(const Context* ctx, const Tensor& s, VkDeviceSize needed, Tensor* resolved) {
  if (needed == 0) return ok();
  if (!s.is_set()) {
    if (ctx->scratch_bytes < needed)
      return make_error(Status::invalid_argument,
                        "this call needs " + std::to_string(needed) +
                            " bytes of scratch: pass args.scratch or create the context with "
                            "context_scratch_bytes >= that");
    *resolved = Tensor{};
    if (ctx->scratch_address && !ctx->info.enabled.push_descriptor) {
      resolved->address = ctx->scratch_address;
    } else {
      resolved->buffer = ctx->scratch_buffer;
    }
    resolved->size = ctx->scratch_bytes;
    resolved->rank = 1;
    resolved->shape[0] = int64_t(ctx->scratch_bytes);
    resolved->strides[0] = 1;
    return ok();
  }
  if (s.buffer != VK_NULL_HANDLE && s.address != 0)
    return make_error(Status::invalid_argument, "scratch: give either a buffer or an address, not both");
  const uint64_t base = s.address ? s.address : s.offset;
  if (base % 16 != 0)
    return make_error(Status::invalid_argument, "scratch: offset must be a multiple of 16 bytes");
  if (s.size < needed)
    return make_error(Status::invalid_argument, "scratch: " + std::to_string(s.size) + " bytes given, " +
                                                    std::to_string(needed) + " needed");
  *resolved = s;
  return ok();
}

}  // namespace vknorm::detail
