// Benchmark cases and suites: what to run (operator, shape, dtype, eps), how many bytes it
// must move at least, and how to shrink it to fit a memory budget.
#pragma once

#include "support/op_case.h"
#include "support/op_registry.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_bench {

// What a bench case times: one registered op case ("rms_norm", ...), or a composite, a
// sequence of op cases recorded in one command buffer ("layer_norm_fwd_bwd").
// The --op spellings: op-case names and aliases, and composite names; *out = the canonical name.
bool parse_bench_op(const std::string& s, std::string* out);
std::vector<std::string> bench_op_names();
// The op cases a bench op records, in order (empty: unknown name).
std::vector<const vknorm_support::OpCase*> bench_op_parts(const std::string& op);

struct BenchCase {
  std::string name;               // e.g. "kb36_rms_norm"; empty for single cases
  std::string model;              // the published model the case comes from (zoo), else empty
  std::string op = "rms_norm";    // a bench op (see parse_bench_op)
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;     // rms: (N, C, d1, ...); layer norm: (..., normalized dims)
  int normalized_rank = 1;        // layer norm: trailing dimensions normalized
  double eps = 1e-5;
  bool affine = true;             // rms: weight; layer norm: weight + bias
  int64_t groups = 0;             // group_norm: num_groups (0: the op case's default)
  vknorm::Activation activation = vknorm::Activation::none;  // group_norm: after the affine
  bool add_bias = false;  // add_layer_norm / add_rms_norm*: ONNX's skip bias (x + residual + bias)
  bool f32_params = false;  // weight / bias in fp32 beside 16-bit x (mixed precision)
  bool f32_residual = false;  // add_rms_norm*: residual / residual_out in fp32 beside 16-bit x
  vknorm::DType grad_dtype = vknorm::DType::f32;  // dweight / dbias (f32, else x's dtype)
  std::vector<int64_t> requested_shape;  // before scaling down (== shape when not scaled)
  std::string scale_note;         // why and how the shape was scaled, empty if not

  std::string label() const;      // "rms_norm f32 [112x64x512x512]"
  std::vector<const vknorm_support::OpCase*> parts() const { return bench_op_parts(op); }
  vknorm_support::BenchShape bench_shape() const;
  int64_t rows() const;           // layer norm: rows; rms: N * spatial
  int64_t row_length() const;     // layer norm: normalized elements; rms: C
  int64_t numel() const;
};

using vknorm_support::shape_string;  // "112x64x512x512"
// vknorm_support::parse_shape, refusing empty dimensions (nothing to time).
bool parse_shape(const std::string& s, std::vector<int64_t>* out);

// Minimal bytes moved (every input read once, every output written once): the sum of the
// parts' OpCase::minimal_bytes.
uint64_t minimal_bytes(const BenchCase& c);
// The tensors the bench allocates for the case: those of every part and of the parts' setup
// ops, by role, in first-use order.
std::vector<vknorm_support::BenchTensor> bench_tensors(const BenchCase& c);
// The setup op of each part that no earlier part produces (nullptr where none).
std::vector<const vknorm_support::OpCase*> setup_ops(const BenchCase& c);
// Bytes of the largest tensor and of all tensors the bench allocates for the case.
uint64_t largest_tensor_bytes(const BenchCase& c);
uint64_t allocated_bytes(const BenchCase& c);

// Halves the batch dimension (dim 0; then, at 1, the largest other non-normalized dimension)
// until the largest tensor fits `per_tensor_budget` and all fit `total_budget`. Sets
// requested_shape and scale_note. Returns false if it cannot fit even at one row.
bool scale_to_budget(BenchCase* c, uint64_t per_tensor_budget, uint64_t total_budget,
                     const std::string& reason);
// One halving step of the same kind (used when an allocation fails at run time).
bool halve(BenchCase* c);

// Named suites: "kernelbench", "extended", "sweep" (the Fast-everywhere sweep, ~90 cases),
// "llm", "zoo" (norm calls of published models, zoo_suite.cpp) and "smoke" (tiny, for
// --self-test on CPU devices). Empty result: unknown name.
std::vector<BenchCase> suite(const std::string& name);
std::vector<std::string> suite_names();
std::vector<BenchCase> zoo_suite();
std::vector<BenchCase> diffusion_suite();

// Adds the cases of a model suite (zoo, diffusion): one case per (model, call site), named
// <prefix>_<model slug>_<tag>_<shape>_<dtype>; tag names the call site ("rmslast", "gn32", ..).
struct ModelCases {
  std::vector<BenchCase>* out;
  const char* prefix;
  BenchCase& add(const char* model, const char* slug, const char* tag, const char* op, vknorm::DType dt,
                 std::vector<int64_t> shape, double eps, int normalized_rank = 1);
};
// A suite's case: name, op, dtype, shape and normalized rank; eps 1e-5, affine, no groups.
BenchCase make_case(const std::string& name, const char* op, vknorm::DType dt, std::vector<int64_t> shape,
                    int normalized_rank = 1);

// For the tuner: the single-kernel cases of a case (a composite -> its parts, named
// <name><suffix>, e.g. ".fwd", ".bwd").
std::vector<BenchCase> kernel_parts(const BenchCase& c);

}  // namespace vknorm_bench
