// Shared fixtures for the doctest suite: one HostDevice per process (validation on), a guard
// that fails a test case when the validation layer printed anything, and case helpers.
#pragma once

#include "support/host_device.h"
#include "support/op_case.h"
#include "support/op_registry.h"

#include <doctest/doctest.h>
#include <vknorm/vknorm.h>

#include <string>
#include <vector>

namespace vknorm_test {

using vknorm::DType;
using vknorm_support::CaseResult;
using vknorm_support::CaseSpec;
using vknorm_support::DataKind;
using vknorm_support::HostDevice;

// The process-wide device (created on first use; REQUIREs success).
HostDevice& host();
// A second device whose context forces the shared-memory reduction path.
HostDevice& shared_reduction_host();
// A device with the validation layer's synchronization validation on (tests/test_sync.cpp).
HostDevice& sync_host();

// Clears the validation messages on entry; on exit CHECKs that none arrived and prints them.
class ValidationScope {
 public:
  explicit ValidationScope(HostDevice& d);
  ~ValidationScope();
  ValidationScope(const ValidationScope&) = delete;
  ValidationScope& operator=(const ValidationScope&) = delete;

 private:
  HostDevice& dev_;
};

constexpr DType kAllDtypes[] = {DType::f32, DType::f16, DType::bf16};

// Runs the case and CHECKs that it passed (or was skipped, with a MESSAGE). Returns the result.
CaseResult check_case(HostDevice& dev, const CaseSpec& spec, bool keep_values = false);

// The registered op case of that name (REQUIREs it exists).
const vknorm_support::OpCase* op_case(const std::string& name);
// Specs of the three operators (thin wrappers: the op case does the rest).
CaseSpec rms(DType dt, std::vector<int64_t> shape, double eps = 1e-5, bool affine = true,
             DataKind data = DataKind::normal, uint64_t seed = 1);
CaseSpec ln(DType dt, std::vector<int64_t> shape, int nr = 1, double eps = 1e-5,
            bool affine = true, DataKind data = DataKind::normal, uint64_t seed = 1);
CaseSpec ln_bwd(DType dt, std::vector<int64_t> shape, int nr = 1, bool affine = true,
                DataKind data = DataKind::normal, uint64_t seed = 1);

// Small device buffers for hand-built argument tests: poisoned on creation.
struct TestBuffer {
  vknorm_support::Buffer buf;
  HostDevice* dev = nullptr;
  TestBuffer(HostDevice& d, VkDeviceSize bytes);
  ~TestBuffer();
  TestBuffer(const TestBuffer&) = delete;
  TestBuffer& operator=(const TestBuffer&) = delete;
  bool poisoned() const;  // every byte still holds the poison pattern
  void poison();
};
constexpr uint32_t kPoisonWord = 0xFFFF7FBFu;

// A call that every entry point refuses with `want` (and a message) before anything is written:
// record (submitted: `outputs` must still hold the poison), select_config, scratch_size,
// prepare and describe_dispatches. `record`, `scratch_size` and `prepare` are the op's
// functions (e.g. vknorm::record_batch_norm).
template <class Args, class Record, class ScratchSize, class Prepare>
void expect_refused(HostDevice& dev, vknorm::Status want, const std::string& what, const Args& a,
                    std::initializer_list<TestBuffer*> outputs, Record record, ScratchSize scratch_size,
                    Prepare prepare) {
  CAPTURE(what);
  vknorm::Context* ctx = dev.context();
  vknorm::Error err;
  CHECK(dev.run([&](VkCommandBuffer cmd) { err = record(ctx, cmd, a); }) == VK_SUCCESS);
  CHECK_MESSAGE(err.status == want, what << ": got " << vknorm::status_name(err.status) << " (" << err.message << ")");
  CHECK_MESSAGE(!err.message.empty(), what << ": empty message");
  for (TestBuffer* b : outputs) CHECK_MESSAGE(b->poisoned(), what << ": an output was written");
  vknorm::KernelConfig cfg;
  VkDeviceSize bytes = 0;
  std::vector<vknorm::DispatchInfo> di;
  CHECK_MESSAGE(vknorm::select_config(ctx, a, &cfg).status == want, what << ": select_config");
  CHECK_MESSAGE(scratch_size(ctx, a, &bytes).status == want, what << ": scratch_size");
  CHECK_MESSAGE(prepare(ctx, a).status == want, what << ": prepare");
  CHECK_MESSAGE(vknorm::describe_dispatches(ctx, a, &di).status == want, what << ": describe_dispatches");
}

}  // namespace vknorm_test
