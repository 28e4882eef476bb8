// GroupNorm and InstanceNorm against the fp64 reference in f32, f16 and bf16: groups 1, C and
// between, rows in registers and rows split across workgroups, channels last (NHWC: vec 4 and
// scalar channels, channel blocks, chunks of positions, large spatial), large means and outliers,
// InstanceNorm's running statistics after the update (momentum 0, 0.1, 1) and its eval mode,
// in place, by address, misaligned, determinism, and bad arguments refused before anything is
// written.
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

CaseSpec gn(DType dt, std::vector<int64_t> shape, int64_t groups, bool affine = true,
            DataKind data = DataKind::normal, uint64_t seed = 1) {
  CaseSpec s = op_spec("group_norm", dt, std::move(shape), affine, data, seed);
  s.groups = groups;
  return s;
}

// Channels last: shape (N, spatial.., C).
CaseSpec gn_nhwc(DType dt, std::vector<int64_t> shape, int64_t groups, bool affine = true,
                 DataKind data = DataKind::normal, uint64_t seed = 1) {
  CaseSpec s = op_spec("group_norm_nhwc", dt, std::move(shape), affine, data, seed);
  s.groups = groups;
  return s;
}

// check_case, and the mean / rstd outputs were compared (not only written).
void check_with_stats(HostDevice& dev, const CaseSpec& s) {
  const CaseResult r = check_case(dev, s, true);
  if (!r.ran || !s.optional_outputs) return;
  int compared = 0;
  for (const auto& o : r.outputs) compared += o.name == "mean" || o.name == "rstd";
  CHECK_MESSAGE(compared == 2, s.label());
}

CaseSpec in(DType dt, std::vector<int64_t> shape, bool eval = false, bool affine = true,
            DataKind data = DataKind::normal, uint64_t seed = 1) {
  return op_spec(eval ? "instance_norm_eval" : "instance_norm", dt, std::move(shape), affine, data, seed);
}

// Refused as invalid_argument by every entry point, nothing written (test_common.h).
template <class Args>
void refused(HostDevice& dev, const std::string& what, const Args& a, std::initializer_list<TestBuffer*> outputs) {
  expect_args_refused(dev, Status::invalid_argument, what, a, outputs);
}

}  // namespace

