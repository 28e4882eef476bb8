// Device-limit profiles (vknorm::DeviceLimits): a context planned within smaller limits than the
// device's reports them, selects within them, refuses a config beyond them before recording,
// and every operator still computes the right values where the limits force more dispatches,
// narrower bindings and coarser offset alignment than lavapipe's own.
#include "test_common.h"

#include <cstring>
#include <memory>

using namespace vknorm_test;

namespace {

std::unique_ptr<HostDevice> limited_host(const vknorm::DeviceLimits& limits, std::string* error) {
  vknorm_support::HostOptions o;
  o.limits = &limits;
  return HostDevice::create(o, error);
}

vknorm::DeviceLimits named(const char* name) {
  vknorm::DeviceLimits l;
  REQUIRE(vknorm::device_limits_profile(name, &l).ok());
  return l;
}

}  // namespace

TEST_SUITE("limits") {
  TEST_CASE("named profiles: the issue's mobile limits, a second profile, unknown names refused") {
    size_t n = 0;
    const char* const* names = vknorm::device_limits_profile_names(&n);
    REQUIRE(n == 2);
    CHECK(std::string(names[0]) == "mobile");
    CHECK(std::string(names[1]) == "integrated");
    const vknorm::DeviceLimits m = named("mobile");
    CHECK(m.max_workgroup_invocations == 128);
    CHECK(m.max_workgroup_count == 65535);
    CHECK(m.max_shared_memory_bytes == 16384);
    CHECK(m.max_storage_buffer_range == (uint64_t(128) << 20));
    CHECK(m.min_storage_buffer_offset_alignment == 256);
    CHECK(m.no_subgroup_arithmetic);
    vknorm::DeviceLimits l;
    const vknorm::Error e = vknorm::device_limits_profile("adreno-9000", &l);
    CHECK(e.status == vknorm::Status::invalid_argument);
    CHECK(e.message.find("mobile") != std::string::npos);  // lists the names it knows
    CHECK(vknorm::device_limits_profile(nullptr, &l).status == vknorm::Status::invalid_argument);
    CHECK(vknorm::device_limits_profile("mobile", nullptr).status == vknorm::Status::invalid_argument);
  }

  TEST_CASE("a limited context reports the limits in force, the stricter of device and profile") {
    const vknorm::DeviceInfo& full = vknorm::device_info(host().context());
    std::string error;
    const vknorm::DeviceLimits m = named("mobile");
    auto dev = limited_host(m, &error);
    REQUIRE_MESSAGE(dev, error);
    const vknorm::DeviceInfo& i = vknorm::device_info(dev->context());
    CHECK(i.limits_lowered);
    CHECK_FALSE(full.limits_lowered);
    CHECK(i.max_workgroup_invocations == std::min(128u, full.max_workgroup_invocations));
    CHECK(i.max_shared_memory_bytes == std::min(16384u, full.max_shared_memory_bytes));
    CHECK(i.max_storage_buffer_range == std::min<uint64_t>(m.max_storage_buffer_range, full.max_storage_buffer_range));
    CHECK(i.min_storage_buffer_offset_alignment == std::max(256u, full.min_storage_buffer_offset_alignment));
    CHECK_FALSE(i.subgroup_arithmetic);
    CHECK(i.shared_memory_reduction);
    // A limit above the device's keeps the device's (a profile runs anywhere).
    vknorm::DeviceLimits above;
    above.max_workgroup_invocations = full.max_workgroup_invocations * 4;
    auto same = limited_host(above, &error);
    REQUIRE_MESSAGE(same, error);
    CHECK(vknorm::device_info(same->context()).max_workgroup_invocations == full.max_workgroup_invocations);
    CHECK_FALSE(vknorm::device_info(same->context()).limits_lowered);
    vknorm::DeviceLimits odd;
    odd.min_storage_buffer_offset_alignment = 96;
    CHECK_FALSE(limited_host(odd, &error));
    CHECK(error.find("power of two") != std::string::npos);
  }

  TEST_CASE("a config beyond the profile is refused before anything is recorded") {
    std::string error;
    auto dev = limited_host(named("mobile"), &error);
    REQUIRE_MESSAGE(dev, error);
    ValidationScope vs(*dev);
    vknorm::KernelConfig c;
    c.workgroup_size = 256;  // lavapipe allows it, the mobile profile does not
    for (const char* op : {"rms_norm", "layer_norm", "batch_norm", "group_norm", "frobenius_norm"}) {
      CAPTURE(op);
      CaseSpec s;
      s.op = op_case(op);
      s.shape = {2, 6, 50};
      s.config = &c;
      const CaseResult r = vknorm_support::run_case(*dev, s);
      CHECK_FALSE(r.ran);
      CHECK(r.error.status != vknorm::Status::ok);
      CHECK_MESSAGE(r.error.message.find("128") != std::string::npos, r.error.message);
      CHECK(r.outputs_untouched);
    }
  }

  // Below the Vulkan minimums on purpose: 8 workgroups per dimension and 16 KiB bindings force
  // the grid splits (c_base, gx_base) and binding windows of every planner at shapes of a few
  // thousand elements, with 256-byte offset alignment and the shared-memory reduction.
  TEST_CASE("every operator within tiny limits: grid splits and binding windows at small shapes") {
    vknorm::DeviceLimits tiny;
    tiny.max_workgroup_count = 8;
    tiny.max_storage_buffer_range = 16 << 10;
    tiny.min_storage_buffer_offset_alignment = 256;
    tiny.max_workgroup_invocations = 128;
    tiny.no_subgroup_arithmetic = true;
    std::string error;
    auto dev = limited_host(tiny, &error);
    REQUIRE_MESSAGE(dev, error);
    int ran = 0, refused = 0;
    for (const vknorm_support::OpCase* op : vknorm_support::op_cases()) {
      for (const std::vector<int64_t>& shape :
           std::vector<std::vector<int64_t>>{{3, 20, 33}, {2, 9, 700}, {40, 1000}, {1, 3, 1500}}) {
        if (int64_t(shape.size()) < op->min_rank()) continue;
        // f32 and f16: the windows and grid splits depend on the element size (bf16's is f16's),
        // and each pipeline within these limits is compiled for this test alone (CI's time).
        for (DType dt : {DType::f32, DType::f16}) {
          CaseSpec s;
          s.op = op;
          s.dtype = dt;
          s.shape = shape;
          s.seed = 900 + shape.size() + shape.back();
          s.misalign_bytes = op->misalign_bytes(dt);
          CAPTURE(s.label());
          ValidationScope vs(*dev);  // per case: a message names its case
          const CaseResult r = vknorm_support::run_case(*dev, s);
          if (r.skipped) continue;
          if (r.ran) {
            ++ran;
            CHECK_MESSAGE(r.pass, s.label() << " [config " << vknorm::to_string(r.config) << "]: " << r.failure);
            continue;
          }
          // A row or channel larger than a binding may be refused, with a message, untouched.
          ++refused;
          CHECK_MESSAGE(r.error.status == vknorm::Status::unsupported, s.label() << ": " << r.error.message);
          CHECK(!r.error.message.empty());
          CHECK(r.outputs_untouched);
        }
      }
    }
    MESSAGE("tiny limits: " << ran << " cases ran, " << refused << " refused");
    CHECK(ran > 4 * refused);
  }

  // Forced configs under 8 workgroups per dimension: rows split over workgroups (split > 1),
  // several rows per workgroup, vector widths. The backward passes' row-sums pass takes one
  // grid row per row: its windows must hold at most maxComputeWorkGroupCount[1] rows (they
  // held that many blocks of rows_per_workgroup rows, an internal error).
  TEST_CASE("forced configs within 8 workgroups per dimension") {
    vknorm::DeviceLimits few;
    few.max_workgroup_count = 8;
    std::string error;
    auto dev = limited_host(few, &error);
    REQUIRE_MESSAGE(dev, error);
    struct Forced {
      const char* op;
      uint32_t wg, items, vec, split, rows;
    };
    for (const Forced f : {Forced{"layer_norm_backward", 64, 4, 4, 2, 4}, Forced{"rms_norm_backward", 64, 4, 4, 3, 2},
                           Forced{"layer_norm_backward", 128, 8, 1, 1, 3}, Forced{"layer_norm", 64, 4, 4, 2, 1},
                           Forced{"add_layer_norm", 64, 4, 4, 3, 1}, Forced{"rms_norm", 64, 4, 1, 2, 1}}) {
      vknorm::KernelConfig c;
      c.workgroup_size = f.wg;
      c.items_per_invocation = f.items;
      c.vector_width = f.vec;
      c.split = f.split;
      c.rows_per_workgroup = f.rows;
      for (DType dt : kAllDtypes) {
        CaseSpec s;
        s.op = op_case(f.op);
        s.dtype = dt;
        s.shape = {45, 600};
        s.seed = 77 + f.split;
        s.config = &c;
        CAPTURE(s.label());
        ValidationScope vs(*dev);
        check_case(*dev, s);
      }
    }
  }
}

