// CPU conversions between fp32/fp64 and vknorm's storage dtypes.
//
// Every conversion rounds to nearest, ties to even, directly from the source precision (a
// double is never rounded to float first and then to half: that double rounding can move a
// value that lies just beside a half-way point to the wrong side). NaN stays NaN and is made
// quiet (sign and top payload bits kept); +-Inf stays +-Inf; values beyond the largest finite
// number round to Inf exactly as IEEE 754 says (fp16: |v| >= 65520); subnormals are exact.
#include "support/dtype_convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace vknorm_support {
namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Rounds a finite double to the binary format with `precision` significand bits (implicit bit
// included), minimum normal exponent `emin` (value 2^emin) and largest finite `max_finite`;
// round to nearest even, overflow to Inf. The result is exactly representable in float.
// The general form (frexp / ldexp / nearbyint); round_to_format below takes it only for values
// below the format's normal range.
double round_to_format_slow(double v, int precision, int emin, double max_finite) {
  int e = 0;
  std::frexp(v, &e);  // v = m * 2^e, 0.5 <= |m| < 1: the leading bit has weight 2^(e-1)
  int lead = e - 1;
  if (lead < emin) lead = emin;  // subnormal range: fixed quantum
  const int quantum = lead - (precision - 1);
  // ldexp by a power of two is exact here (no overflow / underflow for our formats), and
  // nearbyint rounds to nearest even in the default rounding mode.
  const double r = std::ldexp(std::nearbyint(std::ldexp(v, -quantum)), quantum);
  if (std::fabs(r) > max_finite) return std::copysign(std::numeric_limits<double>::infinity(), v);
  return r;
}

// The same on the double's bits for values in the format's normal range: round the 53 -
// precision dropped significand bits to nearest even (a carry moves into the exponent, as it
// should). Every conversion of the test data goes through here: the frexp / ldexp form was
// ~10% of a conformance-matrix run on lavapipe.
double round_to_format(double v, int precision, int emin, double max_finite) {
  if (!std::isfinite(v) || v == 0.0) return v;
  uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  const int exp = static_cast<int>((u >> 52) & 0x7ff) - 1023;  // -1023: a double subnormal
  if (exp < emin) return round_to_format_slow(v, precision, emin, max_finite);
  const int drop = 53 - precision;
  const uint64_t half = (uint64_t{1} << (drop - 1)) - 1;
  u = (u + half + ((u >> drop) & 1)) & ~((uint64_t{1} << drop) - 1);
  double r;
  std::memcpy(&r, &u, sizeof r);
  if (std::fabs(r) > max_finite) return std::copysign(std::numeric_limits<double>::infinity(), v);
  return r;
}

constexpr double kHalfMax = 65504.0;
constexpr double kE4m3Max = 448.0;    // e4m3fn: no Inf, S.1111.111 is NaN
constexpr double kE5m2Max = 57344.0;  // e5m2: IEEE-like, S.11111.00 is Inf

// float8 values, rounded as torch's float -> float8 conversions (c10/util/Float8_*.h): nearest
// even; e4m3fn saturates (|v| >= 464, Inf included, gives +-448), e5m2 overflows to Inf as IEEE.
double round_to_fp8(double v, vknorm::DType t) {
  if (t == vknorm::DType::f8_e4m3) {
    if (std::isinf(v)) return std::copysign(kE4m3Max, v);
    const double r = round_to_format(v, 4, -6, std::numeric_limits<double>::infinity());
    return std::max(-kE4m3Max, std::min(kE4m3Max, r));
  }
  return round_to_format(v, 3, -14, kE5m2Max);
}

// Encodes a value exactly representable in the format (or NaN / +-Inf for e5m2).
uint8_t fp8_code(double v, vknorm::DType t) {
  const bool e4 = t == vknorm::DType::f8_e4m3;
  const int mbits = e4 ? 3 : 2, bias = e4 ? 7 : 15;
  const uint8_t sign = std::signbit(v) ? 0x80 : 0;
  if (std::isnan(v)) return 0x7f;  // the NaN both formats' conversions produce
  if (std::isinf(v)) return static_cast<uint8_t>(sign | 0x7c);  // e5m2 only (e4m3fn saturates)
  const double a = std::fabs(v);
  if (a == 0.0) return sign;
  int e = 0;
  std::frexp(a, &e);
  int exp = e - 1 + bias;  // biased exponent of a normal number
  if (exp <= 0) {          // subnormal: a = m * 2^(1 - bias - mbits)
    const int m = static_cast<int>(std::ldexp(a, bias - 1 + mbits));
    return static_cast<uint8_t>(sign | m);
  }
  const int m = static_cast<int>(std::ldexp(a, -(e - 1) + mbits)) - (1 << mbits);
  return static_cast<uint8_t>(sign | (exp << mbits) | m);
}

double fp8_value(uint8_t c, vknorm::DType t) {
  const bool e4 = t == vknorm::DType::f8_e4m3;
  const int mbits = e4 ? 3 : 2, bias = e4 ? 7 : 15, ebits = e4 ? 4 : 5;
  const double sign = (c & 0x80) ? -1.0 : 1.0;
  const int exp = (c >> mbits) & ((1 << ebits) - 1), m = c & ((1 << mbits) - 1);
  if (e4 && (c & 0x7f) == 0x7f) return std::numeric_limits<double>::quiet_NaN();
  if (!e4 && exp == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  if (exp == 0) return sign * std::ldexp(m, 1 - bias - mbits);
  return sign * std::ldexp((1 << mbits) + m, exp - bias - mbits);
}
constexpr double kBf16Max = 3.3895313892515355e38;  // (2 - 2^-7) * 2^127

uint16_t nan_to_half(uint32_t fbits) {
  const uint16_t sign = static_cast<uint16_t>((fbits >> 16) & 0x8000u);
  return static_cast<uint16_t>(sign | 0x7e00u | ((fbits >> 13) & 0x03ffu));
}

uint16_t nan_to_bf16(uint32_t fbits) {
  return static_cast<uint16_t>((fbits >> 16) | 0x0040u);
}

// Encodes a value that is exactly representable in fp16 (or +-Inf / NaN). Used after
// round_to_format, so no rounding happens here.
uint16_t exact_half_from_double(double v) {
  if (std::isnan(v)) return nan_to_half(float_bits(static_cast<float>(v)));
  return float_to_half(static_cast<float>(v));  // exact in float, so no double rounding
}

}  // namespace

uint16_t float_to_half(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return nan_to_half(x);
  if (a == 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u);
  if (a >= 0x38800000u) {  // |f| >= 2^-14: normal half (or overflow)
    // Rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even;
    // a carry out of the mantissa correctly bumps the exponent (up to Inf at 0x7c00).
    uint32_t h = a - (112u << 23);
    h = (h + 0x0fffu + ((h >> 13) & 1u)) >> 13;
    if (h >= 0x7c00u) h = 0x7c00u;
    return static_cast<uint16_t>(sign | h);
  }
  // Subnormal half or zero: the value in units of 2^-24 is |f| * 2^24 < 1024, computed exactly,
  // then rounded to an integer (nearest even). 1024 is the smallest normal, whose encoding
  // 0x0400 is the same integer.
  const float scaled = bits_float(a) * 16777216.0f;
  const uint32_t m = static_cast<uint32_t>(std::nearbyint(scaled));
  return static_cast<uint16_t>(sign | m);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu;
  const uint32_t m = h & 0x03ffu;
  if (e == 0x1f) return bits_float(sign | 0x7f800000u | (m << 13));  // Inf / NaN (payload kept)
  if (e == 0) {
    // zero or subnormal: m * 2^-24, exact in float
    const float v = static_cast<float>(m) * (1.0f / 16777216.0f);
    return (sign != 0u) ? -v : v;
  }
  return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

uint16_t float_to_bf16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return nan_to_bf16(x);
  // Round to nearest even on the 16 dropped bits; overflow carries into the exponent and ends
  // at Inf (0x7f80) exactly when IEEE rounding says so. Subnormals share float's encoding.
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

float bf16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

double quantize(double v, vknorm::DType dtype) {
  if (std::isnan(v)) return v;
  switch (dtype) {
    case vknorm::DType::f32:
      return static_cast<double>(static_cast<float>(v));  // double -> float rounds RNE
    case vknorm::DType::f16:
      return round_to_format(v, 11, -14, kHalfMax);
    case vknorm::DType::bf16:
      return round_to_format(v, 8, -126, kBf16Max);
    case vknorm::DType::i8:  // round half to even, saturate (the device's int8 outputs)
      return std::min(127.0, std::max(-128.0, std::nearbyint(v)));
    case vknorm::DType::i32:
      return std::min(2147483647.0, std::max(-2147483648.0, std::nearbyint(v)));
    case vknorm::DType::f8_e4m3:
    case vknorm::DType::f8_e5m2:
      return round_to_fp8(v, dtype);
  }
  return v;
}

std::vector<uint8_t> encode(const std::vector<double>& values, vknorm::DType dtype) {
  const size_t es = vknorm::dtype_size(dtype);
  std::vector<uint8_t> out(values.size() * es);
  uint8_t* p = out.data();
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    switch (dtype) {
      case vknorm::DType::f32: {
        const float f = static_cast<float>(v);
        std::memcpy(p + i * 4, &f, 4);
        break;
      }
      case vknorm::DType::f16: {
        const uint16_t h = exact_half_from_double(quantize(v, dtype));
        std::memcpy(p + i * 2, &h, 2);
        break;
      }
      case vknorm::DType::bf16: {
        uint16_t b;
        if (std::isnan(v)) {
          b = nan_to_bf16(float_bits(static_cast<float>(v)));
        } else {
          // quantize() gives a bf16-exact value (or Inf), so the float's low 16 bits are 0.
          b = static_cast<uint16_t>(float_bits(static_cast<float>(quantize(v, dtype))) >> 16);
        }
        std::memcpy(p + i * 2, &b, 2);
        break;
      }
      case vknorm::DType::i8: {
        const int8_t q = static_cast<int8_t>(quantize(v, dtype));
        std::memcpy(p + i, &q, 1);
        break;
      }
      case vknorm::DType::i32: {
        const int32_t q = static_cast<int32_t>(quantize(v, dtype));
        std::memcpy(p + i * 4, &q, 4);
        break;
      }
      case vknorm::DType::f8_e4m3:
      case vknorm::DType::f8_e5m2:
        p[i] = fp8_code(quantize(v, dtype), dtype);
        break;
    }
  }
  return out;
}

std::vector<double> decode(const std::vector<uint8_t>& bytes, vknorm::DType dtype) {
  const size_t es = vknorm::dtype_size(dtype);
  const size_t n = bytes.size() / es;
  std::vector<double> out(n);
  const uint8_t* p = bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case vknorm::DType::f32: {
        float f;
        std::memcpy(&f, p + i * 4, 4);
        out[i] = f;
        break;
      }
      case vknorm::DType::f16: {
        uint16_t h;
        std::memcpy(&h, p + i * 2, 2);
        out[i] = half_to_float(h);
        break;
      }
      case vknorm::DType::bf16: {
        uint16_t b;
        std::memcpy(&b, p + i * 2, 2);
        out[i] = bf16_to_float(b);
        break;
      }
      case vknorm::DType::i8: {
        int8_t q;
        std::memcpy(&q, p + i, 1);
        out[i] = q;
        break;
      }
      case vknorm::DType::i32: {
        int32_t q;
        std::memcpy(&q, p + i * 4, 4);
        out[i] = q;
        break;
      }
      case vknorm::DType::f8_e4m3:
      case vknorm::DType::f8_e5m2:
        out[i] = fp8_value(p[i], dtype);
        break;
    }
  }
  return out;
}

}  // namespace vknorm_support
