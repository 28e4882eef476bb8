// QK-norm + RoPE (qk_norm_rope, vknorm.h's QkNormRopeArgs), one op-case class registered twice:
//   qk_norm_rope        neox pairs, a cos_sin_cache, rotary_dim = head_dim (Qwen3, Gemma 3; an
//                       odd head_dim rotates all but its last element)
//   qk_norm_rope_gptj   gptj pairs, cos / sin computed from rope_theta, rotary_dim = head_dim / 2
//                       (rounded down to even, at least 2; partial rotary: the tail normalized only)
// Shape (tokens, heads, head_dim) with heads = q_heads + kv_heads: x is a packed QK buffer and
// q / k are views of its first q_heads and last kv_heads heads (strided token and head views,
// as a packed QKV buffer gives them); y likewise (q_out / k_out), or x itself in place.
// kv_heads = CaseSpec::groups / BenchShape::groups when in [1, heads - 1], else max(1, heads / 4)
// (GQA). q_weight is the `weight` role, k_weight its own. Positions: conformance cases draw
// them inside the cache (max_position 70) or in [0, 48) without a cache (the fp32
// angle's error grows with the position: see check_outputs); the bench uses 0 .. tokens - 1 and
// a cache of `tokens` rows.
#pragma once

#include "support/bound_args.h"
#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/op_case.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vknorm_support {

// kv heads of a (tokens, heads, head_dim) case (see above).
inline int64_t qk_kv_heads(int64_t heads, int64_t groups) {
  if (groups >= 1 && groups < heads) return groups;
  return std::max<int64_t>(1, heads / 4);
}

// Heads [h0, h0 + n) of a (tokens, heads, head_dim) view.
inline vknorm::Tensor qk_head_slice(const vknorm::Tensor& t, int64_t h0, int64_t n) {
  if (!t.is_set() || t.rank != 3) return t;
  vknorm::Tensor r = t;
  r.shape[1] = n;
  const VkDeviceSize bytes = static_cast<VkDeviceSize>(h0 * t.strides[1]) * vknorm::dtype_size(t.dtype);
  if (r.address) r.address += bytes;
  else r.offset += bytes;
  r.size = t.size > bytes ? t.size - bytes : 0;
  return r;
}

class QkNormRopeCase : public OpCase {
 public:
  explicit QkNormRopeCase(bool gptj) : gptj_(gptj) {}
  const char* name() const override { return gptj_ ? "qk_norm_rope_gptj" : "qk_norm_rope"; }
  std::vector<std::string> aliases() const override {
    return {gptj_ ? "qk_rope_gptj" : "fused_qk_norm_rope"};
  }
  int order() const override { return gptj_ ? 51 : 50; }
  const char* shape_help() const override { return "tokens x (q_heads + kv_heads) x head_dim (--groups: kv_heads)"; }
  int min_rank() const override { return 3; }
  int max_rank() const override { return 3; }
  // Two heads (one q, one k) and a head_dim with a rotary pair at least.
  void fit_drawn_shape(std::vector<int64_t>* shape) const override {
    (*shape)[1] = std::max<int64_t>((*shape)[1], 2);
    (*shape)[2] = std::max<int64_t>((*shape)[2], 2);
  }
  bool uses_normalized_rank() const override { return false; }
  bool uses_eps() const override { return true; }
  bool supports_in_place() const override { return true; }  // q_out = q, k_out = k
  bool nan_inf_specified() const override { return true; }
  bool has_optional_outputs() const override { return false; }
  VkDeviceSize misalign_bytes(vknorm::DType) const override { return 4; }  // positions / cache: 4-byte elements

  // neox: the largest even count <= D (all of an even head); gptj: half of it, at least 2.
  int64_t rotary_dim(int64_t D) const { return gptj_ ? std::min<int64_t>(D / 2 * 2, std::max<int64_t>(2, D / 2 / 2 * 2)) : D / 2 * 2; }
  bool cached() const { return !gptj_; }
  static constexpr int64_t kCacheRows = 70;  // conformance cases' max_position

  CaseInputs make_inputs(const CaseSpec& spec) const override {
    CaseInputs in;
    const BaseInputs b = make_x(spec, &in);
    in.valid = spec.shape.size() == 3 && !b.any_negative && spec.shape[1] >= 2;
    if (!in.valid) return in;
    const int64_t T = spec.shape[0], D = spec.shape[2];
    in.rows = T * spec.shape[1];
    in.D = D;
    if (in.D == 0) return in;
    if (spec.affine) {
      in.weight = affine_values(spec, D, 1, 1.0);
      in.k_weight = affine_values(spec, D, 2, 1.0);
    }
    const int64_t rot = rotary_dim(D);
    // Token t's position and the cache do not depend on the token count (batch invariance
    // compares a token's outputs across counts).
    for (int64_t t = 0; t < T; ++t) {
      const uint64_t h = hash_at(sub_seed(spec.seed, 3), static_cast<uint64_t>(t));
      in.positions.push_back(static_cast<double>(h % (cached() ? uint64_t(kCacheRows) : 48)));
    }
    if (cached() && rot > 0) in.cos_sin_cache = rope_cos_sin_cache(kCacheRows, rot, kQkRopeTheta);
    place_row_specials(spec, b.outlier, &in);
    return in;
  }

