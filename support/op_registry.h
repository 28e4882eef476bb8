// The op-case registry: everything the tests, vknorm-check and vknorm-bench know about one
// operator lives in its support/ops/<op>_case.cpp, behind the OpCase interface below. The
// tools loop over op_cases(); none of them names an operator in a branch.
//
// Adding an operator: write support/ops/<op>_case.cpp defining one OpCase and the function
// `const OpCase& <op>_case()`; the build finds it (CMake globs support/ops/*_case.cpp and
// generates the registry list), see docs/adding-an-operator.md.
#pragma once

#include "support/compare.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vknorm_support {

struct CaseSpec;
struct CaseInputs;

// One library call with its arguments bound (the op's *Args struct inside): the calls that
// every operator has, so that a harness records any op without knowing which.
class BoundOp {
 public:
  virtual ~BoundOp() = default;
  virtual vknorm::Error scratch_size(vknorm::Context* ctx, VkDeviceSize* bytes) const = 0;
  // False when the op takes no scratch tensor (it uses the context's own).
  virtual bool takes_scratch() const = 0;
  virtual void set_scratch(const vknorm::Tensor& scratch) = 0;
  virtual void set_config(const vknorm::KernelConfig* config) = 0;
  virtual vknorm::Error prepare(vknorm::Context* ctx) const = 0;
  virtual vknorm::Error select(vknorm::Context* ctx, vknorm::KernelConfig* out) const = 0;
  virtual vknorm::Error record(vknorm::Context* ctx, VkCommandBuffer cmd) const = 0;
  virtual vknorm::Error describe(vknorm::Context* ctx,
                                 std::vector<vknorm::DispatchInfo>* out) const = 0;
};

// The scalar arguments of a call (tensors come from the role lookup).
struct OpParams {
  int normalized_rank = 1;
  double eps = 1e-5;
  double weight_offset = 0;  // rms_norm_backward
  double momentum = 0.1;     // batch_norm, instance_norm
  int64_t groups = 0;        // group_norm (0: the op case's default)
  vknorm::Activation activation = vknorm::Activation::none;  // group_norm: after the affine
  const vknorm::KernelConfig* config = nullptr;
};

// A tensor view by role name ("x", "y", "weight", ...); an unset Tensor when the role is absent.
using RoleLookup = std::function<vknorm::Tensor(const std::string& role)>;

// One tensor of a case, as the harness allocates it.
struct TensorRole {
  std::string name;              // "x", "y", "weight", "bias", "mean", "rstd", "dy", "dx", ...
  bool output = false;
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;
  const std::vector<double>* values = nullptr;  // inputs: the stored values
};

// A tensor the bench allocates (bench/arena.h slots are named after the roles).
struct BenchTensor {
  std::string role;
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;
  bool grad = false;  // a parameter gradient, in BenchShape::grad_dtype
  uint64_t bytes() const;
};

// The shape facts the bench needs about a case (no buffers, no data).
struct BenchShape {
  vknorm::DType dtype = vknorm::DType::f32;
  vknorm::DType grad_dtype = vknorm::DType::f32;  // gradients of parameters
  std::vector<int64_t> shape;
  int normalized_rank = 1;
  bool affine = true;
  int64_t groups = 0;  // group_norm: num_groups (0: the op case's default)
  vknorm::Activation activation = vknorm::Activation::none;  // group_norm: after the affine
  bool add_bias = false;  // add_layer_norm / add_rms_norm*: a D-element bias added to x + residual
  bool f32_params = false;  // weight / bias in fp32 beside 16-bit x (OpCase::accepts_f32_params)
  vknorm::DType param_dtype() const { return f32_params ? vknorm::DType::f32 : dtype; }
  bool f32_residual = false;  // residual / residual_out in fp32 beside 16-bit x (add_rms_norm*)
  vknorm::DType res_dtype() const { return f32_residual ? vknorm::DType::f32 : dtype; }
  int64_t numel() const;
};

// Checks one output against its reference (implemented by the harness that ran the case).
using OutputCheckFn = std::function<void(const std::string& name, const std::vector<double>& ref,
                                         Tolerance tol,
                                         const std::function<void(std::vector<double>&)>& adjust)>;

// The bench's view of a finished run: periodic inputs by role, outputs gathered on demand.
class SampledRun {
 public:
  virtual ~SampledRun() = default;
  virtual double input(const std::string& role, uint64_t i) const = 0;   // "x", "dy"
  virtual const std::vector<double>& param(const std::string& role) const = 0;  // "weight"..
  virtual std::vector<double> gather(const std::string& role, const std::vector<int64_t>& index,
                                     vknorm::DType dtype, bool* ok) = 0;
  virtual std::vector<double> download(const std::string& role, int64_t n, vknorm::DType dtype) = 0;
};
// Records one sampled output: (name, got, ref, dtype, reduction length for the tolerance).
using SampleCheckFn = std::function<void(const char* name, const std::vector<double>& got,
                                         const std::vector<double>& ref, vknorm::DType dtype,
                                         int64_t reduction)>;
