#!/usr/bin/env bash
# GPU lease of 2026-12-06 (evening): the channels-last GroupNorm `large_mean` failures on the
# NVIDIA GPU and their fix (`centered()` and the `precise` sums of the shift-compensated
# statistics, shaders/common.glsl), against the build before it, in one lease:
#   1. group_norm_nhwc's quick matrix: base (the 12 failures) and new;
#   2. what `precise` costs: KernelBench (BatchNorm, InstanceNorm, GroupNorm, the split
#      LayerNorm) and the diffusion suite's channels-last GroupNorms, base and new alternated;
#   3. the whole quick matrix with the new build, and the batch-invariance check of the
#      families whose kernels changed.
# Run from the repository root on the GPU host, carrying .gl and gpu/bins.tar.xz (stripped
# base-bench / base-check of 2a37b7a, vknorm-bench / vknorm-check of this commit):
#   bash bench/results/2026-12-06-precise/lease.sh
set -u
. .gl/install.sh
DEADLINE=${DEADLINE:-560}
O=$OUT/r; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
tar xJf gpu/bins.tar.xz -C gpu
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh  # step, step_by (a step within $DEADLINE)
for b in base new; do
  chk=gpu/vknorm-check; [ $b = base ] && chk=gpu/base-check
  step_by nhwc-$b 60 $O/check-nhwc.txt $chk --quick --no-validation --filter group_norm_nhwc
done
NHWC=$(gpu/vknorm-bench --suite diffusion --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if '_nhwc_' in c['name']))")
ZOO=$(gpu/vknorm-bench --suite zoo --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if c['op'] in ('group_norm','batch_norm','instance_norm')))")
for i in 1 2; do
  for b in base new; do
    bench=gpu/vknorm-bench; [ $b = base ] && bench=gpu/base-bench
    step_by kb-$b$i 50 $O/bench.txt $bench --suite kernelbench --no-check --no-profile --no-copy --json $O/kb-$b$i.json
    step_by nhwc-$b$i 50 $O/bench.txt $bench --suite diffusion --case "$NHWC" --no-check --no-profile --no-copy --json $O/nhwc-$b$i.json
    step_by zoo-$b$i 50 $O/bench.txt $bench --suite zoo --case "$ZOO" --no-check --no-profile --no-copy --json $O/zoo-$b$i.json
  done
done
python3 bench/side_by_side.py --base $O/kb-base*.json $O/nhwc-base*.json $O/zoo-base*.json \
  --new $O/kb-new*.json $O/nhwc-new*.json $O/zoo-new*.json \
  --title "precise centering (this build) against 2a37b7a: KernelBench, the zoo's GroupNorm / BatchNorm / InstanceNorm, channels-last GroupNorm" > $O/side-by-side.md
step_by quick 300 $O/check-quick.txt gpu/vknorm-check --quick --no-validation
for f in group_norm batch_norm instance_norm layer_norm; do
  step_by binv-$f 90 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter $f
done
cat $O/nvidia-smi.txt; grep -E "^result" $O/check-*.txt $O/binv.txt; grep -h "###.*\(exit [^0]\|skipped\)" $O/*.txt
grep -iE "geomean|all " $O/side-by-side.md | head -5
echo "failed steps: $failed; elapsed $SECONDS s"
cd $OUT && tar czf r.tgz r && rm -rf r
