// What rms_norm_last, add_rms_norm and their quantized-output forms share (one kernel family,
// eight op cases): inputs, roles, binding, the fp64 reference with its tie rule, and the bench.
//   rms_norm_last          weight, no offset
//   add_rms_norm           residual (in place: residual_out = residual), weight_offset 1 (Gemma)
//   rms_norm_last_q8       int8 y, dynamic per-row scale (y_scale)
//   add_rms_norm_q8        int8 y, static scale 4 / 127 (|y| > 4 saturates at +-127)
//   rms_norm_last_fp8      float8 e4m3fn y, dynamic scale;  add_rms_norm_fp8: static 4 / 448
//   rms_norm_last_fp8e5m2  float8 e5m2 y, dynamic scale;    add_rms_norm_fp8e5m2: static 4 / 57344
//   add_rms_norm_fp8_g128  float8 e4m3fn y, a dynamic scale per 128 elements (DeepSeek-V3's
//                          1 x 128 blocks; y_scale (rows, ceil(D / 128)))
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/op_registry.h"
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>

namespace vknorm_support {

// Quantized codes: equal to the reference's, except where the fp64 y / s lies within this
// distance of a rounding tie: the device computes y and y / s in fp32, so either neighbour is
// accepted there. int8: an absolute distance (codes up to 127); float8: relative to y / s.
constexpr double kInt8TieWindow = 4e-3;
constexpr double kFp8TieWindow = 3e-5;

// Replaces a device code that is the other neighbour of a near-tie by the reference's.
inline void accept_quantized_ties(const std::vector<double>& codes, const std::vector<double>& ratio,
                                  vknorm::DType qdtype, std::vector<double>& got) {
  const double qmax = quantized_max(qdtype);
  auto code_at = [&](double v) { return quantize(std::min(qmax, std::max(-qmax, v)), qdtype); };
  for (size_t i = 0; i < got.size() && i < codes.size(); ++i) {
    if (got[i] == codes[i]) continue;
    const double w = qdtype == vknorm::DType::i8 ? kInt8TieWindow : kFp8TieWindow * std::fabs(ratio[i]);
    if (got[i] == code_at(ratio[i] - w) || got[i] == code_at(ratio[i] + w)) got[i] = codes[i];
  }
}

class RmsLastCase : public RowNormCase {
 public:
  // quant: the dtype of a quantized y (i8, f8_e4m3, f8_e5m2), or f32 for y in x's dtype;
  // group > 0: a dynamic scale per `group` elements of a row (scale_group_size).
  RmsLastCase(const char* name, int order, bool add, vknorm::DType quant = vknorm::DType::f32, int64_t group = 0)
      : name_(name), order_(order), add_(add), q8_(quant != vknorm::DType::f32), quant_(quant), group_(group) {}
  const char* name() const override { return name_; }
  std::vector<std::string> aliases() const override { return {}; }
  int order() const override { return order_; }
  bool uses_eps() const override { return true; }
  // In place: y = x (16-bit / fp32 y), or residual_out = residual for the fused add.
  bool supports_in_place() const override { return add_ || !q8_; }  // a quantized y cannot be x
  const char* in_place_input() const override { return add_ ? "residual" : "x"; }
  const char* in_place_output() const override { return add_ ? "residual_out" : "y"; }
  bool nan_inf_specified() const override { return !q8_; }  // quantized codes of such rows: unspecified
  bool accepts_f32_params() const override { return true; }
  bool accepts_f32_residual() const override { return add_; }

