#include "accuracy.h"

#include "support/dtype_convert.h"
#include "support/reference.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vknorm_bench {

using vknorm::DType;
using vknorm_support::Buffer;
using vknorm_support::HostDevice;

namespace {

// About `count` indices in [0, total), taken as runs of up to kRun consecutive indices spread
// evenly: consecutive elements gather with few copy regions (the validation layer checks
// regions pairwise, so tens of thousands of single-element regions take minutes).
constexpr int64_t kRun = 64;
std::vector<int64_t> spread(int64_t total, int64_t count) {
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

// Copies the elements `index` (of size `es`) of `src` to the host, in one submission.
bool gather(HostDevice& dev, const Buffer& src, const std::vector<int64_t>& index, size_t es,
            std::vector<uint8_t>* out) {
  out->assign(index.size() * es, 0);
  if (index.empty()) return true;
  std::string err;
  Buffer staging = dev.create_buffer(out->size(), true, &err);
  if (staging.buffer == VK_NULL_HANDLE || !staging.mapped) {
    if (staging.buffer != VK_NULL_HANDLE) dev.destroy_buffer(staging);
    return false;
  }
  std::vector<VkBufferCopy> regions;
  for (size_t i = 0; i < index.size(); ++i) {
    const VkDeviceSize s = static_cast<VkDeviceSize>(index[i]) * es, d = i * es;
    if (!regions.empty() && regions.back().srcOffset + regions.back().size == s &&
        regions.back().dstOffset + regions.back().size == d)
      regions.back().size += es;  // merge runs of consecutive elements
    else
      regions.push_back({s, d, es});
  }
  const VkResult r = dev.run([&](VkCommandBuffer cmd) {
    VkMemoryBarrier before{};
    before.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    before.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    before.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                         1, &before, 0, nullptr, 0, nullptr);
    vkCmdCopyBuffer(cmd, src.buffer, staging.buffer, static_cast<uint32_t>(regions.size()),
                    regions.data());
    VkMemoryBarrier after{};
    after.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    after.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    after.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                         &after, 0, nullptr, 0, nullptr);
  });
  if (r == VK_SUCCESS) std::memcpy(out->data(), staging.mapped, out->size());
  dev.destroy_buffer(staging);
  return r == VK_SUCCESS;
}

std::vector<double> gather_values(HostDevice& dev, const Buffer& src,
                                  const std::vector<int64_t>& index, DType dt, bool* ok) {
  std::vector<uint8_t> bytes;
  if (!gather(dev, src, index, vknorm::dtype_size(dt), &bytes)) {
    *ok = false;
    return {};
  }
  return vknorm_support::decode(bytes, dt);
}

std::vector<double> download_all(HostDevice& dev, const Buffer& src, int64_t n, DType dt) {
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * vknorm::dtype_size(dt));
  dev.download(src, bytes.data(), bytes.size());
  return vknorm_support::decode(bytes, dt);
}

void add(Accuracy* a, const char* name, const std::vector<double>& got,
         const std::vector<double>& ref, DType dt, int64_t reduction) {
  OutputError o;
  o.name = name;
  o.stats = vknorm_support::compare(got, ref, vknorm_support::tolerance_for(dt, reduction));
  a->outputs.push_back(std::move(o));
}

void check_rms(Workload& w, int64_t max_samples, Accuracy* a) {
  const BenchCase& c = w.bench_case();
  const int64_t N = c.shape[0], C = c.shape[1], S = c.numel() / (N * C);
  const std::vector<int64_t> columns = spread(N * S, std::max<int64_t>(1, max_samples / C));
  const size_t K = columns.size();
  std::vector<double> ref_by_column(K * static_cast<size_t>(C)), xcol(static_cast<size_t>(C)), ycol;
  for (size_t k = 0; k < K; ++k) {
    const int64_t n = columns[k] / S, s = columns[k] % S;
    for (int64_t ch = 0; ch < C; ++ch)
      xcol[static_cast<size_t>(ch)] = w.x().at(static_cast<uint64_t>((n * C + ch) * S + s));
    vknorm_support::rms_norm_reference(xcol, w.weight(), &ycol, 1, C, 1, c.eps);
    std::copy(ycol.begin(), ycol.end(), ref_by_column.begin() + static_cast<long>(k * C));
  }
  // Channel-major order: consecutive sampled columns are consecutive in memory.
  std::vector<int64_t> index;
  std::vector<double> ref;
  for (int64_t ch = 0; ch < C; ++ch)
    for (size_t k = 0; k < K; ++k) {
      const int64_t n = columns[k] / S, s = columns[k] % S;
      index.push_back((n * C + ch) * S + s);
      ref.push_back(ref_by_column[k * static_cast<size_t>(C) + static_cast<size_t>(ch)]);
    }
  bool ok = true;
  const std::vector<double> got = gather_values(w.device(), w.buffers().y, index, c.dtype, &ok);
  if (!ok) {
    a->error = "gathering y failed";
    return;
  }
  add(a, "y", got, ref, c.dtype, C);
}

