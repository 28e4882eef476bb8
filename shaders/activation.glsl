// The activation a norm's output may take after its affine, in the same pass
// (GroupNormArgs::activation): the kernel's ACT specialization constant, 0 none, 1 SiLU, 2 GELU
// (tanh). A constant, not a push flag: the default pipelines then hold no activation code at all
// (H200, 2026-12-05: with the code behind a push flag, never taken, 16-bit LayerNorm rows ran
// 20-58% slower and GroupNorm's split apply 3-7%). Computed in fp32 before the one rounding to
// y's dtype. Included after the kernel's contract.

vec4 activate(vec4 v) {
  if (ACT == 1u) return v / (1.0 + exp(-v));  // exp overflow: v / Inf = -0
  if (ACT == 2u) {
    // tanh approximation (F.gelu(approximate="tanh")). The argument is clamped: tanh is +-1 in
    // fp32 beyond |10|, and a tanh built on exp may return NaN for large arguments.
    const vec4 t = clamp(0.7978845608028654 * (v + 0.044715 * (v * v * v)), -10.0, 10.0);
    return 0.5 * v * (1.0 + tanh(t));
  }
  return v;
}
float activate(float v) { return activate(vec4(v)).x; }
