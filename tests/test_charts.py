"""Unit tests of the chart builders (charts.figures, charts.style): figures are checked as objects, not pixels."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import charts
from charts import style
from charts.figures import DASHES

SETTINGS = {"T": 4, "H": 3, "N": 1, "seed": 7, "init": "pytorch", "norm": "l2"}


def tidy_curves(curves: dict[str, tuple[str, str, list[float]]]) -> pd.DataFrame:
    """A norm_chart input from {label: (colour_key, dash, log10 values)}."""
    frames = []
    for label, (key, dash, values) in curves.items():
        frames.append(
            pd.DataFrame(
                {
                    "step": np.arange(len(values)),
                    "curve": label,
                    "colour_key": key,
                    "dash": dash,
                    "log10_norm": np.asarray(values, dtype=float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


CURVES = {
    "RNN": ("rnn", "solid", [-20.3, -12.0, -5.5, 0.5]),
    "LSTM": ("lstm", "solid", [-9.0, -6.0, -np.inf, 0.5]),
    "GRU, gate bias +3": ("gru", "dash", [-1.0, -0.5, np.inf, 0.5]),
    "matmul": ("matmul", "dot", [3.0, 2.0, 1.0, 0.5]),
}


def line_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if t.fill != "toself"]


# ------------------------------------------------------------------------------------------------ norm_chart
def test_norm_chart_one_trace_per_curve_with_colour_dash_and_values():
    df = tidy_curves(CURVES)
    fig = charts.norm_chart(df, "Title", SETTINGS)
    traces = line_traces(fig)
    assert [t.name for t in traces] == list(CURVES)
    for trace, (_label, (key, dash, values)) in zip(traces, CURVES.items(), strict=True):
        assert trace.line.color == charts.COLOURS[key]
        assert trace.line.dash == DASHES[dash]
        v = np.asarray(values, dtype=float)
        y = np.asarray(trace.y, dtype=float)
        np.testing.assert_array_equal(np.isnan(y), ~np.isfinite(v))  # ±inf -> NaN (a gap), finite unchanged
        np.testing.assert_array_equal(y[np.isfinite(v)], v[np.isfinite(v)])
        np.testing.assert_array_equal(np.asarray(trace.x), np.arange(len(values)))
        assert list(trace.customdata) == [charts.format_log10(x) for x in v]
        assert "%{customdata}" in trace.hovertemplate


def test_norm_chart_customdata_marks_zero_and_infinite_values():
    fig = charts.norm_chart(tidy_curves(CURVES), "t")
    by_name = {t.name: list(t.customdata) for t in fig.data}
    assert by_name["LSTM"][2] == "0"  # log10 = -inf is an exact zero
    assert by_name["GRU, gate bias +3"][2] == "inf"
    assert by_name["matmul"][1:3] == ["100", "10"]
    assert _parse_log10(by_name["matmul"][0]) == pytest.approx(3.0)


def test_norm_chart_unknown_colour_key_and_dash_fall_back():
    df = tidy_curves({"x": ("no-such-key", "wavy", [0.0, 1.0])})
    trace = charts.norm_chart(df, "t").data[0]
    assert trace.line.color == "#888"
    assert trace.line.dash == "solid"


def test_norm_chart_y_axis_decade_ticks_span_the_data():
    df = tidy_curves(CURVES)
    fig = charts.norm_chart(df, "t", SETTINGS)
    ax = fig.layout.yaxis
    assert ax.tickmode == "array"
    vals, text = list(ax.tickvals), list(ax.ticktext)
    assert len(vals) == len(text) >= 2
    finite = df["log10_norm"][np.isfinite(df["log10_norm"])]
    assert vals[0] <= finite.min() and vals[-1] >= finite.max()
    assert all(float(v).is_integer() for v in vals)
    assert np.all(np.diff(vals) > 0)
    assert "1e-21" in text or "1e-20" in text or "1e-18" in text
    for v, label in zip(vals, text, strict=True):
        assert re.fullmatch(r"1e-?\d+|1|10|100|0\.1|0\.01", label), label
        assert math.isclose(float(label), 10.0**v, rel_tol=1e-12)
    lo, hi = ax.range
    assert lo < finite.min() and hi > finite.max()
    assert ax.type in (None, "-", "linear")  # log10 units on a linear axis, not Plotly's log axis


def test_norm_chart_bands_add_fill_traces_and_widen_the_axis():
    df = tidy_curves(
        {"RNN": ("rnn", "solid", [-3.0, -2.0, -1.0, 0.0]), "GRU": ("gru", "solid", [-2.0, -1.5, -1.0, 0.0])}
    )
    bands = pd.DataFrame(
        {
            "step": np.tile(np.arange(4), 2),
            "curve": ["RNN"] * 4 + ["GRU"] * 4,
            "colour_key": ["rnn"] * 4 + ["gru"] * 4,
            "lo": [-30.0, -2.5, -1.2, 0.0, -2.5, -1.7, -1.1, 0.0],
            "hi": [-2.0, -1.5, -0.8, 0.0, -1.5, -1.3, -0.9, 0.0],
        }
    )
    fig = charts.norm_chart(df, "t", bands=bands)
    fills = [t for t in fig.data if t.fill == "toself"]
    assert len(fills) == 2 and len(fig.data) == 4
    assert [t.name for t in fills] == ["RNN (range over seeds)", "GRU (range over seeds)"]
    assert fills[0].fillcolor == charts.COLOURS["rnn"] and fills[1].fillcolor == charts.COLOURS["gru"]
    # a closed polygon: hi forwards, lo backwards
    np.testing.assert_array_equal(np.asarray(fills[0].x, float), [0, 1, 2, 3, 3, 2, 1, 0])
    np.testing.assert_array_equal(np.asarray(fills[0].y, float), [-2.0, -1.5, -0.8, 0.0, 0.0, -1.2, -2.5, -30.0])
    assert fig.layout.yaxis.range[0] < -30.0  # the band's low end is on the axis
    assert min(fig.layout.yaxis.tickvals) <= -30.0


def test_norm_chart_markers_add_vertical_lines_and_labels():
    markers = [
        {"step": 1, "label": "RNN: float64 overflows"},
        {"step": 3, "label": "LSTM: float32 overflows<br>GRU: float32 overflows"},
    ]
    fig = charts.norm_chart(tidy_curves(CURVES), "t", markers=markers)
    shapes = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(shapes) == 2
    assert sorted((s.x0, s.x1) for s in shapes) == [(1, 1), (3, 3)]
    texts = [a.text for a in fig.layout.annotations]
    assert texts == [m["label"] for m in markers]
    assert [a.x for a in fig.layout.annotations] == [1, 3]


def test_norm_chart_without_markers_has_no_shapes():
    fig = charts.norm_chart(tidy_curves(CURVES), "t")
    assert len(fig.layout.shapes) == 0 and len(fig.layout.annotations) == 0


def test_norm_chart_title_and_meta_carry_the_settings():
    fig = charts.norm_chart(tidy_curves(CURVES), "My title", SETTINGS)
    assert fig.layout.title.text.startswith("My title")
    assert charts.settings_subtitle(SETTINGS) in fig.layout.title.text
    assert fig.layout.meta["settings"] == SETTINGS
    bare = charts.norm_chart(tidy_curves(CURVES), "My title")
    assert bare.layout.title.text == "My title"
    assert bare.layout.meta["settings"] == {}


def test_norm_chart_exploding_values_beyond_float64():
    values = list(np.linspace(0.5, 477.2, 40))  # 1e+477 has no float64
    fig = charts.norm_chart(tidy_curves({"RNN": ("rnn", "solid", values)}), "t", SETTINGS)
    trace = fig.data[0]
    y = np.asarray(trace.y, dtype=float)
    assert np.isfinite(y).all() and y.max() == pytest.approx(477.2)
    assert trace.customdata[-1] == "1.58e+477"
    assert all(re.fullmatch(r"\d(\.\d+)?e\+\d+|[\d.]+", c) for c in trace.customdata)
    ax = fig.layout.yaxis
    assert np.isfinite(ax.tickvals).all() and max(ax.tickvals) >= 477.2
    assert any(re.fullmatch(r"1e4\d\d", t) for t in ax.ticktext)
    assert fig.to_json()  # serialises without overflow


# ------------------------------------------------------------------------------------------- format_log10
@pytest.mark.parametrize(
    "v, expected",
    [
        (0.0, "1"),
        (1.0, "10"),
        (2.0, "100"),
        (-1.0, "0.1"),
        (-2.0, "0.01"),
        (-3.0, "0.001"),
        (math.log10(0.4), "0.4"),
        (math.log10(42.0), "42"),
        (-27.3, "5.01e-28"),
        (477.2, "1.58e+477"),
        (-477.2, "6.31e-478"),
        (5.0, "1e+5"),
        (math.log10(2.5e-7), "2.5e-7"),
        (math.log10(9.999e5), "1e+6"),  # rounding carries into the next decade
        (math.log10(9.9951e-9), "1e-8"),
        (math.log10(9.994e5), "9.99e+5"),  # no carry just below
        (-np.inf, "0"),
        (np.inf, "inf"),
        (np.nan, "n/a"),
        (None, "n/a"),
        (np.float64(2.0), "100"),
    ],
)
def test_format_log10(v, expected):
    assert charts.format_log10(v) == expected


def _parse_log10(text: str) -> float:
    if "e" in text:
        m, e = text.split("e")
        assert 1.0 <= float(m) < 10.0, text  # a normalised mantissa, even after a rounding carry
        return math.log10(float(m)) + int(e)
    return math.log10(float(text))


@hsettings(max_examples=300, deadline=None)
@given(st.floats(min_value=-2000, max_value=2000, allow_nan=False))
def test_format_log10_reads_back_to_three_digits(v):
    text = charts.format_log10(v)
    assert abs(_parse_log10(text) - v) <= math.log10(1.005) + 1e-12


# ---------------------------------------------------------------------------------------------- log_ticks
def test_log_ticks_decades_for_a_wide_range():
    vals, text = style.log_ticks(-20.3, 0.4)
    assert vals[0] <= -20.3 and vals[-1] >= 0.4
    assert all(float(v).is_integer() for v in vals)
    assert len(vals) <= 9 + 2
    steps = np.diff(vals)
    assert np.all(steps == steps[0]) and steps[0] >= 1
    assert text == [{0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01"}.get(int(v), f"1e{int(v)}") for v in vals]
    assert "1e-21" in text and "1" in text


def test_log_ticks_consecutive_decades_when_few():
    vals, text = style.log_ticks(-3.2, 1.7)
    assert vals == [-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    assert text == ["1e-4", "1e-3", "0.01", "0.1", "1", "10", "100"]


def test_log_ticks_1_2_5_for_a_narrow_range():
    vals, text = style.log_ticks(-0.2, 1.1)  # ticks within 0.35 decades of the data
    assert text == ["0.5", "1", "2", "5", "10", "20"]
    np.testing.assert_allclose(vals, np.log10([0.5, 1, 2, 5, 10, 20]))
    vals, text = style.log_ticks(0.0, 0.0)
    assert text == ["0.5", "1", "2"]


def test_log_ticks_non_finite_input_falls_back():
    expected = style.log_ticks(-1.0, 1.0)
    assert style.log_ticks(-np.inf, 3.0) == expected
    assert style.log_ticks(np.nan, np.nan) == expected
    assert style.log_ticks(0.0, np.inf) == expected
    assert expected[1] == ["0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "20"]


def test_log_ticks_narrow_range_beyond_float64():
    vals, text = style.log_ticks(476.0, 477.2)
    assert len(vals) == len(text) > 0


# --------------------------------------------------------------------------------------- settings_subtitle
def test_settings_subtitle_joins_items():
    assert charts.settings_subtitle({"T": 50, "H": 32}) == "T=50 · H=32"
    assert charts.settings_subtitle({}) == ""


def test_settings_subtitle_wraps_beyond_width_and_keeps_every_item():
    settings = {f"key{i}": f"value{i}" for i in range(20)}
    text = charts.settings_subtitle(settings, width=40)
    lines = text.split("<br>")
    assert len(lines) > 1
    for line in lines:
        assert len(line) <= 40
    items = [item for line in lines for item in line.split(" · ")]
    assert items == [f"{k}={v}" for k, v in settings.items()]


def test_settings_subtitle_long_item_gets_its_own_line():
    text = charts.settings_subtitle({"a": 1, "long": "x" * 50, "b": 2}, width=20)
    assert text.split("<br>") == ["a=1", "long=" + "x" * 50, "b=2"]


# --------------------------------------------------------------------------------------------- gain_chart
def gains_frame() -> pd.DataFrame:
    steps = np.arange(5)
    return pd.concat(
        [
            pd.DataFrame({"step": steps, "factor": "tanh", "label": "tanh' factor", "log10_gain": -0.1 * steps}),
            pd.DataFrame({"step": steps, "factor": "matmul", "label": "W_hh factor", "log10_gain": 0.05 + 0 * steps}),
            pd.DataFrame({"step": steps, "factor": "rnn", "label": "total", "log10_gain": 0.05 - 0.1 * steps}),
        ],
        ignore_index=True,
    )


def test_gain_chart_traces_per_label_and_bound_lines():
    g = gains_frame()
    fig = charts.gain_chart(g, "gains", SETTINGS, bound_log10=0.42, rho_log10=-0.2)
    assert [t.name for t in fig.data] == ["tanh' factor", "W_hh factor", "total"]
    assert [t.line.color for t in fig.data] == [charts.COLOURS[k] for k in ("tanh", "matmul", "rnn")]
    for t, (_, part) in zip(fig.data, g.groupby("label", sort=False), strict=True):
        np.testing.assert_array_equal(np.asarray(t.y, float), part["log10_gain"].to_numpy())
        assert list(t.customdata) == [charts.format_log10(v) for v in part["log10_gain"]]
    hlines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted((s.y0, s.y1) for s in hlines) == [(-0.2, -0.2), (0.42, 0.42)]
    texts = " | ".join(a.text for a in fig.layout.annotations)
    assert f"Pascanu bound σ_max·γ = {charts.format_log10(0.42)}" in texts
    assert f"spectral radius ρ = {charts.format_log10(-0.2)}" in texts
    lo, hi = fig.layout.yaxis.range
    assert lo < -0.4 and hi > 0.42
    assert fig.layout.meta["settings"] == SETTINGS


def test_gain_chart_without_lines():
    fig = charts.gain_chart(gains_frame(), "gains")
    assert len(fig.data) == 3
    assert len(fig.layout.shapes) == 0 and len(fig.layout.annotations) == 0
    fig = charts.gain_chart(gains_frame(), "gains", rho_log10=0.1)
    assert len(fig.layout.shapes) == 1 and "ρ" in fig.layout.annotations[0].text


# ------------------------------------------------------------------------------------------ spectrum_chart
def eig_frame() -> pd.DataFrame:
    eig = np.array([0.9 + 0.3j, 0.9 - 0.3j, -0.5 + 0j, 0.1 + 0j])
    return pd.DataFrame({"real": eig.real, "imag": eig.imag, "modulus": np.abs(eig)})


def test_spectrum_chart_circles_markers_and_equal_aspect():
    e = eig_frame()
    fig = charts.spectrum_chart(e, "spectrum", SETTINGS, spectral_radius=0.95, sigma_max=1.4)
    assert len(fig.data) == 4
    unit, rho, sigma, points = fig.data
    for trace, r in ((unit, 1.0), (rho, 0.95), (sigma, 1.4)):
        assert trace.mode == "lines"
        radius = np.hypot(np.asarray(trace.x, float), np.asarray(trace.y, float))
        np.testing.assert_allclose(radius, r, rtol=1e-12)
    assert "unit circle" in unit.name
    assert rho.name == "ρ = 0.95" and sigma.name == "σ_max = 1.4"
    assert points.mode == "markers"
    np.testing.assert_array_equal(np.asarray(points.x, float), e["real"].to_numpy())
    np.testing.assert_array_equal(np.asarray(points.y, float), e["imag"].to_numpy())
    np.testing.assert_array_equal(np.asarray(points.customdata, float), e["modulus"].to_numpy())
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.hovermode == "closest"


def test_spectrum_chart_only_unit_circle_by_default():
    fig = charts.spectrum_chart(eig_frame(), "spectrum")
    assert len(fig.data) == 2
    assert fig.data[-1].mode == "markers"


# ------------------------------------------------------------------------------------- singular_value_chart
def test_singular_value_chart_bars_per_quantity():
    idx = np.arange(1, 4)
    values = pd.concat(
        [
            pd.DataFrame({"index": idx, "quantity": "σ_i", "value": [2.6, 1.1, 0.3]}),
            pd.DataFrame({"index": idx, "quantity": "|λ_i|", "value": [1.25, 1.25, 0.2]}),
        ],
        ignore_index=True,
    )
    fig = charts.singular_value_chart(values, "sv", SETTINGS)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert [t.name for t in fig.data] == ["σ_i", "|λ_i|"]
    np.testing.assert_array_equal(np.asarray(fig.data[0].y, float), [2.6, 1.1, 0.3])
    np.testing.assert_array_equal(np.asarray(fig.data[1].y, float), [1.25, 1.25, 0.2])
    assert fig.data[0].marker.color == charts.COLOURS["bound"]
    assert fig.data[1].marker.color == charts.COLOURS["matmul"]
    assert fig.layout.barmode == "group"
    assert [(s.y0, s.y1) for s in fig.layout.shapes] == [(1.0, 1.0)]


# ------------------------------------------------------------------------------------------- gate_heatmap
def test_gate_heatmap_grid_is_units_by_steps():
    T, H = 6, 4
    rng = np.random.default_rng(0)
    gate = rng.uniform(size=(T, H))
    frame = pd.DataFrame(
        {"step": np.repeat(np.arange(T), H), "unit": np.tile(np.arange(H), T), "value": gate.reshape(-1)}
    )
    fig = charts.gate_heatmap(frame, "f", SETTINGS, gate_label="f")
    (hm,) = fig.data
    assert hm.type == "heatmap"
    z = np.asarray(hm.z, dtype=float)
    assert z.shape == (H, T)
    np.testing.assert_array_equal(z, gate.T)
    np.testing.assert_array_equal(np.asarray(hm.x), np.arange(T))
    np.testing.assert_array_equal(np.asarray(hm.y), np.arange(H))
    assert hm.zmin == 0.0 and hm.zmax == 1.0
    assert hm.colorbar.title.text == "f"
    assert "f = %{z:.3f}" in hm.hovertemplate


# --------------------------------------------------------------------------------------------- book_chart
def test_book_chart_log_axis_and_traces():
    norms = pd.concat(
        [
            pd.DataFrame({"step": np.arange(1, 4), "curve": "Wh", "colour_key": "rnn", "norm": [2.0, 5.0, 12.0]}),
            pd.DataFrame(
                {"step": np.arange(1, 4), "curve": "Wh × 0.5", "colour_key": "matmul", "norm": [1.0, 0.6, 0.3]}
            ),
        ],
        ignore_index=True,
    )
    fig = charts.book_chart(norms, "book", {"N": 2, "H": 3, "T": 20, "seed": 3})
    assert fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data] == ["Wh", "Wh × 0.5"]
    assert [t.line.color for t in fig.data] == [charts.COLOURS["rnn"], charts.COLOURS["matmul"]]
    np.testing.assert_array_equal(np.asarray(fig.data[0].y, float), [2.0, 5.0, 12.0])
    assert "N=2 · H=3 · T=20 · seed=3" in fig.layout.title.text
