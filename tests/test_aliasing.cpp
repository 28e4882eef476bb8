// The aliasing contract (vknorm.h, "Aliasing"): exact in-place y = x is correct on every path;
// every other overlap of an output is refused before anything is recorded. And the precision of
// LayerNorm's statistics on rows whose first element is an outlier (no single element may serve
// as the row's shift), on the register-resident and the split-row paths.
#include "test_common.h"

#include <cmath>
#include <vector>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Status;
using vknorm::Tensor;

namespace {

Tensor strided(const TestBuffer& b, DType dt, std::vector<int64_t> shape, std::vector<int64_t> strides,
               VkDeviceSize offset = 0) {
  Tensor t = Tensor::contiguous(b.buf.buffer, offset, b.buf.size - offset, dt, shape);
  for (size_t i = 0; i < strides.size(); ++i) t.strides[i] = strides[i];
  return t;
}

Tensor contiguous(const TestBuffer& b, DType dt, std::vector<int64_t> shape, VkDeviceSize offset = 0) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return Tensor::contiguous(b.buf.buffer, offset, VkDeviceSize(n) * vknorm::dtype_size(dt), dt, shape);
}

// The call must be refused as invalid_argument by record (nothing recorded: the buffers keep
// their poison) and by select_config.
template <class Args>
void expect_overlap_refused(HostDevice& dev, const char* what, const Args& a,
                            Error (*record)(vknorm::Context*, VkCommandBuffer, const Args&),
                            std::initializer_list<TestBuffer*> buffers) {
  CAPTURE(what);
  Error err;
  CHECK(dev.run([&](VkCommandBuffer cmd) { err = record(dev.context(), cmd, a); }) == VK_SUCCESS);
  CHECK_MESSAGE(err.status == Status::invalid_argument, what << ": " << vknorm::status_name(err.status) << " "
                                                              << err.message);
  CHECK(!err.message.empty());
  KernelConfig cfg;
  CHECK(vknorm::select_config(dev.context(), a, &cfg).status == Status::invalid_argument);
  for (TestBuffer* b : buffers) CHECK_MESSAGE(b->poisoned(), what << ": a buffer was written");
}

KernelConfig split_config(uint32_t split) {
  KernelConfig c;
  c.split = split;
  return c;
}

}  // namespace

