#!/usr/bin/env bash
# Second command of the 2026-12-07 lease (warm H100): the 8-bit module's narrower default
# workgroups (src/ops/rms_norm_last.cpp narrow_q8_workgroup) against 580ce0e (gpu/base-bench)
# on every 8-bit llm case and the 16-bit baselines, alternating twice, plus the new build's
# 8-bit matrix and batch invariance on the GPU. Carry .gl and gpu/bins2.tar.xz.
set -u
. .gl/install.sh
DEADLINE=${DEADLINE:-300}
O=$OUT/p3; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp
(cd gpu && xz -dc bins2.tar.xz | tar xf -)
. bench/steps.sh  # step_by, pick
L=$(pick llm "any(t in c['name'] for t in ('q8','fp8','rmslast_4096','rmslast_32768','addrms_4096'))")
for i in 1 2; do
  step_by base$i 45 $O/bench.txt gpu/base-bench --suite llm --case "$L" --no-check --no-profile --no-copy --json $O/llm-base$i.json
  step_by new$i 45 $O/bench.txt gpu/vknorm-bench --suite llm --case "$L" --no-check --no-profile --no-copy --json $O/llm-new$i.json
done
for s in "rms_norm_last_fp8 2048x14336 f16" "rms_norm_last_fp8 1024x16384 bf16" "rms_norm_last_q8 4096x8192 f16"; do
  set -- $s
  step_by $1-$2-base 15 $O/bench.txt gpu/base-bench --op $1 --shape $2 --dtype $3 --no-check --no-roofline --json $O/op-base-$1-$2.json
  step_by $1-$2-new 15 $O/bench.txt gpu/vknorm-bench --op $1 --shape $2 --dtype $3 --no-check --no-roofline --json $O/op-new-$1-$2.json
done
step_by check-fp8 40 $O/check.txt gpu/vknorm-check --no-validation --filter fp8
step_by check-q8 30 $O/check.txt gpu/vknorm-check --no-validation --filter _q8
step_by binv 60 $O/check.txt gpu/vknorm-check --batch-invariance --no-validation --filter _q8
python3 bench/side_by_side.py --base $O/llm-base*.json --new $O/llm-new*.json \
  --title "The 8-bit module's narrower default workgroups against 580ce0e" > $O/side-by-side.md
for f in $O/op-new-*.json; do python3 -c "
import json,sys; b=json.load(open(sys.argv[1]))['cases'][0]; n=json.load(open(sys.argv[2]))['cases'][0]
print(n['op'], 'x'.join(map(str, n['shape'])), n['dtype'], 'base %.1f us, new %.1f us' % (b['time']['median_ms']*1e3, n['time']['median_ms']*1e3), n.get('config', ''))
" ${f/op-new/op-base} $f; done | tee $O/op-side-by-side.txt
grep -E "^result" $O/check.txt; grep -h "###.*\(exit [^0]\|skipped\)" $O/*.txt; head -22 $O/side-by-side.md
echo "failed steps: $failed; elapsed $SECONDS s"
cd $OUT && tar czf p3.tgz p3 && rm -rf p3
