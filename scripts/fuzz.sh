#!/usr/bin/env bash
# vknorm-fuzz of one build tree: FUZZ_CALLS calls (default 5,000) for each seed of FUZZ_SEEDS
# (default "1 2"), one process per seed side by side, on lavapipe at one subgroup width with
# validation on. Fails on a fuzzer violation (vknorm-fuzz exits 1), a crash or a sanitizer
# report; a submission that takes over 20 s is a violation too, so run it where no other process
# takes its CPU. scripts/test-sanitize.sh runs it on its ASan + UBSan tree, scripts/test.sh on
# that tree and on the main build (the same seed, more calls: a sixth of ASan's time per call).
# See docs/fuzzing.md.
#   scripts/fuzz.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz.sh BUILD_DIR}
calls=${FUZZ_CALLS:-5000}
seeds=${FUZZ_SEEDS:-1 2}
# An ASan + UBSan build stops at the first report (scripts/test-sanitize.sh says why these).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Mesa's cache off, unless VKNORM_TEST_MESA_CACHE names a per-width root (support/mesa_cache.h).
export MESA_SHADER_CACHE_DISABLE=true XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe} VKNORM_VALIDATION=1 LP_NATIVE_VECTOR_WIDTH=${LP_NATIVE_VECTOR_WIDTH:-256}
# The fuzzer's stderr carries the validation layer's messages about the accepted calls whose
# descriptors lie about their memory (recorded, never submitted; counted, not violations):
# only the violations and the summary are kept on the console.
pids=()
for seed in $seeds; do
  echo "== vknorm-fuzz --calls $calls --seed $seed ($build) ($(date +%T))"
  "$build/tools/fuzz/vknorm-fuzz" --calls "$calls" --seed "$seed" \
    >"$build/fuzz-seed$seed.stdout" 2>"$build/fuzz-seed$seed.stderr" &
  pids+=($!)
done
failed=0
i=0
for seed in $seeds; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  i=$((i + 1))
  grep -E '^(VIOLATION|vknorm-fuzz)' "$build/fuzz-seed$seed.stdout" || true
  if [ "$rc" -ne 0 ]; then
    echo "vknorm-fuzz seed $seed: exit $rc"
    tail -n 100 "$build/fuzz-seed$seed.stderr"
    failed=1
  fi
done
[ "$failed" -eq 0 ]
