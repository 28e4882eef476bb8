#include "workload.h"

#include "support/dtype_convert.h"
#include "support/op_case.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>
#include <tuple>

namespace vknorm_bench {

using vknorm::DType;
using vknorm::Error;
using vknorm::Status;
using vknorm_support::Buffer;

namespace {

constexpr uint64_t kPatternPeriod = 1048573;  // prime: rows of any length see different data

Pattern make_pattern(vknorm_support::DataKind kind, uint64_t n, uint64_t seed, DType dt) {
  Pattern p;
  p.block = vknorm_support::make_data(kind, static_cast<size_t>(std::min(n, kPatternPeriod)), seed, dt);
  for (double& v : p.block) v = vknorm_support::quantize(v, dt);
  return p;
}

std::vector<double> affine_values(size_t n, uint64_t seed, DType dt, double base, double scale) {
  std::vector<double> v = vknorm_support::make_data(vknorm_support::DataKind::normal, n, seed, dt);
  for (double& e : v) e = vknorm_support::quantize(base + scale * e, dt);
  return v;
}

void transfer_barrier(VkCommandBuffer cmd) {
  VkMemoryBarrier b{};
  b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  b.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &b,
                       0, nullptr, 0, nullptr);
}

}  // namespace

// The arena slot of a tensor role (slots are named after the roles).
Slot slot_of(const std::string& role) {
  for (size_t i = 0; i < static_cast<size_t>(Slot::count); ++i)
    if (role == slot_name(static_cast<Slot>(i))) return static_cast<Slot>(i);
  return Slot::count;
}

std::vector<std::pair<Slot, uint64_t>> slot_bytes(const BenchCase& c) {
  std::vector<std::pair<Slot, uint64_t>> v;
  for (const auto& t : bench_tensors(c)) v.push_back({slot_of(t.role), t.bytes()});
  return v;
}

Workload::Workload(vknorm_support::HostDevice& device, const BenchCase& c, const WorkloadOptions& o)
    : dev_(device), case_(c), options_(o) {
  arena_ = o.arena;
  if (!arena_) {
    own_arena_ = std::make_unique<Arena>(device);
    arena_ = own_arena_.get();
  }
  parts_ = c.parts();
  setups_ = setup_ops(c);
  tensors_ = bench_tensors(c);
  configs_.assign(parts_.size(), nullptr);
}

Workload::~Workload() {
  for (auto& [role, b] : buf_) arena_->release(b);
  arena_->release(scratch_);
}

std::unique_ptr<Workload> Workload::create(vknorm_support::HostDevice& device, const BenchCase& c,
                                           const WorkloadOptions& options, std::string* error,
                                           bool* out_of_memory) {
  *out_of_memory = false;
  std::unique_ptr<Workload> w(new Workload(device, c, options));
  if (w->parts_.empty()) {
    *error = "unknown bench op '" + c.op + "'";
    return nullptr;
  }
  if (!w->allocate(error, out_of_memory)) return nullptr;
  w->build_args();
  Error e = w->prepare();
  bool has_grads = false;
  for (const auto& t : w->tensors_) has_grads = has_grads || t.grad;
  if (e.status == Status::invalid_argument && has_grads && c.grad_dtype != c.dtype) {
    // fp32 parameter gradients refused for 16-bit x: fall back to x's dtype (the other legal one).
    BenchCase c2 = c;
    c2.grad_dtype = c.dtype;
    w.reset(new Workload(device, c2, options));
    if (!w->allocate(error, out_of_memory)) return nullptr;
    w->build_args();
    e = w->prepare();
  }
  if (!e.ok()) {
    *error = std::string(vknorm::status_name(e.status)) + ": " + e.message;
    *out_of_memory = e.status == Status::out_of_memory;
    return nullptr;
  }
  if (options.fill_inputs && !w->fill_inputs(error)) return nullptr;
  return w;
}

bool Workload::allocate(std::string* error, bool* out_of_memory) {
  for (const auto& t : tensors_) {
    const Slot slot = slot_of(t.role);
    if (slot == Slot::count) {
      *error = "no arena slot for tensor role '" + t.role + "' (bench/arena.h)";
      return false;
    }
    std::string e;
    if (!arena_->view(slot, t.bytes(), &buf_[t.role], &e)) {
      *error = std::string("allocating ") + slot_name(slot) + " (" + std::to_string(t.bytes()) +
               " bytes): " + e;
      *out_of_memory = true;
      return false;
    }
  }
  return true;
}

