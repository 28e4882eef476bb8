// What rms_norm, l1_norm and l2_norm share (the same kernels over dim 1 of (N, C, spatial..),
// three op cases): inputs, roles, binding, the fp64 reference and the bench.
//   rms_norm   y = x / sqrt(mean_c(x^2) + eps) * w[c]
//   l1_norm    y = x / mean_c(|x|)      (LpNormArgs p = 1; every fifth column all zero: NaN)
//   l2_norm    y = x / ||x||_2 over c   (LpNormArgs p = 2; likewise)
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>

namespace vknorm_support {

class Dim1NormCase : public OpCase {
 public:
  explicit Dim1NormCase(int p) : p_(p) {}
  const char* name() const override { return p_ == 0 ? "rms_norm" : p_ == 1 ? "l1_norm" : "l2_norm"; }
  std::vector<std::string> aliases() const override {
    if (p_ == 0) return {"rms", "rmsnorm"};
    return {p_ == 1 ? "l1" : "l2"};
  }
  int order() const override { return p_ == 0 ? 10 : 60 + p_; }
  const char* shape_help() const override { return "N x C x spatial.."; }
  int min_rank() const override { return 2; }
  bool uses_normalized_rank() const override { return false; }
  bool uses_eps() const override { return p_ == 0; }
  bool supports_in_place() const override { return true; }
  bool nan_inf_specified() const override { return true; }
  bool has_optional_outputs() const override { return false; }
  VkDeviceSize misalign_bytes(vknorm::DType dt) const override { return vknorm::dtype_size(dt); }

  // nan_inf: columns (n, s) with index % 6 == 1 / 2 / 3 / 4 get a NaN / +Inf / -Inf / +Inf and
  // NaN (when C > 1); outlier_first: x[n, 0, s] = 1e4.
  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    const auto& sh = spec.shape;
    const size_t rank = sh.size();
    in.valid = rank >= 2 && !b.any_negative;
    in.N = rank >= 1 ? sh[0] : 1;
    in.C = rank >= 2 ? sh[1] : 1;
    in.S = rank >= 2 ? product(sh, 2, rank) : 1;
    if (b.any_negative) in.N = in.C = in.S = 0;
    if (spec.affine && in.C > 0 && p_ == 0) in.weight = affine_values(spec, in.C, 1, 1.0);
    // L1 / L2: every fifth column (n, s) is all zero (0 / 0 = NaN, documented in vknorm.h).
    if (p_ != 0 && in.valid && in.N * in.S > 2)
      for (int64_t col = 2; col < in.N * in.S; col += 5)
        for (int64_t ch = 0; ch < in.C; ++ch)
          in.x[static_cast<size_t>(((col / in.S) * in.C + ch) * in.S + col % in.S)] = 0.0;
    if (spec.data == DataKind::outlier_first && in.valid && in.C > 0)
      for (int64_t n = 0; n < in.N; ++n)
        for (int64_t s = 0; s < in.S; ++s) in.x[static_cast<size_t>(n * in.C * in.S + s)] = b.outlier;
    if (spec.data == DataKind::nan_inf && in.valid) {
      for (int64_t n = 0; n < in.N; ++n)
        for (int64_t s = 0; s < in.S; ++s) {
          const int64_t col = n * in.S + s;
          const int kind = static_cast<int>(col % 6);
          if (kind == 0 || kind == 5 || in.C == 0) continue;
          const int64_t c1 = static_cast<int64_t>(hash_at(spec.seed, static_cast<uint64_t>(col)) %
                                                  static_cast<uint64_t>(in.C));
          const int64_t c2 = (c1 + 1) % in.C;
          auto at = [&](int64_t c) -> double& {
            return in.x[static_cast<size_t>((n * in.C + c) * in.S + s)];
          };
          if (kind == 1) at(c1) = kNaN;
          if (kind == 2) at(c1) = kInf;
          if (kind == 3) at(c1) = -kInf;
          if (kind == 4) {
            at(c1) = kInf;
            if (in.C > 1) at(c2) = kNaN;
          }
        }
    }
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine && p_ == 0) t.push_back({"weight", false, spec.dtype, {in.C}, &in.weight});
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    if (p_ != 0) {
      vknorm::LpNormArgs a{};
      a.x = v("x");
      a.y = v("y");
      a.p = p_;
      a.config = p.config;
      return make_bound(a);
    }
    vknorm::RmsNormArgs a{};
    a.x = v("x");
    a.y = v("y");
    a.weight = v("weight");
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  void reference(const std::vector<double>& x, const std::vector<double>& w, std::vector<double>* y, int64_t N,
                 int64_t C, int64_t S, double eps) const {
    if (p_ == 0) rms_norm_reference(x, w, y, N, C, S, eps);
    else lp_norm_reference(x, y, N, C, S, p_);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                     const OutputCheckFn& check) const override {
    std::vector<double> y;
    reference(in.x, in.weight, &y, in.N, in.C, in.S, spec.eps);
    check("y", y, tolerance_for(spec.dtype, p_ == 0 ? 1 : in.C), nullptr);
  }

