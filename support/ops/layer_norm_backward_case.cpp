// layer_norm_backward (dx, and optional dweight / dbias, from dy, x, weight and the forward's
// mean / rstd): everything the tests, vknorm-check and vknorm-bench know about the operator.
#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/ops/row_norm.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vknorm_support {
namespace {

class LayerNormBackwardCase : public RowNormCase {
 public:
  const char* name() const override { return "layer_norm_backward"; }
  std::vector<std::string> aliases() const override { return {"ln_bwd", "layer_norm_bwd"}; }
  int order() const override { return 30; }
  bool uses_eps() const override { return false; }       // eps only shapes the test's rstd
  bool supports_in_place() const override { return true; }  // dx = dy (the gradient buffer reused)
  const char* in_place_input() const override { return "dy"; }
  const char* in_place_output() const override { return "dx"; }
  bool nan_inf_specified() const override { return false; }
  std::string skip_reason(const CaseSpec& spec) const override {
    if (spec.data == DataKind::nan_inf)
      return "NaN/Inf behaviour of layer_norm_backward is not specified";
    return "";
  }

  // mean / rstd: the fp64 statistics of x rounded to fp32; dy: N(0,1).
  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    set_row_geometry(spec, b.any_negative, &in);
    if (spec.affine && in.D > 0) in.weight = affine_values(spec, in.D, 1, 1.0);
    place_row_specials(spec, b.outlier, &in);
    if (in.valid) {
      in.dy.resize(in.x.size());
      fill_normal(&in.dy, sub_seed(spec.seed, 3));
      quantize_all(&in.dy, spec.dtype);
      // The forward's eps is not part of a backward spec: use spec.eps for rstd (the stored
      // statistics are what the backward consumes; any eps gives a valid input).
      layer_norm_reference(in.x, {}, {}, nullptr, &in.mean, &in.rstd, in.rows, in.D, spec.eps);
      quantize_all(&in.mean, vknorm::DType::f32);
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
    t.push_back({"mean", false, vknorm::DType::f32, lead, &in.mean});
    t.push_back({"rstd", false, vknorm::DType::f32, lead, &in.rstd});
    t.push_back({"dx", true, spec.dtype, spec.shape, nullptr});
    if (spec.optional_outputs) {
      t.push_back({"dweight", true, spec.dtype, norm, nullptr});
      t.push_back({"dbias", true, spec.dtype, norm, nullptr});
    }
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::LayerNormBackwardArgs a{};
    a.dy = v("dy");
    a.x = v("x");
    a.weight = v("weight");
    a.mean = v("mean");
    a.rstd = v("rstd");
    a.dx = v("dx");
    a.dweight = v("dweight");
    a.dbias = v("dbias");
    a.normalized_rank = p.normalized_rank;
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                     const OutputCheckFn& check) const override {
    std::vector<double> dx, dw, db;
    layer_norm_backward_reference(in.dy, in.x, in.weight, in.mean, in.rstd, &dx, &dw, &db,
                                  in.rows, in.D);
    // dx = rstd * (g - mean(g) - xhat * mean(g xhat)): its fp32 rounding error is relative to
    // the scale of dx (rstd * |g|, ~170 for rows with a 1e-2 spread), not to each element, so
    // the absolute tolerance follows the reference's RMS.
    Tolerance tdx = tolerance_for(spec.dtype);
    {
      double ss = 0;
      int64_t n = 0;
      for (double r : dx)
        if (std::isfinite(r)) { ss += r * r; ++n; }
      if (n) tdx.atol *= std::max(1.0, std::sqrt(ss / double(n)));
      // dx that is zero up to the rounding of its terms (D = 2: xhat = +-1 and dx = 0 exactly,
      // both sides hold fp32 noise of rstd |g| 2^-23): the relative nmse compares noise with
      // noise. The element-wise bound above still applies.
      double floor = 0;
      for (int64_t r = 0; r < in.rows && in.D > 0; ++r) {
        double gmax = 0;
        for (int64_t j = 0; j < in.D; ++j) {
          const size_t i = static_cast<size_t>(r * in.D + j);
          gmax = std::max(gmax, std::fabs(in.dy[i] * (in.weight.empty() ? 1.0 : in.weight[static_cast<size_t>(j)])));
        }
        const double f = 16.0 * in.rstd[static_cast<size_t>(r)] * gmax * ulp32(1.0);
        if (std::isfinite(f)) floor = std::max(floor, f);
      }
      if (n && std::sqrt(ss / double(n)) <= floor) tdx.max_nmse = std::numeric_limits<double>::infinity();
    }
    // Ill-conditioned rows (tiny spread, eps = 0: rstd huge) carry the fp32 rounding of
    // x - mean, up to ulp(|x|), magnified by rstd in xhat and again in dx: per row, accept
    // |dx - ref| <= 8 rstd^2 ulp(max |x|) max |g| (the reference takes the stored mean / rstd
    // exactly, the device cannot). Rows of ordinary spread keep the RMS-scaled bound above.
    auto conditioned = [&](std::vector<double>& got) {
      const int64_t D = in.D;
      for (int64_t r = 0; r < in.rows && D > 0; ++r) {
        const double rs = in.rstd[static_cast<size_t>(r)];
        double xmax = 0, gmax = 0;
        for (int64_t j = 0; j < D; ++j) {
          const size_t i = static_cast<size_t>(r * D + j);
          const double w = in.weight.empty() ? 1.0 : in.weight[static_cast<size_t>(j)];
          xmax = std::max(xmax, std::fabs(in.x[i]));
          gmax = std::max(gmax, std::fabs(in.dy[i] * w));
        }
        const double bound = 8.0 * rs * rs * ulp32(xmax) * gmax;
        if (!std::isfinite(bound) || bound <= tdx.atol) continue;  // an ordinary row
        for (int64_t j = 0; j < D; ++j) {
          const size_t i = static_cast<size_t>(r * D + j);
          if (i < got.size() && std::fabs(got[i] - dx[i]) <= bound) got[i] = dx[i];
        }
      }
    };
    check("dx", dx, tdx, conditioned);
    check("dweight", dw, tolerance_for(spec.dtype, in.rows), nullptr);
    check("dbias", db, tolerance_for(spec.dtype, in.rows), nullptr);
  }

