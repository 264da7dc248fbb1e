"""Colours and axis conventions shared by every chart."""

from __future__ import annotations

import math

import numpy as np

# One colour per architecture on every page (Okabe-Ito, readable for colour-blind viewers and on a projector).
COLOURS = {
    "rnn": "#D55E00",
    "lstm": "#0072B2",
    "gru": "#009E73",
    # the RNN's factors
    "matmul": "#CC79A7",
    "tanh": "#E69F00",
    "bound": "#555555",
}
# Set on every figure: exported images do not follow the Streamlit theme. The essentials of "plotly_white"; the
# full named template costs ~20 ms per figure to copy and validate, most of a rerun's chart time.
_AXIS = dict(
    gridcolor="#EBF0F8",
    linecolor="#EBF0F8",
    zerolinecolor="#EBF0F8",
    ticks="",
    automargin=True,
    title=dict(standoff=15),
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
FONT = dict(family="Noto Sans, Noto Sans KR, Arial, sans-serif", size=14)


def format_log10(v: float) -> str:
    """A number given by its log10, as text, even far past float64's range: 2.0 -> '100', -27.3 -> '5.01e-28'."""
    if v is None or not np.isfinite(v):
        return "0" if v == -np.inf else ("inf" if v == np.inf else "n/a")
    e = math.floor(v)
    m = 10.0 ** (v - e)
    if m >= 9.995:  # rounding to 3 digits carried into the next decade
        m, e = 1.0, e + 1
    if -3 <= e <= 4:  # plain decimals: 0.00123 … 98700
        text = f"{m * 10.0**e:.3g}"
        return f"{float(text):.0f}" if "e" in text else text
    return f"{m:.3g}e{e:+d}"


def log_ticks(lo: float, hi: float, max_ticks: int = 9) -> tuple[list[float], list[str]]:
    """Tick positions and labels for an axis drawn in log10 units: decades, or 1-2-5 within a narrow range."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = -1.0, 1.0
    if hi - lo < 2.5:
        vals = [k + math.log10(m) for k in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
        vals = [v for v in vals if lo - 0.35 <= v <= hi + 0.35]
        return vals, [format_log10(v) for v in vals]
    lo_i, hi_i = math.floor(lo), math.ceil(hi)
    if hi_i == lo_i:
        hi_i += 1
    step = max(1, math.ceil((hi_i - lo_i) / max_ticks))
    start = lo_i - (lo_i % step)
    vals = list(range(start, hi_i + step, step))
    return [float(v) for v in vals], [_decade(v) for v in vals]


def _decade(k: int) -> str:
    return {0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01"}.get(k, f"1e{k}")
