#!/usr/bin/env bash
# Lease 1 of 2026-12-05 (night): issue 24's last H200 step (batch invariance of gated_rms_norm)
# and issue 21's "KernelBench timings unchanged": c472e3a (before the one-description
# restructuring) against 49be086, alternating, same lease.
set -u
. .gl/install.sh
O=$OUT/l1; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh
step binv 60 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --filter gated_rms
for i in 1 2; do
  step kb-base$i 150 $O/kb.txt gpu/base-bench --suite kernelbench --no-check --no-profile --no-copy --json $O/kb-base$i.json
  step kb-new$i 150 $O/kb.txt gpu/vknorm-bench --suite kernelbench --no-check --no-profile --no-copy --json $O/kb-new$i.json
done
python3 bench/side_by_side.py --base $O/kb-base*.json --new $O/kb-new*.json \
  --title "KernelBench: 49be086 against c472e3a (before issue 21's restructuring)" > $O/kb-side-by-side.md
cat $O/nvidia-smi.txt; grep -E "result|pass|fail" $O/binv.txt | tail -5; sed -n 1,20p $O/kb-side-by-side.md; grep "###" $O/*.txt
