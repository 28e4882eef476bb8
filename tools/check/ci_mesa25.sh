#!/usr/bin/env bash
# The quick conformance matrix on a second driver version, Mesa 25.0.7's lavapipe, compared
# with the system Mesa 22.3 run that tools/check/ci_matrix.sh wrote at the same width.
#
#   tools/check/ci_mesa25.sh REPORT_DIR      (run after ci_matrix.sh REPORT_DIR)
#
# Needs scripts/install-mesa25.sh (prefix $VKNORM_MESA25, default /opt/vknorm-mesa25). For each
# LP_NATIVE_VECTOR_WIDTH in $WIDTHS (default 256 1024) it runs, with the validation layer on,
#   mesa25-matrix-lpW-I-of-N    vknorm-check --quick --shard I/N, the N = $SHARDS (2) shards
#                               side by side (REPORT_DIR/mesa25-matrix-lpW-I-of-N.{json,xml,txt};
#                               SHARDS=1: one run, mesa25-matrix-lpW.*)
# checks that the device really is Mesa 25 (not the system driver picked by mistake), and
# compares each with REPORT_DIR/matrix-lpW.json (Mesa 22.3) into mesa25-compare-lpW*.txt.
# Where ci_matrix.sh ran the full default matrix at W (widths outside its QUICK_WIDTHS), the
# quick cases are a subset of it and the cases only in the 22.3 report are not failures
# (--allow-missing); an aborted Mesa 25 run still is.
#
# Lanes really exercised: 256 runs 8 lanes; 1024 reports 32 but runs 16 (lavapipe caps the
# compute width at 16 on 22.3 and 25.0), so this checks the kernels on 8 and 16 real lanes
# and that they do not trust the misreported gl_SubgroupSize.
#
# Exit status: 0 when every run passed and no comparison found a new failure; else 1 (a case
# failed or a new failure against 22.3), 2 (setup: missing binary, driver or 22.3 report,
# wrong driver), 124 (a run timed out): the largest seen.
# Environment: VKNORM_CHECK, VKNORM_DEVICE (llvmpipe), VKNORM_MESA25, WIDTHS, SHARDS (2),
# RUN_TIMEOUT (600), EXTRA_ARGS (added to every run).
# Time on the 2-core dev machine (validation on, a cold shader cache): 370 s at 256 as one
# process, 189 s as two shards (CI, 2026-12-07); 1024 took about 2.6 times 256's time.
set -u

out=${1:?usage: ci_mesa25.sh REPORT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
with_mesa25=$root/scripts/with-mesa25.sh
check=${VKNORM_CHECK:-}
if [ -z "$check" ]; then
  for c in "$root"/build/tools/check/vknorm-check "$root"/build*/tools/check/vknorm-check; do
    if [ -x "$c" ]; then check=$c; break; fi
  done
fi
if [ -z "$check" ] || [ ! -x "$check" ]; then
  echo "ci_mesa25.sh: vknorm-check not found; build it or set VKNORM_CHECK" >&2
  exit 2
fi
mkdir -p "$out" || exit 2

export VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe}
export VKNORM_VALIDATION=${VKNORM_VALIDATION:-1}
export MESA_SHADER_CACHE_DISABLE=true
# Another driver, another cache root (support/mesa_cache.h), beside 22.3's when one is set.
if [ -n "${VKNORM_TEST_MESA_CACHE:-}" ]; then export VKNORM_TEST_MESA_CACHE=$VKNORM_TEST_MESA_CACHE-mesa25; fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
widths=${WIDTHS:-256 1024}
run_timeout=${RUN_TIMEOUT:-600}
extra=${EXTRA_ARGS:-}

# The driver must be 25.0.x: a bad manifest makes the loader fall back to the system 22.3
# silently, and this job would then pass by comparing 22.3 with itself.
devices=$("$with_mesa25" "$check" --list-devices 2>&1) || {
  echo "$devices" >&2
  echo "ci_mesa25.sh: vknorm-check --list-devices failed under with-mesa25.sh" >&2
  exit 2
}
if ! grep -q 'Mesa 25\.0\.' <<<"$devices" || grep -q 'Mesa 22\.' <<<"$devices"; then
  echo "$devices" >&2
  echo "ci_mesa25.sh: the device is not Mesa 25.0 lavapipe (see above)" >&2
  exit 2
