// One operator invocation on a HostDevice, checked against the fp64 reference: the unit that
// the tests and vknorm-check share. What differs per operator is the op's OpCase
// (support/op_registry.h, support/ops/<op>_case.cpp); run_case itself names no operator.
#pragma once

#include "support/compare.h"
#include "support/host_device.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_support {

class OpCase;

bool parse_dtype(const std::string& s, vknorm::DType* out);  // "f32" "f16" "bf16" (also fp32..)
// "3x65535" -> {3, 65535} (also ',' '*' 'X' separators and "[...]"); dims >= 0, rank 1..kMaxRank.
bool parse_shape(const std::string& s, std::vector<int64_t>* out);
// {3, 65535} -> "3x65535" (parse_shape reads it back; "," gives the label form "3,65535").
std::string shape_string(const std::vector<int64_t>& shape, const char* separator = "x");

enum class DataKind {
  uniform01,   // U[0,1), as KernelBench's torch.rand
  normal,      // N(0,1)
  large_mean,  // 1e4 + U[-1e-2, 1e-2): catastrophic cancellation for E[x^2]-E[x]^2
  nan_inf,     // normal, with a few NaN / +Inf / -Inf placed in some rows / columns
  outlier_first,  // normal, with 1e4 as the first element of each normalized row / column
};
const char* data_kind_name(DataKind k);
bool parse_data_kind(const std::string& s, DataKind* out);
// vknorm::Activation <-> "none", "silu", "gelu_tanh".
const char* activation_name(vknorm::Activation a);
bool parse_activation(const std::string& s, vknorm::Activation* out);

struct CaseSpec {
  const OpCase* op = nullptr;   // from op_cases() / find_op_case()
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;   // rms_norm: (N, C, d1, ...); layer_norm: (..., normalized dims)
  int normalized_rank = 1;      // layer_norm*: trailing dims normalized
  double eps = 1e-5;
  bool affine = true;           // rms_norm: weight; layer_norm: weight + bias
  uint64_t seed = 1;
  DataKind data = DataKind::normal;
  bool by_address = false;      // pass tensors as device addresses instead of VkBuffers
  VkDeviceSize misalign_bytes = 0;  // extra byte offset of every tensor inside its buffer
  bool in_place = false;        // rms_norm / layer_norm: y is x itself (the same view)
  const vknorm::KernelConfig* config = nullptr;  // override, else the selector's choice
  // layer_norm: also request mean / rstd; layer_norm_backward: also dweight / dbias;
  // rms_norm_backward: also dweight.
  bool optional_outputs = true;
  // rms_norm_backward: w_eff = weight_offset + weight (Gemma: 1); 0 elsewhere.
  double weight_offset = 0;
  // batch_norm (training): the running statistics' momentum (torch's default 0.1).
  double momentum = 0.1;
  // group_norm: num_groups (0: the op case's default, a divisor of C between 1 and C).
  int64_t groups = 0;
  // add_layer_norm / add_rms_norm*: a D-element bias added to x + residual (ONNX's skip bias).
  bool add_bias = false;
  // group_norm: the activation after the affine (GroupNormArgs::activation).
  vknorm::Activation activation = vknorm::Activation::none;
  // weight / bias stored in fp32 beside 16-bit x (mixed precision), where the op accepts it
  // (OpCase::accepts_f32_params); ignored for f32 x.
  bool f32_params = false;
  vknorm::DType param_dtype() const { return f32_params ? vknorm::DType::f32 : dtype; }
  // add_rms_norm*: residual / residual_out in fp32 beside 16-bit x (OpCase::accepts_f32_residual).
  bool f32_residual = false;
  vknorm::DType res_dtype() const { return f32_residual ? vknorm::DType::f32 : dtype; }
  std::string label() const;    // "rms_norm f32 [2,3,4] eps=1e-05 seed=1 normal"
};

struct OutputCheck {
  std::string name;  // "y", "mean", "rstd", "dx", "dweight", "dbias"
  ErrorStats stats;
  std::vector<double> got, ref;  // kept only when CaseRunOptions::keep_values
};

struct CaseResult {
  bool ran = false;        // the operator was recorded and executed
  bool skipped = false;    // the device lacks something optional; see skip_reason
  std::string skip_reason;
  vknorm::Error error;     // non-ok when recording was refused (not a skip)
  std::vector<OutputCheck> outputs;
  bool outputs_untouched = true;  // on error: the poisoned outputs still hold the poison
  bool pass = false;       // ran and every output within tolerance
  double seconds = 0;      // host wall time of the whole case (upload, run, download, compare)
  vknorm::KernelConfig config;
  std::string failure;     // short text of why it failed, empty on pass
};

