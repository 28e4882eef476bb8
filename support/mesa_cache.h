// Mesa's on-disk shader cache for the test harnesses, one directory per lavapipe lane width.
//
// Lavapipe spends most of a conformance run compiling pipelines with LLVM, and CI compiles the
// same pipelines again in every process of a width (the ctest suites, then each vknorm-check
// run). Mesa 22.3's llvmpipe cache does not key its code on LP_NATIVE_VECTOR_WIDTH for shaders
// that do not read gl_SubgroupSize, so one cache shared across widths hands a run code compiled
// for another width; a directory per width cannot. Off unless asked for.
#pragma once

namespace vknorm_support {

// With VKNORM_TEST_MESA_CACHE=<root> in the environment: turns Mesa's shader cache on, in
// <root>/lp<LP_NATIVE_VECTOR_WIDTH> (<root>/lp-default when the width is not set), by setting
// MESA_SHADER_CACHE_DIR and MESA_SHADER_CACHE_DISABLE=false. Otherwise it changes nothing. Call
// it first thing in main, before any Vulkan instance exists and before any thread starts
// (setenv). Creates the directory. Returns it, or nullptr (no variable, or no directory).
const char* use_per_width_mesa_cache();

}  // namespace vknorm_support
