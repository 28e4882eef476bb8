// batch_norm (training) and batch_norm_eval (BatchNorm over N and spatial of N x C x spatial..):
// everything the tests, vknorm-check and vknorm-bench know about the operator. One class, two
// registered cases (batch_norm_case.cpp, batch_norm_eval_case.cpp), because the mode changes
// which tensors are outputs.
// CaseInputs: N, C, S as rms_norm; weight / bias (affine); mean / rstd hold the initial
// running_mean / running_var (fp32 values).
// Training with spec.optional_outputs: running_mean / running_var (updated in place, checked
// after the call) and save_mean / save_invstd (roles "mean" / "rstd"); without: none of them.
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vknorm_support {

class BatchNormCase : public OpCase {
 public:
  explicit BatchNormCase(bool eval) : eval_(eval) {}
  const char* name() const override { return eval_ ? "batch_norm_eval" : "batch_norm"; }
  std::vector<std::string> aliases() const override {
    if (eval_) return {"bn_eval", "batchnorm_eval"};
    return {"bn", "batchnorm"};
  }
  int order() const override { return eval_ ? 91 : 90; }
  const char* shape_help() const override { return "N x C x spatial.."; }
  int min_rank() const override { return 2; }
  bool uses_normalized_rank() const override { return false; }
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return true; }
  bool nan_inf_specified() const override { return false; }
  bool has_optional_outputs() const override { return !eval_; }
  // The statistics tensors are fp32: a 4-byte shift keeps them aligned.
  VkDeviceSize misalign_bytes(vknorm::DType) const override { return 4; }

  // Training needs more than one value per channel (torch refuses it too).
  std::string skip_reason(const CaseSpec& spec) const override {
    if (!eval_ && spec.shape.size() >= 2) {
      int64_t per_channel = spec.shape[0];
      for (size_t i = 2; i < spec.shape.size(); ++i) per_channel *= spec.shape[i];
      if (per_channel == 1) return "training needs more than 1 value per channel (tests check the refusal)";
    }
    return "";
  }

  // outlier_first: x[n, c, 0] = 1e4 for n = 0 (one outlier per channel).
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
    if (spec.affine && in.C > 0) {
      in.weight = affine_values(spec, in.C, 1, 1.0);
      in.bias = affine_values(spec, in.C, 2, 0.0);
    }
    if (in.C > 0) {
      // Running statistics: near the data's (normal: mean 0, var 1; large_mean: 1e4, 3e-5).
      const bool large = spec.data == DataKind::large_mean;
      in.mean = affine_values(spec, in.C, 3, 0.0);
      in.rstd = affine_values(spec, in.C, 4, 1.0);
      for (double& m : in.mean) m = static_cast<float>(large ? 1e4 + 1e-3 * m : m);
      for (double& v : in.rstd) v = static_cast<float>(large ? 3e-5 * v : v);
    }
    if (spec.data == DataKind::outlier_first && in.valid && in.S > 0 && in.N > 0)
      for (int64_t c = 0; c < in.C; ++c) in.x[static_cast<size_t>(c * in.S)] = b.outlier;
    return in;
  }

  bool with_stats(const CaseSpec& spec) const { return eval_ || spec.optional_outputs; }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine) {
      t.push_back({"weight", false, spec.dtype, {in.C}, &in.weight});
      t.push_back({"bias", false, spec.dtype, {in.C}, &in.bias});
    }
    if (with_stats(spec)) {
      // Training updates them in place: outputs that start with values.
      t.push_back({"running_mean", !eval_, vknorm::DType::f32, {in.C}, &in.mean});
      t.push_back({"running_var", !eval_, vknorm::DType::f32, {in.C}, &in.rstd});
    }
    if (!eval_ && spec.optional_outputs) {
      t.push_back({"mean", true, vknorm::DType::f32, {in.C}, nullptr});
      t.push_back({"rstd", true, vknorm::DType::f32, {in.C}, nullptr});
    }
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::BatchNormArgs a{};
    a.x = v("x");
    a.y = v("y");
    a.weight = v("weight");
    a.bias = v("bias");
    a.running_mean = v("running_mean");
    a.running_var = v("running_var");
    a.save_mean = v("mean");
    a.save_invstd = v("rstd");
    a.training = !eval_;
    a.momentum = static_cast<float>(p.momentum);
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in,
                     const OutputCheckFn& check) const override {
    std::vector<double> rm = in.mean, rv = in.rstd, y, mean, invstd;
    if (!with_stats(spec)) rm.clear(), rv.clear();
    const double momentum = static_cast<double>(static_cast<float>(spec.momentum));
    // Every call of a back-to-back run (in.calls) updates the running statistics again.
    for (int k = 0; k < std::max(1, in.calls); ++k)
      batch_norm_reference(in.x, in.weight, in.bias, !eval_, momentum, spec.eps, in.N, in.C, in.S, &rm, &rv, &y,
                           &mean, &invstd);
    // Conditioning, as layer_norm's: the device keeps the mean (or running_mean) in fp32, so
    // x - mean carries up to one fp32 ulp of |mean|: y moves by ulp(mean) * invstd * |w|.
    const std::vector<double>& m_used = eval_ ? in.mean : mean;
    double cond = 0, wmax = 1;
    for (size_t c = 0; c < m_used.size(); ++c) {
      const double r = eval_ ? 1.0 / std::sqrt(in.rstd[c] + spec.eps) : invstd[c];
      if (std::isfinite(m_used[c]) && std::isfinite(r)) cond = std::max(cond, ulp32(m_used[c]) * r);
    }
    for (double w : in.weight)
      if (std::isfinite(w)) wmax = std::max(wmax, std::fabs(w));
    Tolerance ty = tolerance_for(spec.dtype);
    ty.atol += cond * wmax;
    ty.rtol += cond * cond;
    // eps = 0 and a channel of equal values: y = 0 * Inf, unspecified (see layer_norm.h).
    check("y", y, ty, [&](std::vector<double>& got) {
      if (eval_) return;
      for (size_t c = 0; c < invstd.size(); ++c)
        if (std::isinf(invstd[c]) && std::isfinite(mean[c]))
          for (int64_t n = 0; n < in.N; ++n)
            for (int64_t s = 0; s < in.S; ++s) {
              const size_t i = static_cast<size_t>((n * in.C + static_cast<int64_t>(c)) * in.S + s);
              if (i < got.size()) got[i] = y[i];
            }
    });
    if (eval_ || !spec.optional_outputs) return;
    // Means of centred data are cancellation results: element-wise atol, no nmse bound.
    Tolerance tm = tolerance_for(vknorm::DType::f32);
    tm.max_nmse = std::numeric_limits<double>::infinity();
    for (const double m : mean) tm.atol = std::max(tm.atol, 1e-5 + 2 * ulp32(m));
    check("mean", mean, tm, nullptr);
    check("running_mean", rm, tm, nullptr);
    Tolerance tr = tolerance_for(vknorm::DType::f32);
    tr.rtol += cond * cond;
    // eps = 0 and a channel of equal values: invstd = +Inf or a large finite value (unspecified).
    check("rstd", invstd, tr, [&](std::vector<double>& got) {
      for (size_t c = 0; c < got.size() && c < invstd.size(); ++c)
        if (std::isinf(invstd[c])) got[c] = invstd[c];
    });
    check("running_var", rv, tr, nullptr);
  }

  // x + y + weight + bias (x's dtype) + running stats read and written + saved stats (fp32).
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const uint64_t es = vknorm::dtype_size(s.dtype), C = static_cast<uint64_t>(row_length(s.shape, 1));
    const uint64_t param = s.affine ? 2 * C * es : 0;
    const uint64_t stats = eval_ ? 2 * C * 4 : 6 * C * 4;
    return 2 * static_cast<uint64_t>(s.numel()) * es + param + stats;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const int64_t C = row_length(s.shape, 1);
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (s.affine) {
      t.push_back({"weight", s.dtype, {C}});
      t.push_back({"bias", s.dtype, {C}});
    }
    t.push_back({"running_mean", vknorm::DType::f32, {C}});
    t.push_back({"running_var", vknorm::DType::f32, {C}});
    if (!eval_) {
      t.push_back({"mean", vknorm::DType::f32, {C}});
      t.push_back({"rstd", vknorm::DType::f32, {C}});
    }
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
    return {2, shape[1], 1};  // two values per channel (training needs more than one)
  }

  // Training: the saved mean / invstd of the first channels (as many as 2^25 host values
  // allow, at least one) against fp64 statistics of the whole channel, and sampled y of those
  // channels. Eval: y of sampled positions of every channel from the running statistics.
  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t N = s.shape[0], C = s.shape[1], S = s.numel() / std::max<int64_t>(1, N * C);
    const int64_t per_channel = N * S;
    if (per_channel == 0) return "";
    const std::vector<double> none;
    const std::vector<double>& w = s.affine ? run.param("weight") : none;
    const std::vector<double>& b = s.affine ? run.param("bias") : none;
    auto x_at = [&](int64_t n, int64_t c, int64_t sp) {
      return run.input("x", static_cast<uint64_t>((n * C + c) * S + sp));
    };
    const int64_t channels = eval_ ? C : std::max<int64_t>(1, std::min<int64_t>(C, (int64_t(1) << 25) / per_channel));
    std::vector<double> mean(static_cast<size_t>(channels)), invstd(static_cast<size_t>(channels));
    if (eval_) {
      const std::vector<double> rm = run.download("running_mean", C, vknorm::DType::f32);
      const std::vector<double> rv = run.download("running_var", C, vknorm::DType::f32);
      if (rm.size() != static_cast<size_t>(C) || rv.size() != static_cast<size_t>(C)) return "downloading running stats failed";
      for (int64_t c = 0; c < C; ++c) {
        mean[static_cast<size_t>(c)] = rm[static_cast<size_t>(c)];
        invstd[static_cast<size_t>(c)] = 1.0 / std::sqrt(rv[static_cast<size_t>(c)] + eps);
      }
    } else {
      for (int64_t c = 0; c < channels; ++c) {
        double sum = 0, ss = 0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t sp = 0; sp < S; ++sp) sum += x_at(n, c, sp);
        const double m = sum / static_cast<double>(per_channel);
        for (int64_t n = 0; n < N; ++n)
          for (int64_t sp = 0; sp < S; ++sp) ss += (x_at(n, c, sp) - m) * (x_at(n, c, sp) - m);
        mean[static_cast<size_t>(c)] = m;
        invstd[static_cast<size_t>(c)] = 1.0 / std::sqrt(ss / static_cast<double>(per_channel) + eps);
      }
      std::vector<double> got_m = run.download("mean", C, vknorm::DType::f32);
      std::vector<double> got_r = run.download("rstd", C, vknorm::DType::f32);
      if (got_m.size() != static_cast<size_t>(C) || got_r.size() != static_cast<size_t>(C)) return "downloading mean / rstd failed";
      got_m.resize(static_cast<size_t>(channels));
      got_r.resize(static_cast<size_t>(channels));
      add("mean", got_m, mean, vknorm::DType::f32, per_channel);
      add("rstd", got_r, invstd, vknorm::DType::f32, per_channel);
    }
    const std::vector<int64_t> picks = spread(per_channel, std::max<int64_t>(1, max_samples / channels));
    std::vector<int64_t> index;
    std::vector<double> ref;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t j : picks) {
        const int64_t n = j / S, sp = j % S;
        const size_t cu = static_cast<size_t>(c);
        index.push_back((n * C + c) * S + sp);
        ref.push_back((x_at(n, c, sp) - mean[cu]) * invstd[cu] * (w.empty() ? 1.0 : w[cu]) + (b.empty() ? 0.0 : b[cu]));
      }
    bool ok = true;
    const std::vector<double> got = run.gather("y", index, s.dtype, &ok);
    if (!ok) return "gathering y failed";
    add("y", got, ref, s.dtype, 1);
    return "";
  }

 private:
  bool eval_;
};

}  // namespace vknorm_support