void check_layer_norm(Workload& w, int64_t max_samples, Accuracy* a) {
  const BenchCase& c = w.bench_case();
  const int64_t rows = c.rows(), D = c.row_length();
  const bool fwd = c.op != BenchOp::layer_norm_backward;
  const bool bwd = c.op != BenchOp::layer_norm;
  HostDevice& dev = w.device();
  // Rows: a full-row fp64 reference each, at most ~8M reference elements in all.
  std::vector<int64_t> sample_rows;
  {
    const int64_t n = std::min<int64_t>({rows, 16, std::max<int64_t>(1, (int64_t{1} << 23) / D)});
    for (int64_t k = 0; k < n; ++k) sample_rows.push_back(n > 1 ? k * (rows - 1) / (n - 1) : 0);
  }
  const std::vector<int64_t> cols =
      spread(D, std::max<int64_t>(1, max_samples / static_cast<int64_t>(sample_rows.size())));
  const std::vector<double> mean_all = download_all(dev, w.buffers().mean, rows, DType::f32);
  const std::vector<double> rstd_all = download_all(dev, w.buffers().rstd, rows, DType::f32);

  std::vector<int64_t> index;
  std::vector<double> y_ref, dx_ref, mean_ref, rstd_ref, mean_got, rstd_got;
  std::vector<double> xrow(static_cast<size_t>(D)), dyrow, yrow, m, r, dxrow, dwrow, dbrow;
  if (bwd) dyrow.resize(static_cast<size_t>(D));
  for (int64_t row : sample_rows) {
    for (int64_t j = 0; j < D; ++j) {
      xrow[static_cast<size_t>(j)] = w.x().at(static_cast<uint64_t>(row * D + j));
      if (bwd) dyrow[static_cast<size_t>(j)] = w.dy().at(static_cast<uint64_t>(row * D + j));
    }
    if (fwd) {
      vknorm_support::layer_norm_reference(xrow, w.weight(), w.bias(), &yrow, &m, &r, 1, D, c.eps);
      mean_ref.push_back(m[0]);
      rstd_ref.push_back(r[0]);
      mean_got.push_back(mean_all[static_cast<size_t>(row)]);
      rstd_got.push_back(rstd_all[static_cast<size_t>(row)]);
      for (int64_t j : cols) y_ref.push_back(yrow[static_cast<size_t>(j)]);
    }
    if (bwd) {
      // As a function of the stored mean / rstd (what the backward really reads).
      const std::vector<double> sm{mean_all[static_cast<size_t>(row)]};
      const std::vector<double> sr{rstd_all[static_cast<size_t>(row)]};
      vknorm_support::layer_norm_backward_reference(dyrow, xrow, w.weight(), sm, sr, &dxrow, &dwrow,
                                                    &dbrow, 1, D);
      for (int64_t j : cols) dx_ref.push_back(dxrow[static_cast<size_t>(j)]);
    }
    for (int64_t j : cols) index.push_back(row * D + j);
  }
  bool ok = true;
  if (fwd) {
    add(a, "y", gather_values(dev, w.buffers().y, index, c.dtype, &ok), y_ref, c.dtype, D);
    add(a, "mean", mean_got, mean_ref, DType::f32, D);
    add(a, "rstd", rstd_got, rstd_ref, DType::f32, D);
  }
  if (bwd) {
    add(a, "dx", gather_values(dev, w.buffers().dx, index, c.dtype, &ok), dx_ref, c.dtype, D);
    if (c.affine) {
      // dweight / dbias at sampled columns: sums over every row of those columns.
      const std::vector<int64_t> wcols =
          spread(D, std::min<int64_t>(4096, std::max<int64_t>(1, (int64_t{1} << 22) / rows)));
      const size_t K = wcols.size();
      std::vector<double> xs(static_cast<size_t>(rows) * K), dys(xs.size()), ws(K);
      for (int64_t row = 0; row < rows; ++row)
        for (size_t k = 0; k < K; ++k) {
          const uint64_t i = static_cast<uint64_t>(row * D + wcols[k]);
          xs[static_cast<size_t>(row) * K + k] = w.x().at(i);
          dys[static_cast<size_t>(row) * K + k] = w.dy().at(i);
        }
      for (size_t k = 0; k < K; ++k) ws[k] = w.weight()[static_cast<size_t>(wcols[k])];
      std::vector<double> dx_unused, dw_ref, db_ref;
      vknorm_support::layer_norm_backward_reference(dys, xs, ws, mean_all, rstd_all, &dx_unused,
                                                    &dw_ref, &db_ref, rows, static_cast<int64_t>(K));
      add(a, "dweight", gather_values(dev, w.buffers().dweight, wcols, c.grad_dtype, &ok), dw_ref,
          c.grad_dtype, rows);
      add(a, "dbias", gather_values(dev, w.buffers().dbias, wcols, c.grad_dtype, &ok), db_ref,
          c.grad_dtype, rows);
    }
  }
  if (!ok) a->error = "gathering outputs failed";
}

}  // namespace

bool Accuracy::pass() const {
  if (!ran || !error.empty()) return false;
  for (const OutputError& o : outputs)
    if (!o.stats.pass) return false;
  return true;
}

double Accuracy::max_abs() const {
  double m = 0;
  for (const OutputError& o : outputs) m = std::max(m, o.stats.max_abs);
  return m;
}

std::string Accuracy::summary() const {
  if (!ran) return "not checked" + (error.empty() ? std::string() : ": " + error);
  std::string s;
  char buf[96];
  for (const OutputError& o : outputs) {
    std::snprintf(buf, sizeof(buf), "%s%s %.2g%s", s.empty() ? "" : ", ", o.name.c_str(),
                  o.stats.max_abs, o.stats.pass ? "" : " FAIL");
    s += buf;
  }
  if (!error.empty()) s += " (" + error + ")";
  return s;
}

Accuracy check_accuracy(Workload& w, int64_t max_samples) {
  Accuracy a;
  vknorm::Error e;
  const VkResult r = w.device().run([&](VkCommandBuffer cmd) {
    w.device().full_barrier(cmd);
    e = w.record(cmd);
  });
  if (!e.ok() || r != VK_SUCCESS) {
    a.error = e.ok() ? "submission failed" : e.message;
    return a;
  }
  a.ran = true;
  if (w.bench_case().op == BenchOp::rms_norm)
    check_rms(w, max_samples, &a);
  else
    check_layer_norm(w, max_samples, &a);
  return a;
}

}  // namespace vknorm_bench
