"""Unit tests of the chart builders (charts.figures, charts.style): figures are checked as objects, not pixels.

Every input is a small literal DataFrame; every expectation is written out here, never recomputed with charts.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import charts
from charts import style

SETTINGS = {"T": 4, "H": 3, "seed": 7, "scheme": "pytorch", "norm": "l2"}
SUBTITLE = "T=4 · H=3 · seed=7 · scheme=pytorch · norm=l2"

# ------------------------------------------------------------------------------------------------ helpers
_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUP = str.maketrans("⁻" + _SUP, "-0123456789")
# 10ⁿ (no leading zero, no "⁻⁰"), optionally 2× or 5× in front
_TICK = re.compile(rf"(?:([25])×)?10(⁰|⁻?[¹²³⁴⁵⁶⁷⁸⁹][{_SUP}]*)")
_DECADE = re.compile(rf"10(⁰|⁻?[¹²³⁴⁵⁶⁷⁸⁹][{_SUP}]*)")


def unsup(label: str) -> str:
    """A tick label as drawn (rich text '2×10<sup>−3</sup>') back in the one text format '2×10⁻³'."""
    m = re.fullmatch(r"(.*)10<sup>(−?\d+)</sup>", label)
    assert m, f"not a rich-text 10ⁿ tick: {label!r}"
    return f"{m.group(1)}10" + m.group(2).replace("−", "-").translate(str.maketrans("-0123456789", "⁻" + _SUP))


def ticks(axis) -> list[str]:
    return [unsup(t) for t in axis.ticktext]


def tick_log10(label: str) -> float:
    """log10 of the number a tick label such as '10⁻²⁷' or '2×10⁻³' stands for (fails on any other format)."""
    m = _TICK.fullmatch(label)
    assert m, f"not a 10ⁿ tick label: {label!r}"
    return int(m.group(2).translate(_FROM_SUP)) + math.log10(int(m.group(1) or 1))


def is_round_step(step: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten, in whole decades: 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, …"""
    if step < 1 or not float(step).is_integer():
        return False
    s = int(step)
    while s % 10 == 0:
        s //= 10
    return s in (1, 2, 5, 25)


def curves_frame(values: dict[str, list[float]]) -> pd.DataFrame:
    """A tidy norm_chart input: for each curve id, t = 0 … T (T = len − 1), back = T − t, its log10 norms."""
    parts = []
    for curve_id, logs in values.items():
        T = len(logs) - 1
        t = np.arange(T + 1)
        parts.append(pd.DataFrame({"t": t, "back": T - t, "curve": curve_id, "log10_norm": np.array(logs, float)}))
    return pd.concat(parts, ignore_index=True)


INFO = [
    {"id": "rnn", "name": "RNN", "colour_key": "rnn", "role": "full"},
    {"id": "lstm_cell", "name": "LSTM, cell path alone", "colour_key": "cell", "role": "path"},
    {"id": "gru_open", "name": "GRU, keep gate +3", "colour_key": "gru", "role": "variant"},
]
VALUES = {  # in the frame in another order than INFO
    "gru_open": [-1.0, -0.5, np.inf, 0.5, 0.25],
    "rnn": [-27.3, -12.0, -5.5, -1.0, 0.5],
    "lstm_cell": [-9.0, -6.0, -np.inf, -2.0, 0.0],
}


def lines(fig: go.Figure) -> list:
    """The curve traces (not bands, not reference lines, not markers), by legend name."""
    return [t for t in fig.data if t.fill != "toself" and t.name in {c["name"] for c in INFO}]


def assert_no_text_on_plot(fig: go.Figure) -> None:
    assert len(fig.layout.annotations) == 0
    assert len(fig.layout.shapes) == 0


# ------------------------------------------------------------------------------------------------ norm_chart
def test_norm_chart_one_trace_per_curve_in_info_order_named_coloured_and_dashed_by_role():
    fig = charts.norm_chart(curves_frame(VALUES), INFO, "Title", SETTINGS)
    assert [t.name for t in fig.data] == ["RNN", "LSTM, cell path alone", "GRU, keep gate +3"]
    assert [t.line.color for t in fig.data] == ["#D55E00", "#56B4E9", "#009E73"]
    assert [t.line.color for t in fig.data] == [charts.COLOURS[k] for k in ("rnn", "cell", "gru")]
    assert [t.line.dash for t in fig.data] == ["solid", "dash", "dot"]
    assert charts.ROLE_DASH == {"full": "solid", "path": "dash", "variant": "dot"}
    assert all(t.mode == "lines" for t in fig.data)
    rnn = fig.data[0]
    np.testing.assert_array_equal(np.asarray(rnn.y, float), [-27.3, -12.0, -5.5, -1.0, 0.5])
    assert fig.layout.yaxis.type in (None, "-", "linear")  # log10 units on a linear axis, not Plotly's log axis


def test_norm_chart_info_decides_what_is_drawn():
    info = [INFO[2], INFO[0], {"id": "absent", "name": "not in the data", "colour_key": "rnn", "role": "full"}]
    fig = charts.norm_chart(curves_frame(VALUES), info, "t")
    assert [t.name for t in fig.data] == ["GRU, keep gate +3", "RNN"]


