// l1_norm / l2_norm (LpNormArgs: x / mean(|x|) and x / ||x||_2 over dim 1, KernelBench #38 / #39)
// against the fp64 reference (support/ops/dim1_norm.h; every fifth column is all zero and must
// come out NaN, as torch's 0 / 0), in f32 / f16 / bf16: contiguous rows (the row kernel, D up
// to 65535 streamed) and channel columns of (N, C, spatial..) (the channel kernel), in place, by
// address, misaligned, forced configs, NaN / Inf, large means; every bad argument.
#include "test_common.h"

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

const char* const kLpOps[] = {"l1_norm", "l2_norm"};

CaseSpec spec_of(const char* op, DType dt, std::vector<int64_t> shape, uint64_t seed) {
  CaseSpec s;
  s.op = op_case(op);
  s.dtype = dt;
  s.shape = std::move(shape);
  s.seed = seed;
  return s;
}

}  // namespace

TEST_SUITE("lp_norm") {
  TEST_CASE("rows and channel columns, every dtype") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 40;
    const std::vector<std::vector<int64_t>> shapes = {{7, 1},    {5, 33},        {3, 1000},     {2, 65535},
                                                      {9, 1, 7}, {2, 3, 33},     {2, 64, 257},  {1, 1000, 7},
                                                      {300, 64}, {2, 4, 5, 6},   {3, 4096, 1, 1}};
    for (const char* op : kLpOps)
      for (DType dt : kAllDtypes)
        for (const auto& shape : shapes) {
          CAPTURE(op);
          check_case(dev, spec_of(op, dt, shape, ++seed));
        }
  }

  TEST_CASE("in place, by address, misaligned, NaN / Inf, large mean, outliers") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 90;
    for (const char* op : kLpOps)
      for (DType dt : kAllDtypes)
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{5, 33}, std::vector<int64_t>{2, 64, 33}}) {
          CAPTURE(op);
          CaseSpec s = spec_of(op, dt, shape, ++seed);
          s.in_place = true;
          check_case(dev, s);
          s = spec_of(op, dt, shape, ++seed);
          s.by_address = true;
          check_case(dev, s);
          s = spec_of(op, dt, shape, ++seed);
          s.misalign_bytes = vknorm::dtype_size(dt);
          check_case(dev, s);
          for (DataKind k : {DataKind::nan_inf, DataKind::large_mean, DataKind::outlier_first, DataKind::uniform01}) {
            s = spec_of(op, dt, shape, ++seed);
            s.data = k;
            check_case(dev, s);
          }
        }
  }

  TEST_CASE("forced configs: streamed rows and columns, several rows per workgroup") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (const char* op : kLpOps)
      for (DType dt : {DType::f32, DType::bf16}) {
        vknorm::KernelConfig rows;
        rows.workgroup_size = 64;
        rows.items_per_invocation = 4;
        rows.vector_width = 4;
        rows.rows_per_workgroup = 2;
        CaseSpec s = spec_of(op, dt, {9, 1032}, 7);  // 1032 > 32 lanes x 4 items: streamed
        s.config = &rows;
        check_case(dev, s);
        vknorm::KernelConfig cols;
        cols.workgroup_size = 64;
        cols.channel_split = 4;
        cols.items_per_invocation = 2;
        cols.vector_width = 1;
        s = spec_of(op, dt, {2, 100, 9}, 8);  // 100 channels > 4 lanes x 2: streamed columns
        s.config = &cols;
        check_case(dev, s);
      }
  }

  TEST_CASE("bad arguments: a clear error before anything is recorded") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = dev.context();
    TestBuffer xb(dev, 1 << 14), yb(dev, 1 << 14);
    const DType f = DType::f32;
    auto base = [&]() {
      vknorm::LpNormArgs a{};
      a.x = view_of(dev, xb, f, {4, 64}, {64, 1});
      a.y = view_of(dev, yb, f, {4, 64}, {64, 1});
      return a;
    };
    auto refused = [&](const vknorm::LpNormArgs& a, const char* what) {
      CAPTURE(what);
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_lp_norm(ctx, cmd, a); }) == VK_SUCCESS);
      CHECK_MESSAGE(err.status == Status::invalid_argument, err.message);
      CHECK(!err.message.empty());
      vknorm::KernelConfig c;
      CHECK(vknorm::select_config(ctx, a, &c).status == Status::invalid_argument);
      CHECK(vknorm::prepare_lp_norm(ctx, a).status == Status::invalid_argument);
      CHECK(yb.poisoned());
    };
    REQUIRE(vknorm::prepare_lp_norm(ctx, base()).ok());
    vknorm::LpNormArgs a = base();
    a.p = 3;
    refused(a, "p = 3");
    a = base();
    a.p = 0;
    refused(a, "p = 0");
    a = base();
    a.x = view_of(dev, xb, f, {256}, {1});
    a.y = view_of(dev, yb, f, {256}, {1});
    refused(a, "rank 1");
    a = base();
    a.y = view_of(dev, yb, f, {4, 63}, {64, 1});
    refused(a, "y shape mismatch");
    a = base();
    a.y = view_of(dev, yb, DType::f16, {4, 64}, {64, 1});
    refused(a, "y dtype mismatch");
    a = base();
    a.y = view_of(dev, yb, f, {4, 64}, {32, 1});
    refused(a, "y rows overlap");
    a = base();
    a.y = view_of(dev, xb, f, {4, 64}, {64, 1}, 4);
    refused(a, "y partially overlaps x");
    a = base();
    a.x = view_of(dev, xb, f, {4, 0}, {64, 1});
    a.y = view_of(dev, yb, f, {4, 0}, {64, 1});
    refused(a, "0 channels");
  }

  TEST_CASE("prepare() creates the pipelines of both norms") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    REQUIRE(vknorm::prepare(dev.context(), vknorm::PrepareInfo::make(vknorm::Op::lp_norm, DType::f32, {16, 4096})).ok());
    const size_t n = vknorm::pipeline_count(dev.context());
    TestBuffer xb(dev, 16 * 4096 * 4), yb(dev, 16 * 4096 * 4);
    for (int p : {1, 2}) {
      vknorm::LpNormArgs a{};
      a.x = view_of(dev, xb, DType::f32, {16, 4096}, {4096, 1});
      a.y = view_of(dev, yb, DType::f32, {16, 4096}, {4096, 1});
      a.p = p;
      Error err;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_lp_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
      REQUIRE_MESSAGE(err.ok(), err.message);
    }
    CHECK(vknorm::pipeline_count(dev.context()) == n);
  }
}
