// fp64 CPU references. Straightforward loops; NaN / Inf propagate as IEEE fp64 arithmetic says,
// which is the behaviour vknorm.h documents for the device kernels.
#include "support/reference.h"

#include "support/dtype_convert.h"

#include <algorithm>
#include <cmath>

namespace vknorm_support {

void lp_norm_reference(const std::vector<double>& x, std::vector<double>* y, int64_t N, int64_t C, int64_t S,
                       int p) {
  y->assign(static_cast<size_t>(N * C * S), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      double acc = 0;
      for (int64_t c = 0; c < C; ++c) {
        const double v = x[static_cast<size_t>((n * C + c) * S + s)];
        acc += p == 1 ? std::fabs(v) : v * v;
      }
      const double norm = p == 1 ? acc / static_cast<double>(C) : std::sqrt(acc);
      for (int64_t c = 0; c < C; ++c) {
        const size_t i = static_cast<size_t>((n * C + c) * S + s);
        (*y)[i] = x[i] / norm;
      }
    }
}

double frobenius_norm_reference(const std::vector<double>& x, std::vector<double>* y) {
  double acc = 0;
  for (double v : x) acc += v * v;
  const double norm = std::sqrt(acc);
  y->resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) (*y)[i] = x[i] / norm;
  return norm;
}

void rms_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                        std::vector<double>* y, int64_t N, int64_t C, int64_t S, double eps) {
  y->assign(static_cast<size_t>(N * C * S), 0.0);
  std::vector<double> sumsq(static_cast<size_t>(S));
  for (int64_t n = 0; n < N; ++n) {
    const size_t base = static_cast<size_t>(n * C * S);
    std::fill(sumsq.begin(), sumsq.end(), 0.0);
    for (int64_t c = 0; c < C; ++c) {
      const double* row = x.data() + base + static_cast<size_t>(c * S);
      for (int64_t s = 0; s < S; ++s) sumsq[static_cast<size_t>(s)] += row[s] * row[s];
    }
    for (int64_t s = 0; s < S; ++s) {
      double& v = sumsq[static_cast<size_t>(s)];
      v = 1.0 / std::sqrt(v / static_cast<double>(C) + eps);
    }
    for (int64_t c = 0; c < C; ++c) {
      const size_t off = base + static_cast<size_t>(c * S);
      const double wc = w.empty() ? 1.0 : w[static_cast<size_t>(c)];
      for (int64_t s = 0; s < S; ++s) {
        (*y)[off + static_cast<size_t>(s)] = x[off + static_cast<size_t>(s)] *
                                             sumsq[static_cast<size_t>(s)] * wc;
      }
    }
  }
}

void layer_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, std::vector<double>* y,
                          std::vector<double>* mean, std::vector<double>* rstd, int64_t rows,
                          int64_t D, double eps) {
  if (y) y->assign(static_cast<size_t>(rows * D), 0.0);
  if (mean) mean->assign(static_cast<size_t>(rows), 0.0);
  if (rstd) rstd->assign(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + static_cast<size_t>(r * D);
    double s = 0;
    for (int64_t j = 0; j < D; ++j) s += xr[j];
    const double m = s / static_cast<double>(D);
    double ss = 0;
    for (int64_t j = 0; j < D; ++j) {
      const double d = xr[j] - m;
      ss += d * d;
    }
    const double var = ss / static_cast<double>(D);
    const double rs = 1.0 / std::sqrt(var + eps);
    if (mean) (*mean)[static_cast<size_t>(r)] = m;
    if (rstd) (*rstd)[static_cast<size_t>(r)] = rs;
    if (y) {
      double* yr = y->data() + static_cast<size_t>(r * D);
      for (int64_t j = 0; j < D; ++j) {
        double v = (xr[j] - m) * rs;
        if (!w.empty()) v *= w[static_cast<size_t>(j)];
        if (!b.empty()) v += b[static_cast<size_t>(j)];
        yr[j] = v;
      }
    }
  }
}

