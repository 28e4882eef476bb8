// frobenius_norm (y = x / ||x||_F over the whole tensor, KernelBench #37) against the fp64
// reference (support/ops/frobenius_norm_case.cpp) in f32 / f16 / bf16: ranks 1-4 from one
// element on, odd sizes, several partial workgroups (default and forced configs), in place, by
// address, misaligned, NaN / Inf, an all-zero x (NaN, as torch's 0 / 0), determinism, the
// shared-memory reduction path, prepare(), and bad arguments refused before anything is written.
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

CaseSpec fro(DType dt, std::vector<int64_t> shape, uint64_t seed, DataKind data = DataKind::normal) {
  CaseSpec s;
  s.op = op_case("frobenius_norm");
  s.dtype = dt;
  s.shape = std::move(shape);
  s.seed = seed;
  s.data = data;
  return s;
}

Tensor view(HostDevice& dev, const TestBuffer& b, DType dt, std::vector<int64_t> shape,
            std::vector<int64_t> strides = {}, VkDeviceSize offset = 0) {
  if (strides.empty()) {
    strides.assign(shape.size(), 1);
    for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  }
  if (dev.info().buffers_need_device_address) return Tensor::strided_at(b.buf.address + offset, dt, shape, strides);
  return Tensor::strided(b.buf.buffer, offset, dt, shape, strides);
}

// Records the call and runs it; REQUIREs success.
void run_ok(HostDevice& dev, const vknorm::FrobeniusNormArgs& a) {
  Error err;
  REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_frobenius_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
  REQUIRE_MESSAGE(err.ok(), err.message);
}

// The call is refused with `want` by every entry point, and nothing is written.
void refused(HostDevice& dev, Status want, const std::string& what, const vknorm::FrobeniusNormArgs& a,
             std::initializer_list<TestBuffer*> outputs) {
  CAPTURE(what);
  vknorm::Context* ctx = dev.context();
  Error err;
  CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_frobenius_norm(ctx, cmd, a); }) == VK_SUCCESS);
  CHECK_MESSAGE(err.status == want, what << ": got " << vknorm::status_name(err.status) << " (" << err.message << ")");
  CHECK_MESSAGE(!err.message.empty(), what << ": empty message");
  for (TestBuffer* b : outputs) CHECK_MESSAGE(b->poisoned(), what << ": an output was written");
  CHECK_MESSAGE(vknorm::prepare_frobenius_norm(ctx, a).status == want, what << ": prepare");
  std::vector<vknorm::DispatchInfo> di;
  CHECK_MESSAGE(vknorm::describe_dispatches(ctx, a, &di).status == want, what << ": describe_dispatches");
}

}  // namespace

