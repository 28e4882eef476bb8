. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 60 gpu/vknorm_tests --test-suite=batch_norm,group_norm 2>&1 | tail -3 > $O/tests.txt; cat $O/tests.txt
timeout 60 gpu/vknorm-check --quick --filter batch_norm > $O/check-bn.txt 2>&1; tail -1 $O/check-bn.txt
timeout 60 gpu/vknorm-check --quick --filter instance_norm > $O/check-in.txt 2>&1; tail -1 $O/check-in.txt
timeout 250 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
grep "|" $O/*.md
