// vknorm-bench: times vknorm's operators on one Vulkan device, next to a copy-shader roofline
// measured in the same run, with a per-dispatch profile and a sampled fp64 error check; or
// (--tune) autotunes them into a tuning cache. See bench/README.md.
#include "accuracy.h"
#include "cases.h"
#include "cli.h"
#include "profile.h"
#include "report.h"
#include "selftest.h"
#include "timing.h"
#include "tuner.h"
#include "workload.h"

#include "support/host_device.h"
#include "support/json.h"

#include <vknorm/vknorm.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>

using namespace vknorm_bench;
using vknorm_support::HostDevice;

namespace {

bool g_quiet = false;

void progress(const std::string& s) {
  if (g_quiet) return;
  std::fflush(stdout);  // keep stdout and stderr in order when both go to one file
  std::fprintf(stderr, "%s\n", s.c_str());
}

std::string join_command(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.find_first_of(" \t'\"") != std::string::npos) a = "'" + a + "'";
    s += (i ? " " : "") + a;
  }
  return s;
}

std::string driver_version_text(uint32_t vendor, uint32_t v) {
  char buf[64];
  if (vendor == 0x10de)  // NVIDIA: 10.8.8.6 bits
    std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", v >> 22, (v >> 14) & 0xff, (v >> 6) & 0xff, v & 0x3f);
  else
    std::snprintf(buf, sizeof(buf), "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
                  VK_API_VERSION_PATCH(v));
  return buf;
}

DeviceSummary summarize_device(HostDevice& dev) {
  const vknorm::DeviceInfo& info = dev.info();
  DeviceSummary d;
  d.name = info.name;
  d.device_class = vknorm::device_class_name(info.device_class);
  d.vendor_id = info.vendor_id;
  d.device_id = info.device_id;
  d.driver_version = info.driver_version;
  d.api_version = info.api_version;
  d.uuid = vknorm::device_uuid_string(info);
  d.subgroup_size = info.subgroup_size;
  d.cpu = info.device_class == vknorm::DeviceClass::lavapipe ||
          dev.properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  d.heap_bytes = dev.device_local_heap_bytes();
  d.max_storage_buffer_range = info.max_storage_buffer_range;
  d.timestamp_period_ns = static_cast<double>(dev.properties().limits.timestampPeriod);
  d.timestamp_valid_bits = dev.timestamp_valid_bits();
  d.pipeline_statistics = info.enabled.pipeline_executable_info;
  VkPhysicalDeviceDriverProperties drv{};
  drv.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  VkPhysicalDeviceMaintenance3Properties m3{};
  m3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  m3.pNext = &drv;
  VkPhysicalDeviceProperties2 p2{};
  p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  p2.pNext = &m3;
  vkGetPhysicalDeviceProperties2(dev.physical_device(), &p2);
  d.max_allocation_bytes = m3.maxMemoryAllocationSize;
  if (dev.properties().apiVersion >= VK_API_VERSION_1_2) {
    d.driver_name = drv.driverName;
    d.driver_info = drv.driverInfo;
  }
  d.driver_version_text = driver_version_text(info.vendor_id, info.driver_version);
  if (!d.driver_info.empty()) d.driver_version_text += " (" + d.driver_info + ")";
  return d;
}

// The smallest call of the same operator: one row (rms: one spatial position) of a short row.
BenchCase minimal_case(const BenchCase& c) {
  BenchCase m = c;
  m.name = c.name + ".min";
  m.requested_shape.clear();
  m.scale_note.clear();
  const auto parts = c.parts();
  if (!parts.empty()) m.shape = parts[0]->minimal_shape(c.shape, c.normalized_rank, &m.normalized_rank);
  return m;
}

