// Shared fixtures for the doctest suite: one HostDevice per process (validation on), a guard
// that fails a test case when the validation layer printed anything, case helpers (specs,
// bit-equal outputs), test buffers and their views, and the check that a call is refused.
#pragma once

#include "support/host_device.h"
#include "support/op_case.h"
#include "support/op_registry.h"

#include <doctest/doctest.h>
#include <vknorm/vknorm.h>

#include <memory>
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
// A spec of the op case named `op` with that dtype and shape; the other fields keep CaseSpec's
// defaults.
CaseSpec op_spec(const std::string& op, DType dt, std::vector<int64_t> shape, bool affine = true,
                 DataKind data = DataKind::normal, uint64_t seed = 1);
// Specs of the row operators and their backward passes (thin wrappers: the op case does the rest).
CaseSpec rms(DType dt, std::vector<int64_t> shape, double eps = 1e-5, bool affine = true,
             DataKind data = DataKind::normal, uint64_t seed = 1);
CaseSpec ln(DType dt, std::vector<int64_t> shape, int nr = 1, double eps = 1e-5,
            bool affine = true, DataKind data = DataKind::normal, uint64_t seed = 1);
CaseSpec ln_bwd(DType dt, std::vector<int64_t> shape, int nr = 1, bool affine = true,
                DataKind data = DataKind::normal, uint64_t seed = 1);
CaseSpec rms_bwd(DType dt, std::vector<int64_t> shape, int nr = 1, bool affine = true,
                 DataKind data = DataKind::normal, uint64_t seed = 1);

// The outputs of two runs of one case: as many (REQUIRE) and each the same bits (CHECK).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b);
void check_same_outputs(const CaseResult& a, const CaseResult& b);
// The create info of a second context on the host's device, with the features the host enabled
// (a caller switches some off to see what a context without them refuses).
vknorm::ContextCreateInfo same_device_context_info(HostDevice& dev);
// A caller's config override of the row kernels' fields (the rest left to the selector).
vknorm::KernelConfig row_config(uint32_t wg, uint32_t items, uint32_t vec, uint32_t rows, uint32_t split = 1);

// base placed each other way the harness places tensors: in place (where the op allows it), by
// address, its offsets shifted by `misalign` bytes, and without optional outputs (where it has them).
std::vector<CaseSpec> placements(const CaseSpec& base, VkDeviceSize misalign = 4);

// The spec run out of place and in place (spec.in_place: the op case's in-place pair): both
// pass their checks and give the same bits.
void check_in_place_matches(HostDevice& dev, CaseSpec spec);

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

// Views of a TestBuffer: contiguous by buffer, or with any strides (by address where the
// device needs it).
vknorm::Tensor view(const TestBuffer& b, DType dt, std::vector<int64_t> shape, VkDeviceSize offset = 0);
vknorm::Tensor view_of(HostDevice& dev, const TestBuffer& b, DType dt, std::vector<int64_t> shape,
                       std::vector<int64_t> strides, VkDeviceSize offset = 0);
// A buffer holding `v` stored as dt (at least 16 bytes), and the first n values of dt read back.
std::unique_ptr<TestBuffer> upload(HostDevice& dev, const std::vector<double>& v, DType dt);
std::vector<double> download(HostDevice& dev, const TestBuffer& b, size_t n, DType dt);

// The entry points besides record (always submitted) that a refusal check asks.
enum class RefusedBy {
  every_entry_point,   // select_config, scratch_size, prepare and describe_dispatches
  select_and_prepare,  // select_config and prepare
  prepare_only,        // what only a planned call sees (missing scratch): prepare
};

// A call refused with `want` and a message before anything is written: record is submitted
// (`outputs` must still hold the poison), then the entry points of `by` must refuse it too,
// through the overloaded verbs of vknorm.h.
template <class Args>
void expect_args_refused(HostDevice& dev, vknorm::Status want, const std::string& what, const Args& a,
                         std::initializer_list<TestBuffer*> outputs, RefusedBy by = RefusedBy::every_entry_point) {
  CAPTURE(what);
  vknorm::Context* ctx = dev.context();
  vknorm::Error err;
  CHECK(dev.run([&](VkCommandBuffer cmd) { err = vknorm::record(ctx, cmd, a); }) == VK_SUCCESS);
  CHECK_MESSAGE(err.status == want, what << ": got " << vknorm::status_name(err.status) << " (" << err.message
                                         << "), want " << vknorm::status_name(want));
  CHECK_MESSAGE(!err.message.empty(), what << ": empty message");
  for (TestBuffer* b : outputs) CHECK_MESSAGE(b->poisoned(), what << ": an output was written");
  const bool every = by == RefusedBy::every_entry_point;
  vknorm::KernelConfig cfg;
  VkDeviceSize bytes = 0;
  std::vector<vknorm::DispatchInfo> di;
  if (by != RefusedBy::prepare_only)
    CHECK_MESSAGE(vknorm::select_config(ctx, a, &cfg).status == want, what << ": select_config");
  if (every) CHECK_MESSAGE(vknorm::scratch_size(ctx, a, &bytes).status == want, what << ": scratch_size");
  CHECK_MESSAGE(vknorm::prepare(ctx, a).status == want, what << ": prepare");
  if (every) CHECK_MESSAGE(vknorm::describe_dispatches(ctx, a, &di).status == want, what << ": describe_dispatches");
}

}  // namespace vknorm_test
