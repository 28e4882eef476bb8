// Contract of shaders/batch_norm_channel.comp with its host code (lists: batch_norm_channel_lists.h).
#ifndef VKNORM_CONTRACT_BATCH_NORM_CHANNEL
#define VKNORM_CONTRACT_BATCH_NORM_CHANNEL
#include "batch_norm_channel_lists.h"
VKNORM_KERNEL(batch_norm_channel, BATCH_NORM_CHANNEL)
#endif