// Creates the workload, halving the case while allocations fail.
std::unique_ptr<Workload> create_fitting(HostDevice& dev, BenchCase* c, const WorkloadOptions& wo,
                                         std::string* error) {
  for (int attempt = 0; attempt < 40; ++attempt) {
    bool oom = false;
    std::unique_ptr<Workload> w = Workload::create(dev, *c, wo, error, &oom);
    if (w) return w;
    if (!oom) return nullptr;
    const std::vector<int64_t> before = c->requested_shape.empty() ? c->shape : c->requested_shape;
    if (!halve(c)) return nullptr;
    c->requested_shape = before;
    c->scale_note = "scaled " + shape_string(before) + " -> " + shape_string(c->shape) +
                    " (allocation failed: " + *error + ")";
    progress("  allocation failed, retrying at " + shape_string(c->shape));
  }
  return nullptr;
}

void measure_roofline(CopyProbe& probe, Timer& timer, RunSummary* run) {
  std::string err;
  run->roofline_bytes = probe.capacity();
  if (!probe.ok(&err)) {
    run->roofline.error = err;
    return;
  }
  run->roofline = probe.time(timer, probe.capacity()).stats;
  if (run->roofline.ok)
    run->roofline_gbps = 2.0 * static_cast<double>(probe.capacity()) / (run->roofline.median_ms * 1e6);
}

CaseResult run_case(HostDevice& dev, Timer& timer, CopyProbe* copy, const Options& opt,
                    const RunSummary& run, Arena* arena, BenchCase c) {
  CaseResult r;
  device_local_usage(dev, &r.heap_usage_bytes, &r.heap_budget_bytes);
  WorkloadOptions wo;
  wo.by_address = opt.by_address;
  wo.arena = arena;
  std::string err;
  std::unique_ptr<Workload> w = create_fitting(dev, &c, wo, &err);
  r.c = c;
  if (!w) {
    r.error = err;
    return r;
  }
  r.c = w->bench_case();  // with the gradient dtype the library accepted
  r.fills_skipped = w->fills_skipped();
  for (const char* role : {"x", "y", "dy", "dx"}) {  // the x-sized tensors
    const vknorm_support::Buffer& b = w->buffer(role);
    if (b.buffer != VK_NULL_HANDLE && !b.device_local) r.device_local = false;
  }
  vknorm::Error e = w->select(&r.configs);
  if (!e.ok()) {
    r.error = "select_config: " + e.message;
    return r;
  }
  if (opt.profile) {
    std::vector<vknorm::DispatchInfo> dispatches;
    e = w->describe(&dispatches);
    if (e.ok()) r.profile = profile_dispatches(dev, dispatches);
  }
  progress("  timing " + std::to_string(opt.runs) + " runs");
  r.stats = timer.measure([&](VkCommandBuffer cmd) {
    const vknorm::Error re = w->record(cmd);
    if (!re.ok()) r.error = re.message;
    return re.ok();
  });
  if (!r.stats.ok) {
    r.error = "timing: " + r.stats.error + (r.error.empty() ? "" : ": " + r.error);
    return r;
  }
  r.ran = true;
  r.bytes = minimal_bytes(r.c);
  r.gbps = static_cast<double>(r.bytes) / (r.stats.median_ms * 1e6);
  r.pct_roofline = run.roofline_gbps > 0 ? 100.0 * r.gbps / run.roofline_gbps : 0;
  if (copy) {
    progress("  timing the same-size copy");
    r.copy = copy->time(timer, r.bytes / 2);
    if (r.copy.ok()) r.efficiency = r.copy.median_ms / r.stats.median_ms;
  }
  if (opt.stream_calls > 0) {
    progress("  timing " + std::to_string(opt.stream_calls) + " calls in one command buffer");
    r.stream = timer.measure_stream([&](VkCommandBuffer cmd) { return w->record(cmd).ok(); },
                                    opt.stream_calls,
                                    opt.stream_barrier);
  }
  if (opt.check) {
    progress("  checking a sample against the fp64 reference");
    r.accuracy = check_accuracy(*w);
  }
  w.reset();
  r.min_case = minimal_case(c);
  bool oom = false;
  std::unique_ptr<Workload> m = Workload::create(dev, r.min_case, wo, &err, &oom);
  if (m) r.min_call = timer.measure([&](VkCommandBuffer cmd) { return m->record(cmd).ok(); });
  else r.min_call.error = err;
  return r;
}

