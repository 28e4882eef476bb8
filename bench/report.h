// Results of a vknorm-bench run and their two renderings: a terminal table and JSON.
#pragma once

#include "accuracy.h"
#include "cases.h"
#include "copy_probe.h"
#include "profile.h"
#include "timing.h"
#include "tuner.h"

#include "support/json.h"

#include <vknorm/vknorm.h>

#include <cstdio>
#include <string>
#include <vector>

namespace vknorm_bench {

struct DeviceSummary {
  std::string name, device_class, driver_name, driver_info, driver_version_text, uuid;
  uint32_t vendor_id = 0, device_id = 0, driver_version = 0, api_version = 0;
  bool cpu = false;
  uint32_t subgroup_size = 0;
  uint64_t heap_bytes = 0, max_allocation_bytes = 0, max_storage_buffer_range = 0;
  double timestamp_period_ns = 0;
  uint32_t timestamp_valid_bits = 0;
  bool pipeline_statistics = false;
};

struct RunSummary {
  std::string command;            // argv joined
  std::string vknorm_version;
  DeviceSummary device;
  TimingOptions timing;
  uint64_t per_tensor_budget = 0, total_budget = 0;
  std::string budget_reason;
  uint64_t roofline_bytes = 0;    // copied bytes (bandwidth counts 2x: read + write)
  Stats roofline;
  double roofline_gbps = 0;
  Stats timer_floor;              // two timestamps, nothing between
  std::string tune_cache;         // cache read by the context, if any
  uint64_t arena_bytes = 0;       // device memory reserved for the tensors before the cases
};

struct CaseResult {
  BenchCase c;
  bool ran = false;
  std::string error;
  uint64_t bytes = 0;             // minimal bytes
  Stats stats;
  double gbps = 0, pct_roofline = 0;
  std::vector<vknorm::KernelConfig> configs;  // one per kernel part
  std::vector<DispatchProfile> profile;
  CopyTime copy;                  // vknorm's copy shader moving the same minimal bytes
  double efficiency = 0;          // copy time / case time (1: as fast as a copy of its bytes)
  StreamStats stream;             // --stream K
  BenchCase min_case;             // the minimal call timed as dispatch overhead
  Stats min_call;
  Accuracy accuracy;
  // Memory: device-local heap usage / budget (VK_EXT_memory_budget) when the case started,
  // whether all its tensors were device-local, whether x/dy were already filled.
  uint64_t heap_usage_bytes = 0, heap_budget_bytes = 0;
  bool device_local = true;
  bool fills_skipped = false;
};

void print_header(std::FILE* f, const RunSummary& run);
void print_table(std::FILE* f, const RunSummary& run, const std::vector<CaseResult>& cases);
void print_profiles(std::FILE* f, const std::vector<CaseResult>& cases);
void print_tuning(std::FILE* f, const std::vector<TuneResult>& results);

vknorm_support::Json to_json(const RunSummary& run, const std::vector<CaseResult>& cases,
                             const std::vector<TuneResult>& tuning);

// --list: the cases as JSON (name, model, op, dtype, shape, normalized_rank, groups, affine,
// eps, minimal bytes, parts), for tools that time the same cases elsewhere.
vknorm_support::Json list_json(const std::string& suite, const std::vector<BenchCase>& cases);

std::string format_ms(double ms);  // "3.852 ms" / "41.2 us"

}  // namespace vknorm_bench
