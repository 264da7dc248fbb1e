"""pytest configuration: hypothesis replays the same examples under CI, so a red run is reproducible.

The repository root and tests/ are on sys.path through pyproject.toml (``pythonpath``); shared helpers live in
tests/helpers.py.
"""

from __future__ import annotations

import os

from hypothesis import settings as _hypothesis_settings

# CI (CI=true) replays the same examples every run, so a red run is reproducible; a developer's run explores anew.
_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
