#!/usr/bin/env bash
# ASan + UBSan build of the library, the tests and vknorm-fuzz (build-asan/), then the host-side
# suites (argument checks, aliasing, planning, text forms, C API, threads on one context) and
# the fuzzer (FUZZ_CALLS calls for each seed of FUZZ_SEEDS), on lavapipe at one subgroup width
# with validation on. scripts/test.sh runs it (SANITIZE=0 skips it). Fails on any test failure,
# fuzzer violation (vknorm-fuzz exits 1) or sanitizer report (the run aborts). The longer mode,
# not in CI: FUZZ_CALLS=200000. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-asan}
# 5,000 calls per seed (FUZZ_CALLS, FUZZ_SEEDS: scripts/fuzz.sh; 2026-12-06: 20,000 took 9.6 of
# CI's minutes, 8,000 took 8.0 on a slower machine); calls are deterministic per seed, so a
# longer run replays these first and goes on.
start=$(date +%s)
. scripts/sanitizer-tree.sh  # configure_sanitizer_tree
configure_sanitizer_tree "$build" ON
cmake --build "$build" -j"${JOBS:-$(nproc)}" --target vknorm_tests vknorm-fuzz

# detect_leaks=0: LeakSanitizer reports allocations of the uninstrumented Vulkan loader,
# lavapipe (LLVM) and the validation layer still live at exit; vknorm's own objects are all
# freed by RAII (a leak there would be a lost Context, which the suites destroy explicitly).
# Everything else (heap/stack overflows, use after free, UB) stops the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Mesa's cache off, unless VKNORM_TEST_MESA_CACHE names a per-width root (support/mesa_cache.h).
export MESA_SHADER_CACHE_DISABLE=true XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe} VKNORM_VALIDATION=1 LP_NATIVE_VECTOR_WIDTH=256

# The tree's vknorm_tests holds the host-side suites only (VKNORM_TESTS_HOST_ONLY): errors,
# aliasing, config_text, api, c_api, support, concurrency.
echo "== vknorm_tests, host-side suites (ASan + UBSan)"
"$build/tests/vknorm_tests" --force-colors=0 >"$build/suites.log" 2>&1 || { cat "$build/suites.log"; exit 1; }
tail -n 3 "$build/suites.log"
# The seeds run side by side (one process each: a core each on CI's 2 cores). FUZZ=0: the
# suites only (scripts/test.sh runs the fuzzer itself, once nothing else runs: its 20-second
# watchdog on a submission must not see a process that waits for a CPU).
[ "${FUZZ:-1}" = 0 ] || bash scripts/fuzz.sh "$build"
echo "test-sanitize.sh: $(( $(date +%s) - start )) s"
