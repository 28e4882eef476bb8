// BatchNorm (training and eval) against the fp64 reference in f32, f16 and bf16: shapes, the
// running statistics after the update (momentum 0, 0.1, 0.5, 1), large means, forced chunkings,
// in place, by address, determinism, and bad arguments refused before anything is written.
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

CaseSpec bn(DType dt, std::vector<int64_t> shape, bool affine = true, DataKind data = DataKind::normal,
            uint64_t seed = 1, bool eval = false) {
  return op_spec(eval ? "batch_norm_eval" : "batch_norm", dt, std::move(shape), affine, data, seed);
}

void shape_grid(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 300;
  for (int64_t C : {1, 3, 64, 1000}) {
    for (int64_t S : {1, 7, 257}) {
      const int64_t N = S == 1 ? 5 : (C * S >= 10000 ? 1 : 3);
      check_case(dev, bn(dt, {N, C, S}, (C + S) % 2 == 0, DataKind::normal, ++seed));
    }
  }
}

}  // namespace

TEST_SUITE("batch_norm") {
  TEST_CASE("batch_norm f32 shapes C x S") { shape_grid(DType::f32); }
  TEST_CASE("batch_norm f16 shapes C x S") { shape_grid(DType::f16); }
  TEST_CASE("batch_norm bf16 shapes C x S") { shape_grid(DType::bf16); }

  TEST_CASE("batch_norm running statistics after the update: momentum 0, 0.1, 0.5, 1") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (double m : {0.0, 0.1, 0.5, 1.0}) {
        auto s = bn(dt, {4, 3, 33}, true, DataKind::normal, 11);
        s.momentum = m;
        auto r = check_case(dev, s, true);
        if (!r.ran) continue;
        int checked = 0;
        for (const auto& o : r.outputs) checked += o.name == "running_mean" || o.name == "running_var";
        CHECK(checked == 2);  // the running statistics were compared, not just written
      }
  }

  TEST_CASE("batch_norm eval mode, every dtype") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (bool affine : {false, true}) {
        check_case(dev, bn(dt, {3, 64, 33}, affine, DataKind::normal, 21, true));
        check_case(dev, bn(dt, {2, 3, 256}, affine, DataKind::uniform01, 22, true));
        check_case(dev, bn(dt, {1, 5, 1}, affine, DataKind::normal, 23, true));  // one value: fine in eval
        check_case(dev, bn(dt, {7, 1000}, affine, DataKind::large_mean, 24, true));
      }
  }

  TEST_CASE("batch_norm large means and an outlier per channel") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, bn(dt, {4, 3, 257}, true, DataKind::large_mean, 31));
      check_case(dev, bn(dt, {2, 64, 1024}, false, DataKind::large_mean, 32));
      check_case(dev, bn(dt, {3, 3, 100}, true, DataKind::outlier_first, 33));
    }
  }

  TEST_CASE("batch_norm rank 2 (N, C), rank 5, N = 1, spatial 1") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, bn(dt, {1000, 64}, true, DataKind::normal, 41));
      check_case(dev, bn(dt, {2, 3}, true, DataKind::normal, 42));
      check_case(dev, bn(dt, {2, 3, 4, 5, 6}, false, DataKind::normal, 43));
      check_case(dev, bn(dt, {1, 3, 7}, true, DataKind::normal, 44));      // N = 1
      check_case(dev, bn(dt, {9, 5, 1, 1}, true, DataKind::normal, 45));   // spatial 1
      check_case(dev, bn(dt, {1, 2, 2}, true, DataKind::normal, 46));      // two values
    }
  }

  TEST_CASE("batch_norm with more channels than a grid dimension (65535)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig c;  // small workgroups: lavapipe's time goes by invocations
    c.workgroup_size = 32;
    auto s = bn(DType::f32, {2, 65600}, true, DataKind::normal, 47);  // training: all three kernels
    s.config = &c;
    check_case(dev, s);
  }

  TEST_CASE("batch_norm forced configs: many chunks per channel, scalar and vec4, small workgroups") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, split;
    };
    for (Cfg f : {Cfg{32, 4, 4, 7}, Cfg{64, 1, 1, 13}, Cfg{128, 8, 1, 100}}) {
      vknorm::KernelConfig c;
      c.workgroup_size = f.wg;
      c.items_per_invocation = f.items;
      c.vector_width = f.vec;
      c.split = f.split;
      // bf16 once (the chunking does not depend on the dtype; pipelines cost time on lavapipe).
      for (DType dt : {DType::f32, DType::bf16}) {
        if (dt == DType::bf16 && f.wg != 32) continue;
        auto s = bn(dt, {5, 3, 1000}, true, DataKind::normal, 51);
        s.config = &c;
        check_case(dev, s);
        s.data = DataKind::large_mean;
        check_case(dev, s);
        if (f.wg == 32) {  // S = 4 x 257: no divisor of S near the chunk, chunks cross batches
          auto t = bn(dt, {5, 3, 1028}, true, DataKind::large_mean, 53);
          t.config = &c;
          check_case(dev, t);
        }
        if (f.vec == 1) {
          auto t = bn(dt, {300, 7}, true, DataKind::normal, 52);
          t.config = &c;
          check_case(dev, t);
        }
      }
    }
  }

  TEST_CASE("batch_norm in place, by address, misaligned, without optional tensors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (bool eval : {false, true}) {
        auto s = bn(dt, {3, 5, 64}, true, DataKind::normal, 61, eval);
        s.in_place = true;
        check_case(dev, s);
        s.in_place = false;
        s.misalign_bytes = 4;
        check_case(dev, s);
        s.misalign_bytes = 0;
        s.by_address = true;
        check_case(dev, s);
      }
      auto s = bn(dt, {3, 5, 64}, false, DataKind::normal, 62);
      s.optional_outputs = false;  // no running statistics, no saved statistics
      check_case(dev, s);
    }
  }

  TEST_CASE("batch_norm shared-memory reduction path") {
    HostDevice& dev = shared_reduction_host();
    ValidationScope vs(dev);
    check_case(dev, bn(DType::f32, {4, 3, 257}, true, DataKind::large_mean, 71));
    check_case(dev, bn(DType::f16, {64, 16}, true, DataKind::normal, 72));
  }

  TEST_CASE("batch_norm prepare() creates every pipeline of a training and an eval call") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig c;  // a config no other case (nor the selector) uses: new pipelines
    c.workgroup_size = 128;  // the selector's one-pass rule never pairs 128 with 4 items
    c.items_per_invocation = 4;
    c.split = 3;
    auto info = vknorm::PrepareInfo::make(vknorm::Op::batch_norm, DType::f16, {3, 5, 40});
    info.config = &c;
    const size_t start = vknorm::pipeline_count(dev.context());
    REQUIRE(vknorm::prepare(dev.context(), info).ok());
    const size_t before = vknorm::pipeline_count(dev.context());
    CHECK(before == start + 3);  // stats, merge, apply
    for (bool eval : {false, true}) {
      auto s = bn(DType::f16, {3, 5, 40}, true, DataKind::normal, 91, eval);
      s.config = &c;
      check_case(dev, s);
    }
    CHECK(vknorm::pipeline_count(dev.context()) == before);
  }

  TEST_CASE("batch_norm one pass per channel (batch_norm_channel): chosen, bounded, exact") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    // Which path a shape takes: the kernels of its training call.
    auto kernels_of = [&](DType dt, std::vector<int64_t> shape, const vknorm::KernelConfig* cfg) {
      const int64_t C = shape[1];
      TestBuffer xb(dev, 1 << 16), yb(dev, 1 << 16), rb(dev, 1 << 12), sb(dev, 1 << 16);
      vknorm::BatchNormArgs a{};
      a.x = view(xb, dt, shape);
      a.y = view(yb, dt, shape);
      a.running_mean = view(rb, DType::f32, {C});
      a.running_var = view(rb, DType::f32, {C}, 1024);
      a.config = cfg;
      VkDeviceSize bytes = 0;
      REQUIRE(vknorm::batch_norm_scratch_size(dev.context(), a, &bytes).ok());
      if (bytes) a.scratch = view(sb, DType::f32, {int64_t(bytes / 4)});
      std::vector<vknorm::DispatchInfo> d;
      Error e = vknorm::describe_dispatches(dev.context(), a, &d);
      REQUIRE_MESSAGE(e.ok(), e.message);
      std::string names;
      for (const auto& x : d) names += x.kernel.substr(0, x.kernel.find('.')) + " ";
      return std::make_pair(names, bytes);
    };
    // The default config keeps a short channel in one workgroup: one dispatch, no scratch.
    for (DType dt : kAllDtypes) {
      const auto k = kernels_of(dt, {3, 5, 64}, nullptr);
      CHECK(k.first == "batch_norm_channel ");
      CHECK(k.second == 0);
    }
    // Forced: 32 invocations x 8 values hold 256 values; 257 with split 1 stream the channel
    // twice in one workgroup (no scratch); split 2 takes the split path.
    vknorm::KernelConfig c;
    c.workgroup_size = 32;
    c.items_per_invocation = 8;
    c.vector_width = 1;
    c.split = 1;
    CHECK(kernels_of(DType::f32, {4, 3, 64}, &c).first == "batch_norm_channel ");
    const auto looped = kernels_of(DType::f32, {1, 3, 257}, &c);
    CHECK(looped.first == "batch_norm_channel_loop ");
    CHECK(looped.second == 0);
    c.split = 2;
    CHECK(kernels_of(DType::f32, {1, 3, 257}, &c).first == "batch_norm_stats batch_norm_merge batch_norm_apply ");
    c.split = 1;
    for (DType dt : kAllDtypes) {
      // 256 / 257 / 5000 values per channel: registers, one value past them, twenty batches.
      for (auto shape : {std::vector<int64_t>{4, 3, 64}, {1, 3, 256}, {1, 3, 257}, {7, 5, 33}, {256, 2},
                         {5, 3, 1000}, {3, 2, 1028}}) {
        for (uint32_t vec : {1u, 4u}) {
          if (vec == 4 && (shape.size() < 3 || shape[2] % 4)) continue;
          c.vector_width = vec;
          auto s = bn(dt, shape, true, DataKind::large_mean, 701);
          s.config = &c;
          check_case(dev, s);
        }
      }
      c.vector_width = 1;
      for (DataKind data : {DataKind::outlier_first, DataKind::normal}) {  // streamed channels
        auto t = bn(dt, {4, 3, 300}, true, data, 703);
        t.config = &c;
        check_case(dev, t);
        t.in_place = true;
        check_case(dev, t);
      }
      auto s = bn(dt, {6, 4, 40}, false, DataKind::normal, 702);  // default config, in place, no affine
      s.in_place = true;
      check_case(dev, s);
      s.in_place = false;
      s.by_address = true;
      check_case(dev, s);
    }
  }

  TEST_CASE("batch_norm is deterministic") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    auto s = bn(DType::f32, {8, 3, 4096}, true, DataKind::normal, 81);
    CaseResult a = check_case(dev, s, true);
    CaseResult b = check_case(dev, s, true);
    check_same_outputs(a, b);
  }

  TEST_CASE("batch_norm bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096), wb(dev, 64), bb(dev, 64), rmb(dev, 64), rvb(dev, 64), smb(dev, 64),
        sib(dev, 64);
    const Status bad = Status::invalid_argument;
    vknorm::BatchNormArgs good{};
    good.x = view(xb, DType::f32, {4, 3, 5});
    good.y = view(yb, DType::f32, {4, 3, 5});
    good.weight = view(wb, DType::f32, {3});
    good.bias = view(bb, DType::f32, {3});
    good.running_mean = view(rmb, DType::f32, {3});
    good.running_var = view(rvb, DType::f32, {3});
    good.save_mean = view(smb, DType::f32, {3});
    good.save_invstd = view(sib, DType::f32, {3});
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &smb, &sib};  // the running statistics hold the poison too: unchanged
    auto a = good;
    a.training = false;
    a.running_mean = a.running_var = Tensor{};
    a.save_mean = a.save_invstd = Tensor{};
    expect_args_refused(dev, bad, "eval without running statistics", a, outs);
    a = good;
    a.running_var = Tensor{};
    expect_args_refused(dev, bad, "running_mean without running_var", a, outs);
    a = good;
    a.training = false;
    expect_args_refused(dev, bad, "eval with save_mean / save_invstd", a, outs);
    a = good;
    a.weight = view(wb, DType::f32, {4});
    expect_args_refused(dev, bad, "weight of length C+1", a, outs);
    a = good;
    a.bias = view(bb, DType::f32, {2});
    expect_args_refused(dev, bad, "bias of length C-1", a, outs);
    a = good;
    a.weight = view(wb, DType::f16, {3});
    expect_args_refused(dev, bad, "weight of another dtype", a, outs);
    a = good;
    a.running_var = view(rvb, DType::f32, {2});
    expect_args_refused(dev, bad, "running_var of length C-1", a, outs);
    a = good;
    a.running_mean = view(rmb, DType::f16, {3});
    expect_args_refused(dev, bad, "running_mean not fp32", a, outs);
    a = good;
    a.save_invstd = view(sib, DType::f32, {4});
    expect_args_refused(dev, bad, "save_invstd of length C+1", a, outs);
    for (float m : {-0.1f, 1.5f, std::nanf("")}) {
      a = good;
      a.momentum = m;
      expect_args_refused(dev, bad, "momentum " + std::to_string(m), a, outs);
    }
    a = good;
    a.eps = -1.0f;
    expect_args_refused(dev, bad, "negative eps", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {1, 3, 1});
    a.y = view(yb, DType::f32, {1, 3, 1});
    expect_args_refused(dev, bad, "training with one value per channel", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {1, 3});
    a.y = view(yb, DType::f32, {1, 3});
    expect_args_refused(dev, bad, "training with one value per channel, rank 2", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {12});
    a.y = view(yb, DType::f32, {12});
    expect_args_refused(dev, bad, "rank 1", a, outs);
    a = good;
    a.y = view(yb, DType::f32, {4, 5, 3});
    expect_args_refused(dev, bad, "y shape differs", a, outs);
    a = good;
    a.y = view(yb, DType::f16, {4, 3, 5});
    expect_args_refused(dev, bad, "y dtype differs", a, outs);
    a = good;
    a.running_var = a.running_mean;
    expect_args_refused(dev, bad, "running_var aliases running_mean", a, outs);
    a = good;
    a.save_mean = a.running_mean;
    expect_args_refused(dev, bad, "save_mean aliases running_mean", a, outs);
    a = good;
    a.running_mean = view(xb, DType::f32, {3});
    expect_args_refused(dev, bad, "running_mean aliases x", a, outs);
    a = good;
    a.running_var = view(wb, DType::f32, {3});
    expect_args_refused(dev, bad, "running_var aliases weight", a, outs);
    a = good;
    a.y = view(xb, DType::f32, {4, 3, 5}, 4);
    expect_args_refused(dev, bad, "y overlaps x without being x", a, outs);
    CHECK(rmb.poisoned());
    CHECK(rvb.poisoned());
  }
}

TEST_SUITE("large") {
  // x larger than maxStorageBufferRange (128 MiB on lavapipe; KernelBench #33's 4.3 GB x on a
  // GPU): batches are windowed over several bindings, the partials of every window are merged
  // per channel, and the apply pass runs the windows in reverse.
  TEST_CASE("batch_norm beyond maxStorageBufferRange: windows over the batch") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const uint64_t range = dev.info().max_storage_buffer_range;
    const uint64_t target = std::max<uint64_t>(144ull << 20, range + (16ull << 20));
    if (target > (1ull << 30) || target * 2 > dev.device_local_heap_bytes() / 2) {
      MESSAGE("maxStorageBufferRange " << range << ": the large-tensor case would need too much memory; skipped");
      return;
    }
    const int64_t C = 4, S = 262144, N = int64_t((target / 4 + C * S - 1) / (C * S));
    auto s = bn(DType::f32, {N, C, S}, true, DataKind::large_mean, 603);  // training: every pass windowed
    CaseResult r = check_case(dev, s);
    MESSAGE(s.label() << ": " << r.seconds << " s");
  }
}
