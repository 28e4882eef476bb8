#!/usr/bin/env bash
# One command for the GPU host: the model-zoo suite (bench/zoo_suite.cpp) on vknorm with the
# same-size copy and in-stream timing, the same cases on PyTorch by GPU kernel time
# (compare_torch.py --suite zoo, case list from the same binary), and the joined table, all
# written flat into OUTDIR. Each step runs under its own time limit and a failing step does not
# stop the others; the exit status is the number of failed steps. About 5 minutes on an H200.
#   usage: bench/run_zoo.sh OUTDIR       (binary: ${BENCH:-${BUILD_DIR:-build}/bench/vknorm-bench})
#   BASE_BENCH=path/to/older/vknorm-bench bench/run_zoo.sh OUTDIR   also times an older build's
#     kernels in the same run (base-zoo.json: time only), to measure a change side by side
#   STREAM=K   calls per in-stream measurement (default 64; 0: none)
#   SUITE=NAME another model suite with the same tables (default zoo; e.g. diffusion)
# On a host without a Vulkan loader, source .gl/install.sh first (shared/notes/measured.md).
set -u
out=${1:?usage: bench/run_zoo.sh OUTDIR}
cd "$(dirname "$0")/.."
bench=${BENCH:-${BUILD_DIR:-build}/bench/vknorm-bench}
py=${PYTHON:-python3}
stream=${STREAM:-64}
suite=${SUITE:-zoo}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
. bench/steps.sh  # step NAME LIMIT_S LOG command...; $failed
stream_args=()
[ "$stream" -gt 0 ] && stream_args=(--stream "$stream")
: >"$out/vk-zoo.txt"; : >"$out/torch-zoo.log"
step vknorm-$suite 200 "$out/vk-zoo.txt" "$bench" --suite $suite "${stream_args[@]}" --json "$out/vk-zoo.json"
if [ -n "${BASE_BENCH:-}" ]; then
  step base-$suite 150 "$out/vk-zoo.txt" "$BASE_BENCH" --suite $suite --no-check --no-profile --no-copy \
    --json "$out/base-zoo.json"
fi
step torch-$suite 240 "$out/torch-zoo.log" \
  "$py" bench/compare_torch.py --suite $suite --bench "$bench" --sweep-budget-s 200 --json "$out/torch-zoo.json"
step table 20 "$out/torch-zoo.log" \
  "$py" bench/zoo_table.py "$out/vk-zoo.json" "$out/torch-zoo.json" --md "$out/zoo.md"
echo "run_zoo.sh: $failed step(s) failed; files in $out:" >&2
ls -l "$out" >&2
exit $failed
