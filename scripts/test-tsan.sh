#!/usr/bin/env bash
# ThreadSanitizer build of the library and the tests (build-tsan/), then the concurrency suite
# (several threads on one Context: prepare, select_config, scratch_size, describe_dispatches,
# record into their own command buffers) on lavapipe with validation on. Fails on any TSan
# report in vknorm, its support code or the tests; see docs/fuzzing.md, "ThreadSanitizer".
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-tsan}
start=$(date +%s)
. scripts/sanitizer-tree.sh  # configure_sanitizer_tree
configure_sanitizer_tree "$build" thread -DVKNORM_BUILD_TOOLS=OFF
cmake --build "$build" -j"${JOBS:-2}" --target vknorm_tests

# The Vulkan loader, lavapipe (its llvmpipe worker threads and LLVM) and the validation layer
# are not instrumented: TSan cannot see their locks, so their own accesses are suppressed by
# library (scripts/tsan.supp, driver and loader libraries only; nothing of vknorm).
# halt_on_error / exitcode: the first report fails the run.
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/scripts/tsan.supp:halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4}
# Mesa's cache off, unless VKNORM_TEST_MESA_CACHE names a per-width root (support/mesa_cache.h).
export MESA_SHADER_CACHE_DISABLE=true XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe} VKNORM_VALIDATION=1 LP_NATIVE_VECTOR_WIDTH=256

echo "== vknorm_tests --test-suite=concurrency (TSan)"
"$build/tests/vknorm_tests" --test-suite=concurrency --force-colors=0 >"$build/concurrency.log" 2>&1 ||
  { cat "$build/concurrency.log"; exit 1; }
tail -n 3 "$build/concurrency.log"
echo "test-tsan.sh: $(( $(date +%s) - start )) s"
