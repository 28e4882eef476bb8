#!/usr/bin/env bash
# Lease 3 of 2026-12-05: zoo (final binaries, torch by kernel time), batch invariance on the
# H200, the changed families side by side with lease 1's binary, BatchNorm config probes.
set -u
. .gl/install.sh
O=$OUT/r3; mkdir -p $O
export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
. bench/steps.sh
step vknorm-zoo 150 $O/vk-zoo.txt gpu/vknorm-bench --suite zoo --stream 64 --json $O/vk-zoo.json
step torch-zoo 150 $O/torch-zoo.log python3 bench/compare_torch.py --suite zoo --bench gpu/vknorm-bench --sweep-budget-s 120 --json $O/torch-zoo.json
step table 20 $O/torch-zoo.log python3 bench/zoo_table.py $O/vk-zoo.json $O/torch-zoo.json --md $O/zoo.md
step batch-inv 160 $O/binv.txt gpu/vknorm-check --batch-invariance --no-validation --json $O/check-binv.json
step mid 70 $O/mid.txt gpu/mid-bench --suite zoo --no-check --no-profile --no-copy --json $O/mid-zoo.json
B=zoo_resnet50_bn_32x512x28x28_bf16,zoo_resnet50_bn_32x2048x7x7_f32,zoo_resnet50_bn_32x256x56x56_f16,zoo_mobilenet_v2_bn_64x144x56x56_f16
step bn-probe 30 $O/probe.txt gpu/vknorm-bench --suite zoo --case $B --tune --tune-cache /tmp/tc.txt --no-check --try 'split=1 wg=1024 items=32;split=1 wg=256 items=16;split=1 wg=512 items=16;split=1 wg=256 items=32;split=1 wg=128 items=16'
tar czf $OUT/lease3.tgz -C $OUT r3
grep -E "^- ratio|family" $O/zoo.md; grep -E "result" $O/binv.txt; grep -E "chosen|fastest" $O/probe.txt
