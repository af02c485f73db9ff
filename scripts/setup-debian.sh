#!/usr/bin/env bash
# Sets up vidpad on a fresh Debian 12 machine, as root, from a clean clone:
# the system packages (ffmpeg for video; Chromium for the browser tests, driven
# by playwright-core, never a downloaded browser; oneDNN and dlib for the optional
# native parts; a compiler for the addons; Node.js if there is none), then the
# npm dependencies, the TypeScript build and the native addons.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
packages=(ffmpeg libdnnl-dev libdlib-dev g++ make python3 pkg-config chromium)
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm libnode-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Native addons compile against the Node headers Debian installs in /usr/include/node.
if [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

echo "setup: node $(node --version), npm $(npm --version)"
# onnxruntime-node: package.json denies its install script (npm 11); the variable
# keeps an older npm, which ignores allowScripts, from downloading CUDA binaries.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
