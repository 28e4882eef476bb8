#!/usr/bin/env bash
# Configure and build vknorm (library, tests, tools) into ${BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# The virtual 64- / 128-lane subgroup modules: the tests and the CI matrix run them.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DVKNORM_VIRTUAL_SUBGROUPS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
