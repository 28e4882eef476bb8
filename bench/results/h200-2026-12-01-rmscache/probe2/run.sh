. .gl/install.sh; export XDG_RUNTIME_DIR=/tmp PYTHONUNBUFFERED=1
O=$OUT
t() { timeout 100 gpu/A1/vknorm-bench --suite $1 --case $2 --tune --tune-cache $O/tc.txt --try "$3" > $O/$2.txt 2>&1; grep -E "^  [a-z0-9=,; ]+ +[0-9.]+ (ms|us)" $O/$2.txt | sed "s/^/$2 /" | cut -c1-130; }
t sweep sw_rms_32x256x128x128_f32 "items=32,csplit=8;items=16,csplit=16;wg=128,items=16,csplit=16"
t kernelbench kb36_rms_norm "items=32,csplit=2;items=16,csplit=4;wg=128,items=16,csplit=4"
t sweep sw_rms_16x3x1024x1024_f16 "wg=128;items=16,csplit=1"
for d in f16 bf16; do t sweep sw_rms_112x64x512x512_$d "wg=128,items=16,csplit=4;wg=128,items=8,csplit=8"; done
for d in f16 bf16; do t sweep sw_rms_64x1024x32x32_$d "wg=128,items=16,csplit=64;wg=128,items=32,csplit=32"; done
t sweep sw_rms_32x256x128x128_f16 "wg=128,items=32,csplit=8;wg=128,items=8,csplit=32"
echo done
