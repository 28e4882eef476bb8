. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 150 gpu/vknorm-check --quick --json $O/check-quick.json > $O/check-quick.txt 2>&1; tail -1 $O/check-quick.txt
timeout 60 gpu/vknorm_tests --test-suite=layer_norm,group_norm,batch_norm,selector 2>&1 | tail -3 > $O/tests.txt; cat $O/tests.txt
for s in 4096x16500 64x18000 3x20000; do timeout 30 gpu/bench/vknorm-bench --op layer_norm --shape $s --no-roofline 2>/dev/null | grep -E "layer_norm " | cut -c1-160; done