void layer_norm_backward_reference(const std::vector<double>& dy, const std::vector<double>& x,
                                   const std::vector<double>& w, const std::vector<double>& mean,
                                   const std::vector<double>& rstd, std::vector<double>* dx,
                                   std::vector<double>* dw, std::vector<double>* db,
                                   int64_t rows, int64_t D) {
  if (dx) dx->assign(static_cast<size_t>(rows * D), 0.0);
  if (dw) dw->assign(static_cast<size_t>(D), 0.0);
  if (db) db->assign(static_cast<size_t>(D), 0.0);
  std::vector<double> xhat(static_cast<size_t>(D)), g(static_cast<size_t>(D));
  for (int64_t r = 0; r < rows; ++r) {
    const size_t base = static_cast<size_t>(r * D);
    const double m = mean[static_cast<size_t>(r)];
    const double rs = rstd[static_cast<size_t>(r)];
    double sum_g = 0, sum_gx = 0;
    for (int64_t j = 0; j < D; ++j) {
      const size_t jj = static_cast<size_t>(j);
      xhat[jj] = (x[base + jj] - m) * rs;
      g[jj] = dy[base + jj] * (w.empty() ? 1.0 : w[jj]);
      sum_g += g[jj];
      sum_gx += g[jj] * xhat[jj];
      if (dw) (*dw)[jj] += dy[base + jj] * xhat[jj];
      if (db) (*db)[jj] += dy[base + jj];
    }
    if (dx) {
      const double mg = sum_g / static_cast<double>(D);
      const double mgx = sum_gx / static_cast<double>(D);
      for (int64_t j = 0; j < D; ++j) {
        const size_t jj = static_cast<size_t>(j);
        (*dx)[base + jj] = rs * (g[jj] - mg - xhat[jj] * mgx);
      }
    }
  }
}

void rms_norm_last_reference(const std::vector<double>& x, const std::vector<double>& residual,
                             const std::vector<double>& w, double weight_offset, vknorm::DType dtype,
                             int64_t rows, int64_t D, double eps, std::vector<double>* h,
                             std::vector<double>* y, std::vector<double>* rstd) {
  const size_t n = static_cast<size_t>(rows * D);
  std::vector<double> hv(x.begin(), x.begin() + static_cast<long>(n));
  if (!residual.empty())
    for (size_t i = 0; i < n; ++i) hv[i] = quantize(x[i] + residual[i], dtype);
  y->assign(n, 0.0);
  rstd->assign(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = hv.data() + r * D;
    double ss = 0;
    for (int64_t j = 0; j < D; ++j) ss += row[j] * row[j];
    const double rs = 1.0 / std::sqrt(ss / static_cast<double>(D) + eps);
    (*rstd)[static_cast<size_t>(r)] = rs;
    for (int64_t j = 0; j < D; ++j) {
      const double wj = w.empty() ? 1.0 : weight_offset + w[static_cast<size_t>(j)];
      (*y)[static_cast<size_t>(r * D + j)] = row[j] * rs * wj;
    }
  }
  if (h) *h = std::move(hv);
}

double quantized_max(vknorm::DType qdtype) {
  return qdtype == vknorm::DType::f8_e4m3 ? 448.0 : qdtype == vknorm::DType::f8_e5m2 ? 57344.0 : 127.0;
}

void quantize_rows_reference(const std::vector<double>& y, int64_t rows, int64_t D, double static_scale,
                             vknorm::DType qdtype, std::vector<double>* codes, std::vector<double>* scales,
                             std::vector<double>* ratio, int64_t group) {
  const double qmax = quantized_max(qdtype);
  const int64_t G = group > 0 && !(static_scale > 0) ? std::min(group, std::max<int64_t>(D, 1)) : std::max<int64_t>(D, 1);
  const int64_t groups = (std::max<int64_t>(D, 1) + G - 1) / G;
  codes->assign(y.size(), 0.0);
  ratio->assign(y.size(), 0.0);
  scales->assign(static_cast<size_t>(rows * groups), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t j0 = g * G, j1 = std::min(D, j0 + G);
      double s = static_scale;
      if (!(static_scale > 0)) {
        double amax = 0;
        for (int64_t j = j0; j < j1; ++j) amax = std::max(amax, std::fabs(y[static_cast<size_t>(r * D + j)]));
        s = amax / qmax;
      }
      (*scales)[static_cast<size_t>(r * groups + g)] = s;
      for (int64_t j = j0; j < j1; ++j) {
        const size_t i = static_cast<size_t>(r * D + j);
        const double q = s > 0 ? y[i] / s : 0.0;
        (*ratio)[i] = q;
        (*codes)[i] = quantize(std::min(qmax, std::max(-qmax, q)), qdtype);
      }
    }
  }
}

