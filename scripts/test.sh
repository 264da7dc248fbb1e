#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine, then run the checks and the whole suite.
#   bash scripts/test.sh            (extra arguments go to pytest, e.g. -k lstm)
# Installs Debian's chromium (browser tests and PNG/SVG export) and fonts-noto-cjk (Korean in screenshots and
# exported images) when missing, and the Python packages of requirements-dev.txt (which includes
# requirements.txt). A missing browser fails the run; it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)  # tests/test_deploy.py: deploy/local.sh
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q "${missing[@]}"
fi

python -m pip install -q -r requirements-dev.txt
# lint and format (ruff), then types (mypy: the packages listed in pyproject.toml), then the tests
python -m ruff check .
python -m ruff format --check .
python -m mypy
python -m pytest tests "$@"