def test_norm_chart_unknown_colour_key_and_role_fall_back():
    info = [{"id": "x", "name": "x", "colour_key": "no-such-key", "role": "wavy"}]
    (trace,) = charts.norm_chart(curves_frame({"x": [0.0, 1.0, 2.0]}), info, "t").data
    assert trace.line.color == "#888888"
    assert trace.line.dash == "solid"


@pytest.mark.parametrize("x", ["t", "back"])
def test_norm_chart_x_is_t_or_back(x):
    """Points run left to right in either orientation: with x="back" the loss (back = 0) comes first."""
    fig = charts.norm_chart(curves_frame(VALUES), INFO, "t", x=x, x_title="my x")
    rnn = next(t for t in fig.data if t.name == "RNN")
    np.testing.assert_array_equal(np.asarray(rnn.x), [0, 1, 2, 3, 4])
    logs = [-27.3, -12.0, -5.5, -1.0, 0.5]
    np.testing.assert_array_equal(np.asarray(rnn.y, float), logs if x == "t" else logs[::-1])
    assert fig.layout.xaxis.title.text == "my x"


def test_norm_chart_infinite_values_are_gaps_with_hover_text():
    fig = charts.norm_chart(curves_frame(VALUES), INFO, "t")
    rnn, lstm, gru = fig.data
    y = np.asarray(lstm.y, float)
    assert np.isnan(y[2]) and np.isfinite(np.delete(y, 2)).all()
    np.testing.assert_array_equal(np.delete(y, 2), [-9.0, -6.0, -2.0, 0.0])
    y = np.asarray(gru.y, float)
    assert np.isnan(y[2]) and np.isfinite(np.delete(y, 2)).all()
    assert list(lstm.customdata) == ["1e-9", "1e-6", "0", "0.01", "1"]  # −inf: an exact zero
    assert list(gru.customdata)[1:4] == ["0.316", "inf", "3.16"]
    assert list(rnn.customdata) == ["5.01e-28", "1e-12", "3.16e-6", "0.1", "3.16"]
    assert all("%{customdata}" in t.hovertemplate for t in fig.data)


@pytest.mark.parametrize(("n", "mode"), [(1, "lines+markers"), (2, "lines+markers"), (3, "lines")])
def test_norm_chart_a_lone_point_or_two_is_drawn_with_markers(n, mode):
    info = [INFO[0]]
    fig = charts.norm_chart(curves_frame({"rnn": [-1.0, -0.5, 0.0][:n]}), info, "t")
    assert fig.data[0].mode == mode
    lo, hi = fig.layout.yaxis.range
    assert lo < -1.0 and hi > [-1.0, -0.5, 0.0][n - 1]  # even a lone point sits inside the axis


def test_norm_chart_y_ticks_are_round_decades_in_one_format():
    fig = charts.norm_chart(curves_frame(VALUES), INFO, "t", SETTINGS)
    ax = fig.layout.yaxis
    assert ax.tickmode == "array"
    vals, text = list(ax.tickvals), ticks(ax)
    assert 2 <= len(vals) == len(text) <= 10
    for v, label in zip(vals, text, strict=True):
        assert _DECADE.fullmatch(label), label  # 10ⁿ only: no 1e-27, no 0.01, no ×
        assert float(v).is_integer() and tick_log10(label) == v
    steps = set(np.diff(vals))
    assert len(steps) == 1 and is_round_step(steps.pop())
    assert "10⁰" in text
    assert vals[0] <= -27.3 and vals[-1] >= 0.5  # the ticks span the data (±inf left out)
    lo, hi = ax.range
    assert lo < -27.3 and hi > 0.5
    assert np.isfinite([lo, hi]).all()


def test_norm_chart_narrow_range_uses_2_and_5_times_a_decade():
    fig = charts.norm_chart(curves_frame({"rnn": [-0.6, -0.3, 0.0, 0.4]}), [INFO[0]], "t")
    text = ticks(fig.layout.yaxis)
    assert "10⁰" in text and any("×" in label for label in text)
    assert set(text) >= {"5×10⁻¹", "10⁰", "2×10⁰"}
    np.testing.assert_allclose([tick_log10(label) for label in text], fig.layout.yaxis.tickvals, atol=1e-12)


@pytest.mark.parametrize("lo", [-430.0, -54.0, -27.0, -123.4, -999.0, -1000.0])
def test_norm_chart_ticks_at_T1000_ranges_are_round(lo):
    logs = list(np.linspace(lo, 0.0, 1001))  # T = 1000
    fig = charts.norm_chart(curves_frame({"rnn": logs}), [INFO[0]], "t", SETTINGS)
    vals, text = list(fig.layout.yaxis.tickvals), ticks(fig.layout.yaxis)
    step = float(np.diff(vals)[0])
    assert np.all(np.diff(vals) == step)
    assert is_round_step(step), step
    assert step not in (27, 54)
    if lo == -430.0:
        assert step in (50, 100)
    assert vals[0] <= lo and vals[-1] >= 0.0  # spans the data
    assert vals[0] > lo - step and vals[-1] < step
    assert len(vals) <= 10
    assert all(_DECADE.fullmatch(label) and tick_log10(label) == v for v, label in zip(vals, text, strict=True))


