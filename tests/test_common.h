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

}  // namespace vknorm_test