// Re-opens the device with the cache and checks that select_config now reports "tuned".
bool verify_cache(const Options& opt, const vknorm_support::HostOptions& base_options,
                  std::vector<TuneResult>& results) {
  vknorm_support::HostOptions ho = base_options;
  ho.tuning_cache_path = opt.tune_cache;
  std::string err;
  std::unique_ptr<HostDevice> dev = HostDevice::create(ho, &err);
  if (!dev) {
    std::fprintf(stderr, "verification: %s\n", err.c_str());
    return false;
  }
  bool all = true;
  std::printf("\nread back through ContextCreateInfo::tuning_cache_path = %s:\n", opt.tune_cache.c_str());
  for (TuneResult& r : results) {
    if (!r.error.empty()) continue;
    WorkloadOptions wo;
    wo.by_address = opt.by_address;
    wo.fill_inputs = false;
    bool oom = false;
    std::unique_ptr<Workload> w = Workload::create(*dev, r.part, wo, &err, &oom);
    std::vector<vknorm::KernelConfig> cfg;
    if (!w || !w->select(&cfg).ok()) {
      std::printf("  %-32s could not check: %s\n", r.part.label().c_str(), err.c_str());
      all = false;
      continue;
    }
    const vknorm::KernelConfig& want = r.chosen().effective;
    const bool ok = cfg[0].source == "tuned" && cfg[0].workgroup_size == want.workgroup_size &&
                    cfg[0].items_per_invocation == want.items_per_invocation &&
                    cfg[0].split == want.split && cfg[0].wave_bytes == want.wave_bytes &&
                    cfg[0].channel_split == want.channel_split &&
                    cfg[0].rows_per_workgroup == want.rows_per_workgroup;
    all = all && ok;
    std::printf("  %-40s %s  %s\n", r.part.label().c_str(), ok ? "ok  " : "FAIL",
                vknorm::to_string(cfg[0]).c_str());
  }
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string err;
  if (!parse_options(argc, argv, &opt, &err)) {
    if (err == "help") {
      std::printf("%s", usage());
      return 0;
    }
    std::fprintf(stderr, "vknorm-bench: %s\n\n%s", err.c_str(), usage());
    return 2;
  }
  g_quiet = opt.quiet;
  std::vector<BenchCase> cases = opt.have_single ? std::vector<BenchCase>{opt.single} : suite(opt.suite);
  if (!opt.case_names.empty()) {
    std::vector<BenchCase> picked;
    for (const std::string& name : opt.case_names)
      for (const BenchCase& c : cases)
        if (c.name == name) picked.push_back(c);
    cases = picked;
  }
  if (opt.list) {
    std::printf("%s\n", list_json(opt.have_single ? "" : opt.suite, cases).dump(2).c_str());
    return 0;
  }
  if (opt.list_devices) {
    for (const auto& d : HostDevice::list_devices(&err))
      std::printf("%u: %s (%s %s)\n", d.index, d.name.c_str(), d.driver_name.c_str(), d.driver_info.c_str());
    if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
    return 0;
  }

  vknorm_support::HostOptions ho;
  ho.validation = opt.validation;
  ho.device_selector = opt.device;
  ho.enable_timestamps = true;
  ho.enable_profiling_extensions = true;  // pipeline statistics in the profile report
  ho.context_scratch_bytes = 16ull << 20;  // for calls that take no scratch argument (rms_norm)
  if (!opt.tune) ho.tuning_cache_path = opt.tune_cache;  // --tune measures around the tables
  ho.batch_invariant = opt.batch_invariant;
  std::unique_ptr<HostDevice> dev = HostDevice::create(ho, &err);
  if (!dev) {
    std::fprintf(stderr, "vknorm-bench: no device: %s\n", err.c_str());
    return 1;
  }

  RunSummary run;
  run.command = join_command(argc, argv);
  run.vknorm_version = vknorm::version_string();
  run.device = summarize_device(*dev);
  run.tune_cache = ho.tuning_cache_path;

  // Memory budget: CPU devices get small tensors; GPUs what their heap allows.
  const uint64_t heap = run.device.heap_bytes;
  if (opt.budget_mib) {
    run.per_tensor_budget = opt.budget_mib << 20;
    run.budget_reason = "--budget-mib";
  } else if (run.device.cpu) {
    run.per_tensor_budget = 64ull << 20;
    run.budget_reason = "CPU device";
  } else {
    run.per_tensor_budget = std::numeric_limits<uint64_t>::max();
  }
  run.timing.runs = opt.runs;
  run.timing.warmup = opt.warmup;
  run.timing.warmup_ms = opt.warmup_ms;
  run.timing.flush = opt.flush;
  run.timing.flush_bytes = (opt.flush_mib_given ? opt.flush_mib : (run.device.cpu ? 32 : 256)) << 20;
  run.total_budget = static_cast<uint64_t>(0.8 * static_cast<double>(heap));
  run.total_budget -= std::min(run.total_budget, opt.flush ? run.timing.flush_bytes : 0);
  if (run.device.cpu) run.total_budget = std::min(run.total_budget, heap / 2);
  if (run.budget_reason.empty()) run.budget_reason = "device heap";

  // The copy probe's two buffers stay allocated for the whole run (the roofline, then each
  // case's same-size copy): they come out of the tensors' budget.
  const uint64_t roof_bytes = std::min({opt.roofline_mib << 20, run.per_tensor_budget, heap / 4}) / 16 * 16;
  const bool want_copy = !opt.tune && (opt.roofline || opt.same_size_copy);
  if (want_copy) run.total_budget -= std::min(run.total_budget, 2 * roof_bytes);
  for (BenchCase& c : cases) {
    if (!scale_to_budget(&c, run.per_tensor_budget, run.total_budget, run.budget_reason))
      c.scale_note = "does not fit the budget even at one row";
  }

  auto timer_owner = std::make_unique<Timer>(*dev, run.timing);
  Timer& timer = *timer_owner;
  if (!timer.ok(&err)) {
    std::fprintf(stderr, "vknorm-bench: timer: %s\n", err.c_str());
    return 1;
  }
  if (!timer.note().empty()) {
    std::fprintf(stderr, "vknorm-bench: %s\n", timer.note().c_str());
    run.timing = timer.options();
  }

  std::vector<CaseResult> results;
  std::vector<TuneResult> tuning;
  bool self_test_pass = true;
  vknorm_support::Json self_test;
  if (opt.tune) {
    std::vector<BenchCase> parts;
    for (const BenchCase& c : cases)
      for (const BenchCase& p : kernel_parts(c)) parts.push_back(p);
    for (size_t i = 0; i < parts.size(); ++i) {
      progress("[" + std::to_string(i + 1) + "/" + std::to_string(parts.size()) + "] tuning " +
               parts[i].label());
      WorkloadOptions wo;
      wo.by_address = opt.by_address;
      BenchCase c = parts[i];
      std::unique_ptr<Workload> w = create_fitting(*dev, &c, wo, &err);
      if (!w) {
        TuneResult r;
        r.part = c;
        r.error = err;
        tuning.push_back(r);
        continue;
      }
      tuning.push_back(tune_part(*w, timer, progress, opt.try_configs));
    }
    print_header(stdout, run);
    print_tuning(stdout, tuning);
    if (!store_results(opt.tune_cache, dev->info(), tuning, &err)) {
      std::fprintf(stderr, "vknorm-bench: %s\n", err.c_str());
      return 1;
    }
    std::printf("\nwrote %s\n", opt.tune_cache.c_str());
  } else {
    std::unique_ptr<CopyProbe> copy;
    if (want_copy) copy = std::make_unique<CopyProbe>(*dev, roof_bytes);
    if (opt.roofline) {
      progress("measuring the roofline (vknorm copy shader)");
      measure_roofline(*copy, timer, &run);
    }
    CopyProbe* same_size = opt.same_size_copy && copy && copy->ok(nullptr) ? copy.get() : nullptr;
    run.timer_floor = timer.measure_empty();
    // Reserve the tensors' memory for the largest case up front (arena.h says why): every case
    // then runs on the same long-lived device-local blocks, alone or inside a suite.
    Arena arena(*dev);
    {
      std::vector<uint64_t> need(static_cast<size_t>(Slot::count), 0);
      for (const BenchCase& c : cases)
        for (const auto& [slot, bytes] : slot_bytes(c))
          need[static_cast<size_t>(slot)] =
              std::max({need[static_cast<size_t>(slot)], bytes, opt.arena_mib << 20});
      for (size_t i = 0; i < need.size(); ++i) {
        std::string e;
        if (need[i] && !arena.reserve(static_cast<Slot>(i), need[i], &e))
          progress(std::string("  could not reserve ") + slot_name(static_cast<Slot>(i)) + " (" +
                   std::to_string(need[i]) + " bytes) up front: " + e);
      }
      run.arena_bytes = arena.total_bytes();
      if (!arena.device_local())
        std::fprintf(stderr, "vknorm-bench: warning: tensor memory is not device-local\n");
    }
    auto run_all = [&]() {
      std::vector<CaseResult> out;
      for (size_t i = 0; i < cases.size(); ++i) {
        progress("[" + std::to_string(i + 1) + "/" + std::to_string(cases.size()) + "] " +
                 (cases[i].name.empty() ? "" : cases[i].name + ": ") + cases[i].label() +
                 (cases[i].scale_note.empty() ? "" : " (" + cases[i].scale_note + ")"));
        out.push_back(run_case(*dev, timer, same_size, opt, run, &arena, cases[i]));
      }
      return out;
    };
    results = run_all();
    print_header(stdout, run);
    print_table(stdout, run, results);
    if (opt.profile || opt.check) print_profiles(stdout, results);
    if (opt.self_test) {
      std::vector<SelfTestRow> rows = run_self_test(
          opt, argc, argv, results,
          [&]() {
            progress("self-test: the suite again");
            return run_all();
          },
          progress);
      self_test_pass = print_self_test(stdout, opt, rows);
      self_test = self_test_json(opt, rows);
    }
  }

  int rc = 0;
  if (dev->validation_enabled()) {
    const std::vector<std::string> msgs = dev->validation_messages();
    std::fprintf(msgs.empty() ? stdout : stderr, "validation layer: %zu message(s)\n", msgs.size());
    for (size_t i = 0; i < msgs.size() && i < 10; ++i) std::fprintf(stderr, "  %s\n", msgs[i].c_str());
    if (!msgs.empty()) rc = 1;
  }
  for (const CaseResult& r : results)
    if (!r.ran || (r.accuracy.ran && !r.accuracy.pass())) rc = 1;
  if (!self_test_pass) rc = 1;
  if (!opt.json_path.empty()) {
    vknorm_support::Json j = to_json(run, results, tuning);
    if (opt.self_test) j["self_test"] = self_test;
    if (!vknorm_support::write_text_file(opt.json_path, j.dump(2) + "\n")) {
      std::fprintf(stderr, "vknorm-bench: cannot write %s\n", opt.json_path.c_str());
      rc = 1;
    } else {
      progress("wrote " + opt.json_path);
    }
  }
  if (opt.tune) {
    // Close the device before the verification opens it again.
    timer_owner.reset();
    dev.reset();
    if (!verify_cache(opt, ho, tuning)) {
      std::fprintf(stderr, "vknorm-bench: the tuning cache was not read back as expected\n");
      rc = 1;
    }
  }
  return rc;
}