def bands_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [0, 1, 2, 3, 0, 1, 2, 3],
            "back": [3, 2, 1, 0, 3, 2, 1, 0],
            "curve": ["rnn"] * 4 + ["gru"] * 4,
            "lo": [-30.0, -2.5, -1.2, 0.0, -2.5, -1.7, -1.1, 0.0],
            "hi": [-2.0, -1.5, -0.8, 0.0, -1.5, -1.3, -0.9, 0.0],
        }
    )


def test_norm_chart_bands_add_named_fill_traces_and_widen_the_y_range():
    curves = curves_frame({"rnn": [-3.0, -2.0, -1.0, 0.0], "gru_open": [-2.0, -1.5, -1.0, 0.0]})
    band_names = {"rnn": "RNN: range over 10 seeds", "gru": "GRU: range over 10 seeds"}
    fig = charts.norm_chart(curves, INFO, "t", bands=bands_frame(), band_names=band_names)
    fills = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in fills] == ["RNN: range over 10 seeds", "GRU: range over 10 seeds"]
    assert [t.fillcolor for t in fills] == [charts.COLOURS["rnn"], charts.COLOURS["gru"]]
    assert all(t.showlegend is not False for t in fills)
    assert [t.name for t in lines(fig)] == ["RNN", "GRU, keep gate +3"]
    # a closed polygon: hi forwards, lo backwards
    np.testing.assert_array_equal(np.asarray(fills[0].x, float), [0, 1, 2, 3, 3, 2, 1, 0])
    np.testing.assert_array_equal(np.asarray(fills[0].y, float), [-2.0, -1.5, -0.8, 0.0, 0.0, -1.2, -2.5, -30.0])
    assert fig.layout.yaxis.range[0] < -30.0  # the band's low end is on the axis, far below the curves
    assert min(fig.layout.yaxis.tickvals) <= -30.0
    back = charts.norm_chart(curves, INFO, "t", x="back", bands=bands_frame(), band_names=band_names)
    np.testing.assert_array_equal(np.asarray(back.data[0].x, float), [3, 2, 1, 0, 0, 1, 2, 3])


def test_norm_chart_band_without_a_name_still_gets_a_legend_label():
    curves = curves_frame({"rnn": [-3.0, -2.0, -1.0, 0.0]})
    fig = charts.norm_chart(curves, INFO, "t", bands=bands_frame(), band_names={"rnn": "RNN band"})
    names = [t.name for t in fig.data if t.fill == "toself"]
    assert names[0] == "RNN band" and names[1] and "gru" in names[1]


MARKERS = [
    {"t": 1, "label": "RNN: float64 overflows here"},
    {"t": 3, "label": "LSTM: float32 overflows here"},
]


def _is_red(colour: str) -> bool:
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return r >= 0x99 and g < 0x60 and b < 0x60


@pytest.mark.parametrize(("x", "at"), [("t", [1, 3]), ("back", [3, 1])])
def test_norm_chart_markers_are_vertical_legend_lines_not_text(x, at):
    fig = charts.norm_chart(curves_frame(VALUES), INFO, "t", x=x, markers=MARKERS)
    assert [t.name for t in lines(fig)] == [c["name"] for c in INFO]
    marks = [t for t in fig.data if t.name in {m["label"] for m in MARKERS}]
    assert [t.name for t in marks] == [m["label"] for m in MARKERS]
    for trace, mx in zip(marks, at, strict=True):
        assert trace.type == "scatter" and trace.mode == "lines"
        assert list(trace.x) == [mx, mx]  # vertical, at t or at T − t (T = 4)
        assert trace.y[0] <= -27.3 and trace.y[1] >= 0.5  # from the bottom of the data to its top
        assert trace.line.dash == "dashdot"
        assert _is_red(trace.line.color), trace.line.color
        assert trace.showlegend is not False
    assert_no_text_on_plot(fig)


def footer(fig) -> str:
    """The settings footer under the x axis title (one line of text, its <br>s joined)."""
    m = re.search(r"<br><span style='font-size:\d+px;color:#667'>(.*)</span>$", fig.layout.xaxis.title.text)
    assert m, fig.layout.xaxis.title.text
    return m.group(1).replace("<br>", " · ").replace(" ·  · ", " · ")


def test_norm_chart_title_wraps_for_phones_and_carries_the_settings():
    """Issue 16: the five-line title-and-settings block took ~35 % of every chart: the title is one line (two for a
    long one), set in from the left edge; the settings sit in a small footer under the x axis title."""
    title = "‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU, with the LSTM and GRU gates opened by +3"
    fig = charts.norm_chart(curves_frame(VALUES), INFO, title, SETTINGS)
    head = fig.layout.title.text
    assert "<sup>" not in head and "seed" not in head
    assert footer(fig) == SUBTITLE
    assert fig.layout.title.pad.l > 0  # not flush at x = 0
    head_lines = head.split("<br>")
    assert len(head_lines) >= 2
    assert all(0 < len(line) <= 48 for line in head_lines), head_lines
    short = charts.norm_chart(curves_frame(VALUES), INFO, "‖∂L/∂h_t‖ back through time: RNN vs GRU")
    assert "<br>" not in short.layout.title.text  # a title that fits is one line
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0  # below the axis title, not over it
    assert " ".join(head_lines) == title  # every word kept, in order
    assert fig.layout.meta["settings"] == SETTINGS
    assert fig.layout.height == charts.HEIGHT == 520
    bare = charts.norm_chart(curves_frame(VALUES), INFO, "A short title")
    assert bare.layout.title.text == "A short title"
    assert bare.layout.meta["settings"] == {}


