. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 60 gpu/vknorm_tests --test-suite=layer_norm,add_layer_norm,group_norm,rows 2>&1 | tail -4 > $O/tests.txt
timeout 120 gpu/bench/vknorm-bench --suite kernelbench --case kb38_l1_norm,kb40_layer_norm_fwd --tune --tune-cache $O/tune-cache.txt > $O/tune.txt 2>&1
timeout 200 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
timeout 200 gpu/vknorm-check --full --json $O/check-full.json > $O/check-full.txt 2>&1
echo done; ls $O
