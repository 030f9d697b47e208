#!/usr/bin/env bash
# System packages for the JupyterHub round-trip test (tests/e2e/test_hub.py), on a clean
# Debian machine, as root. Idempotent: a second run installs nothing and takes about a second.
#   chromium            headless browser driven by Playwright (never `playwright install`)
#   nodejs, npm         to install JupyterHub's proxy
#   configurable-http-proxy   JupyterHub's default proxy (npm, global)
#   passwd (useradd/userdel)  the test creates one Linux user per hub user
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps.sh: run as root (apt-get, npm -g, useradd); skipping" >&2
    exit 0
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v useradd >/dev/null 2>&1 || need_apt+=(passwd)
if [ ${#need_apt[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! command -v configurable-http-proxy >/dev/null 2>&1; then
    # configurable-http-proxy 5 needs Node >= 20; Debian 12's own nodejs is 18 (4.6 runs there).
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    chp=configurable-http-proxy@5
    [ "$node_major" -ge 20 ] || chp=configurable-http-proxy@4.6
    npm install --global --no-fund --no-audit --loglevel=error "$chp"
fi

chromium --version 2>/dev/null | head -n 1
echo "configurable-http-proxy $(configurable-http-proxy --version)"
