// The row kernels: RMSNorm over contiguous rows ((N, C) and (N, C, 1, 1): rms_norm_rows) and
// LayerNorm forward on short rows (several rows per workgroup in layer_norm_row), against the
// fp64 reference, in f32, f16 and bf16: row lengths around every vector width and lanes-per-row
// boundary, strided rows, in place, element-aligned (misaligned) offsets, with and without
// weight. Each group also checks that the row path was the one taken.
#include "test_common.h"

#include "support/dtype_convert.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Tensor;

namespace {

bool on_row_path(const KernelConfig& c) { return c.case_class.find("/rows/") != std::string::npos; }

// Kernel names of the dispatches a call records.
template <class Args>
std::vector<std::string> kernels_of(HostDevice& dev, const Args& a) {
  std::vector<vknorm::DispatchInfo> ds;
  const Error e = vknorm::describe_dispatches(dev.context(), a, &ds);
  REQUIRE_MESSAGE(e.ok(), e.message);
  std::vector<std::string> names;
  for (const auto& d : ds) names.push_back(d.kernel);
  return names;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

void rms_grid(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 300;
  for (int64_t C : {1, 7, 33, 128, 768, 4095, 4096, 8192, 65535}) {
    for (int64_t N : {1, 3, 1000}) {
      if (N * C > (int64_t(1) << 21)) continue;  // lavapipe moves a few GB/s
      CAPTURE(C);
      CAPTURE(N);
      const bool affine = (C + N) % 2 == 1;
      CaseResult r = check_case(dev, rms(dt, {N, C}, 1e-5, affine, DataKind::normal, ++seed));
      if (r.ran) CHECK_MESSAGE(on_row_path(r.config), vknorm::to_string(r.config));
    }
  }
}

}  // namespace

TEST_SUITE("rows") {
  TEST_CASE("rms_norm rows f32 (N, C)") { rms_grid(DType::f32); }
  TEST_CASE("rms_norm rows f16 (N, C)") { rms_grid(DType::f16); }
  TEST_CASE("rms_norm rows bf16 (N, C)") { rms_grid(DType::bf16); }

  TEST_CASE("rms_norm rows: weight on and off, (N, C, 1, 1), uniform data, eps") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (bool affine : {false, true}) {
        CaseResult r = check_case(dev, rms(dt, {17, 768}, 1e-5, affine, DataKind::normal, 11));
        CHECK(on_row_path(r.config));
        r = check_case(dev, rms(dt, {5, 4096, 1, 1}, 1e-5, affine, DataKind::uniform01, 12));
        CHECK(on_row_path(r.config));
        check_case(dev, rms(dt, {9, 33}, 10.0, affine, DataKind::normal, 13));
        check_case(dev, rms(dt, {2, 8}, 0.0, affine, DataKind::normal, 14));
      }
  }

