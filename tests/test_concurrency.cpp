// vknorm.h, "Thread safety": "a Context may be used from several threads at once (pipeline
// creation is guarded by a mutex); the command buffer passed to one call must not be used
// concurrently". Several threads share ONE context: each prepares pipelines for its own mix of
// operators, dtypes and shapes (overlapping with its neighbours', so the same pipeline keys are
// created concurrently), asks select_config / scratch_size / describe_dispatches, and records
// its calls into its own command buffer from its own command pool. The command buffers are then
// submitted together and every output is compared with the fp64 reference through the op
// cases' own checks. scripts/test-tsan.sh runs this suite under ThreadSanitizer.
#include "test_common.h"

#include "support/dtype_convert.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace vknorm_test {
namespace {

using vknorm::Error;
using vknorm_support::BoundOp;
using vknorm_support::CaseInputs;
using vknorm_support::OpParams;
using vknorm_support::TensorRole;

constexpr int kThreads = 6;
constexpr int kCasesPerThread = 4;

// One operator call with its own buffers (allocated and uploaded by the main thread).
struct Call {
  CaseSpec spec;
  CaseInputs in;
  std::vector<TensorRole> roles;
  std::vector<vknorm_support::Buffer> bufs;  // one per role, then the scratch (if any)
  std::vector<vknorm::Tensor> views;
  std::unique_ptr<BoundOp> op;
  VkDeviceSize scratch_bytes = 0;
};

// What one thread saw; checked on the main thread (doctest's CHECK is not used from workers).
struct ThreadLog {
  std::vector<std::string> errors;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
};

// The mix: operators with different kernels, three dtypes and a few shapes (some rows long
// enough for the split paths that use scratch). Thread t takes cases t, t+1, ... so that
// neighbouring threads build some of the same pipelines at the same time.
std::vector<CaseSpec> case_mix() {
  struct Item {
    const char* op;
    std::vector<int64_t> shape;
    int nr;
  };
  const Item items[] = {
      {"rms_norm", {2, 24, 5}, 1},           {"layer_norm", {6, 200}, 1},
      {"rms_norm_last", {5, 96}, 1},         {"add_rms_norm", {4, 64}, 1},
      {"layer_norm_backward", {7, 48}, 1},   {"rms_norm_backward", {3, 130}, 1},
      {"group_norm", {2, 6, 9}, 1},          {"l2_norm", {3, 17, 2}, 1},
      {"add_layer_norm", {3, 2, 40}, 2},     {"layer_norm", {2, 3, 8192}, 1},
      {"instance_norm", {2, 3, 33}, 1},      {"rms_norm_last", {2, 3, 64}, 2},
  };
  std::vector<CaseSpec> out;
  int k = 0;
  for (const Item& it : items) {
    CaseSpec s;
    s.op = op_case(it.op);
    s.dtype = kAllDtypes[k++ % 3];
    s.shape = it.shape;
    s.normalized_rank = it.nr;
    s.seed = 100 + k;
    out.push_back(s);
  }
  return out;
}

// Buffers, inputs and the bound call, made on the main thread.
bool setup(HostDevice& dev, vknorm::Context* ctx, Call* c) {
  const vknorm_support::OpCase& op = *c->spec.op;
  if (!dev.info().supports(c->spec.dtype)) return false;
  c->in = op.make_inputs(c->spec);
  REQUIRE_MESSAGE(c->in.valid, c->spec.label());
  c->roles = op.tensors(c->spec, c->in);
  for (const TensorRole& r : c->roles) {
    int64_t n = 1;
    for (int64_t d : r.shape) n *= d;
    const VkDeviceSize bytes = static_cast<VkDeviceSize>(n) * vknorm::dtype_size(r.dtype);
    std::string err;
    c->bufs.push_back(dev.create_buffer((bytes + 3) & ~VkDeviceSize(3), false, &err));
    REQUIRE_MESSAGE(c->bufs.back().buffer != VK_NULL_HANDLE, err);
    dev.fill(c->bufs.back(), kPoisonWord);
    if (r.values) {
      const std::vector<uint8_t> host_bytes = vknorm_support::encode(*r.values, r.dtype);
      dev.upload(c->bufs.back(), host_bytes.data(), host_bytes.size());
    }
    c->views.push_back(vknorm::Tensor::contiguous(c->bufs.back().buffer, 0, bytes, r.dtype, r.shape));
  }
  OpParams p;
  p.normalized_rank = c->spec.normalized_rank;
  p.eps = c->spec.eps;
  p.weight_offset = c->spec.weight_offset;
  p.momentum = c->spec.momentum;
  p.groups = c->spec.groups;
  c->op = op.bind(
      [c](const std::string& role) {
        for (size_t k = 0; k < c->roles.size(); ++k)
          if (c->roles[k].name == role) return c->views[k];
        return vknorm::Tensor{};
      },
      p);
  const Error e = c->op->scratch_size(ctx, &c->scratch_bytes);
  REQUIRE_MESSAGE(e.ok(), c->spec.label() << ": " << e.message);
  if (c->scratch_bytes > 0 && c->op->takes_scratch()) {
    std::string err;
    c->bufs.push_back(dev.create_buffer(c->scratch_bytes, false, &err));
    REQUIRE_MESSAGE(c->bufs.back().buffer != VK_NULL_HANDLE, err);
    const int64_t words = static_cast<int64_t>((c->scratch_bytes + 3) / 4);
    c->op->set_scratch(vknorm::Tensor::contiguous(c->bufs.back().buffer, 0, c->scratch_bytes,
                                                  DType::f32, {words}));
  }
  return true;
}

// One worker: its own pool and command buffer, its calls prepared, queried and recorded twice
// (the second round finds every pipeline), all while the other workers do the same.
void worker(HostDevice& dev, vknorm::Context* ctx, const std::vector<Call*>& calls,
            std::atomic<int>* ready, ThreadLog* log) {
  auto fail = [&](const Call& c, const char* what, const Error& e) {
    log->errors.push_back(c.spec.label() + ": " + what + ": " + e.message);
  };
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.queueFamilyIndex = dev.queue_family();
  if (vkCreateCommandPool(dev.device(), &pci, nullptr, &log->pool) != VK_SUCCESS) {
    log->errors.push_back("vkCreateCommandPool failed");
    return;
  }
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = log->pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  if (vkAllocateCommandBuffers(dev.device(), &ai, &log->cmd) != VK_SUCCESS) {
    log->errors.push_back("vkAllocateCommandBuffers failed");
    return;
  }
  // Start together: the first prepares of every thread overlap.
  ready->fetch_add(1);
  while (ready->load() < kThreads) std::this_thread::yield();

  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(log->cmd, &bi);
  for (int round = 0; round < 2; ++round)
    for (size_t k = 0; k < calls.size(); ++k) {
      const Call& c = *calls[k];
      Error e = c.op->prepare(ctx);
      if (!e.ok()) fail(c, "prepare", e);
      vknorm::KernelConfig cfg;
      if (!(e = c.op->select(ctx, &cfg)).ok()) fail(c, "select_config", e);
      VkDeviceSize bytes = 0;
      if (!(e = c.op->scratch_size(ctx, &bytes)).ok()) fail(c, "scratch_size", e);
      if (bytes != c.scratch_bytes)
        log->errors.push_back(c.spec.label() + ": scratch_size " + std::to_string(bytes) +
                              " in a thread, " + std::to_string(c.scratch_bytes) + " before");
      std::vector<vknorm::DispatchInfo> d;
      if (!(e = c.op->describe(ctx, &d)).ok()) fail(c, "describe_dispatches", e);
      if (d.empty()) log->errors.push_back(c.spec.label() + ": describe_dispatches gave no dispatch");
      // The first round records; the second only re-queries (recording twice would run the
      // call twice into the same outputs, harmless but not what the check reads).
      if (round == 0 && !(e = c.op->record(ctx, log->cmd)).ok()) fail(c, "record", e);
    }
  vkEndCommandBuffer(log->cmd);
}

// Downloads every output of `c` and compares it with the op case's fp64 reference.
void check_call(HostDevice& dev, Call& c) {
  c.spec.op->check_outputs(
      c.spec, c.in,
      [&](const std::string& name, const std::vector<double>& ref, vknorm_support::Tolerance tol,
          const std::function<void(std::vector<double>&)>& adjust) {
        for (size_t k = 0; k < c.roles.size(); ++k) {
          if (c.roles[k].name != name) continue;
          std::vector<uint8_t> bytes(static_cast<size_t>(c.views[k].size));
          dev.download(c.bufs[k], bytes.data(), bytes.size());
          std::vector<double> got = vknorm_support::decode(bytes, c.roles[k].dtype);
          if (adjust) adjust(got);
          const vknorm_support::ErrorStats st = vknorm_support::compare(got, ref, tol);
          CHECK_MESSAGE((got.size() == ref.size() && st.pass),
                        c.spec.label() << " output " << name << ": " << st.summary());
        }
      });
}

// A context of its own (pipeline counts start at 0) on the shared host device.
vknorm::Context* fresh_context(HostDevice& dev) {
  const vknorm::ContextCreateInfo ci = same_device_context_info(dev);
  vknorm::Context* ctx = nullptr;
  const Error e = vknorm::create_context(ci, &ctx);
  REQUIRE_MESSAGE(e.ok(), e.message);
  return ctx;
}

}  // namespace

