// qk_norm_rope (per-head RMSNorm of q and k, then RoPE) against the fp64 reference in f32, f16
// and bf16: both op cases (neox with a cache, gptj computed with half rotary) over odd token
// counts, GQA head counts, head_dims of 10..256, data kinds, in place, by address, misaligned,
// configs; hand-built calls on q / k views of a packed QKV buffer with an f16 k_out written into
// a strided KV-cache view, neox partial rotary, gptj with a cache, positions outside the cache
// (clamped); prepare(); and every bad argument refused before anything is written.
#include "test_common.h"

#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/reference.h"

#include <cmath>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

const char* const kQkForms[] = {"qk_norm_rope", "qk_norm_rope_gptj"};

double tol_of(DType dt) { return dt == DType::f32 ? 2e-5 : dt == DType::f16 ? 2e-3 : 1.6e-2; }

// Largest |got - ref| / (1 + |ref|).
double worst_error(const std::vector<double>& got, const std::vector<double>& ref) {
  double worst = 0;
  for (size_t i = 0; i < ref.size() && i < got.size(); ++i) {
    const double e = std::fabs(got[i] - ref[i]) / (1.0 + std::fabs(ref[i]));
    if (!(e <= worst)) worst = e;  // NaN sticks
  }
  return worst;
}

std::vector<double> values(size_t n, uint64_t seed, DType dt, double center = 0.0, double scale = 1.0) {
  std::vector<double> v(n);
  vknorm_support::fill_normal(&v, seed);
  for (double& x : v) x = vknorm_support::quantize(center + scale * x, dt);
  return v;
}

// One hand-built call: q and k are head slices of a packed (T, Hq + 2 Hk, D) QKV buffer (token
// stride (Hq + 2 Hk) D); q_out is contiguous (T, Hq, D); k_out is a (T, Hk, D) view of a cache
// of `cache_tokens` rows with head stride D + 8 and token stride Hk (D + 8), in k_dt.
struct PackedCall {
  DType dt = DType::f32, k_dt = DType::f32;
  int64_t T = 5, Hq = 4, Hk = 2, D = 64, rot = 0;
  vknorm::RopeStyle style = vknorm::RopeStyle::neox;
  bool cache = true, weights = true;
  int64_t max_pos = 40;
  std::vector<int32_t> positions;  // empty: (7 t + 3) % max_pos
};

