. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
t() { timeout 100 gpu/A1/vknorm-bench --suite sweep --case $1 --tune --tune-cache $O/tc.txt --try "$2" > $O/$1.txt 2>&1; grep -E "^  [a-z0-9=,; ]+ +[0-9.]+ (ms|us)" $O/$1.txt | sed "s/^/$1 /" | cut -c1-130; }
C256="items=32,csplit=8;items=16,csplit=16;items=8,csplit=32;wg=512,items=16,csplit=16;wg=128,items=16,csplit=16"
C64="items=32,csplit=2;items=16,csplit=4;items=8,csplit=8;wg=512,items=16,csplit=4"
C1024="items=32,csplit=32;items=16,csplit=64;items=8,csplit=128;wg=512,items=16,csplit=64;wg=1024,items=16,csplit=64"
for d in f16 bf16; do t sw_rms_32x256x128x128_$d "$C256"; done
for d in f16 bf16; do t sw_rms_112x64x512x512_$d "$C64"; done
for d in f32 f16 bf16; do t sw_rms_64x1024x32x32_$d "$C1024"; done
echo done
