#include "tools/fuzz/descriptor_fuzz.h"

#include "support/case_data.h"
#include "support/op_case.h"
#include "support/op_registry.h"
#include "tools/fuzz/guarded_arena.h"
#include "tools/fuzz/rng.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

namespace vknorm_fuzz {
namespace {

using vknorm::DType;
using vknorm::Tensor;
using vknorm_support::OpCase;

constexpr VkDeviceSize kSlotBytes = 16384;
constexpr size_t kMaxTensors = 30;           // bits of the per-byte ownership masks
constexpr int64_t kMaxEnumerated = 1 << 16;  // elements of one view the checker walks

struct FuzzTensor {
  std::string name;
  bool output = false;
  Tensor view;
  DType nominal = DType::f32;  // the role's dtype in the unmutated case
};

// Where a view's memory is: the arena slot and the byte offset inside it (-1: outside).
struct Placement {
  int slot = -1;
  VkDeviceSize offset = 0;
};

bool known_dtype(DType t) {
  return t == DType::f32 || t == DType::f16 || t == DType::bf16 || t == DType::i8 || t == DType::i32 ||
         t == DType::f8_e4m3 || t == DType::f8_e5m2;
}

Tensor contiguous_view(const GuardedArena& arena, size_t slot, bool by_address, DType dtype,
                       const std::vector<int64_t>& shape) {
  const VkDeviceSize bytes =
      static_cast<VkDeviceSize>(vknorm_support::product(shape, 0, shape.size())) * vknorm::dtype_size(dtype);
  const vknorm_support::Buffer& b = arena.buffer(slot);
  if (by_address) return Tensor::contiguous_at(b.address + GuardedArena::guard_bytes(), bytes, dtype, shape);
  return Tensor::contiguous(b.buffer, GuardedArena::guard_bytes(), bytes, dtype, shape);
}

int64_t pick_dim(Rng& rng) {
  static const std::vector<int64_t> odd = {0, 0, 1, 2, 3, -1, -7, 4096, 65537, int64_t(1) << 31,
                                           int64_t(1) << 40, std::numeric_limits<int64_t>::max(),
                                           std::numeric_limits<int64_t>::min()};
  return rng.pick(odd);
}

// Two's-complement wrap (a mutated stride may already be INT64_MAX / MIN).
int64_t wrap(uint64_t v) { return static_cast<int64_t>(v); }

int64_t pick_stride(Rng& rng, int64_t current) {
  const uint64_t c = static_cast<uint64_t>(current);
  switch (rng.below(8)) {
    case 0: return 0;
    case 1: return wrap(0 - c);
    case 2: return -1;
    case 3: return wrap(c * 2);
    case 4: return wrap(c + 1);
    case 5: return current > 1 ? current - 1 : 1;
    case 6: return int64_t(1) << 40;
    default: return std::numeric_limits<int64_t>::max();
  }
}

// One random change of one descriptor (or of two: aliasing).
void mutate_tensor(Rng& rng, std::vector<FuzzTensor>& ts, const GuardedArena& arena,
                   bool address_ok) {
  if (ts.empty()) return;
  FuzzTensor& t = ts[rng.below(ts.size())];
  Tensor& v = t.view;
  const int rank = std::clamp(v.rank, 0, vknorm::kMaxRank);
  const size_t esz = known_dtype(v.dtype) ? vknorm::dtype_size(v.dtype) : 4;
  switch (rng.below(12)) {
    case 0:  // one dimension odd
      if (rank > 0) v.shape[rng.below(rank)] = pick_dim(rng);
      break;
    case 1: {  // one dimension off by one, size recomputed (an honest but wrong shape)
      if (rank == 0) break;
      const int d = static_cast<int>(rng.below(rank));
      v.shape[d] = std::max<int64_t>(0, wrap(static_cast<uint64_t>(v.shape[d]) + (rng.chance(50) ? 1 : ~uint64_t(0))));
      if (rng.chance(50)) v.size = std::min<VkDeviceSize>(v.bytes_needed(), kSlotBytes / 2);
      break;
    }
    case 2:  // rank
      switch (rng.below(4)) {
        case 0: v.rank = 0; break;
        case 1: v.rank = vknorm::kMaxRank + 1; break;
        case 2: v.rank = -1; break;
        default:
          if (v.rank > 0 && v.rank < vknorm::kMaxRank) {  // a trailing (or leading) unit dim
            v.shape[v.rank] = 1;
            v.strides[v.rank] = 1;
            ++v.rank;
          } else if (v.rank > 1) {
            --v.rank;
          }
      }
      break;
    case 3: {  // one stride
      if (rank == 0) break;
      const int d = static_cast<int>(rng.below(rank));
      v.strides[d] = pick_stride(rng, v.strides[d]);
      if (rng.chance(50)) v.size = std::min<VkDeviceSize>(v.bytes_needed(), kSlotBytes / 2);
      break;
    }
    case 4:  // transposed: two strides swapped (shape kept)
      if (rank >= 2) {
        const int a = static_cast<int>(rng.below(rank)), b = static_cast<int>(rng.below(rank));
        std::swap(v.strides[a], v.strides[b]);
      }
      break;
    case 5: {  // offset: misaligned, shifted, past the buffer, huge
      const VkDeviceSize shifts[] = {1, 2, 3, esz, 16, 256, kSlotBytes, kSlotBytes + 4096,
                                     VkDeviceSize(1) << 62};
      const VkDeviceSize s = shifts[rng.below(9)];
      const bool back = rng.chance(30) && s <= GuardedArena::guard_bytes();
      if (v.buffer != VK_NULL_HANDLE) v.offset = back ? v.offset - s : v.offset + s;
      if (v.address != 0) v.address = back ? v.address - s : v.address + s;
      break;
    }
    case 6: {  // size too small / zero / huge
      const VkDeviceSize need = v.bytes_needed();
      switch (rng.below(4)) {
        case 0: v.size = need > 0 ? need - 1 : 0; break;
        case 1: v.size = need > esz ? need - esz : 0; break;
        case 2: v.size = 0; break;
        default: v.size = std::numeric_limits<VkDeviceSize>::max(); break;
      }
      break;
    }
    case 7: {  // dtype swap, sometimes to a value outside the enum
      const DType all[] = {DType::f32,     DType::f16,     DType::bf16,           DType::i8,
                           DType::i32,     DType::f8_e4m3, DType::f8_e5m2,        static_cast<DType>(7),
                           static_cast<DType>(0xFFFFFFFFu)};
      v.dtype = all[rng.below(rng.chance(85) ? 7 : 9)];
      if (rng.chance(50) && known_dtype(v.dtype)) v.size = std::min<VkDeviceSize>(v.bytes_needed(), kSlotBytes / 2);
      break;
    }
    case 8: {  // buffer <-> address, or both, or neither
      int slot = arena.slot_of_buffer(v.buffer);
      VkDeviceSize off = v.offset;
      if (slot < 0) slot = arena.slot_of_address(v.address, &off);
      if (slot < 0) break;
      const auto& b = arena.buffer(static_cast<size_t>(slot));
      switch (rng.below(3)) {
        case 0:
          if (v.buffer != VK_NULL_HANDLE && address_ok) {
            v.address = b.address + off;
            v.buffer = VK_NULL_HANDLE;
            v.offset = 0;
          } else {
            v.buffer = b.buffer;
            v.offset = off;
            v.address = 0;
          }
          break;
        case 1:  // both given
          v.buffer = b.buffer;
          v.offset = off;
          v.address = b.address + off;
          break;
        default:  // neither: unset (a required tensor left out)
          v.buffer = VK_NULL_HANDLE;
          v.address = 0;
          break;
      }
      break;
    }
    case 9:  // left out
      v = Tensor{};
      break;
    default: {  // aliasing: another role's memory, exactly or shifted, in this view's shape
      FuzzTensor& o = ts[rng.below(ts.size())];
      if (&o == &t) break;
      if (rng.chance(40)) {
        v = o.view;  // the same view (in place when the pair allows it)
        break;
      }
      const int64_t shift = rng.range(-3, 8) * static_cast<int64_t>(esz);
      v.buffer = o.view.buffer;
      v.address = o.view.address;
      if (v.buffer != VK_NULL_HANDLE) v.offset = static_cast<VkDeviceSize>(static_cast<int64_t>(o.view.offset) + shift);
      if (v.address != 0) v.address = static_cast<VkDeviceAddress>(static_cast<int64_t>(o.view.address) + shift);
      break;
    }
  }
}

vknorm::KernelConfig random_config(Rng& rng) {
  static const std::vector<uint32_t> small = {0, 0, 0, 1, 2, 3, 4, 8, 16, 32, 64, 128, 256,
                                              512, 1024, 2048, 7, 0xFFFFFFFFu};
  static const std::vector<uint32_t> vec = {0, 0, 1, 2, 3, 4, 8, 16};
  vknorm::KernelConfig c;
  const int fields = 1 + static_cast<int>(rng.below(3));
  for (int k = 0; k < fields; ++k) {
    switch (rng.below(7)) {
      case 0: c.workgroup_size = rng.pick(small); break;
      case 1: c.items_per_invocation = rng.pick(small); break;
      case 2: c.vector_width = rng.pick(vec); break;
      case 3: c.channel_split = rng.pick(small); break;
      case 4: c.split = rng.pick(small); break;
      case 5: c.rows_per_workgroup = rng.pick(small); break;
      default: c.wave_bytes = rng.chance(50) ? rng.below(1 << 20) : ~uint64_t(0); break;
    }
  }
  return c;
}

double random_eps(Rng& rng) {
  const double all[] = {1e-5, 1e-6, 0.0, -1e-5, 1e-30, 1e-45, 1e30, 1e39,
                        std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(), 0.5};
  return all[rng.below(12)];
}

// Every element's first byte offset of a view inside its slot, or false when the view is not
// walkable (rank out of range, too many elements, a stride beyond 2^40 on a dimension of size
// > 1: no element of such a view fits the 16 KiB slots, so an honest size cannot cover it).
bool element_offsets(const Tensor& v, VkDeviceSize base, std::vector<int64_t>* out) {
  out->clear();
  if (v.rank < 0 || v.rank > vknorm::kMaxRank || !known_dtype(v.dtype)) return false;
  for (int d = 0; d < v.rank; ++d)
    if (v.shape[d] == 0) return true;  // no element, whatever the other dimensions say
  int64_t n = 1;
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] < 0) return false;
    if (v.shape[d] > kMaxEnumerated || (n *= v.shape[d]) > kMaxEnumerated) return false;
  }
  const int64_t esz = static_cast<int64_t>(vknorm::dtype_size(v.dtype));
  std::vector<int64_t> idx(static_cast<size_t>(v.rank), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t e = 0;
    for (int d = 0; d < v.rank; ++d) {
      // A size-1 dimension's stride is never multiplied by anything but 0: any value is a legal
      // layout (torch gives such dims arbitrary strides, vknorm.h's distinctness rule ignores
      // them), so it is not walked (and INT64_MAX there cannot overflow the sum).
      if (v.shape[d] == 1) continue;
      if (v.strides[d] > (int64_t(1) << 40) || v.strides[d] < -(int64_t(1) << 40)) return false;
      e += idx[d] * v.strides[d];
    }
    out->push_back(static_cast<int64_t>(base) + e * esz);
    for (int d = v.rank - 1; d >= 0; --d) {
      if (++idx[d] < v.shape[d]) break;
      idx[d] = 0;
    }
  }
  return true;
}

