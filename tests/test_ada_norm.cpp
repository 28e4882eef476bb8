// ada_norm (adaptive LayerNorm / RMSNorm of DiT blocks) against the fp64 reference in f32, f16
// and bf16: the four registered forms (plain / gated residual, LayerNorm / RMSNorm) over odd and
// DiT widths, modulation per sample, per token and for every row, DiT's chunked modulation
// tensor (rows with a stride), scale_offset 0, scale-only and shift-only calls, the plain
// residual add, in place, by address, misaligned, prepare(), and bad arguments refused before
// anything is written. Quantized y (int8, float8 e4m3fn / e5m2): the registered quantized cases,
// dynamic and static scales by hand in every format, an all-zero row, the modulation-stride
// rule and the refusals.
#include "test_common.h"

#include "support/case_data.h"
#include "support/dtype_convert.h"
#include "support/ops/rms_norm_last.h"  // accept_quantized_ties
#include "support/reference.h"

#include <cmath>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::NormKind;
using vknorm::Status;
using vknorm::Tensor;

namespace {

const char* const kAdaForms[] = {"ada_layer_norm", "ada_rms_norm", "gated_ada_layer_norm", "gated_ada_rms_norm"};
const char* const kQuantForms[] = {"ada_layer_norm_q8", "ada_layer_norm_fp8", "ada_rms_norm_fp8e5m2",
                                   "gated_ada_layer_norm_fp8"};

// A hand-built call: x (B, T, D) and the optional tensors, each modulation tensor a view of its
// own buffer with the given shape and row stride; y and residual_out compared with
// ada_norm_reference. mod_stride 0: contiguous rows of D.
struct HandCall {
  DType dt = DType::f32;
  int64_t B = 2, T = 3, D = 40;
  NormKind norm = NormKind::layer;
  bool residual = false, gate = false, scale = true, shift = true, affine = false;
  std::vector<int64_t> mod_lead = {2, 1};  // leading dims of the modulation tensors
  int64_t mod_stride = 0;
  float scale_offset = 1.0f;
  bool in_place_residual = false;
  // Quantized y: its dtype (f32: y in x's dtype), the static scale (0: dynamic, into y_scale)
  // and whether row 0 of x is all zeros (with no shift / bias / residual: an all-zero y row).
  DType q = DType::f32;
  float static_scale = 0.0f;
  bool zero_row = false;
};

void run_hand_call(HostDevice& dev, const HandCall& c, uint64_t seed) {
  CAPTURE(seed);
  const int64_t n = c.B * c.T * c.D;
  int64_t M = 1;
  for (int64_t v : c.mod_lead) M *= v;
  const int64_t rs = c.mod_stride ? c.mod_stride : c.D;
  auto data = [&](size_t count, uint64_t s, double center, double spread) {
    std::vector<double> v(count);
    vknorm_support::fill_normal(&v, s);
    for (double& e : v) e = vknorm_support::quantize(center + spread * e, c.dt);
    return v;
  };
  std::vector<double> x = data(size_t(n), seed, 0.0, 1.0);
  const std::vector<double> r = data(size_t(n), seed + 1, 0.0, 1.0);
  if (c.zero_row) std::fill(x.begin(), x.begin() + c.D, 0.0);
  const bool quant = c.q != DType::f32;
  const bool dynamic = quant && !(c.static_scale > 0);
  // Modulation buffers hold M rows of rs elements; the reference reads the first D of each.
  const std::vector<double> sc_buf = data(size_t(M * rs), seed + 2, 0.0, 0.5), sh_buf = data(size_t(M * rs), seed + 3, 0.0, 0.5),
                            g_buf = data(size_t(M * rs), seed + 4, 0.5, 0.25);
  const std::vector<double> w = data(size_t(c.D), seed + 5, 1.0, 0.1), b = data(size_t(c.D), seed + 6, 0.0, 0.1);
  auto rows_of = [&](const std::vector<double>& buf) {
    std::vector<double> v;
    for (int64_t m = 0; m < M; ++m) v.insert(v.end(), buf.begin() + m * rs, buf.begin() + m * rs + c.D);
    return v;
  };
  std::vector<int64_t> mshape = c.mod_lead, mstrides(c.mod_lead.size() + 1, 0);
  mshape.push_back(c.D);
  mstrides.back() = 1;
  for (int i = int(c.mod_lead.size()) - 1, acc = int(rs); i >= 0; --i) {
    mstrides[size_t(i)] = acc;
    acc *= int(c.mod_lead[size_t(i)]);
  }
  auto xb = upload(dev, x, c.dt), rb = upload(dev, r, c.dt), scb = upload(dev, sc_buf, c.dt), shb = upload(dev, sh_buf, c.dt),
       gb = upload(dev, g_buf, c.dt), wb = upload(dev, w, c.dt), bb = upload(dev, b, c.dt);
  const DType ydt = quant ? c.q : c.dt;
  TestBuffer yb(dev, VkDeviceSize(n) * vknorm::dtype_size(ydt)), ob(dev, VkDeviceSize(n) * vknorm::dtype_size(c.dt)),
      sb(dev, VkDeviceSize(c.B * c.T) * 4);
  const std::vector<int64_t> shape = {c.B, c.T, c.D};
  vknorm::AdaNormArgs a;
  a.x = view(*xb, c.dt, shape);
  a.y = view(yb, ydt, shape);
  if (dynamic) a.y_scale = view(sb, DType::f32, {c.B, c.T});
  a.static_scale = c.static_scale;
  if (c.residual) {
    a.residual = view(*rb, c.dt, shape);
    a.residual_out = c.in_place_residual ? a.residual : view(ob, c.dt, shape);
  }
  if (c.gate) a.gate = view_of(dev, *gb, c.dt, mshape, mstrides);
  if (c.scale) a.scale = view_of(dev, *scb, c.dt, mshape, mstrides);
  if (c.shift) a.shift = view_of(dev, *shb, c.dt, mshape, mstrides);
  if (c.affine) {
    a.weight = view(*wb, c.dt, {c.D});
    if (c.norm == NormKind::layer) a.bias = view(*bb, c.dt, {c.D});
  }
  a.norm = c.norm;
  a.scale_offset = c.scale_offset;
  a.eps = 1e-5f;
  Error err;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
  REQUIRE_MESSAGE(err.ok(), err.message);
  std::vector<double> h, y;
  vknorm_support::ada_norm_reference(x, c.residual ? r : std::vector<double>{}, c.gate ? rows_of(g_buf) : std::vector<double>{},
                                     c.scale ? rows_of(sc_buf) : std::vector<double>{},
                                     c.shift ? rows_of(sh_buf) : std::vector<double>{}, c.affine ? w : std::vector<double>{},
                                     c.affine && c.norm == NormKind::layer ? b : std::vector<double>{},
                                     c.norm == NormKind::rms, c.scale_offset, c.dt, c.B * c.T, c.D, 1e-5, &h, &y, nullptr,
                                     nullptr);
  const double tol = c.dt == DType::f32 ? 1e-5 : c.dt == DType::f16 ? 2e-3 : 1.6e-2;
  auto compare = [&](const char* what, const std::vector<double>& got, const std::vector<double>& ref) {
    CAPTURE(what);
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(got[i] - ref[i]) / (1.0 + std::fabs(ref[i])));
    CHECK(worst <= tol);
  };
  if (quant) {
    std::vector<double> codes, scales, ratio;
    vknorm_support::quantize_rows_reference(y, c.B * c.T, c.D, c.static_scale, c.q, &codes, &scales, &ratio);
    std::vector<double> got = download(dev, yb, size_t(n), c.q);
    // The other neighbour of a near-tie (support/ops/rms_norm_last.h): y is fp32 on the device
    // (never rounded to x's dtype), so the fp32 tie window holds for every x dtype.
    vknorm_support::accept_quantized_ties(codes, ratio, c.q, got);
    size_t bad = 0;
    for (size_t i = 0; i < codes.size(); ++i) bad += got[i] != codes[i];
    CHECK(bad == 0);
    if (dynamic) {
      const std::vector<double> gs = download(dev, sb, size_t(c.B * c.T), DType::f32);
      double worst = 0;
      for (size_t i = 0; i < scales.size(); ++i) worst = std::max(worst, std::fabs(gs[i] - scales[i]) / (1e-30 + std::fabs(scales[i])));
      CHECK(worst <= 2e-5);  // max |y| in fp32
      if (c.zero_row) {
        CHECK(gs[0] == 0.0);
        for (int64_t j = 0; j < c.D; ++j) CHECK(got[size_t(j)] == 0.0);
      }
    }
  } else {
    compare("y", download(dev, yb, size_t(n), c.dt), y);
  }
  if (c.residual) compare("residual_out", download(dev, c.in_place_residual ? *rb : ob, size_t(n), c.dt), h);
}