  std::vector<TensorRole> tensors(const CaseSpec& spec, const CaseInputs& in) const override {
    std::vector<TensorRole> t;
    t.push_back({"x", false, spec.dtype, spec.shape, &in.x});
    t.push_back({"y", true, spec.dtype, spec.shape, nullptr});
    if (spec.shape.size() != 3) return t;
    const int64_t D = spec.shape[2];
    if (spec.affine) {
      t.push_back({"weight", false, spec.dtype, {D}, &in.weight});
      t.push_back({"k_weight", false, spec.dtype, {D}, &in.k_weight});
    }
    t.push_back({"positions", false, vknorm::DType::i32, {spec.shape[0]}, &in.positions});
    if (cached() && !in.cos_sin_cache.empty())
      t.push_back({"cos_sin_cache", false, vknorm::DType::f32, {kCacheRows, rotary_dim(D)}, &in.cos_sin_cache});
    return t;
  }

  std::unique_ptr<BoundOp> bind(const RoleLookup& v, const OpParams& p) const override {
    vknorm::QkNormRopeArgs a;
    const vknorm::Tensor x = v("x"), y = v("y");
    const int64_t H = x.rank == 3 ? x.shape[1] : 0, D = x.rank == 3 ? x.shape[2] : 0;
    const int64_t hk = qk_kv_heads(H, p.groups), hq = H - hk;
    a.q = qk_head_slice(x, 0, hq);
    a.k = qk_head_slice(x, hq, hk);
    // y is sliced like x only when it is x's shape; otherwise it goes as it is (as q_out and
    // k_out), and the call is refused for its shape. A missing y would mean in place (writing
    // the input x), so it becomes an invalid q_out: the case always names its output.
    bool y_like_x = y.rank == x.rank && y.rank == 3;
    for (int i = 0; y_like_x && i < 3; ++i) y_like_x = y.shape[i] == x.shape[i];
    a.q_out = y_like_x ? qk_head_slice(y, 0, hq) : y;
    a.k_out = y_like_x ? qk_head_slice(y, hq, hk) : y;
    if (!y.is_set()) {
      a.q_out = x;
      a.q_out.rank = vknorm::kMaxRank + 1;
    }
    a.q_weight = v("weight");
    a.k_weight = v("k_weight");
    a.positions = v("positions");
    a.cos_sin_cache = v("cos_sin_cache");
    a.rotary_dim = static_cast<uint32_t>(rotary_dim(D));
    a.style = gptj_ ? vknorm::RopeStyle::gptj : vknorm::RopeStyle::neox;
    a.rope_theta = static_cast<float>(kQkRopeTheta);
    a.eps = static_cast<float>(p.eps);
    a.config = p.config;
    return make_bound(a);
  }

