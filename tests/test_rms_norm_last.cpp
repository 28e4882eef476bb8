// rms_norm_last, add_rms_norm and their int8 / float8-output forms against the fp64 reference
// (support/ops/rms_norm_last.h), in f32 / f16 / bf16: row lengths around the register and
// vector-width boundaries (D = 1, 33, 4097, 65535 streamed), in place (y = x; residual_out =
// residual), by address, misaligned offsets, without weight / optional outputs; per-head views
// of a fused QKV buffer (two strided leading dims, in place); and every bad argument.
#include "test_common.h"

#include "support/dtype_convert.h"
#include "support/ops/rms_norm_last.h"  // RmsLastCase: group sizes outside the registry
#include "support/reference.h"

#include <cmath>
#include <random>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

const char* const kRmsLastOps[] = {"rms_norm_last",         "rms_norm_last_q8",     "add_rms_norm",
                                   "add_rms_norm_q8",       "rms_norm_last_fp8",    "add_rms_norm_fp8",
                                   "rms_norm_last_fp8e5m2", "add_rms_norm_fp8e5m2", "add_rms_norm_fp8_g128"};

CaseSpec spec_of(const char* op, DType dt, std::vector<int64_t> shape, int nr = 1, uint64_t seed = 1) {
  CaseSpec s = op_spec(op, dt, std::move(shape), true, DataKind::normal, seed);
  s.normalized_rank = nr;
  return s;
}

}  // namespace