void rms_rstd_reference(const std::vector<double>& x, std::vector<double>* rstd, int64_t rows,
                        int64_t D, double eps) {
  rstd->assign(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t j = 0; j < D; ++j) {
      const double v = x[static_cast<size_t>(r * D + j)];
      ss += v * v;
    }
    (*rstd)[static_cast<size_t>(r)] = 1.0 / std::sqrt(ss / static_cast<double>(D) + eps);
  }
}

void rms_norm_backward_reference(const std::vector<double>& dy, const std::vector<double>& x,
                                 const std::vector<double>& w, double weight_offset,
                                 const std::vector<double>& rstd, std::vector<double>* dx,
                                 std::vector<double>* dw, int64_t rows, int64_t D) {
  if (dx) dx->assign(static_cast<size_t>(rows * D), 0.0);
  if (dw) dw->assign(static_cast<size_t>(D), 0.0);
  std::vector<double> xhat(static_cast<size_t>(D)), g(static_cast<size_t>(D));
  for (int64_t r = 0; r < rows; ++r) {
    const size_t base = static_cast<size_t>(r * D);
    const double rs = rstd[static_cast<size_t>(r)];
    double sum_gx = 0;
    for (int64_t j = 0; j < D; ++j) {
      const size_t jj = static_cast<size_t>(j);
      xhat[jj] = x[base + jj] * rs;
      g[jj] = dy[base + jj] * (w.empty() ? 1.0 : weight_offset + w[jj]);
      sum_gx += g[jj] * xhat[jj];
      if (dw) (*dw)[jj] += dy[base + jj] * xhat[jj];
    }
    if (dx) {
      const double mgx = sum_gx / static_cast<double>(D);
      for (int64_t j = 0; j < D; ++j) {
        const size_t jj = static_cast<size_t>(j);
        (*dx)[base + jj] = rs * (g[jj] - xhat[jj] * mgx);
      }
    }
  }
}

void batch_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, bool training, double momentum, double eps,
                          int64_t N, int64_t C, int64_t S, std::vector<double>* running_mean,
                          std::vector<double>* running_var, std::vector<double>* y,
                          std::vector<double>* mean, std::vector<double>* invstd) {
  y->assign(x.size(), 0.0);
  mean->clear();
  invstd->clear();
  const double n = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    const size_t cu = static_cast<size_t>(c);
    auto at = [&](int64_t i, int64_t s) { return static_cast<size_t>((i * C + c) * S + s); };
    double m = 0, r = 0;
    if (training) {
      double sum = 0;
      for (int64_t i = 0; i < N; ++i)
        for (int64_t s = 0; s < S; ++s) sum += x[at(i, s)];
      m = sum / n;
      double ss = 0;
      for (int64_t i = 0; i < N; ++i)
        for (int64_t s = 0; s < S; ++s) ss += (x[at(i, s)] - m) * (x[at(i, s)] - m);
      const double var = ss / n;
      r = 1.0 / std::sqrt(var + eps);
      mean->push_back(m);
      invstd->push_back(r);
      if (running_mean && !running_mean->empty()) {
        (*running_mean)[cu] = momentum * m + (1 - momentum) * (*running_mean)[cu];
        (*running_var)[cu] = momentum * (ss / (n - 1)) + (1 - momentum) * (*running_var)[cu];
      }
    } else {
      m = (*running_mean)[cu];
      r = 1.0 / std::sqrt((*running_var)[cu] + eps);
    }
    const double wc = w.empty() ? 1.0 : w[cu], bc = b.empty() ? 0.0 : b[cu];
    for (int64_t i = 0; i < N; ++i)
      for (int64_t s = 0; s < S; ++s) (*y)[at(i, s)] = (x[at(i, s)] - m) * r * wc + bc;
  }
}

