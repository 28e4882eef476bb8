// RMSNorm backward: dx / dweight against the analytic fp64 reference and against central
// differences of the fp64 forward; odd shapes, both paths (rows in registers and split rows)
// with forced configs, weight_offset, optional outputs, run-to-run determinism, bad arguments.
#include "support/case_data.h"
#include "support/reference.h"
#include "test_common.h"

#include <cmath>
#include <functional>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;
using vknorm_support::CaseInputs;

namespace {

void rms_bwd_shapes(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 800;
  check_case(dev, rms_bwd(dt, {7, 1}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {1, 1}, 1, false, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {64, 33}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {1, 33}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {16, 4097}, 1, false, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {1, 4097}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {3000, 64}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {3, 65535}, 1, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {1, 65535}, 1, false, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {5, 6, 70}, 2, true, DataKind::normal, ++seed));
  check_case(dev, rms_bwd(dt, {3, 2, 5, 17}, 3, false, DataKind::uniform01, ++seed));
  check_case(dev, rms_bwd(dt, {300, 3, 10}, 1, true, DataKind::outlier_first, ++seed));
  check_case(dev, rms_bwd(dt, {40, 256}, 1, true, DataKind::large_mean, ++seed));
}

// L = sum(y * dy) with y = x * rstd(x) * w_eff, the fp64 forward.
double loss_row(const std::vector<double>& x, const std::vector<double>& weff,
                const std::vector<double>& g, int64_t r, int64_t D, double eps) {
  std::vector<double> xr(x.begin() + r * D, x.begin() + (r + 1) * D), rs;
  vknorm_support::rms_rstd_reference(xr, &rs, 1, D, eps);
  double L = 0;
  for (int64_t j = 0; j < D; ++j) {
    const size_t jj = static_cast<size_t>(j);
    L += xr[jj] * rs[0] * weff[jj] * g[static_cast<size_t>(r * D + j)];
  }
  return L;
}

double loss_all(const std::vector<double>& x, const std::vector<double>& weff,
                const std::vector<double>& g, int64_t rows, int64_t D, double eps) {
  double L = 0;
  for (int64_t r = 0; r < rows; ++r) L += loss_row(x, weff, g, r, D, eps);
  return L;
}

void rms_bwd_finite_difference(const CaseSpec& spec) {
  HostDevice& dev = host();
  CAPTURE(spec.label());
  CaseResult res = check_case(dev, spec, true);
  REQUIRE(res.ran);
  REQUIRE(res.outputs.size() == 2);
  const auto& dx = res.outputs[0].got;
  const auto& dw = res.outputs[1].got;
  CaseInputs in = vknorm_support::make_case_inputs(spec);
  const int64_t R = in.rows, D = in.D;
  std::vector<double> weff(static_cast<size_t>(D), 1.0);
  if (!in.weight.empty())
    for (int64_t j = 0; j < D; ++j) weff[static_cast<size_t>(j)] = spec.weight_offset + in.weight[static_cast<size_t>(j)];
  auto near = [](double got, double fd) { return std::fabs(got - fd) <= 1e-4 + 1e-4 * std::fabs(fd); };
  uint64_t h = spec.seed * 7919;
  auto pick = [&](int64_t n) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((h >> 33) % static_cast<uint64_t>(n));
  };
  for (int k = 0; k < 12; ++k) {
    const int64_t r = pick(R), j = pick(D);
    const size_t i = static_cast<size_t>(r * D + j);
    std::vector<double> xp = in.x, xm = in.x;
    const double step = 1e-5 * std::max(1.0, std::fabs(in.x[i]));
    xp[i] += step;
    xm[i] -= step;
    const double fd = (loss_row(xp, weff, in.dy, r, D, spec.eps) - loss_row(xm, weff, in.dy, r, D, spec.eps)) /
                      (xp[i] - xm[i]);
    CHECK_MESSAGE(near(dx[i], fd), "dx[" << r << "," << j << "] device " << dx[i] << " fd " << fd);
  }
  for (int k = 0; k < 6; ++k) {  // L is linear in w_j (dL/dw = dL/dw_eff)
    const size_t jj = static_cast<size_t>(pick(D));
    std::vector<double> wp = weff, wm = weff;
    wp[jj] += 1e-3;
    wm[jj] -= 1e-3;
    const double fdw = (loss_all(in.x, wp, in.dy, R, D, spec.eps) - loss_all(in.x, wm, in.dy, R, D, spec.eps)) / 2e-3;
    CHECK_MESSAGE(near(dw[jj], fdw), "dweight[" << jj << "] device " << dw[jj] << " fd " << fdw);
  }
}

