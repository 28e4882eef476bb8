#!/usr/bin/env bash
# GPU lease of 2026-12-06, run from the repository root on the GPU host with the stripped
# binaries of this commit in gpu/ (carry .gl and gpu):  bash bench/results/2026-12-06/lease.sh 1|2
#   1: vknorm alone - the llm forms (float8 / int8 output, fp32 weights / residual stream, QK-norm
#      + RoPE, gated RMSNorm) beside their single-dtype baselines (issue 23); the diffusion suite
#      (NCHW / NHWC GroupNorm +- SiLU, AdaLN) and plain LayerNorms of the AdaLN shapes (issue 22);
#      batch invariance of the new forms (issue 24); KernelBench against c472e3a (issue 21)
#   2: torch in the same lease - QK-norm + RoPE and gated RMSNorm, channels-last GroupNorm and
#      AdaLN beside torch.compile (kernel time); the new forms' conformance on the NVIDIA GPU
# Steps run in order of priority and stop starting past $DEADLINE s; the results travel as one
# archive (the device returns few files).
set -u
. .gl/install.sh
part=${1:-1}
DEADLINE=${DEADLINE:-520}
O=$OUT/p$part; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh  # step, step_by (a step within $DEADLINE), pick (a suite's case names)
if [ "$part" = 1 ]; then
  for f in gated_rms fp8 qk_norm_rope group_norm_nhwc; do
    step_by binv-$f 40 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter $f
  done
  L=$(pick llm "any(t in c['name'] for t in ('rmslast_','addrms_','rmsq8','addrmsq8','fp8','addln_f32p','addln_16384x768','addln_4096x8192','addln_32x65536','qknormrope','gatedrms'))")
  step_by vk-llm 150 $O/vk-llm.txt gpu/vknorm-bench --suite llm --case "$L" --json $O/vk-llm.json
  step_by vk-dif 120 $O/vk-dif.txt gpu/vknorm-bench --suite diffusion --json $O/vk-dif.json
  for s in "2x256x1152 f16" "2x4096x1152 f16" "2x4096x1536 bf16" "1x4096x3072 bf16" "1x512x3072 bf16" "1x32760x1536 bf16" "1x32760x5120 bf16"; do
    set -- $s
    step_by ln-$1-$2 25 $O/ln-baseline.txt gpu/vknorm-bench --op layer_norm --shape $1 --dtype $2 --no-roofline --json $O/ln_$1_$2.json
  done
  step_by rms-2x4096x2304 25 $O/ln-baseline.txt gpu/vknorm-bench --op rms_norm_last --shape 2x4096x2304 --dtype bf16 --no-roofline --json $O/rms_2x4096x2304_bf16.json
  for i in 1 2; do
    step_by kb-base$i 45 $O/kb.txt gpu/base-bench --suite kernelbench --no-check --no-profile --no-copy --json $O/kb-base$i.json
    step_by kb-new$i 45 $O/kb.txt gpu/vknorm-bench --suite kernelbench --no-check --no-profile --no-copy --json $O/kb-new$i.json
  done
  ls $O/kb-base*.json $O/kb-new*.json >/dev/null 2>&1 && python3 bench/side_by_side.py --base $O/kb-base*.json --new $O/kb-new*.json \
    --title "KernelBench: this build against c472e3a (before issue 21's restructuring)" > $O/kb-side-by-side.md
else
  T=$(pick llm "'qknormrope' in c['name'] or 'gatedrms' in c['name']")
  step_by torch-llm 200 $O/torch-llm.log python3 bench/compare_torch.py --suite llm --case "$T" --bench gpu/vknorm-bench --sweep-budget-s 170 --json $O/torch-llm.json
  D=$(pick diffusion "c['op'] != 'group_norm'")
  step_by torch-dif 200 $O/torch-dif.log python3 bench/compare_torch.py --suite diffusion --case "$D" --bench gpu/vknorm-bench --sweep-budget-s 170 --json $O/torch-dif.json
  for f in fp8 f32params qk_norm_rope group_norm_nhwc f32residual; do
    step_by check-$f 40 $O/check.txt gpu/vknorm-check --quick --no-validation --filter $f
  done
fi
cat $O/nvidia-smi.txt; grep -E "^result" $O/binv.txt $O/check.txt 2>/dev/null; grep -h "###.*\(exit [^0]\|skipped\)" $O/*.txt $O/*.log 2>/dev/null
grep -E "geomean|all " $O/kb-side-by-side.md 2>/dev/null | head -3
echo "failed steps: $failed; elapsed $SECONDS s"
cd $OUT && tar czf p$part.tgz p$part && rm -rf p$part