// " x[3:9 9:1 f32 off=1024 size=108]...": every view of a call, for --verbose and replays.
std::string describe_views(const std::vector<FuzzTensor>& ts) {
  std::string d;
  for (const FuzzTensor& t : ts) {
    d += " " + t.name + "[";
    for (int k = 0; k < std::clamp(t.view.rank, 0, vknorm::kMaxRank); ++k)
      d += std::to_string(t.view.shape[k]) + ":" + std::to_string(t.view.strides[k]) + " ";
    d += std::string(known_dtype(t.view.dtype) ? vknorm::dtype_name(t.view.dtype) : "?") +
         (t.view.buffer != VK_NULL_HANDLE ? " off=" + std::to_string(t.view.offset) : "") +
         (t.view.address != 0 ? " addr=" + std::to_string(t.view.address) : "") +
         " size=" + std::to_string(t.view.size) + "]";
  }
  return d;
}

// vknorm.h's in-place rule: "exactly: same memory, dtype, shape and strides". The same memory
// may be named two ways (a VkBuffer + offset, or that byte's device address: "a call that
// mixes the two compares addresses"), so the placements are compared, not the handles. The
// stride of a size-1 dimension is never used (index 0 only), so it may differ (torch's
// x.unsqueeze views carry arbitrary strides there; the library ignores them too).
bool same_view(const Tensor& a, const Tensor& b, int slot_a, VkDeviceSize off_a, int slot_b, VkDeviceSize off_b) {
  if (slot_a < 0 || slot_a != slot_b || off_a != off_b || a.dtype != b.dtype || a.rank != b.rank) return false;
  for (int d = 0; d < std::clamp(a.rank, 0, vknorm::kMaxRank); ++d)
    if (a.shape[d] != b.shape[d] || (a.shape[d] != 1 && a.strides[d] != b.strides[d])) return false;
  return true;
}

