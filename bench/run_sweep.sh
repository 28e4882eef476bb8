#!/usr/bin/env bash
# One command for the GPU host: the extended-suite self-test, the vknorm sweep, the PyTorch
# sweep and the merged table/plot, all written flat into OUTDIR (8 files). Each step runs under
# its own time limit and a failing step does not stop the others; the exit status is the
# number of failed steps. Worst case (every step at its limit) about 8.8 minutes.
#   usage: bench/run_sweep.sh OUTDIR        (binary: ${BUILD_DIR:-build}/bench/vknorm-bench)
#   SUITE=llm bench/run_sweep.sh OUTDIR     the LLM-norm suite instead of the sweep (no self-test)
# On a host without a Vulkan loader, source .gl/install.sh first (shared/notes/measured.md).
set -u
out=${1:?usage: bench/run_sweep.sh OUTDIR}
cd "$(dirname "$0")/.."
bench=${BUILD_DIR:-build}/bench/vknorm-bench
suite=${SUITE:-sweep}
py=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
. bench/steps.sh  # step NAME LIMIT_S LOG command...; $failed
: >"$out/selftest.txt"; : >"$out/vknorm-sweep.txt"; : >"$out/torch-sweep.log"
[ "$suite" = sweep ] && step self-test 170 "$out/selftest.txt" \
  "$bench" --suite extended --self-test --no-check --no-profile --json "$out/selftest.json"
step vknorm-sweep 120 "$out/vknorm-sweep.txt" \
  "$bench" --suite "$suite" --json "$out/vknorm-sweep.json"
step torch-sweep 230 "$out/torch-sweep.log" \
  "$py" bench/compare_torch.py --suite "$suite" --bench "$bench" --sweep-budget-s 150 --json "$out/torch-sweep.json"
step table 20 "$out/torch-sweep.log" \
  "$py" bench/sweep_table.py "$out/vknorm-sweep.json" "$out/torch-sweep.json" \
  --md "$out/sweep.md" --svg "$out/sweep.svg"
echo "run_sweep.sh: $failed step(s) failed; files in $out:" >&2
ls -l "$out" >&2
exit $failed
