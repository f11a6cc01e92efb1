#!/usr/bin/env bash
# Installs the system libraries lmm-gym needs on Debian/Ubuntu:
#   canvas (built from source): cairo, pango, jpeg, gif, rsvg, pkg-config, a C++ toolchain;
#   the native matmul kernels: OpenBLAS;  the HTML replay test: chromium;
#   the webgpu backend's test on a machine without a GPU: Mesa's EGL and OpenGL ES (software).
# Uses apt-get where present (with sudo when not root); elsewhere prints what to install.
set -euo pipefail

PACKAGES=(build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev libopenblas-dev)
OPTIONAL=(chromium libegl1 libegl-mesa0 libgles2)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PACKAGES[@]}" "${OPTIONAL[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  missing=("${PACKAGES[@]}" "${OPTIONAL[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: system libraries already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
setup-system: apt-get not found. Install these with your package manager, then run npm ci:
  cairo, pango, libjpeg, giflib, librsvg (development headers), pkg-config, a C++ toolchain,
  OpenBLAS (optional: fast matmul kernels), chromium (optional: HTML replay test).
Missing Debian names: ${missing[*]}
MSG
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-system: not root and no sudo; ask an admin to run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
# chromium only serves the HTML replay test; its absence skips that test with a message.
$SUDO apt-get install -y -qq "${OPTIONAL[@]}" >/dev/null || echo "setup-system: optional ${OPTIONAL[*]} not installed (the HTML replay and webgpu tests will be skipped)"
echo "setup-system: done"
