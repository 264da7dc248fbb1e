"""Every chart the pages draw, as the browser receives it, is what plotly's validation makes of it.

The app builds figures without plotly's property-by-property validation (``charts.style.figure``: about 7 ms a
chart on every run). Here each page's specs are rebuilt with validation and must come out the same, number for
number (tests/conftest.py also validates every figure built in any test).
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("book", "compare", "rnn", "lstm", "gru", "remedies", "theory", "horizon", "model")


def plain(v):
    """A spec with its typed arrays decoded and its numbers as floats (NaN as JSON's null)."""
    if isinstance(v, dict):
        if "bdata" in v and "dtype" in v:
            arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
            if "shape" in v:
                arr = arr.reshape([int(n) for n in str(v["shape"]).split(",")])
            return plain(arr.tolist())
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return None if math.isnan(v) else float(v)
    return v


def specs(page: str, query: dict[str, str]) -> list[dict]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    if page != "book":
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize(
    ("page", "query"),
    [(p, {}) for p in PAGES]
    + [("theory", {"lang": "ko"}), ("rnn", {"slide": "true"}), ("horizon", {"lang": "ko", "T": "120"})],
)
def test_each_chart_is_what_validation_makes_of_it(page, query):
    figs = specs(page, query)
    assert figs, f"{page}: no chart"
    for spec in figs:
        validated = go.Figure(data=spec["data"], layout=spec["layout"])  # raises on an invalid property
        assert plain(json.loads(pio.to_json(validated, validate=False))) == plain(spec)
