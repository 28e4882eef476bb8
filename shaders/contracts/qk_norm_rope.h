// Contract of shaders/qk_norm_rope.comp with its host code (lists: qk_norm_rope_lists.h).
#ifndef VKNORM_CONTRACT_QK_NORM_ROPE
#define VKNORM_CONTRACT_QK_NORM_ROPE
#include "qk_norm_rope_lists.h"
VKNORM_KERNEL(qk_norm_rope, QK_NORM_ROPE)
#endif
