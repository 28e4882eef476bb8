#include "layer_norm_rows.h"

#include "core/quirks.h"
#include "core/tensor_checks.h"

#include <algorithm>

namespace vknorm::detail {

Error row_layout(const Tensor& t, int k, const char* what, RowLayout* out) {
  if (k < 1 || k > t.rank)
    return make_error(Status::invalid_argument, std::string("normalized_rank must be in 1..") +
                                                    std::to_string(t.rank) + " for " + what + " " +
                                                    shape_string(t));
  uint64_t D = 0, st = 0;
  if (!collapse(t, t.rank - k, t.rank, &D, &st, 1) || (D > 1 && st != 1))
    return make_error(Status::invalid_argument, std::string(what) + ": the normalized dimensions must be contiguous");
  uint64_t rows = 0, rs = 0;
  if (!collapse(t, 0, t.rank - k, &rows, &rs, D))
    return make_error(Status::invalid_argument, std::string(what) + ": the leading dimensions must collapse into one strided row dimension");
  out->rows = rows;
  out->D = D;
  out->row_stride = rows > 1 ? rs : D;
  return ok();
}

bool vec4_aligned(const Tensor& t) { return vec_aligned(t, 4); }

bool vec_aligned(const Tensor& t, uint64_t elems) {
  if (!t.is_set()) return true;
  const uint64_t base = t.address ? t.address : t.offset;
  return base % (elems * dtype_size(t.dtype)) == 0;
}

void choose_split(const SelectorLimits& lim, const Problem& p, bool backward, KernelConfig* c) {
  const uint32_t items = std::max<uint32_t>(std::max<uint32_t>(c->vector_width, 4),
                                            backward ? lim.table.bwd_items : lim.table.ln_items);
  // The caller's workgroup size where given: a row that needs more gets split, not refused.
  const uint64_t wg = c->workgroup_size ? std::min(c->workgroup_size, lim.max_wg) : lim.max_wg;
  const bool fits = p.reduce <= wg * (c->items_per_invocation ? c->items_per_invocation : items);
  if (!c->split) c->split = fits ? 1 : 0;  // 0: computed by fill_split_config
}

// Split paths: `split` workgroups per row (0 until computed), `items` elements per invocation.
// The split-1 forward row kernel never comes here (its op uses fill_row_config).
void fill_split_config(const SelectorLimits& lim, const Problem& p, bool backward, KernelConfig* c) {
  const ClassTable& t = lim.table;
  const uint32_t max_wg = lim.max_wg, min_wg = lim.min_wg;
  const uint64_t target_wgs = lim.target_wgs;
  const uint64_t D = p.reduce, rows = p.outer;
  const bool bwd = backward;
  if (!c->vector_width) c->vector_width = p.vec4_ok ? 4 : 1;
  const uint32_t vec = c->vector_width;
  uint32_t it_default = std::max<uint32_t>(vec, bwd ? t.bwd_items : t.ln_items);
  // A long 16-bit backward row in registers: twice the items in half the invocations (H200,
  // (32768, 8192): f16 645 -> 585 us, bf16 736 -> 654 us; for (4096, 4096) it changed nothing:
  // bench/results/h200-2026-11-22-tune2/).
  if (bwd && c->split == 1 && p.dtype != DType::f32 && D > 512ull * t.bwd_items)
    it_default = std::max<uint32_t>(it_default, 2 * t.bwd_items);
  if (!c->workgroup_size)
    c->workgroup_size = c->split == 1
        ? std::max(bwd ? one_row_min_workgroup(lim) : min_wg, std::min(max_wg, pow2_ceil(ceil_div(D, it_default))))
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
      // Forward: a statistics workgroup streams about four apply chunks (each of its
      // workgroup reductions then serves 4 x WG x items elements), more where the rows are
      // too few to fill the device: rows x split >= the target workgroups. Measured on the
      // H200 with the apply's loads ahead of its partials' merge (bench/results/
      // h200-2026-12-01-perf): InstanceNorm (112,64,512,512) 5.50 -> 5.29-5.31 ms from split
      // 64 (one chunk each) to 4-32; GroupNorm 8 groups 5.49 -> 5.28 ms from 512 to 64-256;
      // LayerNorm #40 (16 rows of 4M) flat at 223-225 us from 64 to 1024.
      const uint64_t fill = ceil_div(target_wgs, std::max<uint64_t>(rows, 1));
      // At least 2: split 1 is the row kernel's (most >= 2 here).
      c->split = uint32_t(std::min<uint64_t>({most, std::max<uint64_t>({2, ceil_div(most, 4), fill}), 65535}));
    } else {
      c->split = uint32_t(std::min<uint64_t>(std::max<uint64_t>(2, ceil_div(target_wgs, rows)), most));
    }
  }
  if (!c->rows_per_workgroup) {
    if (bwd) {
      // One wave of resident workgroups, each looping over its block of rows: fewer blocks
      // mean fewer column partials to write and sum (H200, (4096, 4096) bf16 backward:
      // 203 -> 114 us going from 1056 to one wave of 512-invocation workgroups).
      const uint64_t chunks = ceil_div(D, chunk);
      // Resident as the registers allow: the backward kernels hold ~60 registers, so a
      // 1024-invocation workgroup fills an SM alone (the thread limit said two; one wave of
      // the register count was faster: (4096, 4096) f16 112.8 -> 69.3 us on the H200).
      const uint64_t wave = resident_workgroups(lim, c->workgroup_size, kBackwardRegisters);
      const uint64_t blocks = std::min<uint64_t>(rows, std::max<uint64_t>(1, ceil_div(wave, chunks)));
      // At most max_rows_per_workgroup() rows per workgroup: fewer on lavapipe, which computes
      // wrong results past about 2^16 loop iterations (core/quirks.h).
      c->rows_per_workgroup = uint32_t(std::max<uint64_t>(
          1, std::min<uint64_t>(ceil_div(rows, std::max<uint64_t>(blocks, 1)),
                                max_rows_per_workgroup(lim.device, c->workgroup_size, c->items_per_invocation))));
    } else {
      // Forward apply pass: consecutive rows share a workgroup's weight / bias chunk (kept in
      // registers; KernelBench #40, 16 rows of 4M: the affine was read once per row, as many
      // bytes as x and y together). As many row blocks as fit one wave of workgroups
      // (chunks x blocks <= the target, at least one), the rows spread evenly over them, at
      // most 64 per workgroup. On the H200, #40 took 225 us with blocks of 15 and 1 rows, 220 us with one
      // block of 16 (bench/results/h200-2026-12-01-perf).
      const uint64_t chunks = ceil_div(D, chunk);
      const uint64_t blocks = std::max<uint64_t>(1, target_wgs / std::max<uint64_t>(1, chunks));
      c->rows_per_workgroup = uint32_t(std::max<uint64_t>(1, std::min<uint64_t>(ceil_div(rows, blocks), 64)));
    }
  }
}

