// The activation a norm's output may take after its affine, in the same pass
// (GroupNormArgs::activation), selected by the kernel's FLAG_SILU / FLAG_GELU. Computed in fp32
// before the one rounding to y's dtype. Included after the kernel's contract.

vec4 activate(vec4 v) {
  if ((pc.flags & FLAG_SILU) != 0u) return v / (1.0 + exp(-v));  // exp overflow: v / Inf = -0
  if ((pc.flags & FLAG_GELU) != 0u) {
    // tanh approximation (F.gelu(approximate="tanh")). The argument is clamped: tanh is +-1 in
    // fp32 beyond |10|, and a tanh built on exp may return NaN for large arguments.
    const vec4 t = clamp(0.7978845608028654 * (v + 0.044715 * (v * v * v)), -10.0, 10.0);
    return 0.5 * v * (1.0 + tanh(t));
  }
  return v;
}
float activate(float v) { return activate(vec4(v)).x; }
