"""pytest configuration: hypothesis replays the same examples under CI, so a red run is reproducible.

The repository root and tests/ are on sys.path through pyproject.toml (``pythonpath``); shared helpers live in
tests/helpers.py.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as _hypothesis_settings

# The app's process.configure() starts a child that fills numba's disk cache for a server; the tests compile in
# their own process (tests/test_process.py runs the child once on purpose)
os.environ.setdefault("GRADIENT_FLOW_WARM_CHILD", "0")
# The tests set RC_BACKEND, so that an AppTest leaves the process's backend as every other test expects it
# (GRADIENT_FLOW_PAGES_BACKEND could make the app's server force one; tests/test_process.py checks its choice itself)
os.environ.setdefault("RC_BACKEND", "auto")

# CI (CI=true) replays the same examples every run, so a red run is reproducible; a developer's run explores anew.
_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _every_figure_is_valid(monkeypatch):
    """The app builds its figures unvalidated (charts.style.figure, for speed); in every test each one is also
    built the validated way, so a property plotly does not know fails the test that drew it. And what it sends to
    the browser (charts.style.Chart's own to_dict) must equal what plotly's to_dict makes of it."""
    import plotly.graph_objects as go
    import plotly.io as pio

    import charts.style

    class _Checked(charts.style.Chart):
        def __init__(self, *, data, layout, _validate=True):
            go.Figure(data=data, layout=layout)  # raises ValueError on an unknown or invalid property
            super().__init__(data=data, layout=layout, _validate=_validate)

        def to_dict(self):
            made = super().to_dict()
            assert pio.to_json(made, validate=False) == pio.to_json(go.Figure.to_dict(self), validate=False)
            return made

    monkeypatch.setattr(charts.style, "Chart", _Checked)
