// Contract lists of qk_norm_rope.comp and qk_norm_rope_kf16.comp: one kernel body
// (qk_norm_rope.glsl), two modules (an f16 k_out beside f32 / bf16 q and k: the module that
// stores it declares 16-bit storage of its own). Expansions: contract.h.
#ifndef VKNORM_CONTRACT_QK_NORM_ROPE_LISTS
#define VKNORM_CONTRACT_QK_NORM_ROPE_LISTS
#include "contract.h"

#define QK_NORM_ROPE_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, q) TENSOR(1, k) TENSOR(2, qo) TENSOR(3, ko) TENSOR(4, qw) TENSOR(5, kw) TENSOR(6, pos) \
  TENSOR(7, cs)
// 16 words: 128 bytes in address mode with the 8 pointers (the minimum every device gives).
#define QK_NORM_ROPE_FIELDS(F)                    \
  F(uint, D)                                      /* head_dim */ \
  F(uint, rot)                                    /* rotary_dim (even, <= D) */ \
  F(uint, heads)                                  /* q_heads | k_heads << 16 */ \
  F(uint, rows)                                   /* heads of this dispatch: tokens x (q_heads + k_heads) */ \
  F(uint, q_ts) F(uint, q_hs)                     /* token / head strides (elements) */ \
  F(uint, k_ts) F(uint, k_hs)                     \
  F(uint, qo_ts) F(uint, qo_hs)                   \
  F(uint, ko_ts) F(uint, ko_hs)                   \
  F(uint, flags)                                  /* FLAG_* */ \
  F(float, eps)                                   \
  F(uint, max_pos)                                /* cache rows (FLAG_CACHE) */ \
  F(float, freq)                                  /* -2 log2(rope_theta) / rot: inv_freq_i = 2^(i freq) */
#define QK_NORM_ROPE_FLAGS(B) B(Q_WEIGHT, 1) B(K_WEIGHT, 2) B(CACHE, 4) B(GPTJ, 8)
#define QK_NORM_ROPE_SPECS(S) \
  S(1, ITEMS, 4)              /* head elements per lane (even: ITEMS / 2 rotary pairs) */ \
  S(2, LPR, 32)               /* lanes per head: a power of two dividing WG */ \
  S(3, SEG_SG, 0)             /* heads on subgroup lanes (set by the core: segments.glsl) */
#endif
