// Contract of shaders/qk_norm_rope_kf16.comp (f16 k_out beside f32 / bf16 q and k): the lists
// of qk_norm_rope_lists.h, shared with qk_norm_rope.comp.
#ifndef VKNORM_CONTRACT_QK_NORM_ROPE_KF16
#define VKNORM_CONTRACT_QK_NORM_ROPE_KF16
#include "qk_norm_rope_lists.h"
VKNORM_KERNEL(qk_norm_rope_kf16, QK_NORM_ROPE)
#endif