// dweight alone (no dx) equals, bit for bit, the dweight of the same call with dx.
void dweight_only(const CaseSpec& spec) {
  HostDevice& dev = host();
  CAPTURE(spec.label());
  if (!dev.info().supports(spec.dtype)) return;
  CaseResult full = check_case(dev, spec, true);
  REQUIRE(full.ran);
  REQUIRE(full.outputs.size() == 2);
  CaseInputs in = vknorm_support::make_case_inputs(spec);
  auto xb = upload(dev, in.x, spec.dtype), dyb = upload(dev, in.dy, spec.dtype);
  auto wb = upload(dev, in.weight.empty() ? std::vector<double>{0.0} : in.weight, spec.dtype);
  auto rb = upload(dev, in.rstd, DType::f32);
  TestBuffer dwb(dev, static_cast<VkDeviceSize>(in.D) * vknorm::dtype_size(spec.dtype) + 16);
  vknorm::RmsNormBackwardArgs a{};
  a.x = view(*xb, spec.dtype, spec.shape);
  a.dy = view(*dyb, spec.dtype, spec.shape);
  if (!in.weight.empty()) a.weight = view(*wb, spec.dtype, {in.D});
  a.weight_offset = static_cast<float>(spec.weight_offset);
  a.rstd = view(*rb, DType::f32, {in.rows});
  a.dweight = view(dwb, spec.dtype, {in.D});
  a.normalized_rank = spec.normalized_rank;
  a.config = spec.config;
  VkDeviceSize need = 0;
  REQUIRE(vknorm::rms_norm_backward_scratch_size(dev.context(), a, &need).ok());
  std::unique_ptr<TestBuffer> sb;
  if (need) {
    sb = std::make_unique<TestBuffer>(dev, need);
    a.scratch = Tensor::contiguous(sb->buf.buffer, 0, need, DType::f32, {static_cast<int64_t>(need / 4)});
  }
  Error err;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_backward(dev.context(), cmd, a); }) == VK_SUCCESS);
  REQUIRE_MESSAGE(err.ok(), err.message);
  const std::vector<double> got = download(dev, dwb, static_cast<size_t>(in.D), spec.dtype);
  CHECK_MESSAGE(same_bits(got, full.outputs[1].got), "dweight without dx differs from dweight with dx");
}

vknorm::KernelConfig config(uint32_t wg, uint32_t items, uint32_t vec, uint32_t split, uint32_t rows) {
  vknorm::KernelConfig c;
  c.workgroup_size = wg;
  c.items_per_invocation = items;
  c.vector_width = vec;
  c.split = split;
  c.rows_per_workgroup = rows;
  return c;
}

}  // namespace

