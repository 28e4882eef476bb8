// What layer_norm and add_layer_norm share (one kernel family, two op cases): inputs, roles,
// binding, the fp64 reference (of h = x + residual rounded to the storage dtype for the fused
// add) and the bench.
//   layer_norm       x
//   add_layer_norm   x + residual (in place: residual_out = residual)
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/op_registry.h"
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vknorm_support {

class LayerNormCase : public RowNormCase {
 public:
  explicit LayerNormCase(bool add) : add_(add) {}
  const char* name() const override { return add_ ? "add_layer_norm" : "layer_norm"; }
  std::vector<std::string> aliases() const override {
    if (add_) return {};
    return {"layer_norm_forward", "ln", "layernorm"};
  }
  int order() const override { return add_ ? 23 : 20; }
  bool uses_eps() const override { return true; }
  // In place: y = x, or residual_out = residual for the fused add.
  bool supports_in_place() const override { return true; }
  bool accepts_f32_params() const override { return true; }
  const char* in_place_input() const override { return add_ ? "residual" : "x"; }
  const char* in_place_output() const override { return add_ ? "residual_out" : "y"; }
  bool nan_inf_specified() const override { return true; }

  // nan_inf: rows with index % 6 == 1 / 2 / 3 / 4 get a NaN / +Inf / -Inf / +Inf and -Inf;
  // outlier_first: x[row, 0] = 1e4.
  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (spec.affine && in.D > 0) {
      in.weight = param_values(spec, in.D, 1, 1.0);
      in.bias = param_values(spec, in.D, 2, 0.0);
    }
    if (add_ && in.valid) in.residual = make_data(DataKind::normal, in.x.size(), sub_seed(spec.seed, 7), spec.dtype);
    if (add_ && in.valid && spec.add_bias && in.D > 0) in.add_bias = affine_values(spec, in.D, 5, 0.0);
    place_row_specials(spec, b.outlier, &in);
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    const std::vector<int64_t> norm = normalized_shape(spec, in), lead = leading_shape(spec, in);
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    if (add_) {
      t.push_back({"residual", false, spec.dtype, spec.shape, &in.residual});
      if (spec.optional_outputs || spec.in_place) t.push_back({"residual_out", true, spec.dtype, spec.shape, nullptr});
      if (spec.add_bias) t.push_back({"add_bias", false, spec.dtype, norm, &in.add_bias});
    }
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine) {
      t.push_back({"weight", false, spec.param_dtype(), norm, &in.weight});
      t.push_back({"bias", false, spec.param_dtype(), norm, &in.bias});
    }
    if (spec.optional_outputs) {
      t.push_back({"mean", true, vknorm::DType::f32, lead, nullptr});
      t.push_back({"rstd", true, vknorm::DType::f32, lead, nullptr});
    }
    return t;
  }

  template <class Args>
  std::unique_ptr<BoundOp> bind_args(const RoleLookup& v, const OpParams& p, Args a) const {
    a.x = v("x");
    a.y = v("y");
    a.weight = v("weight");
    a.bias = v("bias");
    a.mean = v("mean");
    a.rstd = v("rstd");
    a.normalized_rank = p.normalized_rank;
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }
  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    if (!add_) return bind_args(v, p, vknorm::LayerNormArgs{});
    vknorm::AddLayerNormArgs a{};
    a.residual = v("residual");
    a.residual_out = v("residual_out");
    a.add_bias = v("add_bias");
    return bind_args(v, p, a);
  }

  // h = x (+ residual, rounded to the storage dtype): what the norm reads.
  std::vector<double> h_of(const std::vector<double>& x, const std::vector<double>& residual, vknorm::DType dt) const {
    std::vector<double> h(x);
    if (add_)
      for (size_t i = 0; i < h.size() && i < residual.size(); ++i) h[i] = quantize(x[i] + residual[i], dt);
    return h;
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                     const OutputCheckFn& check) const override {
    std::vector<double> y, mean, rstd;
    std::vector<double> xa, ra;
    in.skip_sum_terms(&xa, &ra);
    const std::vector<double> h = h_of(xa, ra, spec.dtype);
    if (add_ && (spec.optional_outputs || spec.in_place)) check("residual_out", h, tolerance_for(spec.dtype), nullptr);
    layer_norm_reference(h, in.weight, in.bias, &y, &mean, &rstd, in.rows, in.D, spec.eps);
    // Conditioning: the device keeps the mean in fp32, so x - mean carries the rounding of
    // the mean, up to one fp32 ulp of |mean| here (a correctly rounded mean is within half
    // an ulp). y then moves by ulp(mean) * rstd * |w|, and the variance about the rounded
    // mean by ulp^2, i.e. rstd by (ulp * rstd)^2 relative. Negligible for centred data;
    // for large_mean rows (1e4 +- 1e-2, ulp 2^-10) it is the inherent error of any fp32
    // implementation, whereas E[x^2]-E[x]^2 would lose the variance completely.
    double cond = 0, wmax = 1;
    for (size_t r = 0; r < mean.size(); ++r)
      if (std::isfinite(mean[r]) && std::isfinite(rstd[r]))
        cond = std::max(cond, ulp32(mean[r]) * rstd[r]);
    for (double w : in.weight)
      if (std::isfinite(w)) wmax = std::max(wmax, std::fabs(w));
    Tolerance ty = tolerance_for(spec.dtype);
    ty.atol += cond * wmax;
    ty.rtol += cond * cond;
    // eps = 0 and a row of equal values: y = 0 * Inf, which vknorm.h leaves unspecified (the
    // fp32 mean of equal values need not equal them: NaN, +-Inf or finite by device).
    check("y", y, ty, [&](std::vector<double>& got) {
      for (size_t r = 0; r < rstd.size(); ++r)
        if (std::isinf(rstd[r]) && std::isfinite(mean[r]))
          for (size_t j = r * size_t(in.D); j < (r + 1) * size_t(in.D) && j < got.size(); ++j) got[j] = y[j];
    });
    // mean / rstd of rows holding NaN / Inf: vknorm.h specifies only that y is NaN there.
    auto ignore_nonfinite_rows = [&](const std::vector<double>& ref) {
      return [&ref, &mean](std::vector<double>& got) {
        for (size_t r = 0; r < got.size() && r < ref.size(); ++r)
          if (!std::isfinite(mean[r])) got[r] = ref[r];
      };
    };
    // The mean of centred data is a cancellation result (|mean| ~ |x| / sqrt(D)): its
    // rounding error scales with |x|, not with |mean|, so the nmse bound (relative to
    // sum mean^2) does not apply; the element-wise atol (1e-5, for |x| ~ 1) does.
    Tolerance tm = tolerance_for(vknorm::DType::f32);
    tm.max_nmse = std::numeric_limits<double>::infinity();
    check("mean", mean, tm, ignore_nonfinite_rows(mean));
    Tolerance tr = tolerance_for(vknorm::DType::f32);
    tr.rtol += cond * cond;
    // ... and rows of equal values with eps = 0: rstd = +Inf, which fp32 may see as a tiny
    // variance (a large finite rstd; unspecified in vknorm.h).
    check("rstd", rstd, tr, [&](std::vector<double>& got) {
      ignore_nonfinite_rows(rstd)(got);
      for (size_t r = 0; r < got.size() && r < rstd.size(); ++r)
        if (std::isinf(rstd[r])) got[r] = rstd[r];
    });
  }

  // x + y (+ residual + residual_out) + weight + bias + mean + rstd (mean / rstd fp32).
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    return (add_ ? 4 : 2) * b.big + (add_ && s.add_bias ? 3 : 2) * b.param + 2 * b.stat;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const std::vector<int64_t> norm = normalized(s), lead = leading(s);
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (add_) {
      t.push_back({"residual", s.dtype, s.shape});
      t.push_back({"residual_out", s.dtype, s.shape});
      if (s.add_bias) t.push_back({"add_bias", s.dtype, norm});
    }
    if (s.affine) {
      t.push_back({"weight", s.param_dtype(), norm});
      t.push_back({"bias", s.param_dtype(), norm});
    }
    t.push_back({"mean", vknorm::DType::f32, lead});
    t.push_back({"rstd", vknorm::DType::f32, lead});
    return t;
  }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const RowSample rs = sample_rows(run, s, max_samples);
    const int64_t D = row_length(s.shape, s.normalized_rank);
    std::vector<int64_t> index;
    std::vector<double> y_ref, mean_ref, rstd_ref, mean_got, rstd_got, xrow(static_cast<size_t>(D));
    std::vector<double> yrow, m, r, rrow(add_ ? static_cast<size_t>(D) : 0);
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j)
        xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
      for (size_t j = 0; j < rrow.size(); ++j)
        rrow[j] = run.input("residual", static_cast<uint64_t>(row * D) + j);
      std::vector<double> xa = xrow, ra = rrow;
      if (add_ && s.add_bias) skip_bias_terms(run.param("add_bias"), &xa, &ra);
      layer_norm_reference(h_of(xa, ra, s.dtype), run.param("weight"), run.param("bias"), &yrow, &m, &r, 1, D, eps);
      mean_ref.push_back(m[0]);
      rstd_ref.push_back(r[0]);
      mean_got.push_back(rs.mean_all[static_cast<size_t>(row)]);
      rstd_got.push_back(rs.rstd_all[static_cast<size_t>(row)]);
      for (int64_t j : rs.cols) y_ref.push_back(yrow[static_cast<size_t>(j)]);
      for (int64_t j : rs.cols) index.push_back(row * D + j);
    }
    bool ok = true;
    add("y", run.gather("y", index, s.dtype, &ok), y_ref, s.dtype, D);
    add("mean", mean_got, mean_ref, vknorm::DType::f32, D);
    add("rstd", rstd_got, rstd_ref, vknorm::DType::f32, D);
    return ok ? "" : "gathering outputs failed";
  }

 private:
  bool add_;
};

}  // namespace vknorm_support
