#include "cases.h"

#include "support/op_case.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace vknorm_bench {

const char* bench_op_name(BenchOp op) {
  switch (op) {
    case BenchOp::rms_norm: return "rms_norm";
    case BenchOp::layer_norm: return "layer_norm";
    case BenchOp::layer_norm_backward: return "layer_norm_backward";
    case BenchOp::layer_norm_fwd_bwd: return "layer_norm_fwd_bwd";
  }
  return "?";
}

bool parse_bench_op(const std::string& s, BenchOp* out) {
  for (BenchOp op : {BenchOp::rms_norm, BenchOp::layer_norm, BenchOp::layer_norm_backward,
                     BenchOp::layer_norm_fwd_bwd}) {
    if (s == bench_op_name(op)) {
      *out = op;
      return true;
    }
  }
  if (s == "layer_norm_forward") {
    *out = BenchOp::layer_norm;
    return true;
  }
  return false;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

bool parse_shape(const std::string& s, std::vector<int64_t>* out) {
  std::vector<int64_t> shape;
  if (!vknorm_support::parse_shape(s, &shape)) return false;
  for (int64_t d : shape)
    if (d <= 0) return false;  // a benchmark of an empty tensor measures nothing
  *out = shape;
  return true;
}

std::string BenchCase::label() const {
  std::string s = std::string(bench_op_name(op)) + " " + vknorm::dtype_name(dtype) + " [" +
                  shape_string(shape) + "]";
  if (op != BenchOp::rms_norm) s += " norm" + std::to_string(normalized_rank);
  return s;
}

int64_t BenchCase::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t BenchCase::row_length() const {
  if (op == BenchOp::rms_norm) return shape.size() > 1 ? shape[1] : 1;
  int64_t d = 1;
  for (size_t i = shape.size() - static_cast<size_t>(normalized_rank); i < shape.size(); ++i)
    d *= shape[i];
  return d;
}

int64_t BenchCase::rows() const { return numel() / std::max<int64_t>(1, row_length()); }

namespace {

struct TensorBytes {
  uint64_t big = 0;      // one x-sized tensor
  uint64_t param = 0;    // weight or bias (case dtype)
  uint64_t grad = 0;     // dweight / dbias
  uint64_t stat = 0;     // mean or rstd (fp32)
};

TensorBytes tensor_bytes(const BenchCase& c) {
  TensorBytes t;
  const uint64_t es = vknorm::dtype_size(c.dtype);
  t.big = static_cast<uint64_t>(c.numel()) * es;
  if (c.op == BenchOp::rms_norm) {
    t.param = c.affine ? static_cast<uint64_t>(c.row_length()) * es : 0;
  } else {
    t.param = c.affine ? static_cast<uint64_t>(c.row_length()) * es : 0;
    t.grad = static_cast<uint64_t>(c.row_length()) * vknorm::dtype_size(c.grad_dtype);
    t.stat = static_cast<uint64_t>(c.rows()) * 4;
  }
  return t;
}

}  // namespace

uint64_t minimal_bytes(const BenchCase& c) {
  const TensorBytes t = tensor_bytes(c);
  const uint64_t fwd = 2 * t.big + 2 * t.param + 2 * t.stat;
  const uint64_t bwd = 3 * t.big + t.param + 2 * t.stat + (c.affine ? 2 * t.grad : 0);
  switch (c.op) {
    case BenchOp::rms_norm: return 2 * t.big + t.param;
    case BenchOp::layer_norm: return fwd;
    case BenchOp::layer_norm_backward: return bwd;
    case BenchOp::layer_norm_fwd_bwd: return fwd + bwd;
  }
  return 0;
}

uint64_t largest_tensor_bytes(const BenchCase& c) { return tensor_bytes(c).big; }

uint64_t allocated_bytes(const BenchCase& c) {
  const TensorBytes t = tensor_bytes(c);
  switch (c.op) {
    case BenchOp::rms_norm: return 2 * t.big + t.param;
    case BenchOp::layer_norm: return 2 * t.big + 2 * t.param + 2 * t.stat;
    // backward allocates y too: the forward run that produces mean / rstd writes it
    case BenchOp::layer_norm_backward:
    case BenchOp::layer_norm_fwd_bwd: return 4 * t.big + 2 * t.param + 2 * t.stat + 2 * t.grad;
  }
  return 0;
}

bool halve(BenchCase* c) {
  if (c->requested_shape.empty()) c->requested_shape = c->shape;
  const size_t lead = c->op == BenchOp::rms_norm
                          ? c->shape.size()
                          : c->shape.size() - static_cast<size_t>(c->normalized_rank);
  // rms: the batch, then the largest spatial dimension (never the channels);
  // layer norm: the batch, then the largest leading dimension, then the first normalized one.
  std::vector<size_t> order;
  order.push_back(0);
  std::vector<size_t> rest;
  for (size_t i = 1; i < lead; ++i)
    if (!(c->op == BenchOp::rms_norm && i == 1)) rest.push_back(i);
  std::stable_sort(rest.begin(), rest.end(),
                   [&](size_t a, size_t b) { return c->shape[a] > c->shape[b]; });
  order.insert(order.end(), rest.begin(), rest.end());
  if (c->op != BenchOp::rms_norm && c->shape.size() > static_cast<size_t>(c->normalized_rank))
    order.push_back(lead);
  for (size_t i : order) {
    if (i < c->shape.size() && c->shape[i] > 1 && !(c->op == BenchOp::rms_norm && i == 1)) {
      c->shape[i] = (c->shape[i] + 1) / 2;
      return true;
    }
  }
  return false;
}

bool scale_to_budget(BenchCase* c, uint64_t per_tensor_budget, uint64_t total_budget,
                     const std::string& reason) {
  const std::vector<int64_t> before = c->shape;
  while (largest_tensor_bytes(*c) > per_tensor_budget || allocated_bytes(*c) > total_budget) {
    if (!halve(c)) return false;
  }
  if (c->shape != before) {
    c->requested_shape = before;
    char buf[256];
    std::snprintf(buf, sizeof(buf), "scaled %s -> %s (%s: %.0f MiB per tensor)",
                  shape_string(before).c_str(), shape_string(c->shape).c_str(), reason.c_str(),
                  static_cast<double>(per_tensor_budget) / (1 << 20));
    c->scale_note = buf;
  }
  return true;
}

namespace {

BenchCase make(const char* name, BenchOp op, vknorm::DType dt, std::vector<int64_t> shape,
               int normalized_rank = 1) {
  BenchCase c;
  c.name = name;
  c.op = op;
  c.dtype = dt;
  c.shape = std::move(shape);
  c.normalized_rank = normalized_rank;
  c.eps = 1e-5;
  return c;
}

}  // namespace

std::vector<std::string> suite_names() { return {"kernelbench", "extended", "sweep", "smoke"}; }

namespace {

std::string sweep_name(const char* op, const std::vector<int64_t>& shape, vknorm::DType dt) {
  return std::string("sw_") + op + "_" + shape_string(shape) + "_" + vknorm::dtype_name(dt);
}

// The "Fast everywhere" sweep: the same list as bench/compare_torch.py's SWEEP (names must
// match: sweep_table.py joins the two JSON files on them). Grouped by shape with the dtype
// innermost, so that consecutive cases reuse the arena's slots (and x's fill when the dtype
// repeats).
std::vector<BenchCase> sweep_suite() {
  using vknorm::DType;
  std::vector<BenchCase> s;
  const DType dts[] = {DType::f32, DType::f16, DType::bf16};
  auto add = [&](const char* tag, BenchOp op, std::vector<int64_t> shape, int rank) {
    for (DType dt : dts) {
      BenchCase c = make("", op, dt, shape, rank);
      c.name = sweep_name(tag, shape, dt);
      s.push_back(c);
    }
  };
  // RMSNorm over channels (dim 1 of N x C x H x W), with weight.
  for (auto sh : std::vector<std::vector<int64_t>>{{112, 64, 512, 512}, {32, 256, 128, 128},
                                                  {16, 3, 1024, 1024}, {64, 1024, 32, 32}})
    add("rms", BenchOp::rms_norm, sh, 1);
  // RMSNorm over the last dimension, as RMSNorm over dim 1 of an (N, C) tensor.
  for (auto sh : std::vector<std::vector<int64_t>>{
           {1, 4096}, {32, 4096}, {4096, 4096}, {32768, 8192}, {65536, 128}})
    add("rmsrow", BenchOp::rms_norm, sh, 1);
  // LayerNorm forward (weight and bias): KernelBench #40 over 3 dims, then rows.
  add("ln", BenchOp::layer_norm, {16, 64, 256, 256}, 3);
  for (auto sh : std::vector<std::vector<int64_t>>{
           {262144, 768}, {32768, 8192}, {4096, 4096}, {1, 4096}, {4, 16777216}})
    add("ln", BenchOp::layer_norm, sh, 1);
  // LayerNorm backward, and forward + backward.
  for (BenchOp op : {BenchOp::layer_norm_backward, BenchOp::layer_norm_fwd_bwd}) {
    const char* tag = op == BenchOp::layer_norm_backward ? "lnbwd" : "lnfwdbwd";
    add(tag, op, {16, 64, 256, 256}, 3);
    for (auto sh : std::vector<std::vector<int64_t>>{{262144, 768}, {32768, 8192}, {4096, 4096}})
      add(tag, op, sh, 1);
  }
  return s;
}

}  // namespace

std::vector<BenchCase> suite(const std::string& name) {
  using vknorm::DType;
  std::vector<BenchCase> s;
  if (name == "kernelbench" || name == "extended") {
    // KernelBench level 1 #36 (RMSNorm over dim 1) and #40 (LayerNorm over the last three
    // dimensions, elementwise affine), as in shared/notes/measured.md.
    BenchCase rms = make("kb36_rms_norm", BenchOp::rms_norm, DType::f32, {112, 64, 512, 512});
    rms.affine = false;  // KernelBench's model has no weight: x / sqrt(mean(x^2, dim=1) + eps)
    s.push_back(rms);
    s.push_back(make("kb40_layer_norm_fwd", BenchOp::layer_norm, DType::f32, {16, 64, 256, 256}, 3));
    s.push_back(
        make("kb40_layer_norm_fwd_bwd", BenchOp::layer_norm_fwd_bwd, DType::f32, {16, 64, 256, 256}, 3));
  }
  if (name == "sweep") return sweep_suite();
  if (name == "smoke") {
    // Small and quick (seconds on lavapipe): for --self-test of the harness on a CPU device.
    s.push_back(make("smoke_rms_f32", BenchOp::rms_norm, DType::f32, {8, 64, 32, 32}));
    s.push_back(make("smoke_ln_f16", BenchOp::layer_norm, DType::f16, {1024, 1024}));
    s.push_back(make("smoke_ln_bwd_bf16", BenchOp::layer_norm_backward, DType::bf16, {512, 768}));
    s.push_back(
        make("smoke_ln_fwd_bwd_f32", BenchOp::layer_norm_fwd_bwd, DType::f32, {4, 16, 32, 32}, 3));
    s.push_back(make("smoke_rms_bf16", BenchOp::rms_norm, DType::bf16, {4, 32, 16, 16}));
    return s;
  }
  if (name == "extended") {
    s.push_back(make("rms_norm_f16", BenchOp::rms_norm, DType::f16, {112, 64, 512, 512}));
    s.push_back(make("rms_norm_bf16_odd", BenchOp::rms_norm, DType::bf16, {33, 96, 129, 257}));
    s.push_back(make("ln_rows_f16", BenchOp::layer_norm, DType::f16, {32768, 8192}));
    s.push_back(make("ln_rows_bf16", BenchOp::layer_norm, DType::bf16, {4096, 4096}));
    s.push_back(make("ln_rows_f32_short", BenchOp::layer_norm, DType::f32, {262144, 768}));
    s.push_back(make("ln_bwd_rows_f16", BenchOp::layer_norm_backward, DType::f16, {32768, 8192}));
    s.push_back(make("ln_fwd_bwd_bf16", BenchOp::layer_norm_fwd_bwd, DType::bf16, {4096, 4096}));
  }
  return s;
}

std::vector<BenchCase> kernel_parts(const BenchCase& c) {
  if (c.op != BenchOp::layer_norm_fwd_bwd) return {c};
  BenchCase f = c, b = c;
  f.op = BenchOp::layer_norm;
  b.op = BenchOp::layer_norm_backward;
  f.name = c.name.empty() ? "" : c.name + ".fwd";
  b.name = c.name.empty() ? "" : c.name + ".bwd";
  return {f, b};
}

}  // namespace vknorm_bench
