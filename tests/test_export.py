"""Exports of a chart: CSV that round-trips, self-contained HTML, and PNG/SVG through kaleido + Chromium.

Each image render starts its own browser (~3 s): this file renders exactly two images, one PNG and one SVG.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import charts
from charts import export

BOM = b"\xef\xbb\xbf"
SETTINGS = {"T": 3, "H": 2, "seed": 0, "scheme": "orthogonal×1.5", "forget_bias": 0.0, "norm": "l2"}
TITLE = "‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU"


def read_back(raw: bytes) -> pd.DataFrame:
    """The documented way to read an exported table."""
    return pd.read_csv(io.BytesIO(raw), comment="#", encoding="utf-8-sig")


def header_lines(raw: bytes) -> list[str]:
    """The `# …` lines at the top of the file, after the BOM."""
    text = raw.decode("utf-8-sig")
    out = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        out.append(line)
    return out


@pytest.fixture(scope="module")
def figure() -> go.Figure:
    curves = pd.DataFrame(
        {
            "t": [0, 1, 2, 3, 0, 1, 2, 3],
            "back": [3, 2, 1, 0, 3, 2, 1, 0],
            "curve": ["rnn"] * 4 + ["lstm"] * 4,
            "log10_norm": [-9.0, -6.0, -3.0, 0.2, -3.0, -2.0, -1.0, 0.2],
        }
    )
    info = [
        {"id": "rnn", "name": "trace-name-xyz", "colour_key": "rnn", "role": "full"},
        {"id": "lstm", "name": "LSTM 망각 게이트", "colour_key": "lstm", "role": "path"},
    ]
    return charts.norm_chart(curves, info, "Export test", SETTINGS)


# -------------------------------------------------------------------------------------------------- CSV
def test_table_csv_starts_with_the_bom_and_a_header_block_of_key_value_lines():
    data = pd.DataFrame({"t": [0, 1], "curve": ["RNN", "RNN"], "log10_norm": [-1.0, 0.0]})
    raw = charts.table_csv(data, SETTINGS, TITLE)
    assert isinstance(raw, bytes)
    assert raw.startswith(BOM + b"#")
    head = header_lines(raw)
    # the title first (a title holds ": " itself, so it is a key: value line too), then each setting once
    assert head == [
        f"# title: {TITLE}",
        "# T: 3",
        "# H: 2",
        "# seed: 0",
        "# scheme: orthogonal×1.5",
        "# forget_bias: 0.0",
        "# norm: l2",
    ]
    assert all(re.fullmatch(r"# [A-Za-z_][A-Za-z0-9_]*: .*", line) for line in head)
    body = raw.decode("utf-8-sig").split("\n")[len(head) :]
    assert body[0] == "t,curve,log10_norm,norm"
    assert not any(line.startswith("#") for line in body)


def test_table_csv_without_title_or_settings_is_plain_csv_after_the_bom():
    raw = charts.table_csv(pd.DataFrame({"a": [0.1, 0.2], "b": ["x", "y"]}))
    assert raw.startswith(BOM + b"a,b\n")
    raw = charts.table_csv(pd.DataFrame({"a": [0.1]}), {"T": 5})
    assert raw.startswith(BOM + b"# T: 5\na\n")


def test_table_csv_norm_column_sits_after_log10_norm_and_equals_ten_to_the_power():
    data = pd.DataFrame(
        {
            "t": np.arange(12),
            "back": np.arange(12)[::-1],
            "curve": ["RNN"] * 12,
            "log10_norm": [2.0, -3.0, 0.0, 1.0, -1.0, 22.0, -np.inf, 400.0, 308.26, -400.0, np.inf, np.nan],
        }
    )
    back = read_back(charts.table_csv(data, SETTINGS, TITLE))
    assert list(back.columns) == ["t", "back", "curve", "log10_norm", "norm"]
    norm = back["norm"].to_numpy(dtype=float)
    np.testing.assert_allclose(norm[:6], [100.0, 0.001, 1.0, 10.0, 0.1, 1e22], rtol=1e-15, atol=0)
    assert norm[6] == 0.0  # log10 = −inf is an exact zero
    assert np.isnan(norm[7:]).all()  # past float64 (10⁴⁰⁰, 10³⁰⁸·²⁶), underflow (10⁻⁴⁰⁰), +inf, NaN: empty
    text = charts.table_csv(data).decode("utf-8-sig").split("\n")
    assert text[8].endswith(",400,") and text[10].endswith(",-400,")  # empty, not "inf" or "0"


def test_table_csv_norm_is_never_infinite_at_the_edge_of_float64():
    edge = 308.25471555991675  # log10 of float64's largest value, rounded up: 10 ** edge is past it
    data = pd.DataFrame({"log10_norm": [edge, np.nextafter(edge, 0.0), 308.25]})
    back = read_back(charts.table_csv(data))
    norm = back["norm"].to_numpy(dtype=float)
    assert not np.isinf(norm).any(), norm  # a value float64 cannot hold is left empty, never written as inf
    assert np.isnan(norm[0]) or norm[0] <= np.finfo(np.float64).max
    np.testing.assert_allclose(norm[2], 1.7782794100389228e308, rtol=1e-14)


def test_table_csv_adds_no_styling_columns_and_leaves_the_input_alone():
    data = pd.DataFrame({"t": [1, 2], "unit": [0, 1], "value": [0.25, 0.75]})
    before = data.copy()
    back = read_back(charts.table_csv(data, SETTINGS, "gate"))
    pd.testing.assert_frame_equal(data, before)
    assert list(back.columns) == ["t", "unit", "value"]  # no norm without log10_norm, no setting columns
    curves = pd.DataFrame({"t": [0], "curve": ["RNN"], "log10_norm": [0.0], "trace": ["x"]})
    assert list(read_back(charts.table_csv(curves, SETTINGS)).columns) == ["t", "curve", "log10_norm", "norm", "trace"]


def test_table_csv_round_trips_every_number_and_label_exactly():
    rng = np.random.default_rng(1)
    logs = np.concatenate([rng.normal(0, 100, 5), [1e-300, 0.1, 477.2461934562829, -np.inf, -1234.5678901234567]])
    data = pd.DataFrame(
        {
            "t": np.arange(10),
            "curve": ["RNN", "LSTM, gate bias +3", "GRU", "a,b", 'q"uote', "σ_i", "망각 게이트", "|λ_i|", "x", "y"],
            "log10_norm": logs,
            "value": rng.uniform(size=10) / 3.0,
        }
    )
    back = read_back(charts.table_csv(data, SETTINGS, TITLE))
    assert len(back) == 10
    np.testing.assert_array_equal(back["t"].to_numpy(), np.arange(10))
    assert list(back["curve"]) == list(data["curve"])
    for col in ("log10_norm", "value"):  # %.17g: every float64 comes back bit for bit
        np.testing.assert_array_equal(back[col].to_numpy(dtype=float), data[col].to_numpy())
    assert back["value"].to_numpy(dtype=float).tobytes() == data["value"].to_numpy().tobytes()


def test_table_csv_of_a_T1000_H256_heatmap_is_a_few_megabytes():
    T, H = 1000, 256
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {"t": np.repeat(np.arange(1, T + 1), H), "unit": np.tile(np.arange(H), T), "value": rng.uniform(size=T * H)}
    )
    settings = {"T": T, "H": H, "seed": 0, "N": 1, "scheme": "pytorch", "forget_bias": 0.0, "norm": "l2"}
    raw = charts.table_csv(data, settings, "LSTM forget gate f over time × unit")
    assert len(raw) < 8_000_000, len(raw)
    assert len(header_lines(raw)) == 1 + len(settings)  # the settings once, not per row
    back = read_back(raw)
    assert list(back.columns) == ["t", "unit", "value"]
    assert len(back) == 256_000
    np.testing.assert_array_equal(back["value"].to_numpy(), data["value"].to_numpy())


# ------------------------------------------------------------------------------------------------- HTML
def test_figure_html_is_self_contained(figure):
    html = charts.figure_html(figure)
    assert isinstance(html, bytes)
    text = html.decode("utf-8")
    assert text.lstrip().lower().startswith(("<html", "<!doctype html"))
    assert "</html>" in text
    assert not re.search(r"<script[^>]*\bsrc\s*=", text)  # no CDN, no other external script: opens offline
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']https?:", text)
    assert len(html) > 1_000_000  # plotly.js itself is inlined (several MB)
    assert "Plotly.newPlot" in text
    assert "trace-name-xyz" in text and "Export test" in text
    assert "LSTM 망각 게이트" in text or "LSTM \\ub9dd\\uac01 \\uac8c\\uc774\\ud2b8" in text


# ------------------------------------------------------------------------------------------------ images
def test_image_bytes_png(figure):
    png = charts.image_bytes(figure, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (2 * charts.EXPORT_WIDTH, 2 * charts.HEIGHT)  # the screen's size at scale 2
    assert len(png) > 10_000


def test_image_bytes_svg(figure):
    svg = charts.image_bytes(figure, "svg")
    assert isinstance(svg, bytes) and b"<svg" in svg[:500]
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"Export test" in svg  # the title is text in the vector file


@pytest.mark.parametrize("fmt", ["jpeg", "pdf", "PNG", "", "../png", "webp"])
def test_image_bytes_bad_format_is_a_value_error(figure, fmt):
    with pytest.raises(ValueError, match="fmt"):
        charts.image_bytes(figure, fmt)


def test_image_export_is_available_here():
    assert export.browser_path() is not None, "the test machine should have Chromium"
    assert charts.image_export_available() is True


def test_no_browser_on_path_means_no_image_export(monkeypatch, figure):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    assert export.browser_path() is None
    assert charts.image_export_available() is False
    with pytest.raises(RuntimeError, match="Chromium"):
        charts.image_bytes(figure, "png")
    with pytest.raises(ValueError):  # a bad format is reported first, browser or not
        charts.image_bytes(figure, "gif")
