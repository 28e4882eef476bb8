// The synchronization contract of vknorm.h, checked by the validation layer's synchronization
// validation (a HostDevice of its own, VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT):
// every registered operator recorded twice back to back in one command buffer with the barrier
// the header asks of the caller between the calls (the second call rewrites the outputs and the
// scratch the first one wrote), several operators sharing the context's scratch in one command
// buffer, and a control: the same calls without the barrier must be reported as a hazard, or
// the validation was not on.
#include "test_common.h"

#include <string>
#include <vector>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::Tensor;

namespace {

bool any_hazard(const std::vector<std::string>& msgs) {
  for (const std::string& m : msgs)
    if (m.find("SYNC-HAZARD") != std::string::npos) return true;
  return false;
}

void barrier(VkCommandBuffer cmd) {
  VkMemoryBarrier mb{};
  mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0,
                       nullptr, 0, nullptr);
}

Tensor view_of(HostDevice& dev, const TestBuffer& b, DType dt, std::vector<int64_t> shape) {
  if (dev.info().buffers_need_device_address) return Tensor::contiguous_at(b.buf.address, b.buf.size, dt, shape);
  return Tensor::contiguous(b.buf.buffer, 0, b.buf.size, dt, shape);
}

}  // namespace

TEST_SUITE("sync") {
  TEST_CASE("every operator twice in one command buffer with the prescribed barrier: no hazard") {
    HostDevice& dev = sync_host();
    if (!dev.validation_enabled()) {
      MESSAGE("validation layer not available: synchronization not checked");
      return;
    }
    ValidationScope vs(dev);
    vknorm_support::CaseRunOptions twice;
    twice.repeats = 2;
    // Rows in registers, rows split over workgroups (several dispatches + scratch), channels.
    const std::vector<std::vector<int64_t>> shapes = {{4, 64, 33}, {2, 131072}, {3, 1000}};
    int ran = 0;
    for (const vknorm_support::OpCase* op : vknorm_support::op_cases())
      for (DType dt : {DType::f32, DType::bf16})
        for (const std::vector<int64_t>& shape : shapes) {
          CaseSpec s;
          s.op = op;
          s.dtype = dt;
          s.shape = shape;
          s.seed = 7;
          if (!op->skip_reason(s).empty() || !vknorm_support::make_case_inputs(s).valid) continue;
          const CaseResult r = vknorm_support::run_case(dev, s, twice);
          if (r.skipped) continue;
          CHECK_MESSAGE(r.pass, s.label() << ": " << r.failure);
          ++ran;
        }
    CHECK(ran > 0);
    MESSAGE(ran << " operator calls recorded twice under synchronization validation");
  }

  TEST_CASE("control: without the barrier the layer reports the write-after-write hazard") {
    HostDevice& dev = sync_host();
    if (!dev.validation_enabled()) return;
    dev.clear_validation_messages();
    vknorm_support::CaseRunOptions no_barrier;
    no_barrier.repeats = 2;
    no_barrier.barrier_between = false;
    CaseSpec s;
    s.op = op_case("layer_norm");
    s.shape = {2, 131072};
    vknorm_support::run_case(dev, s, no_barrier);
    const std::vector<std::string> msgs = dev.validation_messages();
    dev.clear_validation_messages();
    CHECK_MESSAGE(any_hazard(msgs), "synchronization validation reported nothing: is it on?");
  }

  TEST_CASE("operators sharing the context's scratch in one command buffer, barriers as prescribed") {
    HostDevice& dev = sync_host();
    if (!dev.validation_enabled()) return;
    ValidationScope vs(dev);
    vknorm::Context* ctx = dev.context();
    const int64_t R = 4, D = 65536;  // split rows: every call below uses scratch
    const VkDeviceSize big = VkDeviceSize(R * D) * 4;
    TestBuffer x(dev, big), y(dev, big), dy(dev, big), dx(dev, big), r(dev, big), h(dev, big), w(dev, D * 4),
        b(dev, D * 4), dw(dev, D * 4), db(dev, D * 4), mean(dev, R * 4), rstd(dev, R * 4), rstd2(dev, R * 4);
    for (TestBuffer* t : {&x, &dy, &r, &w, &b}) dev.fill(t->buf, 0x3f800000u);  // 1.0f
    const DType f = DType::f32;
    vknorm::LayerNormArgs fwd;
    fwd.x = view_of(dev, x, f, {R, D});
    fwd.y = view_of(dev, y, f, {R, D});
    fwd.weight = view_of(dev, w, f, {D});
    fwd.bias = view_of(dev, b, f, {D});
    fwd.mean = view_of(dev, mean, f, {R});
    fwd.rstd = view_of(dev, rstd, f, {R});
    vknorm::LayerNormBackwardArgs bwd;
    bwd.dy = view_of(dev, dy, f, {R, D});
    bwd.x = fwd.x;
    bwd.weight = fwd.weight;
    bwd.mean = fwd.mean;
    bwd.rstd = fwd.rstd;
    bwd.dx = view_of(dev, dx, f, {R, D});
    bwd.dweight = view_of(dev, dw, f, {D});
    bwd.dbias = view_of(dev, db, f, {D});
    vknorm::AddLayerNormArgs add;
    add.x = fwd.y;
    add.residual = view_of(dev, r, f, {R, D});
    add.residual_out = add.residual;
    add.y = view_of(dev, h, f, {R, D});
    add.rstd = view_of(dev, rstd2, f, {R});
    vknorm::RmsNormBackwardArgs rb;
    rb.dy = bwd.dx;
    rb.x = add.y;
    rb.rstd = add.rstd;
    rb.dx = fwd.x;  // x is read by nothing after this
    rb.dweight = bwd.dweight;
    Error e[4];
    REQUIRE(dev.run([&](VkCommandBuffer cmd) {
      e[0] = vknorm::record_layer_norm(ctx, cmd, fwd);
      barrier(cmd);
      e[1] = vknorm::record_layer_norm_backward(ctx, cmd, bwd);
      barrier(cmd);
      e[2] = vknorm::record_add_layer_norm(ctx, cmd, add);
      barrier(cmd);
      e[3] = vknorm::record_rms_norm_backward(ctx, cmd, rb);
    }) == VK_SUCCESS);
    for (const Error& err : e) CHECK_MESSAGE(err.ok(), err.message);
  }
}
