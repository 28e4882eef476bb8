// Contract lists of batch_norm_channel.comp and batch_norm_channel_loop.comp: one workgroup per
// channel, the channel in registers or streamed twice; the same bindings, push fields, flags and
// specialization constants (the host plans both with one loop). Expansions: contract.h; the
// kernels are declared by contracts/batch_norm_channel{,_loop}.h.
#ifndef VKNORM_CONTRACT_BATCH_NORM_CHANNEL_LISTS
#define VKNORM_CONTRACT_BATCH_NORM_CHANNEL_LISTS
#include "contract.h"

#define BATCH_NORM_CHANNEL_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, y) TENSOR(2, w) TENSOR(3, b) TENSOR(4, save_mean) \
  TENSOR(5, save_invstd) TENSOR(6, running_mean) TENSOR(7, running_var)
#define BATCH_NORM_CHANNEL_FIELDS(F) \
  F(uint, S)                       /* spatial elements per (n, c) plane */ \
  F(uint, NS)                      /* elements of one channel (N x S); registers: <= WG x ITEMS */ \
  F(uint, x_sn) F(uint, x_sc) F(uint, x_ss)  /* element strides (batch, channel, position) */ \
  F(uint, y_sn) F(uint, y_sc) F(uint, y_ss)  \
  F(uint, flags)                   \
  F(float, eps)                    \
  F(float, momentum)               \
  F(uint, c_base)                  /* first channel of this dispatch */
#define BATCH_NORM_CHANNEL_FLAGS(B) \
  B(WEIGHT, 1) B(BIAS, 2) B(SAVE_MEAN, 4) B(SAVE_INVSTD, 8) B(RUNNING, 16)  /* as batch_norm_merge */
#define BATCH_NORM_CHANNEL_SPECS(S) S(1, ITEMS, 16) S(2, VEC, 1)
#endif
