#version 450
// vknorm-variants: dtype=f32 reduce=none
// InstanceNorm training, last pass: the running statistics of channel c from the per-(n, c)
// mean and biased variance the normalization wrote, as torch updates them (BatchNorm on the
// (1, N x C, ...) view, then the mean of the N updated copies):
//   running_mean = momentum * mean_n(mean[n, c]) + (1 - momentum) * running_mean
//   running_var  = momentum * mean_n(var[n, c]) * S / (S - 1) + (1 - momentum) * running_var
// One invocation per channel sums over n in order (deterministic). grid = (ceil(C / WG), 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "contracts/instance_norm_running.h"  // bindings, push constants pc

DECLARE_F32(mean, readonly restrict)
DECLARE_F32(var, readonly restrict)
DECLARE_F32(running_mean, restrict)
DECLARE_F32(running_var, restrict)

void main() {
  const uint c = gl_GlobalInvocationID.x;
  if (c >= pc.C) return;
  float sm = 0.0, sv = 0.0;
  for (uint n = 0; n < pc.N; ++n) {
    sm += FAT(mean, OFF(mean) + n * pc.C + c);
    sv += FAT(var, OFF(var) + n * pc.C + c);
  }
  const float inv_n = 1.0 / float(pc.N);
  const float mo = pc.momentum;
  FAT(running_mean, OFF(running_mean) + c) = mo * (sm * inv_n) + (1.0 - mo) * FAT(running_mean, OFF(running_mean) + c);
  FAT(running_var, OFF(running_var) + c) =
      mo * (sv * inv_n * pc.unbias) + (1.0 - mo) * FAT(running_var, OFF(running_var) + c);
}