TEST_SUITE("rms_norm_last") {
  TEST_CASE("every form: row lengths, dtypes, rank, normalized_rank") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 500;
    const std::vector<std::pair<std::vector<int64_t>, int>> shapes = {
        {{7, 1}, 1},   {{5, 33}, 1},     {{3, 4097}, 1}, {{2, 65535}, 1}, {{4096}, 1},
        {{9, 4, 64}, 1}, {{3, 5, 128}, 2}, {{300, 128}, 1}, {{2, 8192}, 1}, {{1, 1}, 1}};
    for (const char* op : kRmsLastOps)
      for (DType dt : kAllDtypes)
        for (const auto& [shape, nr] : shapes) {
          CAPTURE(op);
          check_case(dev, spec_of(op, dt, shape, nr, ++seed));
        }
  }

  TEST_CASE("in place, by address, misaligned, no weight, no optional outputs, eps, data kinds") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 700;
    for (const char* op : kRmsLastOps)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{5, 33}, std::vector<int64_t>{3, 4097}}) {
          CAPTURE(op);
          CaseSpec s = spec_of(op, dt, shape, 1, ++seed);
          s.in_place = true;
          check_case(dev, s);
          s.data = DataKind::outlier_first;
          check_case(dev, s);
          s = spec_of(op, dt, shape, 1, ++seed);
          s.by_address = true;
          check_case(dev, s);
          s = spec_of(op, dt, shape, 1, ++seed);
          s.misalign_bytes = 4;
          check_case(dev, s);
          s = spec_of(op, dt, shape, 1, ++seed);
          s.affine = false;
          s.optional_outputs = false;
          check_case(dev, s);
          s = spec_of(op, dt, shape, 1, ++seed);
          s.data = DataKind::large_mean;
          s.eps = 0;
          check_case(dev, s);
          if (op_case(op)->nan_inf_specified()) {
            s = spec_of(op, dt, shape, 1, ++seed);
            s.data = DataKind::nan_inf;
            check_case(dev, s);
          }
        }
  }

  TEST_CASE("forced configs: streamed rows, every vector width, several rows per workgroup") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, rows;
    };
    for (const char* op : kRmsLastOps)
      for (DType dt : kAllDtypes)
        for (Cfg c : {Cfg{64, 4, 4, 1}, Cfg{128, 8, 1, 4}, Cfg{256, 16, 4, 2}, Cfg{128, 8, 8, 1}}) {
          if (c.vec == 8 && dt == DType::f32) continue;
          if (std::string(op).find("_g128") != std::string::npos) continue;  // rows in registers: below
          vknorm::KernelConfig cfg;
          cfg.workgroup_size = c.wg;
          cfg.items_per_invocation = c.items;
          cfg.vector_width = c.vec;
          cfg.rows_per_workgroup = c.rows;
          CAPTURE(op);
          CAPTURE(c.wg);
          CAPTURE(c.vec);
          CaseSpec s = spec_of(op, dt, {9, 1032}, 1, 900 + c.wg + c.vec);  // 1032 > lanes x items: streamed
          s.config = &cfg;
          check_case(dev, s);
          s.shape = {33, 96};
          check_case(dev, s);
        }
  }

  // The 8-bit encoders (quantize.glsl) against torch's rounding, value by value: every code of
  // each format, every midpoint between neighbouring codes (a tie: nearest even) and the fp32
  // values just beside it, subnormals, signed zeros, values past QMAX (saturated). The op cases
  // accept either code where y / s lies at a tie within the reference's tolerance; here y / s
  // is exact. Row: x = (2^40, the test values, zeros), D = 4096, eps = 0: the test values'
  // squares (< 2^44 in all) are absorbed by 2^80 in any summation order, so r = 2^-34 exactly
  // and weight 2^34 gives y = x; static scale 1. Registers with 4-wide and scalar accesses, and
  // the streamed path.
  TEST_CASE("int8 / float8 codes: every code, ties to even, subnormals, saturation, exactly") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    constexpr int64_t D = 4096;
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
      const std::string format = vknorm::dtype_name(q);
      CAPTURE(format);
      const double qmax = q == DType::i8 ? 127.0 : q == DType::f8_e4m3 ? 448.0 : 57344.0;
      // The format's non-negative finite values (decoded from every code up to QMAX's).
      std::vector<double> codes;
      for (int c = 0; c < 128; ++c) {
        const double v = q == DType::i8 ? double(c) : vknorm_support::decode({uint8_t(c)}, q)[0];
        if (v <= qmax) codes.push_back(v);
      }
      std::vector<double> t;
      for (size_t i = 0; i + 1 < codes.size(); ++i) {
        const float mid = float((codes[i] + codes[i + 1]) / 2);  // exact: one more mantissa bit
        t.insert(t.end(), {codes[i], mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)});
      }
      const double step = codes.back() - codes[codes.size() - 2];
      t.insert(t.end(), {qmax, qmax + step / 2, qmax + step, qmax * 1.5, 1e-30, std::ldexp(1.0, -20)});
      const size_t n = t.size();
      for (size_t i = 0; i < n; ++i) t.push_back(-t[i]);
      t.push_back(-0.0);
      REQUIRE(t.size() < size_t(D));
      std::vector<double> x(D, 0.0), w(D, std::ldexp(1.0, 34));
      x[0] = std::ldexp(1.0, 40);
      std::copy(t.begin(), t.end(), x.begin() + 1);
      std::vector<double> want(D);
      for (int64_t j = 0; j < D; ++j) {
        x[j] = float(x[j]);  // as stored
        want[j] = vknorm_support::quantize(std::max(-qmax, std::min(qmax, x[j])), q);
      }
      auto xb = upload(dev, x, DType::f32), wb = upload(dev, w, DType::f32);
      TestBuffer yb(dev, D);
      const vknorm::KernelConfig forced[] = {row_config(256, 16, 4, 1), row_config(512, 8, 1, 1),
                                             row_config(64, 4, 4, 1) /* 256 < D: streamed */};
      for (int k = -1; k < 3; ++k) {
        CAPTURE(k);  // -1: the selector's config
        vknorm::RmsNormLastArgs a{};
        a.x = view_of(dev, *xb, DType::f32, {1, D}, {D, 1});
        a.weight = view_of(dev, *wb, DType::f32, {D}, {1});
        a.y = view_of(dev, yb, q, {1, D}, {D, 1});
        a.static_scale = 1.0f;
        a.eps = 0.0f;
        if (k >= 0) a.config = &forced[k];
        yb.poison();
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_last(dev.context(), cmd, a); }) ==
                VK_SUCCESS);
        REQUIRE(err.ok());
        const std::vector<double> got = download(dev, yb, size_t(D), q);
        int bad = 0;
        for (int64_t j = 0; j < D; ++j)
          if ((got[j] != want[j] || (q != DType::i8 && std::signbit(got[j]) != std::signbit(want[j]))) && ++bad <= 8)
            FAIL_CHECK("x = " << x[j] << ": the code of " << got[j] << ", torch rounds to " << want[j]);
        CHECK(bad == 0);
      }
    }
  }

  // A dynamic scale per G elements: G = 96 (8-wide accesses, not a power of two), 50 (scalar
  // accesses only), 1 (a scale per element), and G >= D (one group: the per-row scale); both
  // forms, int8 and both float8 formats, rows from one short group to rows that need more items
  // per lane than the default config holds (kept in registers).
  TEST_CASE("per-group dynamic scales: group sizes, formats, row lengths, in place, misaligned") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;  // every 8-bit y needs 8-bit storage
    using vknorm_support::RmsLastCase;
    struct Grouped {
      RmsLastCase op;
      std::vector<std::vector<int64_t>> shapes;
    };
    const Grouped cases[] = {
        {RmsLastCase("rms_norm_last_fp8_g96", 44, false, DType::f8_e4m3, 96), {{5, 33}, {3, 4097}, {7, 768}, {2, 16384}}},
        {RmsLastCase("add_rms_norm_q8_g50", 43, true, DType::i8, 50), {{5, 33}, {9, 4, 100}, {3, 1001}}},
        {RmsLastCase("rms_norm_last_fp8e5m2_g1", 46, false, DType::f8_e5m2, 1), {{5, 33}, {4, 256}}},
        {RmsLastCase("add_rms_norm_fp8_g4097", 45, true, DType::f8_e4m3, 4097), {{3, 4097}, {2, 4096}}},
    };
    uint64_t seed = 3000;
    auto spec = [&](const RmsLastCase& op, DType dt, const std::vector<int64_t>& shape) {
      CaseSpec s;  // as op_spec(), for an op case outside the registry
      s.op = &op;
      s.dtype = dt;
      s.shape = shape;
      s.seed = ++seed;
      return s;
    };
    for (const Grouped& g : cases)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape : g.shapes) {
          CAPTURE(g.op.name());
          CaseSpec s = spec(g.op, dt, shape);
          check_case(dev, s);
          s.data = DataKind::outlier_first;  // one group's scale far above the others'
          s.in_place = true;                 // residual_out = residual (the add form)
          check_case(dev, s);
          s = spec(g.op, dt, shape);
          s.misalign_bytes = g.op.misalign_bytes(dt);
          s.affine = false;
          s.optional_outputs = false;
          check_case(dev, s);
        }
  }

  TEST_CASE("per-group dynamic scales: forced configs hold the row or are refused") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::i8)) return;
    const vknorm_support::OpCase* op = op_case("add_rms_norm_fp8_g128");
    REQUIRE(op);
    struct Cfg {
      uint32_t wg, items, vec, rows;
    };
    // Rows of 1032 elements held by 64 lanes x 17 items, 128 lanes (two or four rows per
    // workgroup) x 12 or 9, 128 x 16 with 8-wide accesses; 64 x 4 would stream them: refused.
    for (DType dt : kAllDtypes)
      for (Cfg c : {Cfg{64, 17, 1, 1}, Cfg{256, 12, 4, 2}, Cfg{128, 16, 8, 1}, Cfg{512, 9, 1, 4}}) {
        if (c.vec == 8 && dt == DType::f32) continue;
        vknorm::KernelConfig cfg;
        cfg.workgroup_size = c.wg;
        cfg.items_per_invocation = c.items;
        cfg.vector_width = c.vec;
        cfg.rows_per_workgroup = c.rows;
        CAPTURE(c.wg);
        CAPTURE(c.vec);
        CaseSpec s = op_spec("add_rms_norm_fp8_g128", dt, {9, 1032}, true, DataKind::normal, 950 + c.wg + c.vec);
        s.config = &cfg;
        check_case(dev, s);
      }
    TestBuffer xb(dev, 1 << 16), rb(dev, 1 << 16), yb(dev, 1 << 16), sb(dev, 1 << 10);
    vknorm::AddRmsNormArgs a{};
    a.x = view_of(dev, xb, DType::f32, {9, 1032}, {1032, 1});
    a.residual = view_of(dev, rb, DType::f32, {9, 1032}, {1032, 1});
    a.y = view_of(dev, yb, DType::f8_e4m3, {9, 1032}, {1032, 1});
    a.y_scale = view_of(dev, sb, DType::f32, {9, 9}, {9, 1});
    a.scale_group_size = 128;
    vknorm::KernelConfig cfg;
    cfg.workgroup_size = 64;
    cfg.items_per_invocation = 4;  // 256 < 1032: the streamed path, which has no per-group maxima
    cfg.vector_width = 4;
    cfg.rows_per_workgroup = 1;
    a.config = &cfg;
    expect_args_refused(dev, Status::unsupported, "a forced config that streams the row", a, {&yb},
                        RefusedBy::select_and_prepare);
  }

  TEST_CASE("QK-norm: per-head views of a fused QKV buffer, in place, weight offset") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    std::mt19937_64 rng(5);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (DType dt : kAllDtypes) {
      const int64_t T = 7, H = 3, Dh = 64;  // (tokens, 3 * heads * head_dim) rows
      const int64_t row = 3 * H * Dh, n = T * row;
      const size_t es = vknorm::dtype_size(dt);
      std::vector<double> qkv(static_cast<size_t>(n)), w(static_cast<size_t>(Dh));
      for (double& v : qkv) v = vknorm_support::quantize(nd(rng), dt);
      for (double& v : w) v = vknorm_support::quantize(0.1 * nd(rng), dt);
      TestBuffer buf(dev, VkDeviceSize(n) * es), wb(dev, VkDeviceSize(Dh) * es), rs(dev, VkDeviceSize(2 * T * H) * 4);
      const std::vector<uint8_t> bytes = vknorm_support::encode(qkv, dt), wbytes = vknorm_support::encode(w, dt);
      dev.upload(buf.buf, bytes.data(), bytes.size());
      dev.upload(wb.buf, wbytes.data(), wbytes.size());
      // q: elements [0, H*Dh) of each row; k: [H*Dh, 2*H*Dh); v untouched.
      for (int part = 0; part < 2; ++part) {
        vknorm::RmsNormLastArgs a{};
        a.x = view_of(dev, buf, dt, {T, H, Dh}, {row, Dh, 1}, VkDeviceSize(part * H * Dh) * es);
        a.y = a.x;
        a.weight = view_of(dev, wb, dt, {Dh}, {1});
        a.weight_offset = 1.0f;
        a.rstd = view_of(dev, rs, DType::f32, {T, H}, {H, 1}, VkDeviceSize(part * T * H) * 4);
        a.eps = 1e-6f;
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_last(dev.context(), cmd, a); }) ==
                VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
      }
      const std::vector<double> got = download(dev, buf, size_t(n), dt);
      const std::vector<double> rstd = download(dev, rs, size_t(2 * T * H), DType::f32);
      const double tol = dt == DType::f32 ? 1e-5 : dt == DType::f16 ? 2e-3 : 1.6e-2;
      size_t bad = 0, bad_rstd = 0, touched = 0;
      for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < 3 * H; ++j) {
          const size_t base = size_t(t * row + j * Dh);
          std::vector<double> x(qkv.begin() + long(base), qkv.begin() + long(base + Dh)), y, r;
          if (j >= 2 * H) {  // v
            for (int64_t e = 0; e < Dh; ++e) touched += got[base + size_t(e)] != x[size_t(e)];
            continue;
          }
          vknorm_support::rms_norm_last_reference(x, {}, w, 1.0, dt, 1, Dh, 1e-6, nullptr, &y, &r);
          for (int64_t e = 0; e < Dh; ++e)
            bad += !(std::fabs(got[base + size_t(e)] - y[size_t(e)]) <= tol * (1 + std::fabs(y[size_t(e)])));
          const int part = j < H ? 0 : 1;
          const double gr = rstd[size_t(part * T * H + t * H + j % H)];
          bad_rstd += !(std::fabs(gr - r[0]) <= 1e-5 * r[0]);
        }
      CAPTURE(vknorm::dtype_name(dt));
      CHECK(bad == 0);
      CHECK(bad_rstd == 0);
      CHECK(touched == 0);
    }
  }

  TEST_CASE("fused add: residual_out omitted; y into a separate buffer while residual is updated in place") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      CaseSpec s = spec_of("add_rms_norm", dt, {17, 768}, 1, 31);
      s.optional_outputs = false;  // no residual_out, no rstd
      check_case(dev, s);
      s.in_place = true;           // residual_out = residual
      check_case(dev, s);
    }
  }

  TEST_CASE("ONNX SkipSimplifiedLayerNormalization: a bias added to x + residual, registers and streamed") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 180;
    for (const char* op : {"add_rms_norm", "add_rms_norm_q8"})
      for (DType dt : kAllDtypes)
        for (const auto& shape : {std::vector<int64_t>{5, 33}, {37, 768}, {2, 65535}}) {
          CaseSpec s = spec_of(op, dt, shape, 1, ++seed);
          s.add_bias = true;
          check_case(dev, s);
          s.data = DataKind::large_mean;
          check_case(dev, s);
          s.data = DataKind::normal;
          s.in_place = true;
          check_case(dev, s);
        }
  }

  TEST_CASE("bad arguments: a clear error before anything is recorded") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = dev.context();
    TestBuffer xb(dev, 1 << 14), yb(dev, 1 << 14), rb(dev, 1 << 14), sb(dev, 1 << 10), wb(dev, 1 << 12);
    const DType f = DType::f32;
    auto base = [&]() {
      vknorm::AddRmsNormArgs a{};
      a.x = view_of(dev, xb, f, {4, 64}, {64, 1});
      a.residual = view_of(dev, rb, f, {4, 64}, {64, 1});
      a.y = view_of(dev, yb, f, {4, 64}, {64, 1});
      return a;
    };
    auto refused = [&](const vknorm::AddRmsNormArgs& a, Status want, const char* what) {
      expect_args_refused(dev, want, what, a, {&yb}, RefusedBy::select_and_prepare);
    };
    {
      vknorm::AddRmsNormArgs a = base();
      REQUIRE(vknorm::prepare_add_rms_norm(ctx, a).ok());
    }
    vknorm::AddRmsNormArgs a = base();
    a.y = view_of(dev, yb, f, {4, 64}, {32, 1});  // row stride < D: rows overlap
    refused(a, Status::invalid_argument, "output row stride < D");
    a = base();
    a.residual = view_of(dev, rb, f, {4, 63}, {64, 1});
    refused(a, Status::invalid_argument, "residual shape mismatch");
    a = base();
    a.residual = view_of(dev, rb, DType::f16, {4, 64}, {64, 1});
    refused(a, Status::invalid_argument, "residual dtype mismatch");
    a = base();
    a.residual = Tensor{};
    refused(a, Status::invalid_argument, "add_rms_norm without residual");
    a = base();
    a.weight_offset = 1.0f;
    refused(a, Status::invalid_argument, "weight_offset without weight");
    a = base();
    a.add_bias = view_of(dev, sb, f, {63}, {1});
    refused(a, Status::invalid_argument, "add_bias of the wrong length");
    a = base();
    a.add_bias = view_of(dev, yb, f, {64}, {1});
    refused(a, Status::invalid_argument, "add_bias aliases y");
    a = base();
    a.x = view_of(dev, xb, f, {4, 64}, {64, 2});
    refused(a, Status::invalid_argument, "normalized dims not contiguous");
    a = base();
    a.y = a.residual;
    refused(a, Status::invalid_argument, "y aliases residual (not an allowed pair)");
    a = base();
    a.residual_out = view_of(dev, rb, f, {4, 64}, {64, 1}, 4);
    refused(a, Status::invalid_argument, "residual_out partially overlaps residual");
    a = base();
    a.rstd = view_of(dev, sb, f, {3}, {1});
    refused(a, Status::invalid_argument, "rstd too small");
    a = base();
    a.y_scale = view_of(dev, sb, f, {4}, {1});
    refused(a, Status::invalid_argument, "y_scale with a 16/32-bit y");
    a = base();
    a.static_scale = 0.5f;
    refused(a, Status::invalid_argument, "static_scale with a 16/32-bit y");
    a = base();
    a.x = view_of(dev, xb, f, {2, 2, 2, 32}, {2048, 512, 64, 1});
    a.residual = view_of(dev, rb, f, {2, 2, 2, 32}, {2048, 512, 64, 1});
    a.y = view_of(dev, yb, f, {2, 2, 2, 32}, {2048, 512, 64, 1});
    refused(a, Status::invalid_argument, "three strided leading dims");
    a = base();
    a.x.dtype = DType::i8;
    refused(a, Status::invalid_argument, "int8 x");
    if (dev.info().supports(DType::i8)) {
      a = base();
      a.y = view_of(dev, yb, DType::i8, {4, 64}, {64, 1});
      refused(a, Status::invalid_argument, "int8 y with a dynamic scale and no y_scale");
      a.y_scale = view_of(dev, sb, f, {3}, {1});
      refused(a, Status::invalid_argument, "y_scale too small");
      a.y_scale = view_of(dev, sb, f, {4}, {1});
      a.static_scale = 0.25f;
      refused(a, Status::invalid_argument, "y_scale given with a static scale");
      a.y_scale = Tensor{};
      a.static_scale = -1.0f;
      refused(a, Status::invalid_argument, "negative static scale");
      a = base();
      a.y = view_of(dev, xb, DType::i8, {4, 64}, {64, 1});
      a.static_scale = 0.25f;
      refused(a, Status::invalid_argument, "int8 y in place of x");
      // Per-group scales: 64 elements in groups of 16 give 4 scales per row.
      a = base();
      a.y = view_of(dev, yb, DType::i8, {4, 64}, {64, 1});
      a.y_scale = view_of(dev, sb, f, {4, 4}, {4, 1});
      a.scale_group_size = 16;
      REQUIRE(vknorm::prepare_add_rms_norm(ctx, a).ok());
      a.scale_group_size = -16;
      refused(a, Status::invalid_argument, "negative scale_group_size");
      a.scale_group_size = 16;
      a.y_scale = view_of(dev, sb, f, {4}, {1});
      refused(a, Status::invalid_argument, "y_scale of one scale per row with groups of 16");
      a.y_scale = view_of(dev, sb, f, {4, 4}, {8, 1});
      refused(a, Status::invalid_argument, "y_scale rows not contiguous");
      a.y_scale = Tensor{};
      a.static_scale = 0.25f;
      refused(a, Status::invalid_argument, "scale_group_size with a static scale");
      a = base();
      a.scale_group_size = 16;
      refused(a, Status::invalid_argument, "scale_group_size with a 16/32-bit y");
      // A scale per element of a long row: its maxima exceed shared memory.
      TestBuffer big_x(dev, VkDeviceSize(4) << 20), big_r(dev, VkDeviceSize(4) << 20), big_y(dev, VkDeviceSize(1) << 20),
          big_s(dev, VkDeviceSize(4) << 20);
      a = base();
      a.x = view_of(dev, big_x, f, {1, 1 << 18}, {1 << 18, 1});
      a.residual = view_of(dev, big_r, f, {1, 1 << 18}, {1 << 18, 1});
      a.y = view_of(dev, big_y, DType::i8, {1, 1 << 18}, {1 << 18, 1});
      a.y_scale = view_of(dev, big_s, f, {1, 1 << 18}, {1 << 18, 1});
      a.scale_group_size = 1;
      expect_args_refused(dev, Status::unsupported, "per-group maxima beyond shared memory / registers", a, {&big_y},
                          RefusedBy::select_and_prepare);
      for (DType q : {DType::f8_e4m3, DType::f8_e5m2}) {
        a = base();
        a.y = view_of(dev, yb, q, {4, 64}, {64, 1});
        refused(a, Status::invalid_argument, "float8 y with a dynamic scale and no y_scale");
        a.static_scale = std::nanf("");
        refused(a, Status::invalid_argument, "float8 y with a NaN static scale");
        a = base();
        a.y = view_of(dev, xb, q, {4, 64}, {64, 1});
        a.static_scale = 0.25f;
        refused(a, Status::invalid_argument, "float8 y in place of x");
        a = base();
        a.x.dtype = q;
        refused(a, Status::invalid_argument, "float8 x");
      }
    }
    a = base();
    a.y = view_of(dev, yb, DType::i32, {4, 64}, {64, 1});
    refused(a, Status::invalid_argument, "i32 y");
  }

  TEST_CASE("int8 / float8 output on a context without 8-bit storage: unsupported") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::ContextCreateInfo ci = same_device_context_info(dev);
    ci.enabled.storage_buffer_8bit = false;
    vknorm::Context* ctx = nullptr;
    REQUIRE(vknorm::create_context(ci, &ctx).ok());
    TestBuffer xb(dev, 4096), yb(dev, 4096);
    for (DType q : {DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
      CAPTURE(vknorm::dtype_name(q));
      CHECK_FALSE(vknorm::device_info(ctx).supports(q));
      vknorm::RmsNormLastArgs a{};
      a.x = view_of(dev, xb, DType::f32, {4, 64}, {64, 1});
      a.y = view_of(dev, yb, q, {4, 64}, {64, 1});
      a.static_scale = 0.1f;
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_last(ctx, cmd, a); }) == VK_SUCCESS);
      CHECK(err.status == Status::unsupported);
      CHECK(err.message.find("storageBuffer8BitAccess") != std::string::npos);
      CHECK(yb.poisoned());
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::rms_norm_last, DType::f32, {4, 64});
      info.output_dtype = q;
      CHECK(vknorm::prepare(ctx, info).status == Status::unsupported);
    }
    vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::rms_norm_last, DType::f32, {4, 64});
    info.int8_output = true;
    CHECK(vknorm::prepare(ctx, info).status == Status::unsupported);
    vknorm::destroy_context(ctx);
  }

  TEST_CASE("prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (vknorm::Op op : {vknorm::Op::rms_norm_last, vknorm::Op::add_rms_norm})
      for (DType q : {DType::f16, DType::i8, DType::f8_e4m3, DType::f8_e5m2}) {
        if (!dev.info().supports(q)) continue;
        vknorm::PrepareInfo info = vknorm::PrepareInfo::make(op, DType::f16, {32, 4096});
        info.output_dtype = q;
        REQUIRE(vknorm::prepare(dev.context(), info).ok());
        const size_t n = vknorm::pipeline_count(dev.context());
        REQUIRE(vknorm::prepare(dev.context(), info).ok());
        CHECK(vknorm::pipeline_count(dev.context()) == n);
      }
    // Per-group scales: a pipeline of their own (the maxima's shared memory), created once. A
    // fresh context: the suite's context may hold it already.
    if (!dev.info().supports(DType::f8_e4m3)) return;
    vknorm::Context* ctx = nullptr;
    REQUIRE(vknorm::create_context(same_device_context_info(dev), &ctx).ok());
    vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::add_rms_norm, DType::f16, {32, 4096});
    info.output_dtype = DType::f8_e4m3;
    REQUIRE(vknorm::prepare(ctx, info).ok());
    const size_t n = vknorm::pipeline_count(ctx);
    info.scale_group_size = 128;
    REQUIRE(vknorm::prepare(ctx, info).ok());
    CHECK(vknorm::pipeline_count(ctx) == n + 1);
    REQUIRE(vknorm::prepare(ctx, info).ok());
    CHECK(vknorm::pipeline_count(ctx) == n + 1);
    vknorm::destroy_context(ctx);
  }
}
