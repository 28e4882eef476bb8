// fp64 CPU references for every vknorm operator. Inputs are the exact stored values (decode()
// of what was uploaded); outputs are unrounded fp64.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <vector>

namespace vknorm_support {

// x, y: (N, C, S) contiguous; w: C values or empty (weight 1).
// y = x / sqrt(mean_c(x^2) + eps) * w[c]
void rms_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                        std::vector<double>* y, int64_t N, int64_t C, int64_t S, double eps);
// L1 / L2 norms over dim 1 of (N, C, S) (LpNormArgs): y = x / mean_c(|x|) (p 1) or
// y = x / sqrt(sum_c x^2) (p 2); an all-zero column gives NaN (0 / 0), as torch.
void lp_norm_reference(const std::vector<double>& x, std::vector<double>* y, int64_t N, int64_t C, int64_t S, int p);
// Frobenius norm of the whole tensor: returns ||x||_F = sqrt(sum x^2) and sets y = x / ||x||_F
// (an all-zero x gives NaN, 0 / 0, as torch).
double frobenius_norm_reference(const std::vector<double>& x, std::vector<double>* y);

// x, y: (rows, D) contiguous; w, b: D values or empty. mean/rstd: rows values.
// Two-pass, biased variance, rstd = 1 / sqrt(var + eps).
void layer_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, std::vector<double>* y,
                          std::vector<double>* mean, std::vector<double>* rstd, int64_t rows,
                          int64_t D, double eps);

// Backward as a function of (dy, x, w, mean, rstd): uses the given mean / rstd (as stored),
// xhat = (x - mean) * rstd, g = dy * w,
// dx = rstd * (g - mean_j(g) - xhat * mean_j(g * xhat)), dw = sum_rows dy * xhat, db = sum_rows dy.
void layer_norm_backward_reference(const std::vector<double>& dy, const std::vector<double>& x,
                                   const std::vector<double>& w, const std::vector<double>& mean,
                                   const std::vector<double>& rstd, std::vector<double>* dx,
                                   std::vector<double>* dw, std::vector<double>* db,
                                   int64_t rows, int64_t D);

// rms_norm_last / add_rms_norm on (rows, D) contiguous: h = x (+ residual, then rounded to
// `dtype` as the device stores it; residual empty: none), rstd = 1 / sqrt(mean(h^2) + eps),
// y = h * rstd * (weight_offset + w) (w empty: y = h * rstd). h may be null.
void rms_norm_last_reference(const std::vector<double>& x, const std::vector<double>& residual,
                             const std::vector<double>& w, double weight_offset, vknorm::DType dtype,
                             int64_t rows, int64_t D, double eps, std::vector<double>* h,
                             std::vector<double>* y, std::vector<double>* rstd);

// ada_norm on (rows, D) contiguous: h = x, residual + x or residual + gate[m] * x (residual
// empty: h = x; gate empty: factor 1), product and sum rounded to fp32, then to `dtype` as the
// device stores it; n = LayerNorm
// (rms false) or RMSNorm (rms true) of h, then * w + b (each may be empty); y = n *
// (scale_offset + scale[m]) + shift[m] (each may be empty), m = r / (rows / M) the modulation
// row of row r, M = the rows of the modulation vectors (M * D values each). h / rstd may be null.
void ada_norm_reference(const std::vector<double>& x, const std::vector<double>& residual,
                        const std::vector<double>& gate, const std::vector<double>& scale,
                        const std::vector<double>& shift, const std::vector<double>& w,
                        const std::vector<double>& b, bool rms, double scale_offset, vknorm::DType dtype,
                        int64_t rows, int64_t D, double eps, std::vector<double>* h, std::vector<double>* y,
                        std::vector<double>* mean, std::vector<double>* rstd);

// gated_rms_norm on (rows, D) contiguous, z of x's shape: norm_before_gate: y = x * rstd * w *
// silu(z), rstd of x; else h = x * silu(z) (not rounded), y = h * rstd(h) * w. w may be empty.
void gated_rms_norm_reference(const std::vector<double>& x, const std::vector<double>& z,
                              const std::vector<double>& w, bool norm_before_gate, int64_t rows, int64_t D,
                              double eps, std::vector<double>* y);

