#include "selector.h"

#include <algorithm>
#include <sstream>

namespace vknorm::detail {

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint32_t pow2_ceil(uint64_t v) {
  uint32_t p = 1;
  while (p < v && p < (1u << 31)) p <<= 1;
  return p;
}

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

constexpr uint64_t kMaxRowsPerWorkgroup = 1024;

// Where the rows come from:
// - hopper: measured on an H200 (132 SMs, 2048 threads and 64K registers per SM, 50 MB L2,
//   subgroup 32) with vknorm-bench --tune (bench/results/h200-2026-11-21-run2/): RMSNorm
//   #36 was fastest with the 64-channel column of 4 positions in registers (256 floats,
//   3.74 ms against 3.87 ms for 128); L2 waves lost to one pass over all rows (316 us against
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
    {DeviceClass::generic, 256, 64, 8, 8, 8, 32, 0},
    {DeviceClass::ada, 256, 64, 16, 8, 6, 128, 32ull << 20},
    {DeviceClass::hopper, 256, 256, 16, 8, 8, 132, 0},
    {DeviceClass::lavapipe, 128, 64, 8, 8, 4, 2, 0},
};

const ClassTable& class_table(DeviceClass c) {
  for (const ClassTable& t : kTables)
    if (t.device_class == c) return t;
  return kTables[0];
}

static int log2_bucket(uint64_t v) {
  int b = 0;
  while ((uint64_t(1) << b) < v) ++b;
  return b;
}

std::string case_class(const Problem& p) {
  std::ostringstream s;
  s << op_name(p.op) << "/" << dtype_name(p.dtype);
  if (p.op == Op::rms_norm && p.row_path)  // rms_norm_rows: keyed like layer norm rows
    s << "/rows/D2^" << log2_bucket(p.reduce) << "/R2^" << log2_bucket(p.outer);
  else if (p.op == Op::rms_norm)
    s << "/C" << pow2_ceil(p.reduce) << "/S2^" << log2_bucket(p.inner) << "/N2^" << log2_bucket(p.outer);
  else
    s << "/D2^" << log2_bucket(p.reduce) << "/R2^" << log2_bucket(p.outer);
  s << (p.vec8_ok ? "/v8" : p.vec4_ok ? "/v4" : "/v1");
  return s.str();
}

