. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
t() { timeout 60 gpu/bench/vknorm-bench --suite sweep --case $1 --tune --tune-cache $O/tc.txt --try "$2" > $O/$1.txt 2>&1; grep -E "^  [a-z0-9=,; ]+ +[0-9.]+ (ms|us)" $O/$1.txt | sed "s/^/$1 /" | cut -c1-130; }
for d in f16 bf16; do t sw_ln_4x16777216_$d "items=32,split=512;items=32,split=1024;items=64,split=256;wg=512,split=512"; done
t sw_ln_16x64x256x256_f16 "items=32;items=32,split=128;items=64,split=64"
for d in f16 bf16; do t sw_ln_262144x768_$d "rows=8,items=32;wg=512,rows=16,items=32;vec=8,items=16"; done
t sw_ln_32768x8192_f16 "wg=256,items=32;wg=256,items=32,vec=8;wg=1024,items=8,vec=8"
echo done