class Fuzzer {
 public:
  Fuzzer(vknorm_support::HostDevice& dev, const DescriptorFuzzOptions& opt, DescriptorFuzzStats* st)
      : dev_(dev), opt_(opt), st_(st), arena_(dev, kMaxTensors / 2, kSlotBytes) {}
  ~Fuzzer() {
    if (fence_) vkDestroyFence(dev_.device(), fence_, nullptr);
    if (pool_) vkDestroyCommandPool(dev_.device(), pool_, nullptr);
  }

  bool init(std::string* error) {
    if (!arena_.ok()) {
      *error = arena_.error();
      return false;
    }
    VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = dev_.queue_family();
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandBufferCount = 1;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    if (vkCreateCommandPool(dev_.device(), &pci, nullptr, &pool_) != VK_SUCCESS ||
        vkCreateFence(dev_.device(), &fci, nullptr, &fence_) != VK_SUCCESS) {
      *error = "cannot create the command pool / fence";
      return false;
    }
    ai.commandPool = pool_;
    if (vkAllocateCommandBuffers(dev_.device(), &ai, &cmd_) != VK_SUCCESS) {
      *error = "cannot allocate a command buffer";
      return false;
    }
    arena_.fill(opt_.seed);
    dev_.clear_validation_messages();
    return true;
  }

