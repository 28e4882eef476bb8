#!/usr/bin/env bash
# Lease A of 2026-12-05 (evening): the spec-constant fix measured (zoo: f102df8 vs 492229e,
# torch by kernel time, same lease), then the diffusion suite with torch.
set -u
. .gl/install.sh
O=$OUT/a; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi > $O/nvidia-smi.txt 2>&1
BENCH=gpu/vknorm-bench BASE_BENCH=gpu/base-bench bash bench/run_zoo.sh $O/zoo
STREAM=0 SUITE=diffusion BENCH=gpu/vknorm-bench bash bench/run_zoo.sh $O/dif
tar czf $OUT/leaseA.tgz -C $OUT a
grep -E "ratio|geometric|family" $O/zoo/zoo.md $O/dif/zoo.md | tail -30