ColsumShape colsum_shape(uint64_t blocks, const DeviceProfile& d) {
  const uint32_t cap = std::min<uint32_t>({d.max_workgroup_invocations, d.max_workgroup_size_x, 1024});
  uint32_t limit = 32;  // a power of two: every Vulkan device allows 128 invocations, 16 KiB shared
  while (limit * 2 <= cap && 16 * limit * 2 <= d.max_shared_memory_bytes) limit *= 2;
  ColsumShape s;
  s.lanes = uint32_t(std::min<uint64_t>(32, pow2_ceil(ceil_div(std::max<uint64_t>(blocks, 1), 16))));
  s.workgroup_size = std::min(limit, std::max<uint32_t>(256, 32 * s.lanes));
  s.lanes = std::min(s.lanes, s.workgroup_size / 32);  // at least 32 columns per workgroup
  return s;
}

std::string check_split_config(const Problem& p, const KernelConfig& c) {
  if (c.items_per_invocation % c.vector_width)
    return "items_per_invocation must be a multiple of vector_width";
  if (c.split == 0) return "split must be >= 1";
  if (c.split == 1 && p.reduce > uint64_t(c.workgroup_size) * c.items_per_invocation)
    return "split 1 needs the row (" + std::to_string(p.reduce) +
           ") to fit in workgroup_size * items_per_invocation";
  if (c.rows_per_workgroup == 0 || c.rows_per_workgroup > kMaxRowsPerWorkgroup)
    return "rows_per_workgroup must be in 1.." + std::to_string(kMaxRowsPerWorkgroup);
  return "";
}

}  // namespace vknorm::detail