  void run() {
    const auto& cases = vknorm_support::op_cases();
    const vknorm_support::OpCase* only = opt_.op.empty() ? nullptr : vknorm_support::find_op_case(opt_.op);
    for (uint64_t i = opt_.first; i < opt_.first + opt_.calls && !stuck_; ++i) {
      one_call(i, only ? *only : *cases[i % cases.size()]);
      cur_ts_ = nullptr;
      cur_params_ = nullptr;
    }
  }

 private:
  void violation(uint64_t call, const OpCase& op, const std::string& what) {
    ++st_->violations;
    std::fprintf(stderr, "VIOLATION call %llu (%s): %s\n", static_cast<unsigned long long>(call), op.name(),
                 what.c_str());
    if (opt_.verbose && cur_ts_ && cur_params_)  // the call as the library saw it, for the triage
      std::fprintf(stderr, "  nr=%d eps=%g groups=%lld override=%s:%s\n", cur_params_->normalized_rank,
                   cur_params_->eps, static_cast<long long>(cur_params_->groups),
                   cur_params_->config ? vknorm::to_string(*cur_params_->config).c_str() : "none",
                   describe_views(*cur_ts_).c_str());
    if (st_->first_violations.size() < 20)
      st_->first_violations.push_back("call " + std::to_string(call) + " (" + op.name() + "): " + what);
  }

  Placement place(const Tensor& v) const {
    Placement p;
    if (v.buffer != VK_NULL_HANDLE && v.address != 0) return p;
    if (v.buffer != VK_NULL_HANDLE) {
      p.slot = arena_.slot_of_buffer(v.buffer);
      p.offset = v.offset;
    } else if (v.address != 0) {
      p.slot = arena_.slot_of_address(v.address, &p.offset);
    }
    return p;
  }

  // A descriptor is honest when the bytes it declares ([offset, offset + size)) lie inside
  // the arena slot it names: the library cannot see a VkBuffer's size, so only honest calls
  // are executed (a lie may legally make the device read outside the buffer).
  bool honest(const Tensor& v) const {
    if (!v.is_set()) return true;
    const Placement p = place(v);
    return p.slot >= 0 && p.offset <= kSlotBytes && v.size <= kSlotBytes - p.offset;
  }

