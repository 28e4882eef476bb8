// Chooses kernel configurations from per-device-class tables, a tuning cache entry or the
// caller's override, and checks any configuration against the device's limits.
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
};
const ClassTable& class_table(DeviceClass c);

std::string case_class(const Problem& p);

// Fills every zero field of *cfg from the table for `profile` (fields already set are kept).
void fill_config(const DeviceProfile& profile, const Problem& p, KernelConfig* cfg);

// Empty string when `cfg` (fully filled) can run on `profile` for `p`; else why not.
std::string config_problem(const DeviceProfile& profile, const Problem& p, const KernelConfig& cfg);

// True when `cfg` runs p on a row kernel: rms_norm_rows (rms_norm with row_path and no
// channel_split asked for) or layer_norm_row (layer_norm_forward with split 1).
bool uses_row_kernel(const Problem& p, const KernelConfig& cfg);

// Shared memory a kernel of this op needs at this workgroup size.
uint32_t shared_bytes(Op op, uint32_t workgroup_size);

uint64_t ceil_div(uint64_t a, uint64_t b);
uint32_t pow2_ceil(uint64_t v);

}  // namespace vknorm::detail
