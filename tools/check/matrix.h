// vknorm-check: which cases run. The conformance matrix (quick / default / full), the bounded
// random-shape run, and the textual forms of a case (label, shape, reproduction command).
#pragma once

#include "tools/check/case_record.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vknorm_check {

enum class MatrixSize { quick, standard, full };
const char* matrix_size_name(MatrixSize m);  // "quick" "default" "full"

// Operator x dtype x shapes x eps (0, 1e-5, 10) x data kinds, plus layout / affine variants.
// Every case gets a seed derived from `base_seed` and its identity, so a case keeps its data
// when the matrix around it changes or is filtered.
std::vector<CheckCase> build_matrix(MatrixSize size, uint64_t base_seed);

// `count` cases with random operator, dtype, rank 1-5 (rms_norm: 2-5), sizes 1-5000 per
// dimension (at most `max_elements` in all), eps, data kind, layout; reproducible from `seed`.
std::vector<CheckCase> random_cases(int count, uint64_t seed, int64_t max_elements = 1 << 20);

// Shortest round-trip decimal form of a double ("1e-05", "10", "0").
std::string format_number(double v);
// Command line that runs exactly this case (a config override as vknorm::to_string writes
// it, single-quoted; --config reads it back with vknorm::parse_config).
std::string repro_command(const CheckCase& c, bool force_shared_reduction, const std::string& limits,
                          uint32_t virtual_subgroup);

}  // namespace vknorm_check
