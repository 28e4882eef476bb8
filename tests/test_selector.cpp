// The selector against recorded device profiles: devices we cannot run on here (the H200 of
// ../shared/notes/vulkaninfo-h200.txt, an RTX 4090 derived from its published figures, an
// AMD-like device with 64-lane subgroups) and lavapipe. Every choice must respect the
// device's limits and the problem's alignment, and the tables must be the ones documented.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "quirks.h"
#include "selector.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace vknorm;
using namespace vknorm::detail;

namespace {

DeviceProfile h200() {  // values read from vulkaninfo-h200.txt (driver 580.159.04)
  DeviceProfile p;
  p.name = "NVIDIA H200";
  p.vendor_id = 0x10de;
  p.device_id = 0x2335;
  p.driver_id = VK_DRIVER_ID_NVIDIA_PROPRIETARY;
  p.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  p.subgroup_size = p.min_subgroup_size = p.max_subgroup_size = 32;
  p.subgroup_arithmetic = true;
  p.max_workgroup_invocations = 1024;
  p.max_workgroup_size_x = 1024;
  p.max_workgroup_count[0] = 2147483647;
  p.max_shared_memory_bytes = 49152;
  p.max_storage_buffer_range = 4294967295u;
  p.min_storage_buffer_offset_alignment = 16;
  p.max_push_constants_size = 256;
  p.max_push_descriptors = 32;
  p.multiprocessor_count = 132;
  p.supported = {true, true, true, true, true};
  return p;
}

DeviceProfile rtx4090() {  // from the seed prompts' figures: 128 SMs, 48 warps/SM, 100 KB smem/SM
  DeviceProfile p = h200();
  p.name = "NVIDIA GeForce RTX 4090";
  p.device_id = 0x2684;
  p.multiprocessor_count = 128;
  return p;
}

DeviceProfile lavapipe() {  // Mesa 22.3 lavapipe at LP_NATIVE_VECTOR_WIDTH=256
  DeviceProfile p;
  p.name = "llvmpipe (LLVM 15.0.6, 256 bits)";
  p.vendor_id = 0x10005;
  p.driver_id = VK_DRIVER_ID_MESA_LLVMPIPE;
  p.type = VK_PHYSICAL_DEVICE_TYPE_CPU;
  p.subgroup_size = p.min_subgroup_size = p.max_subgroup_size = 8;
  p.subgroup_arithmetic = true;
  p.max_workgroup_invocations = 1024;
  p.max_workgroup_size_x = 1024;
  p.max_shared_memory_bytes = 32768;
  p.max_storage_buffer_range = 134217728;
  p.min_storage_buffer_offset_alignment = 16;
  p.max_push_constants_size = 128;
  p.supported = {true, true, true, true, false};
  return p;
}

DeviceProfile amd_like() {  // wave32/64, 64 KB LDS, 256-invocation limit on old drivers
  DeviceProfile p;
  p.name = "AMD Radeon (generic)";
  p.vendor_id = 0x1002;
  p.subgroup_size = 64;
  p.min_subgroup_size = 32;
  p.max_subgroup_size = 64;
  p.subgroup_arithmetic = true;
  p.max_workgroup_invocations = 256;
  p.max_workgroup_size_x = 256;
  p.max_shared_memory_bytes = 16384;
  p.max_storage_buffer_range = 0xFFFFFFFFu;
  p.min_storage_buffer_offset_alignment = 4;
  p.max_push_constants_size = 128;
  return p;
}

Problem rms(uint64_t N, uint64_t C, uint64_t S, bool vec4 = true) {
  return Problem{Op::rms_norm, DType::f32, N, C, S, vec4};
}
Problem ln(Op op, uint64_t rows, uint64_t D, bool vec4 = true) {
  return Problem{op, DType::f32, rows, D, 1, vec4};
}

std::vector<Problem> problems() {
  std::vector<Problem> v;
  for (uint64_t C : {1, 3, 64, 1000, 5000})
    for (uint64_t S : {1, 7, 33, 257, 262144}) v.push_back(rms(4, C, S, S % 4 == 0));
  for (DType dt : {DType::f32, DType::f16})  // RMSNorm over contiguous rows: rms_norm_rows
    for (uint64_t rows : {1, 3, 4096, 262144})
      for (uint64_t D : {1, 7, 128, 768, 4096, 8192, 65535}) {
        const bool v4 = D % 4 == 0, v8 = dt != DType::f32 && D % 8 == 0;
        v.push_back(Problem{Op::rms_norm, dt, rows, D, 1, v4, v8, true});
        v.push_back(Problem{Op::layer_norm_forward, dt, rows, D, 1, v4, v8, false});
      }
  for (Op op : {Op::layer_norm_forward, Op::layer_norm_backward, Op::rms_norm_backward})
    for (uint64_t rows : {1, 16, 33, 65535})
      for (uint64_t D : {1, 33, 1025, 4096, 65535, 4194304}) v.push_back(ln(op, rows, D, D % 4 == 0));
  return v;
}

}  // namespace

