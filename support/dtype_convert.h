// CPU conversions between fp32/fp64 and vknorm's storage dtypes (round to nearest even,
// NaN kept quiet), used to build inputs and read outputs in tests and tools.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <vector>

namespace vknorm_support {

uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
uint16_t float_to_bf16(float f);
float bf16_to_float(uint16_t b);

// Encode doubles into `dtype` storage (bytes.size() == n * dtype_size) and back. Decoding
// returns exactly the value stored (what the GPU sees), so references are computed from it.
std::vector<uint8_t> encode(const std::vector<double>& values, vknorm::DType dtype);
std::vector<double> decode(const std::vector<uint8_t>& bytes, vknorm::DType dtype);
// Round-trip: the value a double becomes once stored in `dtype` (float8: as torch rounds,
// e4m3fn saturating at +-448, e5m2 overflowing to Inf; i8 / i32: nearest even, saturated).
double quantize(double v, vknorm::DType dtype);

}  // namespace vknorm_support
