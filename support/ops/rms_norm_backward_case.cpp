// rms_norm_backward (dx, and optional dweight, from dy, x, weight and the forward's rstd):
// everything the tests, vknorm-check and vknorm-bench know about the operator.
#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>

namespace vknorm_support {
namespace {

class RmsNormBackwardCase : public RowNormCase {
 public:
  const char* name() const override { return "rms_norm_backward"; }
  std::vector<std::string> aliases() const override { return {"rms_bwd", "rms_norm_bwd"}; }
  int order() const override { return 40; }
  bool uses_eps() const override { return false; }       // eps only shapes the test's rstd
  bool supports_in_place() const override { return true; }  // dx = dy (the gradient buffer reused)
  const char* in_place_input() const override { return "dy"; }
  const char* in_place_output() const override { return "dx"; }
  bool nan_inf_specified() const override { return false; }
  std::string skip_reason(const CaseSpec& spec) const override {
    if (spec.data == DataKind::nan_inf)
      return "NaN/Inf behaviour of rms_norm_backward is not specified";
    return "";
  }

  // rstd: the fp64 RMS statistic of x (with spec.eps) rounded to fp32; dy: N(0,1); weight
  // around 1, or around 0 with a weight offset (Gemma stores w_eff - 1).
  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (spec.affine && in.D > 0)
      in.weight = affine_values(spec, in.D, 1, spec.weight_offset != 0 ? 0.0 : 1.0);
    place_row_specials(spec, b.outlier, &in);
    if (in.valid) {
      in.dy.resize(in.x.size());
      fill_normal(&in.dy, sub_seed(spec.seed, 3));
      quantize_all(&in.dy, spec.dtype);
      rms_rstd_reference(in.x, &in.rstd, in.rows, in.D, spec.eps);
      quantize_all(&in.rstd, vknorm::DType::f32);
    }
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    const std::vector<int64_t> norm = normalized_shape(spec, in), lead = leading_shape(spec, in);
    std::vector<TensorRole> t;
    t.push_back({"dy", false, spec.dtype, spec.shape, &in.dy});
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    if (spec.affine) t.push_back({"weight", false, spec.dtype, norm, &in.weight});
    t.push_back({"rstd", false, vknorm::DType::f32, lead, &in.rstd});
    t.push_back({"dx", true, spec.dtype, spec.shape, nullptr});
    if (spec.optional_outputs) t.push_back({"dweight", true, spec.dtype, norm, nullptr});
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::RmsNormBackwardArgs a{};
    a.dy = v("dy");
    a.x = v("x");
    a.weight = v("weight");
    a.weight_offset = static_cast<float>(p.weight_offset);
    a.rstd = v("rstd");
    a.dx = v("dx");
    a.dweight = v("dweight");
    a.normalized_rank = p.normalized_rank;
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                     const OutputCheckFn& check) const override {
    std::vector<double> dx, dw;
    rms_norm_backward_reference(in.dy, in.x, in.weight, static_cast<double>(static_cast<float>(spec.weight_offset)),
                                in.rstd, &dx, &dw, in.rows, in.D);
    // dx = rstd * (g - xhat * mean(g xhat)): its fp32 rounding error is relative to the scale
    // of the terms (rstd * |g|), not to each element (the difference cancels: a row of one
    // element gives rstd * g * eps / (x^2 + eps)), so the absolute tolerance follows the RMS of
    // rstd * g (or of dx, if larger).
    Tolerance tdx = tolerance_for(spec.dtype);
    {
      const double woff = static_cast<double>(static_cast<float>(spec.weight_offset));
      double ss_dx = 0, ss_g = 0;
      int64_t n_dx = 0, n_g = 0;
      for (double r : dx)
        if (std::isfinite(r)) { ss_dx += r * r; ++n_dx; }
      for (int64_t r = 0; r < in.rows; ++r)
        for (int64_t j = 0; j < in.D; ++j) {
          const double w = in.weight.empty() ? 1.0 : woff + in.weight[static_cast<size_t>(j)];
          const double t = in.rstd[static_cast<size_t>(r)] * in.dy[static_cast<size_t>(r * in.D + j)] * w;
          if (std::isfinite(t)) { ss_g += t * t; ++n_g; }
        }
      const double rms_dx = n_dx ? std::sqrt(ss_dx / double(n_dx)) : 0.0;
      const double rms_g = n_g ? std::sqrt(ss_g / double(n_g)) : 0.0;
      tdx.atol *= std::max({1.0, rms_dx, rms_g});
      // The normalized squared error too: relative to the terms, not to the cancelled result.
      if (rms_g > rms_dx && rms_dx > 0) tdx.max_nmse *= (rms_g / rms_dx) * (rms_g / rms_dx);
    }
    check("dx", dx, tdx, nullptr);
    check("dweight", dw, tolerance_for(spec.dtype, in.rows), nullptr);
  }