  // dy + x + weight + mean + rstd + dx + dweight + dbias (dweight / dbias in grad_dtype).
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const RowBytes b = row_bytes(s);
    return 3 * b.big + b.param + 2 * b.stat + (s.affine ? 2 * b.grad : 0);
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const std::vector<int64_t> norm = normalized(s), lead = leading(s);
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}};
    if (s.affine) t.push_back({"weight", s.dtype, norm});
    t.push_back({"mean", vknorm::DType::f32, lead});
    t.push_back({"rstd", vknorm::DType::f32, lead});
    t.push_back({"dy", s.dtype, s.shape});
    t.push_back({"dx", s.dtype, s.shape});
    if (s.affine) {
      t.push_back({"dweight", s.grad_dtype, norm, true});
      t.push_back({"dbias", s.grad_dtype, norm, true});
    }
    return t;
  }
  const char* setup_op() const override { return "layer_norm"; }  // mean / rstd
  bool tunes_rows_per_workgroup() const override { return true; }

  std::string sampled_check(SampledRun& run, const BenchShape& s, double, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const RowSample rs = sample_rows(run, s, max_samples);
    const int64_t D = row_length(s.shape, s.normalized_rank), rows = s.numel() / std::max<int64_t>(1, D);
    std::vector<int64_t> index;
    std::vector<double> dx_ref, xrow(static_cast<size_t>(D)), dyrow(static_cast<size_t>(D));
    std::vector<double> dxrow, dwrow, dbrow;
    for (int64_t row : rs.rows) {
      for (int64_t j = 0; j < D; ++j) {
        xrow[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(row * D + j));
        dyrow[static_cast<size_t>(j)] = run.input("dy", static_cast<uint64_t>(row * D + j));
      }
      // As a function of the stored mean / rstd (what the backward really reads).
      const std::vector<double> sm{rs.mean_all[static_cast<size_t>(row)]};
      const std::vector<double> sr{rs.rstd_all[static_cast<size_t>(row)]};
      layer_norm_backward_reference(dyrow, xrow, run.param("weight"), sm, sr, &dxrow, &dwrow, &dbrow, 1, D);
      for (int64_t j : rs.cols) dx_ref.push_back(dxrow[static_cast<size_t>(j)]);
      for (int64_t j : rs.cols) index.push_back(row * D + j);
    }
    bool ok = true;
    add("dx", run.gather("dx", index, s.dtype, &ok), dx_ref, s.dtype, D);
    if (s.affine) {
      // dweight / dbias at sampled columns: sums over every row of those columns.
      const std::vector<int64_t> wcols =
          spread(D, std::min<int64_t>(4096, std::max<int64_t>(1, (int64_t{1} << 22) / rows)));
      const size_t K = wcols.size();
      std::vector<double> xs(static_cast<size_t>(rows) * K), dys(xs.size()), ws(K);
      for (int64_t row = 0; row < rows; ++row)
        for (size_t k = 0; k < K; ++k) {
          const uint64_t i = static_cast<uint64_t>(row * D + wcols[k]);
          xs[static_cast<size_t>(row) * K + k] = run.input("x", i);
          dys[static_cast<size_t>(row) * K + k] = run.input("dy", i);
        }
      for (size_t k = 0; k < K; ++k) ws[k] = run.param("weight")[static_cast<size_t>(wcols[k])];
      std::vector<double> dx_unused, dw_ref, db_ref;
      layer_norm_backward_reference(dys, xs, ws, rs.mean_all, rs.rstd_all, &dx_unused, &dw_ref,
                                    &db_ref, rows, static_cast<int64_t>(K));
      add("dweight", run.gather("dweight", wcols, s.grad_dtype, &ok), dw_ref, s.grad_dtype, rows);
      add("dbias", run.gather("dbias", wcols, s.grad_dtype, &ok), db_ref, s.grad_dtype, rows);
    }
    return ok ? "" : "gathering outputs failed";
  }
};

}  // namespace

const OpCase& layer_norm_backward_case() {
  static const LayerNormBackwardCase c;
  return c;
}

}  // namespace vknorm_support
