#!/usr/bin/env bash
# Lease C of 2026-12-05 (evening): gated RMSNorm and the ONNX skip-bias cases of the llm suite
# against torch (kernel time), and --tune around the selector on the DiT adaptive norms.
set -u
. .gl/install.sh
O=$OUT/c; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh
L=$(gpu/vknorm-bench --suite llm --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if 'gated' in c['name'] or 'skip' in c['name']))")
step vk-llm 120 $O/vk-llm.txt gpu/vknorm-bench --suite llm --case "$L" --json $O/vk-llm.json
step torch-llm 150 $O/torch-llm.log python3 bench/compare_torch.py --suite llm --case "$L" --bench gpu/vknorm-bench --sweep-budget-s 120 --json $O/torch-llm.json
step table 20 $O/torch-llm.log python3 bench/zoo_table.py $O/vk-llm.json $O/torch-llm.json --md $O/llm.md
A=$(gpu/vknorm-bench --suite diffusion --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if 'ada' in c['op']))")
step ada-tune 200 $O/ada-tune.txt gpu/vknorm-bench --suite diffusion --case "$A" --tune --tune-cache $O/tc.txt --no-check --json $O/ada-tune.json
tar czf $OUT/leaseC.tgz -C $OUT c
grep -E "ratio|family" $O/llm.md | cut -c1-300; grep -E "chosen|fastest|selector" $O/ada-tune.txt | head -40; grep "###" $O/*.txt $O/*.log