  uint64_t minimal_bytes(const BenchShape& s) const override {  // x + y (+ weight)
    const uint64_t es = vknorm::dtype_size(s.dtype);
    const uint64_t param = s.affine && p_ == 0 ? static_cast<uint64_t>(row_length(s.shape, 1)) * es : 0;
    return 2 * static_cast<uint64_t>(s.numel()) * es + param;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (s.affine && p_ == 0) t.push_back({"weight", s.dtype, {row_length(s.shape, 1)}});
    return t;
  }
  int64_t row_length(const std::vector<int64_t>& shape, int) const override {
    return shape.size() > 1 ? shape[1] : 1;
  }
  // The batch, then the largest spatial dimension; never the channels.
  std::vector<size_t> halving_order(const std::vector<int64_t>& shape, int) const override {
    std::vector<size_t> rest;
    for (size_t i = 2; i < shape.size(); ++i) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](size_t a, size_t b) { return shape[a] > shape[b]; });
    rest.insert(rest.begin(), 0);
    return rest;
  }
  std::vector<int64_t> minimal_shape(const std::vector<int64_t>& shape, int nr,
                                     int* out_rank) const override {
    *out_rank = nr;
    return {1, shape[1], 1};  // one spatial position
  }
  bool tunes_channel_split() const override { return true; }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                     const SampleCheckFn& add) const override {
    const int64_t N = s.shape[0], C = s.shape[1], S = s.numel() / (N * C);
    const std::vector<int64_t> columns = spread(N * S, std::max<int64_t>(1, max_samples / C));
    const size_t K = columns.size();
    std::vector<double> ref_by_column(K * static_cast<size_t>(C)), xcol(static_cast<size_t>(C)), ycol;
    for (size_t k = 0; k < K; ++k) {
      const int64_t n = columns[k] / S, sp = columns[k] % S;
      for (int64_t ch = 0; ch < C; ++ch)
        xcol[static_cast<size_t>(ch)] = run.input("x", static_cast<uint64_t>((n * C + ch) * S + sp));
      reference(xcol, run.param("weight"), &ycol, 1, C, 1, eps);
      std::copy(ycol.begin(), ycol.end(), ref_by_column.begin() + static_cast<long>(k * C));
    }
    // Channel-major order: consecutive sampled columns are consecutive in memory.
    std::vector<int64_t> index;
    std::vector<double> ref;
    for (int64_t ch = 0; ch < C; ++ch)
      for (size_t k = 0; k < K; ++k) {
        const int64_t n = columns[k] / S, sp = columns[k] % S;
        index.push_back((n * C + ch) * S + sp);
        ref.push_back(ref_by_column[k * static_cast<size_t>(C) + static_cast<size_t>(ch)]);
      }
    bool ok = true;
    const std::vector<double> got = run.gather("y", index, s.dtype, &ok);
    if (!ok) return "gathering y failed";
    add("y", got, ref, s.dtype, C);
    return "";
  }

 private:
  int p_;  // 0: RMSNorm; 1, 2: the L1 / L2 norm (LpNormArgs::p)
};

}  // namespace vknorm_support
