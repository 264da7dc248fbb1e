"""Exports of a chart: self-contained HTML, CSV that round-trips, and PNG/SVG through kaleido + Chromium."""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import charts
from charts import export
from explorer.settings import Settings

SETTINGS = Settings(T=3, scheme="orthogonal", scale=1.5).caption()


def small_figure() -> go.Figure:
    df = pd.DataFrame(
        {
            "step": [0, 1, 2],
            "curve": "trace-name-xyz",
            "colour_key": "lstm",
            "dash": "solid",
            "log10_norm": [-3.0, -1.5, 0.2],
        }
    )
    return charts.norm_chart(df, "Export test", SETTINGS)


@pytest.fixture(scope="module")
def image_server():
    """One kept-alive kaleido browser for the image tests (~0.3 s per render instead of ~3 s)."""
    assert export.browser_path() is not None, "the test machine should have Chromium"
    assert export.start_image_server() is True
    return True


# ------------------------------------------------------------------------------------------------- HTML
def test_figure_html_is_self_contained():
    html = charts.figure_html(small_figure())
    assert isinstance(html, bytes)
    text = html.decode("utf-8")
    assert "<html" in text and "</html>" in text
    assert not re.search(r"<script[^>]*\bsrc=", text)  # no CDN or other external script
    assert "Plotly.newPlot" in text
    assert len(html) > 1_000_000  # plotly.js itself is inlined (several MB)
    assert "trace-name-xyz" in text
    assert '"displaylogo": false' in text or '"displaylogo":false' in text


# -------------------------------------------------------------------------------------------------- CSV
def test_table_csv_round_trips_numbers_exactly_with_setting_columns():
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "step": np.arange(8),
            "curve": ["RNN", "LSTM, gate bias +3", "GRU", "a,b", 'q"uote', "σ_i", "RNN", "RNN"],
            "log10_norm": np.concatenate([rng.normal(0, 100, 4), [1e-300, 0.1, 477.2461934562829, -np.inf]]),
            "value": rng.uniform(size=8) / 3.0,
        }
    )
    before = data.copy()
    raw = charts.table_csv(data, SETTINGS)
    assert isinstance(raw, bytes)
    pd.testing.assert_frame_equal(data, before)  # the input is not changed
    back = pd.read_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(data.columns) + [f"setting_{k}" for k in SETTINGS]
    np.testing.assert_array_equal(back["step"].to_numpy(), data["step"].to_numpy())
    assert list(back["curve"]) == list(data["curve"])
    for col in ("log10_norm", "value"):  # %.17g: every float64 comes back bit for bit
        np.testing.assert_array_equal(back[col].to_numpy(dtype=float), data[col].to_numpy())
    for key, value in SETTINGS.items():
        column = back[f"setting_{key}"]
        assert column.nunique() == 1
        got = column.iloc[0]
        if isinstance(value, str):
            assert got == value
        else:
            assert float(got) == float(value)
    assert SETTINGS["init"] == "orthogonal×1.5" and set(back["setting_init"]) == {"orthogonal×1.5"}


def test_table_csv_without_settings_has_only_data_columns():
    data = pd.DataFrame({"a": [0.1, 0.2], "b": ["x", "y"]})
    back = pd.read_csv(io.BytesIO(charts.table_csv(data)))
    assert list(back.columns) == ["a", "b"]
    np.testing.assert_array_equal(back["a"].to_numpy(), [0.1, 0.2])


def test_table_csv_of_app_data_round_trips():
    from explorer import data as xdata

    s = Settings(T=12, H=4, N=2)
    curves = xdata.compare(s).curves
    back = pd.read_csv(io.BytesIO(charts.table_csv(curves, s.caption())))
    assert len(back) == len(curves)
    np.testing.assert_array_equal(back["log10_norm"].to_numpy(), curves["log10_norm"].to_numpy())
    assert list(back["curve"]) == list(curves["curve"])


# ------------------------------------------------------------------------------------------------ images
def test_image_bytes_png(image_server):
    png = charts.image_bytes(small_figure(), "png", width=400, height=300, scale=2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 600)  # width × scale, height × scale


def test_image_bytes_svg(image_server):
    svg = charts.image_bytes(small_figure(), "svg", width=400, height=300)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"Export test" in svg  # the title is text in the vector file
    assert root.get("width") == "400" and root.get("height") == "300"


@pytest.mark.parametrize("fmt", ["jpeg", "pdf", "PNG", "", "../png"])
def test_image_bytes_bad_format(fmt):
    with pytest.raises(ValueError, match="fmt"):
        charts.image_bytes(small_figure(), fmt)


def test_browser_path_finds_an_executable():
    path = export.browser_path()
    assert path is not None and any(name in path for name in ("chrom", "chrome"))
    assert charts.image_export_available() is True


def test_no_browser_means_no_image_export(monkeypatch):
    monkeypatch.setattr(export, "browser_path", lambda: None)
    assert charts.image_export_available() is False
    assert export.start_image_server() is False
    with pytest.raises(RuntimeError, match="Chromium"):
        charts.image_bytes(small_figure(), "png")
    with pytest.raises(ValueError):  # a bad format is reported first, browser or not
        charts.image_bytes(small_figure(), "gif")


def test_no_browser_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert export.browser_path() is None
    assert charts.image_export_available() is False
