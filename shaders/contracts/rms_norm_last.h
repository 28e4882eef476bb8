// Contract of shaders/rms_norm_last.comp with its host code (lists: rms_norm_last_lists.h).
#ifndef VKNORM_CONTRACT_RMS_NORM_LAST
#define VKNORM_CONTRACT_RMS_NORM_LAST
#include "rms_norm_last_lists.h"
VKNORM_KERNEL(rms_norm_last, RMS_NORM_LAST)
#endif
