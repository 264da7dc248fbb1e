"""Colours, line styles and axis conventions shared by every chart."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

# One colour per architecture on every page (Okabe-Ito, readable for colour-blind viewers and on a projector).
COLOURS = {
    "rnn": "#D55E00",
    "lstm": "#0072B2",
    "gru": "#009E73",
    "cell": "#56B4E9",  # the LSTM's cell state c, beside its h
    # the RNN's factors and the isolated paths
    "matmul": "#CC79A7",
    "tanh": "#E69F00",
    "bound": "#555555",
}
FALLBACK_COLOUR = "#888888"
# One meaning per line style on every page: solid = full BPTT, dashed = one isolated path, dotted = a variant of
# the settings (e.g. the gates opened).
ROLE_DASH = {"full": "solid", "path": "dash", "variant": "dot"}
# Set on every figure, on screen too (st.plotly_chart(theme=None)): an exported PNG/SVG then looks like the screen.
# The essentials of "plotly_white"; the full named template costs ~20 ms per figure to copy and validate.
_AXIS = dict(
    gridcolor="#EBF0F8",
    linecolor="#EBF0F8",
    zerolinecolor="#EBF0F8",
    ticks="",
    automargin=True,
    title=dict(standoff=12),
)
TEMPLATE = dict(
    layout=dict(
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(color="#2a3f5f"),
        hoverlabel=dict(align="left"),
        xaxis=_AXIS,
        yaxis=_AXIS,
    )
)
# Latin fonts first: a CJK font draws the ambiguous-width ‖ and ∂ full-width ("‖ ∂ L/ ∂ h_t ‖"); Hangul, absent
# from them, falls through to the Korean fonts
FONT = dict(
    family="Noto Sans, Arial, Helvetica, DejaVu Sans, Noto Sans CJK KR, Noto Sans KR, Malgun Gothic, sans-serif",
    size=14,
)
# Every heatmap's colours: plotly's Viridis as explicit stops (what validation made of the name "Viridis"; an
# unvalidated figure passes names on, and plotly.js's own "Viridis" has other stops)
VIRIDIS = [[i / (len(plotly.colors.sequential.Viridis) - 1), c] for i, c in enumerate(plotly.colors.sequential.Viridis)]
# Every figure's size, on screen (height) and in every export (the toolbar PNG, the server PNG and SVG)
EXPORT_WIDTH, HEIGHT = 1000, 520


class Texts(list[Any]):
    """Hover texts, one string a point (or rows of them), never changed once made: a list that deep-copies as a
    shallow one. Plotly deep-copies a trace's properties element by element when it builds a figure."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Texts:
        return Texts(self)


def _wire(value: Any, key: str | None = None) -> Any:
    """What ``go.Figure.to_dict`` makes of a property: containers copied, a NumPy or pandas array under a dict key
    as a base64 typed array; leaves (strings, numbers, arrays) shared, since nothing changes them afterwards."""
    if isinstance(value, dict):
        return {k: _wire(v, k) for k, v in value.items()}
    if isinstance(value, (Texts, str, int, float)) or value is None:
        return value
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_wire(v) for v in value)
    if key is not None and not is_skipped_key(key) and is_homogeneous_array(value):  # plotly's own rule
        return to_typed_array_spec(value)
    return value


class Chart(go.Figure):  # type: ignore[misc]  # plotly ships no types
    """A ``go.Figure`` whose ``to_dict`` (what ``st.plotly_chart`` sends) skips plotly's deep copy of every property,
    element by element, and its second walk for arrays: about 2 ms a chart, several charts a page, on every run.
    tests/conftest.py checks, for every figure any test builds, that it equals plotly's own ``to_dict``."""

    def to_dict(self) -> dict[str, Any]:
        out = {"data": [_wire(trace) for trace in self._data], "layout": _wire(self._layout)}
        frames = [_wire(frame._props) for frame in self._frame_objs]
        if frames:
            out["frames"] = frames
        return out


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """The figure of these traces and layout, not validated property by property: plotly's validation cost about
    7 ms a chart on every run (a fifth of a page's server time under a class's load, benchmarks/class_profile.py).
    tests/test_figures_valid.py validates every chart every page draws, as the browser receives it."""
    return Chart(data=data, layout=layout, _validate=False)


