// Mixed precision: weight / bias in fp32 beside 16-bit x (checkpoints that keep norm weights in
// fp32) on every row norm that takes them, against the fp64 reference (support: the weight roles
// get CaseSpec::param_dtype()), on rows in registers, streamed and split, at every vector width;
// the residual stream in fp32 (add_rms_norm); the refusals of other combinations; and
// prepare(f32_params) making the pipelines a call uses.
#include "test_common.h"

#include <algorithm>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Status;
using vknorm::Tensor;

namespace {

CaseSpec mixed(const char* op, DType dt, std::vector<int64_t> shape, uint64_t seed) {
  CaseSpec s = op_spec(op, dt, std::move(shape), true, DataKind::normal, seed);
  s.f32_params = true;
  return s;
}

const DType k16[] = {DType::f16, DType::bf16};

}  // namespace

TEST_SUITE("mixed_dtypes") {
  TEST_CASE("fp32 weight / bias beside 16-bit x: rows in registers, streamed and split") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 1200;
    struct Entry {
      const char* op;
      std::vector<int64_t> shape;
    };
    const Entry entries[] = {
        {"rms_norm_last", {5, 33}},         {"rms_norm_last", {3, 4097}},       {"rms_norm_last", {2, 65535}},
        {"rms_norm_last", {9, 4, 64}},      {"add_rms_norm", {5, 33}},          {"add_rms_norm", {2, 65535}},
        {"rms_norm_last_q8", {3, 4097}},    {"rms_norm_last_fp8", {5, 33}},     {"add_rms_norm_fp8", {2, 65535}},
        {"layer_norm", {5, 33}},            {"layer_norm", {3, 4097}},          {"layer_norm", {2, 131072}},
        {"add_layer_norm", {5, 33}},        {"add_layer_norm", {2, 131072}},    {"ada_layer_norm", {2, 5, 36}},
        {"gated_ada_rms_norm", {2, 5, 36}}, {"gated_ada_layer_norm", {3, 4, 1152}},
        {"gated_rms_norm", {5, 36}},        {"gated_rms_norm_gate_first", {7, 4, 64}},
        {"group_norm", {2, 64, 33}},        {"group_norm", {1, 32, 64, 64}},    {"instance_norm", {2, 16, 49}},
    };
    for (const Entry& e : entries)
      for (DType dt : k16) {
        CAPTURE(e.op);
        check_case(dev, mixed(e.op, dt, e.shape, ++seed));
      }
    // In place and without the optional outputs, on the forms that have them.
    for (const char* op : {"rms_norm_last", "add_rms_norm", "layer_norm", "add_layer_norm"})
      for (DType dt : k16) {
        CAPTURE(op);
        CaseSpec s = mixed(op, dt, {7, 1000}, ++seed);
        s.in_place = true;
        check_case(dev, s);
        s = mixed(op, dt, {7, 1000}, ++seed);
        s.optional_outputs = false;
        s.misalign_bytes = 4;  // not 4-element aligned: scalar accesses (the fp32 weight stays aligned)
        check_case(dev, s);
      }
  }

  TEST_CASE("fp32 weight / bias beside 16-bit x: forced vector widths and split rows") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, items, vec, rows, split;
    };
    for (const char* op : {"rms_norm_last", "add_rms_norm", "layer_norm", "add_layer_norm"})
      for (DType dt : k16)
        for (Cfg c : {Cfg{64, 4, 4, 1, 1}, Cfg{128, 8, 1, 4, 1}, Cfg{128, 8, 8, 1, 1}, Cfg{256, 16, 1, 4, 1},
                      Cfg{64, 4, 4, 2, 3}}) {
          // rms_norm_last streams rows longer than its registers (1032 > 64 x 4); LayerNorm keeps a
          // row in one workgroup's registers (1000 <= lanes x items) or splits it.
          const bool ln = std::string(op).find("layer") != std::string::npos;
          if (c.split > 1 && !ln) continue;
          if (ln && c.split == 1 && (c.wg / c.rows) * c.items < 1000) continue;
          const vknorm::KernelConfig cfg = row_config(c.wg, c.items, c.vec, c.rows, c.split);
          CAPTURE(op);
          CAPTURE(c.vec);
          CAPTURE(c.split);
          CaseSpec s = mixed(op, dt, {9, ln ? 1000 : 1032}, 1300 + c.wg + c.vec + c.split);
          s.config = &cfg;
          check_case(dev, s);
        }
  }

  TEST_CASE("the residual stream in fp32 beside 16-bit x (add_rms_norm): registers, streamed, in place") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    uint64_t seed = 1500;
    const std::vector<std::vector<int64_t>> shapes = {{5, 33}, {3, 4097}, {2, 65535}, {9, 4, 64}, {7, 1}};
    for (const char* op : {"add_rms_norm", "add_rms_norm_q8", "add_rms_norm_fp8"})
      for (DType dt : k16)
        for (const auto& shape : shapes) {
          if (shape[1] == 65535 && std::string(op) != "add_rms_norm") continue;  // streamed: one form is enough
          CAPTURE(op);
          CaseSpec s = op_spec(op, dt, shape, true, DataKind::normal, ++seed);
          s.f32_residual = true;
          check_case(dev, s);
          s.in_place = true;  // residual_out = residual, both fp32
          check_case(dev, s);
          s = op_spec(op, dt, shape, true, DataKind::normal, ++seed);
          s.f32_residual = s.f32_params = s.add_bias = true;  // ONNX's skip bias, fp32 weight
          check_case(dev, s);
        }
    struct Cfg {
      uint32_t wg, items, vec, rows;
    };
    for (DType dt : k16)
      for (Cfg c : {Cfg{64, 4, 4, 1}, Cfg{128, 8, 1, 4}, Cfg{128, 8, 8, 1}, Cfg{256, 16, 4, 2}}) {
        const vknorm::KernelConfig cfg = row_config(c.wg, c.items, c.vec, c.rows);
        CAPTURE(c.vec);
        CaseSpec s = op_spec("add_rms_norm", dt, {9, 1032}, true, DataKind::normal, 1600 + c.wg + c.vec);
        s.f32_residual = true;
        s.config = &cfg;
        check_case(dev, s);
        s.shape = {33, 96};
        check_case(dev, s);
      }
  }

  TEST_CASE("dtype combinations that are refused, each named in the error") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::f16)) return;
    TestBuffer xb(dev, 1 << 14), yb(dev, 1 << 14), wb(dev, 1 << 12), bb(dev, 1 << 12);
    auto base = [&]() {
      vknorm::LayerNormArgs a{};
      a.x = view_of(dev, xb, DType::bf16, {4, 64}, {64, 1});
      a.y = view_of(dev, yb, DType::bf16, {4, 64}, {64, 1});
      a.weight = view_of(dev, wb, DType::f32, {64}, {1});
      a.bias = view_of(dev, bb, DType::f32, {64}, {1});
      return a;
    };
    auto refused = [&](const vknorm::LayerNormArgs& a, const char* what, const char* named) {
      expect_args_refused(dev, Status::invalid_argument, what, a, {&yb}, RefusedBy::select_and_prepare);
      Error e;
      REQUIRE(dev.run([&](VkCommandBuffer cmd) { e = vknorm::record_layer_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
      CHECK_MESSAGE(e.message.find(named) != std::string::npos, e.message);
    };
    vknorm::LayerNormArgs a = base();
    a.weight = view_of(dev, wb, DType::f16, {64}, {1});
    a.bias = view_of(dev, bb, DType::f16, {64}, {1});
    refused(a, "f16 weight / bias with bf16 x", "f16");
    a = base();
    a.bias = view_of(dev, bb, DType::bf16, {64}, {1});
    refused(a, "fp32 weight with a bf16 bias", "the other parameters' dtype");
    a = base();
    a.weight = view_of(dev, wb, DType::f32, {63}, {1});
    refused(a, "fp32 weight of the wrong length", "64 contiguous elements");
    vknorm::RmsNormLastArgs r{};
    r.x = view_of(dev, xb, DType::f16, {4, 64}, {64, 1});
    r.y = view_of(dev, yb, DType::f16, {4, 64}, {64, 1});
    r.weight = view_of(dev, wb, DType::bf16, {64}, {1});
    expect_args_refused(dev, Status::invalid_argument, "bf16 weight with f16 x", r, {&yb}, RefusedBy::select_and_prepare);
    TestBuffer rb(dev, 1 << 14), ob(dev, 1 << 14);
    vknorm::AddRmsNormArgs ar{};
    ar.x = view_of(dev, xb, DType::f16, {4, 64}, {64, 1});
    ar.y = view_of(dev, yb, DType::f16, {4, 64}, {64, 1});
    ar.residual = view_of(dev, rb, DType::f32, {4, 64}, {64, 1});
    ar.residual_out = view_of(dev, ob, DType::f16, {4, 64}, {64, 1});
    expect_args_refused(dev, Status::invalid_argument, "fp32 residual with an f16 residual_out", ar, {&yb, &ob},
                        RefusedBy::select_and_prepare);
    ar.residual = view_of(dev, rb, DType::bf16, {4, 64}, {64, 1});
    ar.residual_out = Tensor{};
    expect_args_refused(dev, Status::invalid_argument, "bf16 residual with f16 x", ar, {&yb},
                        RefusedBy::select_and_prepare);
  }

  TEST_CASE("prepare(f32_params) creates the pipelines a call with fp32 parameters uses") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (!dev.info().supports(DType::f16)) return;
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{32, 4096}, std::vector<int64_t>{2, 262144}}) {
      const VkDeviceSize n = VkDeviceSize(shape[0] * shape[1]);
      TestBuffer xb(dev, n * 2), yb(dev, n * 2), wb(dev, VkDeviceSize(shape[1]) * 4);
      {
        vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::layer_norm_forward, DType::f16, shape);
        info.f32_params = true;
        REQUIRE(vknorm::prepare(dev.context(), info).ok());
        const size_t before = vknorm::pipeline_count(dev.context());
        vknorm::LayerNormArgs a{};
        a.x = view_of(dev, xb, DType::f16, shape, {shape[1], 1});
        a.y = view_of(dev, yb, DType::f16, shape, {shape[1], 1});
        a.weight = view_of(dev, wb, DType::f32, {shape[1]}, {1});
        VkDeviceSize scratch_bytes = 0;
        REQUIRE(vknorm::layer_norm_scratch_size(dev.context(), a, &scratch_bytes).ok());
        TestBuffer sb(dev, std::max<VkDeviceSize>(scratch_bytes, 16));
        if (scratch_bytes) a.scratch = view_of(dev, sb, DType::f32, {int64_t(scratch_bytes / 4)}, {1});
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_layer_norm(dev.context(), cmd, a); }) == VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
        CHECK(vknorm::pipeline_count(dev.context()) == before);
      }
      {
        vknorm::PrepareInfo info = vknorm::PrepareInfo::make(vknorm::Op::rms_norm_last, DType::f16, shape);
        info.f32_params = true;
        REQUIRE(vknorm::prepare(dev.context(), info).ok());
        const size_t before = vknorm::pipeline_count(dev.context());
        vknorm::RmsNormLastArgs a{};
        a.x = view_of(dev, xb, DType::f16, shape, {shape[1], 1});
        a.y = view_of(dev, yb, DType::f16, shape, {shape[1], 1});
        a.weight = view_of(dev, wb, DType::f32, {shape[1]}, {1});
        Error err;
        REQUIRE(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record_rms_norm_last(dev.context(), cmd, a); }) ==
                VK_SUCCESS);
        REQUIRE_MESSAGE(err.ok(), err.message);
        CHECK(vknorm::pipeline_count(dev.context()) == before);
      }
    }
  }
}
