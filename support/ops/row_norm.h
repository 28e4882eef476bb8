// What layer_norm and layer_norm_backward share: a row of D elements made of the trailing
// normalized_rank dims, fp32 statistics per row, parameters of the normalized shape.
#pragma once

#include "support/op_registry.h"

#include <algorithm>

namespace vknorm_support {

class RowNormCase : public OpCase {
 public:
  const char* shape_help() const override { return "leading.. x normalized.."; }
  int min_rank() const override { return 1; }
  bool uses_normalized_rank() const override { return true; }
  bool has_optional_outputs() const override { return true; }
  // mean / rstd are fp32 and the harness shifts every tensor alike.
  VkDeviceSize misalign_bytes(vknorm::DType) const override { return 4; }

  int64_t row_length(const std::vector<int64_t>& shape, int nr) const override {
    int64_t d = 1;
    for (size_t i = shape.size() - static_cast<size_t>(nr); i < shape.size(); ++i) d *= shape[i];
    return d;
  }
  // The batch, then the largest leading dimension, then the first normalized one.
  std::vector<size_t> halving_order(const std::vector<int64_t>& shape, int nr) const override {
    const size_t lead = shape.size() - static_cast<size_t>(nr);
    std::vector<size_t> rest;
    for (size_t i = 1; i < lead; ++i) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](size_t a, size_t b) { return shape[a] > shape[b]; });
    rest.insert(rest.begin(), 0);
    if (shape.size() > static_cast<size_t>(nr)) rest.push_back(lead);
    return rest;
  }
  std::vector<int64_t> minimal_shape(const std::vector<int64_t>& shape, int nr,
                                     int* out_rank) const override {
    *out_rank = 1;
    return {1, std::min<int64_t>(row_length(shape, nr), 1024)};  // one short row
  }

 protected:
  struct RowBytes {
    uint64_t big = 0, param = 0, grad = 0, stat = 0;
  };
  RowBytes row_bytes(const BenchShape& s) const {
    RowBytes b;
    const uint64_t es = vknorm::dtype_size(s.dtype);
    const int64_t d = row_length(s.shape, s.normalized_rank);
    b.big = static_cast<uint64_t>(s.numel()) * es;
    b.param = s.affine ? static_cast<uint64_t>(d) * es : 0;
    b.grad = static_cast<uint64_t>(d) * vknorm::dtype_size(s.grad_dtype);
    b.stat = static_cast<uint64_t>(s.numel() / std::max<int64_t>(1, d)) * 4;
    return b;
  }
  // Sampled rows (a full-row fp64 reference each, at most ~8M reference elements in all),
  // sampled columns within them, and the device's mean / rstd of every row.
  struct RowSample {
    std::vector<int64_t> rows, cols;
    std::vector<double> mean_all, rstd_all;
  };
  std::vector<int64_t> normalized(const BenchShape& s) const {
    return std::vector<int64_t>(s.shape.end() - s.normalized_rank, s.shape.end());
  }
  std::vector<int64_t> leading(const BenchShape& s) const {
    std::vector<int64_t> l(s.shape.begin(), s.shape.end() - s.normalized_rank);
    if (l.empty()) l = {1};
    return l;
  }
  // The sampled rows and columns alone (ops without mean / rstd outputs).
  RowSample sample_positions(const BenchShape& s, int64_t max_samples) const {
    RowSample rs;
    const int64_t D = row_length(s.shape, s.normalized_rank), rows = s.numel() / std::max<int64_t>(1, D);
    const int64_t n = std::min<int64_t>({rows, 16, std::max<int64_t>(1, (int64_t{1} << 23) / std::max<int64_t>(1, D))});
    for (int64_t k = 0; k < n; ++k) rs.rows.push_back(n > 1 ? k * (rows - 1) / (n - 1) : 0);
    rs.cols = spread(D, std::max<int64_t>(1, max_samples / std::max<int64_t>(1, static_cast<int64_t>(rs.rows.size()))));
    return rs;
  }
  RowSample sample_rows(SampledRun& run, const BenchShape& s, int64_t max_samples) const {
    RowSample rs = sample_positions(s, max_samples);
    const int64_t D = row_length(s.shape, s.normalized_rank), rows = s.numel() / std::max<int64_t>(1, D);
    rs.mean_all = run.download("mean", rows, vknorm::DType::f32);
    rs.rstd_all = run.download("rstd", rows, vknorm::DType::f32);
    return rs;
  }
};

}  // namespace vknorm_support
