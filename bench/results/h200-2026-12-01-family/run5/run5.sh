. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 60 gpu/vknorm-check --quick --filter layer_norm > $O/check-quick-ln.txt 2>&1; tail -1 $O/check-quick-ln.txt
timeout 60 gpu/vknorm-check --filter eps=0 --filter large_mean > $O/check-eps0-large.txt 2>&1; tail -1 $O/check-eps0-large.txt
timeout 200 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
grep "|" $O/*.md
