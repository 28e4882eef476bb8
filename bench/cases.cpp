#include "cases.h"

#include "support/op_case.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace vknorm_bench {

namespace {

// Composite bench ops: (name, [(op case, name suffix of the part for the tuner)]).
struct Composite {
  const char* name;
  std::vector<std::pair<const char*, const char*>> parts;
};
const std::vector<Composite>& composites() {
  static const std::vector<Composite> c = {
      {"layer_norm_fwd_bwd", {{"layer_norm", ".fwd"}, {"layer_norm_backward", ".bwd"}}},
  };
  return c;
}

}  // namespace

bool parse_bench_op(const std::string& s, std::string* out) {
  if (const vknorm_support::OpCase* op = vknorm_support::find_op_case(s)) {
    *out = op->name();
    return true;
  }
  for (const Composite& c : composites())
    if (s == c.name) {
      *out = c.name;
      return true;
    }
  return false;
}

std::vector<std::string> bench_op_names() {
  std::vector<std::string> v;
  for (const vknorm_support::OpCase* op : vknorm_support::op_cases()) v.push_back(op->name());
  for (const Composite& c : composites()) v.push_back(c.name);
  return v;
}

std::vector<const vknorm_support::OpCase*> bench_op_parts(const std::string& op) {
  if (const vknorm_support::OpCase* c = vknorm_support::find_op_case(op)) return {c};
  for (const Composite& c : composites())
    if (op == c.name) {
      std::vector<const vknorm_support::OpCase*> v;
      for (const auto& p : c.parts) v.push_back(vknorm_support::find_op_case(p.first));
      return v;
    }
  return {};
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
  std::string s = op + " " + vknorm::dtype_name(dtype) + " [" + shape_string(shape) + "]";
  const auto p = parts();
  if (!p.empty() && p[0]->uses_normalized_rank()) s += " norm" + std::to_string(normalized_rank);
  if (groups) s += " groups" + std::to_string(groups);
  if (activation != vknorm::Activation::none) s += std::string(" +") + vknorm_support::activation_name(activation);
  if (add_bias) s += " +bias";
  if (f32_params) s += " +f32params";
  if (f32_residual) s += " +f32residual";
  return s;
}

vknorm_support::BenchShape BenchCase::bench_shape() const {
  vknorm_support::BenchShape b;
  b.dtype = dtype;
  b.grad_dtype = grad_dtype;
  b.shape = shape;
  b.normalized_rank = normalized_rank;
  b.affine = affine;
  b.groups = groups;
  b.activation = activation;
  b.add_bias = add_bias;
  b.f32_params = f32_params;
  b.f32_residual = f32_residual;
  return b;
}

int64_t BenchCase::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t BenchCase::row_length() const {
  const auto p = parts();
  return p.empty() ? 1 : p[0]->row_length(shape, normalized_rank);
}

int64_t BenchCase::rows() const { return numel() / std::max<int64_t>(1, row_length()); }

uint64_t minimal_bytes(const BenchCase& c) {
  uint64_t sum = 0;
  for (const vknorm_support::OpCase* p : c.parts()) sum += p->minimal_bytes(c.bench_shape());
  return sum;
}

std::vector<const vknorm_support::OpCase*> setup_ops(const BenchCase& c) {
  const auto parts = c.parts();
  std::vector<const vknorm_support::OpCase*> v(parts.size(), nullptr);
  for (size_t i = 0; i < parts.size(); ++i) {
    const char* setup = parts[i]->setup_op();
    if (!setup) continue;
    bool produced = false;
    for (size_t k = 0; k < i; ++k) produced = produced || std::string(parts[k]->name()) == setup;
    if (!produced) v[i] = vknorm_support::find_op_case(setup);
  }
  return v;
}

std::vector<vknorm_support::BenchTensor> bench_tensors(const BenchCase& c) {
  std::vector<vknorm_support::BenchTensor> all;
  auto add = [&](const vknorm_support::OpCase* op) {
    for (const auto& t : op->bench_tensors(c.bench_shape())) {
      bool have = false;
      for (const auto& a : all) have = have || a.role == t.role;
      if (!have) all.push_back(t);
    }
  };
  const auto parts = c.parts();
  const auto setups = setup_ops(c);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (setups[i]) add(setups[i]);
    add(parts[i]);
  }
  return all;
}

uint64_t largest_tensor_bytes(const BenchCase& c) {
  return static_cast<uint64_t>(c.numel()) * vknorm::dtype_size(c.dtype);
}

