#!/usr/bin/env bash
# vknorm-check on lavapipe at five LP_NATIVE_VECTOR_WIDTHs, as CI runs it: 4, 8 and 16 lanes
# really run (128, 256, 512); 1024 and 2048 report 32 / 64 lanes and run 16 (the report's
# lanes_run, measured by a probe kernel, says so).
#
#   tools/check/ci_matrix.sh [REPORT_DIR]        (default: check-reports/)
#
# For each LP_NATIVE_VECTOR_WIDTH in $WIDTHS (128 256 512 1024 2048) it
# runs, with the validation layer on:
#   matrix-lpW     the default conformance matrix (the quick one at $QUICK_WIDTHS, default
#                  1024 2048: they run 16 lanes, as 512 does)
#   shared-lpW     the quick matrix with --force-shared-reduction (the fallback path) at
#                  $VALIDATION_WIDTH only: it runs no subgroup operation (until 2026-12-07 also
#                  at 128 and 512: 4.3 of CI's lane-minutes)
#   random-lpW     $RANDOM_COUNT random shapes with seed $RANDOM_SEED (not at $QUICK_WIDTHS)
# and, at the width $VALIDATION_WIDTH (default 256):
#   sync-lpW       the quick matrix under synchronization validation (VKNORM_VALIDATION=sync)
#   gpuav-lpW      the quick matrix's f32 / f16 cases (bf16 makes the same accesses as f16)
#                  under GPU-assisted validation (VKNORM_VALIDATION=gpu:
#                  out-of-bounds accesses; tensors by device address, as the Debian 12 layer's
#                  GPU-AV cannot see push descriptors, see support/host_device.cpp)
#   virtualN-lpW   the quick matrix on virtual subgroups of N = 64 and 128 lanes
#                  (--virtual-subgroup N: subgroup operations emulated in shared memory, the
#                  selection of an N-lane device; a build with -DVKNORM_VIRTUAL_SUBGROUPS=ON,
#                  as scripts/build.sh makes). Lavapipe runs at most 16 real lanes.
#   limits-P-lpW   the quick matrix within the device-limits profile P (--limits P, each of
#                  $LIMITS_PROFILES, default "mobile integrated"), under synchronization
#                  validation: selection and planning within smaller limits, every dispatch
#                  checked against them before recording
# and writes REPORT_DIR/<run>.json, <run>.xml (JUnit) and <run>.txt (the summary). It then
# compares every width's matrix with the first width's (informational, compare-*.txt).
# Exit status: 0 when every run passed, else the largest exit status of a run (1: a case
# failed or raised validation messages, 2: usage or device error, 124: a run timed out).
#
# Environment: VKNORM_CHECK (the binary; default: build*/tools/check/vknorm-check),
# VKNORM_DEVICE (default llvmpipe), WIDTHS, QUICK_WIDTHS, RANDOM_COUNT (100), RANDOM_SEED (1),
# RUN_TIMEOUT (seconds per run, 600), EXTRA_ARGS (added to every run), JOBS (jobs run at
# once, default: the CPU count, at most 2: each vknorm-check compiles its pipelines on one
# thread, so a second job uses the second core).
set -u

out=${1:-check-reports}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
check=${VKNORM_CHECK:-}
if [ -z "$check" ]; then
  for c in "$root"/build/tools/check/vknorm-check "$root"/build*/tools/check/vknorm-check; do
    if [ -x "$c" ]; then check=$c; break; fi
  done
fi
if [ -z "$check" ] || [ ! -x "$check" ]; then
  echo "ci_matrix.sh: vknorm-check not found; build it or set VKNORM_CHECK" >&2
  exit 2
fi
mkdir -p "$out" || exit 2

export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe}
export VKNORM_VALIDATION=${VKNORM_VALIDATION:-1}
# A warm Mesa 22.3 cache ignores LP_NATIVE_VECTOR_WIDTH: off, unless VKNORM_TEST_MESA_CACHE names
# a root that vknorm-check splits into one directory per width (support/mesa_cache.h).
export MESA_SHADER_CACHE_DISABLE=true
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
widths=${WIDTHS:-128 256 512 1024 2048}
random_count=${RANDOM_COUNT:-100}
random_seed=${RANDOM_SEED:-1}
run_timeout=${RUN_TIMEOUT:-600}
extra=${EXTRA_ARGS:-}

jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt 2 ] && jobs=2
[ "$jobs" -lt 1 ] && jobs=1
start_all=$(date +%s)
order=()  # every run's name, width by width, for the summary

# Each run leaves its exit status in $out/<name>.rc and a summary line in $out/<name>.line:
# runs of different widths may go on in parallel subshells. With LIST_ONLY=1 it only prints
# NAME (the summary's order comes from the same width_runs that runs them).
run() {  # run NAME WIDTH ARGS...
  local name=$1 width=$2
  shift 2
  if [ "${LIST_ONLY:-0}" = 1 ]; then
    echo "$name"
    return
  fi
  local t0 rc
  t0=$(date +%s)
  echo "=== $name (LP_NATIVE_VECTOR_WIDTH=$width): vknorm-check $* $extra" >&2
  # shellcheck disable=SC2086
  LP_NATIVE_VECTOR_WIDTH=$width timeout "$run_timeout" "$check" "$@" $extra \
    --suite-name "$name" --json "$out/$name.json" --junit "$out/$name.xml" \
    > "$out/$name.txt"
  rc=$?
  tail -n 1 "$out/$name.txt" >&2
  if [ "$rc" -ne 0 ]; then
    sed -n '/^FAILED/,$p' "$out/$name.txt" | head -n 40 >&2
    [ "$rc" -eq 124 ] && echo "$name: timed out after ${run_timeout}s" >&2
  fi
  echo "$rc" > "$out/$name.rc"
  printf '%-16s rc=%-3s %4ss  %s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" \
    "$(tail -n 1 "$out/$name.txt")" > "$out/$name.line"
}

