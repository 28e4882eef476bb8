// Gated RMSNorm (gated_rms_norm, vknorm.h's GatedRmsNormArgs), one op-case class registered
// twice:
//   gated_rms_norm              y = rms_norm(x) * w * silu(z)   (norm_before_gate)
//   gated_rms_norm_gate_first   y = rms_norm(x * silu(z)) * w   (mamba_ssm's default)
// z ~ N(0, 2): the gate runs through SiLU's bend and tails.
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

class GatedRmsNormCase : public RowNormCase {
 public:
  explicit GatedRmsNormCase(bool norm_before_gate) : before_(norm_before_gate) {}
  const char* name() const override { return before_ ? "gated_rms_norm" : "gated_rms_norm_gate_first"; }
  std::vector<std::string> aliases() const override {
    return {before_ ? "rms_norm_gated" : "mamba_rms_norm_gated"};
  }
  int order() const override { return before_ ? 48 : 49; }
  const char* shape_help() const override { return "leading.. x D"; }
  bool uses_normalized_rank() const override { return false; }  // the last dim
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return true; }  // y = x
  bool accepts_f32_params() const override { return true; }
  bool nan_inf_specified() const override { return true; }
  bool has_optional_outputs() const override { return false; }
  int64_t row_length(const std::vector<int64_t>& shape, int) const override {
    return shape.empty() ? 0 : shape.back();
  }

  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (in.valid && in.D > 0) {
      if (spec.affine) in.weight = param_values(spec, in.D, 1, 1.0);
      in.z = make_data(DataKind::normal, in.x.size(), sub_seed(spec.seed, 11), spec.dtype);
      for (double& v : in.z) v = quantize(2 * v, spec.dtype);
    }
    place_row_specials(spec, b.outlier, &in);
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"z", false, spec.dtype, spec.shape, &in.z});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine) t.push_back({"weight", false, spec.param_dtype(), {spec.shape.empty() ? 0 : spec.shape.back()}, &in.weight});
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::GatedRmsNormArgs a;
    a.x = v("x");
    a.z = v("z");
    a.weight = v("weight");
    a.y = v("y");
    a.norm_before_gate = before_;
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    std::vector<double> y;
    gated_rms_norm_reference(in.x, in.z, in.weight, before_, in.rows, in.D, spec.eps, &y);
    check("y", y, tolerance_for(spec.dtype), nullptr);
  }

  // x + z + y + weight.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    return 3 * b.big + b.param;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"z", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (s.affine) t.push_back({"weight", s.param_dtype(), {s.shape.back()}});
    return t;
  }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t D = s.shape.back();
    const RowSample rs = sample_positions(s, max_samples);
    std::vector<int64_t> index;
    std::vector<double> y_ref, xrow(static_cast<size_t>(D)), zrow(static_cast<size_t>(D)), y;
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j) {
        xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
        zrow[static_cast<size_t>(j)] = run.input("z", static_cast<uint64_t>(row * D + j));
      }
      gated_rms_norm_reference(xrow, zrow, run.param("weight"), before_, 1, D, eps, &y);
      for (int64_t j : rs.cols) {
        y_ref.push_back(y[static_cast<size_t>(j)]);
        index.push_back(row * D + j);
      }
    }
    bool ok = true;
    add("y", run.gather("y", index, s.dtype, &ok), y_ref, s.dtype, D);
    return ok ? "" : "gathering outputs failed";
  }

 private:
  bool before_;
};

}  // namespace vknorm_support
