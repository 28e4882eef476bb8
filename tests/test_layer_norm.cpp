// LayerNorm forward against the fp64 reference (y, mean, rstd), in f32, f16 and bf16.
#include "test_common.h"

#include <cmath>

using namespace vknorm_test;

namespace {

void row_lengths(DType dt) {
  HostDevice& dev = host();
  ValidationScope vs(dev);
  uint64_t seed = 200;
  // D = 1, odd sizes, longer than a workgroup (1024 invocations x items), 65535.
  check_case(dev, ln(dt, {17, 1}, 1, 1e-5, true, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {40, 33}, 1, 1e-5, true, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {9, 1025}, 1, 1e-5, true, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {3, 4099}, 1, 1e-5, false, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {2, 20000}, 1, 1e-5, true, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {3, 65535}, 1, 1e-5, true, DataKind::normal, ++seed));
  check_case(dev, ln(dt, {64, 256}, 1, 1e-5, true, DataKind::uniform01, ++seed));
}

}  // namespace

TEST_SUITE("layer_norm") {
  TEST_CASE("layer_norm f32 row lengths") { row_lengths(DType::f32); }
  TEST_CASE("layer_norm f16 row lengths") { row_lengths(DType::f16); }
  TEST_CASE("layer_norm bf16 row lengths") { row_lengths(DType::bf16); }

  TEST_CASE("layer_norm many short rows") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, ln(dt, {3000, 33}, 1, 1e-5, true, DataKind::normal, 301));
      check_case(dev, ln(dt, {5000, 4}, 1, 1e-5, false, DataKind::normal, 302));
      check_case(dev, ln(dt, {70000, 1}, 1, 1e-5, false, DataKind::normal, 303));
    }
  }

  TEST_CASE("layer_norm few long rows (split across workgroups)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto r = check_case(dev, ln(dt, {2, 300000}, 1, 1e-5, true, DataKind::normal, 311));
      MESSAGE("[2,300000] " << std::string(vknorm::dtype_name(dt)) << " config " << vknorm::to_string(r.config));
      check_case(dev, ln(dt, {1, 131071}, 1, 1e-5, false, DataKind::normal, 312));
    }
    check_case(dev, ln(DType::f32, {1, 300001}, 1, 0.0, true, DataKind::uniform01, 313));
  }

  TEST_CASE("layer_norm split rows: several rows per apply workgroup (the affine chunk kept in registers)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (uint32_t rpw : {1u, 2u, 3u, 7u}) {  // 7 rows: a partial last block for 2 and 3
        vknorm::KernelConfig c;
        c.split = 5;
        c.rows_per_workgroup = rpw;
        CaseSpec s = ln(dt, {7, 20000}, 1, 1e-5, rpw != 3, DataKind::large_mean, 320 + rpw);
        s.config = &c;
        CaseResult r = check_case(dev, s);
        CHECK(r.config.rows_per_workgroup == rpw);
        if (dt == DType::f32 && rpw == 3) {  // scalar accesses too (an odd row)
          CaseSpec t = ln(dt, {7, 20001}, 1, 1e-5, true, DataKind::normal, 330);
          t.config = &c;
          check_case(dev, t);
        }
      }
  }

  TEST_CASE("layer_norm normalized_rank 1, 2, 3") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      check_case(dev, ln(dt, {6, 8, 129}, 2, 1e-5, true, DataKind::normal, 321));
      check_case(dev, ln(dt, {4, 3, 17, 19}, 3, 1e-5, true, DataKind::normal, 322));
      check_case(dev, ln(dt, {33, 65}, 2, 1e-5, true, DataKind::normal, 323));  // one row
      check_case(dev, ln(dt, {2, 3, 4, 5, 6}, 1, 1e-5, false, DataKind::normal, 324));
      check_case(dev, ln(dt, {2, 3, 64, 64}, 3, 1e-5, false, DataKind::normal, 325));
    }
  }

  TEST_CASE("layer_norm weight / bias / stats on and off") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      for (bool affine : {false, true}) {
        for (bool stats : {false, true}) {
          auto s = ln(dt, {12, 1000}, 1, 1e-5, affine, DataKind::normal, 331);
          s.optional_outputs = stats;
          check_case(dev, s);
          s.shape = {2, 70001};
          check_case(dev, s);
        }
      }
    }
  }

  TEST_CASE("layer_norm eps 0, 1e-5, 10") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes)
      for (double eps : {0.0, 1e-5, 10.0}) {
        check_case(dev, ln(dt, {10, 333}, 1, eps, true, DataKind::normal, 341));
        check_case(dev, ln(dt, {2, 40000}, 1, eps, true, DataKind::normal, 342));
      }
    // D = 1: x - mean is exactly 0, so y = bias (eps > 0).
    for (DType dt : kAllDtypes) check_case(dev, ln(dt, {5, 1}, 1, 10.0, true, DataKind::normal, 343));
  }

  TEST_CASE("layer_norm large mean, small spread (f32)") {
    // 1e4 + U[-1e-2, 1e-2]: E[x^2] - E[x]^2 loses all digits; two-pass / Chan must not.
    HostDevice& dev = host();
    ValidationScope vs(dev);
    check_case(dev, ln(DType::f32, {16, 1024}, 1, 1e-5, true, DataKind::large_mean, 351));
    check_case(dev, ln(DType::f32, {64, 33}, 1, 0.0, false, DataKind::large_mean, 352));
    check_case(dev, ln(DType::f32, {4, 20000}, 1, 1e-5, true, DataKind::large_mean, 353));
    check_case(dev, ln(DType::f32, {2, 300000}, 1, 1e-5, true, DataKind::large_mean, 354));
  }

  TEST_CASE("layer_norm NaN / Inf rows") {
    // vknorm.h: rows holding NaN or Inf give NaN for the whole row (the fp64 reference gives
    // the same; mean / rstd of such rows are not specified and not compared).
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      auto r = check_case(dev, ln(dt, {12, 100}, 1, 1e-5, true, DataKind::nan_inf, 361), true);
      if (r.ran && !r.outputs.empty()) {
        int64_t nans = 0;
        for (double v : r.outputs[0].ref) nans += std::isnan(v) ? 1 : 0;
        CHECK(nans == 4 * 2 * 100);  // rows 1,2,3,4 and 7,8,9,10 of 12
      }
      check_case(dev, ln(dt, {6, 5000}, 1, 0.0, false, DataKind::nan_inf, 362));
      check_case(dev, ln(dt, {6, 100000}, 1, 1e-5, true, DataKind::nan_inf, 363));
    }
  }

  TEST_CASE("layer_norm aligned-but-odd offsets") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (DType dt : kAllDtypes) {
      // mean / rstd are f32 and get the same extra offset: keep it a multiple of 4 bytes
      // (4 bytes still breaks every vec4 alignment: 16 bytes for f32, 8 for 16-bit types).
      auto s = ln(dt, {7, 128}, 1, 1e-5, true, DataKind::normal, 371);
      s.misalign_bytes = 4;
      check_case(dev, s);
      s.shape = {2, 50000};
      s.misalign_bytes = 12;
      check_case(dev, s);
      s.optional_outputs = false;  // without f32 outputs the 16-bit tensors may sit at 2 bytes
      s.misalign_bytes = vknorm::dtype_size(dt);
      check_case(dev, s);
      s.shape = {7, 128};
      check_case(dev, s);
    }
  }

  TEST_CASE("layer_norm 16-bit rows with 32 items per lane (the H200's f16 rows)") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Cfg {
      uint32_t wg, rows;
      int64_t D;
    };
    for (Cfg f : {Cfg{256, 1, 8192}, Cfg{256, 8, 768}, Cfg{256, 2, 4096}})
      for (DType dt : {DType::f16, DType::bf16}) {
        vknorm::KernelConfig c;
        c.workgroup_size = f.wg;
        c.rows_per_workgroup = f.rows;
        c.items_per_invocation = 32;
        c.vector_width = 4;
        c.split = 1;
        CaseSpec s = ln(dt, {9, f.D}, 1, 1e-5, true, DataKind::large_mean, 395);
        s.config = &c;
        check_case(dev, s);
      }
  }

  TEST_CASE("layer_norm: a caller's workgroup too small for the row splits it") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    vknorm::KernelConfig c;  // 128 x 8 holds 1024 elements: rows of 1025 and 5000 are split
    c.workgroup_size = 128;
    c.items_per_invocation = 8;
    for (int64_t D : {1025, 5000}) {
      CaseSpec s = ln(DType::f32, {3, D}, 1, 1e-5, true, DataKind::normal, 390);
      s.config = &c;
      const CaseResult r = check_case(dev, s);
      CHECK_MESSAGE(r.config.split > 1, vknorm::to_string(r.config));
    }
  }

  TEST_CASE("layer_norm by device address") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    for (bool affine : {false, true}) {
      auto s = ln(DType::f32, {9, 1025}, 1, 1e-5, affine, DataKind::normal, 381);
      s.by_address = true;
      check_case(dev, s);
      s.shape = {2, 300000};  // split path: the scratch is passed by address too
      check_case(dev, s);
    }
  }
}
