#include "workload.h"

#include "support/dtype_convert.h"
#include "support/op_case.h"

#include <algorithm>

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

std::vector<std::pair<Slot, uint64_t>> slot_bytes(const BenchCase& c) {
  const uint64_t es = vknorm::dtype_size(c.dtype);
  const uint64_t big = static_cast<uint64_t>(c.numel()) * es;
  const uint64_t param = static_cast<uint64_t>(c.row_length()) * es;
  const uint64_t grad = static_cast<uint64_t>(c.row_length()) * vknorm::dtype_size(c.grad_dtype);
  const uint64_t stat = static_cast<uint64_t>(c.rows()) * 4;
  const bool ln = c.op != BenchOp::rms_norm;
  const bool bwd = c.op == BenchOp::layer_norm_backward || c.op == BenchOp::layer_norm_fwd_bwd;
  std::vector<std::pair<Slot, uint64_t>> v = {{Slot::x, big}, {Slot::y, big}};
  if (c.affine) v.push_back({Slot::weight, param});
  if (ln && c.affine) v.push_back({Slot::bias, param});
  if (ln) {
    v.push_back({Slot::mean, stat});
    v.push_back({Slot::rstd, stat});
  }
  if (bwd) {
    v.push_back({Slot::dy, big});
    v.push_back({Slot::dx, big});
    if (c.affine) {
      v.push_back({Slot::dweight, grad});
      v.push_back({Slot::dbias, grad});
    }
  }
  return v;
}

Workload::Workload(vknorm_support::HostDevice& device, const BenchCase& c, const WorkloadOptions& o)
    : dev_(device), case_(c), options_(o) {
  arena_ = o.arena;
  if (!arena_) {
    own_arena_ = std::make_unique<Arena>(device);
    arena_ = own_arena_.get();
  }
  switch (c.op) {
    case BenchOp::rms_norm: parts_ = {Part::rms_norm}; break;
    case BenchOp::layer_norm: parts_ = {Part::layer_norm_forward}; break;
    case BenchOp::layer_norm_backward: parts_ = {Part::layer_norm_backward}; break;
    case BenchOp::layer_norm_fwd_bwd:
      parts_ = {Part::layer_norm_forward, Part::layer_norm_backward};
      break;
  }
  configs_.assign(parts_.size(), nullptr);
}

Workload::~Workload() {
  for (Buffer* b : {&buf_.x, &buf_.y, &buf_.weight, &buf_.bias, &buf_.mean, &buf_.rstd, &buf_.dy,
                    &buf_.dx, &buf_.dweight, &buf_.dbias, &buf_.scratch})
    arena_->release(*b);
}

