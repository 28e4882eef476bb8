#!/usr/bin/env bash
# Run CMD on Mesa 25.0.7's lavapipe installed by scripts/install-mesa25.sh.
#
#   scripts/with-mesa25.sh CMD [ARGS...]      (prefix: $VKNORM_MESA25, default /opt/vknorm-mesa25)
#
# Only the rewritten lavapipe manifest is offered to the Vulkan loader (VK_DRIVER_FILES, and
# VK_ICD_FILENAMES for older loaders such as Debian 12's 1.3.239), and the private libdrm
# (>= 2.4.121, which lavapipe 25 needs) comes first on LD_LIBRARY_PATH. Without these the
# loader would silently load the system's Mesa 22.3. Layers (validation) are unaffected.
set -euo pipefail

prefix=${VKNORM_MESA25:-/opt/vknorm-mesa25}
manifest=$prefix/share/vulkan/icd.d/lvp_icd.x86_64.json
if [ ! -f "$manifest" ]; then
  echo "with-mesa25.sh: $manifest not found; run scripts/install-mesa25.sh first" >&2
  exit 2
fi
[ $# -gt 0 ] || { echo "usage: with-mesa25.sh CMD [ARGS...]" >&2; exit 2; }

export VK_DRIVER_FILES=$manifest
export VK_ICD_FILENAMES=$manifest
export LD_LIBRARY_PATH=$prefix/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec "$@"