struct CaseRunOptions {
  bool keep_values = false;
  // Record the operator this many times into the one command buffer (the outputs must come out
  // the same: not for in-place specs), separated by the barrier the synchronization contract
  // of vknorm.h asks of the caller (COMPUTE_SHADER/SHADER_WRITE -> COMPUTE_SHADER/SHADER_READ |
  // SHADER_WRITE), or by none when barrier_between is false (a deliberate hazard, for checking
  // that synchronization validation is really on).
  int repeats = 1;
  bool barrier_between = true;
};

// Allocates buffers (poisoned outputs), generates seeded inputs, records the operator in one
// command buffer, submits, waits, downloads and compares every output. Never throws; device
// features the case needs but the device lacks (16-bit storage, address binding) give
// skipped = true with the reason.
CaseResult run_case(HostDevice& device, const CaseSpec& spec, const CaseRunOptions& options = {});

// Deterministic inputs used by run_case (exposed for tools that time the same data).
// Counter-based (splitmix64 + Box-Muller written here, no <random> distributions), so the
// values do not depend on the platform's standard library; already quantized to `dtype`.
// nan_inf here: normal data with NaN, +Inf, -Inf at about 3 in 1000 positions (run_case
// instead places them per row / column, see make_case_inputs).
std::vector<double> make_data(DataKind kind, size_t n, uint64_t seed, vknorm::DType dtype);

// Every input run_case uploads (made by spec.op->make_inputs), as the exact stored values (quantized to spec.dtype; mean and
// rstd of layer_norm_backward are the fp64 statistics of x rounded to fp32). Geometry:
// rms_norm (N, C, S = product of spatial dims); layer_norm* (rows, D = product of the
// normalized dims). weight / bias are empty unless spec.affine (rms_norm: no bias).
// nan_inf: rms_norm columns (n, s) with index % 6 == 1 / 2 / 3 / 4 get a NaN / +Inf / -Inf /
// +Inf and NaN (when C > 1); layer_norm rows with index % 6 == 1 / 2 / 3 / 4 get a NaN / +Inf /
// -Inf / +Inf and -Inf; the other columns / rows stay finite.
// outlier_first: rms_norm x[n, 0, s] = 1e4, layer_norm x[row, 0] = 1e4 (a shift taken from the
// first element would be an outlier).
// The geometry fields are the op's own (an op case may add its meaning to them).
struct CaseInputs {
  int64_t N = 0, C = 0, S = 0;   // rms_norm
  int64_t rows = 0, D = 0;       // layer_norm, layer_norm_backward
  bool valid = false;            // the shape fits the op (rank, normalized_rank)
  std::vector<double> x, weight, bias, dy, mean, rstd;
  std::vector<double> residual;  // add_rms_norm
  std::vector<double> add_bias;  // add_layer_norm / add_rms_norm with CaseSpec::add_bias: D values
  std::vector<double> scale, shift, gate;  // ada_norm*: modulation rows (M x D values)
  std::vector<double> z;  // gated_rms_norm*: the gate, x's shape
  // qk_norm_rope*: k's weight (x's heads are q's then k's), positions (one per token), the
  // cos_sin_cache (max_position x rotary_dim, empty without one); q's weight is `weight`.
  std::vector<double> k_weight, positions, cos_sin_cache;
  // The two terms whose sum the reference rounds to the storage dtype as h: (x, residual), or
  // with add_bias the device's fp32 order of summation ((x + residual) + bias, see
  // skip_bias_terms), whose first rounding shows for fp32 data.
  void skip_sum_terms(std::vector<double>* a, std::vector<double>* b) const;
  // How many times run_case recorded the op back to back (CaseRunOptions::repeats): outputs
  // that start with values and are updated in place (batch_norm's running statistics) see
  // every call.
  int calls = 1;
};
CaseInputs make_case_inputs(const CaseSpec& spec);

// x <- fp32(x + residual), residual <- bias broadcast over rows (bias[i % D]): the two terms of
// h = (x + residual) + bias in the device's fp32 order. For whole tensors or single rows.
inline void skip_bias_terms(const std::vector<double>& bias, std::vector<double>* x, std::vector<double>* residual) {
  if (bias.empty()) return;
  for (size_t i = 0; i < x->size() && i < residual->size(); ++i) {
    (*x)[i] = static_cast<double>(static_cast<float>((*x)[i] + (*residual)[i]));
    (*residual)[i] = bias[i % bias.size()];
  }
}

inline void CaseInputs::skip_sum_terms(std::vector<double>* a, std::vector<double>* b) const {
  *a = x;
  *b = residual;
  skip_bias_terms(add_bias, a, b);
}

}  // namespace vknorm_support
