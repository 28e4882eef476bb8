#!/usr/bin/env bash
# Lease 2: checks on the H200 (quick matrix, batch invariance, virtual 64 quick), decode
# launch-cost probes, --tune around the selector on the zoo cases that lose, Triton's code.
set -u
. .gl/install.sh
O=$OUT/r2; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
. bench/steps.sh
step check-quick 60 $O/check.txt gpu/vknorm-check --quick --no-validation --json $O/check-quick.json
step batch-inv 60 $O/check.txt gpu/vknorm-check --batch-invariance --no-validation --json $O/check-binv.json
D=zoo_llama3_8b_rmslast_1x4096_bf16,zoo_gpt2_ln_1x768_f32,zoo_llama3_8b_addrms_1x4096_bf16,zoo_llama3_8b_rmslast_4096x4096_bf16
for b in none compute full; do
  step stream-$b 30 $O/stream.txt gpu/vknorm-bench --suite zoo --case $D --stream 64 --stream-barrier $b --no-check --json $O/stream-$b.json
done
L=$(gpu/vknorm-bench --suite zoo --list | python3 -c "
import json,sys
cs=json.load(sys.stdin)['cases']
print(','.join(c['name'] for c in cs if c['op'] in ('layer_norm','add_layer_norm','group_norm','instance_norm','batch_norm','add_rms_norm') or 'qknorm' in c['name'] or 'kvnorm' in c['name']))")
step tune 150 $O/tune.txt gpu/vknorm-bench --suite zoo --case "$L" --tune --tune-cache $O/tc.txt --no-check --json $O/tune.json
step triton 90 $O/triton-run.txt env TORCH_LOGS=output_code python3 gpu/triton_dump.py
tar czf $OUT/lease2.tgz -C $OUT r2
grep -E "result" $O/check.txt; grep -E "###" $O/*.txt