  TEST_CASE("rms_norm rows: streamed rows under a grid cap (workgroups loop over the rows)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      const int64_t D = 65535;  // odd: element-aligned rows, 4-element accesses between head and tail
      vknorm::KernelConfig c;
      for (uint64_t rows_in_flight : {1, 2}) {
        c.wave_bytes = rows_in_flight * uint64_t(D) * vknorm::dtype_size(dt);
        CaseSpec s = rms(dt, {7, D}, 1e-5, rows_in_flight == 2, DataKind::normal, 31);
        s.config = &c;
        CaseResult r = check_case(dev, s);
        CHECK(r.config.wave_bytes == c.wave_bytes);
        s.in_place = true;
        check_case(dev, s);
        s.in_place = false;
        s.misalign_bytes = vknorm::dtype_size(dt);
        check_case(dev, s);
      }
    }
  }

  TEST_CASE("rms_norm rows: in place, by address, misaligned offsets") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 400;
    for (DType dt : kAllDtypes) {
      const VkDeviceSize es = vknorm::dtype_size(dt);
      for (std::vector<int64_t> shape : {std::vector<int64_t>{3, 4096}, std::vector<int64_t>{1000, 128},
                                         std::vector<int64_t>{7, 768}, std::vector<int64_t>{2, 65535},
                                         std::vector<int64_t>{300, 7}}) {
        CAPTURE(shape[1]);
        CaseSpec s = rms(dt, shape, 1e-5, true, DataKind::normal, ++seed);
        s.in_place = true;
        CHECK(on_row_path(check_case(dev, s).config));
        s.in_place = false;
        s.by_address = true;
        check_case(dev, s);
        s.by_address = false;
        for (VkDeviceSize mis : {es, 4 * es, 8 * es}) {  // element-aligned: the narrower accesses
          CAPTURE(mis);
          s.misalign_bytes = mis;
          CHECK(on_row_path(check_case(dev, s).config));
          s.in_place = true;
          check_case(dev, s);
          s.in_place = false;
        }
      }
    }
  }

  TEST_CASE("rms_norm rows: strided rows (row stride > C), in place and not") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    std::mt19937_64 rng(77);
    std::normal_distribution<double> nd(0.0, 1.0);
    struct Shape {
      int64_t N, C, xrs, yrs;
    };
    for (DType dt : kAllDtypes) {
      const size_t es = vknorm::dtype_size(dt);
      const double tol = dt == DType::f32 ? 1e-5 : dt == DType::f16 ? 2e-3 : 1.6e-2;
      for (Shape sh : {Shape{5, 4096, 4096 + 8, 4096 + 64}, Shape{300, 128, 136, 160}, Shape{33, 768, 1000, 771},
                       Shape{4, 33, 40, 33}, Shape{64, 7, 8, 11}, Shape{3, 65535, 65600, 65535}}) {
        for (bool in_place : {false, true}) {
          for (bool affine : {false, true}) {
            if (in_place && sh.xrs != sh.yrs) sh.yrs = sh.xrs;
            CAPTURE(sh.C);
            CAPTURE(sh.xrs);
            CAPTURE(in_place);
            const int64_t xn = (sh.N - 1) * sh.xrs + sh.C, yn = (sh.N - 1) * sh.yrs + sh.C;
            std::vector<double> xv(size_t(xn), 0.0), wv(size_t(sh.C), 1.0);
            for (double& v : xv) v = vknorm_support::quantize(nd(rng), dt);
            for (double& v : wv) v = vknorm_support::quantize(1.0 + 0.5 * nd(rng), dt);
            TestBuffer xb(dev, VkDeviceSize(xn) * es + 64), yb(dev, VkDeviceSize(yn) * es + 64),
                wb(dev, VkDeviceSize(sh.C) * es + 64);
            std::vector<uint8_t> xbytes = vknorm_support::encode(xv, dt), wbytes = vknorm_support::encode(wv, dt);
            dev.upload(xb.buf, xbytes.data(), xbytes.size());
            dev.upload(wb.buf, wbytes.data(), wbytes.size());
            vknorm::RmsNormArgs a{};
            a.x = view_of(dev, xb, dt, {sh.N, sh.C}, {sh.xrs, 1});
            a.y = in_place ? a.x : view_of(dev, yb, dt, {sh.N, sh.C}, {sh.yrs, 1});
            if (affine) a.weight = view_of(dev, wb, dt, {sh.C}, {1});
            KernelConfig cfg;
            REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
            CHECK(on_row_path(cfg));
            const auto ks = kernels_of(dev, a);
            REQUIRE(ks.size() == 1);
            CHECK(starts_with(ks[0], "rms_norm_rows."));
            Error err;
            REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm(dev.context(), cmd, a); }) ==
                    VK_SUCCESS);
            REQUIRE_MESSAGE(err.ok(), err.message);
            const TestBuffer& ob = in_place ? xb : yb;
            const int64_t on = in_place ? xn : yn, ors = in_place ? sh.xrs : sh.yrs;
            std::vector<uint8_t> got_bytes(size_t(on) * es);
            dev.download(ob.buf, got_bytes.data(), got_bytes.size());
            const std::vector<double> got = vknorm_support::decode(got_bytes, dt);
            size_t bad = 0;
            for (int64_t n = 0; n < sh.N; ++n) {
              double ss = 0;
              for (int64_t c = 0; c < sh.C; ++c) ss += xv[size_t(n * sh.xrs + c)] * xv[size_t(n * sh.xrs + c)];
              const double r = 1.0 / std::sqrt(ss / double(sh.C) + 1e-5);
              for (int64_t c = 0; c < sh.C; ++c) {
                const double ref = xv[size_t(n * sh.xrs + c)] * r * (affine ? wv[size_t(c)] : 1.0);
                const double g = got[size_t(n * ors + c)];
                if (!(std::fabs(g - ref) <= tol * (1.0 + std::fabs(ref)))) ++bad;
              }
              // The gap between rows is untouched: poison (y) or x's own values (in place).
              for (int64_t c = sh.C; n + 1 < sh.N && c < ors; ++c) {
                const size_t i = size_t(n * ors + c);
                if (in_place) {
                  if (got[i] != xv[i]) ++bad;
                } else {
                  uint8_t pw[4];
                  std::memcpy(pw, &kPoisonWord, 4);
                  for (size_t k = 0; k < es; ++k)
                    if (got_bytes[i * es + k] != pw[(i * es + k) & 3]) {
                      ++bad;
                      break;
                    }
                }
              }
            }
            CHECK(bad == 0);
          }
        }
      }
    }
  }

  TEST_CASE("layer_norm short rows: several rows per workgroup") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 500;
    for (DType dt : kAllDtypes) {
      const VkDeviceSize es = vknorm::dtype_size(dt);
      for (int64_t D : {1, 7, 64, 128, 768, 1000}) {
        const int64_t R = D <= 128 ? 2000 : 300;
        CAPTURE(D);
        CaseSpec s = ln(dt, {R, D}, 1, 1e-5, D % 2 == 0, DataKind::normal, ++seed);
        CaseResult r = check_case(dev, s);
        CHECK(r.config.split == 1);
        if (D <= 128) CHECK(r.config.rows_per_workgroup > 1);
        s.in_place = true;
        check_case(dev, s);
        s.in_place = false;
        s.misalign_bytes = 4;  // element-aligned for every dtype (mean / rstd are fp32), no vec access
        check_case(dev, s);
        s.misalign_bytes = 8 * es;
        s.by_address = true;
        check_case(dev, s);
        // Large mean, tiny spread: the corrected two-pass statistics keep the digits.
        check_case(dev, ln(dt, {R, D}, 1, 1e-5, true, DataKind::large_mean, ++seed));
      }
    }
  }

  TEST_CASE("layer_norm rows with 16-byte accesses (vector_width 8, by override)") {
    // The selector keeps 8-byte accesses for 16-bit LayerNorm rows (measured faster on the
    // H200); the 8-wide path stays reachable through a config and must stay correct.
    HostDevice& dev = host();
    ValidationScope vs(dev);
    KernelConfig v8;
    v8.vector_width = 8;
    uint64_t seed = 900;
    for (DType dt : {DType::f16, DType::bf16})
      for (std::vector<int64_t> shape : {std::vector<int64_t>{300, 128}, {17, 768}, {3, 8192}}) {
        CaseSpec s = ln(dt, shape, 1, 1e-5, true, DataKind::normal, ++seed);
        s.config = &v8;
        auto r = check_case(dev, s);
        CHECK(r.config.vector_width == 8);
        s.in_place = true;
        check_case(dev, s);
      }
  }

  TEST_CASE("paths: (1, 4096) is one dispatch; KernelBench #36 stays on the channel kernel") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer x(dev, 1 << 16), y(dev, 1 << 16);
    for (DType dt : kAllDtypes) {
      vknorm::RmsNormArgs a{};
      a.x = view_of(dev, x, dt, {1, 4096}, {4096, 1});
      a.y = view_of(dev, y, dt, {1, 4096}, {4096, 1});
      const auto ks = kernels_of(dev, a);
      REQUIRE(ks.size() == 1);
      CHECK(starts_with(ks[0], "rms_norm_rows."));
      KernelConfig c;
      REQUIRE(vknorm::select_config(dev.context(), a, &c).ok());
      CHECK(c.vector_width == (dt == DType::f32 ? 4u : 8u));
      CHECK(c.channel_split == 0);
      // Short rows share workgroups (LayerNorm D = 128).
      vknorm::LayerNormArgs l{};
      l.x = view_of(dev, x, dt, {64, 128}, {128, 1});
      l.y = view_of(dev, y, dt, {64, 128}, {128, 1});
      REQUIRE(vknorm::select_config(dev.context(), l, &c).ok());
      CHECK(c.rows_per_workgroup > 1);
      const auto lk = kernels_of(dev, l);
      REQUIRE(lk.size() == 1);
      CHECK(starts_with(lk[0], "layer_norm_row."));
    }
    // The channel kernel: S > 1 (select_config reads only the claimed sizes).
    vknorm::RmsNormArgs k{};
    k.x = Tensor::contiguous(x.buf.buffer, 0, VkDeviceSize(112) * 64 * 512 * 512 * 4, DType::f32, {112, 64, 512, 512});
    k.y = Tensor::contiguous(y.buf.buffer, 0, VkDeviceSize(112) * 64 * 512 * 512 * 4, DType::f32, {112, 64, 512, 512});
    KernelConfig c;
    const Error e = vknorm::select_config(dev.context(), k, &c);
    if (e.ok()) {
      CHECK(!on_row_path(c));
      CHECK(c.channel_split >= 1);
    }
    // A row-shaped call that asks for channel_split runs the channel kernel.
    vknorm::RmsNormArgs a{};
    a.x = view_of(dev, x, DType::f32, {4, 64}, {64, 1});
    a.y = view_of(dev, y, DType::f32, {4, 64}, {64, 1});
    KernelConfig force;
    force.channel_split = 1;
    a.config = &force;
    const auto ks = kernels_of(dev, a);
    REQUIRE(ks.size() == 1);
    CHECK(starts_with(ks[0], "rms_norm."));
  }
}
