// Contract of shaders/rms_norm_last_q8.comp (int8 y) with its host code: the lists of
// rms_norm_last_lists.h, shared with rms_norm_last.comp.
#ifndef VKNORM_CONTRACT_RMS_NORM_LAST_Q8
#define VKNORM_CONTRACT_RMS_NORM_LAST_Q8
#include "rms_norm_last_lists.h"
VKNORM_KERNEL(rms_norm_last_q8, RMS_NORM_LAST)
#endif