def test_norm_chart_values_beyond_float64_are_drawn_finite():
    logs = [0.5, 100.0, 250.0, 400.0, 477.2]  # 10⁴⁷⁷ has no float64
    fig = charts.norm_chart(curves_frame({"rnn": logs}), [INFO[0]], "t", SETTINGS)
    trace = fig.data[0]
    y = np.asarray(trace.y, float)
    assert np.isfinite(y).all()
    np.testing.assert_array_equal(y, logs)
    assert list(trace.customdata) == ["3.16", "1e+100", "1e+250", "1e+400", "1.58e+477"]
    ax = fig.layout.yaxis
    assert np.isfinite(ax.tickvals).all() and np.isfinite(ax.range).all()
    assert max(ax.tickvals) >= 477.2 and min(ax.tickvals) <= 0.5
    assert all(_DECADE.fullmatch(label) for label in ticks(ax))
    assert any(re.fullmatch("10⁴[⁰¹²³⁴⁵⁶⁷⁸⁹]{2}", label) for label in ticks(ax))
    assert fig.to_json()  # serialises without overflow


# ------------------------------------------------------------------------------------------------ gain_chart
GAINS = pd.DataFrame(
    {
        "t": [3, 2, 1] * 3,
        "back": [1, 2, 3] * 3,
        "factor": ["phi"] * 3 + ["matmul"] * 3 + ["total"] * 3,
        "log10_gain": [-0.1, -0.2, -0.3, 0.3, 0.3, 0.3, 0.2, 0.1, 0.0],
    }
)
GAIN_NAMES = {"phi": "tanh′ factor", "matmul": "W_hh factor", "total": "total (their product)"}


def test_gain_chart_one_trace_per_factor_and_reference_lines_in_the_legend():
    fig = charts.gain_chart(GAINS, GAIN_NAMES, "gains", SETTINGS, bound_log10=0.42, rho_log10=-0.2)
    names = [t.name for t in fig.data]
    assert names == [
        "tanh′ factor",
        "W_hh factor",
        "total (their product)",
        "Pascanu bound σ_max·γ = 2.63",
        "spectral radius ρ = 0.631",
    ]
    np.testing.assert_array_equal(np.asarray(fig.data[0].y, float), [-0.1, -0.2, -0.3])
    np.testing.assert_array_equal(np.asarray(fig.data[2].x), [3, 2, 1])
    bound, rho = fig.data[3], fig.data[4]
    for trace, v in ((bound, 0.42), (rho, -0.2)):
        assert trace.type == "scatter" and trace.mode == "lines"
        assert list(trace.y) == [v, v]  # horizontal
        assert sorted(trace.x) == [1, 3]  # across the steps shown
    assert bound.line.dash != rho.line.dash
    lo, hi = fig.layout.yaxis.range
    assert lo < -0.3 and hi > 0.42
    assert all(_TICK.fullmatch(label) for label in ticks(fig.layout.yaxis))
    assert fig.layout.meta["settings"] == SETTINGS
    assert_no_text_on_plot(fig)


def test_gain_chart_reference_lines_are_absent_when_none():
    fig = charts.gain_chart(GAINS, GAIN_NAMES, "gains")
    assert [t.name for t in fig.data] == list(GAIN_NAMES.values())
    fig = charts.gain_chart(GAINS, GAIN_NAMES, "gains", rho_log10=1.0, rho_name="ρ")
    assert [t.name for t in fig.data][3:] == ["ρ = 10"]
    fig = charts.gain_chart(GAINS, GAIN_NAMES, "gains", bound_log10=-1.0, bound_name="bound")
    assert [t.name for t in fig.data][3:] == ["bound = 0.1"]
    assert_no_text_on_plot(fig)


def test_gain_chart_x_back():
    fig = charts.gain_chart(GAINS, GAIN_NAMES, "gains", x="back", bound_log10=0.42)
    np.testing.assert_array_equal(np.asarray(fig.data[0].x), [1, 2, 3])
    assert sorted(fig.data[-1].x) == [1, 3]


# -------------------------------------------------------------------------------------------- spectrum_chart
EIG = pd.DataFrame(
    {
        "real": [0.9, 0.9, -0.5, 0.1],
        "imag": [0.3, -0.3, 0.0, 0.0],
        "modulus": [0.9486832980505138, 0.9486832980505138, 0.5, 0.1],
    }
)


