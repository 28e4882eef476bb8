#!/usr/bin/env bash
# Install dependencies (Debian 12), build, then run the doctest suite (ctest) with the Khronos
# validation layer at LP_NATIVE_VECTOR_WIDTH 128, 256 and 1024 (4, 8, 16 lanes really run;
# 1024 reports 32 but runs 16; every suite at 256, the kernel suites that sweep row lengths at
# the others), then the vknorm-check conformance matrix at every width lavapipe takes (those,
# 512: 16 lanes, and 2048: reports 64, runs 16; reports in ${REPORT_DIR:-check-reports}/), with
# synchronization and GPU-assisted validation, virtual 64- / 128-lane subgroups and
# device-limit profiles at width 256, then the quick matrix on Mesa 25.0.7's lavapipe
# compared with 22.3's (two processes). The sanitizers' builds and suites (ASan + UBSan, TSan)
# run beside all of that at the lowest priority, from the end of the build; the fuzzer last. Fails on any test failure,
# validation message, sanitizer report or new failure. Before the tests, scripts/test-consume.sh
# builds and runs the three ways of consuming vknorm.
set -euo pipefail
cd "$(dirname "$0")/.."
# Headless chromium renders vknorm-check's HTML report at the end (HTML_CHECK=0 skips both).
export VKNORM_HTML_CHECK=${HTML_CHECK:-1}
bash scripts/install-deps.sh
# Line tables only (-g1) in CI's build: enough for a failing test's stack, and the build takes
# a quarter less CPU than with -g (2026-12-07: test_c_api.cpp 24.1 -> 17.9 s). A unity build
# (UNITY=0: one translation unit per source): the C++ of the main tree 7.0 -> 3.8 core-minutes
# (2026-12-07), the sanitizer trees' alike (scripts/sanitizer-tree.sh takes UNITY too).
export UNITY=${UNITY:-1}
DEBUG_INFO=${DEBUG_INFO:--g1} bash scripts/build.sh
build=${BUILD_DIR:-build}
# Mesa's shader cache, one directory per lane width (support/mesa_cache.h: Mesa 22.3's cache
# ignores LP_NATIVE_VECTOR_WIDTH for some shaders, so a shared one would run code compiled for
# another subgroup size). The suites, every vknorm-check run and the fuzzers of a width then
# compile each pipeline once instead of once per process (set before the fuzzers start: they
# ran without it on 2026-12-07, 351 s instead of 290). VKNORM_TEST_MESA_CACHE= (empty) turns it
# off.
case $build in /*) cache_root=$build/mesa-cache ;; *) cache_root=$PWD/$build/mesa-cache ;; esac
export VKNORM_TEST_MESA_CACHE=${VKNORM_TEST_MESA_CACHE-$cache_root}
# Sanitizers (SANITIZE=0 skips them and the fuzzer): two build-and-test chains side by side,
# ASan + UBSan over the host-side suites (scripts/test-sanitize.sh, build-asan/) and the
# concurrency suite under TSan (scripts/test-tsan.sh, build-tsan/). They need only the main
# build's SPIR-V, so they start now, in the background at the lowest priority: they take the
# cores the stages below leave idle (single-process tails of ctest and the matrix, the
# consumption builds' links) and finish at full speed after them. Their output goes to
# $build/sanitize-*.log, printed at the end. The fuzzer runs after them (below).
sanitize_pids=()
if [ "${SANITIZE:-1}" != 0 ]; then
  set -m  # each chain gets its own process group: a failure below stops all of it
  (
    set -e
    renice -n 19 -p "$BASHPID" >/dev/null  # before anything starts: every child inherits it
    echo "=== ASan + UBSan: host-side suites ($(date +%T))"
    JOBS=2 SPIRV_FROM="$build" BUILD_DIR=build-asan FUZZ=0 bash scripts/test-sanitize.sh
  ) >"$build/sanitize-asan.log" 2>&1 &
  sanitize_pids+=($!)
  (
    set -e
    renice -n 19 -p "$BASHPID" >/dev/null
    echo "=== TSan: threads on one context ($(date +%T))"
    JOBS=2 SPIRV_FROM="$build" BUILD_DIR=build-tsan bash scripts/test-tsan.sh
  ) >"$build/sanitize-tsan.log" 2>&1 &
  sanitize_pids+=($!)
  set +m
  # A failing stage below ends the script: the chains' process groups go with it.
  trap 'for p in "${sanitize_pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done' EXIT
fi
echo "=== consumption paths"
BUILD_DIR="$build" bash scripts/test-consume.sh
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe} VKNORM_VALIDATION=1
widths=${WIDTHS:-128 256 512 1024 2048}
# Every suite runs once, at the width of the sync matrix below (256, 8 lanes; else the first
# width): the host-side suites, the sync suite (every operator's barriers under synchronization
# validation), the limits suite (device-limit profiles), batch_invariance and every kernel
# suite. The other widths run the kernel suites that sweep row lengths against the lane count
# (rows, rms_norm, layer_norm, shared_reduction); the conformance matrix below covers every
# operator at every width (in full at 128, 256 and 512). Until 2026-12-06 every suite ran at
# 128 and 512 as well: 4 + 8.7 of CI's minutes on a slow 2-core machine for what the matrix
# covers (less is saved: those suites warmed the shader cache that the matrix of the same
# width then used; 2026-12-07: matrix-lp128 269 -> 351 s, matrix-lp512 238 -> 402 s).
# Widths 512 and 2048 (16 lanes, as 1024, which reports 32 and runs the kernel suites) run the
# conformance matrix only (CTEST_WIDTHS picks the ctest widths).
suites_width=${VALIDATION_WIDTH:-256}
case " $widths " in *" $suites_width "*) ;; *) suites_width=${widths%% *} ;; esac
ctest_widths=${CTEST_WIDTHS-$(for w in $widths; do case $w in 512 | 2048) ;; *) printf '%s ' "$w" ;; esac; done)}
for w in $ctest_widths; do
  echo "=== ctest at LP_NATIVE_VECTOR_WIDTH=$w ($(date +%T))"
  select=()
  [ "$w" = "$suites_width" ] || select=(-R 'vknorm\.(rows|rms_norm|layer_norm|shared_reduction)$')
  LP_NATIVE_VECTOR_WIDTH=$w ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "${select[@]}"
done
echo "=== vknorm-check matrix ($(date +%T))"
VKNORM_CHECK="$build/tools/check/vknorm-check" WIDTHS="$widths" bash tools/check/ci_matrix.sh "${REPORT_DIR:-check-reports}"
# A second driver version: Mesa 25.0.7's lavapipe from bookworm-backports, unpacked beside the
# system Mesa 22.3; its quick matrix at width 256 (8 lanes) must show no new failure against
# 22.3's report of the same width. MESA25=0 skips it (a machine without Debian's mirrors).
if [ "${MESA25:-1}" != 0 ]; then
  echo "=== Mesa 25.0.7 lavapipe ($(date +%T))"
  bash scripts/install-mesa25.sh
  VKNORM_CHECK="$build/tools/check/vknorm-check" WIDTHS=256 bash tools/check/ci_mesa25.sh "${REPORT_DIR:-check-reports}"
fi
# The HTML report: the committed lavapipe and H200 reports rendered, checked offline and in
# headless chromium (no script error, device names in the page).
if [ "$VKNORM_HTML_CHECK" = 1 ]; then
  echo "=== vknorm-check --html ($(date +%T))"
  VKNORM_CHECK="$build/tools/check/vknorm-check" HTML_CHECK_REQUIRE_CHROMIUM=1 bash tools/check/html_check.sh
fi
# The sanitizer chains started after the build: wait for them, then show what they printed.
# Then the fuzzer, at normal priority with nothing else running (its 20-second watchdog on a
# submission; niced beside the matrix it flagged two slow JITs on 2026-12-07): seed 1 under
# ASan + UBSan (2,500 calls) beside the same seed on the main build (12,500 calls: validation and
# guard regions, no ASan), side by side. The two replay the same first 2,500 calls, so the ASan
# process finds most of its pipelines in Mesa's cache, filled by the faster main-build process:
# its time is lavapipe's LLVM compiling under ASan's allocator (2026-12-07: 375 s for 2,500
# calls of seed 1 beside seed 2 on the main build, 202 s beside seed 1; 12,500 distinct calls
# either way).
if [ "${#sanitize_pids[@]}" -gt 0 ]; then
  echo "=== sanitizers (started after the build; waiting: $(date +%T))"
  rc=0
  for p in "${sanitize_pids[@]}"; do wait "$p" || rc=$?; done
  sanitize_pids=()
  cat "$build/sanitize-asan.log" "$build/sanitize-tsan.log"
  [ "$rc" -eq 0 ] || { echo "sanitizers failed (exit $rc)"; exit "$rc"; }
  echo "=== vknorm-fuzz: seed 1 under ASan + UBSan and on the main build ($(date +%T))"
  FUZZ_SEEDS=1 FUZZ_CALLS=2500 bash scripts/fuzz.sh build-asan > build-asan/fuzz.log 2>&1 &
  asan_fuzz=$!
  rc=0
  FUZZ_SEEDS=1 FUZZ_CALLS=12500 bash scripts/fuzz.sh "$build" || rc=$?
  wait "$asan_fuzz" || rc=$?
  cat build-asan/fuzz.log
  [ "$rc" -eq 0 ] || { echo "vknorm-fuzz failed (exit $rc)"; exit "$rc"; }
fi
echo "=== done ($(date +%T))"