vknorm::Tensor Workload::tensor(const Buffer& b, DType dt, const std::vector<int64_t>& shape) const {
  if (b.buffer == VK_NULL_HANDLE) return vknorm::Tensor{};
  if (options_.by_address) return vknorm::Tensor::contiguous_at(b.address, b.size, dt, shape);
  return vknorm::Tensor::contiguous(b.buffer, 0, b.size, dt, shape);
}

vknorm::Tensor Workload::view(const std::string& role) const {
  for (const auto& t : tensors_)
    if (t.role == role) return tensor(buffer(role), t.dtype, t.shape);
  return vknorm::Tensor{};
}

const Buffer& Workload::buffer(const std::string& role) const {
  static const Buffer none{};
  const auto it = buf_.find(role);
  return it == buf_.end() ? none : it->second;
}

const Pattern& Workload::pattern(const std::string& role) const {
  static const Pattern none{};
  const auto it = patterns_.find(role);
  return it == patterns_.end() ? none : it->second;
}

const std::vector<double>& Workload::param(const std::string& role) const {
  static const std::vector<double> none;
  const auto it = params_.find(role);
  return it == params_.end() ? none : it->second;
}

void Workload::build_args() {
  const BenchCase& c = case_;
  vknorm_support::OpParams p;
  p.normalized_rank = c.normalized_rank;
  p.eps = c.eps;
  p.groups = c.groups;
  p.activation = c.activation;
  const vknorm_support::RoleLookup lookup = [this](const std::string& role) { return view(role); };
  calls_.clear();
  setup_calls_.clear();
  for (size_t i = 0; i < parts_.size(); ++i) {
    calls_.push_back(parts_[i]->bind(lookup, p));
    // The setup op runs once with the selector's config.
    setup_calls_.push_back(setups_[i] ? setups_[i]->bind(lookup, p) : nullptr);
  }
}

void Workload::set_config(size_t part, const vknorm::KernelConfig* config) {
  configs_.at(part) = config;
  calls_.at(part)->set_config(config);
}

Error Workload::grow_scratch() {
  vknorm::Context* ctx = dev_.context();
  VkDeviceSize need = 0;
  // The setup ops share the scratch.
  for (const auto* list : {&calls_, &setup_calls_}) {
    for (const auto& call : *list) {
      if (!call) continue;
      VkDeviceSize bytes = 0;
      Error e = call->scratch_size(ctx, &bytes);
      if (!e.ok()) return e;
      need = std::max(need, bytes);
    }
  }
  if (need > scratch_.size) {
    arena_->release(scratch_);
    const VkDeviceSize size = (need + 65535) / 65536 * 65536;
    std::string err;
    if (!arena_->view(Slot::scratch, size, &scratch_, &err))
      return Error{Status::out_of_memory, "scratch (" + std::to_string(size) + " bytes): " + err};
  }
  if (scratch_.buffer != VK_NULL_HANDLE) {
    const vknorm::Tensor s = tensor(scratch_, DType::f32, {static_cast<int64_t>(scratch_.size / 4)});
    for (const auto* list : {&calls_, &setup_calls_})
      for (const auto& call : *list)
        if (call && call->takes_scratch()) call->set_scratch(s);
  }
  return Error{};
}

Error Workload::prepare() {
  Error e = grow_scratch();
  if (!e.ok()) return e;
  vknorm::Context* ctx = dev_.context();
  for (const auto& call : calls_) {
    e = call->prepare(ctx);
    if (!e.ok()) return e;
  }
  return e;
}

Error Workload::record(VkCommandBuffer cmd) {
  vknorm::Context* ctx = dev_.context();
  for (size_t i = 0; i < calls_.size(); ++i) {
    if (i > 0) dev_.full_barrier(cmd);
    Error e = calls_[i]->record(ctx, cmd);
    if (!e.ok()) return e;
  }
  return Error{};
}

Error Workload::select(std::vector<vknorm::KernelConfig>* configs) {
  configs->assign(calls_.size(), vknorm::KernelConfig{});
  vknorm::Context* ctx = dev_.context();
  for (size_t i = 0; i < calls_.size(); ++i) {
    Error e = calls_[i]->select(ctx, &(*configs)[i]);
    if (!e.ok()) return e;
  }
  return Error{};
}