void group_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, double eps, int64_t N, int64_t C, int64_t S,
                          int64_t groups, std::vector<double>* y, std::vector<double>* mean,
                          std::vector<double>* rstd, std::vector<double>* var) {
  y->assign(x.size(), 0.0);
  mean->assign(static_cast<size_t>(N * groups), 0.0);
  rstd->assign(mean->size(), 0.0);
  var->assign(mean->size(), 0.0);
  if (groups <= 0 || C % groups) return;
  const int64_t cpg = C / groups, len = cpg * S;
  for (int64_t r = 0; r < N * groups; ++r) {
    const size_t base = static_cast<size_t>(r * len), ru = static_cast<size_t>(r);
    double sum = 0;
    for (int64_t j = 0; j < len; ++j) sum += x[base + static_cast<size_t>(j)];
    const double m = sum / static_cast<double>(len);
    double ss = 0;
    for (int64_t j = 0; j < len; ++j) ss += (x[base + static_cast<size_t>(j)] - m) * (x[base + static_cast<size_t>(j)] - m);
    const double v = ss / static_cast<double>(len), rs = 1.0 / std::sqrt(v + eps);
    (*mean)[ru] = m;
    (*var)[ru] = v;
    (*rstd)[ru] = rs;
    const int64_t g = r % groups;
    for (int64_t j = 0; j < len; ++j) {
      const size_t c = static_cast<size_t>(g * cpg + j / S);
      const double wc = w.empty() ? 1.0 : w[c], bc = b.empty() ? 0.0 : b[c];
      (*y)[base + static_cast<size_t>(j)] = (x[base + static_cast<size_t>(j)] - m) * rs * wc + bc;
    }
  }
}

double activation_reference(vknorm::Activation a, double v) {
  switch (a) {
    case vknorm::Activation::none:
      return v;
    case vknorm::Activation::silu:
      return v / (1.0 + std::exp(-v));
    case vknorm::Activation::gelu_tanh:
      return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
  }
  return v;
}

void ada_norm_reference(const std::vector<double>& x, const std::vector<double>& residual,
                        const std::vector<double>& gate, const std::vector<double>& scale,
                        const std::vector<double>& shift, const std::vector<double>& w,
                        const std::vector<double>& b, bool rms, double scale_offset, vknorm::DType dtype,
                        int64_t rows, int64_t D, double eps, std::vector<double>* h, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd) {
  const size_t n = static_cast<size_t>(rows * D);
  const size_t ud = static_cast<size_t>(D);
  const std::vector<double>& any_mod = !scale.empty() ? scale : !shift.empty() ? shift : gate;
  const int64_t M = D > 0 ? static_cast<int64_t>(any_mod.size()) / D : 0;
  const int64_t per = M > 0 ? std::max<int64_t>(1, rows / M) : 1;
  auto mrow = [&](int64_t r) { return static_cast<size_t>(r / per) * ud; };
  std::vector<double> hv(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(std::min(n, x.size())));
  if (!residual.empty())
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < D; ++j) {
        const size_t i = static_cast<size_t>(r * D + j);
        // The device's fp32 arithmetic, rounded once more to the storage dtype: g * x is exact
        // in fp32 for 16-bit inputs, so the fp32 sum's rounding is part of the result (it
        // decides ties of the final rounding where |h| is large against its spread).
        const double gx = gate.empty() ? x[i] : quantize(gate[mrow(r) + static_cast<size_t>(j)] * x[i], vknorm::DType::f32);
        hv[i] = quantize(quantize(residual[i] + gx, vknorm::DType::f32), dtype);
      }
  std::vector<double> yv, mv, rv;
  if (rms) {
    rms_rstd_reference(hv, &rv, rows, D, eps);
    mv.assign(static_cast<size_t>(rows), 0.0);
  } else {
    layer_norm_reference(hv, {}, {}, nullptr, &mv, &rv, rows, D, eps);
  }
  yv.assign(n, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < D; ++j) {
      const size_t i = static_cast<size_t>(r * D + j), uj = static_cast<size_t>(j);
      double v = (hv[i] - mv[static_cast<size_t>(r)]) * rv[static_cast<size_t>(r)];
      if (!w.empty()) v *= w[uj];
      if (!b.empty()) v += b[uj];
      if (!scale.empty()) v *= scale_offset + scale[mrow(r) + uj];
      if (!shift.empty()) v += shift[mrow(r) + uj];
      yv[i] = v;
    }
  if (h) *h = std::move(hv);
  if (y) *y = std::move(yv);
  if (mean) *mean = std::move(mv);
  if (rstd) *rstd = std::move(rv);
}