  void one_call(uint64_t call, const OpCase& op) {
    Rng rng(opt_.seed * 0x100000001B3ull + call);
    ++st_->calls;
    ++st_->calls_by_op[op.name()];
    const vknorm::DeviceInfo& info = dev_.info();
    const bool address_ok = info.enabled.buffer_device_address;

    // A small, valid case of the op, then its descriptors mutated.
    vknorm_support::CaseSpec spec;
    spec.op = &op;
    const DType dts[] = {DType::f32, DType::f16, DType::bf16};
    spec.dtype = dts[rng.below(3)];
    if (!info.supports(spec.dtype)) spec.dtype = DType::f32;
    const int rank = std::min(4, op.min_rank() + static_cast<int>(rng.below(2)));
    for (int d = 0; d < rank; ++d) spec.shape.push_back(rng.range(1, d + 1 == rank ? 9 : 4));
    spec.normalized_rank = op.uses_normalized_rank() ? 1 + static_cast<int>(rng.below(std::min(rank, 2))) : 1;
    spec.affine = rng.chance(70);
    spec.optional_outputs = rng.chance(50);
    spec.seed = call;
    spec.weight_offset = rng.chance(20) ? 1.0 : 0.0;
    spec.eps = 1e-5;
    // group_norm's num_groups: a divisor of the case's C, fixed here from the unmutated shape.
    // Left at 0, the op case's bind would derive it from the MUTATED x (default_groups(C) with
    // C up to INT64_MAX: a signed overflow and ~3e9 iterations in support/ops/group_norm.h).
    // Its own stream, so that every other draw of a call (and old call numbers) stay the same.
    Rng grng(opt_.seed * 0x100000001B3ull + call + 0x5EED0000000000ull);
    const int64_t C = rank >= 2 ? spec.shape[1] : 1;
    std::vector<int64_t> divisors;
    for (int64_t d = 1; d <= C; ++d)
      if (C % d == 0) divisors.push_back(d);
    spec.groups = grng.pick(divisors);
    spec.add_bias = grng.chance(30);  // add_layer_norm / add_rms_norm*: ONNX's skip bias
    const vknorm_support::CaseInputs in = op.make_inputs(spec);
    const std::vector<vknorm_support::TensorRole> roles = op.tensors(spec, in);
    if (roles.size() + 1 > arena_.slots()) {
      violation(call, op, "the op has more tensors than the fuzzer's arena slots");
      return;
    }
    const bool by_address = address_ok && rng.chance(30);
    std::vector<FuzzTensor> ts;
    for (size_t k = 0; k < roles.size(); ++k) {
      const auto& r = roles[k];
      if (!info.supports(r.dtype)) return;  // an i8 output on a device without 8-bit storage
      ts.push_back({r.name, r.output, contiguous_view(arena_, k, by_address, r.dtype, r.shape), r.dtype});
    }
    const int mutations = rng.chance(30) ? 0 : 1 + static_cast<int>(rng.below(3));
    for (int m = 0; m < mutations; ++m) mutate_tensor(rng, ts, arena_, address_ok);

    vknorm_support::OpParams params;
    params.normalized_rank = spec.normalized_rank;
    params.eps = rng.chance(15) ? random_eps(rng) : spec.eps;
    params.weight_offset = spec.weight_offset;
    params.groups = spec.groups;
    if (grng.chance(10)) {  // a num_groups that does not divide C (bind maps <= 0 to its default)
      const int64_t bad[] = {C + 1, C == 1 ? 2 : C * 2, std::numeric_limits<int64_t>::max(), 3 * C + 1};
      params.groups = bad[grng.below(4)];
    }
    if (grng.chance(30)) {  // group_norm's activation, an out-of-range value among them
      const vknorm::Activation acts[] = {vknorm::Activation::silu, vknorm::Activation::gelu_tanh,
                                         static_cast<vknorm::Activation>(7)};
      params.activation = acts[grng.below(3)];
    }
    if (rng.chance(8)) params.normalized_rank = static_cast<int>(rng.range(-1, 10));
    vknorm::KernelConfig config;
    if (rng.chance(20)) {
      config = random_config(rng);
      params.config = &config;
    }
    auto lookup = [&](const std::string& role) {
      for (const FuzzTensor& t : ts)
        if (t.name == role) return t.view;
      return Tensor{};
    };
    std::unique_ptr<vknorm_support::BoundOp> bound = op.bind(lookup, params);
    cur_ts_ = &ts;
    cur_params_ = &params;

    vknorm::Context* ctx = dev_.context();
    VkDeviceSize scratch_bytes = 0;
    const vknorm::Error serr = bound->scratch_size(ctx, &scratch_bytes);
    if (serr.ok() && scratch_bytes > 0 && bound->takes_scratch()) {
      const size_t slot = arena_.slots() - 1;
      const VkDeviceSize room = kSlotBytes - 2 * GuardedArena::guard_bytes();
      Tensor s;
      if (scratch_bytes <= room) {
        const int64_t n = static_cast<int64_t>((scratch_bytes + 3) / 4);
        s = contiguous_view(arena_, slot, by_address, DType::f32, {n});
        s.size = scratch_bytes;
        if (rng.chance(10)) s.size -= std::min<VkDeviceSize>(s.size, 4);
        if (rng.chance(10) && !ts.empty()) {  // scratch over another tensor's memory
          const Tensor& o = ts[rng.below(ts.size())].view;
          if (o.is_set() && honest(o)) {
            s.buffer = o.buffer;
            s.offset = o.offset;
            s.address = o.address;
          }
        }
      } else if (rng.chance(50)) {  // too small for what scratch_size asked
        s = contiguous_view(arena_, slot, by_address, DType::f32, {int64_t(room / 4)});
      }
      ts.push_back({"scratch", true, s, DType::f32});
      bound->set_scratch(s);
    }

    vknorm::KernelConfig selected;
    const vknorm::Error cerr = bound->select(ctx, &selected);
    std::vector<vknorm::DispatchInfo> dispatches;
    const vknorm::Error derr = bound->describe(ctx, &dispatches);

    vkResetCommandBuffer(cmd_, 0);
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd_, &bi);
    const auto t_record = std::chrono::steady_clock::now();
    const vknorm::Error rerr = bound->record(ctx, cmd_);
    record_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_record).count();
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                         &mb, 0, nullptr, 0, nullptr);
    vkEndCommandBuffer(cmd_);

    if (!rerr.ok()) {
      ++st_->errors[vknorm::status_name(rerr.status)];
      if (rerr.message.empty()) violation(call, op, "an error without a message");
      // Pipeline creation of a planned call does not fail on lavapipe for a few-element tensor:
      // a vulkan_error means the argument checks let through something no kernel serves (an
      // i8 x reached pipeline creation this way).
      if (rerr.status == vknorm::Status::vulkan_error)
        violation(call, op, "refused with vulkan_error, not by the argument checks: " + rerr.message);
      if (opt_.verbose && rerr.status != vknorm::Status::invalid_argument)  // the rarer refusals
        std::fprintf(stderr, "call %llu %s refused, %s: %s\n", static_cast<unsigned long long>(call), op.name(),
                     vknorm::status_name(rerr.status), rerr.message.c_str());
      // The runtime promises that a refused call records nothing: run the command buffer
      // (every refused call of an honest layout) and check that no byte changed.
      bool all_honest = true;
      for (const FuzzTensor& t : ts) all_honest = all_honest && honest(t.view);
      if (all_honest) {
        ++st_->refused_submitted;
        if (!submit(call, op, ts, selected)) return;
        for (size_t s = 0; s < arena_.slots(); ++s)
          if (std::memcmp(arena_.mapped(s), arena_.snapshot(s).data(), kSlotBytes) != 0) {
            violation(call, op, "a refused call (" + rerr.message + ") changed memory in slot " + std::to_string(s));
            arena_.fill(opt_.seed + call);
            break;
          }
      }
      check_validation(call, op, all_honest);
      return;
    }

    ++st_->accepted;
    if (!serr.ok() || !cerr.ok() || !derr.ok())
      violation(call, op, "record accepted a call that scratch_size / select / describe refused: " +
                              serr.message + " | " + cerr.message + " | " + derr.message);
    for (const FuzzTensor& t : ts)
      if (t.view.is_set() && (!known_dtype(t.view.dtype) || t.view.rank < 0 || t.view.rank > vknorm::kMaxRank))
        violation(call, op, "accepted " + t.name + " with an unknown dtype or rank");
    if (op.uses_eps() && (!std::isfinite(params.eps) || params.eps < 0))
      violation(call, op, "accepted eps " + std::to_string(params.eps));

    bool all_honest = true;
    for (const FuzzTensor& t : ts) all_honest = all_honest && honest(t.view);
    // Which bytes each tensor's elements cover (bit k: tensor k), and the view checks.
    std::vector<std::vector<uint32_t>> owner(arena_.slots(), std::vector<uint32_t>(kSlotBytes, 0));
    uint32_t output_bits = 0;
    std::vector<int64_t> offs;
    bool walkable = all_honest;
    for (size_t k = 0; k < ts.size() && walkable; ++k) {
      const Tensor& v = ts[k].view;
      if (!v.is_set()) continue;
      const Placement p = place(v);
      if (!element_offsets(v, p.offset, &offs)) {
        if (ts[k].output)
          violation(call, op, "accepted output " + ts[k].name + " with a layout too large for its size (a stride "
                              "beyond 2^40 on a dimension of size > 1, or more than 2^16 elements)");
        walkable = false;
        break;
      }
      if (ts[k].output) output_bits |= 1u << k;
      const int64_t esz = static_cast<int64_t>(vknorm::dtype_size(v.dtype));
      for (int64_t o : offs) {
        if (o < static_cast<int64_t>(p.offset) || o + esz > static_cast<int64_t>(p.offset + v.size)) {
          violation(call, op, "accepted " + ts[k].name + " whose elements lie outside [offset, offset + size)");
          walkable = false;
          break;
        }
        if (ts[k].output && (owner[p.slot][o] >> k & 1u))
          violation(call, op, "accepted output " + ts[k].name + " whose elements are not distinct");
        for (int64_t b = o; b < o + esz; ++b) owner[p.slot][b] |= 1u << k;
      }
    }
    if (!walkable) {
      ++st_->accepted_dishonest;
      dev_.clear_validation_messages();  // recorded lies; nothing is submitted
      return;
    }
    // Aliasing the call accepted must be what vknorm.h allows.
    std::string alias_problem;
    for (size_t s = 0; s < arena_.slots() && alias_problem.empty(); ++s)
      for (VkDeviceSize b = 0; b < kSlotBytes; ++b) {
        const uint32_t m = owner[s][b], outs = m & output_bits, ins = m & ~output_bits;
        if (!outs) continue;
        if (outs & (outs - 1)) {
          alias_problem = "two outputs overlap";
          break;
        }
        if (!ins) continue;
        const size_t o = static_cast<size_t>(__builtin_ctz(outs));
        for (size_t k = 0; k < ts.size(); ++k)
          if (ins >> k & 1u) {
            // The registry names one in-place pair per op; vknorm.h also allows y = x on every
            // op that has an in-place pair (add_*: residual_out = residual and y = x).
            const bool pair = (ts[k].name == op.in_place_input() && ts[o].name == op.in_place_output()) ||
                              (ts[k].name == "x" && ts[o].name == "y");
            // rms_norm_last_q8 has no in place only because its y is int8 (vknorm.h: "In place:
            // y = x (not with an int8 y)"). An identical view has x's dtype, never int8: with y's
            // dtype swapped that way the call is a plain rms_norm_last, where y = x is allowed
            // (seed 3 call 124514 of the 17-op registry).
            const bool int8_rule_lifted = ts[o].nominal == DType::i8 && ts[o].view.dtype != DType::i8;
            const Placement pk = place(ts[k].view), po = place(ts[o].view);
            const bool in_place = (op.supports_in_place() || int8_rule_lifted) && pair &&
                                  same_view(ts[k].view, ts[o].view, pk.slot, pk.offset, po.slot, po.offset);
            if (!in_place) alias_problem = "output " + ts[o].name + " overlaps input " + ts[k].name;
          }
        if (!alias_problem.empty()) break;
      }
    if (!alias_problem.empty()) violation(call, op, "accepted disallowed aliasing: " + alias_problem);

    // llvmpipe JIT-compiles a pipeline at its first dispatch; caller overrides of many
    // register-resident items or big workgroups take it minutes on a 9-element row. Those are
    // checked on the host above but not executed (real GPUs compile them in milliseconds).
    // items >= 128 alone is heavy, whatever the workgroup: the row loops are unrolled per item.
    // Seed 2 call 121 (rms_norm_backward wg=32 items=128 on a 1x4 bf16 row) passed the
    // items x wg <= 4096 rule and missed the 20 s fence wait; vknorm-check times that config
    // at 10.3 s with wg=1 or 32 (items=64: 1.6 s, items=4: 0.2 s) and its results are right.
    const bool heavy_jit = params.config &&
        (uint64_t(selected.items_per_invocation) * selected.workgroup_size > 4096 ||
         selected.workgroup_size > 256 || selected.items_per_invocation >= 128);
    if (heavy_jit || (st_->executed >= opt_.execute_budget &&
                      (st_->accepted % std::max<uint64_t>(1, opt_.execute_stride)) != 0)) {
      ++st_->accepted_skipped;
      dev_.clear_validation_messages();
      return;
    }
    ++st_->executed;
    ++st_->executed_by_op[op.name()];
    if (!submit(call, op, ts, selected)) return;
    bool changed = false;
    for (size_t s = 0; s < arena_.slots(); ++s) {
      const uint8_t* now = arena_.mapped(s);
      const std::vector<uint8_t>& before = arena_.snapshot(s);
      for (VkDeviceSize b = 0; b < kSlotBytes; ++b) {
        if (now[b] == before[b]) continue;
        changed = true;
        const uint32_t m = owner[s][b];
        if (m & output_bits) continue;
        std::string what = m ? "input" : "guard";
        for (size_t k = 0; k < ts.size(); ++k)
          if (m >> k & 1u) what += " " + ts[k].name;
        violation(call, op, "executed call wrote a byte it may not: slot " + std::to_string(s) +
                                " byte " + std::to_string(b) + " (" + what + ")");
        break;
      }
    }
    if (changed) arena_.fill(opt_.seed + call);
    check_validation(call, op, true);
  }

  bool submit(uint64_t call, const OpCase& op, const std::vector<FuzzTensor>& ts,
              const vknorm::KernelConfig& selected) {
    if (opt_.verbose)
      std::fprintf(stderr, "call %llu %s %s:%s\n", static_cast<unsigned long long>(call), op.name(),
                   vknorm::to_string(selected).c_str(), describe_views(ts).c_str());
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd_;
    vkResetFences(dev_.device(), 1, &fence_);
    VkResult r = vkQueueSubmit(dev_.queue(), 1, &si, fence_);
    const auto t_submit = std::chrono::steady_clock::now();
    if (r == VK_SUCCESS) r = vkWaitForFences(dev_.device(), 1, &fence_, VK_TRUE, 20ull * 1000000000ull);
    // Where a slow call spends its time: pipeline creation happens in record, llvmpipe's JIT
    // of the shader at its first dispatch (inside the wait).
    if (opt_.verbose)
      std::fprintf(stderr, "  record %.3f s, submit + wait %.3f s\n", record_seconds_,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t_submit).count());
    if (r == VK_TIMEOUT) {
      // Not finished in 20 s on a tiny tensor. The fence and command buffer are still in use,
      // so they must not be reset or destroyed: wait longer to tell a slow JIT from a hang.
      const VkResult late = vkWaitForFences(dev_.device(), 1, &fence_, VK_TRUE, 600ull * 1000000000ull);
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_submit).count();
      violation(call, op, "submission did not complete within 20 s (" +
                              (late == VK_SUCCESS ? "finished after " + std::to_string(waited) + " s)"
                                                  : "still running after " + std::to_string(waited) + " s: a hang)"));
      if (late != VK_SUCCESS) {
        // Nothing that the device still uses may be destroyed: leave without the destructors.
        std::fprintf(stderr, "vknorm-fuzz: call %llu hangs the device; exiting\n", static_cast<unsigned long long>(call));
        std::fflush(nullptr);
        std::_Exit(3);
      }
      return true;
    }
    if (r != VK_SUCCESS) {
      stuck_ = true;  // a lost device: nothing more can run
      violation(call, op, "submission failed: VkResult " + std::to_string(static_cast<int>(r)));
      return false;
    }
    return true;
  }

  void check_validation(uint64_t call, const OpCase& op, bool counts) {
    if (dev_.validation_message_count() == 0) return;
    if (counts) violation(call, op, "validation: " + dev_.validation_messages().front());
    dev_.clear_validation_messages();
  }

  vknorm_support::HostDevice& dev_;
  const DescriptorFuzzOptions& opt_;
  DescriptorFuzzStats* st_;
  GuardedArena arena_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  bool stuck_ = false;
  double record_seconds_ = 0;  // of the call in flight (--verbose)
  const std::vector<FuzzTensor>* cur_ts_ = nullptr;  // the call in flight (--verbose)
  const vknorm_support::OpParams* cur_params_ = nullptr;
};

}  // namespace

bool run_descriptor_fuzz(vknorm_support::HostDevice& dev, const DescriptorFuzzOptions& opt,
                         DescriptorFuzzStats* stats, std::string* error) {
  if (!opt.op.empty() && !vknorm_support::find_op_case(opt.op)) {
    *error = "--op " + opt.op + ": no such op case (" + vknorm_support::op_case_names() + ")";
    return false;
  }
  Fuzzer f(dev, opt, stats);
  if (!f.init(error)) return false;
  f.run();
  return true;
}

}  // namespace vknorm_fuzz
