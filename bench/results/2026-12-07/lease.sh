#!/usr/bin/env bash
# GPU lease of 2026-12-07, run from the repository root on the GPU host with the stripped
# binaries of this commit in gpu/ (carry .gl and gpu/bins.tar.xz):
#   bash bench/results/2026-12-07/lease.sh 1|2
#   1: the 8-bit encoders rounded by an fp32 addition (quantize.glsl) against the previous
#      build (gpu/base-bench, 16193c2) on every int8 / float8 case of the llm and diffusion
#      suites and their 16-bit baselines, alternating twice; the exact-codes doctest, the
#      full matrix of the 8-bit forms and their batch invariance on the NVIDIA GPU (issue 23)
#   2: torch in the same lease: the per-group float8 cases and the plain float8 / int8 RMSNorm
#      beside torch.compile (kernel time); the whole quick matrix on the GPU
# Steps run in order of priority and stop starting past $DEADLINE s; the results travel as one
# archive (the device returns few files).
set -u
. .gl/install.sh
part=${1:-1}
DEADLINE=${DEADLINE:-540}
O=$OUT/p$part; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
(cd gpu && xz -dc bins.tar.xz | tar xf -)
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh  # step, step_by (a step within $DEADLINE), pick (a suite's case names)
if [ "$part" = 1 ]; then
  step_by codes 60 $O/check.txt env VKNORM_VALIDATION=0 gpu/vknorm_tests -tc='int8 / float8 codes*'
  L=$(pick llm "any(t in c['name'] for t in ('q8','fp8','rmslast_4096','rmslast_32768','rmslast_1x','addrms_4096','addrms_1x'))")
  D=$(pick diffusion "any(t in c['name'] for t in ('flux1_adaln','flux1_gated_adaln','pixart_alpha_adaln'))")
  for i in 1 2; do
    step_by base$i 75 $O/bench.txt gpu/base-bench --suite llm --case "$L" --no-check --no-profile --no-copy --json $O/llm-base$i.json
    step_by new$i 75 $O/bench.txt gpu/vknorm-bench --suite llm --case "$L" --no-check --no-profile --no-copy --json $O/llm-new$i.json
  done
  for i in 1 2; do
    step_by dbase$i 30 $O/bench.txt gpu/base-bench --suite diffusion --case "$D" --no-check --no-profile --no-copy --json $O/dif-base$i.json
    step_by dnew$i 30 $O/bench.txt gpu/vknorm-bench --suite diffusion --case "$D" --no-check --no-profile --no-copy --json $O/dif-new$i.json
  done
  for s in 4096x7168 1x7168; do for t in f16 bf16; do
    step_by addrms-$s-$t 20 $O/bench.txt gpu/vknorm-bench --op add_rms_norm --shape $s --dtype $t --no-roofline --json $O/addrms_${s}_$t.json
  done; done
  for f in fp8 _q8 ada; do
    step_by check-$f 60 $O/check.txt gpu/vknorm-check --no-validation --filter $f
  done
  for f in fp8 _q8; do
    step_by binv$f 40 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter $f
  done
  python3 bench/side_by_side.py --base $O/llm-base*.json $O/dif-base*.json --new $O/llm-new*.json $O/dif-new*.json \
    --title "8-bit encoders by an fp32 addition: this build against 16193c2" > $O/side-by-side.md
else
  T=$(pick llm "any(t in c['name'] for t in ('addrmsfp8g128','rmsfp8_4096','rmsq8_4096','addrmsfp8_4096','rmslast_4096','addrms_4096x8192'))")
  step_by torch-llm 240 $O/torch-llm.log python3 bench/compare_torch.py --suite llm --case "$T" --bench gpu/vknorm-bench --sweep-budget-s 200 --json $O/torch-llm.json
  step_by binvfp8 90 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter fp8  # 40 s was short in part 1
  step_by check-quick 200 $O/check.txt gpu/vknorm-check --quick --no-validation
fi
cat $O/nvidia-smi.txt; grep -hE "^result|doctest\] (test cases|Status)" $O/check.txt $O/binv.txt 2>/dev/null; grep -h "###.*\(exit [^0]\|skipped\)" $O/*.txt $O/*.log 2>/dev/null
grep -E "geomean|geometric" $O/side-by-side.md 2>/dev/null | head -5
echo "failed steps: $failed; elapsed $SECONDS s"
cd $OUT && tar czf p$part.tgz p$part && rm -rf p$part