  // dy + x + weight + rstd + dx + dweight (dweight in grad_dtype).
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    return 3 * b.big + b.param + b.stat + (s.affine ? b.grad : 0);
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const std::vector<int64_t> norm = normalized(s), lead = leading(s);
    std::vector<BenchTensor> t;
    t.reserve(6);
    t.push_back({"x", s.dtype, s.shape});
    if (s.affine) t.push_back({"weight", s.dtype, norm});
    t.push_back({"rstd", vknorm::DType::f32, lead});
    t.push_back({"dy", s.dtype, s.shape});
    t.push_back({"dx", s.dtype, s.shape});
    if (s.affine) t.push_back({"dweight", s.grad_dtype, norm, true});
    return t;
  }
  // rstd: the bench takes LayerNorm's (its bench tensors already hold x and rstd; any positive
  // fp32 per row is a valid input, and the reference uses the stored values).
  const char* setup_op() const override { return "layer_norm"; }
  bool tunes_rows_per_workgroup() const override { return true; }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const RowSample rs = sample_rows(run, s, max_samples);
    const int64_t D = row_length(s.shape, s.normalized_rank), rows = s.numel() / std::max<int64_t>(1, D);
    std::vector<int64_t> index;
    std::vector<double> dx_ref, xrow(static_cast<size_t>(D)), dyrow(static_cast<size_t>(D));
    std::vector<double> dxrow;
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j) {
        xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
        dyrow[static_cast<size_t>(j)] = run.input("dy", static_cast<uint64_t>(row * D + j));
      }
      const std::vector<double> sr{rs.rstd_all[static_cast<size_t>(row)]};
      rms_norm_backward_reference(dyrow, xrow, run.param("weight"), 0.0, sr, &dxrow, nullptr, 1, D);
      for (int64_t j : rs.cols) dx_ref.push_back(dxrow[static_cast<size_t>(j)]);
      for (int64_t j : rs.cols) index.push_back(row * D + j);
    }
    bool ok = true;
    add("dx", run.gather("dx", index, s.dtype, &ok), dx_ref, s.dtype, D);
    if (s.affine) {
      // dweight at sampled columns: sums over every row of those columns.
      const std::vector<int64_t> wcols =
          spread(D, std::min<int64_t>(4096, std::max<int64_t>(1, (int64_t{1} << 22) / rows)));
      const size_t K = wcols.size();
      std::vector<double> xs(static_cast<size_t>(rows) * K), dys(xs.size());
      for (int64_t row = 0; row < rows; ++row)
        for (size_t k = 0; k < K; ++k) {
          const uint64_t i = static_cast<uint64_t>(row * D + wcols[k]);
          xs[static_cast<size_t>(row) * K + k] = run.input("x", i);
          dys[static_cast<size_t>(row) * K + k] = run.input("dy", i);
        }
      std::vector<double> dw_ref;
      rms_norm_backward_reference(dys, xs, {}, 0.0, rs.rstd_all, nullptr, &dw_ref, rows, static_cast<int64_t>(K));
      add("dweight", run.gather("dweight", wcols, s.grad_dtype, &ok), dw_ref, s.grad_dtype, rows);
    }
    return ok ? "" : "gathering outputs failed";
  }
};

}  // namespace

const OpCase& rms_norm_backward_case() {
  static const RmsNormBackwardCase c;
  return c;
}

}  // namespace vknorm_support
