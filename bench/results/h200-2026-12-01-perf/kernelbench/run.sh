. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 100 gpu/vknorm_tests --test-suite=layer_norm,group_norm,batch_norm,lp_norm,rows,frobenius_norm,large,selector 2>&1 | tail -3 > $O/tests.txt; cat $O/tests.txt
timeout 150 gpu/vknorm-check --quick --json $O/check-quick.json > $O/check-quick.txt 2>&1; tail -1 $O/check-quick.txt
timeout 250 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
grep "|" $O/*.md
