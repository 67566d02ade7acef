#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs the whole suite: type-check,
# lint, the fast tier on this Node (20) and on Node 24 (npm package node@24, cached in
# $TMPDIR/agent-runtime-node24), then the slow tier once. Closes with "N passed, N failed".
# Usage (from a fresh clone): bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive as real parts (tmux for the terminal UI, chromium for the explorer).
need=()
for pkg in $(cat scripts/debian-packages.txt 2>/dev/null | grep -v '^#' || true); do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

npm ci --no-audit --no-fund
node scripts/run-tests.mjs --ci