TEST_SUITE("group_norm") {
  TEST_CASE("group_norm groups 1, C and between, C = 1, 3, 64, 1000, spatial 1, 7, 257") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 100;
    for (DType dt : kAllDtypes)
      for (int64_t C : {1, 3, 64, 1000})
        for (int64_t S : {1, 7, 257}) {
          const int64_t N = C * S >= 10000 ? 1 : 2;
          for (int64_t G : {int64_t(1), C, int64_t(0)}) {  // 0: the case's default (a divisor in between)
            if (dt != DType::f32 && G == 1 && C == 1000) continue;  // pipelines cost time on lavapipe
            check_case(dev, gn(dt, {N, C, S}, G, (C + S + G) % 2 == 0, DataKind::normal, ++seed));
          }
        }
  }

  TEST_CASE("group_norm rows split across workgroups, large means, outliers, uniform data") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, gn(dt, {2, 32, 4096}, 2, true, DataKind::normal, 21));         // rows of 65536
      check_case(dev, gn(dt, {1, 4, 65537}, 1, true, DataKind::large_mean, 22));     // odd row, scalar
      check_case(dev, gn(dt, {3, 6, 257}, 3, true, DataKind::large_mean, 23));
      check_case(dev, gn(dt, {2, 8, 100}, 4, false, DataKind::outlier_first, 24));
      check_case(dev, gn(dt, {2, 320, 8, 8}, 32, true, DataKind::uniform01, 25));   // SD-UNet-like
      check_case(dev, gn(dt, {2, 6, 3, 5, 7}, 2, true, DataKind::normal, 26));       // rank 5
    }
  }

  TEST_CASE("group_norm with a fused activation: SiLU and GELU (tanh) on row and split paths") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 80;
    for (vknorm::Activation act : {vknorm::Activation::silu, vknorm::Activation::gelu_tanh})
      for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
        for (auto [shape, G] : {std::pair<std::vector<int64_t>, int64_t>{{2, 64, 257}, 8},  // rows in registers
                                {{2, 32, 4096}, 2},                                     // split rows, vec 4
                                {{1, 6, 10923}, 3},                                     // split rows, scalar
                                {{3, 5, 7}, 5}}) {                                      // odd, one channel per group
          CaseSpec s = gn(dt, shape, G, true, DataKind::normal, ++seed);
          s.activation = act;
          check_case(dev, s);
        }
        CaseSpec s = gn(dt, {2, 6, 33}, 2, false, DataKind::large_mean, ++seed);
        s.activation = act;
        check_case(dev, s);
        s = gn(dt, {2, 6, 33}, 2, true, DataKind::normal, ++seed);
        s.activation = act;
        s.in_place = true;
        check_case(dev, s);
      }
  }

  TEST_CASE("group_norm prepare() with the activation creates the pipelines of a SiLU call") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    // Rows in registers and split rows: the activation is a specialization constant of both.
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{2, 64, 257}, std::vector<int64_t>{2, 32, 4096}}) {
      vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::group_norm, DType::f16, shape);
      info.num_groups = shape[1] == 64 ? 8 : 2;
      info.activation = vknorm::Activation::silu;
      REQUIRE(vknorm::prepare(dev.context(), info).ok());
      const size_t n = vknorm::pipeline_count(dev.context());
      const int64_t count = shape[0] * shape[1] * shape[2];
      TestBuffer xb(dev, VkDeviceSize(count) * 2), yb(dev, VkDeviceSize(count) * 2);
      vknorm::GroupNormArgs a{};
      a.x = view(xb, DType::f16, shape);
      a.y = view(yb, DType::f16, shape);
      a.num_groups = info.num_groups;
      a.activation = vknorm::Activation::silu;
      VkDeviceSize scratch_bytes = 0;
      REQUIRE(vknorm::group_norm_scratch_size(dev.context(), a, &scratch_bytes).ok());
      TestBuffer sb(dev, std::max<VkDeviceSize>(scratch_bytes, 16));
      if (scratch_bytes) a.scratch = view(sb, DType::f32, {int64_t(scratch_bytes / 4)});
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_group_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
      CHECK(vknorm::pipeline_count(dev.context()) == n);
    }
  }

  TEST_CASE("group_norm forced configs: split rows with vec 4 and scalar, small workgroups") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, split;
    };
    for (Cfg f : {Cfg{64, 4, 4, 5}, Cfg{32, 1, 1, 9}, Cfg{64, 8, 4, 1}}) {
      vknorm::KernelConfig c;
      c.workgroup_size = f.wg;
      c.items_per_invocation = f.items;
      c.vector_width = f.vec;
      c.split = f.split;
      if (f.split == 1) c.rows_per_workgroup = 1;
      for (DType dt : {DType::f32, DType::f16}) {
        auto s = gn(dt, {2, 8, 64}, 2, true, DataKind::large_mean, 31);  // rows of 256
        s.config = &c;
        check_case(dev, s);
        auto t = in(dt, {2, 3, 128}, false, true, DataKind::normal, 32);
        t.config = &c;
        check_case(dev, t);
      }
    }
  }

  TEST_CASE("group_norm and instance_norm in place, by address, misaligned, without optional tensors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (auto base : {gn(dt, {3, 6, 40}, 3, true, DataKind::normal, 41), in(dt, {3, 5, 64}, false, true, DataKind::normal, 42),
                        in(dt, {3, 5, 64}, true, true, DataKind::normal, 43)}) {
        for (const CaseSpec& p : placements(base)) check_case(dev, p);
      }
    }
  }

  TEST_CASE("group_norm is deterministic") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (auto s : {gn(DType::f32, {2, 16, 8192}, 2, true, DataKind::normal, 51), in(DType::f32, {4, 3, 4096}, false, true, DataKind::normal, 52)}) {
      CaseResult a = check_case(dev, s, true);
      CaseResult b = check_case(dev, s, true);
      check_same_outputs(a, b);
    }
  }

  TEST_CASE("group_norm shared-memory reduction path") {
    HostDevice& dev = shared_reduction_host();
    ValidationScope vs(dev);
    check_case(dev, gn(DType::f32, {2, 64, 257}, 8, true, DataKind::large_mean, 61));
    check_case(dev, in(DType::f16, {2, 3, 4096}, false, true, DataKind::normal, 62));
  }

  TEST_CASE("group_norm bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096), wb(dev, 64), bb(dev, 64), mb(dev, 64), rb(dev, 64);
    vknorm::GroupNormArgs good{};
    good.x = view(xb, DType::f32, {2, 6, 5});
    good.y = view(yb, DType::f32, {2, 6, 5});
    good.weight = view(wb, DType::f32, {6});
    good.bias = view(bb, DType::f32, {6});
    good.mean = view(mb, DType::f32, {2, 3});
    good.rstd = view(rb, DType::f32, {2, 3});
    good.num_groups = 3;
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &mb, &rb};
    auto a = good;
    for (int64_t g : {0, -1, 4, 7}) {
      a = good;
      a.num_groups = g;
      refused(dev, "num_groups " + std::to_string(g), a, outs);
    }
    a = good;
    a.weight = view(wb, DType::f32, {3});
    refused(dev, "weight of num_groups elements (not C)", a, outs);
    a = good;
    a.bias = view(bb, DType::f16, {6});
    refused(dev, "bias of another dtype", a, outs);
    a = good;
    a.mean = view(mb, DType::f32, {2, 2});
    refused(dev, "mean of N x (groups - 1)", a, outs);
    a = good;
    a.rstd = view(rb, DType::f16, {2, 3});
    refused(dev, "rstd not fp32", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {60});
    a.y = view(yb, DType::f32, {60});
    refused(dev, "rank 1", a, outs);
    a = good;
    a.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {2, 6, 5}, {60, 10, 1});
    refused(dev, "x not contiguous", a, outs);
    a = good;
    a.y = view(yb, DType::f32, {2, 5, 6});
    refused(dev, "y shape differs", a, outs);
    a = good;
    a.mean = view(xb, DType::f32, {2, 3});
    refused(dev, "mean aliases x", a, outs);
    a = good;
    a.eps = -1.0f;
    refused(dev, "negative eps", a, outs);
    a = good;
    a.activation = static_cast<vknorm::Activation>(3);
    refused(dev, "activation value 3", a, outs);
  }

  TEST_CASE("group_norm_nhwc against fp64: C = 1, 3, 64, 1000, 4100, groups 1, C and between, spatial 1, 7, 100") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 300;
    for (DType dt : kAllDtypes)
      for (int64_t C : {1, 3, 64, 1000, 4100})
        for (int64_t S : {1, 7, 100}) {
          if (C == 4100 && S == 100) continue;  // time on lavapipe; 4100 x 7 covers groups over blocks
          const int64_t N = C * S >= 10000 ? 1 : 2;
          for (int64_t G : {int64_t(1), C, int64_t(0)}) {  // 0: the case's default
            if (C == 4100 && G == C) continue;
            check_with_stats(dev, gn_nhwc(dt, {N, S, C}, G, (C + S + G) % 2 == 0, DataKind::normal, ++seed));
          }
        }
    // Rank 2 (spatial 1), rank 5, batch 1 with 2-D positions, odd channel counts.
    for (DType dt : kAllDtypes) {
      check_with_stats(dev, gn_nhwc(dt, {5, 6}, 2, true, DataKind::normal, 350));
      check_with_stats(dev, gn_nhwc(dt, {2, 3, 4, 5, 9}, 3, true, DataKind::normal, 351));
      check_with_stats(dev, gn_nhwc(dt, {1, 9, 11, 30}, 10, true, DataKind::normal, 352));  // cpg 3
      check_with_stats(dev, gn_nhwc(dt, {1, 5, 2050}, 2, true, DataKind::normal, 353));     // cpg 1025, scalar
    }
  }

  TEST_CASE("group_norm_nhwc large means, outliers, uniform data, large spatial (64x64, 256x256)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_with_stats(dev, gn_nhwc(dt, {2, 17, 13, 64}, 8, true, DataKind::large_mean, 361));
      check_with_stats(dev, gn_nhwc(dt, {1, 33, 6}, 3, true, DataKind::large_mean, 362));  // scalar
      check_with_stats(dev, gn_nhwc(dt, {2, 10, 10, 320}, 32, false, DataKind::outlier_first, 363));
      check_with_stats(dev, gn_nhwc(dt, {2, 8, 8, 320}, 32, true, DataKind::uniform01, 364));
      check_with_stats(dev, gn_nhwc(dt, {1, 64, 64, 128}, 32, true, DataKind::normal, 365));
    }
    check_with_stats(dev, gn_nhwc(DType::f16, {1, 64, 64, 512}, 32, true, DataKind::large_mean, 366));
    check_with_stats(dev, gn_nhwc(DType::bf16, {1, 64, 64, 256}, 32, true, DataKind::outlier_first, 367));
    check_with_stats(dev, gn_nhwc(DType::f16, {1, 256, 256, 128}, 32, true, DataKind::normal, 368));
  }

  TEST_CASE("group_norm_nhwc SiLU / GELU, in place, by address, misaligned, without optional tensors") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 380;
    for (DType dt : kAllDtypes) {
      for (vknorm::Activation act : {vknorm::Activation::silu, vknorm::Activation::gelu_tanh})
        for (auto [shape, G] : {std::pair<std::vector<int64_t>, int64_t>{{2, 9, 9, 64}, 8},  // vec 4
                                {{2, 7, 30}, 10},                                         // scalar, cpg 3
                                {{1, 16, 16, 320}, 32}}) {                                // SD-UNet-like
          CaseSpec s = gn_nhwc(dt, shape, G, true, DataKind::normal, ++seed);
          s.activation = act;
          check_with_stats(dev, s);
          s.in_place = true;
          check_with_stats(dev, s);
        }
      for (auto base : {gn_nhwc(dt, {3, 40, 6}, 3, true, DataKind::normal, ++seed), gn_nhwc(dt, {2, 5, 8, 64}, 16, true, DataKind::normal, ++seed)}) {
        // Misaligned: vec 1 where the offset breaks 4-element alignment.
        for (CaseSpec p : placements(base)) {
          if (!p.optional_outputs) {
            check_case(dev, p);
            continue;
          }
          check_with_stats(dev, p);
          if (p.in_place) {
            p.data = DataKind::outlier_first;
            check_with_stats(dev, p);
          }
        }
      }
    }
  }

  TEST_CASE("group_norm_nhwc forced configs: workgroup sizes, vec 1 / 4, chunks per sample") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, vec, split, items;
    };
    // wg 16 / 32 with C = 256: groups wider than a block (16 lanes x 4), split over parts;
    // items: positions per register batch (1: a Chan merge per position; 64: few batches).
    for (Cfg f : {Cfg{16, 4, 3, 1}, Cfg{32, 1, 1, 64}, Cfg{64, 4, 50, 3}, Cfg{128, 1, 7, 0}, Cfg{256, 4, 1000, 16}}) {
      vknorm::KernelConfig c;
      c.workgroup_size = f.wg;
      c.vector_width = f.vec;
      c.split = f.split;
      c.items_per_invocation = f.items;
      for (DType dt : {DType::f32, DType::bf16}) {
        for (auto s : {gn_nhwc(dt, {2, 9, 11, 256}, 2, true, DataKind::large_mean, 391),
                       gn_nhwc(dt, {3, 50, 64}, 16, true, DataKind::normal, 392)}) {
          s.config = &c;
          check_with_stats(dev, s);
        }
      }
    }
  }

  TEST_CASE("group_norm_nhwc is deterministic and uses three dispatches reading x by rows") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    auto s = gn_nhwc(DType::f32, {2, 32, 32, 128}, 32, true, DataKind::normal, 401);
    CaseResult a = check_case(dev, s, true);
    CaseResult b = check_case(dev, s, true);
    check_same_outputs(a, b);
    // The plan: statistics, merge, apply (one binding window here).
    TestBuffer xb(dev, 2 * 32 * 32 * 128 * 4), yb(dev, 2 * 32 * 32 * 128 * 4);
    vknorm::GroupNormArgs g{};
    g.x = view(xb, DType::f32, {2, 32, 32, 128});
    g.y = view(yb, DType::f32, {2, 32, 32, 128});
    g.num_groups = 32;
    g.channels_last = true;
    VkDeviceSize bytes = 0;
    REQUIRE(vknorm::group_norm_scratch_size(dev.context(), g, &bytes).ok());
    CHECK(bytes > 0);
    TestBuffer sb(dev, std::max<VkDeviceSize>(bytes, 16));
    g.scratch = view(sb, DType::f32, {int64_t(bytes / 4)});
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(dev.context(), g, &d);
    REQUIRE_MESSAGE(e.ok(), e.message);
    REQUIRE(d.size() == 3);
    CHECK(d[0].kernel.find("group_norm_nhwc_stats") != std::string::npos);
    CHECK(d[1].kernel.find("group_norm_nhwc_merge") != std::string::npos);
    CHECK(d[2].kernel.find("group_norm_nhwc_apply") != std::string::npos);
  }

  TEST_CASE("group_norm_nhwc shared-memory reduction path") {
    HostDevice& dev = shared_reduction_host();
    ValidationScope vs(dev);
    check_with_stats(dev, gn_nhwc(DType::f32, {2, 9, 9, 64}, 8, true, DataKind::large_mean, 411));
    check_with_stats(dev, gn_nhwc(DType::f16, {1, 20, 30}, 3, true, DataKind::normal, 412));
  }

  TEST_CASE("group_norm_nhwc bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096), wb(dev, 64), bb(dev, 64), mb(dev, 64), rb(dev, 64);
    vknorm::GroupNormArgs good{};
    good.x = view(xb, DType::f32, {2, 5, 6});  // (N, S, C): C = 6
    good.y = view(yb, DType::f32, {2, 5, 6});
    good.weight = view(wb, DType::f32, {6});
    good.bias = view(bb, DType::f32, {6});
    good.mean = view(mb, DType::f32, {2, 3});
    good.rstd = view(rb, DType::f32, {2, 3});
    good.num_groups = 3;
    good.channels_last = true;
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &mb, &rb};
    auto a = good;
    for (int64_t g : {0, -1, 4, 5}) {  // 5 divides the NCHW channel count (dim 1), not C
      a = good;
      a.num_groups = g;
      refused(dev, "channels_last num_groups " + std::to_string(g), a, outs);
    }
    a = good;
    a.weight = view(wb, DType::f32, {5});
    refused(dev, "channels_last weight of dim 1's size (not C)", a, outs);
    a = good;
    a.bias = view(bb, DType::f32, {3});
    refused(dev, "channels_last bias of num_groups elements", a, outs);
    a = good;
    a.mean = view(mb, DType::f32, {2, 2});
    refused(dev, "channels_last mean of N x (groups - 1)", a, outs);
    a = good;
    a.x = Tensor::strided(xb.buf.buffer, 0, DType::f32, {2, 5, 6}, {60, 1, 5});  // NCHW memory seen as NHWC
    refused(dev, "channels_last x not contiguous", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {60});
    a.y = view(yb, DType::f32, {60});
    refused(dev, "channels_last rank 1", a, outs);
    a = good;
    a.y = view(yb, DType::f32, {2, 6, 5});
    refused(dev, "channels_last y shape differs", a, outs);
    a = good;
    a.y = view(yb, DType::f16, {2, 5, 6});
    refused(dev, "channels_last y of another dtype", a, outs);
    a = good;
    a.rstd = view(xb, DType::f32, {2, 3});
    refused(dev, "channels_last rstd aliases x", a, outs);
    a = good;
    a.eps = -1.0f;
    refused(dev, "channels_last negative eps", a, outs);
    a = good;
    a.activation = static_cast<vknorm::Activation>(3);
    refused(dev, "channels_last activation value 3", a, outs);
    vknorm::KernelConfig c;
    c.vector_width = 4;  // C = 6: no 4-channel accesses
    a = good;
    a.config = &c;
    refused(dev, "channels_last vector_width 4 with C = 6", a, outs);
    c = vknorm::KernelConfig{};
    c.workgroup_size = 96;
    a.config = &c;
    refused(dev, "channels_last workgroup_size 96", a, outs);
    c.workgroup_size = 1u << 20;
    refused(dev, "channels_last workgroup_size beyond the device", a, outs);
    c = vknorm::KernelConfig{};
    c.items_per_invocation = 65;
    refused(dev, "channels_last items_per_invocation 65", a, outs);
  }

  TEST_CASE("instance_norm running statistics after the update: momentum 0, 0.1, 1; eval mode") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (double m : {0.0, 0.1, 1.0}) {
        auto s = in(dt, {4, 3, 33}, false, true, DataKind::normal, 71);
        s.momentum = m;
        auto r = check_case(dev, s, true);
        if (!r.ran) continue;
        int checked = 0;
        for (const auto& o : r.outputs) checked += o.name == "running_mean" || o.name == "running_var";
        CHECK(checked == 2);  // the running statistics were compared, not just written
      }
      check_case(dev, in(dt, {2, 64, 7, 9}, false, true, DataKind::large_mean, 72));
      check_case(dev, in(dt, {1, 2, 131072}, false, false, DataKind::normal, 73));  // planes split across workgroups
      check_case(dev, in(dt, {3, 1, 2}, false, true, DataKind::normal, 74));        // C = 1, S = 2
      check_case(dev, in(dt, {3, 1000, 7}, true, true, DataKind::normal, 75));
      check_case(dev, in(dt, {2, 3, 256}, true, false, DataKind::large_mean, 76));
    }
  }

  TEST_CASE("instance_norm bad arguments are refused before anything is written") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    TestBuffer xb(dev, 4096), yb(dev, 4096), wb(dev, 64), rmb(dev, 64), rvb(dev, 64);
    vknorm::InstanceNormArgs good{};
    good.x = view(xb, DType::f32, {2, 3, 5});
    good.y = view(yb, DType::f32, {2, 3, 5});
    good.weight = view(wb, DType::f32, {3});
    good.running_mean = view(rmb, DType::f32, {3});
    good.running_var = view(rvb, DType::f32, {3});
    {
      vknorm::KernelConfig cfg;
      Error e = vknorm::select_config(dev.context(), good, &cfg);
      REQUIRE_MESSAGE(e.ok(), e.message);
    }
    auto outs = {&yb, &rmb, &rvb};
    auto a = good;
    a.use_input_stats = false;
    a.running_mean = a.running_var = Tensor{};
    refused(dev, "eval without running statistics", a, outs);
    a = good;
    a.running_var = Tensor{};
    refused(dev, "running_mean without running_var", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {2, 3, 1});
    a.y = view(yb, DType::f32, {2, 3, 1});
    refused(dev, "one spatial element", a, outs);
    a = good;
    a.x = view(xb, DType::f32, {2, 3});
    a.y = view(yb, DType::f32, {2, 3});
    refused(dev, "rank 2", a, outs);
    a = good;
    a.weight = view(wb, DType::f32, {4});
    refused(dev, "weight of length C+1", a, outs);
    a = good;
    a.running_var = view(rvb, DType::f32, {2});
    refused(dev, "running_var of length C-1", a, outs);
    for (float m : {-0.1f, 1.5f}) {
      a = good;
      a.momentum = m;
      refused(dev, "momentum " + std::to_string(m), a, outs);
    }
    a = good;
    a.running_var = a.running_mean;
    refused(dev, "running_var aliases running_mean", a, outs);
    a = good;
    a.running_mean = view(xb, DType::f32, {3});
    refused(dev, "running_mean aliases x", a, outs);
  }
}
