// What LayerNorm forward and backward share: the (rows, D) view of their tensors, the split-row
// config rule and its checks (the row kernel of the forward pass uses the core's row rule).
// RMSNorm backward (rms_norm_backward.cpp) uses the row view, the alignment helpers,
// kMaxRowsPerWorkgroup and check_split_config, with its own default rule.
#pragma once

#include "core/context.h"
#include "core/selector.h"

#include <vknorm/vknorm.h>

#include <cstdint>
#include <string>

namespace vknorm::detail {

struct RowLayout {
  uint64_t rows = 0, D = 0;
  uint64_t row_stride = 0;  // elements between rows
};

// x viewed as (rows, D) with the trailing `normalized_rank` dims contiguous.
Error row_layout(const Tensor& t, int normalized_rank, const char* what, RowLayout* out);
bool vec4_aligned(const Tensor& t);  // offset/address allows 4-element accesses
bool vec_aligned(const Tensor& t, uint64_t elems);  // ... `elems`-element accesses (unset: true)

// At most this many rows per workgroup of a backward pass on any device (a device with the
// lavapipe_long_row_loop quirk allows fewer: core/quirks.h, checked by config_problem).
constexpr uint64_t kMaxRowsPerWorkgroup = 4096;

// Sets split to 1 when the row fits one workgroup (0: fill_split_config computes it).
void choose_split(const SelectorLimits& limits, const Problem& p, bool backward, KernelConfig* cfg);
// The rest of the default config of the split-row paths (layer_norm_stats/apply and the
// backward kernels) and of split 1 of the backward pass, after choose_split. The forward row
// kernel (split 1) is filled by its op. `backward` picks the backward pass's items and blocks.
void fill_split_config(const SelectorLimits& limits, const Problem& p, bool backward, KernelConfig* cfg);
// Shape of the backward column-sum passes (layer_norm_backward_colsum.comp,
// rms_norm_backward_colsum.comp): `lanes` invocations per column, as many (up to 32) as keep
// each lane's share of the row blocks at about 16 partials, so that ~1000 blocks are summed in
// parallel rather than one after another; workgroups of at least 256 invocations (with one lane
// per column: 256 columns, each invocation a column), within the device's workgroup limits and
// shared memory (16 bytes per invocation).
struct ColsumShape {
  uint32_t workgroup_size = 256, lanes = 1;
  uint32_t columns() const { return workgroup_size / lanes; }
};
ColsumShape colsum_shape(uint64_t blocks, const DeviceProfile& device);
// Checks of a split-row config (not the row kernel's); "" when fine.
std::string check_split_config(const Problem& p, const KernelConfig& cfg);

}  // namespace vknorm::detail
