#!/usr/bin/env bash
# ASan + UBSan build of the library, the tests and vknorm-fuzz (build-asan/), then the host-side
# suites (argument checks, aliasing, planning, text forms, C API) and the fuzzer, on lavapipe at
# one subgroup width with validation on. The lead wires this into CI; see docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-asan}
calls=${FUZZ_CALLS:-20000}
start=$(date +%s)
cmake -S . -B "$build" -DVKNORM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVKNORM_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target vknorm_tests vknorm-fuzz

# detect_leaks=0: LeakSanitizer reports allocations of the uninstrumented Vulkan loader,
# lavapipe (LLVM) and the validation layer still live at exit; vknorm's own objects are all
# freed by RAII (a leak there would be a lost Context, which the suites destroy explicitly).
# Everything else (heap/stack overflows, use after free, UB) stops the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export MESA_SHADER_CACHE_DISABLE=true XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe} VKNORM_VALIDATION=1 LP_NATIVE_VECTOR_WIDTH=256

for suite in errors aliasing config_text api c_api support; do
  echo "== vknorm_tests --test-suite=$suite (ASan + UBSan)"
  "$build/tests/vknorm_tests" --test-suite="$suite" --force-colors=0 | tail -n 3
done
echo "== vknorm-fuzz --calls $calls --seed 1 (ASan + UBSan)"
"$build/tools/fuzz/vknorm-fuzz" --calls "$calls" --seed 1
echo "test-sanitize.sh: $(( $(date +%s) - start )) s"