// Quantized codes of y rows in `qdtype` (i8, f8_e4m3, f8_e5m2; QMAX 127 / 448 / 57344):
// s = static_scale (> 0) or max|y| / QMAX per row (scales), or with group > 0 per group of
// `group` consecutive elements of a row (scales: rows x ceil(D / group), the last group of a
// row shorter where group does not divide D), ratio = y / s (0 where s = 0) and codes = the
// value of clamp(ratio, -QMAX, QMAX) in the format, rounded to nearest even (i8: the integer;
// float8: the value torch's conversion gives).
double quantized_max(vknorm::DType qdtype);
void quantize_rows_reference(const std::vector<double>& y, int64_t rows, int64_t D, double static_scale,
                             vknorm::DType qdtype, std::vector<double>* codes, std::vector<double>* scales,
                             std::vector<double>* ratio, int64_t group = 0);

// RMSNorm over rows of D: rstd[r] = 1 / sqrt(mean_j(x[r, j]^2) + eps) (rows values).
void rms_rstd_reference(const std::vector<double>& x, std::vector<double>* rstd, int64_t rows,
                        int64_t D, double eps);

// RMSNorm backward as a function of (dy, x, w, weight_offset, rstd), with the given rstd (as
// stored): w_eff = weight_offset + w (w non-empty) or 1 (w empty), g = dy * w_eff,
// xhat = x * rstd, dx = rstd * (g - xhat * mean_j(g * xhat)), dw = sum_rows dy * xhat.
// dx / dw may be null.
void rms_norm_backward_reference(const std::vector<double>& dy, const std::vector<double>& x,
                                 const std::vector<double>& w, double weight_offset,
                                 const std::vector<double>& rstd, std::vector<double>* dx,
                                 std::vector<double>* dw, int64_t rows, int64_t D);

// BatchNorm on x, y: (N, C, S) contiguous; w, b: C values or empty. Training: mean / var =
// per-channel batch mean and biased variance over N x S (two-pass), invstd = 1 / sqrt(var + eps),
// and running_mean / running_var (C values each; empty: none) become
// momentum * batch + (1 - momentum) * running with the unbiased variance var * n / (n - 1).
// Eval: y from the running statistics; mean / invstd are left empty.
void batch_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, bool training, double momentum, double eps,
                          int64_t N, int64_t C, int64_t S, std::vector<double>* running_mean,
                          std::vector<double>* running_var, std::vector<double>* y,
                          std::vector<double>* mean, std::vector<double>* invstd);

// GroupNorm on x, y: (N, C, S) contiguous, C = groups x cpg; w, b: C values or empty. Per
// (n, g): mean and biased variance (two-pass) over the group's cpg x S values, rstd =
// 1 / sqrt(var + eps), y = (x - mean) * rstd * w[c] + b[c]. mean / rstd / var: N x groups.
// InstanceNorm is groups = C.
void group_norm_reference(const std::vector<double>& x, const std::vector<double>& w,
                          const std::vector<double>& b, double eps, int64_t N, int64_t C, int64_t S,
                          int64_t groups, std::vector<double>* y, std::vector<double>* mean,
                          std::vector<double>* rstd, std::vector<double>* var);

// y = act(v) in fp64 (vknorm::Activation: silu v / (1 + e^-v), gelu_tanh).
double activation_reference(vknorm::Activation a, double v);

// qk_norm_rope of one head of D values at position `pos` (vknorm.h, QkNormRopeArgs):
// r = 1 / sqrt(mean(x^2) + eps), n = x r w (w empty: 1), pairs of rotary_dim `rot` (neox
// (i, i + rot/2), gptj (2i, 2i + 1)) rotated by cos / sin of frequency i: from `cache` row
// clamp(pos, 0, max_position - 1) when cache is not empty (max_position x rot values
// [cos | sin]), else of pos * theta^(-2i / rot) in fp64. out: D values.
void qk_norm_rope_head_reference(const double* x, int64_t D, const std::vector<double>& w, int64_t pos, int64_t rot,
                                 bool gptj, const std::vector<double>& cache, double theta, double eps, double* out);
// vLLM's cos_sin_cache of max_position x rot fp32 values: row p = [cos(p f_i) | sin(p f_i)],
// f_i = fp32(theta^(-2i / rot)), the angle fp32(p * f_i) (as vLLM / HF build it), rounded to fp32.
std::vector<double> rope_cos_sin_cache(int64_t max_position, int64_t rot, double theta);
// The rope_theta of the qk_norm_rope cases and of the bench's cache (Qwen3's).
constexpr double kQkRopeTheta = 1e6;

}  // namespace vknorm_support