def every_kth(n: int, k: int, from_first: bool = False) -> np.ndarray:
    """Indices of every k-th of ``n`` steps, counted back from the last (or on from the first): a long map or
    heatmap drawn thinner keeps the step at the loss."""
    return np.arange(0, n, k) if from_first else np.arange(n - 1, -1, -k)[::-1]


def one_in_k(k: int, lang: str) -> str:
    """What a thinned chart says of itself under its title."""
    return f"{k} 시각마다 하나씩 표시" if lang == "ko" else f"one step in {k} shown"


def title_note(layout: dict[str, Any], note: str) -> None:
    """A small second line under the title (base_layout's), with room made for it."""
    layout["title"]["text"] += f"<br><sup>{note}</sup>"
    layout["margin"]["t"] += 24


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_log10(v: float | None) -> str:
    """A number given by its log10, as text, even far past float64's range: 2.0 -> '100', -27.3 -> '5.01e-28'."""
    if v is None or not math.isfinite(v):  # math, not NumPy: a hover text per cell, thousands a chart
        return "0" if v == -math.inf else ("inf" if v == math.inf else "n/a")
    e = math.floor(v)
    m = 10.0 ** (v - e)
    if m >= 9.995:  # rounding to 3 digits carried into the next decade
        m, e = 1.0, e + 1
    if -3 <= e <= 4:  # plain decimals: 0.00123 … 98700
        text = f"{m * 10.0**e:.3g}"
        return f"{float(text):.0f}" if "e" in text else text
    return f"{m:.3g}e{e:+d}"


def log10_texts(log10_values: Any) -> Texts:
    """One hover text per value given by its log10 (``format_log10``)."""
    return Texts([format_log10(v) for v in np.asarray(log10_values, dtype=float).ravel().tolist()])


def power_of_ten(exponent: int, mantissa: int = 1) -> str:
    """'10⁻⁴', or '2×10⁻⁴' with a mantissa: the one format of every log tick."""
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa}×{power}"


_FROM_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "−0123456789")


def rich_power(label: str) -> str:
    """'2×10⁻³' as Plotly rich text, '2×10<sup>−3</sup>': the exponent in the font's own digits, raised. Many fonts
    (Arial, Noto Sans CJK) lack ⁰ and ⁴–⁹, and a fallback font drew ⁰ as a lowered 'o' ("10⁻¹o")."""
    head, sep, exponent = label.rpartition("10")
    return f"{head}10<sup>{exponent.translate(_FROM_SUPERSCRIPT)}</sup>" if sep and exponent else label


# Decade steps between ticks: round numbers only, so ticks sit on 10⁰, 10⁻²⁰, 10⁻⁴⁰ …
_DECADE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000)


def log_ticks(lo: float, hi: float, max_ticks: int = 8) -> tuple[list[float], list[str]]:
    """Tick positions and labels for an axis drawn in log10 units: round decades, or 1-2-5 within a narrow range."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = -1.0, 1.0
    if hi - lo < 2.0:
        pairs = [(k, m) for k in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
        pairs = [(k, m) for k, m in pairs if lo - 0.35 <= k + math.log10(m) <= hi + 0.35]
        return [k + math.log10(m) for k, m in pairs], [power_of_ten(k, m) for k, m in pairs]
    span = math.ceil(hi) - math.floor(lo)
    step = next((d for d in _DECADE_STEPS if span / d <= max_ticks), None)
    if step is None:
        step = 10 ** math.ceil(math.log10(span / max_ticks))
    first, last = math.floor(lo / step) * step, math.ceil(hi / step) * step
    vals = list(range(first, last + step, step))
    return [float(v) for v in vals], [power_of_ten(v) for v in vals]


# Step between the ticks of an axis of whole numbers (time steps, training steps): 1-2-5 round numbers
_STEPS = tuple(m * 10**k for k in range(7) for m in (1, 2, 5))


def end_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Tick positions for an axis of whole numbers from ``lo`` to ``hi``: round multiples of a 1-2-5 step and both
    ends themselves, so the axis always says where it ends (T, the loss). Plotly's own ticks at phone width left
    the end out (T = 50 ended at "40"). A round tick closer to an end than 0.6 steps gives way to it, so labels do
    not collide; at most ``max_ticks`` labels, few enough for a 390 px phone."""
    lo, hi = math.ceil(lo), math.floor(hi)
    if hi <= lo:
        return [float(lo)]
    span = hi - lo
    step = next((d for d in _STEPS if span / d <= max_ticks - 1), _STEPS[-1])
    inner = [v for v in range(math.ceil(lo / step) * step, hi + 1, step) if lo + 0.6 * step <= v <= hi - 0.6 * step]
    return [float(v) for v in (lo, *inner, hi)]