  double weight_offset() const { return add_ ? 1.0 : 0.0; }
  double static_scale() const { return add_ && q8_ && !group_ ? 4.0 / quantized_max(quant_) : 0.0; }
  vknorm::DType y_dtype(vknorm::DType x) const { return q8_ ? quant_ : x; }
  // Dynamic scales per row: ceil(D / group) with groups, else 1.
  int64_t scales_per_row(int64_t D) const { return group_ > 0 ? std::max<int64_t>(1, (D + group_ - 1) / group_) : 1; }
  // y_scale of a dynamic scale: the leading shape, and the scales of a row with groups.
  std::vector<int64_t> scale_shape(std::vector<int64_t> lead, int64_t D) const {
    if (group_ > 0) lead.push_back(scales_per_row(D));
    return lead;
  }

  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (spec.affine && in.D > 0) in.weight = param_values(spec, in.D, 1, add_ ? 0.0 : 1.0);
    if (add_ && in.valid) {
      CaseSpec rs = spec;
      rs.seed = sub_seed(spec.seed, 7);
      rs.data = DataKind::normal;
      in.residual = make_data(DataKind::normal, in.x.size(), rs.seed, spec.res_dtype());
      if (spec.add_bias && in.D > 0) in.add_bias = affine_values(spec, in.D, 5, 0.0);
    }
    place_row_specials(spec, b.outlier, &in);
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    const std::vector<int64_t> norm = normalized_shape(spec, in), lead = leading_shape(spec, in);
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    if (add_) {
      t.push_back({"residual", false, spec.res_dtype(), spec.shape, &in.residual});
      if (spec.optional_outputs || spec.in_place) t.push_back({"residual_out", true, spec.res_dtype(), spec.shape, nullptr});
      if (spec.add_bias) t.push_back({"add_bias", false, spec.dtype, norm, &in.add_bias});
    }
    t.push_back({"y", true, y_dtype(spec.dtype), spec.shape, nullptr});
    if (spec.affine) t.push_back({"weight", false, spec.param_dtype(), norm, &in.weight});
    if (spec.optional_outputs) t.push_back({"rstd", true, vknorm::DType::f32, lead, nullptr});
    if (q8_ && !(static_scale() > 0)) t.push_back({"y_scale", true, vknorm::DType::f32, scale_shape(lead, in.D), nullptr});
    return t;
  }

  template <class Args>
  void bind_common(const RoleLookup& v, const OpParams& p, Args* a) const {
    a->x = v("x");
    a->y = v("y");
    a->weight = v("weight");
    if (a->weight.is_set()) a->weight_offset = static_cast<float>(weight_offset());
    a->rstd = v("rstd");
    a->y_scale = v("y_scale");
    a->static_scale = static_cast<float>(static_scale());
    a->scale_group_size = group_;
    a->normalized_rank = p.normalized_rank;
    a->eps = static_cast<float>(p.eps);
    a->config = p.config;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    if (add_) {
      vknorm::AddRmsNormArgs a{};
      bind_common(v, p, &a);
      a.residual = v("residual");
      a.residual_out = v("residual_out");
      a.add_bias = v("add_bias");
      return make_bound(a);
    }
    vknorm::RmsNormLastArgs a{};
    bind_common(v, p, &a);
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    std::vector<double> h, y, rstd, xa, ra;
    in.skip_sum_terms(&xa, &ra);
    rms_norm_last_reference(xa, ra, in.weight, spec.affine ? weight_offset() : 0.0, spec.res_dtype(),
                            in.rows, in.D, spec.eps, &h, &y, &rstd);
    if (add_ && (spec.optional_outputs || spec.in_place)) check("residual_out", h, tolerance_for(spec.res_dtype()), nullptr);
    if (q8_) {
      std::vector<double> codes, scales, ratio;
      quantize_rows_reference(y, in.rows, in.D, static_scale(), quant_, &codes, &scales, &ratio, group_);
      // Accept the other neighbour of a near-tie (see kInt8TieWindow).
      auto ties = [&](std::vector<double>& got) { accept_quantized_ties(codes, ratio, quant_, got); };
      check("y", codes, tolerance_for(quant_), ties);
      if (!(static_scale() > 0)) check("y_scale", scales, tolerance_for(vknorm::DType::f32, in.D), nullptr);
    } else {
      check("y", y, tolerance_for(spec.dtype), nullptr);
    }
    if (spec.optional_outputs) {
      // rstd of rows holding NaN / Inf: vknorm.h specifies only y there.
      auto finite_rows = [&](std::vector<double>& got) {
        for (size_t r = 0; r < got.size() && r < rstd.size(); ++r)
          if (!std::isfinite(rstd[r]) || rstd[r] == 0) got[r] = rstd[r];
      };
      check("rstd", rstd, tolerance_for(vknorm::DType::f32, in.D), finite_rows);
    }
  }

