// Seeded, platform-independent case data: the counter-based generators that run_case's inputs
// and the bench's patterns are made of, and the pieces the op cases build their inputs from.
#pragma once

#include "support/op_case.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace vknorm_support {

uint64_t mix64(uint64_t z);                          // splitmix64 finalizer
uint64_t hash_at(uint64_t seed, uint64_t i);         // element i of stream `seed`
double uniform_at(uint64_t seed, uint64_t i);        // [0, 1)
uint64_t sub_seed(uint64_t seed, uint64_t stream);   // an independent stream of a case seed
// Box-Muller on the pair (2k, 2k+1): element i gets the cosine (even) or sine (odd) branch.
void fill_normal(std::vector<double>* out, uint64_t seed);
void quantize_all(std::vector<double>* v, vknorm::DType dtype);
int64_t product(const std::vector<int64_t>& v, size_t begin, size_t end);

// One fp32 ulp of |m| (0 for 0 and non-finite m): the rounding of a stored fp32 statistic.
double ulp32(double m);

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The part of make_inputs every op shares: x (normal data for nan_inf / outlier_first, whose
// special values the op places), and whether the shape has a negative dimension.
struct BaseInputs {
  bool any_negative = false;
  double outlier = 0;  // 1e4 in the case's dtype
};
BaseInputs make_x(const CaseSpec& spec, CaseInputs* in);
// n parameters center + 0.1 * N(0,1) from the case's stream `stream`, quantized.
std::vector<double> affine_values(const CaseSpec& spec, int64_t n, uint64_t stream, double center);
// The same, quantized to the parameters' dtype (CaseSpec::param_dtype: fp32 with f32_params).
std::vector<double> param_values(const CaseSpec& spec, int64_t n, uint64_t stream, double center);
// Row-wise layouts (layer_norm*: the trailing normalized_rank dims form a row of D elements):
// sets valid, rows, D; leading / normalized shapes of the parameters and statistics.
void set_row_geometry(const CaseSpec& spec, bool any_negative, CaseInputs* in);
std::vector<int64_t> normalized_shape(const CaseSpec& spec, const CaseInputs& in);
std::vector<int64_t> leading_shape(const CaseSpec& spec, const CaseInputs& in);
// Row-wise layouts (rows, D): the outlier / NaN-Inf placement of layer_norm*.
void place_row_specials(const CaseSpec& spec, double outlier, CaseInputs* in);

}  // namespace vknorm_support