def whole_number_ticks(traces: Any, axis: str = "x", max_ticks: int = 6) -> dict[str, Any]:
    """``end_ticks`` for an axis whose data (``axis`` of every trace) are whole numbers, as the axis' tick
    settings; {} (Plotly's own ticks) for other data (categories, fractions) or none."""
    values: list[Any] = []
    for trace in traces:
        data = trace.get(axis)
        if data is not None:
            values.extend(np.asarray(data, dtype=object).ravel().tolist())
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):  # category names
        return {}
    a = a[np.isfinite(a)]
    if not a.size or not np.all(a == np.round(a)):
        return {}
    vals = end_ticks(float(a.min()), float(a.max()), max_ticks)
    return dict(tickmode="array", tickvals=vals, ticktext=[f"{v:.0f}" for v in vals])


def finite_range(values: Any, fallback: tuple[float, float] = (-1.0, 1.0)) -> tuple[float, float]:
    """(min, max) of the finite entries of ``values``; ``fallback`` when there is none."""
    a = np.asarray(values, dtype=float)
    finite = a[np.isfinite(a)]
    return (float(finite.min()), float(finite.max())) if finite.size else fallback


def log10_axis(values: Any = (), *, fixed: tuple[float, float] | None = None, max_ticks: int = 8) -> dict[str, Any]:
    """The one axis of every quantity drawn in log10 units (a y axis, or a colour bar's ticks): 10ⁿ or 1-2-5 tick
    labels (``log_ticks``) over the finite range of ``values`` (``fixed``: that range instead), and that range
    padded (``range``)."""
    lo, hi = fixed if fixed is not None else finite_range(values)
    pad = max(0.3, 0.05 * (hi - lo))
    tickvals, labels = log_ticks(lo, hi, max_ticks)
    ticktext = [rich_power(label) for label in labels]
    return dict(tickmode="array", tickvals=tickvals, ticktext=ticktext, range=[lo - pad, hi + pad], zeroline=False)


def log10_colour_bar(
    values: Any, title: str, fixed: tuple[float, float] | None = None
) -> tuple[dict[str, Any], float, float]:
    """A heatmap's colour bar for values in log10 units, with ``log10_axis``'s ticks, and its (zmin, zmax): the
    finite range of ``values`` or ``fixed``, at least one decade wide."""
    lo, hi = fixed if fixed is not None else finite_range(values)
    if hi <= lo:
        hi = lo + 1.0
    axis = log10_axis(fixed=(lo, hi), max_ticks=6)
    bar = dict(title=dict(text=title), tickmode="array", tickvals=axis["tickvals"], ticktext=axis["ticktext"])
    return bar, lo, hi


def display_width(text: str) -> int:
    """Columns ``text`` takes: Hangul and other wide characters count two; ambiguous ones (‖, ∂, σ) one, as the
    Latin fonts that come first in FONT draw them."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int = 36, sep: str = " ") -> str:
    """``text`` broken into lines of at most ``width`` columns with <br> (a title that fits a 390 px phone)."""
    lines: list[str] = []
    line = ""
    for word in text.split(sep):
        if line and display_width(line) + len(sep) + display_width(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line}{sep}{word}" if line else word
    return "<br>".join([*lines, line])
