// group_norm, group_norm_nhwc, instance_norm and instance_norm_eval (N x C x spatial..; N x
// spatial.. x C for group_norm_nhwc, GroupNormArgs::channels_last): everything the tests,
// vknorm-check and vknorm-bench know about the operators. One class, four registered cases
// (group_norm_case.cpp, group_norm_nhwc_case.cpp, instance_norm_case.cpp,
// instance_norm_eval_case.cpp): InstanceNorm is GroupNorm with one group per channel, plus
// running statistics, and its eval mode reads them. group_norm_nhwc's reference runs the NCHW
// reference on the permuted x and permutes y back.
// CaseInputs: N, C, S as batch_norm; weight / bias (affine); mean / rstd hold the initial
// running_mean / running_var (fp32 values, instance_norm*).
//   group_norm          spec.optional_outputs: mean / rstd (N x groups)
//   group_norm_nhwc     the same, x / y (N, spatial.., C)
//   instance_norm       spec.optional_outputs: running_mean / running_var, updated in place
//   instance_norm_eval  running_mean / running_var read
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vknorm_support {

// The groups a group_norm case without spec.groups uses: the largest divisor of C that is at
// most sqrt(C) (C = 64: 8; 1000: 25; 3: 1), so that groups and channels per group both vary.
inline int64_t default_groups(int64_t C) {
  int64_t g = 1;
  for (int64_t d = 1; d <= C / d; ++d)  // d <= C / d: no overflow for any C
    if (C % d == 0) g = d;
  return g;
}

enum class ChannelNormKind { group, instance, instance_eval, group_nhwc };

class ChannelNormCase : public OpCase {
 public:
  explicit ChannelNormCase(ChannelNormKind k) : k_(k) {}
  bool is_group() const { return k_ == ChannelNormKind::group || k_ == ChannelNormKind::group_nhwc; }
  bool nhwc() const { return k_ == ChannelNormKind::group_nhwc; }
  const char* name() const override {
    if (nhwc()) return "group_norm_nhwc";
    return is_group() ? "group_norm" : k_ == ChannelNormKind::instance ? "instance_norm" : "instance_norm_eval";
  }
  std::vector<std::string> aliases() const override {
    if (nhwc()) return {"gn_nhwc", "groupnorm_nhwc"};
    if (is_group()) return {"gn", "groupnorm"};
    if (k_ == ChannelNormKind::instance) return {"in", "instancenorm"};
    return {"instancenorm_eval"};
  }
  int order() const override { return nhwc() ? 96 : is_group() ? 92 : k_ == ChannelNormKind::instance ? 93 : 94; }
  const char* shape_help() const override { return nhwc() ? "N x spatial.. x C" : "N x C x spatial.."; }
  int min_rank() const override { return is_group() ? 2 : 3; }
  bool uses_normalized_rank() const override { return false; }
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return true; }
  // NCHW GroupNorm and InstanceNorm's training mode run LayerNorm's kernels (fp32 parameters
  // beside 16-bit x); the channels-last kernels and the eval mode (BatchNorm's) do not.
  bool accepts_f32_params() const override { return k_ == ChannelNormKind::group || k_ == ChannelNormKind::instance; }
  // vknorm.h leaves NaN / Inf inputs unspecified for these operators.
  bool nan_inf_specified() const override { return false; }
  bool has_optional_outputs() const override { return k_ != ChannelNormKind::instance_eval; }
  // The statistics tensors are fp32: a 4-byte shift keeps them aligned.
  VkDeviceSize misalign_bytes(vknorm::DType) const override { return 4; }

  // Instance statistics need more than one spatial position (torch refuses it too).
  std::string skip_reason(const CaseSpec& spec) const override {
    if (k_ == ChannelNormKind::instance && spec.shape.size() >= 3 && product(spec.shape, 2, spec.shape.size()) == 1)
      return "instance statistics need more than 1 spatial element (tests check the refusal)";
    return "";
  }

  int64_t groups_of(const CaseSpec& spec, int64_t C) const {
    if (!is_group()) return C;
    return spec.groups > 0 ? spec.groups : default_groups(C);
  }

  // outlier_first: the first element of every (sample, group) is 1e4.
  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    const auto& sh = spec.shape;
    const size_t rank = sh.size();
    in.valid = static_cast<int>(rank) >= min_rank() && !b.any_negative;
    in.N = rank >= 1 ? sh[0] : 1;
    in.C = rank >= 2 ? (nhwc() ? sh[rank - 1] : sh[1]) : 1;
    in.S = rank >= 2 ? (nhwc() ? product(sh, 1, rank - 1) : product(sh, 2, rank)) : 1;
    if (b.any_negative) in.N = in.C = in.S = 0;
    const int64_t G = groups_of(spec, in.C);
    if (G <= 0 || (in.C > 0 && in.C % G)) in.valid = false;
    if (spec.affine && in.C > 0) {
      in.weight = param_values(spec, in.C, 1, 1.0);
      in.bias = param_values(spec, in.C, 2, 0.0);
    }
    if (!is_group() && in.C > 0) {
      // Running statistics near the data's (normal: mean 0, var 1; large_mean: 1e4, 3e-5).
      const bool large = spec.data == DataKind::large_mean;
      in.mean = affine_values(spec, in.C, 3, 0.0);
      in.rstd = affine_values(spec, in.C, 4, 1.0);
      for (double& m : in.mean) m = static_cast<float>(large ? 1e4 + 1e-3 * m : m);
      for (double& v : in.rstd) v = static_cast<float>(large ? 3e-5 * v : v);
    }
    if (spec.data == DataKind::outlier_first && in.valid && G > 0 && in.S > 0) {
      for (int64_t r = 0; r < in.N * G; ++r) in.x[static_cast<size_t>(flat(in, G, r, 0))] = b.outlier;
    }
    return in;
  }

  bool with_running(const CaseSpec& spec) const {
    return k_ == ChannelNormKind::instance_eval || (k_ == ChannelNormKind::instance && spec.optional_outputs);
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.affine) {
      t.push_back({"weight", false, spec.param_dtype(), {in.C}, &in.weight});
      t.push_back({"bias", false, spec.param_dtype(), {in.C}, &in.bias});
    }
    if (is_group() && spec.optional_outputs) {
      const int64_t G = groups_of(spec, in.C);
      t.push_back({"mean", true, vknorm::DType::f32, {in.N, G}, nullptr});
      t.push_back({"rstd", true, vknorm::DType::f32, {in.N, G}, nullptr});
    }
    if (with_running(spec)) {
      // Training updates them in place: outputs that start with values.
      const bool out = k_ == ChannelNormKind::instance;
      t.push_back({"running_mean", out, vknorm::DType::f32, {in.C}, &in.mean});
      t.push_back({"running_var", out, vknorm::DType::f32, {in.C}, &in.rstd});
    }
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    if (is_group()) {
      vknorm::GroupNormArgs a{};
      a.x = v("x");
      a.y = v("y");
      a.weight = v("weight");
      a.bias = v("bias");
      a.mean = v("mean");
      a.rstd = v("rstd");
      a.num_groups = p.groups > 0 ? p.groups : default_groups(a.x.rank >= 2 ? a.x.shape[nhwc() ? a.x.rank - 1 : 1] : 1);
      a.channels_last = nhwc();
      a.activation = p.activation;
      a.eps = static_cast<float>(p.eps);
      a.config = p.config;
      return make_bound(a);
    }
    vknorm::InstanceNormArgs a{};
    a.x = v("x");
    a.y = v("y");
    a.weight = v("weight");
    a.bias = v("bias");
    a.running_mean = v("running_mean");
    a.running_var = v("running_var");
    a.use_input_stats = k_ == ChannelNormKind::instance;
    a.momentum = static_cast<float>(p.momentum);
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    const int64_t G = groups_of(spec, in.C);
    std::vector<double> y, mean, rstd, var, rm = in.mean, rv = in.rstd;
    if (k_ == ChannelNormKind::instance_eval) {
      std::vector<double> bm, bi;
      batch_norm_reference(in.x, in.weight, in.bias, false, 0.0, spec.eps, in.N, in.C, in.S, &rm, &rv, &y, &bm, &bi);
      mean = in.mean;
      for (double v : in.rstd) rstd.push_back(1.0 / std::sqrt(v + spec.eps));
    } else {
      if (nhwc()) {  // the NCHW reference on the permuted x, y permuted back
        std::vector<double> xt(in.x.size()), yt;
        for (int64_t n = 0; n < in.N; ++n)
          for (int64_t s = 0; s < in.S; ++s)
            for (int64_t c = 0; c < in.C; ++c)
              xt[static_cast<size_t>((n * in.C + c) * in.S + s)] = in.x[static_cast<size_t>((n * in.S + s) * in.C + c)];
        group_norm_reference(xt, in.weight, in.bias, spec.eps, in.N, in.C, in.S, G, &yt, &mean, &rstd, &var);
        y.assign(yt.size(), 0.0);
        for (int64_t n = 0; n < in.N; ++n)
          for (int64_t s = 0; s < in.S; ++s)
            for (int64_t c = 0; c < in.C; ++c)
              y[static_cast<size_t>((n * in.S + s) * in.C + c)] = yt[static_cast<size_t>((n * in.C + c) * in.S + s)];
      } else {
        group_norm_reference(in.x, in.weight, in.bias, spec.eps, in.N, in.C, in.S, G, &y, &mean, &rstd, &var);
      }
      if (is_group())
        for (double& v : y) v = activation_reference(spec.activation, v);
      // Every call of a back-to-back run (in.calls) updates the running statistics again.
      if (with_running(spec)) {
        const double mo = static_cast<double>(static_cast<float>(spec.momentum));
        const double unbias = static_cast<double>(in.S) / static_cast<double>(in.S - 1);
        for (int k = 0; k < std::max(1, in.calls); ++k)
          for (int64_t c = 0; c < in.C; ++c) {
            double sm = 0, sv = 0;
            for (int64_t n = 0; n < in.N; ++n) {
              sm += mean[static_cast<size_t>(n * in.C + c)];
              sv += var[static_cast<size_t>(n * in.C + c)];
            }
            const size_t cu = static_cast<size_t>(c);
            rm[cu] = mo * (sm / static_cast<double>(in.N)) + (1 - mo) * rm[cu];
            rv[cu] = mo * (sv / static_cast<double>(in.N) * unbias) + (1 - mo) * rv[cu];
          }
      }
    }
    // Conditioning, as layer_norm's: the device keeps the mean in fp32, so x - mean carries up
    // to one fp32 ulp of |mean|: y moves by ulp(mean) * rstd * |w|.
    double cond = 0, wmax = 1;
    for (size_t r = 0; r < mean.size() && r < rstd.size(); ++r)
      if (std::isfinite(mean[r]) && std::isfinite(rstd[r])) cond = std::max(cond, ulp32(mean[r]) * rstd[r]);
    for (double w : in.weight)
      if (std::isfinite(w)) wmax = std::max(wmax, std::fabs(w));
    Tolerance ty = tolerance_for(spec.dtype);
    // An activation passes the error on with its slope (at most 1.10 for SiLU, 1.13 for GELU).
    const double slope = is_group() && spec.activation != vknorm::Activation::none ? 1.13 : 1.0;
    ty.atol += cond * wmax * slope;
    ty.rtol += cond * cond;
    // eps = 0 and a group of equal values: y = 0 * Inf, unspecified (see layer_norm.h).
    check("y", y, ty, [&](std::vector<double>& got) {
      if (k_ == ChannelNormKind::instance_eval || G <= 0) return;
      const int64_t len = in.C / G * in.S;
      for (size_t r = 0; r < rstd.size(); ++r)
        if (std::isinf(rstd[r]) && std::isfinite(mean[r]))
          for (int64_t j = 0; j < len; ++j) {
            const size_t i = static_cast<size_t>(flat(in, G, static_cast<int64_t>(r), j));
            if (i < got.size()) got[i] = y[i];
          }
    });
    if (!spec.optional_outputs || k_ == ChannelNormKind::instance_eval) return;
    // Means of centred data are cancellation results: element-wise atol, no nmse bound.
    Tolerance tm = tolerance_for(vknorm::DType::f32);
    tm.max_nmse = std::numeric_limits<double>::infinity();
    for (const double m : mean) tm.atol = std::max(tm.atol, 1e-5 + 2 * ulp32(m));
    Tolerance tr = tolerance_for(vknorm::DType::f32);
    tr.rtol += cond * cond;
    if (is_group()) {
      check("mean", mean, tm, nullptr);
      // eps = 0 and a group of equal values: rstd = +Inf or a large finite value (unspecified).
      check("rstd", rstd, tr, [&](std::vector<double>& got) {
        for (size_t r = 0; r < got.size() && r < rstd.size(); ++r)
          if (std::isinf(rstd[r])) got[r] = rstd[r];
      });
    } else {
      check("running_mean", rm, tm, nullptr);
      // The variance of a group whose values nearly cancel carries the fp32 rounding of
      // x - mean (ulp(mean)^2 relative to... ): atol of ulp(mean) squared terms.
      Tolerance tv = tr;
      double vtol = 0;
      for (size_t r = 0; r < mean.size(); ++r) vtol = std::max(vtol, 2 * ulp32(mean[r]) * std::sqrt(var[r]) + ulp32(mean[r]) * ulp32(mean[r]));
      tv.atol += vtol;
      check("running_var", rv, tv, nullptr);
    }
  }

  // x + y + weight + bias (x's dtype) + statistics (fp32). The bench times instance_norm as
  // torch's default InstanceNorm (track_running_stats=False, KernelBench #34, compare_torch):
  // no running statistics; BatchNorm training times the running-statistics update.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const uint64_t es = vknorm::dtype_size(s.dtype), C = static_cast<uint64_t>(row_length(s.shape, 1));
    const uint64_t N = static_cast<uint64_t>(s.shape.empty() ? 1 : s.shape[0]);
    const uint64_t param = s.affine ? 2 * C * es : 0;
    const uint64_t stats = is_group() ? 2 * N * static_cast<uint64_t>(groups_of_bench(s)) * 4
                                                         : k_ == ChannelNormKind::instance ? 0 : 2 * C * 4;
    return 2 * static_cast<uint64_t>(s.numel()) * es + param + stats;
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    const int64_t C = row_length(s.shape, 1), N = s.shape.empty() ? 1 : s.shape[0];
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    if (s.affine) {
      t.push_back({"weight", s.param_dtype(), {C}});
      t.push_back({"bias", s.param_dtype(), {C}});
    }
    if (is_group()) {
      t.push_back({"mean", vknorm::DType::f32, {N, groups_of_bench(s)}});
      t.push_back({"rstd", vknorm::DType::f32, {N, groups_of_bench(s)}});
    } else if (k_ == ChannelNormKind::instance_eval) {
      t.push_back({"running_mean", vknorm::DType::f32, {C}});
      t.push_back({"running_var", vknorm::DType::f32, {C}});
    }
    return t;
  }
  int64_t row_length(const std::vector<int64_t>& shape, int) const override {
    return shape.size() > 1 ? (nhwc() ? shape.back() : shape[1]) : 1;
  }
  // The batch, then the largest spatial dimension; never the channels.
  std::vector<size_t> halving_order(const std::vector<int64_t>& shape, int) const override {
    std::vector<size_t> rest;
    for (size_t i = nhwc() ? 1 : 2; i < (nhwc() ? shape.size() - 1 : shape.size()); ++i) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](size_t a, size_t b) { return shape[a] > shape[b]; });
    rest.insert(rest.begin(), 0);
    return rest;
  }
  std::vector<int64_t> minimal_shape(const std::vector<int64_t>& shape, int nr, int* out_rank) const override {
    *out_rank = nr;
    if (nhwc()) return {1, 2, shape.back()};
    return {1, shape[1], 2};  // two spatial positions (instance statistics need more than one)
  }

  // Sampled (sample, group) rows: fp64 statistics of the whole row against the saved mean /
  // rstd (group_norm) and sampled y of those rows. instance_norm's running statistics need
  // every plane: only y is sampled; instance_norm_eval checks y from the running statistics.
  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t N = s.shape[0], C = row_length(s.shape, 1), S = s.numel() / std::max<int64_t>(1, N * C);
    const int64_t G = groups_of_bench(s), len = C / G * S, rows = N * G;
    if (len == 0 || rows == 0) return "";
    const std::vector<double> none;
    const std::vector<double>& w = s.affine ? run.param("weight") : none;
    const std::vector<double>& b = s.affine ? run.param("bias") : none;
    std::vector<double> rm, rv;
    if (k_ == ChannelNormKind::instance_eval) {
      rm = run.download("running_mean", C, vknorm::DType::f32);
      rv = run.download("running_var", C, vknorm::DType::f32);
      if (rm.size() != static_cast<size_t>(C) || rv.size() != static_cast<size_t>(C)) return "downloading running stats failed";
    }
    // Rows to check: as many as 2^25 host values allow, at least one, spread over the tensor.
    const int64_t nrows = std::max<int64_t>(1, std::min<int64_t>(rows, (int64_t(1) << 25) / len));
    const std::vector<int64_t> picked = spread(rows, nrows);
    std::vector<double> got_m, got_r, ref_m, ref_r;
    if (is_group()) {
      got_m = run.download("mean", rows, vknorm::DType::f32);
      got_r = run.download("rstd", rows, vknorm::DType::f32);
      if (got_m.size() != static_cast<size_t>(rows) || got_r.size() != static_cast<size_t>(rows)) return "downloading mean / rstd failed";
    }
    const std::vector<int64_t> cols = spread(len, std::max<int64_t>(1, max_samples / nrows));
    std::vector<int64_t> index;
    std::vector<double> ref, sm, sr;
    for (int64_t r : picked) {
      const int64_t g = r % G;
      double m = 0, rs = 0;
      if (k_ != ChannelNormKind::instance_eval) {
        double sum = 0, ss = 0;
        for (int64_t j = 0; j < len; ++j) sum += run.input("x", static_cast<uint64_t>(flat_of(N, C, S, G, r, j)));
        m = sum / static_cast<double>(len);
        for (int64_t j = 0; j < len; ++j) {
          const double d = run.input("x", static_cast<uint64_t>(flat_of(N, C, S, G, r, j))) - m;
          ss += d * d;
        }
        rs = 1.0 / std::sqrt(ss / static_cast<double>(len) + eps);
      }
      if (is_group()) {
        ref_m.push_back(m);
        ref_r.push_back(rs);
        sm.push_back(got_m[static_cast<size_t>(r)]);
        sr.push_back(got_r[static_cast<size_t>(r)]);
      }
      for (int64_t j : cols) {
        const size_t c = static_cast<size_t>(g * (C / G) + j / S);
        if (k_ == ChannelNormKind::instance_eval) {
          m = rm[c];
          rs = 1.0 / std::sqrt(rv[c] + eps);
        }
        const int64_t i = flat_of(N, C, S, G, r, j);
        index.push_back(i);
        ref.push_back(activation_reference(
            is_group() ? s.activation : vknorm::Activation::none,
            (run.input("x", static_cast<uint64_t>(i)) - m) * rs * (w.empty() ? 1.0 : w[c]) +
                (b.empty() ? 0.0 : b[c])));
      }
    }
    if (is_group()) {
      add("mean", sm, ref_m, vknorm::DType::f32, len);
      add("rstd", sr, ref_r, vknorm::DType::f32, len);
    }
    bool ok = true;
    const std::vector<double> got = run.gather("y", index, s.dtype, &ok);
    if (!ok) return "gathering y failed";
    add("y", got, ref, s.dtype, 1);
    return "";
  }

 private:
  // Flat index of element j (NCHW order within the group: channel j / S of the group, position
  // j % S) of (sample, group) row r: r * len + j, or its channels-last place.
  int64_t flat_of(int64_t N, int64_t C, int64_t S, int64_t G, int64_t r, int64_t j) const {
    (void)N;
    const int64_t len = C / G * S;
    if (!nhwc()) return r * len + j;
    const int64_t n = r / G, g = r % G, c = g * (C / G) + j / S, sp = j % S;
    return (n * S + sp) * C + c;
  }
  int64_t flat(const CaseInputs& in, int64_t G, int64_t r, int64_t j) const { return flat_of(in.N, in.C, in.S, G, r, j); }

  int64_t groups_of_bench(const BenchShape& s) const {
    const int64_t C = row_length(s.shape, 1);
    if (!is_group()) return C;
    return s.groups > 0 ? s.groups : default_groups(C);
  }

  ChannelNormKind k_;
};

}  // namespace vknorm_support