// Virtual subgroups (ContextCreateInfo::virtual_subgroup_size): the CI matrix runs every
// operator on them (tools/check/ci_matrix.sh); here, what the context says and refuses.
TEST_SUITE("limits") {
  TEST_CASE("virtual 64- / 128-lane subgroups: reported, selected for, refused when invalid") {
    for (uint32_t lanes : {64u, 128u}) {
      vknorm_support::HostOptions o;
      o.virtual_subgroup_size = lanes;
      std::string error;
      auto dev = HostDevice::create(o, &error);
      if (!dev && error.find("VKNORM_VIRTUAL_SUBGROUPS") != std::string::npos) {
        MESSAGE("skipped: the library was built without -DVKNORM_VIRTUAL_SUBGROUPS=ON");
        return;
      }
      REQUIRE_MESSAGE(dev, error);
      ValidationScope vs(*dev);
      const vknorm::DeviceInfo& i = vknorm::device_info(dev->context());
      CHECK(i.virtual_subgroup_size == lanes);
      CHECK(i.subgroup_size == lanes);
      CHECK(i.subgroup_arithmetic);
      CHECK_FALSE(i.shared_memory_reduction);
      // Short rows share a workgroup in segments of at most one (virtual) subgroup, longer
      // ones span several: both reductions of segments.glsl, on LayerNorm.
      for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{33, 96}, {5, 3000}}) {
        const CaseResult r = check_case(*dev, ln(DType::f16, shape));
        CHECK(r.config.workgroup_size >= std::min<uint32_t>(lanes, i.max_workgroup_invocations));
      }
    }
    vknorm_support::HostOptions bad;
    bad.virtual_subgroup_size = 96;
    std::string error;
    CHECK_FALSE(HostDevice::create(bad, &error));
    CHECK(error.find("64 or 128") != std::string::npos);
  }
}
