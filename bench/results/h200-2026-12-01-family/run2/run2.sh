. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 100 gpu/bench/vknorm-bench --suite kernelbench --case kb38_l1_norm,kb39_l2_norm --tune --tune-cache $O/tune-cache.txt > $O/tune-kb38-39.txt 2>&1
timeout 150 gpu/vknorm-check --quick --json $O/check-quick.json > $O/check-quick.txt 2>&1
timeout 60 gpu/vknorm_tests --test-suite=frobenius_norm,rows,lp_norm 2>&1 | tail -4 > $O/tests.txt
timeout 260 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
echo done; ls $O