TEST_SUITE("aliasing") {
  TEST_CASE("layer_norm in place: register rows and split rows, buffers and addresses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const KernelConfig split4 = split_config(4), split3 = split_config(3);
    for (DType dt : kAllDtypes) {
      for (bool by_address : {false, true}) {
        for (const KernelConfig* cfg : {static_cast<const KernelConfig*>(nullptr), &split4, &split3}) {
          for (std::vector<int64_t> shape : {std::vector<int64_t>{1, 8193}, {2, 100003}, {3, 20000}, {7, 33}}) {
            if (cfg && shape[1] < 64) continue;
            // The (2, 100003) once per dtype and binding, with the selector's config.
            if (cfg && shape[1] == 100003) continue;
            CaseSpec s = ln(dt, shape, 1, 1e-5, false, DataKind::normal, 700);
            s.optional_outputs = false;  // the reported case: no weight, bias, mean or rstd
            s.in_place = true;
            s.by_address = by_address;
            s.config = cfg;
            auto r = check_case(dev, s);
            if (cfg) CHECK_MESSAGE(r.config.split == cfg->split, s.label());
            s.affine = true;
            s.optional_outputs = true;
            s.data = DataKind::outlier_first;
            check_case(dev, s);
          }
        }
      }
    }
  }

  TEST_CASE("layer_norm in place: the split path is what the selector picks for few long rows") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    CaseSpec s = ln(DType::f32, {1, 300001}, 1, 1e-5, true, DataKind::normal, 710);
    s.in_place = true;
    auto r = check_case(dev, s);
    MESSAGE("config " << vknorm::to_string(r.config));
    CHECK(r.config.split > 1);
  }

  TEST_CASE("rms_norm in place") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (bool by_address : {false, true})
        for (std::vector<int64_t> shape : {std::vector<int64_t>{2, 64, 257}, {3, 1000, 33}, {4, 4096}, {1, 3, 7, 33}}) {
          CaseSpec s = rms(dt, shape, 1e-5, true, DataKind::normal, 720);
          s.in_place = true;
          s.by_address = by_address;
          check_case(dev, s);
        }
  }

  TEST_CASE("outputs that overlap themselves or an input are refused") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const DType f32 = DType::f32;
    TestBuffer a(dev, 1 << 16), b(dev, 1 << 16);
    {
      vknorm::RmsNormArgs r;
      r.x = contiguous(a, f32, {2, 8, 16});
      r.y = contiguous(b, f32, {2, 8, 16});
      r.y.strides[0] = 0;
      expect_overlap_refused(dev, "rms y batch stride 0", r, vknorm::record_rms_norm, {&b});
      r.y = contiguous(b, f32, {2, 8, 16});
      r.y.strides[1] = 0;
      expect_overlap_refused(dev, "rms y channel stride 0", r, vknorm::record_rms_norm, {&b});
      r.x = contiguous(a, f32, {2, 8, 16});
      r.y = contiguous(a, f32, {2, 8, 16}, 16 * 4);  // x shifted by one channel
      expect_overlap_refused(dev, "rms y = x shifted by a channel", r, vknorm::record_rms_norm, {});
      r.y = contiguous(b, f32, {2, 8, 16});
      r.weight = contiguous(b, f32, {8}, 4 * 4);  // weight inside y
      expect_overlap_refused(dev, "rms weight inside y", r, vknorm::record_rms_norm, {});
    }
    {
      vknorm::LayerNormArgs l;
      l.x = contiguous(a, f32, {4, 64});
      l.y = strided(b, f32, {4, 64}, {0, 1});
      expect_overlap_refused(dev, "ln y row stride 0", l, vknorm::record_layer_norm, {&b});
      l.y = contiguous(a, f32, {4, 64}, 64 * 4);  // x shifted by one row
      expect_overlap_refused(dev, "ln y = x shifted by a row", l, vknorm::record_layer_norm, {});
      l.y = contiguous(b, f32, {4, 64});
      l.mean = contiguous(b, f32, {4}, 4096);
      l.rstd = contiguous(b, f32, {4}, 4096);
      expect_overlap_refused(dev, "ln rstd = mean", l, vknorm::record_layer_norm, {});
      l.rstd = contiguous(b, f32, {4}, 4096 + 8);
      expect_overlap_refused(dev, "ln rstd overlaps mean", l, vknorm::record_layer_norm, {});
      l.rstd = contiguous(b, f32, {4}, 0);
      expect_overlap_refused(dev, "ln rstd inside y", l, vknorm::record_layer_norm, {});
      l.mean = l.rstd = Tensor{};
      l.x = contiguous(a, f32, {1, 8192});
      l.y = contiguous(b, f32, {1, 8192});
      l.scratch = contiguous(b, f32, {1024}, 16384);  // scratch overlaps y
      KernelConfig cfg = split_config(4);
      l.config = &cfg;
      expect_overlap_refused(dev, "ln scratch inside y", l, vknorm::record_layer_norm, {});
    }
    {
      vknorm::LayerNormBackwardArgs g;
      g.dy = contiguous(a, f32, {4, 64});
      g.x = contiguous(a, f32, {4, 64}, 1024);
      g.mean = contiguous(a, f32, {4}, 4096);
      g.rstd = contiguous(a, f32, {4}, 4096 + 16);
      g.dx = contiguous(a, f32, {4, 64}, 128);  // dx = dy is allowed (in place), dx shifted over dy is not
      expect_overlap_refused(dev, "ln_bwd dx shifted over dy", g, vknorm::record_layer_norm_backward, {});
      g.dx = contiguous(a, f32, {4, 64}, 1024);  // dx = x
      expect_overlap_refused(dev, "ln_bwd dx = x", g, vknorm::record_layer_norm_backward, {});
      g.dx = contiguous(b, f32, {4, 64});
      g.dweight = contiguous(b, f32, {64}, 512);
      expect_overlap_refused(dev, "ln_bwd dweight inside dx", g, vknorm::record_layer_norm_backward, {});
      g.dweight = contiguous(b, f32, {64}, 2048);
      g.dbias = contiguous(b, f32, {64}, 2048);
      expect_overlap_refused(dev, "ln_bwd dbias = dweight", g, vknorm::record_layer_norm_backward, {});
    }
  }

  TEST_CASE("interleaved views of one buffer (q and k slices of a QKV buffer) are accepted") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const int64_t rows = 5, D = 64;
    TestBuffer qkv(dev, rows * 3 * D * 4);
    vknorm::LayerNormArgs l;
    l.x = strided(qkv, DType::f32, {rows, D}, {3 * D, 1});
    l.x.size = VkDeviceSize(((rows - 1) * 3 * D + D) * 4);
    l.y = strided(qkv, DType::f32, {rows, D}, {3 * D, 1}, D * 4);
    l.y.size = l.x.size;
    Error err;
    CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_layer_norm(dev.context(), cmd, l); }) == VK_SUCCESS);
    CHECK_MESSAGE(err.ok(), err.message);
    l.y = strided(qkv, DType::f32, {rows, D}, {3 * D, 1}, D * 2);  // half a row over x: overlap
    l.y.size = l.x.size;
    expect_overlap_refused(dev, "y half a row over x", l, vknorm::record_layer_norm, {});
  }

  // The fuzzer's checker once called these overlaps (vknorm-fuzz seed 1 call 10501: add_rms_norm,
  // x by buffer and y by that buffer's address; calls 6098 / 10121: strides that differ on
  // size-1 dimensions). Both are the exact in-place alias vknorm.h allows: "a call that mixes
  // the two compares addresses", and a size-1 dimension's stride is never used.
  TEST_CASE("in place names the same memory two ways (buffer and address), unit-dim strides differ") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().enabled.buffer_device_address) {
      MESSAGE("skipped: the context lacks buffer_device_address");
      return;
    }
    const DType f32 = DType::f32;
    const int64_t rows = 4, D = 64;
    const VkDeviceSize bytes = VkDeviceSize(rows * D * 4);
    TestBuffer xa(dev, bytes), xb(dev, bytes), res(dev, bytes), yb(dev, bytes);
    std::vector<float> xv(size_t(rows * D)), rv(xv.size());
    for (size_t i = 0; i < xv.size(); ++i) {
      xv[i] = float(std::sin(0.37 * double(i)));
      rv[i] = float(std::cos(0.11 * double(i)));
    }
    dev.upload(xa.buf, xv.data(), bytes);
    dev.upload(xb.buf, xv.data(), bytes);
    dev.upload(res.buf, rv.data(), bytes);
    auto record = [&](const vknorm::AddRmsNormArgs& a) {
      Error err;
      CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_add_rms_norm(dev.context(), cmd, a); }) ==
            VK_SUCCESS);
      CHECK_MESSAGE(err.ok(), err.message);
    };
    vknorm::AddRmsNormArgs out_of_place;  // the reference: y in its own buffer
    out_of_place.x = contiguous(xb, f32, {rows, 1, D});
    out_of_place.residual = contiguous(res, f32, {rows, 1, D});
    out_of_place.y = contiguous(yb, f32, {rows, 1, D});
    record(out_of_place);
    vknorm::AddRmsNormArgs in_place = out_of_place;
    in_place.x = contiguous(xa, f32, {rows, 1, D});
    in_place.x.strides[1] = 999;  // a size-1 dimension: any stride
    in_place.y = Tensor::contiguous_at(xa.buf.address, bytes, f32, {rows, 1, D});
    record(in_place);
    std::vector<float> want(xv.size()), got(xv.size());
    dev.download(yb.buf, want.data(), bytes);
    dev.download(xa.buf, got.data(), bytes);
    for (size_t i = 0; i < got.size(); ++i)
      REQUIRE_MESSAGE(std::fabs(got[i] - want[i]) <= 1e-6f * (1 + std::fabs(want[i])),
                      "element " << i << ": in place " << got[i] << ", out of place " << want[i]);
  }

  TEST_CASE("layer_norm outlier first element: statistics within fp32 rounding") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    // (8, 4096) keeps rows in registers; (4, 65536) with split 4 and the selector's choice
    // splits rows. Mean errors of 1e-3 (0.1.0, which shifted by x[row, 0]) fail the harness's
    // fp32 tolerance for mean (atol 1e-5).
    const KernelConfig split4 = split_config(4);
    for (const KernelConfig* cfg : {static_cast<const KernelConfig*>(nullptr), &split4}) {
      for (std::vector<int64_t> shape : {std::vector<int64_t>{8, 4096}, {4, 65536}}) {
        CaseSpec s = ln(DType::f32, shape, 1, 1e-5, true, DataKind::outlier_first, 730);
        s.config = cfg;
        auto r = check_case(dev, s);
        for (const auto& o : r.outputs)
          if (o.name == "mean") {
            MESSAGE(s.label() << " mean max abs error " << o.stats.max_abs);
            CHECK(o.stats.max_abs < 2e-6);
          }
      }
    }
    for (DType dt : kAllDtypes) {
      check_case(dev, ln(dt, {3, 20000}, 1, 1e-5, true, DataKind::outlier_first, 731));
      check_case(dev, ln(dt, {1, 300000}, 1, 1e-5, true, DataKind::outlier_first, 732));
      check_case(dev, ln(dt, {1, 300000}, 1, 1e-5, true, DataKind::large_mean, 733));
      check_case(dev, rms(dt, {2, 64, 257}, 1e-5, true, DataKind::outlier_first, 734));
    }
  }
}
