// Benchmark cases and suites: what to run (operator, shape, dtype, eps), how many bytes it
// must move at least, and how to shrink it to fit a memory budget.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_bench {

enum class BenchOp { rms_norm, layer_norm, layer_norm_backward, layer_norm_fwd_bwd };
const char* bench_op_name(BenchOp op);  // the --op spellings
bool parse_bench_op(const std::string& s, BenchOp* out);

struct BenchCase {
  std::string name;               // e.g. "kb36_rms_norm"; empty for single cases
  BenchOp op = BenchOp::rms_norm;
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;     // rms: (N, C, d1, ...); layer norm: (..., normalized dims)
  int normalized_rank = 1;        // layer norm: trailing dimensions normalized
  double eps = 1e-5;
  bool affine = true;             // rms: weight; layer norm: weight + bias
  vknorm::DType grad_dtype = vknorm::DType::f32;  // dweight / dbias (f32, else x's dtype)
  std::vector<int64_t> requested_shape;  // before scaling down (== shape when not scaled)
  std::string scale_note;         // why and how the shape was scaled, empty if not

  std::string label() const;      // "rms_norm f32 [112,64,512,512]"
  int64_t rows() const;           // layer norm: rows; rms: N * spatial
  int64_t row_length() const;     // layer norm: normalized elements; rms: C
  int64_t numel() const;
};

std::string shape_string(const std::vector<int64_t>& shape);  // "112x64x512x512"
// vknorm_support::parse_shape, refusing empty dimensions (nothing to time).
bool parse_shape(const std::string& s, std::vector<int64_t>* out);

// Minimal bytes moved (every input read once, every output written once):
//   rms:  x + y (+ weight)
//   LN forward:  x + y + weight + bias + mean + rstd
//   LN backward: dy + x + weight + mean + rstd + dx + dweight + dbias
//   fwd+bwd: the sum of both.
// mean/rstd are fp32, weight/bias in the case's dtype, dweight/dbias in grad_dtype.
uint64_t minimal_bytes(const BenchCase& c);
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

// Named suites: "kernelbench", "extended", "sweep" (the Fast-everywhere sweep, ~90 cases) and
// "smoke" (tiny, for --self-test on CPU devices). Empty result: unknown name.
std::vector<BenchCase> suite(const std::string& name);
std::vector<std::string> suite_names();

// For the tuner: the single-kernel cases of a case (fwd+bwd -> forward, backward).
std::vector<BenchCase> kernel_parts(const BenchCase& c);

}  // namespace vknorm_bench
