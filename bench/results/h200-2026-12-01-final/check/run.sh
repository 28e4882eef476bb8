. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 300 gpu/vknorm-check --full --json $O/check-full.json > $O/check-full.txt 2>&1; tail -1 $O/check-full.txt; gzip $O/check-full.json
timeout 250 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
grep "|" $O/*.md | cut -c1-200
