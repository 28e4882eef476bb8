#!/usr/bin/env bash
# Proves that engines can consume vknorm in the three ways README.md lists, each in a temp dir,
# and runs every program built (on lavapipe when no GPU is present):
#   a. `cmake --install` of ${BUILD_DIR:-build} to a temp prefix, then examples/consumer/
#      (find_package(vknorm CONFIG REQUIRED)) with CMAKE_PREFIX_PATH=<prefix>;
#   b. the same example compiled by hand with `pkg-config --cflags --libs vknorm vulkan`;
#   c. examples/consumer_subdir/: add_subdirectory(<this checkout>), which must build no tests
#      or tools (so needs neither doctest nor volk); built with BUILD_SHARED_LIBS=ON, so the
#      shared library is covered too (a and b use the static default of the main build).
# When examples/embed_c.c exists (the C API's example), a and b build and run it as well.
# Reuses the main build's compiled library when ${BUILD_DIR:-build} exists (building only the
# vknorm target), else builds the library alone in the temp dir. KEEP_TMP=1 keeps the temp dir.
# Prints "consume: N passed, M failed"; exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
CC=${CC:-cc} CXX=${CXX:-c++}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} VKNORM_DEVICE=${VKNORM_DEVICE:-llvmpipe}
export MESA_SHADER_CACHE_DISABLE=true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vknorm-consume.XXXXXX")
if [ "${KEEP_TMP:-0}" = 1 ]; then echo "consume: temp dir $tmp (kept)"; else trap 'rm -rf "$tmp"' EXIT; fi
prefix=$tmp/prefix
mkdir -p "$tmp/log"
version=$(sed -n 's/^project(vknorm VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r major minor _ <<<"$version"
have_c=0
[ -f examples/embed_c.c ] && have_c=1

passed=0 failed=0
# check NAME FUNCTION: runs FUNCTION in a subshell with errexit on (its output goes to a log,
# shown when it fails) and counts the result.
check() {
  local name=$1 fn=$2 rc t0=$SECONDS
  set +e
  ( set -euo pipefail; "$fn" ) >"$tmp/log/$name.log" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "consume: PASS $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); echo "consume: FAIL $name (exit $rc), last lines of its log:"
    tail -n 40 "$tmp/log/$name.log" | sed 's/^/    /'
  fi
}
# run PROGRAM: runs a built example; the prefix's libdir is on the library path in case the
# installed libvknorm is shared.
run() { echo "+ $*"; LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }

# --- install: the main build tree (or a library-only one) to $prefix ---
install_prefix() {
  local libbuild=$build
  if [ ! -f "$build/CMakeCache.txt" ]; then
    libbuild=$tmp/lib-build
    cmake -S . -B "$libbuild" -DCMAKE_BUILD_TYPE=Release -DVKNORM_BUILD_TESTS=OFF \
      -DVKNORM_BUILD_TOOLS=OFF -DVKNORM_BUILD_EXAMPLES=OFF -DVKNORM_INSTALL=ON
  fi
  cmake --build "$libbuild" --target vknorm -j"$jobs"  # also re-runs an out-of-date configure
  grep -q '^VKNORM_INSTALL:BOOL=ON$' "$libbuild/CMakeCache.txt" ||
    { echo "$libbuild was configured with VKNORM_INSTALL=OFF"; return 1; }
  cmake --install "$libbuild" --prefix "$prefix"
  find "$prefix" -type f | sort
  local lib
  lib=$(find "$prefix" -name 'libvknorm.a' -o -name 'libvknorm.so.*.*.*' | head -n1)
  [ -n "$lib" ]
  # The library links no Vulkan loader: it must not reference a single vk* symbol.
  local undef
  case $lib in
    *.a) undef=$(nm -u "$lib") ;;
    *) undef=$(nm -D -u "$lib")
       if readelf -d "$lib" | grep 'NEEDED.*libvulkan'; then echo "$lib links the loader"; return 1; fi ;;
  esac
  if grep -E '^ *U vk[A-Z]' <<<"$undef"; then
    echo "$lib references Vulkan loader symbols"; return 1
  fi
}
check install install_prefix
pc=$(find "$prefix" -name vknorm.pc 2>/dev/null | head -n1 || true)
pcdir=$(dirname "${pc:-$prefix/lib/pkgconfig/vknorm.pc}")
libdir=$(dirname "$pcdir")

# --- a: find_package(vknorm CONFIG REQUIRED) from the prefix ---
configure_a() {
  cmake -S examples/consumer -B "$tmp/a" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DVKNORM_REQUIRED_VERSION="$version"
  # The package came from the prefix, not from a build tree or a system copy.
  grep "^vknorm_DIR:" "$tmp/a/CMakeCache.txt"
  grep -q "^vknorm_DIR:PATH=$prefix/" "$tmp/a/CMakeCache.txt"
}
cmake_cxx() {
  configure_a
  cmake --build "$tmp/a" --target consumer_rms_norm -j"$jobs"
  run "$tmp/a/consumer_rms_norm"
}
cmake_c() {
  [ -f "$tmp/a/CMakeCache.txt" ] || configure_a
  cmake --build "$tmp/a" --target consumer_c -j"$jobs"
  run "$tmp/a/consumer_c"
}
# vknormConfigVersion.cmake turns away an incompatible version (0.x: another minor is one).
cmake_version() {
  local want=$major.$((minor + 1))
  [ "$major" = 0 ] || want=$((major + 1)).0
  local out
  if out=$(cmake -S examples/consumer -B "$tmp/a-version" -DCMAKE_PREFIX_PATH="$prefix" \
             -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DVKNORM_REQUIRED_VERSION="$want" 2>&1); then
    echo "$out"; echo "find_package(vknorm $want) accepted vknorm $version"; return 1
  fi
  echo "$out"
  # Refused for the version, not for some other reason (CMake wraps its message: unwrap it).
  tr -s ' \n' '  ' <<<"$out" | grep "compatible with requested version \"$want\"" >/dev/null
  echo "find_package(vknorm $want) refused vknorm $version, as it should"
}
check cmake-find-package cmake_cxx
check cmake-version-check cmake_version
[ $have_c = 0 ] || check cmake-find-package-c cmake_c