TEST_SUITE("rms_norm_backward") {
  TEST_CASE("rms_norm_backward f32 shapes") { rms_bwd_shapes(DType::f32); }
  TEST_CASE("rms_norm_backward f16 shapes") { rms_bwd_shapes(DType::f16); }
  TEST_CASE("rms_norm_backward bf16 shapes") { rms_bwd_shapes(DType::bf16); }

  TEST_CASE("rms_norm_backward weight_offset 1 (Gemma)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (auto shape : {std::vector<int64_t>{33, 513}, std::vector<int64_t>{2, 40000}}) {
        auto s = rms_bwd(dt, shape, 1, true, DataKind::normal, 811);
        s.weight_offset = 1.0;
        check_case(dev, s);
      }
    }
    // Without weight the offset is not used (w_eff = 1).
    auto s = rms_bwd(DType::f32, {9, 100}, 1, false, DataKind::normal, 812);
    s.weight_offset = 1.0;
    check_case(dev, s);
  }

  TEST_CASE("rms_norm_backward dx only and dweight only") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto s = rms_bwd(dt, {33, 513}, 1, true, DataKind::normal, 821);
      s.optional_outputs = false;
      check_case(dev, s);
      s.shape = {3, 65535};
      check_case(dev, s);
    }
    for (DType dt : kAllDtypes) {
      dweight_only(rms_bwd(dt, {300, 96}, 1, true, DataKind::normal, 822));
      dweight_only(rms_bwd(dt, {3, 65535}, 1, false, DataKind::normal, 823));
    }
    auto g = rms_bwd(DType::f32, {50, 33}, 1, true, DataKind::normal, 824);
    g.weight_offset = 1.0;
    dweight_only(g);
  }

  TEST_CASE("rms_norm_backward forced configs: single pass and split rows") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const vknorm::KernelConfig cfgs[] = {
        config(256, 4, 1, 1, 1),     // single pass, one row per block: many column partials
        config(64, 16, 4, 1, 512),   // single pass, 4-wide, long row loops (lavapipe's cap)
        config(32, 4, 1, 3, 7),      // split rows: 3 row-sum workgroups, 7 rows per block
        config(64, 4, 4, 2, 1),      // split rows, 4-wide
        config(128, 16, 4, 5, 64),   // split rows, more items
    };
    for (const auto& c : cfgs) {
      for (DType dt : kAllDtypes) {
        auto s = rms_bwd(dt, {50, 900}, 1, true, DataKind::normal, 831);
        s.config = &c;
        check_case(dev, s);
        s.shape = {7, 1};
        if (c.vector_width == 1 && c.split == 1) check_case(dev, s);
        s.shape = {2000, 36};
        s.weight_offset = 1.0;
        check_case(dev, s);
      }
    }
  }

  TEST_CASE("rms_norm_backward in place (dx = dy): the bits of out of place, on every path") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const vknorm::KernelConfig cfgs[] = {
        config(256, 4, 1, 1, 1),  // single pass, one row per block
        config(64, 16, 4, 1, 9),  // single pass, 4-wide, several rows per block
        config(32, 4, 1, 3, 7),   // split rows: the row-sums pass reads dy before dx is written
        config(64, 4, 4, 2, 1),   // split rows, 4-wide
    };
    for (DType dt : kAllDtypes) {
      check_in_place_matches(dev, rms_bwd(dt, {33, 513}, 1, true, DataKind::normal, 841));
      check_in_place_matches(dev, rms_bwd(dt, {3, 65535}, 1, true, DataKind::normal, 842));  // default split
      for (const auto& c : cfgs) {
        auto s = rms_bwd(dt, {50, 900}, 1, true, DataKind::normal, 843);
        s.config = &c;
        check_in_place_matches(dev, s);
      }
    }
  }

  TEST_CASE("rms_norm_backward odd offsets and device address") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto s = rms_bwd(dt, {9, 132}, 1, true, DataKind::normal, 841);
      s.misalign_bytes = 4;
      check_case(dev, s);
      s.shape = {3, 20000};
      s.misalign_bytes = 12;
      check_case(dev, s);
    }
    for (bool affine : {false, true}) {
      auto s = rms_bwd(DType::f32, {64, 256}, 1, affine, DataKind::normal, 842);
      s.by_address = true;
      check_case(dev, s);
      s.shape = {2, 100000};
      check_case(dev, s);
    }
  }

  TEST_CASE("rms_norm_backward matches finite differences of the fp64 forward") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    rms_bwd_finite_difference(rms_bwd(DType::f32, {6, 37}, 1, true, DataKind::normal, 851));
    rms_bwd_finite_difference(rms_bwd(DType::f32, {3, 1025}, 1, true, DataKind::normal, 852));
    rms_bwd_finite_difference(rms_bwd(DType::f32, {4, 3, 11}, 2, false, DataKind::normal, 853));
    auto s = rms_bwd(DType::f32, {5, 64}, 1, true, DataKind::uniform01, 854);
    s.eps = 0.1;
    s.weight_offset = 1.0;
    rms_bwd_finite_difference(s);
  }

  TEST_CASE("rms_norm_backward is deterministic") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : {DType::f32, DType::bf16}) {
      for (auto shape : {std::vector<int64_t>{512, 256}, std::vector<int64_t>{4000, 33},
                         std::vector<int64_t>{2, 100000}}) {
        auto s = rms_bwd(dt, shape, 1, true, DataKind::normal, 861);
        CAPTURE(s.label());
        CaseResult a = check_case(dev, s, true);
        CaseResult b = check_case(dev, s, true);
        if (a.skipped) continue;
        check_same_outputs(a, b);
      }
    }
  }

  TEST_CASE("rms_norm_backward bad arguments") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), dyb(dev, 4096), dxb(dev, 4096), wb(dev, 256), rb(dev, 256), dwb(dev, 256);
    const Status bad = Status::invalid_argument;
    vknorm::RmsNormBackwardArgs good{};
    good.x = view(xb, DType::f32, {8, 16});
    good.dy = view(dyb, DType::f32, {8, 16});
    good.weight = view(wb, DType::f32, {16});
    good.rstd = view(rb, DType::f32, {8});
    good.dx = view(dxb, DType::f32, {8, 16});
    good.dweight = view(dwb, DType::f32, {16});
    {
      Error e = vknorm::select_config(dev.context(), good, nullptr);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&dxb, &dwb};
    auto a = good;
    a.rstd = Tensor{};
    expect_args_refused(dev, bad, "rstd missing", a, outs);
    a = good;
    a.rstd = view(rb, DType::f32, {7});
    expect_args_refused(dev, bad, "rstd with 7 rows", a, outs);
    a = good;
    a.rstd.size = 28;
    expect_args_refused(dev, bad, "rstd.size too small", a, outs);
    a = good;
    a.dy = view(dyb, DType::f32, {8, 17});
    expect_args_refused(dev, bad, "dy shape differs", a, outs);
    a = good;
    a.dx = view(dxb, DType::f32, {16, 8});
    expect_args_refused(dev, bad, "dx shape differs", a, outs);
    a = good;
    a.dweight = view(dwb, DType::f32, {15});
    expect_args_refused(dev, bad, "dweight of length D-1", a, outs);
    a = good;
    a.weight = view(wb, DType::f32, {17});
    expect_args_refused(dev, bad, "weight of length D+1", a, outs);
    a = good;
    a.normalized_rank = 3;
    expect_args_refused(dev, bad, "normalized_rank > rank", a, outs);
    a = good;
    a.normalized_rank = 0;
    expect_args_refused(dev, bad, "normalized_rank 0", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {8, 0});
    a.dy = view(dyb, DType::f32, {8, 0});
    a.dx = view(dxb, DType::f32, {8, 0});
    a.weight = Tensor{};
    a.dweight = Tensor{};
    expect_args_refused(dev, bad, "zero-size normalized dims", a, outs);
    a = good;
    a.dx.offset = 2;
    expect_args_refused(dev, bad, "dx offset 2", a, outs);
    a = good;
    a.x.offset = 6;
    expect_args_refused(dev, bad, "x offset 6", a, outs);
    a = good;
    a.weight_offset = std::nanf("");
    expect_args_refused(dev, bad, "weight_offset NaN", a, outs);
    a = good;
    a.dx = good.dy;  // dx = dy exactly is in place; one row further is a partial overlap
    a.dx.offset += 16 * 4;
    a.dx.shape[0] -= 1;
    a.dy.shape[0] -= 1;
    a.x.shape[0] -= 1;
    a.rstd.shape[0] -= 1;
    expect_args_refused(dev, bad, "dx one row over dy", a, {&dwb});
    a = good;
    a.dx = good.x;
    expect_args_refused(dev, bad, "dx aliases x (in place is not offered)", a, {&dwb});
    a = good;
    a.dweight = view(dxb, DType::f32, {16});
    expect_args_refused(dev, bad, "dweight overlaps dx", a, {});
    if (dev.info().supports(DType::f16)) {
      a = good;
      a.rstd = view(rb, DType::f16, {8});
      expect_args_refused(dev, bad, "rstd not f32", a, outs);
      a = good;
      a.dx = view(dxb, DType::f16, {8, 16});
      expect_args_refused(dev, bad, "dx dtype differs from x", a, outs);
      a = good;
      a.dy = view(dyb, DType::f16, {8, 16});
      expect_args_refused(dev, bad, "dy dtype differs from x", a, outs);
      a = good;
      a.dweight = view(dwb, DType::f16, {16});
      expect_args_refused(dev, bad, "dweight dtype differs from x", a, outs);
    }
    {
      CAPTURE("null command buffer");
      Error err;
      CHECK(dev.run([&](VkCommandBuffer) { err = vknorm::record_rms_norm_backward(dev.context(), VK_NULL_HANDLE, good); }) == VK_SUCCESS);
      CHECK(err.status == bad);
    }

    // Missing scratch where the call needs some.
    const int64_t R = 4000, D = 64;
    TestBuffer bx(dev, R * D * 4), bdy(dev, R * D * 4), bdx(dev, R * D * 4), br(dev, R * 4);
    a = good;
    a.x = view(bx, DType::f32, {R, D});
    a.dy = view(bdy, DType::f32, {R, D});
    a.dx = view(bdx, DType::f32, {R, D});
    a.rstd = view(br, DType::f32, {R});
    a.weight = view(wb, DType::f32, {D});
    a.dweight = view(dwb, DType::f32, {D});
    VkDeviceSize need = 0;
    REQUIRE(vknorm::rms_norm_backward_scratch_size(dev.context(), a, &need).ok());
    if (need > 0) {
      expect_args_refused(dev, bad, "scratch needed but not given", a, {&bdx, &dwb}, RefusedBy::prepare_only);
    } else {
      MESSAGE("rms backward [4000,64] needs no scratch on this device: missing-scratch case not run");
    }
    // Zero rows: accepted, nothing written.
    a = good;
    a.x = view(xb, DType::f32, {0, 16});
    a.dy = view(dyb, DType::f32, {0, 16});
    a.dx = view(dxb, DType::f32, {0, 16});
    a.rstd = view(rb, DType::f32, {0});
    Error err;
    CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_backward(dev.context(), cmd, a); }) == VK_SUCCESS);
    CHECK_MESSAGE(err.ok(), err.message);
    CHECK(dxb.poisoned());
    CHECK(dwb.poisoned());
  }

  TEST_CASE("rms_norm_backward prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (auto shape : {std::vector<int64_t>{300, 96}, std::vector<int64_t>{3, 65535}}) {
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::rms_norm_backward, DType::f32, shape);
      info.by_address = dev.info().buffers_need_device_address;
      Error e = vknorm::prepare(dev.context(), info);
      REQUIRE_MESSAGE(e.ok(), e.message);
      const size_t before = vknorm::pipeline_count(dev.context());
      check_case(dev, rms_bwd(DType::f32, shape, 1, true, DataKind::normal, 871));
      CHECK(vknorm::pipeline_count(dev.context()) == before);
    }
    CHECK(std::string(vknorm::op_name(vknorm::Op::rms_norm_backward)) == "rms_norm_backward");
  }
}