uint64_t allocated_bytes(const BenchCase& c) {
  uint64_t sum = 0;
  for (const auto& t : bench_tensors(c)) sum += t.bytes();
  return sum;
}

bool halve(BenchCase* c) {
  if (c->requested_shape.empty()) c->requested_shape = c->shape;
  const auto parts = c->parts();
  if (parts.empty()) return false;
  for (size_t i : parts[0]->halving_order(c->shape, c->normalized_rank)) {
    if (i < c->shape.size() && c->shape[i] > 1) {
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

BenchCase make_case(const std::string& name, const char* op, vknorm::DType dt, std::vector<int64_t> shape,
                    int normalized_rank) {
  BenchCase c;
  c.name = name;
  c.op = op;
  c.dtype = dt;
  c.shape = std::move(shape);
  c.normalized_rank = normalized_rank;
  c.eps = 1e-5;
  return c;
}

BenchCase& ModelCases::add(const char* model, const char* slug, const char* tag, const char* op, vknorm::DType dt,
                           std::vector<int64_t> shape, double eps, int normalized_rank) {
  const std::string name = std::string(prefix) + "_" + slug + "_" + tag + "_" + shape_string(shape) + "_" +
                           vknorm::dtype_name(dt);
  BenchCase c = make_case(name, op, dt, std::move(shape), normalized_rank);
  c.model = model;
  c.eps = eps;
  out->push_back(c);
  return out->back();
}

std::vector<std::string> suite_names() { return {"kernelbench", "extended", "sweep", "llm", "zoo", "diffusion", "smoke"}; }

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
  auto add = [&](const char* tag, const char* op, std::vector<int64_t> shape, int rank) {
    for (DType dt : dts) {
      BenchCase c = make_case(sweep_name(tag, shape, dt), op, dt, shape, rank);
      s.push_back(c);
    }
  };
  // RMSNorm over channels (dim 1 of N x C x H x W), with weight.
  for (auto sh : std::vector<std::vector<int64_t>>{{112, 64, 512, 512}, {32, 256, 128, 128},
                                                  {16, 3, 1024, 1024}, {64, 1024, 32, 32}})
    add("rms", "rms_norm", sh, 1);
  // RMSNorm over the last dimension, as RMSNorm over dim 1 of an (N, C) tensor.
  for (auto sh : std::vector<std::vector<int64_t>>{
           {1, 4096}, {32, 4096}, {4096, 4096}, {32768, 8192}, {65536, 128}})
    add("rmsrow", "rms_norm", sh, 1);
  // LayerNorm forward (weight and bias): KernelBench #40 over 3 dims, then rows.
  add("ln", "layer_norm", {16, 64, 256, 256}, 3);
  for (auto sh : std::vector<std::vector<int64_t>>{
           {262144, 768}, {32768, 8192}, {4096, 4096}, {1, 4096}, {4, 16777216}})
    add("ln", "layer_norm", sh, 1);
  // LayerNorm backward, and forward + backward.
  for (auto [op, tag] : {std::pair<const char*, const char*>{"layer_norm_backward", "lnbwd"},
                         {"layer_norm_fwd_bwd", "lnfwdbwd"}}) {
    add(tag, op, {16, 64, 256, 256}, 3);
    for (auto sh : std::vector<std::vector<int64_t>>{{262144, 768}, {32768, 8192}, {4096, 4096}})
      add(tag, op, sh, 1);
  }
  // GroupNorm, 32 groups, f16, on Stable Diffusion UNet / VAE shapes (the small ones judged by
  // latency, (1, 128, 512, 512) by % roofline).
  for (auto sh : std::vector<std::vector<int64_t>>{{2, 320, 64, 64}, {2, 1280, 8, 8}, {1, 128, 512, 512}}) {
    BenchCase c = make_case(sweep_name("gn32", sh, DType::f16), "group_norm", DType::f16, sh);
    c.groups = 32;
    s.push_back(c);
  }
  return s;
}

// The norms of LLM engines (issue "The norms of LLM and transformer engines"); compare_torch
// reads the list from --list. 16-bit storage, last-dim rows.
std::vector<BenchCase> llm_suite() {
  using vknorm::DType;
  std::vector<BenchCase> s;
  auto add = [&](const char* tag, const char* op, std::vector<int64_t> shape) {
    for (DType dt : {DType::f16, DType::bf16}) {
      BenchCase c = make_case(std::string("llm_") + tag + "_" + shape_string(shape) + "_" + vknorm::dtype_name(dt),
                              op, dt, shape, 1);
      s.push_back(c);
    }
  };
  for (auto sh : std::vector<std::vector<int64_t>>{{1, 4096}, {32, 4096}, {4096, 4096}, {32768, 8192}, {65536, 128}})
    add("rmslast", "rms_norm_last", sh);
  for (auto sh : std::vector<std::vector<int64_t>>{{1, 4096}, {4096, 8192}, {32768, 8192}})
    add("addrms", "add_rms_norm", sh);
  for (auto sh : std::vector<std::vector<int64_t>>{{4096, 4096}, {32768, 8192}}) add("rmsq8", "rms_norm_last_q8", sh);
  add("addrmsq8", "add_rms_norm_q8", {4096, 8192});
  // float8 output (e4m3fn: dynamic per-token scale; the fused add: static scale), beside the
  // 16-bit and int8 outputs of the same shapes above; e5m2 on one shape each.
  for (auto sh : std::vector<std::vector<int64_t>>{{1, 4096}, {4096, 4096}, {32768, 8192}})
    add("rmsfp8", "rms_norm_last_fp8", sh);
  add("addrmsfp8", "add_rms_norm_fp8", {4096, 8192});
  add("rmsfp8e5m2", "rms_norm_last_fp8e5m2", {4096, 4096});
  add("addrmsfp8e5m2", "add_rms_norm_fp8e5m2", {4096, 8192});
  // float8 with a scale per 128 elements (DeepSeek-V3's hidden size 7168, and 4096 x 8192 as above).
  for (auto sh : std::vector<std::vector<int64_t>>{{1, 7168}, {4096, 7168}, {4096, 8192}})
    add("addrmsfp8g128", "add_rms_norm_fp8_g128", sh);
  // RMSNorm backward (dx and dweight from the forward's rstd).
  for (auto sh : std::vector<std::vector<int64_t>>{{4096, 4096}, {32768, 8192}}) add("rmsbwd", "rms_norm_backward", sh);
  // Fused residual add + LayerNorm (BERT / GPT-2 hidden sizes, and one row too long for a workgroup).
  for (auto sh : std::vector<std::vector<int64_t>>{{16384, 768}, {4096, 8192}, {32, 65536}}) add("addln", "add_layer_norm", sh);
  // ONNX Runtime's SkipLayerNormalization / SkipSimplifiedLayerNormalization: the bias added to
  // x + skip (BERT-base and a 4096-wide decoder, as exported graphs run them).
  const size_t skip_first = s.size();
  add("skipln", "add_layer_norm", {4096, 768});
  add("skipsln", "add_rms_norm", {4096, 4096});
  for (size_t i = skip_first; i < s.size(); ++i) s[i].add_bias = true;
  // Mixed precision: fp32 weight / bias beside 16-bit x (checkpoints keep norm weights in fp32),
  // on shapes that also run with 16-bit weights above (the cost of the mixed form).
  const size_t mixed_first = s.size();
  add("rmslast_f32p", "rms_norm_last", {4096, 4096});
  add("rmslast_f32p", "rms_norm_last", {32768, 8192});
  add("addrms_f32p", "add_rms_norm", {4096, 8192});
  add("rmsfp8_f32p", "rms_norm_last_fp8", {4096, 4096});
  add("addln_f32p", "add_layer_norm", {16384, 768});
  add("addln_f32p", "add_layer_norm", {4096, 8192});
  add("addln_f32p", "add_layer_norm", {32, 65536});
  for (size_t i = mixed_first; i < s.size(); ++i) s[i].f32_params = true;
  // The residual stream in fp32 (y in x's dtype), with and without fp32 weights.
  const size_t res_first = s.size();
  add("addrms_f32res", "add_rms_norm", {4096, 8192});
  add("addrms_f32res", "add_rms_norm", {32768, 8192});
  add("addrmsfp8_f32res", "add_rms_norm_fp8", {4096, 8192});
  for (size_t i = res_first; i < s.size(); ++i) s[i].f32_residual = true;
  add("addrms_f32res_f32p", "add_rms_norm", {4096, 8192});
  for (size_t i = s.size() - 2; i < s.size(); ++i) s[i].f32_residual = s[i].f32_params = true;
  // Gated RMSNorm: Qwen3-Next's per-head norm of the linear-attention output (32 heads of 128,
  // norm before the gate), Mamba-2 2.7B's d_ssm (gate first), prefill and decode.
  add("gatedrms", "gated_rms_norm", {4096, 32, 128});
  add("gatedrms", "gated_rms_norm", {1, 32, 128});
  add("gatedrms_zfirst", "gated_rms_norm_gate_first", {4096, 5120});
  add("gatedrms_zfirst", "gated_rms_norm_gate_first", {1, 5120});
  // QK-norm + RoPE (qk_norm_rope): q and k of three published models as (tokens, q_heads +
  // kv_heads, head_dim) packed buffers (groups = kv_heads), bf16, neox, positions 0 .. T - 1 and
  // a cos_sin_cache; decode (1), a prefill chunk (512) and a long prefill (8192).
  struct QkModel {
    const char* slug;
    const char* model;
    int64_t q_heads, kv_heads, head_dim;
  };
  for (const QkModel& m : {QkModel{"qwen3_8b", "Qwen3-8B", 32, 8, 128}, QkModel{"qwen3_30b_a3b", "Qwen3-30B-A3B", 32, 4, 128},
                           QkModel{"gemma3_12b", "Gemma-3-12B", 16, 8, 256}})
    for (int64_t T : {1, 512, 8192}) {
      const std::vector<int64_t> shape{T, m.q_heads + m.kv_heads, m.head_dim};
      BenchCase c = make_case(std::string("llm_qknormrope_") + m.slug + "_" + shape_string(shape) + "_bf16", "qk_norm_rope",
                              DType::bf16, shape, 1);
      c.model = m.model;
      c.groups = m.kv_heads;
      c.eps = 1e-6;
      s.push_back(c);
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
    BenchCase rms = make_case("kb36_rms_norm", "rms_norm", DType::f32, {112, 64, 512, 512});
    rms.affine = false;  // KernelBench's model has no weight: x / sqrt(mean(x^2, dim=1) + eps)
    s.push_back(rms);
    s.push_back(make_case("kb40_layer_norm_fwd", "layer_norm", DType::f32, {16, 64, 256, 256}, 3));
    s.push_back(
        make_case("kb40_layer_norm_fwd_bwd", "layer_norm_fwd_bwd", DType::f32, {16, 64, 256, 256}, 3));
    // #33: nn.BatchNorm2d(64) in training mode (weight 1, bias 0 at init; the call also updates
    // running_mean / running_var and writes the saved mean / invstd, as torch's does).
    s.push_back(make_case("kb33_batch_norm", "batch_norm", DType::f32, {64, 64, 512, 512}));
    // #34 nn.InstanceNorm2d(64): no affine, no running statistics (torch's defaults).
    BenchCase inst = make_case("kb34_instance_norm", "instance_norm", DType::f32, {112, 64, 512, 512});
    inst.affine = false;
    s.push_back(inst);
    // #35 nn.GroupNorm(8, 64): affine (weight 1, bias 0 at init).
    BenchCase grp = make_case("kb35_group_norm", "group_norm", DType::f32, {112, 64, 512, 512});
    grp.groups = 8;
    s.push_back(grp);
    // #38 x / mean(|x|, dim=1) and #39 x / ||x||_2 over dim 1 on (32768, 65535): no weight.
    for (auto [case_name, op] : {std::pair<const char*, const char*>{"kb38_l1_norm", "l1_norm"}, {"kb39_l2_norm", "l2_norm"}}) {
      BenchCase c = make_case(case_name, op, DType::f32, {32768, 65535});
      c.affine = false;
      s.push_back(c);
    }
    // #37 x / torch.norm(x, p='fro'): the whole (112, 64, 512, 512) tensor, 7.5 GB (windowed).
    s.push_back(make_case("kb37_frobenius_norm", "frobenius_norm", DType::f32, {112, 64, 512, 512}));
  }
  if (name == "sweep") return sweep_suite();
  if (name == "llm") return llm_suite();
  if (name == "zoo") return zoo_suite();
  if (name == "diffusion") return diffusion_suite();
  if (name == "smoke") {
    // Small and quick (seconds on lavapipe): for --self-test of the harness on a CPU device.
    s.push_back(make_case("smoke_rms_f32", "rms_norm", DType::f32, {8, 64, 32, 32}));
    s.push_back(make_case("smoke_ln_f16", "layer_norm", DType::f16, {1024, 1024}));
    s.push_back(make_case("smoke_ln_bwd_bf16", "layer_norm_backward", DType::bf16, {512, 768}));
    s.push_back(
        make_case("smoke_ln_fwd_bwd_f32", "layer_norm_fwd_bwd", DType::f32, {4, 16, 32, 32}, 3));
    s.push_back(make_case("smoke_rms_bf16", "rms_norm", DType::bf16, {4, 32, 16, 16}));
    s.push_back(make_case("smoke_rms_bwd_f16", "rms_norm_backward", DType::f16, {512, 768}));
    s.push_back(make_case("smoke_rms_last_f16", "rms_norm_last", DType::f16, {64, 4096}));
    s.push_back(make_case("smoke_add_rms_bf16", "add_rms_norm", DType::bf16, {32, 2048}));
    s.push_back(make_case("smoke_rms_q8_f16", "rms_norm_last_q8", DType::f16, {64, 1024}));
    s.push_back(make_case("smoke_rms_fp8_bf16", "rms_norm_last_fp8", DType::bf16, {64, 1024}));
    s.push_back(make_case("smoke_addrms_fp8e5m2_f16", "add_rms_norm_fp8e5m2", DType::f16, {64, 1024}));
    s.push_back(make_case("smoke_add_ln_bf16", "add_layer_norm", DType::bf16, {64, 1024}));
    s.push_back(make_case("smoke_l2_f16", "l2_norm", DType::f16, {8, 64, 16, 16}));
    s.push_back(make_case("smoke_bn_f32", "batch_norm", DType::f32, {4, 16, 16, 16}));
    BenchCase gn = make_case("smoke_gn_f16", "group_norm", DType::f16, {2, 64, 16, 16});
    gn.groups = 8;
    s.push_back(gn);
    BenchCase gn_nhwc = make_case("smoke_gn_nhwc_f16", "group_norm_nhwc", DType::f16, {2, 16, 16, 64});
    gn_nhwc.groups = 8;
    gn_nhwc.activation = vknorm::Activation::silu;
    s.push_back(gn_nhwc);
    s.push_back(make_case("smoke_in_bf16", "instance_norm", DType::bf16, {2, 16, 16, 16}));
    s.push_back(make_case("smoke_fro_f32", "frobenius_norm", DType::f32, {8, 64, 32, 32}));
    s.push_back(make_case("smoke_adaln_bf16", "ada_layer_norm", DType::bf16, {2, 64, 1152}));
    s.push_back(make_case("smoke_gated_adarms_f16", "gated_ada_rms_norm", DType::f16, {2, 64, 1536}));
    s.push_back(make_case("smoke_gated_rms_bf16", "gated_rms_norm_gate_first", DType::bf16, {64, 2048}));
    BenchCase qk = make_case("smoke_qk_norm_rope_bf16", "qk_norm_rope", DType::bf16, {64, 40, 128});
    qk.groups = 8;  // Qwen3-8B: 32 q + 8 kv heads
    s.push_back(qk);
    return s;
  }
  if (name == "extended") {
    s.push_back(make_case("rms_norm_f16", "rms_norm", DType::f16, {112, 64, 512, 512}));
    s.push_back(make_case("rms_norm_bf16_odd", "rms_norm", DType::bf16, {33, 96, 129, 257}));
    s.push_back(make_case("ln_rows_f16", "layer_norm", DType::f16, {32768, 8192}));
    s.push_back(make_case("ln_rows_bf16", "layer_norm", DType::bf16, {4096, 4096}));
    s.push_back(make_case("ln_rows_f32_short", "layer_norm", DType::f32, {262144, 768}));
    s.push_back(make_case("ln_bwd_rows_f16", "layer_norm_backward", DType::f16, {32768, 8192}));
    s.push_back(make_case("ln_fwd_bwd_bf16", "layer_norm_fwd_bwd", DType::bf16, {4096, 4096}));
  }
  return s;
}

std::vector<BenchCase> kernel_parts(const BenchCase& c) {
  for (const Composite& comp : composites()) {
    if (c.op != comp.name) continue;
    std::vector<BenchCase> v;
    for (const auto& [op, suffix] : comp.parts) {
      BenchCase p = c;
      p.op = op;
      p.name = c.name.empty() ? "" : c.name + suffix;
      v.push_back(p);
    }
    return v;
  }
  return {c};
}

}  // namespace vknorm_bench
