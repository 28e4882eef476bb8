// add_layer_norm (fused residual add + LayerNorm) against the fp64 reference
// (support/ops/layer_norm.h: LayerNorm of h = x + residual rounded to the storage dtype), in
// f32 / f16 / bf16: rows in registers and split rows (h written to residual_out, or to scratch
// when it is omitted, one wave at a time), in place (residual_out = residual, y = x), by
// address, misaligned, without affine / optional outputs, large means, NaN / Inf; residual and
// residual_out with their own row strides; every bad argument.
#include "test_common.h"

#include "support/dtype_convert.h"
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

CaseSpec spec_of(DType dt, std::vector<int64_t> shape, int nr = 1, uint64_t seed = 1) {
  CaseSpec s = op_spec("add_layer_norm", dt, std::move(shape), true, DataKind::normal, seed);
  s.normalized_rank = nr;
  return s;
}

}  // namespace

TEST_SUITE("add_layer_norm") {
  TEST_CASE("row lengths (in registers and split), dtypes, normalized_rank") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 100;
    const std::vector<std::pair<std::vector<int64_t>, int>> shapes = {
        {{7, 1}, 1}, {{5, 33}, 1}, {{3, 1025}, 1}, {{4, 3, 5, 7}, 3}, {{6, 33, 17}, 2}, {{2, 65535}, 1},
        {{1, 131072}, 1}, {{300, 64}, 1}, {{33}, 1}};
    for (DType dt : kAllDtypes)
      for (const auto& [shape, nr] : shapes) check_case(dev, spec_of(dt, shape, nr, ++seed));
  }

  TEST_CASE("ONNX SkipLayerNormalization: a bias added to x + residual, rows in registers and split") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 150;
    for (DType dt : kAllDtypes)
      for (const auto& shape : {std::vector<int64_t>{5, 33}, {37, 768}, {2, 65535}, {3, 4, 100}}) {
        for (DataKind data : {DataKind::normal, DataKind::large_mean}) {
          CaseSpec s = spec_of(dt, shape, 1, ++seed);
          s.data = data;
          s.add_bias = true;
          check_case(dev, s);
        }
        CaseSpec s = spec_of(dt, shape, 1, ++seed);  // in place: residual_out = residual, y = x
        s.add_bias = true;
        s.in_place = true;
        check_case(dev, s);
        s.in_place = false;
        s.optional_outputs = false;  // split rows: h of one wave in scratch
        check_case(dev, s);
        s.optional_outputs = true;
        s.by_address = true;
        check_case(dev, s);
      }
  }

  TEST_CASE("in place, by address, misaligned, no affine / optional outputs, large mean, NaN / Inf") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 300;
    for (DType dt : kAllDtypes)
      for (const std::vector<int64_t>& shape : {std::vector<int64_t>{5, 33}, std::vector<int64_t>{2, 65535}}) {
        CaseSpec s = spec_of(dt, shape, 1, ++seed);
        s.in_place = true;  // residual_out = residual
        check_case(dev, s);
        s.data = DataKind::outlier_first;
        check_case(dev, s);
        s = spec_of(dt, shape, 1, ++seed);
        s.by_address = true;
        check_case(dev, s);
        s = spec_of(dt, shape, 1, ++seed);
        s.misalign_bytes = 4;
        check_case(dev, s);
        s = spec_of(dt, shape, 1, ++seed);
        s.affine = false;
        s.optional_outputs = false;  // no residual_out: split rows keep h in scratch
        check_case(dev, s);
        s = spec_of(dt, shape, 1, ++seed);
        s.data = DataKind::large_mean;
        s.eps = 0;
        check_case(dev, s);
        s = spec_of(dt, shape, 1, ++seed);
        s.data = DataKind::nan_inf;
        check_case(dev, s);
      }
  }

  TEST_CASE("forced configs: several rows per workgroup, vector widths, split rows in many waves") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, rows, split;
      uint64_t wave;
    };
    for (DType dt : kAllDtypes)
      for (Cfg c : {Cfg{128, 8, 1, 4, 1, 0}, Cfg{64, 16, 4, 2, 1, 0}, Cfg{128, 8, 8, 1, 1, 0},
                    Cfg{64, 4, 4, 1, 4, 0}, Cfg{64, 4, 1, 1, 3, 1}}) {
        if (c.vec == 8 && dt == DType::f32) continue;
        vknorm::KernelConfig cfg;
        cfg.workgroup_size = c.wg;
        cfg.items_per_invocation = c.items;
        cfg.vector_width = c.vec;
        cfg.rows_per_workgroup = c.rows;
        cfg.split = c.split;
        cfg.wave_bytes = c.wave;  // 1 byte: one row per wave, scratch h reused by every wave
        CAPTURE(c.wg);
        CAPTURE(c.vec);
        CAPTURE(c.split);
        CaseSpec s = spec_of(dt, c.split > 1 ? std::vector<int64_t>{9, 1000} : std::vector<int64_t>{33, 96}, 1,
                             700 + c.wg + c.vec + c.split);
        s.config = &cfg;
        check_case(dev, s);
        s.optional_outputs = false;
        check_case(dev, s);
        s.optional_outputs = true;
        s.in_place = true;
        check_case(dev, s);
      }
  }

  TEST_CASE("residual and residual_out with their own row strides; y = x") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    std::mt19937_64 rng(9);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (DType dt : kAllDtypes)
      for (int64_t D : {int64_t{96}, int64_t{40000}}) {  // in registers; split rows
        const int64_t R = 5, rs = D + 8, os = D + 16;
        const size_t es = vknorm::dtype_size(dt);
        std::vector<double> x(static_cast<size_t>(R * D)), res(static_cast<size_t>(R * rs)), w(static_cast<size_t>(D)), b(static_cast<size_t>(D));
        for (double& v : x) v = vknorm_support::quantize(nd(rng), dt);
        for (double& v : res) v = vknorm_support::quantize(nd(rng), dt);
        for (double& v : w) v = vknorm_support::quantize(1 + 0.1 * nd(rng), dt);
        for (double& v : b) v = vknorm_support::quantize(0.1 * nd(rng), dt);
        TestBuffer xb(dev, VkDeviceSize(R * D) * es), rb(dev, VkDeviceSize(R * rs) * es),
            ob(dev, VkDeviceSize(R * os) * es), wb(dev, VkDeviceSize(D) * es), bb(dev, VkDeviceSize(D) * es);
        for (auto [buf, vals] : {std::pair<TestBuffer*, std::vector<double>*>{&xb, &x}, {&rb, &res}, {&wb, &w}, {&bb, &b}}) {
          const std::vector<uint8_t> bytes = vknorm_support::encode(*vals, dt);
          dev.upload(buf->buf, bytes.data(), bytes.size());
        }
        vknorm::AddLayerNormArgs a{};
        a.x = view_of(dev, xb, dt, {R, D}, {D, 1});
        a.y = a.x;
        a.residual = view_of(dev, rb, dt, {R, D}, {rs, 1});
        a.residual_out = view_of(dev, ob, dt, {R, D}, {os, 1});
        a.weight = view_of(dev, wb, dt, {D}, {1});
        a.bias = view_of(dev, bb, dt, {D}, {1});
        VkDeviceSize scratch_bytes = 0;
        REQUIRE(vknorm::add_layer_norm_scratch_size(dev.context(), a, &scratch_bytes).ok());
        TestBuffer sb(dev, std::max<VkDeviceSize>(scratch_bytes, 16));
        if (scratch_bytes) a.scratch = view_of(dev, sb, DType::f32, {int64_t(scratch_bytes / 4)}, {1});
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_add_layer_norm(dev.context(), cmd, a); }) ==
                VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
        const std::vector<double> y = download(dev, xb, size_t(R * D), dt), h = download(dev, ob, size_t(R * os), dt);
        const double tol = dt == DType::f32 ? 1e-4 : dt == DType::f16 ? 4e-3 : 3e-2;
        size_t bad_y = 0, bad_h = 0;
        for (int64_t r = 0; r < R; ++r) {
          std::vector<double> hr(static_cast<size_t>(D)), yr, m, s;
          for (int64_t j = 0; j < D; ++j)
            hr[size_t(j)] = vknorm_support::quantize(x[size_t(r * D + j)] + res[size_t(r * rs + j)], dt);
          vknorm_support::layer_norm_reference(hr, w, b, &yr, &m, &s, 1, D, 1e-5);
          for (int64_t j = 0; j < D; ++j) {
            bad_h += h[size_t(r * os + j)] != hr[size_t(j)];
            bad_y += !(std::fabs(y[size_t(r * D + j)] - yr[size_t(j)]) <= tol * (1 + std::fabs(yr[size_t(j)])));
          }
        }
        CAPTURE(vknorm::dtype_name(dt));
        CAPTURE(D);
        CHECK(bad_h == 0);
        CHECK(bad_y == 0);
      }
  }

  TEST_CASE("bad arguments: a clear error before anything is recorded") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = dev.context();
    TestBuffer xb(dev, 1 << 14), yb(dev, 1 << 14), rb(dev, 1 << 14), sb(dev, 1 << 10);
    const DType f = DType::f32;
    auto base = [&]() {
      vknorm::AddLayerNormArgs a{};
      a.x = view_of(dev, xb, f, {4, 64}, {64, 1});
      a.residual = view_of(dev, rb, f, {4, 64}, {64, 1});
      a.y = view_of(dev, yb, f, {4, 64}, {64, 1});
      return a;
    };
    auto refused = [&](const vknorm::AddLayerNormArgs& a, Status want, const char* what) {
      expect_args_refused(dev, want, what, a, {&yb}, RefusedBy::select_and_prepare);
    };
    {
      vknorm::AddLayerNormArgs a = base();
      REQUIRE(vknorm::prepare_add_layer_norm(ctx, a).ok());
    }
    vknorm::AddLayerNormArgs a = base();
    a.residual = Tensor{};
    refused(a, Status::invalid_argument, "no residual");
    a = base();
    a.residual = view_of(dev, rb, f, {4, 63}, {64, 1});
    refused(a, Status::invalid_argument, "residual shape mismatch");
    a = base();
    a.residual = view_of(dev, rb, DType::f16, {4, 64}, {64, 1});
    refused(a, Status::invalid_argument, "residual dtype mismatch");
    a = base();
    a.residual_out = view_of(dev, sb, f, {4, 64}, {32, 1});
    refused(a, Status::invalid_argument, "residual_out row stride < D: rows overlap");
    a = base();
    a.residual = view_of(dev, rb, f, {4, 64}, {64, 2});
    refused(a, Status::invalid_argument, "residual's normalized dim not contiguous");
    a = base();
    a.y = a.residual;
    refused(a, Status::invalid_argument, "y aliases residual (not an allowed pair)");
    a = base();
    a.residual_out = a.x;
    refused(a, Status::invalid_argument, "residual_out aliases x (not an allowed pair)");
    a = base();
    a.residual_out = view_of(dev, rb, f, {4, 64}, {64, 1}, 4);
    refused(a, Status::invalid_argument, "residual_out partially overlaps residual");
    a = base();
    a.mean = view_of(dev, sb, f, {3}, {1});
    refused(a, Status::invalid_argument, "mean too small");
    a = base();
    a.weight = view_of(dev, sb, f, {63}, {1});
    refused(a, Status::invalid_argument, "weight of the wrong length");
    a = base();
    a.add_bias = view_of(dev, sb, f, {63}, {1});
    refused(a, Status::invalid_argument, "add_bias of the wrong length");
    a = base();
    a.add_bias = view_of(dev, sb, DType::f16, {64}, {1});
    refused(a, Status::invalid_argument, "add_bias of another dtype");
    a = base();
    a.add_bias = view_of(dev, yb, f, {64}, {1});
    refused(a, Status::invalid_argument, "add_bias aliases y");
    a = base();
    a.x = view_of(dev, xb, f, {4, 0}, {64, 1});
    a.residual = view_of(dev, rb, f, {4, 0}, {64, 1});
    a.y = view_of(dev, yb, f, {4, 0}, {64, 1});
    refused(a, Status::invalid_argument, "D = 0");
  }

  TEST_CASE("prepare() creates the pipelines a call uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{32, 4096}, std::vector<int64_t>{2, 262144}})
    for (bool add_bias : {false, true}) {  // the skip bias is a specialization constant
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::add_layer_norm, DType::f16, shape);
      info.add_bias = add_bias;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t n = vknorm::pipeline_count(dev.context());
      TestBuffer xb(dev, VkDeviceSize(shape[0] * shape[1]) * 2), rb(dev, VkDeviceSize(shape[0] * shape[1]) * 2),
          yb(dev, VkDeviceSize(shape[0] * shape[1]) * 2);
      vknorm::AddLayerNormArgs a{};
      a.x = view_of(dev, xb, DType::f16, shape, {shape[1], 1});
      a.residual = view_of(dev, rb, DType::f16, shape, {shape[1], 1});
      a.residual_out = a.residual;
      a.y = view_of(dev, yb, DType::f16, shape, {shape[1], 1});
      TestBuffer bb(dev, VkDeviceSize(shape[1]) * 2);
      if (add_bias) a.add_bias = view_of(dev, bb, DType::f16, {shape[1]}, {1});
      VkDeviceSize scratch_bytes = 0;
      REQUIRE(vknorm::add_layer_norm_scratch_size(dev.context(), a, &scratch_bytes).ok());
      TestBuffer sb(dev, std::max<VkDeviceSize>(scratch_bytes, 16));
      if (scratch_bytes) a.scratch = view_of(dev, sb, DType::f32, {int64_t(scratch_bytes / 4)}, {1});
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_add_layer_norm(dev.context(), cmd, a); }) ==
              VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
      CHECK(vknorm::pipeline_count(dev.context()) == n);
    }
  }
}
