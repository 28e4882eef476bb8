// The adaptive norms of DiT blocks (ada_norm, vknorm.h's AdaNormArgs), one op-case class
// registered four times: the norm (LayerNorm / RMSNorm) times whether the gated residual add
// of a DiT block comes first.
//   ada_layer_norm / ada_rms_norm              y = norm(x) * (1 + scale) + shift
//   gated_ada_layer_norm / gated_ada_rms_norm  h = residual + gate * x, residual_out = h,
//                                              y = norm(h) * (1 + scale) + shift
// The modulation tensors have shape (shape[0], 1, .., D): per sample for x (B, T, D), per row
// for x (rows, D), one row for x (D). weight (and bias for LayerNorm) with CaseSpec::affine.
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/op_registry.h"
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm_support {

class AdaNormCase : public RowNormCase {
 public:
  AdaNormCase(vknorm::NormKind norm, bool gated) : norm_(norm), gated_(gated) {}
  const char* name() const override {
    if (norm_ == vknorm::NormKind::rms) return gated_ ? "gated_ada_rms_norm" : "ada_rms_norm";
    return gated_ ? "gated_ada_layer_norm" : "ada_layer_norm";
  }
  std::vector<std::string> aliases() const override {
    if (gated_) return {};
    return {norm_ == vknorm::NormKind::rms ? "ada_rmsnorm" : "adaln"};
  }
  int order() const override { return 40 + (norm_ == vknorm::NormKind::rms ? 2 : 0) + (gated_ ? 1 : 0); }
  const char* shape_help() const override { return "leading.. x D (modulation per shape[0])"; }
  bool uses_normalized_rank() const override { return false; }  // the last dim
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return true; }
  bool accepts_f32_params() const override { return true; }
  const char* in_place_input() const override { return gated_ ? "residual" : "x"; }
  const char* in_place_output() const override { return gated_ ? "residual_out" : "y"; }
  bool nan_inf_specified() const override { return true; }
  bool has_optional_outputs() const override { return gated_; }  // residual_out
  int64_t row_length(const std::vector<int64_t>& shape, int) const override {
    return shape.empty() ? 0 : shape.back();
  }

  // (shape[0], 1, .., D): the modulation rows of a case.
  static std::vector<int64_t> mod_shape(const std::vector<int64_t>& shape) {
    std::vector<int64_t> m(shape.size(), 1);
    if (shape.empty()) return m;
    m.back() = shape.back();
    if (shape.size() > 1) m[0] = shape[0];
    return m;
  }
  static int64_t mod_rows(const std::vector<int64_t>& shape) { return shape.size() > 1 ? shape[0] : 1; }

  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (in.valid && in.D > 0) {
      if (spec.affine) {
        in.weight = param_values(spec, in.D, 1, 1.0);
        if (norm_ == vknorm::NormKind::layer) in.bias = param_values(spec, in.D, 2, 0.0);
      }
      const int64_t m = mod_rows(spec.shape) * in.D;
      in.scale = affine_values(spec, m, 8, 0.0);
      for (double& v : in.scale) v = quantize(v * 5, spec.dtype);  // (1 + scale) in [0.5, 1.5]
      in.shift = affine_values(spec, m, 9, 0.0);
      if (gated_) {
        in.gate = affine_values(spec, m, 10, 0.5);
        in.residual = make_data(DataKind::normal, in.x.size(), sub_seed(spec.seed, 7), spec.dtype);
      }
    }
    place_row_specials(spec, b.outlier, &in);
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    const std::vector<int64_t> norm = {spec.shape.empty() ? 0 : spec.shape.back()}, mod = mod_shape(spec.shape);
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    if (gated_) {
      t.push_back({"residual", false, spec.dtype, spec.shape, &in.residual});
      t.push_back({"gate", false, spec.dtype, mod, &in.gate});
      if (spec.optional_outputs || spec.in_place) t.push_back({"residual_out", true, spec.dtype, spec.shape, nullptr});
    }
    t.push_back({"scale", false, spec.dtype, mod, &in.scale});
    t.push_back({"shift", false, spec.dtype, mod, &in.shift});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine) {
      t.push_back({"weight", false, spec.param_dtype(), norm, &in.weight});
      if (norm_ == vknorm::NormKind::layer) t.push_back({"bias", false, spec.param_dtype(), norm, &in.bias});
    }
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::AdaNormArgs a;
    a.x = v("x");
    a.residual = v("residual");
    a.gate = v("gate");
    a.residual_out = v("residual_out");
    a.scale = v("scale");
    a.shift = v("shift");
    a.weight = v("weight");
    a.bias = v("bias");
    a.y = v("y");
    a.norm = norm_;
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    std::vector<double> h, y, mean, rstd;
    ada_norm_reference(in.x, in.residual, in.gate, in.scale, in.shift, in.weight, in.bias,
                       norm_ == vknorm::NormKind::rms, 1.0, spec.dtype, in.rows, in.D, spec.eps, &h, &y, &mean,
                       &rstd);
    if (gated_ && (spec.optional_outputs || spec.in_place)) check("residual_out", h, tolerance_for(spec.dtype), nullptr);
    // As LayerNorm (support/ops/layer_norm.h): the fp32 mean's rounding moves y by
    // ulp(mean) * rstd * |w| * |modulation factor|.
    double cond = 0, wmax = 1, smax = 1;
    for (size_t r = 0; r < mean.size(); ++r)
      if (std::isfinite(mean[r]) && std::isfinite(rstd[r])) cond = std::max(cond, ulp32(mean[r]) * rstd[r]);
    for (double w : in.weight)
      if (std::isfinite(w)) wmax = std::max(wmax, std::fabs(w));
    for (double s : in.scale) smax = std::max(smax, std::fabs(1.0 + s));
    Tolerance ty = tolerance_for(spec.dtype);
    ty.atol += cond * wmax * smax;
    ty.rtol += cond * cond;
    // eps = 0 and a row of equal values: unspecified, as LayerNorm's (vknorm.h).
    check("y", y, ty, [&](std::vector<double>& got) {
      for (size_t r = 0; r < rstd.size(); ++r)
        if (std::isinf(rstd[r]) && std::isfinite(mean[r]))
          for (size_t j = r * size_t(in.D); j < (r + 1) * size_t(in.D) && j < got.size(); ++j) got[j] = y[j];
    });
  }

  // x + y (+ residual + residual_out) + the modulation rows + weight / bias.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    const uint64_t es = vknorm::dtype_size(s.dtype);
    const uint64_t mod = static_cast<uint64_t>(mod_rows(s.shape) * row_length(s.shape, 1)) * es;
    const uint64_t params = norm_ == vknorm::NormKind::layer ? 2 * b.param : b.param;
    return (gated_ ? 4 : 2) * b.big + (gated_ ? 3 : 2) * mod + params;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const std::vector<int64_t> norm = {s.shape.back()}, mod = mod_shape(s.shape);
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (gated_) {
      t.push_back({"residual", s.dtype, s.shape});
      t.push_back({"residual_out", s.dtype, s.shape});
      t.push_back({"gate", s.dtype, mod});
    }
    t.push_back({"scale", s.dtype, mod});
    t.push_back({"shift", s.dtype, mod});
    if (s.affine) {
      t.push_back({"weight", s.param_dtype(), norm});
      if (norm_ == vknorm::NormKind::layer) t.push_back({"bias", s.param_dtype(), norm});
    }
    return t;
  }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t D = s.shape.back(), rows = s.numel() / std::max<int64_t>(1, D);
    const int64_t per = rows / std::max<int64_t>(1, mod_rows(s.shape));
    const RowSample rs = sample_positions(s, max_samples);
    std::vector<int64_t> index;
    std::vector<double> y_ref, h_ref, xrow(static_cast<size_t>(D)), rrow(gated_ ? static_cast<size_t>(D) : 0);
    // One modulation row of a vector (the sampled row's).
    auto mod_row = [&](const char* role, int64_t m) {
      const std::vector<double>& v = run.param(role);
      if (v.empty()) return std::vector<double>{};
      return std::vector<double>(v.begin() + m * D, v.begin() + (m + 1) * D);
    };
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j) xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
      for (size_t j = 0; j < rrow.size(); ++j) rrow[j] = run.input("residual", static_cast<uint64_t>(row * D) + j);
      const int64_t m = row / std::max<int64_t>(1, per);
      std::vector<double> h, y;
      ada_norm_reference(xrow, rrow, mod_row("gate", m), mod_row("scale", m), mod_row("shift", m),
                         run.param("weight"), run.param("bias"), norm_ == vknorm::NormKind::rms, 1.0, s.dtype, 1, D,
                         eps, &h, &y, nullptr, nullptr);
      for (int64_t j : rs.cols) {
        y_ref.push_back(y[static_cast<size_t>(j)]);
        h_ref.push_back(h[static_cast<size_t>(j)]);
        index.push_back(row * D + j);
      }
    }
    bool ok = true;
    add("y", run.gather("y", index, s.dtype, &ok), y_ref, s.dtype, D);
    if (gated_) add("residual_out", run.gather("residual_out", index, s.dtype, &ok), h_ref, s.dtype, 1);
    return ok ? "" : "gathering outputs failed";
  }

 private:
  vknorm::NormKind norm_;
  bool gated_;
};

}  // namespace vknorm_support
