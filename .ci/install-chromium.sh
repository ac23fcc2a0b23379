#!/usr/bin/env bash
# Installs headless Chromium for the HTML report test (tests/report_html.rs).
# Idempotent: does nothing when /usr/bin/chromium is already there. Debian packages only.
# Outside CI the test skips itself with a clear message when Chromium is missing; with CI=true
# it runs this script itself, so a fresh CI machine renders the report in a real browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version || true