# --- b: plain compiler + pkg-config. C++ programs use `--libs`; `c++` brings the C++ runtime
# that a static libvknorm.a needs. C programs use `--static --libs` (Libs.private: -lstdc++ -lm).
pkgconfig_cxx() {
  export PKG_CONFIG_PATH=$pcdir
  mkdir -p "$tmp/b"
  [ "$(pkg-config --modversion vknorm)" = "$version" ]
  echo "cflags: $(pkg-config --cflags vknorm vulkan)"
  echo "libs: $(pkg-config --libs vknorm vulkan)"
  echo "static libs: $(pkg-config --static --libs vknorm vulkan)"
  # shellcheck disable=SC2046  # pkg-config's output is meant to be word-split
  "$CXX" -std=c++17 -O1 -c examples/embed_rms_norm.cpp -o "$tmp/b/embed_rms_norm.o" \
    $(pkg-config --cflags vknorm vulkan)
  # shellcheck disable=SC2046
  "$CXX" "$tmp/b/embed_rms_norm.o" -o "$tmp/b/embed_rms_norm" $(pkg-config --libs vknorm vulkan)
  # shellcheck disable=SC2046
  "$CXX" "$tmp/b/embed_rms_norm.o" -o "$tmp/b/embed_rms_norm_static" \
    $(pkg-config --static --libs vknorm vulkan)
  run "$tmp/b/embed_rms_norm"
  run "$tmp/b/embed_rms_norm_static"
}
pkgconfig_c() {
  export PKG_CONFIG_PATH=$pcdir
  mkdir -p "$tmp/b"
  # shellcheck disable=SC2046
  "$CC" -std=c11 -O1 -c examples/embed_c.c -o "$tmp/b/embed_c.o" $(pkg-config --cflags vknorm vulkan)
  # shellcheck disable=SC2046
  "$CC" "$tmp/b/embed_c.o" -o "$tmp/b/embed_c" $(pkg-config --static --libs vknorm vulkan)
  run "$tmp/b/embed_c"
}
check pkg-config pkgconfig_cxx
[ $have_c = 0 ] || check pkg-config-c pkgconfig_c

# --- c: add_subdirectory(<checkout>) without doctest or volk ---
subdir() {
  cmake -S examples/consumer_subdir -B "$tmp/c" -DCMAKE_BUILD_TYPE=Release \
    -DVKNORM_SOURCE_DIR="$root" -DBUILD_SHARED_LIBS=ON -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON
  # Nothing of the tests, tools or examples was configured: find_package(doctest) never ran
  # (CMake reports CMAKE_DISABLE_FIND_PACKAGE_doctest as unused), volk was never looked for...
  awk '/Manually-specified variables were not used/ { f = 1 }
       f && /CMAKE_DISABLE_FIND_PACKAGE_doctest/ { ok = 1 } END { exit !ok }' "$tmp/log/add-subdirectory.log"
  grep -E '^VKNORM_(BUILD_[A-Z]+|INSTALL):BOOL=OFF$' "$tmp/c/CMakeCache.txt"
  [ "$(grep -cE '^VKNORM_(BUILD_[A-Z]+|INSTALL):BOOL=OFF$' "$tmp/c/CMakeCache.txt")" = 4 ]
  if grep -E '^(VOLK_[A-Z_]+|DOCTEST_INCLUDE_DIR|doctest_DIR):' "$tmp/c/CMakeCache.txt"; then
    echo "doctest or volk was looked up"; return 1
  fi
  local targets
  targets=$(cmake --build "$tmp/c" --target help)
  # (Makefiles list "... NAME", Ninja "NAME: phony".)
  if grep -E '(^|\.\.\. )(vknorm_tests|vknorm_volk_test|vknorm_selector_test|vknorm_support|vknorm-bench|vknorm-check|embed_rms_norm)(: phony)?$' <<<"$targets"; then
    echo "test, tool or example targets exist under add_subdirectory"; return 1
  fi
  # ...so only the library and the outer example build.
  cmake --build "$tmp/c" --target consumer_rms_norm -j"$jobs"
  ldd "$tmp/c/consumer_rms_norm" | grep libvknorm
  run "$tmp/c/consumer_rms_norm"
  # VKNORM_INSTALL is off: the outer project's install does not install vknorm.
  cmake --install "$tmp/c" --prefix "$tmp/c-prefix"
  if [ -d "$tmp/c-prefix" ] && find "$tmp/c-prefix" -iname '*vknorm*' | grep .; then
    echo "the outer project's install installed vknorm"; return 1
  fi
}
check add-subdirectory subdir

echo "consume: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