uint32_t shared_bytes(Op op, uint32_t wg) {
  // wg_sum2's vec2 per invocation; rms_norm adds a vec4 per invocation for its lane sums.
  return wg * 8 + (op == Op::rms_norm ? wg * 16 : 0);
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
  if (p.op == Op::rms_norm) return p.row_path && c.channel_split == 0;
  return p.op == Op::layer_norm_forward && c.split == 1;
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
//      workgroup; items = vector_width x pow2_ceil(chunks per lane) (the row fits exactly).
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
static void fill_row_config(const DeviceProfile& d, const ClassTable& t, const Problem& p,
                            uint32_t max_wg, uint32_t min_wg, uint64_t target_wgs, KernelConfig* c) {
  const uint64_t D = p.reduce, R = p.outer;
  if (!c->vector_width) c->vector_width = p.vec8_ok ? 8 : p.vec4_ok ? 4 : 1;
  const uint32_t vec = c->vector_width;
  const uint32_t K = std::max<uint32_t>(vec, pow2_ceil(t.ln_items));
  const uint64_t chunks = ceil_div(D, vec);
  const uint32_t per_lane = std::max<uint32_t>(1, (c->items_per_invocation ? c->items_per_invocation : K) / vec);
  uint32_t L;
  if (c->workgroup_size && c->rows_per_workgroup) {
    L = std::max<uint32_t>(1, c->workgroup_size / c->rows_per_workgroup);
  } else {
    L = std::min<uint32_t>(max_wg, pow2_ceil(ceil_div(chunks, per_lane)));
    if (c->workgroup_size) L = std::min(L, c->workgroup_size);
  }
  if (!c->items_per_invocation)
    c->items_per_invocation = uint32_t(std::min<uint64_t>(K, vec * uint64_t(pow2_ceil(ceil_div(chunks, L)))));
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
  (void)d;
}

void fill_config(const DeviceProfile& d, const Problem& p, KernelConfig* c) {
  const ClassTable& t = class_table(d.device_class);
  const uint32_t max_wg = max_workgroup(d, p.op);
  const uint32_t min_wg = std::min<uint32_t>(max_wg, std::max<uint32_t>(32, pow2_ceil(d.subgroup_size)));
  const uint64_t target_wgs = uint64_t(sm_count(d, t)) * t.workgroups_per_sm;

  if (p.op == Op::rms_norm && p.row_path && !c->channel_split) {
    fill_row_config(d, t, p, max_wg, min_wg, target_wgs, c);
    c->split = 1;
  } else if (p.op == Op::rms_norm) {
    if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
    const uint32_t vec = c->vector_width;
    const uint64_t C = p.reduce, positions = ceil_div(p.inner, vec);
    if (!c->workgroup_size) c->workgroup_size = std::min(t.workgroup_size, max_wg);
    const uint32_t wg = c->workgroup_size;
    const uint32_t cap = std::max<uint32_t>(1, t.register_floats / vec);
    if (!c->channel_split) {
      uint32_t lanes = std::min<uint32_t>(wg, pow2_ceil(positions));
      uint32_t split = wg / lanes;
      const uint32_t needed = pow2_ceil(ceil_div(C, cap));
      if (needed > split) split = std::min(wg, needed);
      c->channel_split = split;
    }
    if (!c->items_per_invocation) {
      const uint64_t per_lane = ceil_div(C, c->channel_split);
      c->items_per_invocation = per_lane > cap ? 1 : std::min(cap, pow2_ceil(per_lane));
    }
    c->split = 1;
    c->rows_per_workgroup = 1;
  } else {
    const uint64_t D = p.reduce, rows = p.outer;
    const bool bwd = p.op == Op::layer_norm_backward;
    const uint32_t items = std::max<uint32_t>(std::max<uint32_t>(c->vector_width, 4),
                                              bwd ? t.bwd_items : t.ln_items);
    const bool fits = D <= uint64_t(max_wg) * (c->items_per_invocation ? c->items_per_invocation : items);
    if (!c->split) c->split = fits ? 1 : 0;  // 0: computed below
    if (!bwd && c->split == 1) {  // the row kernel
      // 16-bit LayerNorm rows keep 8-byte accesses: on the H200, 16-byte ones (vec 8) were
      // slower for (32768, 8192) f16 (348 us against 318 us) and (4096, 4096) bf16 (31 against
      // 28.6 us), bench/results/h200-2026-11-22-rows/. RMSNorm rows gain from them (below).
      if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
      fill_row_config(d, t, p, max_wg, min_wg, target_wgs, c);
      if (c->source.empty()) c->source = std::string("table:") + device_class_name(d.device_class);
      c->case_class = case_class(p);
      return;
    }
    if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
    const uint32_t vec = c->vector_width;
    const uint32_t it_default = std::max<uint32_t>(vec, bwd ? t.bwd_items : t.ln_items);
    if (!c->workgroup_size)
      c->workgroup_size = c->split == 1
          ? std::max(min_wg, std::min(max_wg, pow2_ceil(ceil_div(D, it_default))))
          : std::min(t.workgroup_size, max_wg);
    if (!c->items_per_invocation) {
      uint32_t it = it_default;
      if (c->split == 1)  // short rows: shrink the register arrays to what the row needs
        it = std::max<uint32_t>(vec, std::min<uint32_t>(it_default, pow2_ceil(ceil_div(D, c->workgroup_size))));
      c->items_per_invocation = it;
    }
    const uint64_t chunk = uint64_t(c->workgroup_size) * c->items_per_invocation;
    if (!c->wave_bytes && c->split != 1 && !bwd) c->wave_bytes = t.wave_bytes;
    if (!c->split) {
      const uint64_t most = std::max<uint64_t>(2, D / chunk);
      if (!bwd) {
        // Forward: one statistics workgroup per apply chunk. On the H200 this beat fewer,
        // longer workgroups (1024 per 4M row: 386-393 us at 512, 422 us at 2048), and every
        // wave of rows must fill the device on its own.
        c->split = uint32_t(std::min<uint64_t>(most, 65535));
      } else {
        c->split = uint32_t(std::min<uint64_t>(std::max<uint64_t>(2, ceil_div(target_wgs, rows)), most));
      }
    }
    if (!c->rows_per_workgroup) {
      if (bwd) {
        const uint64_t chunks = ceil_div(D, chunk);
        const uint64_t blocks = std::min<uint64_t>(rows, std::max<uint64_t>(1, ceil_div(target_wgs, chunks)));
        // At most kMaxRowsPerWorkgroup rows per workgroup: lavapipe computed wrong results
        // past 16384 iterations of the row loop (131073x1 rows), and more blocks cost GPUs
        // only a small column-sum pass.
        c->rows_per_workgroup = uint32_t(std::max<uint64_t>(
            1, std::min<uint64_t>(ceil_div(rows, std::max<uint64_t>(blocks, 1)), kMaxRowsPerWorkgroup)));
      } else {
        c->rows_per_workgroup = 1;
      }
    }
  }
  if (c->source.empty()) c->source = std::string("table:") + device_class_name(d.device_class);
  c->case_class = case_class(p);
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
  if (!is_pow2(c.items_per_invocation) || c.items_per_invocation > 256)
    return "items_per_invocation must be a power of two <= 256";
  if (row) {
    if (c.items_per_invocation % c.vector_width)
      return "items_per_invocation must be a multiple of vector_width";
    if (!is_pow2(c.rows_per_workgroup) || c.rows_per_workgroup > c.workgroup_size)
      return "rows_per_workgroup must be a power of two <= workgroup_size on the row kernels";
    if (p.op == Op::layer_norm_forward &&
        p.reduce > uint64_t(c.workgroup_size / c.rows_per_workgroup) * c.items_per_invocation)
      return "the row (" + std::to_string(p.reduce) +
             ") must fit in (workgroup_size / rows_per_workgroup) * items_per_invocation";
    return "";
  }
  if (p.op == Op::rms_norm) {
    if (!is_pow2(c.channel_split) || c.channel_split > c.workgroup_size)
      return "channel_split must be a power of two <= workgroup_size";
    if (uint64_t(c.items_per_invocation) * c.vector_width > 512)
      return "items_per_invocation * vector_width must be <= 512";
  } else {
    if (c.items_per_invocation % c.vector_width)
      return "items_per_invocation must be a multiple of vector_width";
    if (c.split == 0) return "split must be >= 1";
    if (c.split == 1 && p.reduce > uint64_t(c.workgroup_size) * c.items_per_invocation)
      return "split 1 needs the row (" + std::to_string(p.reduce) +
             ") to fit in workgroup_size * items_per_invocation";
    if (c.rows_per_workgroup == 0 || c.rows_per_workgroup > kMaxRowsPerWorkgroup)
      return "rows_per_workgroup must be in 1.." + std::to_string(kMaxRowsPerWorkgroup);
  }
  return "";
}

}  // namespace vknorm::detail
