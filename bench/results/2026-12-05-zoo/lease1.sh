#!/usr/bin/env bash
# Lease 1: the zoo (new vs 492229e, torch by kernel time) and the diffusion suite (new, torch).
# Everything under $OUT/r, packed into one tarball at the end.
set -u
. .gl/install.sh
O=$OUT/r; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
nvidia-smi > $O/nvidia-smi.txt 2>&1
BENCH=gpu/vknorm-bench BASE_BENCH=gpu/base-bench bash bench/run_zoo.sh $O/zoo
STREAM=0 SUITE=diffusion BENCH=gpu/vknorm-bench bash bench/run_zoo.sh $O/dif
tar czf $OUT/lease1.tgz -C $OUT r
ls -la $O/zoo $O/dif
grep -E "ratio|geometric" $O/zoo/zoo.md $O/dif/zoo.md | tail -6