template <class Args>
void refused(HostDevice& dev, Status want, const std::string& what, const Args& a, std::initializer_list<TestBuffer*> outputs) {
  expect_args_refused(dev, want, what, a, outputs);
}

}  // namespace

TEST_SUITE("ada_norm") {
  TEST_CASE("ada_norm forms over odd and DiT widths, per sample and per row") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 300;
    for (const char* form : kAdaForms)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{2, 5, 33}, std::vector<int64_t>{3, 1152},
                                                  std::vector<int64_t>{2, 4, 3072}, std::vector<int64_t>{1, 1, 1},
                                                  std::vector<int64_t>{77}}) {
          ++seed;
          CaseSpec s = op_spec(form, dt, shape, (seed % 2) == 0, DataKind::normal, seed);
          check_case(dev, s);
        }
  }

  TEST_CASE("ada_norm large means, outliers, NaN / Inf rows, eps 0 and 10") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 400;
    for (const char* form : kAdaForms)
      for (DType dt : kAllDtypes)
        for (DataKind data : {DataKind::large_mean, DataKind::outlier_first, DataKind::nan_inf, DataKind::uniform01})
          for (double eps : {0.0, 10.0}) {
            CaseSpec s = op_spec(form, dt, {2, 6, 130}, true, data, ++seed);
            s.eps = eps;
            check_case(dev, s);
          }
  }

  TEST_CASE("ada_norm in place, by address, misaligned, without residual_out, forced configs") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 500;
    const vknorm::KernelConfig scalar = row_config(64, 4, 1, 4);  // 1-element accesses, several rows per workgroup
    for (const char* form : kAdaForms)
      for (DType dt : kAllDtypes) {
        const CaseSpec base = op_spec(form, dt, {2, 3, 48}, true, DataKind::normal, ++seed);
        for (const CaseSpec& p : placements(base)) check_case(dev, p);
        CaseSpec s = base;
        s.config = &scalar;
        check_case(dev, s);
      }
  }

  TEST_CASE("ada_norm DiT's chunked modulation (strided rows), per token, every row, scale_offset 0") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 600;
    for (DType dt : kAllDtypes)
      for (NormKind norm : {NormKind::layer, NormKind::rms}) {
        HandCall c;
        c.dt = dt;
        c.norm = norm;
        c.residual = c.gate = true;
        c.mod_stride = 6 * c.D;  // scale = mod[:, D:2D] of a (B, 6D) projection
        run_hand_call(dev, c, seed += 10);
        c.mod_lead = {2, 3};  // per token (B, T, D)
        c.mod_stride = 0;
        run_hand_call(dev, c, seed += 10);
        c.mod_lead = {1};  // one row for every row of x
        c.scale_offset = 0.0f;
        run_hand_call(dev, c, seed += 10);
        c.mod_lead = {};  // (D)
        c.scale_offset = 1.0f;
        c.affine = true;
        run_hand_call(dev, c, seed += 10);
      }
  }

  TEST_CASE("ada_norm scale only, shift only, neither; plain residual add; residual_out in place") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 700;
    for (DType dt : kAllDtypes) {
      HandCall c;
      c.dt = dt;
      c.D = 64;
      c.shift = false;
      run_hand_call(dev, c, seed += 10);
      c.shift = true;
      c.scale = false;
      run_hand_call(dev, c, seed += 10);
      c.shift = false;
      c.affine = true;  // a LayerNorm with its affine through ada_norm
      run_hand_call(dev, c, seed += 10);
      c.scale = c.shift = true;
      c.residual = true;  // h = residual + x, no gate
      run_hand_call(dev, c, seed += 10);
      c.gate = true;
      c.in_place_residual = true;
      c.norm = NormKind::rms;
      run_hand_call(dev, c, seed += 10);
    }
  }

  TEST_CASE("ada_norm rows longer than the table's items: more items per lane, no split") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    check_case(dev, op_spec("gated_ada_rms_norm", DType::bf16, {2, 40000}, true, DataKind::normal, 801));
    check_case(dev, op_spec("ada_layer_norm", DType::f32, {1, 2, 65537}, true, DataKind::large_mean, 802));
  }

  TEST_CASE("ada_norm prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (NormKind norm : {NormKind::layer, NormKind::rms}) {
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::ada_norm, DType::f16, {2, 7, 1536});
      info.norm = norm;
      info.residual = info.gate = true;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t before = vknorm::pipeline_count(dev.context());
      TestBuffer xb(dev, 2 * 7 * 1536 * 2), rb(dev, 2 * 7 * 1536 * 2), yb(dev, 2 * 7 * 1536 * 2), mb(dev, 2 * 6 * 1536 * 2);
      vknorm::AdaNormArgs a;
      a.x = view(xb, DType::f16, {2, 7, 1536});
      a.residual = view(rb, DType::f16, {2, 7, 1536});
      a.residual_out = a.residual;
      a.y = view(yb, DType::f16, {2, 7, 1536});
      a.gate = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1});
      a.scale = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1}, 1536 * 2);
      a.shift = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1}, 2 * 1536 * 2);
      a.norm = norm;
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
      CHECK(vknorm::pipeline_count(dev.context()) == before);
    }
  }

  TEST_CASE("ada_norm bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), rb(dev, 4096), yb(dev, 4096), ob(dev, 4096), mb(dev, 4096), wb(dev, 256);
    vknorm::AdaNormArgs good;
    good.x = view(xb, DType::f32, {2, 3, 40});
    good.residual = view(rb, DType::f32, {2, 3, 40});
    good.residual_out = view(ob, DType::f32, {2, 3, 40});
    good.y = view(yb, DType::f32, {2, 3, 40});
    good.gate = view(mb, DType::f32, {2, 1, 40});
    good.scale = view(mb, DType::f32, {2, 40}, 320);
    good.shift = view(mb, DType::f32, {2, 40}, 640);
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &ob};
    auto a = good;
    a.residual = Tensor{};
    a.residual_out = Tensor{};
    refused(dev, Status::invalid_argument, "gate without a residual", a, outs);
    a = good;
    a.residual = Tensor{};
    a.gate = Tensor{};
    refused(dev, Status::invalid_argument, "residual_out without a residual", a, outs);
    a = good;
    a.scale = view(mb, DType::f32, {3, 40});  // (T, D) for x (B, T, D): not a prefix
    refused(dev, Status::invalid_argument, "modulation rows that are not a prefix of x's", a, outs);
    a = good;
    a.shift = view(mb, DType::f32, {2, 3, 40});  // per token while scale and gate are per sample
    refused(dev, Status::invalid_argument, "modulation tensors with different rows", a, outs);
    a = good;
    a.scale = view(mb, DType::f32, {2, 41});
    refused(dev, Status::invalid_argument, "scale of another width", a, outs);
    a = good;
    a.shift = view(mb, DType::f16, {2, 40});
    refused(dev, Status::invalid_argument, "shift of another dtype", a, outs);
    a = good;
    a.scale = view_of(dev, mb, DType::f32, {2, 40}, {40, 2});
    refused(dev, Status::invalid_argument, "scale rows that are not contiguous", a, outs);
    a = good;
    a.norm = static_cast<NormKind>(7);
    refused(dev, Status::invalid_argument, "norm out of range", a, outs);
    a = good;
    a.weight = view(wb, DType::f32, {39});
    refused(dev, Status::invalid_argument, "weight of another length", a, outs);
    a = good;
    a.y = view(yb, DType::f32, {2, 3, 39});
    refused(dev, Status::invalid_argument, "y of another shape", a, outs);
    a = good;
    a.eps = -1.0f;
    refused(dev, Status::invalid_argument, "negative eps", a, outs);
    a = good;
    a.gate = good.y;  // an input aliasing an output
    refused(dev, Status::invalid_argument, "gate aliasing y", a, outs);
    vknorm::KernelConfig split;
    split.split = 2;
    a = good;
    a.config = &split;
    refused(dev, Status::invalid_argument, "a split config (ada_norm has no split path)", a, outs);
    // Rows past 256 elements per invocation of the largest workgroup (the views claim sizes
    // the buffers do not have: the refusal comes before anything is bound).
    vknorm::AdaNormArgs longer;
    longer.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {1, 300000}, {300000, 1});
    longer.y = Tensor::strided(yb.buf.buffer, 0, DType::f32, {1, 300000}, {300000, 1});
    refused(dev, Status::unsupported, "rows longer than one workgroup holds", longer, {&yb});
  }

  TEST_CASE("ada_norm quantized y: the int8 / float8 cases over widths, placements and a scalar config") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    uint64_t seed = 900;
    const vknorm::KernelConfig scalar = row_config(64, 4, 1, 4);
    for (const char* form : kQuantForms)
      for (DType dt : kAllDtypes) {
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{2, 5, 33}, std::vector<int64_t>{3, 1152},
                                                  std::vector<int64_t>{1, 1, 1}, std::vector<int64_t>{77}}) {
          ++seed;
          check_case(dev, op_spec(form, dt, shape, (seed % 2) == 0, DataKind::normal, seed));
        }
        const CaseSpec base = op_spec(form, dt, {2, 3, 48}, true, DataKind::large_mean, ++seed);
        for (const CaseSpec& p : placements(base)) check_case(dev, p);
        CaseSpec s = base;
        s.config = &scalar;
        check_case(dev, s);
      }
  }

  TEST_CASE("ada_norm quantized y by hand: every format, dynamic and static scale, all-zero row, chunked modulation") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    uint64_t seed = 1000;
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2})
      for (DType dt : kAllDtypes) {
        CAPTURE(vknorm::dtype_name(q));
        HandCall c;
        c.dt = dt;
        c.q = q;
        c.D = 64;
        run_hand_call(dev, c, seed += 10);  // dynamic, LayerNorm, per sample
        c.static_scale = float(2.0 / vknorm_support::quantized_max(q));  // static: |y| > 2 saturates
        c.norm = NormKind::rms;
        c.residual = c.gate = true;
        c.mod_stride = 6 * c.D;  // DiT's chunked modulation
        run_hand_call(dev, c, seed += 10);
        c.static_scale = 0.0f;
        c.D = 40;  // scalar path
        c.mod_stride = 0;
        c.mod_lead = {2, 3};  // per token
        c.in_place_residual = true;
        run_hand_call(dev, c, seed += 10);
        HandCall z;  // an all-zero row: scale 0, codes 0
        z.dt = dt;
        z.q = q;
        z.D = 48;
        z.shift = false;
        z.zero_row = true;
        run_hand_call(dev, z, seed += 10);
        z.norm = NormKind::rms;
        z.D = 33;
        run_hand_call(dev, z, seed += 10);
      }
  }

  TEST_CASE("ada_norm quantized y: rows holding NaN / Inf get an Inf dynamic scale") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    for (NormKind norm : {NormKind::layer, NormKind::rms})
      for (DType q : {DType::i8, DType::f8_e4m3}) {
        std::vector<double> x(4 * 36, 0.5);
        for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25 * double(i % 7) - 0.5;
        x[3] = std::nan("");      // row 0
        x[36 + 5] = INFINITY;     // row 1
        x[72 + 7] = -INFINITY;    // row 2; row 3 finite
        auto xb = upload(dev, x, DType::f32);
        TestBuffer yb(dev, 4 * 36), sb(dev, 16);
        vknorm::AdaNormArgs a;
        a.x = view(*xb, DType::f32, {4, 36});
        a.y = view(yb, q, {4, 36});
        a.y_scale = view(sb, DType::f32, {4});
        a.norm = norm;
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
        const std::vector<double> s = download(dev, sb, 4, DType::f32);
        CHECK(std::isinf(s[0]));
        CHECK(std::isinf(s[1]));
        CHECK(std::isinf(s[2]));
        CHECK(std::isfinite(s[3]));
        CHECK(s[3] > 0);
      }
  }

  TEST_CASE("ada_norm quantized y: bad arguments refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    TestBuffer xb(dev, 4096), rb(dev, 4096), yb(dev, 4096), ob(dev, 4096), mb(dev, 4096), sb(dev, 256);
    vknorm::AdaNormArgs good;
    good.x = view(xb, DType::f32, {2, 3, 40});
    good.residual = view(rb, DType::f32, {2, 3, 40});
    good.residual_out = view(ob, DType::f32, {2, 3, 40});
    good.y = view(yb, DType::i8, {2, 3, 40});
    good.y_scale = view(sb, DType::f32, {2, 3});
    good.gate = view(mb, DType::f32, {2, 1, 40});
    good.scale = view(mb, DType::f32, {2, 40}, 320);
    good.shift = view(mb, DType::f32, {2, 40}, 640);
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &ob, &sb};
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
      CAPTURE(vknorm::dtype_name(q));
      auto a = good;
      a.y.dtype = q;
      a.y_scale = Tensor{};
      refused(dev, Status::invalid_argument, "a dynamic scale without y_scale", a, outs);
      a.y_scale = view(sb, DType::f32, {5});
      refused(dev, Status::invalid_argument, "y_scale too small", a, outs);
      a.y_scale = view(sb, DType::f16, {2, 3});
      refused(dev, Status::invalid_argument, "y_scale not fp32", a, outs);
      a.y_scale = view(sb, DType::f32, {2, 3});
      a.static_scale = 0.25f;
      refused(dev, Status::invalid_argument, "y_scale with a static scale", a, outs);
      a.y_scale = Tensor{};
      a.static_scale = -1.0f;
      refused(dev, Status::invalid_argument, "a negative static scale", a, outs);
      a.static_scale = std::nanf("");
      refused(dev, Status::invalid_argument, "a NaN static scale", a, outs);
      a.static_scale = INFINITY;
      refused(dev, Status::invalid_argument, "an infinite static scale", a, outs);
      a = good;
      a.y = view(xb, q, {2, 3, 40});
      a.y_scale = Tensor{};
      a.static_scale = 0.25f;
      refused(dev, Status::invalid_argument, "a quantized y in place of x", a, {&xb, &ob});
      a = good;
      a.y.dtype = q;
      a.shift = view_of(dev, mb, DType::f32, {2, 40}, {80, 1}, 640 * 4);  // scale / gate: stride 40
      refused(dev, Status::unsupported, "modulation tensors of different row strides", a, outs);
    }
    auto a = good;
    a.y = view(yb, DType::f32, {2, 3, 40});
    refused(dev, Status::invalid_argument, "y_scale with a 16/32-bit y", a, outs);
    a.y_scale = Tensor{};
    a.static_scale = 0.5f;
    refused(dev, Status::invalid_argument, "static_scale with a 16/32-bit y", a, outs);
    a = good;
    a.y.dtype = DType::i32;
    refused(dev, Status::invalid_argument, "an i32 y", a, outs);
    // One modulation row (every row alike): its stride never matters, so any is taken.
    a = good;
    a.gate = view(mb, DType::f32, {1, 40});
    a.scale = view(mb, DType::f32, {40}, 320);
    a.shift = view_of(dev, mb, DType::f32, {1, 40}, {80, 1}, 640 * 4);
    vknorm::KernelConfig cfg;
    Error e = vknorm::select_config(dev.context(), a, &cfg);
    CHECK_MESSAGE(e.ok(), e.message);
  }

  TEST_CASE("ada_norm quantized y on a context without 8-bit storage: unsupported") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::ContextCreateInfo ci = same_device_context_info(dev);
    ci.enabled.storage_buffer_8bit = false;
    vknorm::Context* ctx = nullptr;
    REQUIRE(vknorm::create_context(ci, &ctx).ok());
    TestBuffer xb(dev, 4096), yb(dev, 4096), mb(dev, 4096);
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
      CAPTURE(vknorm::dtype_name(q));
      vknorm::AdaNormArgs a{};
      a.x = view(xb, DType::f32, {4, 64});
      a.y = view(yb, q, {4, 64});
      a.scale = view(mb, DType::f32, {4, 64});
      a.static_scale = 0.1f;
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(ctx, cmd, a); }) == VK_SUCCESS);
      CHECK(err.status == Status::unsupported);
      CHECK(err.message.find("storageBuffer8BitAccess") != std::string::npos);
      CHECK(yb.poisoned());
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::ada_norm, DType::f32, {4, 64});
      info.output_dtype = q;
      CHECK(vknorm::prepare(ctx, info).status == Status::unsupported);
    }
    vknorm::destroy_context(ctx);
  }

  TEST_CASE("ada_norm quantized y: prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
      CAPTURE(vknorm::dtype_name(q));
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::ada_norm, DType::f16, {2, 7, 1536});
      info.residual = info.gate = true;
      info.output_dtype = q;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t before = vknorm::pipeline_count(dev.context());
      TestBuffer xb(dev, 2 * 7 * 1536 * 2), rb(dev, 2 * 7 * 1536 * 2), yb(dev, 2 * 7 * 1536), mb(dev, 2 * 6 * 1536 * 2),
          sb(dev, 64);
      vknorm::AdaNormArgs a;
      a.x = view(xb, DType::f16, {2, 7, 1536});
      a.residual = view(rb, DType::f16, {2, 7, 1536});
      a.residual_out = a.residual;
      a.y = view(yb, q, {2, 7, 1536});
      a.y_scale = view(sb, DType::f32, {2, 7});
      a.gate = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1});
      a.scale = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1}, 1536 * 2);
      a.shift = view_of(dev, mb, DType::f16, {2, 1536}, {6 * 1536, 1}, 2 * 1536 * 2);
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
      CHECK(vknorm::pipeline_count(dev.context()) == before);
    }
  }

  TEST_CASE("ada_norm zero rows record nothing") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 256), yb(dev, 256), mb(dev, 256);
    vknorm::AdaNormArgs a;
    a.x = view(xb, DType::f16, {0, 5, 40});
    a.y = view(yb, DType::f16, {0, 5, 40});
    a.scale = view(mb, DType::f16, {0, 1, 40});
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(dev.context(), a, &d);
    REQUIRE_MESSAGE(e.ok(), e.message);
    CHECK(d.empty());
    REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
    CHECK(e.ok());
    CHECK(yb.poisoned());
  }
}
