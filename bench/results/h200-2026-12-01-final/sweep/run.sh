. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 150 gpu/bench/vknorm-bench --suite sweep --json $O/vknorm-sweep.json > $O/vknorm-sweep.txt 2>&1; tail -2 $O/vknorm-sweep.txt
timeout 300 python3 bench/compare_torch.py --suite sweep --sweep-budget-s 150 --json $O/torch-sweep.json > $O/torch-sweep.log 2>&1; tail -2 $O/torch-sweep.log
python3 bench/sweep_table.py $O/vknorm-sweep.json $O/torch-sweep.json --md $O/sweep.md --svg $O/sweep.svg; gzip -k $O/vknorm-sweep.json; rm $O/vknorm-sweep.json
grep sw_rms_ $O/sweep.md | cut -c1-160
