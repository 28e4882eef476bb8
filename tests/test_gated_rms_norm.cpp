// gated_rms_norm (y = rms_norm(x) * w * silu(z), or rms_norm(x * silu(z)) * w) against the fp64
// reference in f32, f16 and bf16: odd and model widths, per-head rows, large means, outliers,
// NaN / Inf rows, eps 0 and 10, in place, by address, misaligned, a scalar config, z with its
// own row stride (the z slice of a fused projection), prepare(), and bad arguments refused
// before anything is written.
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

const char* const kGatedForms[] = {"gated_rms_norm", "gated_rms_norm_gate_first"};

}  // namespace

TEST_SUITE("gated_rms_norm") {
  TEST_CASE("gated_rms_norm both forms over odd, per-head and model widths") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 900;
    for (const char* form : kGatedForms)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{5, 33}, std::vector<int64_t>{3, 8, 128},
                                                  std::vector<int64_t>{2, 5120}, std::vector<int64_t>{1, 1},
                                                  std::vector<int64_t>{1025, 20}}) {
          ++seed;
          check_case(dev, op_spec(form, dt, shape, (seed % 2) == 0, DataKind::normal, seed));
        }
  }

  TEST_CASE("gated_rms_norm data kinds, eps, in place, by address, misaligned, scalar config") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 950;
    const vknorm::KernelConfig scalar = row_config(64, 4, 1, 4);  // 1-element accesses, several rows per workgroup
    for (const char* form : kGatedForms)
      for (DType dt : kAllDtypes) {
        for (DataKind data : {DataKind::large_mean, DataKind::outlier_first, DataKind::nan_inf, DataKind::uniform01})
          for (double eps : {0.0, 10.0}) {
            CaseSpec s = op_spec(form, dt, {4, 130}, true, data, ++seed);
            s.eps = eps;
            check_case(dev, s);
          }
        const CaseSpec base = op_spec(form, dt, {3, 48}, true, DataKind::normal, ++seed);
        for (const CaseSpec& p : placements(base)) check_case(dev, p);
        CaseSpec s = base;
        s.config = &scalar;
        check_case(dev, s);
      }
  }

  TEST_CASE("gated_rms_norm with z a strided slice of a fused projection") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const int64_t R = 6, D = 96, stride = 3 * D;  // z = zx[:, :D] of a (R, 3D) projection
    for (DType dt : kAllDtypes)
      for (bool before : {true, false}) {
        std::vector<double> x(static_cast<size_t>(R * D)), zx(static_cast<size_t>(R * stride)), w(static_cast<size_t>(D));
        vknorm_support::fill_normal(&x, 11);
        vknorm_support::fill_normal(&zx, 12);
        vknorm_support::fill_normal(&w, 13);
        for (double& v : x) v = vknorm_support::quantize(v, dt);
        for (double& v : zx) v = vknorm_support::quantize(2 * v, dt);
        for (double& v : w) v = vknorm_support::quantize(1 + 0.1 * v, dt);
        auto xb = upload(dev, x, dt), zb = upload(dev, zx, dt), wb = upload(dev, w, dt);
        TestBuffer yb(dev, VkDeviceSize(R * D) * vknorm::dtype_size(dt));
        vknorm::GatedRmsNormArgs a;
        a.x = view(*xb, dt, {R, D});
        a.z = view_of(dev, *zb, dt, {R, D}, {stride, 1});
        a.weight = view(*wb, dt, {D});
        a.y = view(yb, dt, {R, D});
        a.norm_before_gate = before;
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
        std::vector<double> z, y;
        for (int64_t r = 0; r < R; ++r) z.insert(z.end(), zx.begin() + r * stride, zx.begin() + r * stride + D);
        vknorm_support::gated_rms_norm_reference(x, z, w, before, R, D, 1e-6, &y);
        const std::vector<double> got = download(dev, yb, size_t(R * D), dt);
        const double tol = dt == DType::f32 ? 1e-5 : dt == DType::f16 ? 2e-3 : 1.6e-2;
        double worst = 0;
        for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::fabs(got[i] - y[i]) / (1.0 + std::fabs(y[i])));
        CHECK(worst <= tol);
      }
  }

  TEST_CASE("gated_rms_norm prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (bool before : {true, false}) {
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::gated_rms_norm, DType::bf16, {4, 2560});
      info.norm_before_gate = before;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t n = vknorm::pipeline_count(dev.context());
      TestBuffer xb(dev, 4 * 2560 * 2), zb(dev, 4 * 2560 * 2), yb(dev, 4 * 2560 * 2);
      vknorm::GatedRmsNormArgs a;
      a.x = view(xb, DType::bf16, {4, 2560});
      a.z = view(zb, DType::bf16, {4, 2560});
      a.y = view(yb, DType::bf16, {4, 2560});
      a.norm_before_gate = before;
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
      CHECK(vknorm::pipeline_count(dev.context()) == n);
    }
  }

  TEST_CASE("gated_rms_norm bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), zb(dev, 4096), yb(dev, 4096), wb(dev, 256);
    vknorm::GatedRmsNormArgs good;
    good.x = view(xb, DType::f32, {6, 40});
    good.z = view(zb, DType::f32, {6, 40});
    good.y = view(yb, DType::f32, {6, 40});
    good.weight = view(wb, DType::f32, {40});
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto refused = [&](const std::string& what, const vknorm::GatedRmsNormArgs& a, Status want = Status::invalid_argument) {
      expect_args_refused(dev, want, what, a, {&yb});
    };
    auto a = good;
    a.z = Tensor{};
    refused("no z", a);
    a = good;
    a.z = view(zb, DType::f32, {6, 1, 40});
    refused("z of another shape (broadcast)", a);
    a = good;
    a.z = view(zb, DType::f16, {6, 40});
    refused("z of another dtype", a);
    a = good;
    a.z = good.y;
    refused("z aliasing y", a);
    a = good;
    a.weight = view(wb, DType::f32, {41});
    refused("weight of another length", a);
    a = good;
    a.eps = -1.0f;
    refused("negative eps", a);
    vknorm::KernelConfig split;
    split.split = 3;
    a = good;
    a.config = &split;
    refused("a split config", a);
    vknorm::GatedRmsNormArgs longer;
    longer.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {1, 300000}, {300000, 1});
    longer.z = Tensor::strided(zb.buf.buffer, 0, DType::f32, {1, 300000}, {300000, 1});
    longer.y = Tensor::strided(yb.buf.buffer, 0, DType::f32, {1, 300000}, {300000, 1});
    refused("rows longer than one workgroup holds", longer, Status::unsupported);
  }
}