void run_packed(HostDevice& dev, const PackedCall& c) {
  CAPTURE(vknorm::dtype_name(c.dt));
  CAPTURE(vknorm::dtype_name(c.k_dt));
  CAPTURE(c.D);
  CAPTURE(c.rot);
  CAPTURE(c.cache);
  const int64_t H = c.Hq + 2 * c.Hk, rot = c.rot ? c.rot : c.D, kpad = c.D + 8;
  const std::vector<double> qkv = values(size_t(c.T * H * c.D), 31 + uint64_t(c.D), c.dt);
  const std::vector<double> wq = values(size_t(c.D), 32, c.dt, 1.0, 0.1), wk = values(size_t(c.D), 33, c.dt, 1.0, 0.1);
  std::vector<double> pos;
  for (int64_t t = 0; t < c.T; ++t)
    pos.push_back(c.positions.empty() ? double((7 * t + 3) % c.max_pos) : double(c.positions[size_t(t)]));
  const std::vector<double> cs = vknorm_support::rope_cos_sin_cache(c.max_pos, rot, 1e4);
  auto qkvb = upload(dev, qkv, c.dt), wqb = upload(dev, wq, c.dt), wkb = upload(dev, wk, c.dt);
  auto posb = upload(dev, pos, DType::i32), csb = upload(dev, cs, DType::f32);
  const int64_t cache_tokens = c.T + 2;
  TestBuffer qob(dev, VkDeviceSize(c.T * c.Hq * c.D) * vknorm::dtype_size(c.dt));
  TestBuffer kob(dev, VkDeviceSize(cache_tokens * c.Hk * kpad) * vknorm::dtype_size(c.k_dt));
  vknorm::QkNormRopeArgs a;
  const int64_t es = int64_t(vknorm::dtype_size(c.dt));
  a.q = view_of(dev, *qkvb, c.dt, {c.T, c.Hq, c.D}, {H * c.D, c.D, 1});
  a.k = view_of(dev, *qkvb, c.dt, {c.T, c.Hk, c.D}, {H * c.D, c.D, 1}, VkDeviceSize(c.Hq * c.D * es));
  a.q_out = view(qob, c.dt, {c.T, c.Hq, c.D});
  // Token 1 of the cache onwards (a decode step appending after token 0).
  a.k_out = view_of(dev, kob, c.k_dt, {c.T, c.Hk, c.D}, {c.Hk * kpad, kpad, 1},
                    VkDeviceSize(c.Hk * kpad) * vknorm::dtype_size(c.k_dt));
  if (c.weights) {
    a.q_weight = view(*wqb, c.dt, {c.D});
    a.k_weight = view(*wkb, c.dt, {c.D});
  }
  a.positions = view(*posb, DType::i32, {c.T});
  if (c.cache) a.cos_sin_cache = view(*csb, DType::f32, {c.max_pos, rot});
  a.rotary_dim = uint32_t(c.rot);
  a.style = c.style;
  a.rope_theta = 1e4f;
  Error err;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
  REQUIRE_MESSAGE(err.ok(), err.message);
  const bool gptj = c.style == vknorm::RopeStyle::gptj;
  const std::vector<double> none;
  std::vector<double> q_ref(size_t(c.T * c.Hq * c.D)), k_ref(size_t(c.T * c.Hk * c.D));
  for (int64_t t = 0; t < c.T; ++t) {
    const int64_t p = int64_t(pos[size_t(t)]);
    for (int64_t h = 0; h < c.Hq; ++h)
      vknorm_support::qk_norm_rope_head_reference(qkv.data() + (t * H + h) * c.D, c.D, c.weights ? wq : none, p, rot,
                                                  gptj, c.cache ? cs : none, 1e4, 1e-6,
                                                  q_ref.data() + (t * c.Hq + h) * c.D);
    for (int64_t h = 0; h < c.Hk; ++h)
      vknorm_support::qk_norm_rope_head_reference(qkv.data() + (t * H + c.Hq + h) * c.D, c.D, c.weights ? wk : none, p,
                                                  rot, gptj, c.cache ? cs : none, 1e4, 1e-6,
                                                  k_ref.data() + (t * c.Hk + h) * c.D);
  }
  for (double& v : q_ref) v = vknorm_support::quantize(v, c.dt);
  for (double& v : k_ref) v = vknorm_support::quantize(v, c.k_dt);
  const std::vector<double> q_got = download(dev, qob, q_ref.size(), c.dt);
  const std::vector<double> k_all = download(dev, kob, size_t(cache_tokens * c.Hk * kpad), c.k_dt);
  std::vector<double> k_got;
  for (int64_t t = 0; t < c.T; ++t)
    for (int64_t h = 0; h < c.Hk; ++h)
      for (int64_t j = 0; j < c.D; ++j) k_got.push_back(k_all[size_t((t + 1) * c.Hk * kpad + h * kpad + j)]);
  // Without a cache: the fp32 angle's few ulps at positions below 48 (support/ops/qk_norm_rope.h).
  const double extra = c.cache ? 0.0 : 4.0 * 48.0 * std::ldexp(1.0, -22) * std::sqrt(double(c.D));
  CHECK(worst_error(q_got, q_ref) <= tol_of(c.dt) + extra);
  CHECK(worst_error(k_got, k_ref) <= tol_of(c.k_dt) + extra);
  // The cache's rows outside the view (token 0, the last one) and the padding stay untouched.
  bool pad_untouched = true;
  for (int64_t t = 0; t < cache_tokens; ++t)
    for (int64_t h = 0; h < c.Hk; ++h)
      for (int64_t j = 0; j < kpad; ++j) {
        const bool inside = t >= 1 && t <= c.T && j < c.D;
        const double v = k_all[size_t(t * c.Hk * kpad + h * kpad + j)];
        if (!inside && std::isfinite(v) && std::fabs(v) < 1e3) pad_untouched = false;
      }
  CHECK_MESSAGE(pad_untouched, "k_out wrote outside its view");
}

}  // namespace

