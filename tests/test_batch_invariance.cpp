// Batch invariance (ContextCreateInfo::batch_invariant, vknorm.h): a row's output bits do not
// depend on the batch size, for every operator the header lists, at row lengths of the
// register path and of the split / streamed path, in every dtype.
#include "test_common.h"

#include "support/batch_invariance.h"

#include <memory>

using namespace vknorm_test;

namespace {
// Rows longer than 1024 elements stop at 1M values per run here (lavapipe executes them on
// CI's two cores); vknorm-check --batch-invariance, run on the GPUs, takes 4M.
constexpr int64_t kSuiteBatchValues = int64_t{1} << 20;
}  // namespace

TEST_SUITE("batch_invariance") {
  TEST_CASE("batch_invariant: every listed operator, batches 1 / 7 / 333 / 5000 (long rows: up to 1M values), bit for bit") {
    vknorm_support::HostOptions o;
    o.batch_invariant = true;
    std::string error;
    std::unique_ptr<HostDevice> dev = HostDevice::create(o, &error);
    REQUIRE_MESSAGE(dev, error);
    int64_t compared = 0;
    for (const vknorm_support::InvarianceCase& c : vknorm_support::batch_invariance_cases(kSuiteBatchValues)) {
      CAPTURE(c.label());
      ValidationScope vs(*dev);
      const vknorm_support::InvarianceResult r = vknorm_support::check_batch_invariance(*dev, c.spec, c.batches);
      CHECK_MESSAGE(r.pass, c.label() << ": " << r.failure);
      compared += r.values_compared;
    }
    MESSAGE(compared << " output values compared bitwise");
  }

  TEST_CASE("the check sees a difference: a config that changes with the batch is caught") {
    // The harness must be able to fail: a caller config that differs between the batch sizes
    // (split rows for the small batches only) changes the row's reduction order.
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig split;
    split.split = 4;
    CaseSpec s = ln(DType::f32, {0, 4000});
    s.seed = 77;
    vknorm_support::CaseRunOptions o;
    o.keep_values = true;
    s.shape[0] = 3;
    s.config = &split;
    const CaseResult small = vknorm_support::run_case(dev, s, o);
    s.shape[0] = 40;
    s.config = nullptr;
    const CaseResult large = vknorm_support::run_case(dev, s, o);
    REQUIRE(small.pass);
    REQUIRE(large.pass);
    REQUIRE(small.outputs[0].name == large.outputs[0].name);
    bool differs = false;
    for (size_t i = 0; i < small.outputs[0].got.size(); ++i) differs |= small.outputs[0].got[i] != large.outputs[0].got[i];
    CHECK(differs);
  }
}