TEST_SUITE("frobenius_norm") {
  TEST_CASE("ranks 1-4, one element, odd sizes, several partials; every dtype") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 700;
    const std::vector<std::vector<int64_t>> shapes = {{1},        {7},          {4},           {33, 65},
                                                      {1, 1, 1, 1}, {3, 1000, 7}, {2, 3, 5, 7}, {300, 1001},
                                                      {64, 4096}};
    for (DType dt : kAllDtypes)
      for (const auto& shape : shapes) check_case(dev, fro(dt, shape, ++seed));
  }

  TEST_CASE("in place, by address, misaligned, without norm, NaN / Inf, outliers") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 800;
    for (DType dt : kAllDtypes)
      for (const std::vector<int64_t>& shape : {std::vector<int64_t>{33, 65}, std::vector<int64_t>{4, 64, 257}}) {
        CaseSpec s = fro(dt, shape, ++seed);
        s.in_place = true;
        check_case(dev, s);
        s = fro(dt, shape, ++seed);
        s.by_address = true;
        check_case(dev, s);
        s = fro(dt, shape, ++seed);
        s.misalign_bytes = 4;
        check_case(dev, s);
        s = fro(dt, shape, ++seed);
        s.optional_outputs = false;
        check_case(dev, s);
        // nan_inf: the seed picks a NaN, a +Inf, or a +Inf and a -Inf (three seeds in a row).
        for (int k = 0; k < 3; ++k) check_case(dev, fro(dt, shape, ++seed, DataKind::nan_inf));
        for (DataKind d : {DataKind::outlier_first, DataKind::large_mean, DataKind::uniform01})
          check_case(dev, fro(dt, shape, ++seed, d));
      }
  }

  TEST_CASE("forced configs: many partials, scalar and vec4, small workgroups") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, split;
    };
    for (Cfg f : {Cfg{32, 4, 4, 7}, Cfg{64, 1, 1, 1000}, Cfg{128, 8, 1, 3}, Cfg{32, 16, 4, 65535}}) {
      vknorm::KernelConfig c;
      c.workgroup_size = f.wg;
      c.items_per_invocation = f.items;
      c.vector_width = f.vec;
      c.split = f.split;
      for (DType dt : {DType::f32, DType::bf16}) {
        CaseSpec s = fro(dt, {5, 3, 1000}, 51);
        s.config = &c;
        check_case(dev, s);
        if (f.vec == 1) {
          s = fro(dt, {7, 1001}, 52);  // odd: no vec4
          s.config = &c;
          check_case(dev, s);
        }
      }
    }
  }

  TEST_CASE("an all-zero x gives NaN everywhere and norm 0 (torch's 0 / 0)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      if (!dev.info().supports(dt)) continue;
      CAPTURE(vknorm::dtype_name(dt));
      const int64_t n = 4099;
      TestBuffer xb(dev, 32768), yb(dev, 32768), nb(dev, 16), sb(dev, 1 << 16);
      dev.fill(xb.buf, 0);
      vknorm::FrobeniusNormArgs a{};
      a.x = view(dev, xb, dt, {n});
      a.y = view(dev, yb, dt, {n});
      a.norm = view(dev, nb, DType::f32, {1});
      a.scratch = view(dev, sb, DType::f32, {1 << 14});
      run_ok(dev, a);
      float norm = -1;
      dev.download(nb.buf, &norm, 4);
      CHECK(norm == 0.0f);
      std::vector<uint16_t> y16(static_cast<size_t>(n));
      std::vector<float> y32(static_cast<size_t>(n));
      if (dt == DType::f32) dev.download(yb.buf, y32.data(), n * 4);
      else dev.download(yb.buf, y16.data(), n * 2);
      int64_t nans = 0;
      for (int64_t i = 0; i < n; ++i) {
        const size_t k = static_cast<size_t>(i);
        // f16 NaN: exponent all ones, mantissa non-zero; bf16: fp32's upper half.
        const bool nan = dt == DType::f32  ? std::isnan(y32[k])
                         : dt == DType::f16 ? (y16[k] & 0x7c00) == 0x7c00 && (y16[k] & 0x3ff) != 0
                                            : (y16[k] & 0x7f80) == 0x7f80 && (y16[k] & 0x7f) != 0;
        nans += nan;
      }
      CHECK(nans == n);
    }
  }

  TEST_CASE("deterministic: two runs give the same bits of y and norm") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : {DType::f32, DType::f16}) {
      CaseSpec s = fro(dt, {64, 3, 1001}, 91, DataKind::uniform01);
      CaseResult a = check_case(dev, s, true);
      CaseResult b = check_case(dev, s, true);
      REQUIRE(a.outputs.size() == 2);  // y, norm
      REQUIRE(a.outputs.size() == b.outputs.size());
      for (size_t k = 0; k < a.outputs.size(); ++k)
        CHECK_MESSAGE(same_bits(a.outputs[k].got, b.outputs[k].got), a.outputs[k].name << " differs between two identical runs");
    }
  }

  TEST_CASE("shared-memory reduction path") {
    HostDevice& dev = shared_reduction_host();
    ValidationScope vs(dev);
    check_case(dev, fro(DType::f32, {300, 1001}, 95));
    check_case(dev, fro(DType::f16, {33, 65}, 96));
  }

  TEST_CASE("prepare() creates every pipeline of the call") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig c;  // a config no other case uses: the pipelines are new here
    c.workgroup_size = 64;
    c.items_per_invocation = 8;
    c.split = 5;
    auto info = vknorm::PrepareInfo::make(vknorm::Op::frobenius_norm, DType::f16, {3, 5, 40});
    info.config = &c;
    const size_t start = vknorm::pipeline_count(dev.context());
    REQUIRE(vknorm::prepare(dev.context(), info).ok());
    const size_t before = vknorm::pipeline_count(dev.context());
    CHECK(before <= start + 3);  // partial, finalize (shared by every dtype), scale
    CHECK(before >= start + 2);
    CaseSpec s = fro(DType::f16, {3, 5, 40}, 97);
    s.config = &c;
    check_case(dev, s);
    CHECK(vknorm::pipeline_count(dev.context()) == before);
    CHECK(std::string(vknorm::op_name(vknorm::Op::frobenius_norm)) == "frobenius_norm");
  }

  TEST_CASE("zero-size x records nothing and needs no scratch") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 64), yb(dev, 64), nb(dev, 16);
    vknorm::FrobeniusNormArgs a{};
    a.x = view(dev, xb, DType::f32, {3, 0, 5});
    a.y = view(dev, yb, DType::f32, {3, 0, 5});
    a.norm = view(dev, nb, DType::f32, {1});
    VkDeviceSize bytes = 1;
    REQUIRE(vknorm::frobenius_norm_scratch_size(dev.context(), a, &bytes).ok());
    CHECK(bytes == 0);
    std::vector<vknorm::DispatchInfo> di;
    REQUIRE(vknorm::describe_dispatches(dev.context(), a, &di).ok());
    CHECK(di.empty());
    run_ok(dev, a);
    CHECK(nb.poisoned());
  }

  // KernelBench #37's 7.5 GB x exceeds every binding: planned (describe, nothing dereferenced)
  // on fake addresses, its partials cover x exactly once, whatever the windows.
  TEST_CASE("the (112, 64, 512, 512) fp32 plan: windows, partials, one finalize") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().enabled.buffer_device_address) {
      MESSAGE("no bufferDeviceAddress: skipped");
      return;
    }
    const std::vector<int64_t> shape{112, 64, 512, 512};
    const uint64_t n = 112ull * 64 * 512 * 512, bytes = n * 4;
    vknorm::FrobeniusNormArgs a{};
    a.x = Tensor::contiguous_at(1ull << 44, bytes, DType::f32, shape);
    a.y = Tensor::contiguous_at(2ull << 44, bytes, DType::f32, shape);
    VkDeviceSize scratch = 0;
    REQUIRE(vknorm::frobenius_norm_scratch_size(dev.context(), a, &scratch).ok());
    a.scratch = Tensor::contiguous_at(3ull << 44, scratch, DType::f32, {int64_t(scratch / 4)});
    std::vector<vknorm::DispatchInfo> di;
    const Error e = vknorm::describe_dispatches(dev.context(), a, &di);
    REQUIRE_MESSAGE(e.ok(), e.message);
    uint64_t partials = 0, partial_dispatches = 0, finalize = 0, scaled = 0;
    for (const auto& d : di) {
      CAPTURE(d.kernel);
      if (d.kernel.rfind("frobenius_partial.", 0) == 0) partials += d.groups[0], ++partial_dispatches;
      else if (d.kernel.rfind("frobenius_finalize.", 0) == 0) ++finalize;
      else if (d.kernel.rfind("frobenius_scale.", 0) == 0) scaled += uint64_t(d.groups[0]) * d.workgroup_size;
      else FAIL("unexpected kernel");
    }
    CHECK(partial_dispatches >= 2);  // 7.5 GB: more than one window on every device
    CHECK(finalize == 1);
    CHECK(scratch >= (partials + 2) * 4);
    vknorm::KernelConfig cfg;
    REQUIRE(vknorm::select_config(dev.context(), a, &cfg).ok());
    CHECK(scaled * cfg.items_per_invocation >= n);  // the scale pass's chunks cover every element
  }

  TEST_CASE("bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096), nb(dev, 16), sb(dev, 4096);
    const Status bad = Status::invalid_argument;
    const DType f = DType::f32;
    vknorm::FrobeniusNormArgs good{};
    good.x = view(dev, xb, f, {4, 3, 5});
    good.y = view(dev, yb, f, {4, 3, 5});
    good.norm = view(dev, nb, f, {1});
    good.scratch = view(dev, sb, f, {1024});
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
      VkDeviceSize bytes = 0;
      REQUIRE(vknorm::frobenius_norm_scratch_size(dev.context(), good, &bytes).ok());
      CHECK(bytes >= 16);
    }
    const auto outs = {&yb, &nb, &sb};
    auto a = good;
    a.x = view(dev, xb, f, {4, 3, 5}, {30, 10, 2});
    a.y = view(dev, yb, f, {4, 3, 5}, {30, 10, 2});
    refused(dev, bad, "strided (non-contiguous) x and y", a, outs);
    a = good;
    a.x = view(dev, xb, f, {5, 12}, {1, 5});
    a.y = view(dev, yb, f, {5, 12});
    refused(dev, bad, "transposed x", a, outs);
    a = good;
    a.y = view(dev, yb, f, {4, 5, 3});
    refused(dev, bad, "y shape differs", a, outs);
    a = good;
    a.y = view(dev, yb, DType::f16, {4, 3, 5});
    refused(dev, bad, "y dtype differs", a, outs);
    a = good;
    a.norm = view(dev, nb, DType::f16, {1});
    refused(dev, bad, "norm not fp32", a, outs);
    a = good;
    a.norm = view(dev, nb, f, {2});
    refused(dev, bad, "norm of 2 elements", a, outs);
    a = good;
    a.norm = view(dev, xb, f, {1});
    refused(dev, bad, "norm aliases x", a, outs);
    a = good;
    a.y = view(dev, xb, f, {4, 3, 5}, {}, 4);
    refused(dev, bad, "y overlaps x without being x", a, outs);
    a = good;
    a.scratch = view(dev, sb, f, {1});  // 4 bytes: below the 16 the call needs
    refused(dev, bad, "scratch too small", a, {&yb, &nb});
    a = good;
    a.x = Tensor{};
    refused(dev, bad, "x unset", a, outs);
  }
}

TEST_SUITE("large") {
  // x larger than maxStorageBufferRange (128 MiB on lavapipe; KernelBench #37's 7.5 GB x on a
  // GPU): both passes over x are windowed, and every window's partials are summed together.
  TEST_CASE("frobenius_norm beyond maxStorageBufferRange: windows over the tensor") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const uint64_t range = dev.info().max_storage_buffer_range;
    const uint64_t target = std::max<uint64_t>(144ull << 20, range + (16ull << 20));
    if (target > (1ull << 30) || target * 2 > dev.device_local_heap_bytes() / 2) {
      MESSAGE("maxStorageBufferRange " << range << ": the large-tensor case would need too much memory; skipped");
      return;
    }
    const int64_t S = 262144, N = int64_t((target / 4 + S - 1) / S);
    CaseSpec s = fro(DType::f32, {N, S}, 604, DataKind::uniform01);
    s.in_place = true;  // half the device memory
    CaseResult r = check_case(dev, s);
    MESSAGE(s.label() << ": " << r.seconds << " s");
  }
}
