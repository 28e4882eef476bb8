#!/usr/bin/env bash
# Install Mesa 25.0.7's lavapipe from bookworm-backports into a private prefix, beside the
# system Mesa 22.3 (which stays the default driver). Run as root on Debian 12; idempotent.
#
#   scripts/install-mesa25.sh [PREFIX]        (default: /opt/vknorm-mesa25)
#
# Then run anything on it with scripts/with-mesa25.sh CMD... (same PREFIX via VKNORM_MESA25).
#
# The packages are downloaded (not installed) at pinned versions and unpacked with dpkg -x:
# apt would replace the system Mesa. The remaining dependencies of mesa-vulkan-drivers 25.0.7
# (libllvm15, libxcb*, libwayland-client0, ...) are those of the system's 22.3 and already
# present wherever lavapipe 22.3 runs. Two fix-ups make the copy usable:
#   - the ICD manifest names a bare "libvulkan_lvp.so", which the loader resolves through the
#     library path, i.e. to the system's 22.3 driver: rewrite it to the absolute path;
#   - lavapipe 25 needs libdrm >= 2.4.121 (Debian 12 has 2.4.114): with-mesa25.sh puts the
#     private libdrm first on LD_LIBRARY_PATH.
set -euo pipefail

prefix=${1:-${VKNORM_MESA25:-/opt/vknorm-mesa25}}
mesa_version=25.0.7-2~bpo12+1
drm_version=2.4.123-1~bpo12+1
packages=(
  "mesa-vulkan-drivers=$mesa_version"
  "libdrm2=$drm_version"
  "libdrm-amdgpu1=$drm_version"
  "libdrm-common=$drm_version"
)
manifest_rel=share/vulkan/icd.d/lvp_icd.x86_64.json
lib_rel=lib/x86_64-linux-gnu

die() { echo "install-mesa25.sh: $*" >&2; exit 1; }

# Already installed at these versions? Then there is nothing to do.
stamp="$prefix/.vknorm-mesa25-versions"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]}" ] &&
   [ -f "$prefix/$manifest_rel" ] && [ -f "$prefix/$lib_rel/libvulkan_lvp.so" ]; then
  echo "Mesa 25 lavapipe already in $prefix"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "needs root (to add bookworm-backports to apt and update it)"
for tool in apt-get apt-cache dpkg; do
  command -v "$tool" >/dev/null || die "needs $tool (Debian 12)"
done
# shellcheck source=/dev/null
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || die "made for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}"
[ "$(dpkg --print-architecture)" = amd64 ] || die "made for amd64"

# bookworm-backports, in a sources file of its own, unless some source already carries it.
if ! grep -rhsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ >/dev/null; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' \
    > /etc/apt/sources.list.d/vknorm-backports.list
fi
apt-get update -qq || die "apt-get update failed"

# Fail clearly when a pinned version has left the mirror (backports keeps only the newest).
for p in "${packages[@]}"; do
  name=${p%%=*} want=${p#*=}
  if ! apt-cache madison "$name" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$want"; then
    die "$name $want is no longer in the apt sources; available: $(apt-cache madison "$name" |
      awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}')(update the pins in $0)"
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || true  # apt downloads as _apt where it can (else it warns)
(cd "$work" && apt-get download -qq "${packages[@]}") || die "apt-get download failed"

rm -rf "$prefix.new"
mkdir -p "$prefix.new"
for deb in "$work"/*.deb; do
  dpkg -x "$deb" "$prefix.new"
done
# dpkg -x keeps the package paths: PREFIX/usr/{lib,share}/... Flatten /usr away.
mv "$prefix.new/usr"/* "$prefix.new/" && rmdir "$prefix.new/usr"
[ -f "$prefix.new/$lib_rel/libvulkan_lvp.so" ] || die "libvulkan_lvp.so missing from the package"
# 25.0.7 ships lvp_icd.json (22.3 had lvp_icd.x86_64.json): keep one stable name for with-mesa25.sh.
shipped=$(find "$prefix.new/share/vulkan/icd.d" -name 'lvp_icd*.json' | head -n 1)
[ -n "$shipped" ] || die "no lvp_icd*.json in the package"
[ "$shipped" = "$prefix.new/$manifest_rel" ] || mv "$shipped" "$prefix.new/$manifest_rel"

# Absolute library path in the manifest (the final location, after the rename below).
sed -i -E "s|\"library_path\": *\"[^\"]*\"|\"library_path\": \"$prefix/$lib_rel/libvulkan_lvp.so\"|" \
  "$prefix.new/$manifest_rel"
grep -q "\"$prefix/$lib_rel/libvulkan_lvp.so\"" "$prefix.new/$manifest_rel" ||
  die "could not rewrite library_path in $manifest_rel"
# Only lavapipe is wanted: the other drivers' manifests would tempt a glob over icd.d.
find "$prefix.new/share/vulkan/icd.d" -name '*.json' ! -name "$(basename "$manifest_rel")" -delete

printf '%s' "${packages[*]}" > "$prefix.new/.vknorm-mesa25-versions"
rm -rf "$prefix"
mv "$prefix.new" "$prefix"
echo "Mesa 25.0.7 lavapipe installed in $prefix; run with: scripts/with-mesa25.sh CMD..."