# Widths 1024 and 2048 report 32 / 64 lanes but Mesa runs 16 there, like 512: they test that the
# kernels do not trust gl_SubgroupSize, which the quick matrix (and ctest) covers. The full
# default matrix runs at the widths whose lane counts really differ (4, 8, 16).
quick_widths=${QUICK_WIDTHS-1024 2048}
validation_width=${VALIDATION_WIDTH:-256}
# A job is a list of runs that stay in order (a width's matrix first: it fills that width's
# shader cache for the runs after it). The validation width has two jobs, so that its runs
# (2026-12-07: 21 of the 50 lane-minutes) spread over both cores: (a) its own matrix, the
# validation modes that reuse its pipelines and the first virtual subgroup size, (b) the runs
# that compile pipelines of their own: GPU-assisted validation (instrumented shaders), the
# other virtual subgroup sizes and the limit profiles.
job_runs() {  # job_runs WIDTH [a|b]: the runs of one job, in order (no part: the whole width)
  local w=$1 part=${2:-}
  local lanes_list=(${VIRTUAL_SUBGROUPS-64 128})
  if [ "$part" != b ]; then
    case " $quick_widths " in
      *" $w "*) run "matrix-lp$w" "$w" --quick ;;
      *) run "matrix-lp$w" "$w"
         run "random-lp$w" "$w" --random "$random_count" --seed "$random_seed" ;;
    esac
    [ "$w" = "$validation_width" ] && run "shared-lp$w" "$w" --quick --force-shared-reduction
  fi
  if [ "$part" = a ]; then
    VKNORM_VALIDATION=sync run "sync-lp$w" "$w" --quick
    for lanes in "${lanes_list[@]:0:1}"; do run "virtual$lanes-lp$w" "$w" --quick --virtual-subgroup "$lanes"; done
  fi
  if [ "$part" = b ]; then
    # bf16 shares f16's accesses (16-bit storage, the same vector loads): GPU-AV, which
    # compiles an instrumented copy of every pipeline, looks at f32 and f16.
    VKNORM_VALIDATION=gpu run "gpuav-lp$w" "$w" --quick --exclude " bf16 "
    for lanes in "${lanes_list[@]:1}"; do run "virtual$lanes-lp$w" "$w" --quick --virtual-subgroup "$lanes"; done
    for p in ${LIMITS_PROFILES-mobile integrated}; do
      VKNORM_VALIDATION=sync run "limits-$p-lp$w" "$w" --quick --limits "$p"
    done
  fi
}
# The jobs, longest first (a free core takes the next): the validation width's two, the widths
# of the full matrix, then the quick ones; within each group the widest first, as the widths
# that scripts/test.sh runs no ctest at (512, 2048) start with a cold shader cache (2026-12-07:
# full matrix 367 s at 512, 292 s at 128; quick 191 s at 2048, 164 s at 1024).
widths_desc=$(printf '%s\n' $widths | sort -rn)
jobs_list=()
for w in $widths; do [ "$w" = "$validation_width" ] && jobs_list+=("$w:a" "$w:b"); done  # WIDTH:PART
for w in $widths_desc; do
  case " $quick_widths " in *" $w "*) ;; *) [ "$w" = "$validation_width" ] || jobs_list+=("$w:") ;; esac
done
for w in $widths_desc; do
  case " $quick_widths " in *" $w "*) [ "$w" = "$validation_width" ] || jobs_list+=("$w:") ;; esac
done
# The summary lists the runs width by width.
for w in $widths; do
  for j in "${jobs_list[@]}"; do
    [ "${j%%:*}" = "$w" ] || continue
    while read -r name; do order+=("$name"); done < <(LIST_ONLY=1 job_runs "${j%%:*}" "${j#*:}")
  done
done
for name in "${order[@]}"; do rm -f "$out/$name.rc" "$out/$name.line"; done
running=0
for j in "${jobs_list[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  job_runs "${j%%:*}" "${j#*:}" &
  running=$((running + 1))
done
wait

worst=0
summary=()
for name in "${order[@]}"; do
  rc=$(cat "$out/$name.rc" 2>/dev/null || echo 2)  # no status: the run never finished
  [ "$rc" -gt "$worst" ] && worst=$rc
  summary+=("$(cat "$out/$name.line" 2>/dev/null || echo "$name: no result")")
done
# Every width's matrix against the first width's (informational).
first=""
for w in $widths; do
  if [ -z "$first" ]; then
    first=$w
  elif [ -f "$out/matrix-lp$first.json" ] && [ -f "$out/matrix-lp$w.json" ]; then
    "$check" --compare "$out/matrix-lp$first.json" "$out/matrix-lp$w.json" --metric-ratio 10 \
      > "$out/compare-lp$first-vs-lp$w.txt" 2>&1 || true
  fi
done

echo
echo "vknorm-check CI matrix ($(( $(date +%s) - start_all ))s, $jobs job(s) at a time), reports in $out/:"
printf '  %s\n' "${summary[@]}"
if [ "$worst" -ne 0 ]; then
  echo "FAILED (worst exit status $worst)"
  exit "$worst"
fi
echo "all runs passed"
