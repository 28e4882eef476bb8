// LayerNorm backward: dx / dweight / dbias against the analytic fp64 reference, against central
// differences of the fp64 forward, and run-to-run determinism.
#include "support/reference.h"
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;
using vknorm_support::CaseInputs;

namespace {

void ln_bwd_shapes(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 400;
  check_case(dev, ln_bwd(dt, {7, 1}, 1, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {64, 33}, 1, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {16, 1025}, 1, false, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {2000, 64}, 1, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {4, 20000}, 1, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {3, 65535}, 1, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {1, 131071}, 1, false, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {5, 6, 70}, 2, true, DataKind::normal, ++seed));
  check_case(dev, ln_bwd(dt, {3, 2, 5, 17}, 3, false, DataKind::uniform01, ++seed));
  check_case(dev, ln_bwd(dt, {300, 3, 10}, 1, true, DataKind::normal, ++seed));
}

// L = sum(y * g) with y the fp64 forward of (x, w, b) and g = dy.
double loss_row(const std::vector<double>& x, const std::vector<double>& w,
                const std::vector<double>& b, const std::vector<double>& g, int64_t r,
                int64_t D, double eps) {
  std::vector<double> xr(x.begin() + r * D, x.begin() + (r + 1) * D), y;
  vknorm_support::layer_norm_reference(xr, w, b, &y, nullptr, nullptr, 1, D, eps);
  double L = 0;
  for (int64_t j = 0; j < D; ++j) L += y[static_cast<size_t>(j)] * g[static_cast<size_t>(r * D + j)];
  return L;
}

double loss_all(const std::vector<double>& x, const std::vector<double>& w,
                const std::vector<double>& b, const std::vector<double>& g, int64_t rows,
                int64_t D, double eps) {
  double L = 0;
  for (int64_t r = 0; r < rows; ++r) L += loss_row(x, w, b, g, r, D, eps);
  return L;
}

void ln_bwd_finite_difference(const CaseSpec& spec) {
  HostDevice& dev = host();
  CAPTURE(spec.label());
  CaseResult res = check_case(dev, spec, true);
  REQUIRE(res.ran);
  REQUIRE(res.outputs.size() == 3);
  const auto& dx = res.outputs[0].got;
  const auto& dw = res.outputs[1].got;
  const auto& db = res.outputs[2].got;
  CaseInputs in = vknorm_support::make_case_inputs(spec);
  const int64_t R = in.rows, D = in.D;
  std::vector<double> w = in.weight, b(static_cast<size_t>(D), 0.0);
  if (w.empty()) w.assign(static_cast<size_t>(D), 1.0);
  const double eps = spec.eps;
  auto near = [](double got, double fd) { return std::fabs(got - fd) <= 1e-4 + 1e-4 * std::fabs(fd); };

  uint64_t h = spec.seed * 7919;
  auto pick = [&](int64_t n) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((h >> 33) % static_cast<uint64_t>(n));
  };
  for (int k = 0; k < 12; ++k) {  // dx at sampled coordinates
    const int64_t r = pick(R), j = pick(D);
    const size_t i = static_cast<size_t>(r * D + j);
    std::vector<double> xp = in.x, xm = in.x;
    const double step = 1e-5 * std::max(1.0, std::fabs(in.x[i]));
    xp[i] += step;
    xm[i] -= step;
    const double fd = (loss_row(xp, w, b, in.dy, r, D, eps) - loss_row(xm, w, b, in.dy, r, D, eps)) /
                      (xp[i] - xm[i]);
    CHECK_MESSAGE(near(dx[i], fd), "dx[" << r << "," << j << "] device " << dx[i] << " fd " << fd);
  }
  for (int k = 0; k < 6; ++k) {  // dweight, dbias: L is linear in w_j and b_j
    const int64_t j = pick(D);
    const size_t jj = static_cast<size_t>(j);
    std::vector<double> wp = w, wm = w, bp = b, bm = b;
    wp[jj] += 1e-3;
    wm[jj] -= 1e-3;
    bp[jj] += 1e-3;
    bm[jj] -= 1e-3;
    const double fdw = (loss_all(in.x, wp, b, in.dy, R, D, eps) - loss_all(in.x, wm, b, in.dy, R, D, eps)) / 2e-3;
    const double fdb = (loss_all(in.x, w, bp, in.dy, R, D, eps) - loss_all(in.x, w, bm, in.dy, R, D, eps)) / 2e-3;
    CHECK_MESSAGE(near(dw[jj], fdw), "dweight[" << j << "] device " << dw[jj] << " fd " << fdw);
    CHECK_MESSAGE(near(db[jj], fdb), "dbias[" << j << "] device " << db[jj] << " fd " << fdb);
  }
}

}  // namespace

