#!/usr/bin/env bash
# Configure and build vknorm (library, tests, tools) into ${BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# The virtual 64- / 128-lane subgroup modules: the tests and the CI matrix run them.
# DEBUG_INFO: the debug-information flag of a RelWithDebInfo build (default -g; CI's -g1).
# UNITY=1: a unity build (CMAKE_UNITY_BUILD: sources compiled in batches of 8), as CI builds.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DVKNORM_VIRTUAL_SUBGROUPS=ON \
  -DCMAKE_UNITY_BUILD=$([ "${UNITY:-0}" = 1 ] && echo ON || echo OFF) \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 ${DEBUG_INFO:--g} -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 ${DEBUG_INFO:--g} -DNDEBUG" >/dev/null
cmake --build "$build" -j"$(nproc)"
