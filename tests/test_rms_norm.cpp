// RMSNorm over channels against the fp64 reference, in f32, f16 and bf16.
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;

namespace {

void shape_grid(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 100;
  for (int64_t C : {1, 3, 64, 1000}) {
    for (int64_t S : {1, 7, 33, 257}) {
      const int64_t N = C * S >= 100000 ? 1 : 2;
      // weight on every other case, both with normal data
      check_case(dev, rms(dt, {N, C, S}, 1e-5, (C + S) % 2 == 0, DataKind::normal, ++seed));
    }
  }
}

}  // namespace

TEST_SUITE("rms_norm") {
  TEST_CASE("rms_norm f32 shapes C x S") { shape_grid(DType::f32); }
  TEST_CASE("rms_norm f16 shapes C x S") { shape_grid(DType::f16); }
  TEST_CASE("rms_norm bf16 shapes C x S") { shape_grid(DType::bf16); }

  TEST_CASE("rms_norm weight on / off, every dtype") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (bool affine : {false, true}) {
        check_case(dev, rms(dt, {3, 64, 33}, 1e-5, affine, DataKind::normal, 7));
        check_case(dev, rms(dt, {2, 3, 257}, 1e-5, affine, DataKind::uniform01, 8));
      }
    }
  }

  TEST_CASE("rms_norm eps 0, 1e-5, 10") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (double eps : {0.0, 1e-5, 10.0}) {
        check_case(dev, rms(dt, {2, 64, 33}, eps, true, DataKind::normal, 11));
        check_case(dev, rms(dt, {2, 1, 7}, eps, false, DataKind::normal, 12));  // C = 1: x/|x|
      }
  }

  TEST_CASE("rms_norm rank 2 and rank 5") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, rms(dt, {5, 64}, 1e-5, true, DataKind::normal, 21));
      check_case(dev, rms(dt, {1000, 3}, 1e-5, false, DataKind::normal, 22));
      check_case(dev, rms(dt, {2, 3, 4, 5, 6}, 1e-5, true, DataKind::normal, 23));
      check_case(dev, rms(dt, {2, 64, 3, 1, 11}, 1e-5, false, DataKind::normal, 24));
      check_case(dev, rms(dt, {1, 1, 1, 1, 1}, 1e-5, true, DataKind::normal, 25));
    }
  }

  TEST_CASE("rms_norm many batches, large C, vector-friendly S") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, rms(dt, {64, 16, 64}, 1e-5, true, DataKind::normal, 31));
      check_case(dev, rms(dt, {3, 4096, 16}, 1e-5, true, DataKind::normal, 32));
      check_case(dev, rms(dt, {2, 257, 1024}, 1e-5, true, DataKind::uniform01, 33));
    }
  }

  TEST_CASE("rms_norm NaN / Inf columns") {
    // vknorm.h: a column holding NaN gives NaN for the column; a column holding +-Inf (and no
    // NaN) gives 0 for its finite elements and NaN for the infinite ones. The fp64 reference
    // produces exactly that pattern; compare() requires NaN where it has NaN.
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (bool affine : {false, true}) {
        auto r = check_case(dev, rms(dt, {3, 16, 50}, 1e-5, affine, DataKind::nan_inf, 41), true);
        if (r.ran && !r.outputs.empty()) {
          // The case really has non-finite outputs (the data placement works).
          int64_t nans = 0;
          for (double v : r.outputs[0].ref) nans += std::isnan(v) ? 1 : 0;
          CHECK(nans > 0);
        }
        check_case(dev, rms(dt, {2, 5, 12, 3}, 0.0, affine, DataKind::nan_inf, 42));
      }
    }
  }

  TEST_CASE("rms_norm aligned-but-odd offsets") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto s = rms(dt, {2, 5, 36}, 1e-5, true, DataKind::normal, 51);
      s.misalign_bytes = vknorm::dtype_size(dt);  // one element: breaks vec4 alignment only
      check_case(dev, s);
      s.misalign_bytes = 3 * vknorm::dtype_size(dt);
      check_case(dev, s);
    }
  }

  TEST_CASE("rms_norm by device address") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (bool affine : {false, true}) {
      auto s = rms(DType::f32, {2, 64, 257}, 1e-5, affine, DataKind::normal, 61);
      s.by_address = true;
      check_case(dev, s);
      s.shape = {3, 7, 33};
      s.misalign_bytes = 4;
      check_case(dev, s);
    }
    auto s = rms(DType::f16, {2, 3, 100}, 1e-5, true, DataKind::normal, 62);
    s.by_address = true;
    check_case(dev, s);
  }
}
