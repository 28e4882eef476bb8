#include "selector.h"

#include "quirks.h"

#include "op_spec.h"

#include <algorithm>
#include <sstream>

namespace vknorm::detail {

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint32_t pow2_ceil(uint64_t v) {
  uint32_t p = 1;
  while (p < v && p < (1u << 31)) p <<= 1;
  return p;
}

bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

// Where the rows come from:
// - hopper: measured on an H200 (132 SMs, 2048 threads and 64K registers per SM, 50 MB L2,
//   subgroup 32) with vknorm-bench --tune (bench/results/h200-2026-11-21-run2/): RMSNorm
//   #36 was fastest with the 64-channel column of 4 positions in registers (256 floats,
//   3.74 ms against 3.87 ms for 128; rms_norm.cpp uses that many only where one lane holds an
//   fp32 column, 64 elsewhere); L2 waves lost to one pass over all rows (316 us against
//   393 us: each wave's barrier drains the GPU), so the row stays without waves.
// - ada: DERIVED, not measured (no Ada GPU is reachable here), from the RTX 4090 figures of the
//   seed prompts: 128 SMs, 48 warps (1536 threads) and 100 KB shared memory per SM, 72 MB L2,
//   64K registers per SM. 256-invocation workgroups give 6 resident workgroups per SM (full
//   occupancy); 1536 threads share 64K registers, so ~42 registers per thread at full
//   occupancy: cache fewer values per invocation than on Hopper (64 floats). A wave of
//   32 MiB of x keeps x and y of one wave inside the 72 MB L2.
// - lavapipe: a workgroup runs as SIMD loops on one CPU thread; small workgroups and few
//   cached values keep the LLVM code small; no L2 waves (the CPU caches are far smaller).
// - generic: conservative values that fit every Vulkan 1.1 compute device (maxComputeWork-
//   GroupInvocations >= 128 is checked separately).
static const ClassTable kTables[] = {
    {DeviceClass::generic, 256, 64, 8, 8, 8, 32, 0, 0},
    {DeviceClass::ada, 256, 64, 16, 8, 6, 128, 32ull << 20, 1536},
    {DeviceClass::hopper, 256, 256, 16, 8, 8, 132, 0, 2048},
    {DeviceClass::lavapipe, 128, 64, 8, 8, 4, 2, 0, 0},
};

const ClassTable& class_table(DeviceClass c) {
  for (const ClassTable& t : kTables)
    if (t.device_class == c) return t;
  return kTables[0];
}

int log2_bucket(uint64_t v) {
  int b = 0;
  while ((uint64_t(1) << b) < v) ++b;
  return b;
}

std::string rows_case_shape(const Problem& p) {
  return "/D2^" + std::to_string(log2_bucket(p.reduce)) + "/R2^" + std::to_string(log2_bucket(p.outer));
}

std::string case_class(const Problem& p) {
  const OpSpec* spec = find_op_spec(p.op);
  std::ostringstream s;
  s << op_name(p.op) << "/" << dtype_name(p.dtype) << (spec ? spec->case_shape(p) : std::string());
  s << (p.vec8_ok ? "/v8" : p.vec4_ok ? "/v4" : "/v1");
  return s.str();
}

std::string case_class(const DeviceProfile& d, const Problem& p) {
  return case_class(p) + "/sg" + std::to_string(d.subgroup_size);
}

uint32_t shared_bytes(Op op, uint32_t wg) {
  // wg_sum2's vec2 per invocation, plus what the op's kernels add (OpSpec).
  const OpSpec* spec = find_op_spec(op);
  return wg * 8 + (spec ? wg * spec->extra_shared_bytes_per_invocation : 0);
}

static uint32_t max_workgroup(const DeviceProfile& d, Op op) {
  uint32_t m = std::min(d.max_workgroup_invocations, d.max_workgroup_size_x);
  m = std::min<uint32_t>(m, 1024);
  uint32_t p = 1;
  while (p * 2 <= m && shared_bytes(op, p * 2) <= d.max_shared_memory_bytes) p *= 2;
  return p;
}

static uint32_t sm_count(const DeviceProfile& d, const ClassTable& t) {
  return d.multiprocessor_count ? d.multiprocessor_count : t.default_sm_count;
}

bool uses_row_kernel(const Problem& p, const KernelConfig& c) {
  const OpSpec* spec = find_op_spec(p.op);
  return spec && spec->uses_row_kernel(p, c);
}

// Row kernels (rms_norm_rows.comp, layer_norm_row.comp): a row of D contiguous elements is
// spread over L lanes (invocations) holding `items` elements each in registers; a workgroup of
// wg = L x rows_per_workgroup invocations handles rows_per_workgroup rows. The rule, from the
// shape and the device limits only (no tuned shapes):
//   1. vector_width: 16-byte accesses where every tensor allows them (16-bit data: 8 elements,
//      vec8_ok; fp32: 4), else 4 elements (8 bytes of 16-bit data), else 1.
//   2. items cap K = the class's ln_items (16 on Hopper / Ada: at most 16 row values per
//      invocation, well inside a 64-register budget even with LayerNorm's second pass; 8 on
//      lavapipe and generic devices).
//   3. lanes per row L = the smallest power of two with L x K >= D, at most the largest
//      workgroup, or half that where lanes holding up to 1.5 K leave fewer idle slots;
//      items = vector_width x the chunks per lane (any count: the row fits with no idle lane
//      where the chunks divide evenly).
//      rms_norm_rows streams rows longer than L x K (x read twice); layer_norm_row is only
//      chosen when the row fits (else the split path).
//   4. rows_per_workgroup = table workgroup size / L (at least 1): short rows share a
//      workgroup (D = 768 f32: 64 lanes, 4 rows per 256 invocations), so no invocation is idle
//      and every reduction stays inside the row's own segment. Then halved while the rows give
//      fewer than SMs x workgroups_per_sm workgroups (keep every SM busy: decode-size calls run
//      many small workgroups instead of a few big ones), but never below a 32-invocation
//      workgroup (or the subgroup size).
//   5. One dispatch per call whenever the tensor fits one binding: the rows of a window go over
//      a 2D grid, so no maxComputeWorkGroupCount[1] windows ((1, 4096) is one workgroup).
// Fields the caller (or the tuning cache) set are kept; the others follow from them.
void fill_row_config(const SelectorLimits& lim, const Problem& p, KernelConfig* c, uint32_t items_cap) {
  const ClassTable& t = lim.table;
  const uint32_t max_wg = lim.max_wg, min_wg = lim.min_wg;
  const uint64_t target_wgs = lim.target_wgs;
  const uint64_t D = p.reduce, R = p.outer;
  if (!c->vector_width) c->vector_width = p.vec8_ok ? 8 : p.vec4_ok ? 4 : 1;
  const uint32_t vec = c->vector_width;
  uint32_t K = std::max<uint32_t>(vec, pow2_ceil(items_cap ? items_cap : t.ln_items));
  const uint64_t chunks = ceil_div(D, vec);
  // 16-byte bf16 rows that would spread over more than 256 lanes, when the rows fill the
  // device: twice the items in half the lanes (H200, --tune --try, bench/results/
  // 2026-12-04-zoo/probe.txt: bf16 (8191, 8192) 79.5 -> 72.9 us, (4096, 7168) 39.7 -> 36.4 us;
  // (2048, 3584) at 128 lanes lost, 24.8 -> 30.4 us). Measured on Hopper and bf16 only (f16
  // (32768, 8192) ran at 98% of the copy roofline already).
  if (!items_cap && !c->items_per_invocation && !c->workgroup_size && vec == 8 && rows_fill_device(lim, p) &&
      p.dtype == DType::bf16 &&
      lim.device.device_class == DeviceClass::hopper && ceil_div(chunks, K / vec) > 256)
    K *= 2;
  const uint32_t per_lane = std::max<uint32_t>(1, (c->items_per_invocation ? c->items_per_invocation : K) / vec);
  const uint64_t most = std::max<uint64_t>(vec, (K + K / 2) / vec * vec);  // items per lane at most
  uint32_t L;
  if (c->workgroup_size && c->rows_per_workgroup) {
    L = std::max<uint32_t>(1, c->workgroup_size / c->rows_per_workgroup);
  } else {
    L = std::min<uint32_t>(max_wg, pow2_ceil(ceil_div(chunks, per_lane)));
    if (c->workgroup_size) L = std::min(L, c->workgroup_size);
    // Half the lanes with up to 1.5x the items where that leaves fewer slots idle: a hidden
    // size that is not a power of two (768 = 96 chunks of 8) then fills its lanes (32 x 3
    // instead of 64 x 2, a quarter idle). Only where the rows fill the device: a decode-sized
    // call is latency-bound and wants the lanes (H200, (1, 4544) bf16: 6.1 -> 7.6 us halved).
    const uint64_t half = L / 2;
    if (!c->items_per_invocation && half >= 1 && rows_fill_device(lim, p) && ceil_div(chunks, half) * vec <= most &&
        half * ceil_div(chunks, half) < uint64_t(L) * ceil_div(chunks, L))
      L = uint32_t(half);
  }
  // items: the chunks a lane needs (any multiple of vec); K where the row does not fit the
  // lanes (rms_norm_rows streams it, layer_norm takes its split path).
  if (!c->items_per_invocation) {
    const uint64_t need = vec * ceil_div(chunks, L);
    c->items_per_invocation = uint32_t(need <= most ? need : K);
  }
  if (!c->rows_per_workgroup) {
    if (c->workgroup_size) {
      c->rows_per_workgroup = std::max<uint32_t>(1, c->workgroup_size / L);
    } else {
      uint32_t rpw = std::max<uint32_t>(1, std::min(t.workgroup_size, max_wg) / L);
      while (rpw > 1 && ceil_div(R, rpw) < target_wgs && uint64_t(L) * rpw > min_wg) rpw /= 2;
      while (uint64_t(L) * rpw < min_wg) rpw *= 2;
      c->rows_per_workgroup = rpw;
    }
  }
  if (!c->workgroup_size) c->workgroup_size = L * c->rows_per_workgroup;
}

uint32_t one_row_min_workgroup(const SelectorLimits& lim) {
  return std::min(lim.max_wg, pow2_ceil(std::max<uint32_t>(1, lim.device.subgroup_size)));
}

uint64_t resident_workgroups(const SelectorLimits& lim, uint32_t wg, uint32_t regs) {
  const ClassTable& t = lim.table;
  if (!t.threads_per_sm || !wg) return lim.target_wgs;
  uint64_t per_sm = std::min<uint64_t>(t.workgroups_per_sm, t.threads_per_sm / wg);
  if (regs) per_sm = std::min<uint64_t>(per_sm, 65536 / (uint64_t(regs) * wg));
  return lim.sm_count * std::max<uint64_t>(1, per_sm);
}

void fill_config(const DeviceProfile& d, const Problem& p, KernelConfig* c) {
  const OpSpec* spec = find_op_spec(p.op);
  if (!spec) return;
  const ClassTable& t = class_table(d.device_class);
  const uint32_t max_wg = max_workgroup(d, p.op);
  const uint32_t min_wg = std::min<uint32_t>(max_wg, std::max<uint32_t>(32, pow2_ceil(d.subgroup_size)));
  const uint64_t sms = sm_count(d, t);
  const SelectorLimits limits{d, t, max_wg, min_wg, sms * t.workgroups_per_sm, sms};
  spec->fill_config(limits, p, c);
  if (c->source.empty()) c->source = std::string("table:") + device_class_name(d.device_class);
  c->case_class = case_class(d, p);
}

std::string config_problem(const DeviceProfile& d, const Problem& p, const KernelConfig& c) {
  const uint32_t max_wg = max_workgroup(d, p.op);
  if (!is_pow2(c.workgroup_size) || c.workgroup_size > max_wg)
    return "workgroup_size must be a power of two <= " + std::to_string(max_wg) + " on this device";
  const bool row = uses_row_kernel(p, c);
  if (c.vector_width != 1 && c.vector_width != 4 && !(row && c.vector_width == 8))
    return row ? "vector_width must be 1, 4 or 8 (16-bit data)" : "vector_width must be 1 or 4 (8: row kernels only)";
  if (c.vector_width == 4 && !p.vec4_ok)
    return "vector_width 4 needs 4-element aligned offsets, strides and sizes";
  if (c.vector_width == 8 && !p.vec8_ok)
    return "vector_width 8 needs 16-bit data with 8-element (16-byte) aligned offsets, strides and sizes";
  // Row kernels take any multiple of vector_width (a row of 96 chunks: 32 lanes x 3 chunks,
  // no idle lane); the other kernels index their registers by powers of two.
  if (c.items_per_invocation == 0 || c.items_per_invocation > 256 || (!row && !is_pow2(c.items_per_invocation)))
    return row ? "items_per_invocation must be a multiple of vector_width <= 256"
               : "items_per_invocation must be a power of two <= 256";
  if (row) {
    if (c.items_per_invocation % c.vector_width)
      return "items_per_invocation must be a multiple of vector_width";
    if (!is_pow2(c.rows_per_workgroup) || c.rows_per_workgroup > c.workgroup_size)
      return "rows_per_workgroup must be a power of two <= workgroup_size on the row kernels";
  }
  if (!row && c.rows_per_workgroup > max_rows_per_workgroup(d, c.workgroup_size, c.items_per_invocation))
    return "rows_per_workgroup must be <= " +
           std::to_string(max_rows_per_workgroup(d, c.workgroup_size, c.items_per_invocation)) +
           " at this workgroup size on this device (quirk lavapipe_long_row_loop)";
  const OpSpec* spec = find_op_spec(p.op);
  return spec ? spec->check_config(p, c, row) : "unknown op";
}

}  // namespace vknorm::detail
