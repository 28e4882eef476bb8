#!/usr/bin/env bash
# Installs vknorm's build and test dependencies from Debian 12's packages (run as root or
# with sudo available). Idempotent.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libvulkan-dev vulkan-validationlayers spirv-tools   # Vulkan headers, loader, validation layer
  glslang-tools glslang-dev                           # glslangValidator (shaders -> SPIR-V)
  libvulkan-volk-dev                                  # volk, for the "engine uses volk" test
  doctest-dev                                         # the test framework
  mesa-vulkan-drivers                                 # lavapipe: the CPU Vulkan device
)
# Optional: headless chromium for tools/check/html_check.sh (loads vknorm-check --html pages;
# large, so only on request).
if [ "${VKNORM_HTML_CHECK:-0}" = 1 ]; then
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
