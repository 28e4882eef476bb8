// Seeded case data: the generators, make_data, and the pieces op cases build inputs from.
#include "support/case_data.h"

#include "support/dtype_convert.h"
#include "support/op_registry.h"

#include <algorithm>
#include <cmath>

namespace vknorm_support {

uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hash_at(uint64_t seed, uint64_t i) { return mix64(mix64(seed) ^ (i * 0xd1b54a32d192ed03ull)); }

double uniform_at(uint64_t seed, uint64_t i) {
  return static_cast<double>(hash_at(seed, i) >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
}

// Box-Muller in float: the values end up in f32 at most, and double log / sincos were 13% of
// the batch-invariance suite on lavapipe.
void fill_normal(std::vector<double>* out, uint64_t seed) {
  const float two_pi = 6.2831853f;
  const size_t n = out->size();
  for (size_t i = 0; i < n; i += 2) {
    const uint64_t k = i / 2;
    const float u1 = static_cast<float>(1.0 - uniform_at(seed, 2 * k));  // (0, 1]
    const float u2 = static_cast<float>(uniform_at(seed, 2 * k + 1));
    const float r = std::sqrt(-2.0f * std::log(u1));
    (*out)[i] = r * std::cos(two_pi * u2);
    if (i + 1 < n) (*out)[i + 1] = r * std::sin(two_pi * u2);
  }
}

void quantize_all(std::vector<double>* v, vknorm::DType dtype) {
  for (double& x : *v) x = quantize(x, dtype);
}

uint64_t sub_seed(uint64_t seed, uint64_t stream) { return mix64(seed * 0x100000001b3ull + stream); }

int64_t product(const std::vector<int64_t>& v, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < v.size(); ++i) p *= v[i];
  return p;
}

double ulp32(double m) {
  if (!std::isfinite(m) || m == 0) return 0;
  int e = 0;
  std::frexp(m, &e);  // |m| in [2^(e-1), 2^e)
  return std::ldexp(1.0, std::max(e - 1, -126) - 23);
}

std::vector<double> make_data(DataKind kind, size_t n, uint64_t seed, vknorm::DType dtype) {
  std::vector<double> v(n);
  switch (kind) {
    case DataKind::uniform01:
      for (size_t i = 0; i < n; ++i) v[i] = uniform_at(seed, i);
      break;
    case DataKind::normal:
      fill_normal(&v, seed);
      break;
    case DataKind::large_mean:
      for (size_t i = 0; i < n; ++i) v[i] = 1e4 + (2.0 * uniform_at(seed, i) - 1.0) * 1e-2;
      break;
    case DataKind::outlier_first:  // the op case places the outliers
      fill_normal(&v, seed);
      break;
    case DataKind::nan_inf: {
      fill_normal(&v, seed);
      const uint64_t s2 = sub_seed(seed, 77);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t h = hash_at(s2, i) % 1000;
        if (h == 0) v[i] = kNaN;
        else if (h == 1) v[i] = kInf;
        else if (h == 2) v[i] = -kInf;
      }
      break;
    }
  }
  quantize_all(&v, dtype);
  return v;
}

BaseInputs make_x(const CaseSpec& spec, CaseInputs* in) {
  BaseInputs b;
  const auto& sh = spec.shape;
  b.any_negative = std::any_of(sh.begin(), sh.end(), [](int64_t d) { return d < 0; });
  const int64_t numel = b.any_negative ? 0 : product(sh, 0, sh.size());
  const DataKind base =
      spec.data == DataKind::nan_inf || spec.data == DataKind::outlier_first ? DataKind::normal : spec.data;
  b.outlier = quantize(1e4, spec.dtype);
  in->x = make_data(base, static_cast<size_t>(numel), spec.seed, spec.dtype);
  return b;
}

std::vector<double> affine_values(const CaseSpec& spec, int64_t n, uint64_t stream, double center) {
  std::vector<double> v(static_cast<size_t>(n));
  fill_normal(&v, sub_seed(spec.seed, stream));
  for (double& w : v) w = center + 0.1 * w;
  quantize_all(&v, spec.dtype);
  return v;
}

std::vector<double> param_values(const CaseSpec& spec, int64_t n, uint64_t stream, double center) {
  CaseSpec s = spec;
  s.dtype = spec.param_dtype();
  return affine_values(s, n, stream, center);
}

void set_row_geometry(const CaseSpec& spec, bool any_negative, CaseInputs* in) {
  const auto& sh = spec.shape;
  const size_t rank = sh.size();
  const int nr = spec.normalized_rank;
  in->valid = nr >= 1 && static_cast<size_t>(nr) <= rank && !any_negative;
  const size_t lead = in->valid ? rank - static_cast<size_t>(nr) : 0;
  in->rows = in->valid ? product(sh, 0, lead) : 0;
  in->D = in->valid ? product(sh, lead, rank) : 0;
}

std::vector<int64_t> normalized_shape(const CaseSpec& spec, const CaseInputs& in) {
  if (!in.valid) return {std::max<int64_t>(in.D, 1)};
  return std::vector<int64_t>(spec.shape.end() - spec.normalized_rank, spec.shape.end());
}

std::vector<int64_t> leading_shape(const CaseSpec& spec, const CaseInputs& in) {
  std::vector<int64_t> lead;
  if (in.valid) lead.assign(spec.shape.begin(), spec.shape.end() - spec.normalized_rank);
  if (lead.empty()) lead = {1};
  return lead;
}

std::vector<int64_t> spread(int64_t total, int64_t count) {
  constexpr int64_t kRun = 64;
  count = std::max<int64_t>(1, std::min(total, count));
  if (count == total) {
    std::vector<int64_t> all(static_cast<size_t>(total));
    for (int64_t i = 0; i < total; ++i) all[static_cast<size_t>(i)] = i;
    return all;
  }
  const int64_t run = std::min(kRun, count);
  const int64_t runs = (count + run - 1) / run;
  std::vector<int64_t> v;
  for (int64_t r = 0; r < runs; ++r) {
    // runs * (total - run) < 2^20 * 2^43: no overflow
    const int64_t start = runs > 1 ? r * (total - run) / (runs - 1) : 0;
    for (int64_t k = 0; k < run; ++k)
      if (v.empty() || start + k > v.back()) v.push_back(start + k);
  }
  return v;
}

void place_row_specials(const CaseSpec& spec, double outlier, CaseInputs* in) {
  if (spec.data == DataKind::outlier_first && in->valid && in->D > 0)
    for (int64_t r = 0; r < in->rows; ++r) in->x[static_cast<size_t>(r * in->D)] = outlier;
  if (spec.data == DataKind::nan_inf && in->valid && in->D > 0) {
    for (int64_t r = 0; r < in->rows; ++r) {
      const int kind = static_cast<int>(r % 6);
      if (kind == 0 || kind == 5) continue;
      const int64_t j1 = static_cast<int64_t>(hash_at(spec.seed, static_cast<uint64_t>(r)) %
                                              static_cast<uint64_t>(in->D));
      const int64_t j2 = (j1 + in->D / 2) % in->D;
      double* row = in->x.data() + r * in->D;
      if (kind == 1) row[j1] = kNaN;
      if (kind == 2) row[j1] = kInf;
      if (kind == 3) row[j1] = -kInf;
      if (kind == 4) {
        row[j1] = kInf;
        if (j2 != j1) row[j2] = -kInf;
      }
    }
  }
}

CaseInputs make_case_inputs(const CaseSpec& spec) {
  if (!spec.op) return CaseInputs{};
  return spec.op->make_inputs(spec);
}

}  // namespace vknorm_support