  // The reference of every head (q's weight for the first heads, k's for the others).
  void reference(const std::vector<double>& x, int64_t T, int64_t H, int64_t D, int64_t hk,
                 const std::vector<double>& wq, const std::vector<double>& wk, const std::vector<double>& pos,
                 const std::vector<double>& cache, double eps, std::vector<double>* y) const {
    y->assign(static_cast<size_t>(T * H * D), 0.0);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < H; ++h) {
        const size_t o = static_cast<size_t>((t * H + h) * D);
        qk_norm_rope_head_reference(x.data() + o, D, h < H - hk ? wq : wk, static_cast<int64_t>(pos[static_cast<size_t>(t)]),
                                    rotary_dim(D), gptj_, cache, kQkRopeTheta, eps, y->data() + o);
      }
  }

  // Without a cache the kernel's angle is fp32 (pos * 2^(i freq), exp2's few ulps), the
  // reference's exact: up to about 8 ulps of an angle <= max |pos|, and |n| <= sqrt(D) times
  // that in the output. 0 with a cache (the kernel reads the reference's own values).
  double angle_error_bound(double max_abs_pos, int64_t D) const {
    if (cached()) return 0.0;
    return 4.0 * max_abs_pos * std::ldexp(1.0, -22) * std::sqrt(static_cast<double>(std::max<int64_t>(D, 1)));
  }
  static double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double p : v) m = std::max(m, std::fabs(p));
    return m;
  }
  // The dtype's tolerance plus the angle's bound.
  Tolerance tolerance(vknorm::DType dtype, int64_t D, const std::vector<double>& positions) const {
    Tolerance t = tolerance_for(dtype);
    t.atol += angle_error_bound(max_abs(positions), D);
    return t;
  }

  void check_outputs(const CaseSpec& spec, const CaseInputs& in, const OutputCheckFn& check) const override {
    if (spec.shape.size() != 3) return;
    const int64_t T = spec.shape[0], H = spec.shape[1], D = spec.shape[2];
    std::vector<double> y;
    reference(in.x, T, H, D, qk_kv_heads(H, spec.groups), in.weight, in.k_weight, in.positions, in.cos_sin_cache,
              spec.eps, &y);
    check("y", y, tolerance(spec.dtype, D, in.positions), nullptr);
  }

  // x + y, the positions and the cache rows they read (at most one per token), the weights.
  uint64_t minimal_bytes(const BenchShape& s) const override {
    const uint64_t T = static_cast<uint64_t>(s.shape[0]), D = static_cast<uint64_t>(s.shape[2]);
    const uint64_t big = static_cast<uint64_t>(s.numel()) * vknorm::dtype_size(s.dtype);
    return 2 * big + 4 * T + (cached() ? 4 * T * static_cast<uint64_t>(rotary_dim(int64_t(D))) : 0) +
           (s.affine ? 2 * D * vknorm::dtype_size(s.dtype) : 0);
  }
  std::vector<BenchTensor> bench_tensors(const BenchShape& s) const override {
    std::vector<BenchTensor> t = {{"x", s.dtype, s.shape}, {"y", s.dtype, s.shape}};
    const int64_t T = s.shape[0], D = s.shape[2];
    if (s.affine) {
      t.push_back({"weight", s.dtype, {D}});
      t.push_back({"k_weight", s.dtype, {D}});
    }
    t.push_back({"positions", vknorm::DType::i32, {T}});
    if (cached()) t.push_back({"cos_sin_cache", vknorm::DType::f32, {T, rotary_dim(D)}});
    return t;
  }
  int64_t row_length(const std::vector<int64_t>& shape, int) const override { return shape.empty() ? 0 : shape.back(); }
  std::vector<size_t> halving_order(const std::vector<int64_t>&, int) const override { return {0}; }
  std::vector<int64_t> minimal_shape(const std::vector<int64_t>& shape, int nr, int* out_rank) const override {
    *out_rank = nr;
    return {1, shape.size() == 3 ? shape[1] : 2, shape.empty() ? 1 : shape.back()};
  }

  // Sampled heads against the fp64 reference; the bench's positions and cache (params) are
  // what it uploaded.
  std::string sampled_check(SampledRun& run, const BenchShape& s, double eps, int64_t max_samples,
                            const SampleCheckFn& add) const override {
    const int64_t T = s.shape[0], H = s.shape[1], D = s.shape[2];
    const int64_t hk = qk_kv_heads(H, s.groups);
    const std::vector<double> none;
    const std::vector<double>& wq = s.affine ? run.param("weight") : none;
    const std::vector<double>& wk = s.affine ? run.param("k_weight") : none;
    const std::vector<double>& pos = run.param("positions");
    const std::vector<double>& cache = cached() ? run.param("cos_sin_cache") : none;
    std::vector<int64_t> heads = spread(T * H, std::max<int64_t>(1, max_samples / std::max<int64_t>(D, 1)));
    std::vector<int64_t> index;
    std::vector<double> ref, x(static_cast<size_t>(D)), y(static_cast<size_t>(D));
    for (int64_t r : heads) {
      const int64_t t = r / H, h = r % H;
      for (int64_t j = 0; j < D; ++j) x[static_cast<size_t>(j)] = run.input("x", static_cast<uint64_t>(r * D + j));
      qk_norm_rope_head_reference(x.data(), D, h < H - hk ? wq : wk, static_cast<int64_t>(pos[static_cast<size_t>(t)]),
                                  rotary_dim(D), gptj_, cache, kQkRopeTheta, eps, y.data());
      for (int64_t j = 0; j < D; ++j) {
        index.push_back(r * D + j);
        ref.push_back(y[static_cast<size_t>(j)]);
      }
    }
    // The sampled check's tolerance grows as 1e-5 sqrt(reduction) (support/compare.cpp): a
    // reduction length that covers the computed angle's bound (positions up to T - 1).
    const double bound = angle_error_bound(max_abs(pos), D);
    const int64_t reduction = bound > 0 ? static_cast<int64_t>(std::ceil((bound / 1e-5) * (bound / 1e-5))) + 1 : 1;
    bool ok = true;
    add("y", run.gather("y", index, s.dtype, &ok), ref, s.dtype, reduction);
    return ok ? "" : "gathering outputs failed";
  }

 private:
  bool gptj_;
};

}  // namespace vknorm_support
