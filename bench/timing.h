// GPU timing with timestamp queries.
//
// One timed run, inside a command buffer of several runs:
//   [L2 flush: vkCmdFillBuffer over a scratch buffer]   (unless --no-flush)
//   full barrier (ALL_COMMANDS -> ALL_COMMANDS, all memory)
//   timestamp  (ALL_COMMANDS: written once everything before it has completed)
//   body       (the operator's dispatches; host record time measured around it)
//   timestamp  (ALL_COMMANDS)
//   full barrier
// Timestamps are masked to the queue family's timestampValidBits (the difference is taken
// modulo 2^bits) and scaled by timestampPeriod. Warm-up runs precede the timed ones.
#pragma once

#include "support/host_device.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vknorm_bench {

struct TimingOptions {
  int warmup = 3;
  // ... and warm-up runs for at least this long (host wall time, capped at 10000 runs). An
  // idle NVIDIA GPU drops its clocks (nvidia-smi read 345 MHz on an idle H200, 1980 MHz under
  // load) and a case follows seconds of host-only work (the previous case's error check), so
  // each case now raises the clocks itself rather than relying on 10 ms of GPU time.
  double warmup_ms = 250;
  int runs = 20;                          // at least 10
  double min_timed_ms = 2.0;              // ... and more (up to 500) until the runs add up to this
  bool flush = true;                      // write flush_bytes between runs (outside the timing)
  uint64_t flush_bytes = 256ull << 20;
};

struct Stats {
  bool ok = false;
  std::string error;
  int runs = 0;
  double median_ms = 0, min_ms = 0, max_ms = 0, p10_ms = 0, p90_ms = 0, mean_ms = 0;
  double record_us = 0;                   // host time of the body's recording, median
  std::vector<double> samples_ms;
  double spread_ms() const { return p90_ms - p10_ms; }
};

Stats summarize(std::vector<double> samples_ms);

// In-stream timing: `calls` calls recorded back to back in one command buffer, one timestamp
// pair around them all, so that what an engine pays per call inside a busy command buffer
// shows (the fixed cost of an isolated dispatch may overlap with the neighbours'):
//   flushed:      [L2 flush, barrier, call, barrier] x calls, minus the same region without
//                 the calls (the flushes alone), over calls;
//   back to back: [call, barrier] x calls, over calls (inputs stay in L2 when they fit it).
// The barrier after each call is a full ALL_COMMANDS memory barrier, or (StreamBarrier::compute)
// the one vknorm's synchronization contract asks of a caller between dependent calls:
// COMPUTE_SHADER/SHADER_WRITE -> COMPUTE_SHADER/SHADER_READ|SHADER_WRITE, or (none) nothing
// between back-to-back calls: independent calls an engine may overlap, which isolates the
// launch cost from the barrier's (the calls repeat the same outputs: a benign race, timing only).
// A flush is always fenced by full barriers.
enum class StreamBarrier { full, compute, none };
const char* stream_barrier_name(StreamBarrier b);
struct StreamStats {
  bool ok = false;
  std::string error;
  int calls = 0;
  StreamBarrier barrier = StreamBarrier::full;
  double flushed_per_call_ms = -1;       // < 0: not measured (no flush buffer)
  double back_to_back_per_call_ms = 0;
  Stats flushed_total, flushes_alone, back_to_back_total;  // per region, over the samples
};

class Timer {
 public:
  Timer(vknorm_support::HostDevice& device, const TimingOptions& options);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  bool ok(std::string* error) const;  // false if the query pool or flush buffer failed

  // `body` records the work to time; it returns false (and the measurement fails) when it
  // could not record.
  Stats measure(const std::function<bool(VkCommandBuffer)>& body);
  // Two timestamps with nothing between: the floor of the method.
  Stats measure_empty() {
    return measure([](VkCommandBuffer) { return true; });
  }
  StreamStats measure_stream(const std::function<bool(VkCommandBuffer)>& body, int calls,
                             StreamBarrier barrier = StreamBarrier::full);
  const TimingOptions& options() const { return options_; }  // flush may have been dropped
  const std::string& note() const { return note_; }

 private:
  bool run_batch(const std::function<bool(VkCommandBuffer)>& body, int count, bool timed,
                 std::vector<double>* samples_ms, std::vector<double>* record_us,
                 std::string* error);

  // The `count` intervals between timestamp pairs (2i, 2i + 1) of the pool, in ms.
  bool read_intervals(int count, std::vector<double>* ms, std::string* error);
  // One submission: [flush?, barrier, body?, barrier] x calls between two timestamps.
  bool run_region(const std::function<bool(VkCommandBuffer)>* body, bool flush, int calls,
                  StreamBarrier barrier, double* ms, std::string* error);

  vknorm_support::HostDevice& dev_;
  TimingOptions options_;
  VkQueryPool pool_ = VK_NULL_HANDLE;
  vknorm_support::Buffer flush_;
  uint32_t flush_value_ = 0;
  std::string error_, note_;
};

}  // namespace vknorm_bench