Error Workload::describe(std::vector<vknorm::DispatchInfo>* dispatches) {
  dispatches->clear();
  vknorm::Context* ctx = dev_.context();
  for (const auto& call : calls_) {
    std::vector<vknorm::DispatchInfo> d;
    Error e = call->describe(ctx, &d);
    if (!e.ok()) return e;
    dispatches->insert(dispatches->end(), d.begin(), d.end());
  }
  return Error{};
}

bool Workload::fill_inputs(std::string* error) {
  using vknorm_support::DataKind;
  const BenchCase& c = case_;
  const uint64_t n = static_cast<uint64_t>(c.numel());
  // KernelBench draws x from torch.rand (U[0,1)); dy is N(0,1); weight ~ 1, bias ~ 0.
  patterns_["x"] = make_pattern(DataKind::uniform01, n, options_.seed, c.dtype);
  const bool has_dy = buffer("dy").buffer != VK_NULL_HANDLE;
  if (has_dy) patterns_["dy"] = make_pattern(DataKind::normal, n, options_.seed + 2, c.dtype);
  const bool has_residual = buffer("residual").buffer != VK_NULL_HANDLE;
  const vknorm::DType res_dtype = c.bench_shape().res_dtype();  // fp32 with f32_residual
  if (has_residual) patterns_["residual"] = make_pattern(DataKind::normal, n, options_.seed + 5, res_dtype);
  const bool has_z = buffer("z").buffer != VK_NULL_HANDLE;  // gated_rms_norm's gate
  if (has_z) patterns_["z"] = make_pattern(DataKind::normal, n, options_.seed + 10, c.dtype);
  if (c.affine) {
    const size_t d = static_cast<size_t>(c.row_length());
    // The parameters' own dtype (fp32 beside 16-bit x with f32_params).
    auto dtype_of = [&](const char* role) {
      for (const auto& t : bench_tensors(c))
        if (t.role == role) return t.dtype;
      return c.dtype;
    };
    if (buffer("weight").buffer != VK_NULL_HANDLE) {
      const vknorm::DType wt = dtype_of("weight");
      params_["weight"] = affine_values(d, options_.seed + 3, wt, 1.0, 0.25);
      const std::vector<uint8_t> wb = vknorm_support::encode(params_["weight"], wt);
      dev_.upload(buffer("weight"), wb.data(), wb.size());
    }
    if (buffer("bias").buffer != VK_NULL_HANDLE) {
      const vknorm::DType bt = dtype_of("bias");
      params_["bias"] = affine_values(d, options_.seed + 4, bt, 0.0, 0.1);
      const std::vector<uint8_t> bb = vknorm_support::encode(params_["bias"], bt);
      dev_.upload(buffer("bias"), bb.data(), bb.size());
    }
  }
  if (buffer("add_bias").buffer != VK_NULL_HANDLE) {
    params_["add_bias"] = affine_values(static_cast<size_t>(c.row_length()), options_.seed + 6, c.dtype, 0.0, 0.5);
    const std::vector<uint8_t> ab = vknorm_support::encode(params_["add_bias"], c.dtype);
    dev_.upload(buffer("add_bias"), ab.data(), ab.size());
  }
  // ada_norm's modulation rows (scale, shift, gate): small tensors, uploaded whole; (1 + scale)
  // and gate near 1 and 0.5 as trained DiTs have them.
  for (const auto& [role, seed, center, spread] : {std::tuple<const char*, uint64_t, double, double>{"scale", 7, 0.0, 0.5},
                                                   {"shift", 8, 0.0, 0.5}, {"gate", 9, 0.5, 0.25}}) {
    if (buffer(role).buffer == VK_NULL_HANDLE) continue;
    uint64_t count = 1;
    for (const auto& t : bench_tensors(c))
      if (t.role == role) count = t.bytes() / vknorm::dtype_size(t.dtype);
    params_[role] = affine_values(static_cast<size_t>(count), options_.seed + seed, c.dtype, center, spread);
    const std::vector<uint8_t> mb = vknorm_support::encode(params_[role], c.dtype);
    dev_.upload(buffer(role), mb.data(), mb.size());
  }
  // qk_norm_rope: k's weight (as weight), positions 0 .. tokens - 1 (i32) and vLLM's
  // cos_sin_cache of (rows, rotary_dim) fp32 values (support/reference.h).
  if (c.affine && buffer("k_weight").buffer != VK_NULL_HANDLE) {
    params_["k_weight"] = affine_values(static_cast<size_t>(c.row_length()), options_.seed + 11, c.dtype, 1.0, 0.25);
    const std::vector<uint8_t> kb = vknorm_support::encode(params_["k_weight"], c.dtype);
    dev_.upload(buffer("k_weight"), kb.data(), kb.size());
  }
  for (const auto& t : bench_tensors(c)) {
    if (t.role == "positions" && buffer("positions").buffer != VK_NULL_HANDLE) {
      std::vector<double>& pos = params_["positions"];
      pos.resize(static_cast<size_t>(t.shape.empty() ? 0 : t.shape[0]));
      for (size_t i = 0; i < pos.size(); ++i) pos[i] = static_cast<double>(i);
      const std::vector<uint8_t> pb = vknorm_support::encode(pos, DType::i32);
      dev_.upload(buffer("positions"), pb.data(), pb.size());
    }
    if (t.role == "cos_sin_cache" && buffer("cos_sin_cache").buffer != VK_NULL_HANDLE && t.shape.size() == 2) {
      params_["cos_sin_cache"] = vknorm_support::rope_cos_sin_cache(t.shape[0], t.shape[1], vknorm_support::kQkRopeTheta);
      const std::vector<uint8_t> cb = vknorm_support::encode(params_["cos_sin_cache"], DType::f32);
      dev_.upload(buffer("cos_sin_cache"), cb.data(), cb.size());
    }
  }
  // x (kind 1) and dy (kind 2): the tag names the pattern (kind, dtype, seed, period), so that
  // a slot that already holds it (an earlier case of the same dtype) is not filled again.
  auto tag = [&](uint64_t kind, uint64_t seed, vknorm::DType dt) {
    const uint64_t period = std::min(n, kPatternPeriod);
    return (kind << 56) | (static_cast<uint64_t>(dt) << 48) | ((seed & 0xffffff) << 24) | period;
  };
  if (!fill_periodic(Slot::x, buffer("x"), patterns_["x"], tag(1, options_.seed, c.dtype), c.dtype, error)) return false;
  if (has_dy &&
      !fill_periodic(Slot::dy, buffer("dy"), patterns_["dy"], tag(2, options_.seed + 2, c.dtype), c.dtype, error))
    return false;
  if (has_residual && !fill_periodic(Slot::residual, buffer("residual"), patterns_["residual"],
                                     tag(3, options_.seed + 5, res_dtype), res_dtype, error))
    return false;
  if (has_z && !fill_periodic(Slot::z, buffer("z"), patterns_["z"], tag(4, options_.seed + 10, c.dtype), c.dtype, error))
    return false;
  // Inputs that an op produces (the backward's mean / rstd): run the setup op once.
  for (size_t i = 0; i < setup_calls_.size(); ++i) {
    if (!setup_calls_[i]) continue;
    Error e;
    const VkResult r = dev_.run([&](VkCommandBuffer cmd) {
      dev_.full_barrier(cmd);
      e = setup_calls_[i]->record(dev_.context(), cmd);
    });
    if (!e.ok() || r != VK_SUCCESS) {
      *error = std::string(setups_[i]->name()) + " pass for the inputs of " + parts_[i]->name() +
               " failed: " + (e.ok() ? std::string("VkResult ") + std::to_string(r) : e.message);
      return false;
    }
  }
  return true;
}