void gated_rms_norm_reference(const std::vector<double>& x, const std::vector<double>& z,
                              const std::vector<double>& w, bool norm_before_gate, int64_t rows, int64_t D,
                              double eps, std::vector<double>* y) {
  auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  std::vector<double> h(x);
  if (!norm_before_gate)
    for (size_t i = 0; i < h.size() && i < z.size(); ++i) h[i] = x[i] * silu(z[i]);
  std::vector<double> rstd;
  rms_rstd_reference(h, &rstd, rows, D, eps);
  y->assign(h.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < D; ++j) {
      const size_t i = static_cast<size_t>(r * D + j);
      double v = h[i] * rstd[static_cast<size_t>(r)];
      if (!w.empty()) v *= w[static_cast<size_t>(j)];
      if (norm_before_gate) v *= silu(z[i]);
      (*y)[i] = v;
    }
}

void qk_norm_rope_head_reference(const double* x, int64_t D, const std::vector<double>& w, int64_t pos, int64_t rot,
                                 bool gptj, const std::vector<double>& cache, double theta, double eps, double* out) {
  double ss = 0;
  for (int64_t j = 0; j < D; ++j) ss += x[j] * x[j];
  const double r = 1.0 / std::sqrt(ss / static_cast<double>(D) + eps);
  for (int64_t j = 0; j < D; ++j) out[j] = x[j] * r * (w.empty() ? 1.0 : w[static_cast<size_t>(j)]);
  const int64_t half = rot / 2;
  const int64_t max_pos = rot > 0 ? static_cast<int64_t>(cache.size()) / rot : 0;
  const int64_t row = std::min<int64_t>(std::max<int64_t>(pos, 0), std::max<int64_t>(max_pos - 1, 0));
  for (int64_t i = 0; i < half; ++i) {
    double c, s;
    if (!cache.empty()) {
      c = cache[static_cast<size_t>(row * rot + i)];
      s = cache[static_cast<size_t>(row * rot + half + i)];
    } else {
      const double angle = static_cast<double>(pos) * std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(rot));
      c = std::cos(angle);
      s = std::sin(angle);
    }
    const int64_t a = gptj ? 2 * i : i, b = gptj ? 2 * i + 1 : i + half;
    const double na = out[a], nb = out[b];
    out[a] = na * c - nb * s;
    out[b] = nb * c + na * s;
  }
}

std::vector<double> rope_cos_sin_cache(int64_t max_position, int64_t rot, double theta) {
  std::vector<double> cache(static_cast<size_t>(max_position * rot));
  const int64_t half = rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float f = static_cast<float>(std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(rot)));
    for (int64_t p = 0; p < max_position; ++p) {
      const double angle = static_cast<double>(static_cast<float>(static_cast<float>(p) * f));
      cache[static_cast<size_t>(p * rot + i)] = static_cast<double>(static_cast<float>(std::cos(angle)));
      cache[static_cast<size_t>(p * rot + half + i)] = static_cast<double>(static_cast<float>(std::sin(angle)));
    }
  }
  return cache;
}

}  // namespace vknorm_support
