#!/usr/bin/env bash
# Installs everything the harness and its embedded lab need on a Debian 12
# machine, as root: the lab's Debian packages, Chromium (to render and check
# reports), and the npm dependencies. Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash lab/install-packages.sh

if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium (report rendering)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: done"