// Uploads one period, then doubles the filled prefix with GPU copies.
bool Workload::fill_periodic(Slot slot, const Buffer& b, const Pattern& p, uint64_t tag, vknorm::DType dtype,
                             std::string* error) {
  const uint64_t total = static_cast<uint64_t>(case_.numel()) * vknorm::dtype_size(dtype);
  Arena::Content& have = arena_->content(slot);
  if (have.tag == tag && have.bytes >= total) {
    fills_skipped_ = true;
    return true;
  }
  have = Arena::Content{};
  const std::vector<uint8_t> bytes = vknorm_support::encode(p.block, dtype);
  dev_.upload(b, bytes.data(), std::min<uint64_t>(bytes.size(), total));
  const VkResult r = dev_.run([&](VkCommandBuffer cmd) {
    VkDeviceSize filled = bytes.size();
    while (filled < total) {
      const VkDeviceSize len = std::min(filled, total - filled);
      VkBufferCopy region{0, filled, len};
      vkCmdCopyBuffer(cmd, b.buffer, b.buffer, 1, &region);
      transfer_barrier(cmd);
      filled += len;
    }
  });
  if (r != VK_SUCCESS) {
    *error = std::string("filling ") + slot_name(slot) + " failed";
    return false;
  }
  have.tag = tag;
  have.bytes = total;
  return true;
}

}  // namespace vknorm_bench
