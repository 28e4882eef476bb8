// vknorm-fuzz: a deterministic, bounded fuzzer of vknorm's public entry points. See README.md.
#include "support/host_device.h"
#include "support/mesa_cache.h"
#include "support/op_registry.h"
#include "tools/fuzz/descriptor_fuzz.h"
#include "tools/fuzz/parser_fuzz.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char* kUsage =
    "usage: vknorm-fuzz [--calls N] [--seed S] [--first F] [--op NAME] [--parser-inputs M] [--execute-budget B]\n"
    "                   [--execute-stride K] [--long] [--verbose] [--tmp DIR]\n"
    "  --calls N           operator calls, round robin over every op case (default 20000)\n"
    "  --first F           start at call F (replay: --first F --calls 1 --parser-inputs 0 --verbose)\n"
    "  --op NAME           every call on this op case (replays a call of a run whose registry\n"
    "                      had other ops: a call depends on seed, call number and op)\n"
    "  --parser-inputs M   texts through the parsers (default: N)\n"
    "  --execute-budget B  accepted calls executed on the device, every one up to B (default\n"
    "                      300), then every K-th (--execute-stride, default 40)\n"
    "  --verbose           print every submitted call and every violating call (op, config,\n"
    "                      descriptors) to stderr\n"
    "  --long              --calls 200000 (the longer mode; other flags still apply)\n"
    "Exit status: 0 when no violation, 1 when any, 2 when the harness cannot run.\n";

bool read_u64(int argc, char** argv, int* i, uint64_t* out) {
  if (*i + 1 >= argc) return false;
  char* end = nullptr;
  *out = std::strtoull(argv[++*i], &end, 10);
  return end && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  vknorm_support::use_per_width_mesa_cache();  // before any device exists
  vknorm_fuzz::DescriptorFuzzOptions opt;
  uint64_t parser_inputs = 0;
  bool parser_inputs_set = false;
  std::string tmp = vknorm_support::env_or("TMPDIR", "/tmp");
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    bool ok = true;
    if (a == "--calls") ok = read_u64(argc, argv, &i, &opt.calls);
    else if (a == "--seed") ok = read_u64(argc, argv, &i, &opt.seed);
    else if (a == "--first") ok = read_u64(argc, argv, &i, &opt.first);
    else if (a == "--op" && i + 1 < argc) opt.op = argv[++i];
    else if (a == "--parser-inputs") ok = parser_inputs_set = read_u64(argc, argv, &i, &parser_inputs);
    else if (a == "--execute-budget") ok = read_u64(argc, argv, &i, &opt.execute_budget);
    else if (a == "--execute-stride") ok = read_u64(argc, argv, &i, &opt.execute_stride);
    else if (a == "--long") opt.calls = 200000;
    else if (a == "--verbose") opt.verbose = true;
    else if (a == "--tmp" && i + 1 < argc) tmp = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else ok = false;
    if (!ok) {
      std::fprintf(stderr, "vknorm-fuzz: bad argument %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (!parser_inputs_set) parser_inputs = opt.calls;

  std::string error;
  vknorm_support::HostOptions host;
  host.validation = vknorm_support::env_or("VKNORM_VALIDATION", "1") != "0";
  auto dev = vknorm_support::HostDevice::create(host, &error);
  if (!dev) {
    std::fprintf(stderr, "vknorm-fuzz: %s\n", error.c_str());
    return 2;
  }
  std::printf("vknorm-fuzz: device %s, validation %s, %zu op cases (%s), seed %llu\n",
              dev->info().name.c_str(), dev->validation_description().c_str(),
              vknorm_support::op_cases().size(), vknorm_support::op_case_names().c_str(),
              static_cast<unsigned long long>(opt.seed));
  std::fflush(stdout);

  const auto t0 = std::chrono::steady_clock::now();
  vknorm_fuzz::DescriptorFuzzStats st;
  if (!vknorm_fuzz::run_descriptor_fuzz(*dev, opt, &st, &error)) {
    std::fprintf(stderr, "vknorm-fuzz: %s\n", error.c_str());
    return 2;
  }
  const auto t1 = std::chrono::steady_clock::now();
  vknorm_fuzz::ParserFuzzStats ps;
  vknorm_fuzz::run_parser_fuzz(dev->info(), parser_inputs, opt.seed, tmp, &ps);
  const auto t2 = std::chrono::steady_clock::now();

  for (const auto& v : st.first_violations) std::printf("VIOLATION %s\n", v.c_str());
  for (const auto& v : ps.first_violations) std::printf("VIOLATION %s\n", v.c_str());
  for (const auto& [op, n] : st.calls_by_op)
    std::printf("  %-22s calls %llu, executed %llu\n", op.c_str(), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(st.executed_by_op[op]));
  std::string errors;
  for (const auto& [status, n] : st.errors)
    errors += (errors.empty() ? "" : ", ") + status + " " + std::to_string(n);
  const double sec_calls = std::chrono::duration<double>(t1 - t0).count();
  const double sec_parse = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "vknorm-fuzz summary: calls %llu, accepted %llu (executed %llu; not executed: %llu over the "
      "execute budget of %llu then every %llu-th or heavy for llvmpipe's JIT, %llu dishonest about their memory), errors {%s} "
      "(%llu refused calls submitted and checked), parser inputs %llu (accepted %llu), crashes 0, "
      "violations %llu; %.1f s calls, %.1f s parsers\n",
      static_cast<unsigned long long>(st.calls), static_cast<unsigned long long>(st.accepted),
      static_cast<unsigned long long>(st.executed), static_cast<unsigned long long>(st.accepted_skipped),
      static_cast<unsigned long long>(opt.execute_budget), static_cast<unsigned long long>(opt.execute_stride),
      static_cast<unsigned long long>(st.accepted_dishonest), errors.c_str(),
      static_cast<unsigned long long>(st.refused_submitted), static_cast<unsigned long long>(ps.inputs),
      static_cast<unsigned long long>(ps.accepted), static_cast<unsigned long long>(st.violations + ps.violations),
      sec_calls, sec_parse);
  return st.violations + ps.violations == 0 ? 0 : 1;
}
