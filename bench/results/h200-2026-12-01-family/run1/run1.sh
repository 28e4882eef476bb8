. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT; nvidia-smi --query-gpu=name --format=csv,noheader
timeout 90 gpu/vknorm_tests --test-suite=group_norm 2>&1 | tail -4 > $O/tests-group_norm.txt
for f in group_norm instance_norm; do timeout 60 gpu/vknorm-check --quick --filter $f 2>&1 | tail -12 >> $O/check-quick-gn-in.txt; done
timeout 60 gpu/bench/vknorm-bench --suite sweep --case sw_gn32_2x320x64x64_f16,sw_gn32_2x1280x8x8_f16,sw_gn32_1x128x512x512_f16 > $O/gn32-vknorm.txt 2>&1
timeout 90 python3 gpu/gn_torch.py > $O/gn32-torch.txt 2>&1
timeout 330 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
echo done; ls $O
