#!/usr/bin/env bash
# The main job: install dependencies (Debian 12), build, and run the KernelBench suite of
# vknorm-bench on the default device (the first GPU, else lavapipe; VKNORM_DEVICE picks another).
# Extra arguments go to vknorm-bench, e.g. scripts/bench.sh --json bench.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
exec "${BUILD_DIR:-build}/bench/vknorm-bench" --suite kernelbench "$@"
