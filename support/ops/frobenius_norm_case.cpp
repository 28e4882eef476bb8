// frobenius_norm (y = x / ||x||_F over the whole tensor, KernelBench #37): everything the tests,
// vknorm-check and vknorm-bench know about the operator.
// CaseInputs: x only (N = numel). With spec.optional_outputs the call also writes `norm`
// (fp32, 1 element). nan_inf: one NaN, one +Inf, or a +Inf and a -Inf (by seed), which turn the
// whole y into NaN, or NaN at the infinities and 0 elsewhere; outlier_first: x[0] = 1e4.
#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>

namespace vknorm_support {

namespace {

class FrobeniusNormCase : public OpCase {
 public:
  const char* name() const override { return "frobenius_norm"; }
  std::vector<std::string> aliases() const override { return {"fro", "frobenius"}; }
  int order() const override { return 95; }
  const char* shape_help() const override { return "any shape (the whole tensor is normalized)"; }
  int min_rank() const override { return 1; }
  bool uses_normalized_rank() const override { return false; }
  bool uses_eps() const override { return false; }
  bool supports_in_place() const override { return true; }
  bool nan_inf_specified() const override { return true; }
  bool has_optional_outputs() const override { return true; }
  // The norm output is fp32: a 4-byte shift keeps it aligned.
  VkDeviceSize misalign_bytes(vknorm::DType) const override { return 4; }

  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    in.valid = !spec.shape.empty() && !b.any_negative;
    in.N = in.valid ? product(spec.shape, 0, spec.shape.size()) : 0;
    if (in.N == 0) return in;
    if (spec.data == DataKind::outlier_first) in.x[0] = b.outlier;
    if (spec.data == DataKind::nan_inf) {
      const size_t i = static_cast<size_t>(hash_at(spec.seed, 0) % static_cast<uint64_t>(in.N));
      const size_t j = static_cast<size_t>(hash_at(spec.seed, 1) % static_cast<uint64_t>(in.N));
      const uint64_t kind = spec.seed % 3;
      in.x[i] = kind == 0 ? kNaN : kInf;
      if (kind == 2 && j != i) in.x[j] = -kInf;
    }
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.optional_outputs) t.push_back({"norm", true, vknorm::DType::f32, {1}, nullptr});
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::FrobeniusNormArgs a{};
    a.x = v("x");
    a.y = v("y");
    a.norm = v("norm");
    a.config = p.config;
    return make_bound(a);
  }

  // y: the dtype's tolerance; every element shares one scale, whose fp32 error stays near
  // fp32's own (the kernels' short summation chains). norm: fp32.
  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    std::vector<double> y;
    const double norm = frobenius_norm_reference(in.x, &y);
    check("y", y, tolerance_for(spec.dtype), nullptr);
    if (spec.optional_outputs) check("norm", {norm}, tolerance_for(vknorm::DType::f32), nullptr);
  }

  // x is read twice (the norm needs every element before any y can be written; a tensor larger
  // than the caches comes from memory again) and y written once. The fp32 partials are noise.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    return 3 * static_cast<uint64_t>(s.numel()) * vknorm::dtype_size(s.dtype);
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    return {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
  }
  // One "row": the whole tensor.
  int64_t row_length(const std::vector<int64_t>& shape, int) const override {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // Any dimension may be halved: the largest first.
  std::vector<size_t> halving_order(const std::vector<int64_t>& shape, int) const override {
    std::vector<size_t> order(shape.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return shape[a] > shape[b]; });
    return order;
  }
  std::vector<int64_t> minimal_shape(const std::vector<int64_t>&, int nr, int* out_rank) const override {
    *out_rank = nr;
    return {1};  // one element: still the three passes
  }

  // The fp64 norm over every element of x on the host (the bench's inputs are a periodic
  // pattern, read through run.input: seconds for KernelBench's 1.9e9 elements), then y at
  // sampled positions against x / norm. The bench allocates no `norm` tensor.
  std::string sampled_check(SampledRun& run, const BenchShape& s, double, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t n = s.numel();
    if (n == 0) return "";
    double sum = 0;
    constexpr int64_t kBlock = 1 << 16;  // blocked: the fp64 sum's error stays negligible
    for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
      double part = 0;
      for (int64_t i = b0; i < std::min(n, b0 + kBlock); ++i) {
        const double v = run.input("x", static_cast<uint64_t>(i));
        part += v * v;
      }
      sum += part;
    }
    const double norm = std::sqrt(sum);
    const std::vector<int64_t> index = spread(n, max_samples);
    std::vector<double> ref;
    for (int64_t i : index) ref.push_back(run.input("x", static_cast<uint64_t>(i)) / norm);
    bool ok = true;
    const std::vector<double> got = run.gather("y", index, s.dtype, &ok);
    if (!ok) return "gathering y failed";
    add("y", got, ref, s.dtype, 1);
    return "";
  }
};

}  // namespace

const OpCase& frobenius_norm_case() {
  static const FrobeniusNormCase c;
  return c;
}

}  // namespace vknorm_support