def test_spectrum_chart_circles_eigenvalues_and_equal_aspect():
    fig = charts.spectrum_chart(EIG, "spectrum", SETTINGS, spectral_radius=0.95, sigma_max=1.4)
    unit, rho, sigma, points = fig.data
    for trace, r in ((unit, 1.0), (rho, 0.95), (sigma, 1.4)):
        assert trace.mode == "lines"
        radius = np.hypot(np.asarray(trace.x, float), np.asarray(trace.y, float))
        np.testing.assert_allclose(radius, r, rtol=1e-12)
    assert "unit circle" in unit.name
    assert rho.name == "ρ = 0.95" and sigma.name == "σ_max = 1.4"
    assert points.mode == "markers"
    np.testing.assert_array_equal(np.asarray(points.x, float), [0.9, 0.9, -0.5, 0.1])
    np.testing.assert_array_equal(np.asarray(points.y, float), [0.3, -0.3, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(points.customdata, float), EIG["modulus"].to_numpy())
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert_no_text_on_plot(fig)


def test_spectrum_chart_only_the_unit_circle_by_default_and_names_relabel():
    fig = charts.spectrum_chart(EIG, "spectrum", names={"unit": "단위원", "eig": "고윳값"})
    assert [t.name for t in fig.data] == ["단위원", "고윳값"]
    assert fig.data[-1].mode == "markers"


# -------------------------------------------------------------------------------------- singular_value_chart
SV = pd.DataFrame(
    {
        "index": [1, 2, 3, 1, 2, 3],
        "quantity": ["σ_i"] * 3 + ["|λ_i|"] * 3,
        "value": [2.6, 1.1, 0.3, 1.25, 1.25, 0.2],
    }
)


def test_singular_value_chart_bars_per_quantity_and_the_one_line_in_the_legend():
    fig = charts.singular_value_chart(SV, "sv", SETTINGS, one_name="1 (neither grows nor shrinks)")
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["σ_i", "|λ_i|"]
    np.testing.assert_array_equal(np.asarray(bars[0].y, float), [2.6, 1.1, 0.3])
    np.testing.assert_array_equal(np.asarray(bars[1].y, float), [1.25, 1.25, 0.2])
    np.testing.assert_array_equal(np.asarray(bars[0].x), [1, 2, 3])
    assert fig.layout.barmode == "group"
    (one,) = [t for t in fig.data if t.type == "scatter"]
    assert one.name == "1 (neither grows nor shrinks)"
    assert list(one.y) == [1.0, 1.0]
    assert one.x[0] <= 1 and one.x[1] >= 3  # across every bar
    assert_no_text_on_plot(fig)


# -------------------------------------------------------------------------------------------- gate_heatmap
GATES = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])  # steps t = 1, 2, 3 × units 0, 1


