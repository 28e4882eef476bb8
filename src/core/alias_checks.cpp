#include "alias_checks.h"

#include "tensor_checks.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace vknorm::detail {

bool elements_distinct(const Tensor& t) {
  std::vector<std::pair<uint64_t, uint64_t>> dims;  // (stride, size) of dims with size > 1
  for (int i = 0; i < t.rank; ++i) {
    if (t.shape[i] == 0) return true;
    if (t.shape[i] > 1) dims.emplace_back(uint64_t(t.strides[i]), uint64_t(t.shape[i]));
  }
  std::sort(dims.begin(), dims.end());
  uint64_t span = 1;  // elements covered by the smaller dims: max index + 1
  for (const auto& d : dims) {
    if (d.first < span) return false;
    span += d.first * (d.second - 1);
  }
  return true;
}

Tensor scratch_view(const Tensor& scratch, VkDeviceSize bytes) {
  Tensor v;
  if (!scratch.is_set() || bytes == 0) return v;
  v.buffer = scratch.buffer;
  v.offset = scratch.offset;
  v.address = scratch.address;
  v.size = scratch.size;
  v.dtype = DType::f32;
  v.rank = 1;
  v.shape[0] = int64_t((bytes + 3) / 4);
  v.strides[0] = 1;
  return v;
}

namespace {

// Where a view lives: a buffer's byte range, or an address range.
struct Placement {
  bool by_address = false;
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t lo = 0, hi = 0;  // bytes [lo, hi) that the view can touch
};

Placement place(const Tensor& t) {
  Placement p;
  p.by_address = t.address != 0;
  p.buffer = t.buffer;
  p.lo = p.by_address ? t.address : t.offset;
  p.hi = p.lo + element_extent(t) * dtype_size(t.dtype);
  return p;
}

// A buffer view seen from the address space (a call that mixes the two runs in address mode,
// which converts every buffer the same way).
bool to_address(const Context* ctx, Placement* p) {
  if (p->by_address) return true;
  if (!ctx->info.enabled.buffer_device_address || !ctx->dfn.GetBufferDeviceAddress) return false;
  VkBufferDeviceAddressInfo info{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
  info.buffer = p->buffer;
  const uint64_t base = ctx->dfn.GetBufferDeviceAddress(ctx->info.device, &info);
  p->lo += base;
  p->hi += base;
  p->by_address = true;
  return true;
}

bool same_view(const Tensor& a, const Tensor& b, const Placement& pa, const Placement& pb) {
  if (pa.lo != pb.lo || a.dtype != b.dtype || !same_shape(a, b)) return false;
  for (int i = 0; i < a.rank; ++i)
    if (a.shape[i] > 1 && a.strides[i] != b.strides[i]) return false;
  return true;
}

// Rows of a view: its largest-stride dimension and the byte span of everything inside a row.
struct RowShape {
  uint64_t period = 0;  // bytes between rows
  uint64_t width = 0;   // bytes one row touches
};

RowShape row_shape(const Tensor& t) {
  const uint64_t es = dtype_size(t.dtype);
  int outer = -1;
  for (int i = 0; i < t.rank; ++i)
    if (t.shape[i] > 1 && (outer < 0 || t.strides[i] > t.strides[outer])) outer = i;
  RowShape r;
  if (outer < 0) return r;
  uint64_t inner = 1;
  for (int i = 0; i < t.rank; ++i)
    if (i != outer) inner += uint64_t(t.shape[i] - 1) * uint64_t(t.strides[i]);
  r.period = uint64_t(t.strides[outer]) * es;
  r.width = inner * es;
  return r;
}

// Byte ranges intersect: the views may still interleave (q and k slices of one QKV buffer).
bool interleaved(const Tensor& a, const Tensor& b, const Placement& pa, const Placement& pb) {
  const RowShape ra = row_shape(a), rb = row_shape(b);
  if (ra.period == 0 || ra.period != rb.period || ra.width > ra.period || rb.width > rb.period)
    return false;
  const uint64_t S = ra.period;
  const uint64_t delta = pb.lo >= pa.lo ? (pb.lo - pa.lo) % S : (S - (pa.lo - pb.lo) % S) % S;
  return delta >= ra.width && delta + rb.width <= S;
}

}  // namespace

Error check_aliasing(const Context* ctx, std::initializer_list<TensorRole> roles,
                     std::initializer_list<std::pair<const char*, const char*>> in_place) {
  std::vector<TensorRole> set;
  for (const TensorRole& r : roles)
    if (r.tensor && r.tensor->is_set() && r.tensor->numel() > 0) set.push_back(r);
  for (const TensorRole& r : set)
    if (r.output && !elements_distinct(*r.tensor))
      return make_error(Status::invalid_argument,
                        std::string(r.name) + " " + shape_string(*r.tensor) +
                            ": an output's elements must not overlap each other (a stride is 0 "
                            "or smaller than the span of the dimensions inside it)");
  auto allowed = [&](const char* out, const char* in) {
    for (const auto& p : in_place)
      if ((!std::strcmp(p.first, out) && !std::strcmp(p.second, in)) ||
          (!std::strcmp(p.first, in) && !std::strcmp(p.second, out)))
        return true;
    return false;
  };
  for (size_t i = 0; i < set.size(); ++i)
    for (size_t j = i + 1; j < set.size(); ++j) {
      const TensorRole &a = set[i], &b = set[j];
      if (!a.output && !b.output) continue;
      Placement pa = place(*a.tensor), pb = place(*b.tensor);
      if (pa.by_address != pb.by_address && !(to_address(ctx, &pa) && to_address(ctx, &pb)))
        continue;  // the call is refused later: mixing needs bufferDeviceAddress
      if (!pa.by_address && pa.buffer != pb.buffer) continue;
      if (pa.hi <= pb.lo || pb.hi <= pa.lo) continue;
      if (same_view(*a.tensor, *b.tensor, pa, pb)) {
        if (a.output != b.output && allowed(a.name, b.name)) continue;
        return make_error(Status::invalid_argument,
                          std::string(a.name) + " and " + b.name +
                              " are the same memory; this operator allows in place only " +
                              [&] {
                                std::string s;
                                for (const auto& p : in_place)
                                  s += (s.empty() ? "" : ", ") + std::string(p.first) + " = " + p.second;
                                return s.empty() ? std::string("nothing") : s;
                              }());
      }
      if (interleaved(*a.tensor, *b.tensor, pa, pb)) continue;
      return make_error(Status::invalid_argument,
                        std::string(a.name) + " and " + b.name +
                            " partially overlap in memory; an output may share memory with an "
                            "input only as an exact in-place alias");
    }
  return ok();
}

}  // namespace vknorm::detail
