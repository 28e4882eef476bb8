// Which norm a row (rms_norm_rows) or a channel column (rms_norm) is scaled by: the spec
// constant NORM of their contracts. y = x * r (* w) with
//   NORM 0  RMSNorm  r = 1 / sqrt(mean(x^2) + eps)
//   NORM 1  L1       r = 1 / mean(|x|)          (KernelBench #38: x / mean(|x|, dim=1))
//   NORM 2  L2       r = 1 / sqrt(sum(x^2))     (KernelBench #39: x / ||x||_2 over dim 1)
// L1 and L2 take no eps: an all-zero row gives r = +inf and y = 0 * inf = NaN, as torch's 0 / 0.
// Included after the kernel's contract.

vec4 norm_term(vec4 v) { return NORM == 1 ? abs(v) : v * v; }
float norm_term(float v) { return NORM == 1 ? abs(v) : v * v; }
// norm_term summed over the 8 elements of a chunk (lo, hi).
float norm_sum(vec4 lo, vec4 hi) {
  if (NORM == 1) return dot(abs(lo), vec4(1.0)) + dot(abs(hi), vec4(1.0));
  return dot(lo, lo) + dot(hi, hi);
}
vec4 norm_scale(vec4 sum, float inv_n, float eps) {
  if (NORM == 1) return 1.0 / (sum * inv_n);
  if (NORM == 2) return 1.0 / sqrt(sum);
  return 1.0 / sqrt(sum * inv_n + eps);
}
float norm_scale(float sum, float inv_n, float eps) { return norm_scale(vec4(sum), inv_n, eps).x; }
