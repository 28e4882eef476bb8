// Selector helpers shared by the operators: the shape facts of a call (Problem), the per-device-
// class tables, the generic config checks and the row-kernel rule. The per-op rules live in
// src/ops/<op>.cpp (OpSpec::fill_config); the entry points below dispatch to them by Op id.
#pragma once

#include "device_profile.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>

namespace vknorm::detail {

// The shape facts a choice depends on.
struct Problem {
  Op op = Op::rms_norm;
  DType dtype = DType::f32;
  uint64_t outer = 0;   // rms: N (batches); layer norm: rows
  uint64_t reduce = 0;  // rms: C (channels); layer norm: D (row length)
  uint64_t inner = 1;   // rms: S (positions per batch); layer norm: 1
  bool vec4_ok = false; // every tensor allows 4-element accesses (alignment, strides, sizes)
  bool vec8_ok = false; // 16-bit data allowing 8-element (16-byte) accesses (row kernels only)
  bool row_path = false; // rms: the reduced dim is contiguous in x and y and S == 1 (rows of C)
};

// Per device class. Each row says where its numbers come from (see selector.cpp).
struct ClassTable {
  DeviceClass device_class;
  uint32_t workgroup_size;     // default invocations per workgroup
  uint32_t register_floats;    // fp32 values an invocation may keep cached in registers
  uint32_t ln_items;           // layer norm forward: elements per invocation
  uint32_t bwd_items;          // layer norm backward: elements per invocation
  uint32_t workgroups_per_sm;  // split paths aim for this many workgroups per SM / CU
  uint32_t default_sm_count;   // when the device does not report it
  uint64_t wave_bytes;         // split layer norm: x bytes per L2-resident wave (0: no waves)
  uint32_t threads_per_sm;     // resident invocations per SM / CU (0: unknown)
};
const ClassTable& class_table(DeviceClass c);

// What an op's default-config rule may depend on besides the Problem.
struct SelectorLimits {
  const DeviceProfile& device;
  const ClassTable& table;
  uint32_t max_wg;      // largest workgroup the op may use on this device (power of two)
  uint32_t min_wg;      // smallest workgroup worth running (32 or the subgroup size)
  uint64_t target_wgs;  // SMs x workgroups_per_sm: workgroups that keep the device busy
  uint64_t sm_count;    // SMs / CUs (reported, or the table's default)
};

// Whether a row problem has at least one row per workgroup of a full wave (target_wgs): the
// row rules only trade lanes for items per lane where the rows alone keep the device busy; a
// decode-sized call is latency-bound and keeps the widest layout.
inline bool rows_fill_device(const SelectorLimits& limits, const Problem& p) {
  return p.outer >= limits.target_wgs;
}

// Workgroups of `workgroup_size` invocations the device holds at once (one wave): SMs x
// min(workgroups_per_sm, threads_per_sm / workgroup_size); target_wgs where threads_per_sm is 0.
// registers_per_invocation > 0 also caps it by the SM's register file (64K 32-bit registers
// per SM on the tables' GPUs), for kernels whose registers, not threads, limit occupancy.
uint64_t resident_workgroups(const SelectorLimits& limits, uint32_t workgroup_size,
                             uint32_t registers_per_invocation = 0);
// What the backward kernels' rules assume (the H200 compiled them to 60 registers).
constexpr uint32_t kBackwardRegisters = 64;
// Smallest workgroup of the backward main passes that hold a row in registers (split 1): they
// reduce one row at a time over the whole workgroup, so lanes beyond what the row needs idle
// and every subgroup past the first adds a barrier round per row. One subgroup (at least), not
// min_wg's 32: the same on 32- and 64-lane devices; on lavapipe's 8 lanes LayerNorm backward
// (140000, 7) bf16 took 466 ms at 32 invocations, 47 ms at 8 (2026-12-07).
uint32_t one_row_min_workgroup(const SelectorLimits& limits);

// "<op>/<dtype><op's case_shape>/<v1|v4|v8>": the shape class of p.
std::string case_class(const Problem& p);
// The tuning cache's key: the shape class and what else changes the best config on the same
// device and driver: the subgroup size (lavapipe compiles for LP_NATIVE_VECTOR_WIDTH, so one
// device UUID runs 4, 8 or 16 lanes), e.g. "rms_norm/f32/C2^6/S2^18/N2^7/v4/sg8".
std::string case_class(const DeviceProfile& d, const Problem& p);

// Fills every zero field of *cfg from the table for `profile` (fields already set are kept),
// through the op's rule, and sets source and case_class.
void fill_config(const DeviceProfile& profile, const Problem& p, KernelConfig* cfg);

// Empty string when `cfg` (fully filled) can run on `profile` for `p`; else why not.
std::string config_problem(const DeviceProfile& profile, const Problem& p, const KernelConfig& cfg);

// True when `cfg` runs p on a row kernel (OpSpec::uses_row_kernel).
bool uses_row_kernel(const Problem& p, const KernelConfig& cfg);

// Shared memory a kernel of this op needs at this workgroup size.
uint32_t shared_bytes(Op op, uint32_t workgroup_size);

// The row-kernel rule (selector.cpp) shared by every op with a row kernel: vector width, items,
// lanes per row and rows per workgroup of rows of p.reduce contiguous elements. items_cap: the
// items per lane the rule aims at (0: the class's ln_items).
void fill_row_config(const SelectorLimits& limits, const Problem& p, KernelConfig* cfg, uint32_t items_cap = 0);

// "/D2^<log2 reduce>/R2^<log2 outer>": the case shape of row problems.
std::string rows_case_shape(const Problem& p);

uint64_t ceil_div(uint64_t a, uint64_t b);
uint32_t pow2_ceil(uint64_t v);
bool is_pow2(uint64_t v);
int log2_bucket(uint64_t v);  // smallest b with 2^b >= v

}  // namespace vknorm::detail