fi
echo "$devices" > "$out/mesa25-devices.txt"

worst=0
summary=()
start_all=$(date +%s)
note() { [ "$1" -gt "$worst" ] && worst=$1; summary+=("$2"); }

# Each width's quick matrix runs as $SHARDS processes side by side (vknorm-check --shard:
# whole operators each), so that both of CI's cores compile pipelines; every shard is compared
# with 22.3 on its own (--allow-missing: the other shards hold the rest, and a shard that
# stops early fails by its exit status).
shards=${SHARDS:-2}
run_shard() {  # run_shard WIDTH NAME SHARD_ARGS..: one vknorm-check, its line in $out/NAME.line
  local w=$1 name=$2 t0 rc
  shift 2
  t0=$(date +%s)
  echo "=== $name (Mesa 25, LP_NATIVE_VECTOR_WIDTH=$w): vknorm-check --quick $* $extra" >&2
  # shellcheck disable=SC2086
  LP_NATIVE_VECTOR_WIDTH=$w timeout "$run_timeout" "$with_mesa25" "$check" --quick "$@" $extra \
    --suite-name "$name" --json "$out/$name.json" --junit "$out/$name.xml" > "$out/$name.txt"
  rc=$?
  tail -n 1 "$out/$name.txt" >&2
  if [ "$rc" -ne 0 ]; then
    sed -n '/^FAILED/,$p' "$out/$name.txt" | head -n 40 >&2
    [ "$rc" -eq 124 ] && echo "$name: timed out after ${run_timeout}s" >&2
  fi
  echo "$rc" > "$out/$name.rc"
  printf '%-26s rc=%-3s %4ss  %s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" "$(tail -n 1 "$out/$name.txt")" \
    > "$out/$name.line"
}

for w in $widths; do
  base=$out/matrix-lp$w.json
  names=()
  for ((i = 1; i <= shards; i++)); do
    name=mesa25-matrix-lp$w; [ "$shards" -gt 1 ] && name+=-$i-of-$shards
    names+=("$name")
    rm -f "$out/$name.rc" "$out/$name.line"
    if [ "$shards" -gt 1 ]; then run_shard "$w" "$name" --shard "$i/$shards" & else run_shard "$w" "$name"; fi
  done
  wait
  for name in "${names[@]}"; do
    note "$(cat "$out/$name.rc" 2>/dev/null || echo 2)" "$(cat "$out/$name.line" 2>/dev/null || echo "$name: no result")"
    cmp=$out/${name/matrix/compare}.txt
    if [ ! -f "$base" ]; then
      echo "ci_mesa25.sh: no Mesa 22.3 report $base; run tools/check/ci_matrix.sh $out first" >&2
      note 2 "$(printf '%-26s rc=2    no 22.3 report %s' "${name/matrix/compare}" "$base")"
      continue
    fi
    [ -f "$out/$name.json" ] || { note 2 "${name/matrix/compare}: no Mesa 25 report"; continue; }
    allow=()
    { [ "$shards" -gt 1 ] || ! grep -qE '"matrix": *"quick"' "$base"; } && allow=(--allow-missing)
    "$check" --compare "$base" "$out/$name.json" "${allow[@]}" > "$cmp" 2>&1
    crc=$?
    [ "$crc" -ne 0 ] && sed -n '1,60p' "$cmp" >&2
    note "$crc" "$(printf '%-26s rc=%-3s        %s' "${name/matrix/compare}" "$crc" "$(tail -n 1 "$cmp")")"
  done
done

echo
echo "vknorm-check on Mesa 25 lavapipe vs 22.3 ($(( $(date +%s) - start_all ))s), reports in $out/:"
printf '  %s\n' "${summary[@]}"
if [ "$worst" -ne 0 ]; then
  echo "FAILED (worst exit status $worst)"
  exit "$worst"
fi
echo "all runs passed, no new failure against Mesa 22.3"