  // x + y (+ residual + residual_out) + weight (+ y_scale); y in its own dtype.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    const uint64_t n = static_cast<uint64_t>(s.numel());
    const uint64_t y = n * vknorm::dtype_size(y_dtype(s.dtype));
    const int64_t D = row_length(s.shape, s.normalized_rank);
    const uint64_t scales = q8_ && !(static_scale() > 0) ? b.stat * uint64_t(scales_per_row(D)) : 0;
    const uint64_t res = add_ ? 2 * n * vknorm::dtype_size(s.res_dtype()) : 0;
    return b.big + y + res + (add_ && s.add_bias ? 2 : 1) * b.param + scales;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    std::vector<BenchTensor> t;
    t.reserve(6);  // (also keeps GCC 12's -Wfree-nonheap-object false positive quiet)
    t.push_back({"x", s.dtype, s.shape});
    t.push_back({"y", y_dtype(s.dtype), s.shape});
    if (add_) {
      t.push_back({"residual", s.res_dtype(), s.shape});
      t.push_back({"residual_out", s.res_dtype(), s.shape});
      if (s.add_bias) t.push_back({"add_bias", s.dtype, normalized(s)});
    }
    if (s.affine) t.push_back({"weight", s.param_dtype(), normalized(s)});
    if (q8_ && !(static_scale() > 0) && group_ > 0) {  // (rows, groups)
      const int64_t D = row_length(s.shape, s.normalized_rank);
      t.push_back({"y_scale", vknorm::DType::f32, {s.numel() / std::max<int64_t>(D, 1), scales_per_row(D)}});
    } else if (q8_ && !(static_scale() > 0)) {
      t.push_back({"y_scale", vknorm::DType::f32, leading(s)});
    }
    return t;
  }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t D = row_length(s.shape, s.normalized_rank);
    const RowSample rs = sample_positions(s, max_samples);
    const std::vector<int64_t>& cols = rs.cols;
    std::vector<int64_t> index;
    std::vector<double> ref, ref_ratio, xrow(static_cast<size_t>(D)), rrow, yrow, h, r, codes, scales, ratio;
    const std::vector<double>& w = run.param("weight");
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j) xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
      if (add_) {
        rrow.resize(static_cast<size_t>(D));
        for (int64_t j = 0; j < D; ++j)
          rrow[static_cast<size_t>(j)] = run.input("residual", static_cast<uint64_t>(row * D + j));
      }
      std::vector<double> xa = xrow, ra = rrow;
      if (add_ && s.add_bias) skip_bias_terms(run.param("add_bias"), &xa, &ra);
      rms_norm_last_reference(xa, ra, w, w.empty() ? 0.0 : weight_offset(), s.res_dtype(), 1, D, eps, &h, &yrow, &r);
      if (q8_) quantize_rows_reference(yrow, 1, D, static_scale(), quant_, &codes, &scales, &ratio, group_);
      const std::vector<double>& out = q8_ ? codes : yrow;
      for (int64_t j : cols) {
        ref.push_back(out[static_cast<size_t>(j)]);
        if (q8_) ref_ratio.push_back(ratio[static_cast<size_t>(j)]);
        index.push_back(row * D + j);
      }
    }
    bool ok = true;
    std::vector<double> got = run.gather("y", index, y_dtype(s.dtype), &ok);
    if (q8_) accept_quantized_ties(ref, ref_ratio, quant_, got);
    add("y", got, ref, y_dtype(s.dtype), D);
    return ok ? "" : "gathering y failed";
  }

 private:
  const char* name_;
  int order_;
  bool add_, q8_;
  vknorm::DType quant_;
  int64_t group_;
};

}  // namespace vknorm_support
