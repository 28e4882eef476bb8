// The adaptive norms of DiT blocks (ada_norm, vknorm.h's AdaNormArgs), one op-case class
// registered four times: the norm (LayerNorm / RMSNorm) times whether the gated residual add
// of a DiT block comes first.
//   ada_layer_norm / ada_rms_norm              y = norm(x) * (1 + scale) + shift
//   gated_ada_layer_norm / gated_ada_rms_norm  h = residual + gate * x, residual_out = h,
//                                              y = norm(h) * (1 + scale) + shift
// Quantized y (ada_norm_row_q8; codes as rms_norm_last's quantized cases, support/ops/rms_norm_last.h):
//   ada_layer_norm_q8         int8 y, dynamic per-row scale (y_scale)
//   ada_layer_norm_fp8        float8 e4m3fn y, dynamic scale
//   ada_rms_norm_fp8e5m2      float8 e5m2 y, dynamic scale
//   gated_ada_layer_norm_fp8  float8 e4m3fn y, static scale 4 / 448 (|y| > 4 saturates)
// The modulation tensors have shape (shape[0], 1, .., D): per sample for x (B, T, D), per row
// for x (rows, D), one row for x (D). weight (and bias for LayerNorm) with CaseSpec::affine.
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/op_registry.h"
#include "support/ops/rms_norm_last.h"  // kInt8TieWindow, kFp8TieWindow
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm_support {

class AdaNormCase : public RowNormCase {
 public:
  // quant: the dtype of a quantized y (i8, f8_e4m3, f8_e5m2; q8_name names the case), or f32
  // for y in x's dtype.
  AdaNormCase(vknorm::NormKind norm, bool gated, vknorm::DType quant = vknorm::DType::f32, const char* q8_name = nullptr)
      : norm_(norm), gated_(gated), q8_(quant != vknorm::DType::f32), quant_(quant), q8_name_(q8_name) {}
  const char* name() const override {
    if (q8_) return q8_name_;
    if (norm_ == vknorm::NormKind::rms) return gated_ ? "gated_ada_rms_norm" : "ada_rms_norm";
    return gated_ ? "gated_ada_layer_norm" : "ada_layer_norm";
  }
  std::vector<std::string> aliases() const override {
    if (gated_ || q8_) return {};
    return {norm_ == vknorm::NormKind::rms ? "ada_rmsnorm" : "adaln"};
  }
  int order() const override { return 40 + (norm_ == vknorm::NormKind::rms ? 2 : 0) + (gated_ ? 1 : 0); }
  const char* shape_help() const override { return "leading.. x D (modulation per shape[0])"; }
  bool uses_normalized_rank() const override { return false; }  // the last dim
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return gated_ || !q8_; }  // a quantized y cannot be x
  bool accepts_f32_params() const override { return true; }
  const char* in_place_input() const override { return gated_ ? "residual" : "x"; }
  const char* in_place_output() const override { return gated_ ? "residual_out" : "y"; }
  bool nan_inf_specified() const override { return !q8_; }  // quantized codes of such rows: unspecified
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
  // The gated quantized case takes a static scale (4 / QMAX), the others a dynamic one.
  double static_scale() const { return gated_ && q8_ ? 4.0 / quantized_max(quant_) : 0.0; }
  bool dynamic() const { return q8_ && !(static_scale() > 0); }
  vknorm::DType y_dtype(vknorm::DType x) const { return q8_ ? quant_ : x; }
  // y_scale's shape: x's leading dims, (1) for a rank-1 x.
  static std::vector<int64_t> lead(const std::vector<int64_t>& shape) {
    std::vector<int64_t> l = shape.empty() ? shape : std::vector<int64_t>(shape.begin(), shape.end() - 1);
    if (l.empty()) l = {1};
    return l;
  }

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
    t.push_back({"y", true, y_dtype(spec.dtype), spec.shape, nullptr});
    if (dynamic()) t.push_back({"y_scale", true, vknorm::DType::f32, lead(spec.shape), nullptr});
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
    a.y_scale = v("y_scale");
    a.static_scale = static_cast<float>(static_scale());
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
    if (q8_) {
      std::vector<double> codes, scales, ratio;
      quantize_rows_reference(y, in.rows, in.D, static_scale(), quant_, &codes, &scales, &ratio);
      // eps = 0 and a row of equal values: unspecified, as below.
      auto unspecified = [&](size_t r) { return r < rstd.size() && std::isinf(rstd[r]) && std::isfinite(mean[r]); };
      // y is fp32 on the device (never rounded to x's dtype): fp32's tolerance with the mean's.
      Tolerance tq = tolerance_for(vknorm::DType::f32);
      tq.atol += cond * wmax * smax;
      tq.rtol += cond * cond;
      std::vector<double> row_scale(codes.size());
      for (size_t i = 0; i < row_scale.size(); ++i)
        row_scale[i] = static_scale() > 0 ? static_scale() : scales[i / size_t(std::max<int64_t>(1, in.D))];
      check("y", codes, tolerance_for(quant_), [&](std::vector<double>& got) {
        accept_ties(y, codes, row_scale, ratio, tq, got);
        for (size_t r = 0; r < rstd.size(); ++r)
          if (unspecified(r))
            for (size_t j = r * size_t(in.D); j < (r + 1) * size_t(in.D) && j < got.size(); ++j) got[j] = codes[j];
      });
      if (dynamic()) {
        Tolerance ts = tolerance_for(vknorm::DType::f32, in.D);
        ts.atol += tq.atol / quantized_max(quant_);  // max |y|'s error, as y's
        ts.rtol += tq.rtol;
        check("y_scale", scales, ts, [&](std::vector<double>& got) {
          for (size_t r = 0; r < got.size(); ++r)
            if (unspecified(r)) got[r] = scales[r];
        });
      }
      return;
    }
    // eps = 0 and a row of equal values: unspecified, as LayerNorm's (vknorm.h).
    check("y", y, ty, [&](std::vector<double>& got) {
      for (size_t r = 0; r < rstd.size(); ++r)
        if (std::isinf(rstd[r]) && std::isfinite(mean[r]))
          for (size_t j = r * size_t(in.D); j < (r + 1) * size_t(in.D) && j < got.size(); ++j) got[j] = y[j];
    });
  }

  // The other neighbour of a near-tie is accepted (rms_norm_last.h's window), the window
  // widened per element by what y's fp32 error ty (LayerNorm's mean rounding, the shift added
  // to a product of about its size) moves y / s: y's error, and with a dynamic scale max |y|'s,
  // in units of the row's scale.
  // y, codes, ratio: the reference's per element; scale: its row's scale, per element.
  void accept_ties(const std::vector<double>& y, const std::vector<double>& codes, const std::vector<double>& scale,
                   const std::vector<double>& ratio, const Tolerance& ty, std::vector<double>& got) const {
    const double qmax = quantized_max(quant_);
    auto code_at = [&](double v) { return quantize(std::min(qmax, std::max(-qmax, v)), quant_); };
    for (size_t i = 0; i < got.size() && i < codes.size(); ++i) {
      if (got[i] == codes[i]) continue;
      const double s = scale[i];
      if (!(s > 0) || !std::isfinite(s)) continue;
      double w = quant_ == vknorm::DType::i8 ? kInt8TieWindow : kFp8TieWindow * std::fabs(ratio[i]);
      w += (ty.atol + ty.rtol * std::fabs(y[i])) / s;
      if (dynamic()) w += std::fabs(ratio[i]) * (ty.atol / (s * qmax) + ty.rtol);
      // Codes are monotonic in y / s: any code the window reaches is accepted.
      if (got[i] >= code_at(ratio[i] - w) && got[i] <= code_at(ratio[i] + w)) got[i] = codes[i];
    }
  }

  // x + y (+ residual + residual_out) + the modulation rows + weight / bias.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    const uint64_t es = vknorm::dtype_size(s.dtype);
    const uint64_t mod = static_cast<uint64_t>(mod_rows(s.shape) * row_length(s.shape, 1)) * es;
    const uint64_t params = norm_ == vknorm::NormKind::layer ? 2 * b.param : b.param;
    const uint64_t y = static_cast<uint64_t>(s.numel()) * vknorm::dtype_size(y_dtype(s.dtype));
    return (gated_ ? 3 : 1) * b.big + y + (gated_ ? 3 : 2) * mod + params + (dynamic() ? b.stat : 0);
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const std::vector<int64_t> norm = {s.shape.back()}, mod = mod_shape(s.shape);
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", y_dtype(s.dtype), s.shape}};
    if (dynamic()) t.push_back({"y_scale", vknorm::DType::f32, lead(s.shape)});
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
    std::vector<double> y_ref, h_ref, ratio_ref, yq_ref, scale_ref, xrow(static_cast<size_t>(D)), rrow(gated_ ? static_cast<size_t>(D) : 0);
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
      std::vector<double> codes, scales, ratio;
      if (q8_) quantize_rows_reference(y, 1, D, static_scale(), quant_, &codes, &scales, &ratio);
      for (int64_t j : rs.cols) {
        y_ref.push_back((q8_ ? codes : y)[static_cast<size_t>(j)]);
        if (q8_) {
          ratio_ref.push_back(ratio[static_cast<size_t>(j)]);
          yq_ref.push_back(y[static_cast<size_t>(j)]);
          scale_ref.push_back(static_scale() > 0 ? static_scale() : scales[0]);
        }
        h_ref.push_back(h[static_cast<size_t>(j)]);
        index.push_back(row * D + j);
      }
    }
    bool ok = true;
    std::vector<double> got = run.gather("y", index, y_dtype(s.dtype), &ok);
    if (q8_) accept_ties(yq_ref, y_ref, scale_ref, ratio_ref, tolerance_for(vknorm::DType::f32), got);
    add("y", got, y_ref, y_dtype(s.dtype), D);
    if (gated_) add("residual_out", run.gather("residual_out", index, s.dtype, &ok), h_ref, s.dtype, 1);
    return ok ? "" : "gathering outputs failed";
  }

 private:
  vknorm::NormKind norm_;
  bool gated_, q8_;
  vknorm::DType quant_;
  const char* q8_name_;
};

}  // namespace vknorm_support
