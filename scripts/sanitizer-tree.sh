# Sourced by test-sanitize.sh and test-tsan.sh: `configure_sanitizer_tree BUILD SANITIZE
# [CMAKE_ARGS..]` configures a sanitizer build tree the way both run it:
# - -O1 -g1: line tables are enough for the reports' stacks, and the tree builds in about half
#   the time of -O2 -g;
# - VKNORM_TESTS_HOST_ONLY: vknorm_tests of the host-side suites, the only ones they run (the
#   ASan tree took 10 minutes on 2 cores with every suite at -O2 -g, 4 without; 2026-12-07);
# - SPIRV_FROM (environment): a build tree of the same sources whose SPIR-V modules are copied
#   instead of compiled again (scripts/test.sh passes its main build; empty: compile them);
# - UNITY=1 (environment, as scripts/test.sh sets it): a unity build (CMAKE_UNITY_BUILD).
configure_sanitizer_tree() {
  local build=$1 sanitize=$2
  shift 2
  local spirv_from=${SPIRV_FROM:+$(cd "$SPIRV_FROM" && pwd)/spirv}
  cmake -S . -B "$build" -DVKNORM_SANITIZE="$sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DVKNORM_TESTS_HOST_ONLY=ON \
    -DVKNORM_SPIRV_FROM="$spirv_from" -DVKNORM_BUILD_EXAMPLES=OFF \
    -DCMAKE_UNITY_BUILD=$([ "${UNITY:-0}" = 1 ] && echo ON || echo OFF) "$@" >/dev/null
}