TEST_SUITE("selector") {
  TEST_CASE("device classes") {
    DeviceProfile p = h200();
    CHECK(classify_device(p) == DeviceClass::hopper);
    CHECK(classify_device(rtx4090()) == DeviceClass::ada);
    CHECK(classify_device(lavapipe()) == DeviceClass::lavapipe);
    CHECK(classify_device(amd_like()) == DeviceClass::generic);
  }

  TEST_CASE("every choice respects the device's limits") {
    for (DeviceProfile p : {h200(), rtx4090(), lavapipe(), amd_like()}) {
      p.device_class = classify_device(p);
      for (const Problem& pr : problems()) {
        KernelConfig c;
        fill_config(p, pr, &c);
        INFO(p.name << " " << case_class(pr) << " -> " << to_string(c));
        CHECK(config_problem(p, pr, c) == "");
        CHECK(c.workgroup_size <= p.max_workgroup_invocations);
        CHECK(shared_bytes(pr.op, c.workgroup_size) <= p.max_shared_memory_bytes);
        CHECK((c.vector_width == 1 || pr.vec4_ok));
        CHECK((c.vector_width != 8 || pr.vec8_ok));
        CHECK(c.source == std::string("table:") + device_class_name(p.device_class));
      }
    }
  }

  TEST_CASE("KernelBench shapes on the H200 use the Hopper table") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    KernelConfig c;
    fill_config(p, rms(112, 64, 512 * 512), &c);
    CHECK(c.vector_width == 4);
    CHECK(c.items_per_invocation * c.channel_split >= 64);  // the column fits in registers
    KernelConfig l;
    fill_config(p, ln(Op::layer_norm_forward, 16, 64 * 256 * 256), &l);
    CHECK(l.split > 1);  // 16 rows cannot fill 132 SMs: rows are split
    CHECK(l.wave_bytes == class_table(DeviceClass::hopper).wave_bytes);
    KernelConfig s;
    fill_config(p, ln(Op::layer_norm_forward, 4096, 1024), &s);
    CHECK(s.split == 1);  // many short rows: one workgroup per row
  }

  TEST_CASE("RMSNorm over channels on the H200: the large cache only for one-lane fp32 columns") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    auto pick = [&](DType dt, uint64_t N, uint64_t C, uint64_t S) {
      Problem pr = rms(N, C, S, true);
      pr.dtype = dt;
      KernelConfig c;
      fill_config(p, pr, &c);
      INFO(case_class(pr) << " -> " << to_string(c));
      CHECK(config_problem(p, pr, c) == "");
      CHECK(uint64_t(c.items_per_invocation) * c.channel_split >= C);  // cached, not read twice
      return c;
    };
    CHECK(pick(DType::f32, 112, 64, 512 * 512).items_per_invocation == 64);  // #36: one lane
    for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
      CHECK(pick(dt, 32, 256, 128 * 128).items_per_invocation == 16);
      CHECK(pick(dt, 64, 1024, 32 * 32).items_per_invocation == 16);
    }
    for (DType dt : {DType::f16, DType::bf16}) CHECK(pick(dt, 112, 64, 512 * 512).items_per_invocation == 16);
    CHECK(pick(DType::f32, 4, 5000, 33).items_per_invocation == 64);  // too long for the small cache
  }

  TEST_CASE("LayerNorm f16 rows on the H200: twice the items per lane") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    auto pick = [&](DType dt, uint64_t R, uint64_t D) {
      Problem pr{Op::layer_norm_forward, dt, R, D, 1, true, true};
      KernelConfig c;
      fill_config(p, pr, &c);
      INFO(case_class(pr) << " -> " << to_string(c));
      CHECK(config_problem(p, pr, c) == "");
      CHECK(c.split == 1);
      CHECK(uint64_t(c.workgroup_size / c.rows_per_workgroup) * c.items_per_invocation >= D);
      return c;
    };
    KernelConfig a = pick(DType::f16, 32768, 8192);  // measured: 381 -> 293 us
    CHECK(a.workgroup_size == 256);
    CHECK(a.items_per_invocation == 32);
    CHECK(a.vector_width == 4);
    KernelConfig b = pick(DType::f16, 262144, 768);  // measured: 304 -> 253 us
    CHECK(b.rows_per_workgroup == 8);
    CHECK(b.items_per_invocation == 24);  // 32 lanes x 24: the 768 fill them (32 x 32 left 256 idle)
    CHECK(pick(DType::bf16, 262144, 768).items_per_invocation == 12);  // bf16 lost: the table's cap
    CHECK(pick(DType::f32, 32768, 8192).items_per_invocation == 16);
  }

  TEST_CASE("row kernels on the H200: hidden sizes that are not powers of two leave few lanes idle") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    for (Op op : {Op::layer_norm_forward, Op::rms_norm_last})
      for (DType dt : {DType::f32, DType::f16, DType::bf16})
        for (uint64_t D : {768, 896, 1152, 1280, 1536, 1600, 2304, 2560, 3072, 3584, 4544, 5120, 6144, 7168}) {
          const Problem pr{op, dt, 4096, D, 1, true, dt != DType::f32};
          KernelConfig c;
          fill_config(p, pr, &c);
          INFO(op_name(op) << " " << dtype_name(dt) << " D=" << D << " -> " << to_string(c));
          CHECK(config_problem(p, pr, c) == "");
          const uint64_t slots = uint64_t(c.workgroup_size / c.rows_per_workgroup) * c.items_per_invocation;
          CHECK(slots >= D);
          CHECK(double(slots - D) <= 0.3 * double(slots));  // pow2 items left up to 44% idle (4544)
          CHECK(c.items_per_invocation % c.vector_width == 0);
        }
  }

  TEST_CASE("row kernels on the H200: the rule of selector.cpp") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    auto row = [&](Op op, DType dt, uint64_t R, uint64_t D) {
      KernelConfig c;
      fill_config(p, Problem{op, dt, R, D, 1, D % 4 == 0, dt != DType::f32 && D % 8 == 0, op == Op::rms_norm}, &c);
      INFO(to_string(c));
      CHECK(c.case_class.find(op == Op::rms_norm ? "/rows/" : "/D2^") != std::string::npos);
      return c;
    };
    // LLM RMSNorm, f16 (32768, 8192): 16-byte accesses, 512 lanes x 16 halves, one row each;
    // bf16: 256 lanes x 32 (measured faster on the H200).
    KernelConfig c = row(Op::rms_norm_last, DType::bf16, 32768, 8192);
    CHECK(c.workgroup_size == 256);
    CHECK(c.items_per_invocation == 32);
    CHECK(row(Op::rms_norm_last, DType::bf16, 1, 8192).items_per_invocation == 16);  // decode: the lanes
    c = row(Op::rms_norm, DType::f16, 32768, 8192);
    CHECK(c.vector_width == 8);
    CHECK(c.channel_split == 0);
    CHECK(c.workgroup_size / c.rows_per_workgroup * c.items_per_invocation >= 8192);
    CHECK(c.items_per_invocation <= 64);
    // Decode (1, 4096): one workgroup holds the row.
    c = row(Op::rms_norm, DType::f16, 1, 4096);
    CHECK(c.rows_per_workgroup == 1);
    CHECK(c.workgroup_size * c.items_per_invocation >= 4096);
    // LayerNorm (262144, 768) f32: several rows per workgroup, no idle lane.
    c = row(Op::layer_norm_forward, DType::f32, 262144, 768);
    CHECK(c.split == 1);
    CHECK(c.vector_width == 4);
    CHECK(c.rows_per_workgroup >= 2);
    CHECK(c.workgroup_size >= 128);
    CHECK(c.workgroup_size / c.rows_per_workgroup * c.items_per_invocation >= 768);
    CHECK(c.workgroup_size / c.rows_per_workgroup * c.items_per_invocation < 2 * 768 + 64);
    // D = 128 with many rows: 8 lanes of 16 floats per row, 32 rows per workgroup.
    c = row(Op::layer_norm_forward, DType::f32, 262144, 128);
    CHECK(c.rows_per_workgroup == 32);
    // Few rows: smaller workgroups spread them over the SMs.
    c = row(Op::rms_norm, DType::f32, 64, 128);
    CHECK(c.workgroup_size <= 64);
    // The channel kernel keeps (N, C, S > 1).
    c = KernelConfig{};
    fill_config(p, rms(112, 64, 512 * 512), &c);
    CHECK(c.channel_split >= 1);
    CHECK(c.case_class.find("/rows/") == std::string::npos);
  }

  TEST_CASE("rms_norm_backward on the H200: one wave of row blocks, rows in registers") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    auto cfg = [&](DType dt, uint64_t R, uint64_t D) {
      KernelConfig c;
      fill_config(p, Problem{Op::rms_norm_backward, dt, R, D, 1, D % 4 == 0}, &c);
      INFO(to_string(c));
      CHECK(config_problem(p, Problem{Op::rms_norm_backward, dt, R, D, 1, D % 4 == 0}, c) == "");
      return c;
    };
    // The target shape (32768, 8192) f16: one pass (the row in one workgroup's registers), and
    // one wave of resident workgroups looping over rows: 132 SMs x 1 (64 registers x 1024
    // invocations fill the 64K register file).
    KernelConfig c = cfg(DType::f16, 32768, 8192);
    CHECK(c.split == 1);
    CHECK(c.vector_width == 4);
    CHECK(c.workgroup_size == 1024);
    CHECK(c.items_per_invocation == 8);
    const uint64_t blocks = (32768 + c.rows_per_workgroup - 1) / c.rows_per_workgroup;
    CHECK(blocks <= 132);
    CHECK(blocks >= 120);
    // bf16: twice the items in half the invocations, two per SM.
    c = cfg(DType::bf16, 32768, 8192);
    CHECK(c.workgroup_size == 512);
    CHECK(c.items_per_invocation == 16);
    CHECK(c.rows_per_workgroup == 125);
    // Rows up to 16K elements stay single-pass (16 items per invocation).
    c = cfg(DType::bf16, 4096, 16384);
    CHECK(c.split == 1);
    CHECK(c.items_per_invocation == 16);
    // Longer rows: split into row-sum workgroups.
    c = cfg(DType::f32, 16, 65536);
    CHECK(c.split > 1);
    // Short rows: smaller workgroups, every SM still busy, many rows per block.
    c = cfg(DType::f32, 262144, 768);
    CHECK(c.split == 1);
    CHECK(c.workgroup_size * c.items_per_invocation >= 768);
    CHECK(c.workgroup_size * c.items_per_invocation < 2 * 768);
    CHECK(c.rows_per_workgroup > 1);
    CHECK((262144 + c.rows_per_workgroup - 1) / c.rows_per_workgroup >= 132);
  }

  TEST_CASE("the Ada row is derived, and smaller than Hopper's register budget") {
    const ClassTable& ada = class_table(DeviceClass::ada);
    const ClassTable& hop = class_table(DeviceClass::hopper);
    CHECK(ada.default_sm_count == 128);
    CHECK(ada.register_floats < hop.register_floats);
    CHECK(ada.wave_bytes <= 72ull << 20);  // inside the 4090's L2
  }

  TEST_CASE("impossible configurations are refused with a reason") {
    DeviceProfile p = lavapipe();
    p.device_class = classify_device(p);
    Problem pr = ln(Op::layer_norm_forward, 4, 100000, true);
    KernelConfig c;
    fill_config(p, pr, &c);
    KernelConfig bad = c;
    bad.workgroup_size = 96;
    CHECK(config_problem(p, pr, bad) != "");
    bad = c;
    bad.split = 1;  // the row does not fit the registers of one workgroup
    CHECK(config_problem(p, pr, bad) != "");
    bad = c;
    bad.vector_width = 4;
    CHECK(config_problem(p, ln(Op::layer_norm_forward, 4, 1001, false), bad) != "");
    bad = c;
    bad.workgroup_size = 2048;
    CHECK(config_problem(p, pr, bad) != "");
  }

  TEST_CASE("case classes group similar shapes and separate different ones") {
    CHECK(case_class(rms(112, 64, 262144)) == case_class(rms(100, 64, 250000)));
    CHECK(case_class(rms(112, 64, 262144)) != case_class(rms(112, 128, 262144)));
    Problem rows = rms(4096, 4096, 1);
    rows.row_path = true;
    CHECK(case_class(rows) != case_class(rms(4096, 4096, 1)));  // row path vs channel path
    CHECK(case_class(ln(Op::layer_norm_forward, 16, 4194304)) !=
          case_class(ln(Op::layer_norm_backward, 16, 4194304)));
  }

  TEST_CASE("layer_norm_backward on the H200: one wave of resident workgroups over the rows") {
    DeviceProfile p = h200();
    p.device_class = classify_device(p);
    // (4096, 4096) bf16: 512-invocation workgroups, 132 SMs x 2 resident (the register file:
    // 64 x 512 x 2 = 64K), one chunk per row -> 264 blocks of 16 rows.
    Problem a{Op::layer_norm_backward, DType::bf16, 4096, 4096, 1, true};
    KernelConfig c;
    fill_config(p, a, &c);
    INFO(to_string(c));
    CHECK(c.split == 1);
    CHECK(c.workgroup_size == 512);
    CHECK(c.rows_per_workgroup == 16);
    // (32768, 8192) f16: a long 16-bit row: 512 invocations of 16 items, 2 per SM -> 264
    // blocks of 125 rows.
    Problem b{Op::layer_norm_backward, DType::f16, 32768, 8192, 1, true};
    KernelConfig d;
    fill_config(p, b, &d);
    INFO(to_string(d));
    CHECK(d.workgroup_size == 512);
    CHECK(d.items_per_invocation == 16);
    CHECK(d.rows_per_workgroup == 125);
    // Unknown threads per SM (lavapipe, generic): workgroups_per_sm x SMs as before.
    DeviceProfile l = lavapipe();
    l.device_class = classify_device(l);
    KernelConfig e;
    fill_config(l, a, &e);
    const ClassTable& t = class_table(DeviceClass::lavapipe);
    const uint64_t target = uint64_t(t.default_sm_count) * t.workgroups_per_sm;
    const uint64_t chunks = (4096 + uint64_t(e.workgroup_size) * e.items_per_invocation - 1) /
                            (uint64_t(e.workgroup_size) * e.items_per_invocation);
    const uint64_t blocks = std::max<uint64_t>(1, (target + chunks - 1) / chunks);
    CHECK(e.rows_per_workgroup == (4096 + blocks - 1) / blocks);
  }

  TEST_CASE("quirks: keyed by driver and Mesa version, applied to the profile and the checks") {
    CHECK(mesa_version("Mesa 22.3.6 (LLVM 15.0.6)") == 220306);
    CHECK(mesa_version("Mesa 25.0.7-2~bpo12+1 (LLVM 19.1.7)") == 250007);
    CHECK(mesa_version("580.159.04") == 0);
    CHECK(mesa_version("") == 0);

    // lavapipe of Mesa 22.3 at LP_NATIVE_VECTOR_WIDTH=1024: reports 32 lanes, runs 16.
    DeviceProfile wide = lavapipe();
    wide.driver_info = "Mesa 22.3.6 (LLVM 15.0.6)";
    wide.subgroup_size = wide.min_subgroup_size = wide.max_subgroup_size = 32;
    wide.device_class = classify_device(wide);
    apply_quirks(&wide);
    CHECK(has_quirk(wide, Quirk::lavapipe_subgroup_size_misreport));
    CHECK(has_quirk(wide, Quirk::lavapipe_long_row_loop));
    CHECK(wide.subgroup_size == 16);
    CHECK(wide.reported_subgroup_size == 32);
    CHECK(describe_quirks(wide).size() == 2);
    const Problem p = rms(112, 64, 262144);
    CHECK(case_class(wide, p) == case_class(p) + "/sg16");  // tuned at 512 (16 lanes): shared

    // The same driver at 256: it runs what it reports; only the row-loop quirk applies.
    DeviceProfile narrow = lavapipe();
    narrow.driver_info = "Mesa 22.3.6 (LLVM 15.0.6)";
    apply_quirks(&narrow);
    CHECK_FALSE(has_quirk(narrow, Quirk::lavapipe_subgroup_size_misreport));
    CHECK(has_quirk(narrow, Quirk::lavapipe_long_row_loop));
    CHECK(narrow.subgroup_size == 8);
    CHECK(max_rows_per_workgroup(narrow, 32, 1) == 1024);
    // Each row's iterations count: a 1024-invocation workgroup of 8-lane subgroups loops over
    // 128 subgroups per reduction (the (1846, 4544) RMSNorm backward that went wrong at 512).
    CHECK(max_rows_per_workgroup(narrow, 1024, 8) == 32768 / (8 + 128 + 8));

    // Outside the version range, another driver, or no version at all: no quirk.
    DeviceProfile later = wide;
    later.subgroup_size = later.min_subgroup_size = later.max_subgroup_size = 32;
    later.driver_info = "Mesa 25.1.0 (LLVM 19.1.7)";
    apply_quirks(&later);
    CHECK(later.quirks == 0);
    CHECK(later.subgroup_size == 32);
    DeviceProfile nv = h200();
    nv.driver_info = "580.159.04";
    apply_quirks(&nv);
    CHECK(nv.quirks == 0);
    CHECK(max_rows_per_workgroup(nv, 1024, 8) == 4096);

    // The backward's rows per workgroup: refused above 1024 with the quirk, allowed without.
    narrow.device_class = classify_device(narrow);
    nv.device_class = classify_device(nv);
    const Problem b{Op::layer_norm_backward, DType::f32, 1 << 20, 64, 1, true};
    KernelConfig c;
    fill_config(narrow, b, &c);
    CHECK(c.rows_per_workgroup <= 1024);
    c.rows_per_workgroup = 2048;
    CHECK(config_problem(narrow, b, c).find("lavapipe_long_row_loop") != std::string::npos);
    KernelConfig g;
    fill_config(nv, b, &g);
    g.rows_per_workgroup = 2048;
    CHECK(config_problem(nv, b, g).empty());
  }
}
