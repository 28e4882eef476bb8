// Quantized output (8-bit codes of y: int8, float8 e4m3fn or e5m2), shared by the kernels with
// an 8-bit y module: rms_norm_last.glsl (rms_norm_last_q8.comp) and layer_norm_row.glsl
// (ada_norm_row_q8.comp). Included after common.glsl and the kernel's contract, which provide:
//   QFMT (spec constant)  0 int8 (roundEven, QMAX 127), 1 float8 e4m3fn (QMAX 448), 2 float8
//                         e5m2 (QMAX 57344), rounded to nearest even as torch converts
//   VEC                   elements per access (1, 4 or 8): the chunk store_codes writes
//   binding y             the codes; binding scale: fp32, one per row (the dynamic scale)
//   DYNAMIC               true for a per-row dynamic scale, else pc.static_scale (OUT_I8 only)
// OUT_I8 (0 or 1, defined by the .comp) selects the 8-bit module: the code views of y and the
// code functions exist only there (8-bit storage lives in its own SPIR-V module); QMAX and
// inverse_scale exist in both. The includer declares y itself when OUT_I8 is 0.
// Semantics (vknorm.h, RmsNormLastArgs): q = code(clamp(y / s, -QMAX, QMAX)), y / s computed as
// y * (1 / s); dynamic s = max|y| / QMAX per row (an all-zero row: s = 0, codes 0).

// The largest code magnitude of the output format (QFMT: a specialization constant).
const float QMAX = QFMT == 1u ? 448.0 : QFMT == 2u ? 57344.0 : 127.0;

#if OUT_I8
// int8 codes, one per element (VEC 1), or packed 4 / 8 per access (VEC 4 / 8).
#if BIND_DESC
layout(set = 0, binding = y_binding, std430) writeonly buffer y_q1block { int8_t y_q1[]; };
layout(set = 0, binding = y_binding, std430) writeonly buffer y_q4block { uint y_q4[]; };
layout(set = 0, binding = y_binding, std430) writeonly buffer y_q8block { uvec2 y_q8[]; };
#define Q1AT(i) y_q1[i]
#define Q4AT(i) y_q4[i]
#define Q8AT(i) y_q8[i]
#else
layout(buffer_reference, std430, buffer_reference_align = 1) buffer I8Ref { int8_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer U32Ref { uint v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer U32x2Ref { uvec2 v[]; };
#define Q1AT(i) I8Ref(pc.y).v[i]
#define Q4AT(i) U32Ref(pc.y).v[i]
#define Q8AT(i) U32x2Ref(pc.y).v[i]
#endif
// The 8-bit codes are rounded by one correctly rounded fp32 addition (round to nearest even, as
// torch converts) instead of integer rounding or roundEven: no conversion instruction, which
// NVIDIA runs at a quarter of the integer rate (the integer float8 rounding took a roundEven and
// a float -> uint conversion per element for its subnormal branch, int8 a roundEven and a
// float -> int). On an H100 the plain RMSNorm's int8 output got 1.09-1.11x faster, float8
// 1.01-1.07x (bench/results/2026-12-07). `precise` keeps a compiler from contracting or
// reassociating the addition. Rows holding NaN / Inf get unspecified codes.
//
// float8 (Vulkan 1.3 on Debian 12 has no float8 type): for |v| <= QMAX (clamped by the caller),
// M = 2^(E + 23 - MB) with E the exponent of v, at least the format's smallest normal one, has
// an ulp equal to the float8 step at v, so |v| + M rounds |v| to that step and its low bits
// count the steps: k = bits(|v| + M) - bits(M) (8..16 for a normal v: its mantissa with the
// leading 1 and a carry into the next exponent; 0..8 below the smallest normal: a subnormal
// code). The code is then (E + BIAS - 1) << MB, plus k.
uint fp8_code(float v) {
  const uint MB = QFMT == 1u ? 3u : 2u, BIAS = QFMT == 1u ? 7u : 15u;
  const uint b = floatBitsToUint(v);
  const uint e = max(b & 0x7f800000u, (128u - BIAS) << 23);  // exponent field, >= the smallest normal's
  const uint m = e + ((23u - MB) << 23);                       // bits of M
  precise float a = abs(v) + uintBitsToFloat(m);
  return ((b >> 24) & 0x80u) | ((e >> (23u - MB)) - ((128u - BIAS) << MB) + (floatBitsToUint(a) - m));
}
// The 8-bit code of v / scale (inv = 1 / scale) in the low byte. int8: 1.5 * 2^23 added to a
// value in [-127, 127] leaves it rounded, in two's complement, in the sum's low bits.
uint code8(float v, float inv) {
  if (QFMT == 0u) {
    precise float a = clamp(v * inv, -127.0, 127.0) + 12582912.0;
    return (floatBitsToUint(a) - 0x4B400000u) & 0xffu;
  }
  return fp8_code(clamp(v * inv, -QMAX, QMAX));
}
uint pack4(vec4 v, float inv) {
  return code8(v.x, inv) | (code8(v.y, inv) << 8) | (code8(v.z, inv) << 16) | (code8(v.w, inv) << 24);
}
// Stores the codes of y chunk (lo, hi) at element index i; inv = 1 / scale.
void store_codes(uint i, vec4 lo, vec4 hi, float inv) {
  if (VEC == 8) {
    Q8AT(i >> 3) = uvec2(pack4(lo, inv), pack4(hi, inv));
  } else if (VEC == 4) {
    Q4AT(i >> 2) = pack4(lo, inv);
  } else {
    Q1AT(i) = int8_t(int(code8(lo.x, inv) << 24) >> 24);
  }
}
#endif

// 1 / scale of a row from its max |y|, and the scale written once per row (lane 0).
// The host sets the dynamic flag only for an 8-bit y; the test is not compiled out so that
// a kernel's 16/32-bit module keeps the contract's scale binding too.
float inverse_scale(float amax, bool writer, uint row) {
  if (DYNAMIC) {
    if (writer) FAT(scale, OFF(scale) + row) = amax / QMAX;
    return amax > 0.0 ? QMAX / amax : 0.0;  // an all-zero row: scale 0, codes 0
  }
#if OUT_I8
  return 1.0 / pc.static_scale;
#else
  return 1.0;
#endif
}

