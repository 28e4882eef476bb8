// The harness itself: dtype conversions, comparison rules, references, data generation.
#include "support/compare.h"
#include "support/dtype_convert.h"
#include "support/op_case.h"
#include "support/op_registry.h"
#include "support/reference.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace vknorm_support;
using vknorm::DType;

namespace {
float fbits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint32_t bitsf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_SUITE("support") {
  TEST_CASE("fp16 conversion: exact values, rounding, overflow, subnormals, NaN") {
    CHECK(float_to_half(1.0f) == 0x3c00);
    CHECK(float_to_half(-2.0f) == 0xc000);
    CHECK(float_to_half(0.0f) == 0x0000);
    CHECK(float_to_half(-0.0f) == 0x8000);
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(65519.996f) == 0x7bff);  // below the half-way point to 65536
    CHECK(float_to_half(65520.0f) == 0x7c00);    // tie -> even -> overflow to Inf
    CHECK(float_to_half(1e6f) == 0x7c00);
    CHECK(float_to_half(-1e6f) == 0xfc00);
    CHECK(float_to_half(std::numeric_limits<float>::infinity()) == 0x7c00);
    CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);       // smallest subnormal
    CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);       // tie -> even (0)
    CHECK(float_to_half(std::ldexp(3.0f, -25)) == 0x0002);       // tie -> even (2)
    CHECK(float_to_half(std::ldexp(1.0f, -14)) == 0x0400);       // smallest normal
    CHECK(float_to_half(std::ldexp(1023.5f, -24)) == 0x0400);    // subnormal rounding up to normal
    CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // tie -> even
    CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
    const uint16_t qn = float_to_half(std::numeric_limits<float>::quiet_NaN());
    CHECK((qn & 0x7c00) == 0x7c00);
    CHECK((qn & 0x0200) != 0);  // quiet
    const uint16_t sn = float_to_half(fbits(0x7f800001u));  // signaling NaN, payload in low bits
    CHECK((sn & 0x7c00) == 0x7c00);
    CHECK((sn & 0x03ff) != 0);  // still NaN, not Inf
    CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
    CHECK(half_to_float(0x7bff) == 65504.0f);
    CHECK(std::isinf(half_to_float(0xfc00)));
    CHECK(std::isnan(half_to_float(0x7e00)));
    // Every half value round-trips.
    for (uint32_t h = 0; h < 0x10000; ++h) {
      const float f = half_to_float(uint16_t(h));
      if (std::isnan(f)) {
        CHECK(std::isnan(half_to_float(float_to_half(f))));
        continue;
      }
      if (float_to_half(f) != h) {
        CHECK(float_to_half(f) == h);
        break;
      }
      CHECK(quantize(double(f), DType::f16) == double(f));
    }
  }

  TEST_CASE("bf16 conversion") {
    CHECK(float_to_bf16(1.0f) == 0x3f80);
    CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);  // tie -> even
    CHECK(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);
    CHECK(float_to_bf16(std::numeric_limits<float>::max()) == 0x7f80);  // rounds up to Inf
    CHECK(float_to_bf16(-std::numeric_limits<float>::infinity()) == 0xff80);
    CHECK(float_to_bf16(fbits(0x00000001u)) == 0x0000);  // tiny subnormal rounds to 0
    CHECK(float_to_bf16(fbits(0x00008000u)) == 0x0000);  // tie -> even
    CHECK(float_to_bf16(fbits(0x00018000u)) == 0x0002);  // tie -> even (up)
    const uint16_t sn = float_to_bf16(fbits(0x7f800001u));
    CHECK((sn & 0x7f80) == 0x7f80);
    CHECK((sn & 0x007f) != 0);  // NaN stays NaN (quiet bit set)
    for (uint32_t b = 0; b < 0x10000; ++b) {
      const float f = bf16_to_float(uint16_t(b));
      if (std::isnan(f)) continue;
      if (float_to_bf16(f) != b) {
        CHECK(float_to_bf16(f) == b);
        break;
      }
      CHECK(quantize(double(f), DType::bf16) == double(f));
    }
    CHECK(bitsf(bf16_to_float(0x3f80)) == 0x3f800000u);
  }

  TEST_CASE("float8 conversion: torch's rounding, saturation (e4m3fn) and overflow (e5m2)") {
    const auto code = [](double v, DType t) { return encode({v}, t)[0]; };
    const DType e4 = DType::f8_e4m3, e5 = DType::f8_e5m2;
    CHECK(code(1.0, e4) == 0x38);
    CHECK(code(448.0, e4) == 0x7e);
    CHECK(code(463.9, e4) == 0x7e);  // below the midpoint to 480 (which is NaN's code)
    CHECK(code(1e9, e4) == 0x7e);    // saturates, as torch's float8_e4m3fn conversion
    CHECK(code(-HUGE_VAL, e4) == 0xfe);
    CHECK(code(std::nan(""), e4) == 0x7f);
    CHECK(code(std::ldexp(1.0, -9), e4) == 0x01);      // smallest subnormal
    CHECK(code(std::ldexp(1.0, -10), e4) == 0x00);     // tie -> even (0)
    CHECK(code(3 * std::ldexp(1.0, -10), e4) == 0x02); // tie -> even (2)
    CHECK(code(1.0625, e4) == 0x38);                   // 1 + 2^-4: tie -> even
    CHECK(code(1.1875, e4) == 0x3a);                   // 1 + 3 * 2^-4: tie -> even (up)
    CHECK(code(57344.0, e5) == 0x7b);
    CHECK(code(61439.0, e5) == 0x7b);
    CHECK(code(61440.0, e5) == 0x7c);  // the midpoint rounds to even: Inf
    CHECK(code(-HUGE_VAL, e5) == 0xfc);
    CHECK(code(std::ldexp(1.0, -16), e5) == 0x01);
    CHECK(code(1.0, e5) == 0x3c);
    for (DType t : {e4, e5})
      for (int c = 0; c < 256; ++c) {  // every code decodes to a value that encodes back to it
        const double v = decode({uint8_t(c)}, t)[0];
        if (std::isnan(v)) continue;
        if (c == 0x80) continue;  // -0 encodes back to -0 (0x80), checked below
        CHECK_MESSAGE(code(v, t) == c, "code ", c);
        CHECK(quantize(v, t) == v);
      }
    CHECK(code(-0.0, e4) == 0x80);
    CHECK(decode({uint8_t(0x7c)}, e5)[0] == HUGE_VAL);
    CHECK(std::isnan(decode({uint8_t(0x7f)}, e4)[0]));
    CHECK(decode(encode({-7.0, 123456.0}, DType::i32), DType::i32) == std::vector<double>{-7.0, 123456.0});
  }

  TEST_CASE("quantize from double rounds once (no double rounding)") {
    // 1 + 2^-11 + 2^-40 lies just above the half-way point between two halves; rounding to float
    // first would land exactly on the tie and then round down to even.
    const double v = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
    CHECK(quantize(v, DType::f16) == 1.0 + std::ldexp(1.0, -10));
    const double w = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40);
    CHECK(quantize(w, DType::bf16) == 1.0 + std::ldexp(1.0, -7));
    CHECK(quantize(0.1, DType::f32) == double(0.1f));
    CHECK(std::isinf(quantize(70000.0, DType::f16)));
    CHECK(std::isnan(quantize(kNaN, DType::bf16)));
    CHECK(quantize(-kInf, DType::f16) == -kInf);
    // encode / decode agree with quantize.
    std::vector<double> vals = {v, w, 0.1, -3.75, 1e-7, 65519.0, 65520.0, kInf, -kInf, 0.0};
    for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
      auto back = decode(encode(vals, dt), dt);
      REQUIRE(back.size() == vals.size());
      for (size_t i = 0; i < vals.size(); ++i) CHECK(back[i] == quantize(vals[i], dt));
      auto nan_back = decode(encode({kNaN}, dt), dt);
      CHECK(std::isnan(nan_back[0]));
    }
  }

  TEST_CASE("quantize's bit-level rounding agrees with frexp / ldexp rounding") {
    // quantize rounds the double's significand bits directly in the formats' normal range; this
    // is the textbook form it replaced, over random values, exact ties and their neighbours,
    // carries into the exponent, the subnormal range and overflow.
    struct Format {
      DType dtype;
      int precision, emin;
      double max_finite;
    };
    const Format formats[] = {{DType::f16, 11, -14, 65504.0},
                              {DType::bf16, 8, -126, 3.3895313892515355e38},
                              {DType::f8_e5m2, 3, -14, 57344.0}};
    auto textbook = [](double v, const Format& f) {
      int e = 0;
      std::frexp(v, &e);
      const int quantum = std::max(e - 1, f.emin) - (f.precision - 1);
      const double r = std::ldexp(std::nearbyint(std::ldexp(v, -quantum)), quantum);
      return std::fabs(r) > f.max_finite ? std::copysign(kInf, v) : r;
    };
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&state] {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      return state;
    };
    int64_t checked = 0;
    for (const Format& f : formats) {
      const int top = f.dtype == DType::bf16 ? 128 : 17;
      for (int i = 0; i < 200000; ++i) {
        const uint64_t r = next();
        const int exp = f.emin - 12 + int(r % uint64_t(top - f.emin + 13));
        double v = std::ldexp(1.0 + double(r >> 12) * std::ldexp(1.0, -52), exp);
        // Every fourth value an exact tie of the format (plus or minus one double ulp).
        if (i % 4 == 0) {
          const int q = std::max(exp, f.emin) - (f.precision - 1);
          v = std::ldexp(std::floor(std::ldexp(v, -q)) + 0.5, q);
          if (i % 8 == 0) v = std::nextafter(v, (r & 2) ? kInf : 0.0);
        }
        if (r & 1) v = -v;
        const double want = textbook(v, f), got = quantize(v, f.dtype);
        if (got != want) FAIL_CHECK(dtype_name(f.dtype) << " " << v << ": " << got << " != " << want);
        ++checked;
      }
    }
    CHECK(checked == 600000);
  }

  TEST_CASE("compare: NaN / Inf rules, tolerance, nmse") {
    Tolerance t{1e-3, 1e-3, 1e-4};
    auto s = compare({1.0, kNaN, kInf, -kInf, 2.0}, {1.0, kNaN, kInf, -kInf, 2.0005}, t);
    CHECK(s.pass);
    CHECK(s.nan_mismatches == 0);
    s = compare({kNaN, 1.0}, {1.0, kNaN}, t);
    CHECK_FALSE(s.pass);
    CHECK(s.nan_mismatches == 2);
    s = compare({kInf, -kInf, 5.0}, {-kInf, -kInf, kInf}, t);
    CHECK_FALSE(s.pass);
    CHECK(s.inf_mismatches == 2);
    s = compare({1.0, 2.1, 3.0}, {1.0, 2.0, 3.0}, t);
    CHECK_FALSE(s.pass);
    CHECK(s.out_of_tolerance == 1);
    CHECK(s.worst_index == 1);
    CHECK(s.first_mismatches == std::vector<int64_t>{1});
    CHECK(s.max_abs == doctest::Approx(0.1));
    // within element tolerance but a systematic bias: nmse catches it
    Tolerance loose{1.0, 0.0, 1e-6};
    std::vector<double> ref(100, 1.0), got(100, 1.01);
    s = compare(got, ref, loose);
    CHECK(s.out_of_tolerance == 0);
    CHECK_FALSE(s.pass);
    CHECK(s.nmse == doctest::Approx(1e-4));
    CHECK(!s.summary().empty());
    CHECK_FALSE(compare({1.0}, {1.0, 2.0}, t).pass);  // length mismatch
    // tolerance_for widens with the reduction length
    CHECK(tolerance_for(DType::f32, 10000).atol > tolerance_for(DType::f32, 1).atol);
    CHECK(tolerance_for(DType::bf16).rtol > tolerance_for(DType::f16).rtol);
    CHECK(tolerance_for(DType::f16).rtol > tolerance_for(DType::f32).rtol);
  }

  TEST_CASE("references on small known inputs") {
    std::vector<double> y, mean, rstd;
    layer_norm_reference({1, 2, 3, 4}, {}, {}, &y, &mean, &rstd, 1, 4, 0.0);
    CHECK(mean[0] == 2.5);
    CHECK(rstd[0] == doctest::Approx(1.0 / std::sqrt(1.25)));
    CHECK(y[0] == doctest::Approx(-1.5 / std::sqrt(1.25)));
    layer_norm_reference({1, 2, 3, 4}, {2, 2, 2, 2}, {1, 1, 1, 1}, &y, nullptr, nullptr, 2, 2, 0.0);
    CHECK(y == std::vector<double>{-1, 3, -1, 3});
    // rms over C for (N=1, C=2, S=2): columns (3, 4) and (0, 0)
    rms_norm_reference({3, 0, 4, 0}, {}, &y, 1, 2, 2, 0.0);
    CHECK(y[0] == doctest::Approx(3.0 / std::sqrt(12.5)));
    CHECK(y[2] == doctest::Approx(4.0 / std::sqrt(12.5)));
    CHECK(std::isnan(y[1]));  // 0 / sqrt(0): NaN, as fp64 says
    rms_norm_reference({3, 1, 4, 1}, {1, 10}, &y, 1, 2, 2, 1.0);
    CHECK(y[3] == doctest::Approx(10.0 / std::sqrt(2.0)));
    // backward: the gradient of sum(y) w.r.t. x is 0 (y sums to 0 per row regardless of x)
    std::vector<double> dx, dw, db;
    layer_norm_reference({1, 5, 2, 8}, {}, {}, nullptr, &mean, &rstd, 1, 4, 1e-5);
    layer_norm_backward_reference({1, 1, 1, 1}, {1, 5, 2, 8}, {}, mean, rstd, &dx, &dw, &db, 1, 4);
    for (double v : dx) CHECK(std::fabs(v) < 1e-12);
    CHECK(db == std::vector<double>{1, 1, 1, 1});
    // NaN / Inf rows
    layer_norm_reference({1, kInf, 3, 4}, {}, {}, &y, &mean, &rstd, 1, 4, 1e-5);
    for (double v : y) CHECK(std::isnan(v));
  }

  TEST_CASE("make_data is deterministic and has the right distribution") {
    auto a = make_data(DataKind::normal, 100001, 5, DType::f32);
    auto b = make_data(DataKind::normal, 100001, 5, DType::f32);
    auto c = make_data(DataKind::normal, 100001, 6, DType::f32);
    CHECK(a == b);
    CHECK(a != c);
    double m = 0, v = 0;
    for (double x : a) m += x;
    m /= double(a.size());
    for (double x : a) v += (x - m) * (x - m);
    v /= double(a.size());
    CHECK(std::fabs(m) < 0.02);
    CHECK(std::fabs(v - 1.0) < 0.02);
    // prefix-stable: element i does not depend on n
    auto p = make_data(DataKind::normal, 1000, 5, DType::f32);
    CHECK(std::equal(p.begin(), p.end(), a.begin()));
    auto u = make_data(DataKind::uniform01, 10000, 1, DType::bf16);
    for (double x : u) {
      CHECK(x >= 0.0);
      CHECK(x <= 1.0);
    }
    auto l = make_data(DataKind::large_mean, 1000, 1, DType::f32);
    for (double x : l) CHECK(std::fabs(x - 1e4) <= 0.011);
    auto n = make_data(DataKind::nan_inf, 100000, 1, DType::f16);
    int nans = 0, infs = 0;
    for (double x : n) {
      nans += std::isnan(x);
      infs += std::isinf(x);
    }
    CHECK(nans > 0);
    CHECK(infs > 0);
    CHECK(nans + infs < 1000);
    for (double x : make_data(DataKind::normal, 1000, 9, DType::f16)) CHECK(x == quantize(x, DType::f16));
  }

  TEST_CASE("case inputs: geometry and structured NaN / Inf placement") {
    CaseSpec s;
    s.op = find_op_case("layer_norm");
    s.shape = {12, 5, 7};
    s.normalized_rank = 2;
    s.data = DataKind::nan_inf;
    auto in = make_case_inputs(s);
    CHECK(in.valid);
    CHECK(in.rows == 12);
    CHECK(in.D == 35);
    CHECK(in.weight.size() == 35);
    CHECK(in.bias.size() == 35);
    for (int64_t r = 0; r < 12; ++r) {
      bool finite = true;
      for (int64_t j = 0; j < 35; ++j) finite = finite && std::isfinite(in.x[size_t(r * 35 + j)]);
      const int k = int(r % 6);
      CHECK(finite == (k == 0 || k == 5));
    }
    s.op = find_op_case("rms_norm");
    s.shape = {2, 3, 4, 5};
    in = make_case_inputs(s);
    CHECK(in.valid);
    CHECK(in.N == 2);
    CHECK(in.C == 3);
    CHECK(in.S == 20);
    CHECK(in.bias.empty());
    s.op = find_op_case("layer_norm_backward");
    s.shape = {4, 9};
    s.normalized_rank = 1;
    s.data = DataKind::normal;
    in = make_case_inputs(s);
    CHECK(in.mean.size() == 4);
    CHECK(in.dy.size() == 36);
    for (double m : in.mean) CHECK(m == quantize(m, DType::f32));
    s.normalized_rank = 3;
    CHECK_FALSE(make_case_inputs(s).valid);
    CaseSpec r;
    r.shape = {5};
    CHECK_FALSE(make_case_inputs(r).valid);
    CHECK(!r.label().empty());
  }

  TEST_CASE("names parse back") {
    REQUIRE(op_cases().size() >= 3);
    for (const OpCase* k : op_cases()) {
      CHECK(find_op_case(k->name()) == k);
      for (const std::string& a : k->aliases()) CHECK(find_op_case(a) == k);
    }
    CHECK(find_op_case("layer_norm_forward") == find_op_case("layer_norm"));
    CHECK(find_op_case("no_such_op") == nullptr);
    for (DataKind k : {DataKind::uniform01, DataKind::normal, DataKind::large_mean, DataKind::nan_inf}) {
      DataKind o;
      REQUIRE(parse_data_kind(data_kind_name(k), &o));
      CHECK(o == k);
    }
    DType d;
    CHECK(parse_dtype("bf16", &d));
    CHECK(d == DType::bf16);
    CHECK(parse_dtype("fp16", &d));
    CHECK(d == DType::f16);
    CHECK_FALSE(parse_dtype("int8", &d));
  }
}