TEST_SUITE("concurrency") {
  TEST_CASE("threads share one context: prepare, query and record at once") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::Context* ctx = fresh_context(dev);
    const std::vector<CaseSpec> mix = case_mix();

    std::vector<std::unique_ptr<Call>> all;
    std::vector<std::vector<Call*>> per_thread(kThreads);
    for (int t = 0; t < kThreads; ++t)
      for (int k = 0; k < kCasesPerThread; ++k) {
        auto c = std::make_unique<Call>();
        c->spec = mix[(t * 2 + k) % mix.size()];
        c->spec.seed += static_cast<uint64_t>(t);  // own data per thread
        if (!setup(dev, ctx, c.get())) continue;
        per_thread[t].push_back(c.get());
        all.push_back(std::move(c));
      }
    REQUIRE(vknorm::pipeline_count(ctx) == 0);  // scratch_size creates nothing

    std::atomic<int> ready{0};
    std::vector<ThreadLog> logs(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back(worker, std::ref(dev), ctx, std::cref(per_thread[t]), &ready, &logs[t]);
    for (std::thread& th : threads) th.join();
    for (const ThreadLog& l : logs)
      for (const std::string& e : l.errors) FAIL_CHECK(e);

    // Every pipeline exactly once: a second context prepared on one thread holds the same
    // number, and preparing everything again on the shared one creates nothing.
    const size_t shared_count = vknorm::pipeline_count(ctx);
    vknorm::Context* serial = fresh_context(dev);
    for (const auto& c : all) CHECK(c->op->prepare(serial).ok());
    for (const auto& c : all) CHECK(c->op->prepare(ctx).ok());
    CHECK(shared_count > 0);
    CHECK(shared_count == vknorm::pipeline_count(serial));
    CHECK(vknorm::pipeline_count(ctx) == shared_count);
    vknorm::destroy_context(serial);

    // The recorded command buffers, submitted together, compute what the fp64 reference says.
    std::vector<VkCommandBuffer> cmds;
    for (const ThreadLog& l : logs)
      if (l.cmd) cmds.push_back(l.cmd);
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence = VK_NULL_HANDLE;
    REQUIRE(vkCreateFence(dev.device(), &fci, nullptr, &fence) == VK_SUCCESS);
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = static_cast<uint32_t>(cmds.size());
    si.pCommandBuffers = cmds.data();
    CHECK(vkQueueSubmit(dev.queue(), 1, &si, fence) == VK_SUCCESS);
    CHECK(vkWaitForFences(dev.device(), 1, &fence, VK_TRUE, 120ull * 1000000000ull) == VK_SUCCESS);
    vkDestroyFence(dev.device(), fence, nullptr);
    for (auto& c : all) check_call(dev, *c);
    CHECK(all.size() >= kThreads * kCasesPerThread - 4);  // only dtypes the device lacks are left out

    for (ThreadLog& l : logs)
      if (l.pool) vkDestroyCommandPool(dev.device(), l.pool, nullptr);
    for (auto& c : all)
      for (auto& b : c->bufs) dev.destroy_buffer(b);
    vknorm::destroy_context(ctx);
  }
}

}  // namespace vknorm_test