TEST_SUITE("qk_norm_rope") {
  TEST_CASE("qk_norm_rope both forms over odd tokens, GQA heads and head_dims") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 1200;
    for (const char* form : kQkForms)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape :
             {std::vector<int64_t>{3, 5, 64}, std::vector<int64_t>{7, 2, 34}, std::vector<int64_t>{1, 40, 128},
              std::vector<int64_t>{5, 6, 256}, std::vector<int64_t>{33, 3, 10}, std::vector<int64_t>{2, 4, 2},
              std::vector<int64_t>{4, 3, 33}}) {
          ++seed;
          check_case(dev, op_spec(form, dt, shape, (seed % 2) == 0, DataKind::normal, seed));
        }
  }

  TEST_CASE("qk_norm_rope kv head counts (MHA, GQA, MQA)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 1300;
    for (const char* form : kQkForms)
      for (int64_t kv : {1, 3, 4, 8}) {
        CaseSpec s = op_spec(form, DType::f32, {5, 12, 64}, true, DataKind::normal, ++seed);
        s.groups = kv;  // 11 + 1, 9 + 3, 8 + 4, 4 + 8 (more k heads than q heads is allowed too)
        check_case(dev, s);
      }
  }

  TEST_CASE("qk_norm_rope data kinds, eps, in place, by address, misaligned, configs") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 1400;
    vknorm::KernelConfig narrow;  // 8 lanes x 16 elements per head, 8 heads per workgroup
    narrow.workgroup_size = 64;
    narrow.items_per_invocation = 16;
    narrow.rows_per_workgroup = 8;
    vknorm::KernelConfig wide;  // one head per 128-invocation workgroup, 2 elements per lane
    wide.workgroup_size = 128;
    wide.items_per_invocation = 2;
    wide.rows_per_workgroup = 1;
    for (const char* form : kQkForms)
      for (DType dt : kAllDtypes) {
        for (DataKind data : {DataKind::large_mean, DataKind::outlier_first, DataKind::nan_inf, DataKind::uniform01})
          for (double eps : {0.0, 10.0}) {
            CaseSpec s = op_spec(form, dt, {7, 6, 64}, true, data, ++seed);
            s.eps = eps;
            check_case(dev, s);
          }
        const CaseSpec base = op_spec(form, dt, {5, 5, 128}, true, DataKind::normal, ++seed);
        for (const CaseSpec& p : placements(base)) check_case(dev, p);
        for (const vknorm::KernelConfig* cfg : {&narrow, &wide}) {
          CaseSpec s = base;
          s.config = cfg;
          check_case(dev, s);
        }
      }
  }

  TEST_CASE("qk_norm_rope on a packed QKV buffer, k_out into a strided cache view (f16 and k's dtype)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (DType k_dt : dt == DType::f16 ? std::vector<DType>{dt} : std::vector<DType>{dt, DType::f16}) {
        PackedCall c;
        c.dt = dt;
        c.k_dt = k_dt;
        run_packed(dev, c);  // neox, cache, full rotary, 5 tokens, 4 q + 2 kv heads
        c.T = 9;
        c.Hq = 8;
        c.Hk = 1;
        c.D = 128;
        c.rot = 64;  // partial rotary (neox): the tail is normalized only
        run_packed(dev, c);
        c.style = vknorm::RopeStyle::gptj;  // gptj with a cache
        c.weights = false;
        run_packed(dev, c);
        c.cache = false;  // computed cos / sin, neox partial
        c.style = vknorm::RopeStyle::neox;
        c.D = 96;
        c.rot = 32;
        c.max_pos = 48;
        run_packed(dev, c);
      }
  }

  TEST_CASE("qk_norm_rope clamps positions outside the cache") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    PackedCall c;
    c.T = 6;
    c.max_pos = 4;
    c.positions = {-5, 0, 3, 4, 1000000, -2147483647 - 1};
    run_packed(dev, c);  // the reference clamps to rows 0 / 3 (support/reference.cpp)
    c.cache = false;  // without a cache a negative position rotates backwards
    c.positions = {-7, -1, 0, 1, 20, 47};
    c.max_pos = 48;
    run_packed(dev, c);
  }

  TEST_CASE("qk_norm_rope prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (bool kf16 : {false, true}) {
      const int64_t T = 3, Hq = 8, Hk = 2, D = 128;
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::qk_norm_rope, DType::bf16, {T, Hq, D});
      info.kv_heads = Hk;
      info.k_out_f16 = kf16;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t n = vknorm::pipeline_count(dev.context());
      TestBuffer qb(dev, T * Hq * D * 2), kb(dev, T * Hk * D * 2), qob(dev, T * Hq * D * 2), kob(dev, T * Hk * D * 2),
          pb(dev, 64), cb(dev, 64 * D * 4);
      vknorm::QkNormRopeArgs a;
      a.q = view(qb, DType::bf16, {T, Hq, D});
      a.k = view(kb, DType::bf16, {T, Hk, D});
      a.q_out = view(qob, DType::bf16, {T, Hq, D});
      a.k_out = view(kob, kf16 ? DType::f16 : DType::bf16, {T, Hk, D});
      a.positions = view(pb, DType::i32, {T});
      a.cos_sin_cache = view(cb, DType::f32, {64, D});  // the cache does not change the pipeline
      std::vector<vknorm::DispatchInfo> di;
      REQUIRE(vknorm::describe_dispatches(dev.context(), a, &di).ok());
      REQUIRE(di.size() == 1);
      CHECK(di[0].kernel.find(kf16 ? "qk_norm_rope_kf16.bf16" : "qk_norm_rope.bf16") == 0);
      CHECK(vknorm::pipeline_count(dev.context()) == n);
    }
  }

  TEST_CASE("qk_norm_rope default config: heads share a workgroup, a head stays in registers") {
    HostDevice& dev = host();
    for (int64_t D : {64, 128, 256}) {
      TestBuffer qb(dev, 4 * 32 * D * 4), kb(dev, 4 * 8 * D * 4), pb(dev, 64);
      vknorm::QkNormRopeArgs a;
      a.q = view(qb, DType::f32, {4, 32, D});
      a.k = view(kb, DType::f32, {4, 8, D});
      a.positions = view(pb, DType::i32, {4});
      vknorm::KernelConfig cfg;
      REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
      CAPTURE(D);
      CAPTURE(vknorm::to_string(cfg));
      const uint32_t lanes = cfg.workgroup_size / cfg.rows_per_workgroup;
      CHECK(cfg.rows_per_workgroup > 1);
      CHECK(lanes * cfg.items_per_invocation >= uint32_t(D));
      CHECK(cfg.items_per_invocation <= 16);
      CHECK(cfg.vector_width == 1);
    }
  }

  TEST_CASE("qk_norm_rope bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer qb(dev, 8192), kb(dev, 8192), qob(dev, 8192), kob(dev, 8192), wb(dev, 512), pb(dev, 256), cb(dev, 8192);
    vknorm::QkNormRopeArgs good;
    good.q = view(qb, DType::f32, {3, 4, 32});
    good.k = view(kb, DType::f32, {3, 2, 32});
    good.q_out = view(qob, DType::f32, {3, 4, 32});
    good.k_out = view(kob, DType::f32, {3, 2, 32});
    good.q_weight = view(wb, DType::f32, {32});
    good.k_weight = view(wb, DType::f32, {32}, 128);
    good.positions = view(pb, DType::i32, {3});
    good.cos_sin_cache = view(cb, DType::f32, {16, 32});
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto refused = [&](const std::string& what, const vknorm::QkNormRopeArgs& a, Status want = Status::invalid_argument) {
      expect_args_refused(dev, want, what, a, {&qob, &kob, &qb, &kb});
    };
    // Inputs are poisoned too (never written by a refused call): the in-place cases check them.
    auto a = good;
    a.q = Tensor{};
    refused("no q", a);
    a = good;
    a.k = Tensor{};
    refused("no k", a);
    a = good;
    a.positions = Tensor{};
    refused("no positions", a);
    a = good;
    a.q = view(qb, DType::f32, {96, 32});
    a.q = view(qb, DType::f32, {32});
    refused("q of rank 1", a);
    a = good;
    a.k = view(kb, DType::f32, {3, 2, 16});
    a.k_out = view(kob, DType::f32, {3, 2, 16});
    refused("k with another head_dim", a);
    a = good;
    a.k = view(kb, DType::f32, {2, 2, 32});
    a.k_out = view(kob, DType::f32, {2, 2, 32});
    refused("k with another token count", a);
    a = good;
    a.k = view(kb, DType::f16, {3, 2, 32});
    a.k_out = view(kob, DType::f16, {3, 2, 32});
    refused("k of another dtype", a);
    a = good;
    a.q = view(qb, DType::i32, {3, 4, 32});
    refused("q of dtype i32", a);
    a = good;
    a.q = view_of(dev, qb, DType::f32, {3, 4, 16}, {128, 32, 2});
    a.q_out = view(qob, DType::f32, {3, 4, 16});
    a.k = view(kb, DType::f32, {3, 2, 16});
    a.k_out = view(kob, DType::f32, {3, 2, 16});
    a.q_weight = view(wb, DType::f32, {16});
    a.k_weight = view(wb, DType::f32, {16}, 128);
    a.cos_sin_cache = view(cb, DType::f32, {16, 16});
    refused("head_dim not contiguous", a);
    a = good;
    a.q_out = view(qob, DType::f32, {3, 4, 16});
    refused("q_out of another shape", a);
    a = good;
    a.q_out = view(qob, DType::f16, {3, 4, 32});
    refused("q_out of another dtype", a);
    a = good;
    a.k_out = view(kob, DType::bf16, {3, 2, 32});
    refused("k_out bf16 for f32 k (only k's dtype or f16)", a);
    a = good;
    a.k_out = view(kob, DType::f32, {3, 3, 32});
    refused("k_out of another shape", a);
    a = good;
    a.rotary_dim = 31;
    refused("odd rotary_dim", a);
    a = good;
    a.rotary_dim = 34;
    refused("rotary_dim past head_dim", a);
    a = good;
    a.q = view(qb, DType::f32, {3, 4, 33});
    a.q_out = view(qob, DType::f32, {3, 4, 33});
    a.k = view(kb, DType::f32, {3, 2, 33});
    a.k_out = view(kob, DType::f32, {3, 2, 33});
    a.q_weight = a.k_weight = Tensor{};
    a.cos_sin_cache = Tensor{};
    refused("odd head_dim with rotary_dim 0 (= head_dim)", a);
    a = good;
    a.style = static_cast<vknorm::RopeStyle>(2);
    refused("unknown style", a);
    a = good;
    a.eps = -1.0f;
    refused("negative eps", a);
    a = good;
    a.cos_sin_cache = Tensor{};
    a.rope_theta = 0.0f;
    refused("rope_theta 0 without a cache", a);
    a.rope_theta = std::nanf("");
    refused("rope_theta NaN without a cache", a);
    a = good;
    a.positions = view(pb, DType::f32, {3});
    refused("positions not i32", a);
    a = good;
    a.positions = view(pb, DType::i32, {4});
    refused("positions of another length", a);
    a = good;
    a.positions = view_of(dev, pb, DType::i32, {3}, {2});
    refused("positions not contiguous", a);
    a = good;
    a.q_weight = view(wb, DType::f32, {31});
    refused("q_weight of another length", a);
    a = good;
    a.k_weight = view(wb, DType::f16, {32});
    refused("k_weight of another dtype", a);
    a = good;
    a.cos_sin_cache = view(cb, DType::f32, {16, 30});
    refused("cache rows of another rotary_dim", a);
    a = good;
    a.cos_sin_cache = view(cb, DType::f16, {16, 32});
    refused("cache not f32", a);
    a = good;
    a.cos_sin_cache = view(cb, DType::f32, {16 * 32});
    refused("cache of rank 1", a);
    a = good;
    a.cos_sin_cache = view_of(dev, cb, DType::f32, {8, 32}, {64, 1});
    refused("cache rows not contiguous", a);
    // Aliasing: only q_out = q and k_out = k exactly.
    a = good;
    a.k_out = a.q_out;
    a.k_out.shape[1] = 2;
    refused("k_out overlapping q_out", a);
    a = good;
    a.q_out = view(kb, DType::f32, {3, 4, 32});
    refused("q_out overlapping k", a);
    a = good;
    a.k = view(qb, DType::f32, {3, 2, 32});
    a.q_out = Tensor{};  // q in place, k reading q's memory
    refused("in-place q overlapping k", a);
    a = good;
    a.q_out = view(qob, DType::f32, {3, 4, 32}, 4);
    a.q = view(qob, DType::f32, {3, 4, 32});
    refused("q_out shifted over q", a);
    a = good;
    a.k_out = view(pb, DType::f32, {3, 2, 8});
    a.k_out = view(qob, DType::f32, {3, 2, 32}, 64);
    a.q_out = view(qob, DType::f32, {3, 4, 32});
    refused("k_out inside q_out", a);
    a = good;
    a.q_out = view(cb, DType::f32, {3, 4, 32});
    refused("q_out over the cache", a);
    a = good;
    a.q_out = view_of(dev, qob, DType::f32, {3, 4, 32}, {0, 32, 1});
    refused("q_out with repeated elements", a);
    vknorm::QkNormRopeArgs longer = good;  // views past their buffers: refused before recording
    longer.q = Tensor::strided(qb.buf.buffer, 0, DType::f32, {1, 1, 300000}, {300000, 300000, 1});
    longer.k = Tensor::strided(kb.buf.buffer, 0, DType::f32, {1, 1, 300000}, {300000, 300000, 1});
    longer.q_out = longer.k_out = longer.q_weight = longer.k_weight = longer.cos_sin_cache = Tensor{};
    longer.positions = view(pb, DType::i32, {1});
    refused("head_dim longer than one workgroup holds", longer, Status::unsupported);
    vknorm::KernelConfig bad;
    bad.vector_width = 4;
    a = good;
    a.config = &bad;
    refused("vector_width 4", a);
    bad = vknorm::KernelConfig{};
    bad.workgroup_size = 32;
    bad.rows_per_workgroup = 4;
    bad.items_per_invocation = 2;
    a.config = &bad;
    refused("a config whose lanes do not cover head_dim", a);
    bad.items_per_invocation = 3;
    bad.rows_per_workgroup = 1;
    refused("odd items_per_invocation", a);
  }

  TEST_CASE("qk_norm_rope with zero tokens records nothing") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer qb(dev, 256), kb(dev, 256), pb(dev, 64);
    vknorm::QkNormRopeArgs a;
    a.q = Tensor::strided(qb.buf.buffer, 0, DType::f32, {0, 4, 8}, {32, 8, 1});
    a.k = Tensor::strided(kb.buf.buffer, 0, DType::f32, {0, 2, 8}, {16, 8, 1});
    a.positions = Tensor::strided(pb.buf.buffer, 0, DType::i32, {0}, {1});
    std::vector<vknorm::DispatchInfo> di;
    Error e = vknorm::describe_dispatches(dev.context(), a, &di);
    CHECK_MESSAGE(e.ok(), e.message);
    CHECK(di.empty());
  }
}