std::unique_ptr<Workload> Workload::create(vknorm_support::HostDevice& device, const BenchCase& c,
                                           const WorkloadOptions& options, std::string* error,
                                           bool* out_of_memory) {
  *out_of_memory = false;
  std::unique_ptr<Workload> w(new Workload(device, c, options));
  if (!w->allocate(error, out_of_memory)) return nullptr;
  w->build_args();
  Error e = w->prepare();
  const bool has_grads = w->buf_.dweight.buffer != VK_NULL_HANDLE;
  if (e.status == Status::invalid_argument && has_grads && c.grad_dtype != c.dtype) {
    // fp32 dweight/dbias refused for 16-bit x: fall back to x's dtype (the other legal one).
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
  Buffer* target[] = {&buf_.x,    &buf_.y,    &buf_.dy,      &buf_.dx,    &buf_.weight, &buf_.bias,
                      &buf_.mean, &buf_.rstd, &buf_.dweight, &buf_.dbias, &buf_.scratch};
  for (const auto& [slot, bytes] : slot_bytes(case_)) {
    std::string e;
    if (!arena_->view(slot, bytes, target[static_cast<size_t>(slot)], &e)) {
      *error = std::string("allocating ") + slot_name(slot) + " (" + std::to_string(bytes) +
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

void Workload::build_args() {
  const BenchCase& c = case_;
  const size_t nr = static_cast<size_t>(c.op == BenchOp::rms_norm ? 0 : c.normalized_rank);
  std::vector<int64_t> normalized(c.shape.end() - static_cast<long>(nr), c.shape.end());
  std::vector<int64_t> leading(c.shape.begin(), c.shape.end() - static_cast<long>(nr));
  if (leading.empty()) leading = {1};
  if (c.op == BenchOp::rms_norm) {
    rms_.x = tensor(buf_.x, c.dtype, c.shape);
    rms_.y = tensor(buf_.y, c.dtype, c.shape);
    rms_.weight = tensor(buf_.weight, c.dtype, {c.row_length()});
    rms_.eps = static_cast<float>(c.eps);
    return;
  }
  ln_.x = tensor(buf_.x, c.dtype, c.shape);
  ln_.y = tensor(buf_.y, c.dtype, c.shape);
  ln_.weight = tensor(buf_.weight, c.dtype, normalized);
  ln_.bias = tensor(buf_.bias, c.dtype, normalized);
  ln_.mean = tensor(buf_.mean, DType::f32, leading);
  ln_.rstd = tensor(buf_.rstd, DType::f32, leading);
  ln_.normalized_rank = c.normalized_rank;
  ln_.eps = static_cast<float>(c.eps);
  bwd_.dy = tensor(buf_.dy, c.dtype, c.shape);
  bwd_.x = ln_.x;
  bwd_.weight = ln_.weight;
  bwd_.mean = ln_.mean;
  bwd_.rstd = ln_.rstd;
  bwd_.dx = tensor(buf_.dx, c.dtype, c.shape);
  bwd_.dweight = tensor(buf_.dweight, c.grad_dtype, normalized);
  bwd_.dbias = tensor(buf_.dbias, c.grad_dtype, normalized);
  bwd_.normalized_rank = c.normalized_rank;
}

void Workload::set_config(size_t part, const vknorm::KernelConfig* config) {
  configs_.at(part) = config;
  switch (parts_[part]) {
    case Part::rms_norm: rms_.config = config; break;
    case Part::layer_norm_forward: ln_.config = config; break;
    case Part::layer_norm_backward: bwd_.config = config; break;
  }
}

Error Workload::grow_scratch() {
  vknorm::Context* ctx = dev_.context();
  VkDeviceSize need = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    VkDeviceSize bytes = 0;
    Error e;
    switch (parts_[i]) {
      case Part::rms_norm: e = vknorm::rms_norm_scratch_size(ctx, rms_, &bytes); break;
      case Part::layer_norm_forward: e = vknorm::layer_norm_scratch_size(ctx, ln_, &bytes); break;
      case Part::layer_norm_backward:
        e = vknorm::layer_norm_backward_scratch_size(ctx, bwd_, &bytes);
        break;
    }
    if (!e.ok()) return e;
    need = std::max(need, bytes);
  }
  if (case_.op == BenchOp::layer_norm_backward) {  // the setup forward shares the scratch
    VkDeviceSize bytes = 0;
    const vknorm::KernelConfig* saved = ln_.config;
    ln_.config = nullptr;
    Error e = vknorm::layer_norm_scratch_size(ctx, ln_, &bytes);
    ln_.config = saved;
    if (!e.ok()) return e;
    need = std::max(need, bytes);
  }
  if (need > buf_.scratch.size) {
    arena_->release(buf_.scratch);
    const VkDeviceSize size = (need + 65535) / 65536 * 65536;
    std::string err;
    if (!arena_->view(Slot::scratch, size, &buf_.scratch, &err))
      return Error{Status::out_of_memory, "scratch (" + std::to_string(size) + " bytes): " + err};
  }
  if (buf_.scratch.buffer != VK_NULL_HANDLE) {
    const vknorm::Tensor s =
        tensor(buf_.scratch, DType::f32, {static_cast<int64_t>(buf_.scratch.size / 4)});
    ln_.scratch = s;
    bwd_.scratch = s;
  }
  return Error{};
}

Error Workload::prepare() {
  Error e = grow_scratch();
  if (!e.ok()) return e;
  vknorm::Context* ctx = dev_.context();
  for (Part p : parts_) {
    switch (p) {
      case Part::rms_norm: e = vknorm::prepare_rms_norm(ctx, rms_); break;
      case Part::layer_norm_forward: e = vknorm::prepare_layer_norm(ctx, ln_); break;
      case Part::layer_norm_backward: e = vknorm::prepare_layer_norm_backward(ctx, bwd_); break;
    }
    if (!e.ok()) return e;
  }
  return e;
}

Error Workload::record(VkCommandBuffer cmd) {
  vknorm::Context* ctx = dev_.context();
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) dev_.full_barrier(cmd);
    Error e;
    switch (parts_[i]) {
      case Part::rms_norm: e = vknorm::record_rms_norm(ctx, cmd, rms_); break;
      case Part::layer_norm_forward: e = vknorm::record_layer_norm(ctx, cmd, ln_); break;
      case Part::layer_norm_backward: e = vknorm::record_layer_norm_backward(ctx, cmd, bwd_); break;
    }
    if (!e.ok()) return e;
  }
  return Error{};
}

Error Workload::select(std::vector<vknorm::KernelConfig>* configs) {
  configs->assign(parts_.size(), vknorm::KernelConfig{});
  vknorm::Context* ctx = dev_.context();
  for (size_t i = 0; i < parts_.size(); ++i) {
    Error e;
    switch (parts_[i]) {
      case Part::rms_norm: e = vknorm::select_config(ctx, rms_, &(*configs)[i]); break;
      case Part::layer_norm_forward: e = vknorm::select_config(ctx, ln_, &(*configs)[i]); break;
      case Part::layer_norm_backward: e = vknorm::select_config(ctx, bwd_, &(*configs)[i]); break;
    }
    if (!e.ok()) return e;
  }
  return Error{};
}

Error Workload::describe(std::vector<vknorm::DispatchInfo>* dispatches) {
  dispatches->clear();
  vknorm::Context* ctx = dev_.context();
  for (Part p : parts_) {
    std::vector<vknorm::DispatchInfo> d;
    Error e;
    switch (p) {
      case Part::rms_norm: e = vknorm::describe_dispatches(ctx, rms_, &d); break;
      case Part::layer_norm_forward: e = vknorm::describe_dispatches(ctx, ln_, &d); break;
      case Part::layer_norm_backward: e = vknorm::describe_dispatches(ctx, bwd_, &d); break;
    }
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
  x_ = make_pattern(DataKind::uniform01, n, options_.seed, c.dtype);
  if (buf_.dy.buffer != VK_NULL_HANDLE) dy_ = make_pattern(DataKind::normal, n, options_.seed + 2, c.dtype);
  if (c.affine) {
    const size_t d = static_cast<size_t>(c.row_length());
    weight_ = affine_values(d, options_.seed + 3, c.dtype, 1.0, 0.25);
    const std::vector<uint8_t> wb = vknorm_support::encode(weight_, c.dtype);
    dev_.upload(buf_.weight, wb.data(), wb.size());
    if (buf_.bias.buffer != VK_NULL_HANDLE) {
      bias_ = affine_values(d, options_.seed + 4, c.dtype, 0.0, 0.1);
      const std::vector<uint8_t> bb = vknorm_support::encode(bias_, c.dtype);
      dev_.upload(buf_.bias, bb.data(), bb.size());
    }
  }
  // x (kind 1) and dy (kind 2): the tag names the pattern (kind, dtype, seed, period), so that
  // a slot that already holds it (an earlier case of the same dtype) is not filled again.
  auto tag = [&](uint64_t kind, uint64_t seed) {
    const uint64_t period = std::min(n, kPatternPeriod);
    return (kind << 56) | (static_cast<uint64_t>(c.dtype) << 48) | ((seed & 0xffffff) << 24) | period;
  };
  if (!fill_periodic(Slot::x, buf_.x, x_, tag(1, options_.seed), error)) return false;
  if (buf_.dy.buffer != VK_NULL_HANDLE &&
      !fill_periodic(Slot::dy, buf_.dy, dy_, tag(2, options_.seed + 2), error))
    return false;
  // The backward needs the forward's mean / rstd: run the forward once (selector's config).
  if (c.op == BenchOp::layer_norm_backward) {
    Error e;
    const VkResult r = dev_.run([&](VkCommandBuffer cmd) {
      dev_.full_barrier(cmd);
      const vknorm::KernelConfig* saved = ln_.config;
      ln_.config = nullptr;
      e = vknorm::record_layer_norm(dev_.context(), cmd, ln_);
      ln_.config = saved;
    });
    if (!e.ok() || r != VK_SUCCESS) {
      *error = "forward pass for mean/rstd failed: " + (e.ok() ? std::string("VkResult ") +
                                                                     std::to_string(r)
                                                               : e.message);
      return false;
    }
  }
  return true;
}

// Uploads one period, then doubles the filled prefix with GPU copies.
bool Workload::fill_periodic(Slot slot, const Buffer& b, const Pattern& p, uint64_t tag,
                             std::string* error) {
  const uint64_t total = static_cast<uint64_t>(case_.numel()) * vknorm::dtype_size(case_.dtype);
  Arena::Content& have = arena_->content(slot);
  if (have.tag == tag && have.bytes >= total) {
    fills_skipped_ = true;
    return true;
  }
  have = Arena::Content{};
  const std::vector<uint8_t> bytes = vknorm_support::encode(p.block, case_.dtype);
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
