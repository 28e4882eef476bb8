. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
timeout 90 gpu/vknorm_tests --test-suite=one_pass,group_norm,layer_norm > $O/tests.txt 2>&1; tail -3 $O/tests.txt
timeout 170 gpu/vknorm-check --quick > $O/check-quick.txt 2>&1; tail -2 $O/check-quick.txt
t() { timeout 100 gpu/$1/vknorm-bench --suite kernelbench --case $2 --tune --tune-cache $O/tc-$1.txt --try "$3" > $O/$1-$2.txt 2>&1; grep -E "^  [a-z0-9=,; ]+ +[0-9.]+ (ms|us)" $O/$1-$2.txt | sed "s/^/$1 $2 /" | cut -c1-120; }
t A0 kb34_instance_norm "split=16"
t A1 kb34_instance_norm "wg=256,split=64;wg=1024,split=16;items=8,split=64;wg=1024,items=8,split=32;passes=2,wg=256,split=16,rows=64"
t A1 kb35_group_norm "passes=1,wg=1024,items=32,split=64;passes=1,wg=512,items=32,split=128;passes=1,wg=1024,items=16,split=128;passes=1,wg=512,items=16,split=256"
t A1 kb40_layer_norm_fwd "passes=1,wg=1024,items=32,split=128;passes=1,wg=1024,items=16,split=256"
echo done
