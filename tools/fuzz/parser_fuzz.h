// The text fuzzer: random and mutated bytes through every parser the library and the tools
// expose (vknorm::parse_config, vknorm::read_tuning_cache, the shape / dtype / data-kind
// parsers and the JSON reader of support/), with round-trip checks where a parse succeeds.
#pragma once

#include "support/host_device.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_fuzz {

struct ParserFuzzStats {
  uint64_t inputs = 0;    // texts tried, over all parsers
  uint64_t accepted = 0;  // parses that succeeded (round trips checked)
  uint64_t violations = 0;
  std::vector<std::string> first_violations;
};

// `device` gives a real DeviceInfo for write_tuning_cache; `dir` holds the temporary cache file.
void run_parser_fuzz(const vknorm::DeviceInfo& device, uint64_t inputs, uint64_t seed,
                     const std::string& dir, ParserFuzzStats* stats);

}  // namespace vknorm_fuzz
