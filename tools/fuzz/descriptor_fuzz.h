// The descriptor fuzzer: random, mutated calls of every operator of the op-case registry,
// executed on the device when the library accepts them, with guards and inputs checked.
#pragma once

#include "support/host_device.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vknorm_fuzz {

struct DescriptorFuzzOptions {
  uint64_t calls = 20000;
  uint64_t seed = 1;
  // The first call number: `--first 10501 --calls 1` replays call 10501 alone (its descriptors
  // depend only on the seed and the call number; the arena holds the seed's first pattern).
  uint64_t first = 0;
  // Every call on this op case instead of round robin over the registry: a call's descriptors
  // depend on (seed, call number, op), so a violation from a run whose registry had other ops
  // replays as --op <its op> --first <call> --calls 1.
  std::string op;
  // Accepted calls executed on the device: every one up to this many, then every k-th
  // (execute_stride) so that long runs stay bounded by the host-side checks.
  uint64_t execute_budget = 300;
  uint64_t execute_stride = 40;
  bool verbose = false;
};

struct DescriptorFuzzStats {
  uint64_t calls = 0;
  uint64_t accepted = 0;           // record returned ok
  uint64_t executed = 0;           // accepted, honest about its memory, submitted and checked
  uint64_t accepted_dishonest = 0; // accepted, but a descriptor lies about its memory: not run
  uint64_t accepted_skipped = 0;   // accepted, honest, left out by the execute budget (or heavy JIT)
  uint64_t refused_submitted = 0;  // refused; the command buffer was submitted and checked
  std::map<std::string, uint64_t> errors;  // by status name
  std::map<std::string, uint64_t> calls_by_op, executed_by_op;
  uint64_t violations = 0;         // guard / input / aliasing / consistency / validation
  std::vector<std::string> first_violations;  // up to 20, with the replay seed
};

// Runs the fuzzer on `dev`. Returns false when the harness itself could not run.
bool run_descriptor_fuzz(vknorm_support::HostDevice& dev, const DescriptorFuzzOptions& opt,
                         DescriptorFuzzStats* stats, std::string* error);

}  // namespace vknorm_fuzz
