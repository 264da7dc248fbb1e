#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine, then run the whole suite.
#   bash scripts/test.sh            (extra arguments go to pytest, e.g. -k lstm)
# Installs Debian's chromium (browser tests and PNG/SVG export) when it is missing, and the Python packages
# of requirements-dev.txt (which includes requirements.txt). A missing browser fails the run; it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q chromium
fi

python -m pip install -q -r requirements-dev.txt
python -m pytest tests "$@"
