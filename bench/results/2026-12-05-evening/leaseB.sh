#!/usr/bin/env bash
# Lease B of 2026-12-05 (evening): the diffusion suite with the DiT AdaLN cases (ada_norm, new)
# and torch by kernel time; batch invariance on the GPU (every family, ada_norm included);
# the cost of a batch-invariant context on the zoo (time only, same lease).
set -u
. .gl/install.sh
O=$OUT/b; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi -L > $O/nvidia-smi.txt 2>&1
. bench/steps.sh
STREAM=0 SUITE=diffusion BENCH=gpu/vknorm-bench bash bench/run_zoo.sh $O/dif
step binv 200 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --json $O/check-binv.json
step zoo-plain 80 $O/bi.txt gpu/vknorm-bench --suite zoo --no-check --no-profile --no-copy --json $O/zoo-plain.json
step zoo-binv 80 $O/bi.txt gpu/vknorm-bench --suite zoo --batch-invariant --no-check --no-profile --no-copy --json $O/zoo-binv.json
tar czf $OUT/leaseB.tgz -C $OUT b
grep -E "ratio|family|adaln|adarms" $O/dif/zoo.md | cut -c1-400 | tail -30; grep -E "result|FAIL" $O/binv.txt | head; grep "###" $O/*.txt
