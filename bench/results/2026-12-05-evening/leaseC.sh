#!/usr/bin/env bash
# Lease C of 2026-12-05 (evening): gated RMSNorm and the ONNX skip-bias cases of the llm suite
# against torch (kernel time); batch invariance of the families added after lease B; the
# batch-invariant context's cost again on the cases it made slow (after 8724365); --tune around
# the selector on the DiT adaptive norms.
set -u
. .gl/install.sh
O=$OUT/c; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh
L=$(gpu/vknorm-bench --suite llm --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if 'gated' in c['name'] or 'skip' in c['name']))")
step vk-llm 90 $O/vk-llm.txt gpu/vknorm-bench --suite llm --case "$L" --json $O/vk-llm.json
step torch-llm 120 $O/torch-llm.log python3 bench/compare_torch.py --suite llm --case "$L" --bench gpu/vknorm-bench --sweep-budget-s 100 --json $O/torch-llm.json
step table 20 $O/torch-llm.log python3 bench/zoo_table.py $O/vk-llm.json $O/torch-llm.json --md $O/llm.md
step binv 40 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter gated_rms
step check-ada 60 $O/check-new.txt gpu/vknorm-check --full --no-validation --filter ada_ --json $O/check-ada.json
step check-grms 40 $O/check-new.txt gpu/vknorm-check --full --no-validation --filter gated_rms --json $O/check-grms.json
Z=$(gpu/vknorm-bench --suite zoo --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if 'bwd' in c['name'] or c['op'] in ('batch_norm','frobenius_norm')))")
step zoo-plain 50 $O/bi.txt gpu/vknorm-bench --suite zoo --case "$Z" --no-check --no-profile --no-copy --json $O/zoo-plain.json
step zoo-binv 50 $O/bi.txt gpu/vknorm-bench --suite zoo --case "$Z" --batch-invariant --no-check --no-profile --no-copy --json $O/zoo-binv.json
A=$(gpu/vknorm-bench --suite diffusion --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if 'ada' in c['op']))")
step ada-tune 110 $O/ada-tune.txt gpu/vknorm-bench --suite diffusion --case "$A" --tune --tune-cache $O/tc.txt --no-check --json $O/ada-tune.json
tar czf $OUT/leaseC.tgz -C $OUT c
grep -E "ratio|family" $O/llm.md | cut -c1-300; grep -E "result" $O/binv.txt $O/check-new.txt; grep -E "chosen|fastest|selector" $O/ada-tune.txt | head -30; grep "###" $O/*.txt $O/*.log