def test_gate_heatmap_grid_is_units_by_steps():
    fig = charts.gate_heatmap(GATES, "f over time", SETTINGS, gate_label="f")
    (hm,) = fig.data
    assert hm.type == "heatmap"
    np.testing.assert_array_equal(np.asarray(hm.z, float), [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
    np.testing.assert_array_equal(np.asarray(hm.x), [1, 2, 3])
    np.testing.assert_array_equal(np.asarray(hm.y), [0, 1])
    assert hm.zmin == 0.0 and hm.zmax == 1.0
    assert hm.colorbar.title.text == "f"
    assert_no_text_on_plot(fig)


def test_gate_heatmap_counted_back_from_the_loss():
    """The book's orientation: back = T − t, the loss's step first."""
    (hm,) = charts.gate_heatmap(GATES[::-1], "f", steps=np.arange(3), from_loss=True).data
    np.testing.assert_array_equal(np.asarray(hm.x), [0, 1, 2])
    np.testing.assert_array_equal(np.asarray(hm.z, float), [[0.5, 0.3, 0.1], [0.6, 0.4, 0.2]])
    assert hm.hovertemplate.startswith("back=")
    (hm,) = charts.gate_heatmap(GATES, "f").data
    np.testing.assert_array_equal(np.asarray(hm.x), [1, 2, 3])
    assert hm.hovertemplate.startswith("t=")


def test_a_long_gate_heatmap_draws_one_step_in_k_with_the_losss_step_and_says_so():
    T, H = 1000, 64
    rng = np.random.default_rng(0)
    full = rng.random((T, H))
    (hm,) = (fig := charts.gate_heatmap(full, "f", max_cells=4000, lang="ko")).data
    k = -(-(T * H) // 4000)
    xs = np.asarray(hm.x)
    assert xs[-1] == T and np.all(np.diff(xs) == k) and len(xs) * H <= 4000 + H
    np.testing.assert_array_equal(np.asarray(hm.z), full[xs - 1].T)  # the drawn columns are those steps, exactly
    assert f"{k} 시각마다 하나씩" in fig.layout.title.text
    back = charts.gate_heatmap(full[::-1], "f", steps=np.arange(T), from_loss=True, max_cells=4000)
    (hm,) = back.data
    xs = np.asarray(hm.x)
    assert xs[0] == 0 and np.all(np.diff(xs) == k) and f"one step in {k} shown" in back.layout.title.text
    np.testing.assert_array_equal(np.asarray(hm.z), full[::-1][xs].T)  # back = T − t: row T − 1 − back of t's
    (hm,) = (fig := charts.gate_heatmap(full, "f")).data  # 64,000 cells: over the default, thinned
    assert len(np.asarray(hm.x)) * H <= charts.figures.MAX_GATE_CELLS + H
    small = charts.gate_heatmap(GATES, "f")
    assert "shown" not in small.layout.title.text


# ---------------------------------------------------------------------------------------------- book_chart
BOOK = pd.DataFrame(
    {
        "back": list(range(1, 21)) * 2,
        "scale": [1.0] * 20 + [0.5] * 20,
        "norm": [10.0**k for k in range(1, 21)] + [10.0**-k for k in range(1, 21)],
    }
)


def test_book_chart_on_a_linear_axis_as_the_book_draws_it():
    fig = charts.book_chart(BOOK, {}, "book", {"N": 2, "H": 3, "T": 20, "seed": 3}, log_y=False)
    for trace in fig.data:
        part = BOOK[BOOK["scale"] == float(trace.name.split()[-1])] if trace.name.startswith("scale") else None
        if part is not None:
            np.testing.assert_allclose(np.asarray(trace.y), part["norm"].to_numpy())
    assert fig.layout.yaxis.type == "linear"


def test_book_chart_log10_of_the_norms_against_back_with_decade_ticks():
    names = {1.0: "Wh = randn(3, 3)", 0.5: "Wh = randn(3, 3) × 0.5"}
    fig = charts.book_chart(BOOK, names, "book", {"N": 2, "H": 3, "T": 20, "seed": 3})
    assert [t.name for t in fig.data] == ["Wh = randn(3, 3)", "Wh = randn(3, 3) × 0.5"]
    up, down = fig.data
    np.testing.assert_array_equal(np.asarray(up.x), np.arange(1, 21))
    np.testing.assert_allclose(np.asarray(up.y, float), np.arange(1, 21), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(down.y, float), -np.arange(1, 21), rtol=1e-14)
    np.testing.assert_array_equal(np.asarray(up.customdata, float), [10.0**k for k in range(1, 21)])
    ax = fig.layout.yaxis
    assert ax.type in (None, "-", "linear")
    assert min(ax.tickvals) <= -20 and max(ax.tickvals) >= 20
    assert all(_DECADE.fullmatch(label) for label in ticks(ax))
    assert "10⁰" in ticks(ax) and "10⁻²⁰" in ticks(ax)
    assert "N=2 · H=3 · T=20 · seed=3" in footer(fig)
    assert_no_text_on_plot(fig)


# ------------------------------------------------------------------------------- what every figure shares
def _every_figure() -> dict[str, go.Figure]:
    return {
        "norm": charts.norm_chart(curves_frame(VALUES), INFO, "norms", SETTINGS, markers=MARKERS),
        "gain": charts.gain_chart(GAINS, GAIN_NAMES, "gains", SETTINGS, bound_log10=0.4, rho_log10=0.1),
        "spectrum": charts.spectrum_chart(EIG, "spectrum", SETTINGS, 0.95, 1.4),
        "sv": charts.singular_value_chart(SV, "sv", SETTINGS),
        "heatmap": charts.gate_heatmap(GATES, "gate", SETTINGS),
        "book": charts.book_chart(BOOK, {}, "book", SETTINGS),
    }


@pytest.mark.parametrize("name", ["norm", "gain", "spectrum", "sv", "heatmap", "book"])
def test_every_figure_has_the_height_the_settings_and_no_text_on_the_plot(name):
    fig = _every_figure()[name]
    assert fig.layout.height == charts.HEIGHT
    assert fig.layout.meta["settings"] == SETTINGS
    assert footer(fig) == SUBTITLE
    assert_no_text_on_plot(fig)
    assert all(t.name for t in fig.data if t.type != "heatmap")  # every line is in the legend by name


# ------------------------------------------------------------------------------------------ format_log10
@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (0.0, "1"),
        (1.0, "10"),
        (2.0, "100"),
        (-1.0, "0.1"),
        (-3.0, "0.001"),
        (4.0, "10000"),
        (-4.0, "1e-4"),
        (5.0, "1e+5"),
        (math.log10(0.4), "0.4"),
        (math.log10(42.0), "42"),
        (0.42, "2.63"),
        (-27.3, "5.01e-28"),
        (477.2, "1.58e+477"),
        (-477.2, "6.31e-478"),
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


@hsettings(max_examples=200, deadline=None)
@given(st.floats(min_value=-2000, max_value=2000, allow_nan=False))
def test_format_log10_reads_back_to_three_digits(v):
    assert abs(_parse_log10(charts.format_log10(v)) - v) <= math.log10(1.005) + 1e-12


# ------------------------------------------------------------------------------------------ power_of_ten
def test_tick_labels_raise_the_exponent_in_the_fonts_own_digits():
    """'10⁻¹⁰' drew its ⁰ as a lowered 'o' (a fallback font): ticks are rich text with plain digits raised."""
    assert style.rich_power("10⁻¹⁰") == "10<sup>−10</sup>" and style.rich_power("2×10⁰") == "2×10<sup>0</sup>"
    axis = style.log10_axis([-30.0, 5.0])
    assert all(not set(t) & set(_SUP) for t in axis["ticktext"]), axis["ticktext"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0,), "10⁰"),
        ((1,), "10¹"),
        ((-27,), "10⁻²⁷"),
        ((10,), "10¹⁰"),
        ((477,), "10⁴⁷⁷"),
        ((-3, 2), "2×10⁻³"),
        ((4, 5), "5×10⁴"),
        ((0, 1), "10⁰"),
    ],
)
def test_power_of_ten(args, expected):
    assert charts.power_of_ten(*args) == expected


