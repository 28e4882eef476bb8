// Contract of shaders/instance_norm_running.comp with its host code (expansions: contract.h).
#ifndef VKNORM_CONTRACT_INSTANCE_NORM_RUNNING
#define VKNORM_CONTRACT_INSTANCE_NORM_RUNNING
#include "contract.h"

#define INSTANCE_NORM_RUNNING_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, mean) TENSOR(1, var) TENSOR(2, running_mean) TENSOR(3, running_var)
#define INSTANCE_NORM_RUNNING_FIELDS(F) \
  F(uint, N) F(uint, C)                 /* samples, channels: mean / var are N x C */ \
  F(float, unbias)                      /* S / (S - 1): biased to unbiased variance */ \
  F(float, momentum)
#define INSTANCE_NORM_RUNNING_FLAGS(B)
#define INSTANCE_NORM_RUNNING_SPECS(S)

VKNORM_KERNEL(instance_norm_running, INSTANCE_NORM_RUNNING)
#endif
