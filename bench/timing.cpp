#include "timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace vknorm_bench {

namespace {

constexpr int kRunsPerSubmit = 16;

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(sorted.size() - 1, lo + 1);
  const double f = pos - static_cast<double>(lo);
  return sorted[lo] * (1 - f) + sorted[hi] * f;
}

void memory_barrier(VkCommandBuffer cmd, VkPipelineStageFlags stages, VkAccessFlags src, VkAccessFlags dst) {
  VkMemoryBarrier b{};
  b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  b.srcAccessMask = src;
  b.dstAccessMask = dst;
  vkCmdPipelineBarrier(cmd, stages, stages, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void full_barrier(VkCommandBuffer cmd) {
  memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                 VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
}

// What vknorm's synchronization contract asks between dependent calls (vknorm.h).
void compute_barrier(VkCommandBuffer cmd) {
  memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                 VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

}  // namespace

const char* stream_barrier_name(StreamBarrier b) {
  return b == StreamBarrier::compute ? "compute" : b == StreamBarrier::none ? "none" : "full";
}

Stats summarize(std::vector<double> samples_ms) {
  Stats s;
  s.samples_ms = samples_ms;
  s.runs = static_cast<int>(samples_ms.size());
  if (samples_ms.empty()) return s;
  std::sort(samples_ms.begin(), samples_ms.end());
  s.ok = true;
  s.min_ms = samples_ms.front();
  s.max_ms = samples_ms.back();
  s.median_ms = percentile(samples_ms, 0.5);
  s.p10_ms = percentile(samples_ms, 0.1);
  s.p90_ms = percentile(samples_ms, 0.9);
  double sum = 0;
  for (double v : samples_ms) sum += v;
  s.mean_ms = sum / static_cast<double>(samples_ms.size());
  return s;
}

Timer::Timer(vknorm_support::HostDevice& device, const TimingOptions& options)
    : dev_(device), options_(options) {
  if (dev_.timestamp_valid_bits() == 0) {
    error_ = "the queue family has no timestamp support (timestampValidBits = 0)";
    return;
  }
  VkQueryPoolCreateInfo qi{};
  qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = 2 * kRunsPerSubmit;
  if (vkCreateQueryPool(dev_.device(), &qi, nullptr, &pool_) != VK_SUCCESS) {
    error_ = "vkCreateQueryPool failed";
    return;
  }
  if (options_.flush && options_.flush_bytes > 0) {
    options_.flush_bytes = options_.flush_bytes / 4 * 4;
    std::string e;
    flush_ = dev_.create_buffer(options_.flush_bytes, false, &e);
    if (flush_.buffer == VK_NULL_HANDLE) {  // never fail for lack of memory: time unflushed
      options_.flush = false;
      note_ = "no L2 flush: the flush buffer could not be allocated (" + e + ")";
    }
  }
}

Timer::~Timer() {
  if (pool_ != VK_NULL_HANDLE) vkDestroyQueryPool(dev_.device(), pool_, nullptr);
  if (flush_.buffer != VK_NULL_HANDLE) dev_.destroy_buffer(flush_);
}

bool Timer::ok(std::string* error) const {
  if (error) *error = error_;
  return error_.empty();
}

bool Timer::run_batch(const std::function<bool(VkCommandBuffer)>& body, int count, bool timed,
                      std::vector<double>* samples_ms, std::vector<double>* record_us,
                      std::string* error) {
  bool recorded = true;
  const VkResult r = dev_.run([&](VkCommandBuffer cmd) {
    if (timed) vkCmdResetQueryPool(cmd, pool_, 0, static_cast<uint32_t>(2 * count));
    for (int i = 0; i < count && recorded; ++i) {
      if (flush_.buffer != VK_NULL_HANDLE)
        vkCmdFillBuffer(cmd, flush_.buffer, 0, VK_WHOLE_SIZE, ++flush_value_);
      full_barrier(cmd);
      if (timed)
        vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, pool_, static_cast<uint32_t>(2 * i));
      const auto t0 = std::chrono::steady_clock::now();
      recorded = body(cmd);
      const auto t1 = std::chrono::steady_clock::now();
      if (record_us) record_us->push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      if (timed)
        vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, pool_,
                            static_cast<uint32_t>(2 * i + 1));
      full_barrier(cmd);
    }
  });
  if (!recorded) {
    *error = "recording failed";
    return false;
  }
  if (r != VK_SUCCESS) {
    *error = "submission failed: VkResult " + std::to_string(r);
    return false;
  }
  if (!timed) return true;
  return read_intervals(count, samples_ms, error);
}