# --------------------------------------------------------------------------------------------- log_ticks
def test_log_ticks_consecutive_decades_when_few():
    vals, text = style.log_ticks(-3.2, 1.7)
    assert vals == [-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    assert text == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²"]


def test_log_ticks_round_steps_for_wide_ranges():
    vals, text = style.log_ticks(-27.3, 0.1)
    assert vals == [-30.0, -25.0, -20.0, -15.0, -10.0, -5.0, 0.0, 5.0]
    assert text == ["10⁻³⁰", "10⁻²⁵", "10⁻²⁰", "10⁻¹⁵", "10⁻¹⁰", "10⁻⁵", "10⁰", "10⁵"]
    vals, _ = style.log_ticks(-430.0, 0.0)
    assert vals[0] <= -430.0 and vals[-1] >= 0.0 and np.diff(vals)[0] in (50, 100)


def test_log_ticks_1_2_5_only_within_a_narrow_range():
    vals, text = style.log_ticks(-0.2, 1.1)
    assert text == ["5×10⁻¹", "10⁰", "2×10⁰", "5×10⁰", "10¹", "2×10¹"]
    np.testing.assert_allclose(vals, np.log10([0.5, 1, 2, 5, 10, 20]), atol=1e-12)
    _, text = style.log_ticks(-2.0, 0.0)  # two decades: decades only
    assert all(_DECADE.fullmatch(label) for label in text)


def test_log_ticks_non_finite_input_falls_back():
    expected = style.log_ticks(-1.0, 1.0)
    assert style.log_ticks(-np.inf, 3.0) == expected
    assert style.log_ticks(np.nan, np.nan) == expected
    assert style.log_ticks(0.0, np.inf) == expected
    assert len(expected[0]) >= 2


@hsettings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e5, max_value=1e5), st.floats(min_value=2.0, max_value=1e5))
def test_log_ticks_property_wide_ranges(lo, width):
    hi = lo + width
    assume(hi - lo >= 2.0)
    vals, text = style.log_ticks(lo, hi)
    assert 2 <= len(vals) == len(text) <= 10  # at most max_ticks = 8 intervals of the data, + one at each end
    step = vals[1] - vals[0]
    assert is_round_step(step), step
    assert np.all(np.diff(vals) == step)
    assert all(float(v).is_integer() and v % step == 0 for v in vals)  # multiples of the step
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert vals[0] <= lo + tol and vals[0] > lo - step - tol  # covers [lo, hi], within one step at each end
    assert vals[-1] >= hi - tol and vals[-1] < hi + step + tol
    assert all(_DECADE.fullmatch(label) and tick_log10(label) == v for v, label in zip(vals, text, strict=True))


@hsettings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4), st.floats(min_value=0.0, max_value=1.999))
def test_log_ticks_property_narrow_ranges(lo, width):
    hi = lo + width
    assume(hi - lo < 2.0)
    vals, text = style.log_ticks(lo, hi)
    assert 2 <= len(vals) == len(text) <= 10
    assert np.all(np.diff(vals) > 0)
    assert np.all(np.diff(vals) <= math.log10(2.5) + 1e-9)  # none of 1, 2, 5 skipped
    assert vals[0] >= lo - 0.35 - 1e-9 and vals[-1] <= hi + 0.35 + 1e-9  # near the data
    np.testing.assert_allclose([tick_log10(label) for label in text], vals, atol=1e-9)


# -------------------------------------------------------------------------------------------------- wrap
def test_wrap_short_text_is_unchanged():
    assert style.wrap("RNN vs LSTM vs GRU") == "RNN vs LSTM vs GRU"
    assert style.wrap("") == ""


def test_wrap_breaks_at_spaces_within_the_width():
    text = "Singular values and |eigenvalues| of W_hh, sorted, with the line at one and the spectral radius"
    wrapped = style.wrap(text)
    parts = wrapped.split("<br>")
    assert len(parts) == 3
    assert all(len(p) <= 48 for p in parts)
    assert " ".join(parts) == text
    parts = style.wrap(text, width=20).split("<br>")
    assert all(len(p) <= 20 for p in parts) and " ".join(parts) == text


def test_wrap_puts_a_word_longer_than_the_width_on_its_own_line():
    assert style.wrap("a " + "x" * 30 + " b", width=10) == "a<br>" + "x" * 30 + "<br>b"


# ------------------------------------------------------------------------------------------ settings_subtitle
def test_settings_subtitle_joins_and_wraps_every_item():
    assert charts.settings_subtitle({"T": 50, "H": 32}) == "T=50 · H=32"
    assert charts.settings_subtitle({}) == ""
    settings = {f"key{i}": f"value{i}" for i in range(20)}
    text = charts.settings_subtitle(settings, width=40)
    parts = text.split("<br>")
    assert len(parts) > 1 and all(len(p) <= 40 for p in parts)
    assert [item for p in parts for item in p.split(" · ")] == [f"{k}={v}" for k, v in settings.items()]


# ---------------------------------------------------------------------------- one log10 axis for every chart
def test_finite_range_ignores_inf_and_nan_and_falls_back():
    assert style.finite_range([3.0, -np.inf, np.nan, -2.0, np.inf]) == (-2.0, 3.0)
    assert style.finite_range([np.nan, -np.inf]) == (-1.0, 1.0)
    assert style.finite_range([]) == (-1.0, 1.0)