// About `count` indices in [0, total), as runs of up to 64 consecutive indices spread evenly.
std::vector<int64_t> spread(int64_t total, int64_t count);

class OpCase {
 public:
  virtual ~OpCase() = default;

  // --- names and text forms ---
  virtual const char* name() const = 0;                    // "rms_norm": labels, --case, --op
  virtual std::vector<std::string> aliases() const = 0;   // other accepted spellings
  virtual int order() const = 0;                           // position in reports (ascending)
  virtual const char* shape_help() const = 0;              // "N x C x spatial.."

  // --- what the op accepts ---
  virtual int min_rank() const = 0;                  // smallest rank of x the op can run
  virtual int max_rank() const { return vknorm::kMaxRank; }  // largest rank of x it can run
  // Brings a drawn shape (vknorm-check --random) into the op's domain where a dimension has a
  // lower bound of its own (qk_norm_rope: two heads, a rotary pair); rank is already in range.
  virtual void fit_drawn_shape(std::vector<int64_t>* /*shape*/) const {}
  virtual bool uses_normalized_rank() const = 0;     // labels / repro show nr=
  virtual bool uses_eps() const = 0;                 // the op reads eps
  virtual bool supports_in_place() const = 0;        // y may be x
  virtual bool nan_inf_specified() const = 0;        // vknorm.h specifies NaN / Inf behaviour
  virtual bool has_optional_outputs() const = 0;     // outputs the caller may leave out
  // Byte shift of a "misaligned" case: one element, or 4 where the op binds fp32 tensors.
  virtual VkDeviceSize misalign_bytes(vknorm::DType dtype) const = 0;
  // The input role that the output named `output` replaces in place ("x" for "y").
  virtual const char* in_place_input() const { return "x"; }
  virtual const char* in_place_output() const { return "y"; }
  // weight / bias may be fp32 beside 16-bit x (CaseSpec::f32_params, BenchShape::f32_params).
  virtual bool accepts_f32_params() const { return false; }
  // residual / residual_out may be fp32 beside 16-bit x (CaseSpec / BenchShape::f32_residual).
  virtual bool accepts_f32_residual() const { return false; }

  // --- the conformance harness (support/op_case.cpp) ---
  virtual CaseInputs make_inputs(const CaseSpec& spec) const = 0;
  // Every tensor of the case, in allocation order. normalized_shape / leading_shape come from
  // the spec; in-place handling is the harness's (it drops in_place_input()).
  virtual std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const = 0;
  virtual std::unique_ptr<BoundOp> bind(const RoleLookup& views, const OpParams& p) const = 0;
  // Compares every output with the fp64 reference, through `check`.
  virtual void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                             const OutputCheckFn& check) const = 0;
  // Why the harness skips a spec (empty: it runs), beyond device capabilities.
  virtual std::string skip_reason(const CaseSpec& spec) const;

  // --- the bench ---
  // Bytes every input read once and every output written once.
  virtual uint64_t minimal_bytes(const BenchShape& s) const = 0;
  // Tensors the bench allocates for this op (union over a composite's parts is taken by name).
  virtual std::vector<BenchTensor> bench_tensors(const BenchShape& s) const = 0;
  // Elements of one normalized row (rms_norm: C) and rows (numel / row length).
  virtual int64_t row_length(const std::vector<int64_t>& shape, int normalized_rank) const = 0;
  // Dimensions that may be halved to fit a budget, in order of preference.
  virtual std::vector<size_t> halving_order(const std::vector<int64_t>& shape,
                                            int normalized_rank) const = 0;
  // The smallest call of the op of this row length: (shape, normalized_rank).
  virtual std::vector<int64_t> minimal_shape(const std::vector<int64_t>& shape,
                                             int normalized_rank, int* out_rank) const = 0;
  // Compares sampled outputs of a bench run with the fp64 reference (a run of any size).
  // Returns an error text when outputs could not be read back, else "".
  virtual std::string sampled_check(SampledRun& run, const BenchShape& s, double eps,
                             int64_t max_samples, const SampleCheckFn& add) const = 0;
  // The op whose outputs this op reads (run once before timing), or nullptr.
  virtual const char* setup_op() const { return nullptr; }
  // Config fields the tuner varies beyond workgroup_size / items / split / wave_bytes.
  virtual bool tunes_channel_split() const { return false; }
  virtual bool tunes_rows_per_workgroup() const { return false; }
};

// Every registered op case, in order().
const std::vector<const OpCase*>& op_cases();
// By name() or alias; nullptr when unknown.
const OpCase* find_op_case(const std::string& name);
// "rms_norm, layer_norm, layer_norm_backward"
std::string op_case_names();

}  // namespace vknorm_support
