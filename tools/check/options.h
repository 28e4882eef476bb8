// vknorm-check: command-line options.
#pragma once

#include "tools/check/case_record.h"
#include "tools/check/matrix.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_check {

enum class Mode { matrix, single_case, random, list_devices, list_cases, compare, html, batch_invariance, help };

struct Options {
  Mode mode = Mode::matrix;
  MatrixSize matrix = MatrixSize::standard;
  std::string device;                 // --device (else VKNORM_DEVICE)
  bool validation = true;             // VKNORM_VALIDATION=0 or --no-validation disables
  bool force_shared_reduction = false;
  std::string limits;                 // --limits PROFILE (vknorm::device_limits_profile)
  uint32_t virtual_subgroup = 0;      // --virtual-subgroup 64|128 (else $VKNORM_VIRTUAL_SUBGROUP)
  uint64_t seed = 1;                  // --seed: matrix base seed, random seed, or case seed
  bool seed_given = false;
  int random_count = 0;               // --random N
  int64_t max_elements = 1 << 20;     // --max-elements (random run)
  std::vector<std::string> filters;   // --filter SUBSTR (all must match the label)
  std::vector<std::string> excludes;  // --exclude SUBSTR (none may match the label)
  int shard = 0, shards = 0;          // --shard I/N: the I-th of N sets of whole operators
  std::string json_path, junit_path, suite_name;
  std::string html_path;              // --html: the page of the reports below, or of this run
  std::vector<std::string> html_inputs;  // JSON reports named after the options (Mode::html)
  bool quiet = false, verbose = false;
  int max_mismatches = 10;            // --case: mismatching elements printed per output
  // --case
  CheckCase single;
  // --compare
  std::string compare_a, compare_b;
  double metric_ratio = 2.0;          // metrics differing by more than this factor are listed
  bool allow_missing = false;         // a case passing in A and absent in B is not a failure
  std::string command_line;
};

// Returns false and sets *error on a usage error.
bool parse_options(int argc, char** argv, Options* out, std::string* error);
const char* usage_text();

}  // namespace vknorm_check