TEST_SUITE("layer_norm_backward") {
  TEST_CASE("layer_norm_backward f32 shapes") { ln_bwd_shapes(DType::f32); }
  TEST_CASE("layer_norm_backward f16 shapes") { ln_bwd_shapes(DType::f16); }
  TEST_CASE("layer_norm_backward bf16 shapes") { ln_bwd_shapes(DType::bf16); }

  TEST_CASE("layer_norm_backward few long rows, f32") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    check_case(dev, ln_bwd(DType::f32, {2, 300000}, 1, true, DataKind::normal, 431));
  }

  TEST_CASE("layer_norm_backward without dweight / dbias") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto s = ln_bwd(dt, {33, 513}, 1, true, DataKind::normal, 441);
      s.optional_outputs = false;
      check_case(dev, s);
    }
  }

  TEST_CASE("layer_norm_backward odd offsets and device address") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      // mean / rstd (f32) get the same extra offset: 4 bytes keeps them valid and still
      // breaks the vec4 alignment of every tensor.
      auto s = ln_bwd(dt, {9, 130}, 1, true, DataKind::normal, 451);
      s.misalign_bytes = 4;
      check_case(dev, s);
      s.shape = {3, 20000};
      s.misalign_bytes = 12;
      check_case(dev, s);
    }
    for (bool affine : {false, true}) {
      auto s = ln_bwd(DType::f32, {64, 257}, 1, affine, DataKind::normal, 452);
      s.by_address = true;
      check_case(dev, s);
      s.shape = {2, 100000};
      check_case(dev, s);
    }
  }

  TEST_CASE("layer_norm_backward matches finite differences of the fp64 forward") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    ln_bwd_finite_difference(ln_bwd(DType::f32, {6, 37}, 1, true, DataKind::normal, 461));
    ln_bwd_finite_difference(ln_bwd(DType::f32, {3, 1025}, 1, true, DataKind::normal, 462));
    ln_bwd_finite_difference(ln_bwd(DType::f32, {4, 3, 11}, 2, false, DataKind::normal, 463));
    auto s = ln_bwd(DType::f32, {5, 64}, 1, true, DataKind::uniform01, 464);
    s.eps = 0.1;
    ln_bwd_finite_difference(s);
  }

  TEST_CASE("layer_norm_backward in place (dx = dy): the bits of out of place, on every path") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig split;  // the split path on a short row: a row-sums pass first
    split.workgroup_size = 32;
    split.items_per_invocation = 4;
    split.vector_width = 1;
    split.split = 3;
    split.rows_per_workgroup = 7;
    for (DType dt : kAllDtypes) {
      check_in_place_matches(dev, ln_bwd(dt, {64, 33}, 1, true, DataKind::normal, 481));
      check_in_place_matches(dev, ln_bwd(dt, {300, 3, 10}, 1, true, DataKind::normal, 482));
      check_in_place_matches(dev, ln_bwd(dt, {3, 65535}, 1, true, DataKind::normal, 483));  // default split
      auto s = ln_bwd(dt, {50, 900}, 1, true, DataKind::normal, 484);
      s.config = &split;
      check_in_place_matches(dev, s);
    }
  }

  TEST_CASE("layer_norm_backward is deterministic") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : {DType::f32, DType::f16}) {
      for (auto shape : {std::vector<int64_t>{512, 256}, std::vector<int64_t>{4000, 33},
                         std::vector<int64_t>{2, 100000}}) {
        auto s = ln_bwd(dt, shape, 1, true, DataKind::normal, 471);
        CAPTURE(s.label());
        CaseResult a = check_case(dev, s, true);
        CaseResult b = check_case(dev, s, true);
        if (a.skipped) continue;
        check_same_outputs(a, b);
      }
    }
  }
}
