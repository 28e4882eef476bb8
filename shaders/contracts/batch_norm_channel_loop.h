// Contract of shaders/batch_norm_channel_loop.comp with its host code (lists: batch_norm_channel_lists.h).
#ifndef VKNORM_CONTRACT_BATCH_NORM_CHANNEL_LOOP
#define VKNORM_CONTRACT_BATCH_NORM_CHANNEL_LOOP
#include "batch_norm_channel_lists.h"
VKNORM_KERNEL(batch_norm_channel_loop, BATCH_NORM_CHANNEL)
#endif