def test_every_log10_chart_labels_its_ticks_the_same_way():
    """The norm chart's y axis, the lab's loss axis and flow heatmap, and the model page's heatmap: 10ⁿ labels
    placed at their own log10 value, and the same labels for the same range."""
    from charts import lab as lab_charts
    from charts import model as model_charts

    loss = pd.DataFrame({"step": [1, 2, 3, 1, 2, 3], "kind": ["rnn"] * 3 + ["lstm"] * 3,
                         "loss": [1.0, 0.1, 0.01, 1.0, 0.5, 0.2]})  # fmt: skip
    curve = lab_charts.curve_chart(loss, "loss", {"rnn": "RNN", "lstm": "LSTM"}, "loss", log_y=True, baseline=0.5)
    assert curve.layout.yaxis.type in (None, "-", "linear")  # log10 units, not Plotly's log axis
    np.testing.assert_allclose(curve.data[0].y, [0.0, -1.0, -2.0])
    assert curve.data[0].customdata == ("1", "0.1", "0.01")
    flow = pd.DataFrame({"step": [0, 0, 10, 10], "t": [0, 1, 0, 1], "log10_norm": [-4.0, 0.0, -2.0, 0.0]})
    heat = lab_charts.flow_heatmap(flow, "flow").data[0]
    rows = pd.DataFrame({"layer_direction": ["L0", "L0"], "t": [0, 1], "log10_norm": [-4.0, 0.0]})
    model_heat = model_charts.norm_heatmap(rows, ["L0"], "model").data[0]
    assert (heat.zmin, heat.zmax) == (model_heat.zmin, model_heat.zmax) == (-4.0, 0.0)
    assert heat.colorbar.ticktext == model_heat.colorbar.ticktext
    axis = style.log10_axis(fixed=(-4.0, 0.0), max_ticks=6)
    assert list(heat.colorbar.tickvals) == axis["tickvals"] and list(heat.colorbar.ticktext) == axis["ticktext"]
    for fig_axis in (curve.layout.yaxis, heat.colorbar, model_heat.colorbar):
        for value, label in zip(fig_axis.tickvals, ticks(fig_axis), strict=True):
            m = _TICK.fullmatch(label)
            assert m, label
            assert tick_log10(label) == pytest.approx(value, abs=1e-12)


# ------------------------------------------------------------------------------- the axis ends at a labelled tick
@pytest.mark.parametrize(
    "lo, hi, expected",
    [
        (0, 20, [0, 5, 10, 15, 20]),
        (0, 50, [0, 10, 20, 30, 40, 50]),  # Plotly's own ticks on a phone: 0, 20, 40
        (0, 37, [0, 10, 20, 30, 37]),
        (0, 7, [0, 2, 4, 7]),  # 6 is too close to 7: it gives way
        (1, 20, [1, 5, 10, 15, 20]),  # the book's axis, 1 … T
        (0, 999, [0, 200, 400, 600, 800, 999]),
        (0, 1, [0, 1]),
        (3, 3, [3]),
    ],
)
def test_end_ticks_label_both_ends_and_round_steps_between(lo, hi, expected):
    assert style.end_ticks(lo, hi) == expected


@given(st.integers(0, 3000), st.integers(0, 3000))
@hsettings(max_examples=200, deadline=None)
def test_end_ticks_always_end_at_the_axis_end_and_do_not_crowd(a, b):
    lo, hi = min(a, b), max(a, b)
    vals = style.end_ticks(lo, hi)
    assert vals[0] == lo and vals[-1] == hi
    assert len(vals) <= 6
    assert vals == sorted(set(vals))
    if len(vals) > 1:  # a step of at least a fifth of the span, and an end tick at least 0.6 steps from the next
        assert np.diff(vals).min() >= 0.6 * (hi - lo) / 5
    inner = np.diff(vals[1:-1])
    assert len(set(inner.tolist())) <= 1  # one round step between the ends


@pytest.mark.parametrize("T", [5, 13, 20, 37, 50, 1000])
@pytest.mark.parametrize("x", ["t", "back"])
def test_norm_chart_x_axis_labels_its_last_step(T, x):
    """On a 390 px phone Plotly's own ticks left T out (T = 50 ended at "40"): the axis now names its end."""
    t = np.arange(T + 1)
    frame = pd.DataFrame({"t": t, "back": T - t, "curve": "rnn", "log10_norm": -0.1 * (T - t)})
    fig = charts.norm_chart(frame, [INFO[0] | {"id": "rnn"}], "t", x=x)
    axis = fig.layout.xaxis
    assert axis.tickmode == "array"
    vals, text = list(axis.tickvals), list(axis.ticktext)
    assert (vals[0], vals[-1]) == (0, T)
    assert (text[0], text[-1]) == ("0", str(T))


def test_heatmap_axes_of_steps_label_their_ends_and_category_axes_keep_plotly_ticks():
    fig = charts.gate_heatmap(np.full((23, 2), 0.5), "f")
    vals = list(fig.layout.xaxis.tickvals)
    assert (vals[0], vals[-1]) == (1, 23)
    assert style.whole_number_ticks([{"x": ["weight_ih_l0", "global"]}]) == {}  # categories
    assert style.whole_number_ticks([{"x": [-3.0, -2.5, 0.0]}]) == {}  # not whole numbers (the activations)