bool Timer::read_intervals(int count, std::vector<double>* ms, std::string* error) {
  std::vector<uint64_t> ts(static_cast<size_t>(2 * count));
  const VkResult qr = vkGetQueryPoolResults(
      dev_.device(), pool_, 0, static_cast<uint32_t>(2 * count), ts.size() * sizeof(uint64_t),
      ts.data(), sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  if (qr != VK_SUCCESS) {
    *error = "vkGetQueryPoolResults: VkResult " + std::to_string(qr);
    return false;
  }
  const uint32_t bits = dev_.timestamp_valid_bits();
  const uint64_t mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
  const double period_ns = static_cast<double>(dev_.properties().limits.timestampPeriod);
  for (int i = 0; i < count; ++i) {
    const uint64_t t0 = ts[static_cast<size_t>(2 * i)] & mask;
    const uint64_t t1 = ts[static_cast<size_t>(2 * i + 1)] & mask;
    const uint64_t ticks = (t1 - t0) & mask;  // modulo 2^bits: survives one wrap-around
    ms->push_back(static_cast<double>(ticks) * period_ns * 1e-6);
  }
  return true;
}

Stats Timer::measure(const std::function<bool(VkCommandBuffer)>& body) {
  Stats s;
  if (!error_.empty()) {
    s.error = error_;
    return s;
  }
  std::string err;
  std::vector<double> samples, record;
  const auto warm_start = std::chrono::steady_clock::now();
  auto warm_ms = [&]() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - warm_start).count();
  };
  std::vector<double> warm;
  for (int done = 0; done < options_.warmup || (warm_ms() < options_.warmup_ms && done < 10000);) {
    const int n = std::min(kRunsPerSubmit, std::max(options_.warmup - done, 1 + done));
    warm.clear();
    if (!run_batch(body, n, true, &warm, nullptr, &err)) {
      s.error = err;
      return s;
    }
    done += n;
  }
  // Short cases get more timed runs (up to 500), so that the median rests on at least
  // min_timed_ms of GPU time: 10 runs of a 6 us case scattered their medians by 5% between
  // processes (the sweep's self-test on the H200 called them NOISY).
  int runs = options_.runs;
  if (!warm.empty() && options_.min_timed_ms > 0) {
    std::sort(warm.begin(), warm.end());
    const double per_run = std::max(warm[warm.size() / 2], 1e-4);
    runs = std::max(runs, std::min(500, static_cast<int>(std::ceil(options_.min_timed_ms / per_run))));
  }
  for (int done = 0; done < runs;) {
    const int n = std::min(kRunsPerSubmit, runs - done);
    if (!run_batch(body, n, true, &samples, &record, &err)) {
      s.error = err;
      return s;
    }
    done += n;
  }
  s = summarize(samples);
  std::sort(record.begin(), record.end());
  s.record_us = record.empty() ? 0 : record[record.size() / 2];
  return s;
}

bool Timer::run_region(const std::function<bool(VkCommandBuffer)>* body, bool flush, int calls,
                       StreamBarrier barrier, double* ms, std::string* error) {
  bool recorded = true;
  const VkResult r = dev_.run([&](VkCommandBuffer cmd) {
    vkCmdResetQueryPool(cmd, pool_, 0, 2);
    full_barrier(cmd);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, pool_, 0);
    for (int i = 0; i < calls && recorded; ++i) {
      if (flush) {
        vkCmdFillBuffer(cmd, flush_.buffer, 0, VK_WHOLE_SIZE, ++flush_value_);
        full_barrier(cmd);
      }
      if (body) recorded = (*body)(cmd);
      // Without a flush after it, the next call follows this barrier alone; before a flush (a
      // transfer write) it must be the full one.
      if (flush || barrier == StreamBarrier::full) full_barrier(cmd);
      else if (barrier == StreamBarrier::compute) compute_barrier(cmd);
    }
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, pool_, 1);
  });
  if (!recorded) {
    *error = "recording failed";
    return false;
  }
  if (r != VK_SUCCESS) {
    *error = "submission failed: VkResult " + std::to_string(r);
    return false;
  }
  std::vector<double> one;
  if (!read_intervals(1, &one, error)) return false;
  *ms = one[0];
  return true;
}

StreamStats Timer::measure_stream(const std::function<bool(VkCommandBuffer)>& body, int calls,
                                  StreamBarrier barrier) {
  StreamStats s;
  s.calls = calls;
  s.barrier = barrier;
  if (!error_.empty() || calls < 1) {
    s.error = error_.empty() ? "calls must be >= 1" : error_;
    return s;
  }
  // Seven samples of each region, interleaved so that a clock change hits all three alike;
  // one warm-up round first.
  constexpr int kSamples = 7;
  const bool flush = flush_.buffer != VK_NULL_HANDLE;
  std::vector<double> with_flush, flushes, back_to_back;
  for (int i = 0; i <= kSamples; ++i) {
    double a = 0, b = 0, c = 0;
    if (!run_region(&body, false, calls, barrier, &c, &s.error)) return s;
    if (flush && (!run_region(&body, true, calls, barrier, &a, &s.error) ||
                  !run_region(nullptr, true, calls, barrier, &b, &s.error)))
      return s;
    if (i == 0) continue;
    back_to_back.push_back(c);
    if (flush) {
      with_flush.push_back(a);
      flushes.push_back(b);
    }
  }
  s.back_to_back_total = summarize(back_to_back);
  s.back_to_back_per_call_ms = s.back_to_back_total.median_ms / calls;
  if (flush) {
    s.flushed_total = summarize(with_flush);
    s.flushes_alone = summarize(flushes);
    s.flushed_per_call_ms = std::max(0.0, s.flushed_total.median_ms - s.flushes_alone.median_ms) / calls;
  }
  s.ok = true;
  return s;
}

}  // namespace vknorm_bench
