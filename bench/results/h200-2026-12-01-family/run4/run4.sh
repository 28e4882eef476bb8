. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 200 python3 bench/compare_torch.py --bench gpu/bench/vknorm-bench --out-dir $O --no-seeds > $O/compare.log 2>&1
timeout 330 gpu/vknorm-check --full --verbose --json $O/check-full.json 2> $O/check-full-verbose.txt > $O/check-full.txt
grep -v " pass " $O/check-full-verbose.txt | grep -v "^\[.*ETA" > $O/check-full-notpass.txt
echo done; ls $O
