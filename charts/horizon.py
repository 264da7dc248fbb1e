"""The gradient horizon ‖∂L_s/∂h_t‖ and the connectivity ‖∂h_s/∂x_t‖ (``recurrent_core.horizon``) as heatmaps.

Pure Plotly, like charts/figures.py: a ``HorizonMap`` (or its tidy frame) in, a figure out. x = t, y = s, the
colour is the log10 norm with 10ⁿ colour-bar labels as on the lab's and the model page's heatmaps; cells with
t > s (nothing flows forward in time) and exact zeros (−inf, e.g. dead ReLU units or truncated BPTT) are blank,
the zeros' hover says 0. Axis titles in English or Korean; a cut by the budget is said under the title.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from recurrent_core.analysis.horizon import HorizonMap

from .figures import base_layout
from .style import (
    VIRIDIS,
    Texts,
    every_kth,
    figure,
    format_log10,
    log10_colour_bar,
    one_in_k,
    title_note,
    whole_number_ticks,
)

MAX_HOVER_CELLS = 40_000  # above this, the hover shows the log10 value instead of a text per cell (page weight)
MAX_SIDE = 400  # cells per axis drawn; a longer map shows every k-th step (the last one, at the loss, kept)

# (x title, y title, colour-bar title) per map and language
LABELS: dict[str, dict[str, tuple[str, str, str]]] = {
    "horizon": {
        "en": ("time step t (state h_t)", "loss at step s (L_s)", "‖∂L_s/∂h_t‖"),
        "ko": ("시각 t (은닉 상태 h_t)", "손실의 시각 s (L_s)", "‖∂L_s/∂h_t‖"),
    },
    "horizon_c": {
        "en": ("time step t (memory cell c_t)", "loss at step s (L_s)", "‖∂L_s/∂c_t‖"),
        "ko": ("시각 t (기억 셀 c_t)", "손실의 시각 s (L_s)", "‖∂L_s/∂c_t‖"),
    },
    "connectivity": {
        "en": ("input x_t at time step t", "hidden state h_s at time step s", "‖∂h_s/∂x_t‖"),
        "ko": ("시각 t의 입력 x_t", "시각 s의 은닉 상태 h_s", "‖∂h_s/∂x_t‖"),
    },
}


def cut_note(m: HorizonMap, lang: str = "en") -> str:
    """What the budget cut, in one line ("" when nothing): the page's notice and the figure's subtitle."""
    parts: list[str] = []
    ko = lang == "ko"
    if m.T_kept < m.T:
        first = int(m.t[0])  # h_{t0} for the horizon, x_{t0+1} for the connectivity
        parts.append(
            f"T = {m.T} 중 마지막 {m.T_kept}개 시각만 계산 (t = {first} … {m.T})"
            if ko
            else f"T cut from {m.T} to {m.T_kept}: the last {m.T_kept} steps (t = {first} … {m.T})"
        )
    if m.N_kept < m.N:
        parts.append(f"N = {m.N} 중 처음 {m.N_kept}개 표본만 계산" if ko else f"N cut from {m.N} to {m.N_kept} samples")
    if not parts:
        return ""
    return ("; ".join(parts) + " (계산량 한도)") if ko else ("; ".join(parts) + " (compute budget)")


def horizon_frame(m: HorizonMap) -> pd.DataFrame:
    """The map as tidy rows for CSV (``charts.table_csv`` adds the plain ``norm``): one row per defined cell,
    columns ``s``, ``t``, ``back`` (= s − t, steps back from the loss or state) and ``log10_norm`` (−inf for 0)."""
    ss, tt = np.meshgrid(m.s, m.t, indexing="ij")
    defined = ~np.isnan(m.log10)
    return pd.DataFrame(
        {
            "s": ss[defined].astype(int),
            "t": tt[defined].astype(int),
            "back": (ss - tt)[defined].astype(int),
            "log10_norm": m.log10[defined],
        }
    )


def horizon_figure(
    m: HorizonMap,
    lang: str = "en",
    title: str = "",
    settings: Mapping[str, Any] | None = None,
    *,
    zrange: tuple[float, float] | None = None,
    max_side: int = MAX_SIDE,
) -> go.Figure:
    """A heatmap of ``m.log10`` (rows s, columns t): x = t, y = s, one colour bar with 10ⁿ labels. ``zrange``
    fixes the colour scale in log10 units (to compare two maps, e.g. RNN and LSTM side by side). A map longer
    than ``max_side`` steps shows every k-th row and column (counted back from the last), and says so."""
    lang = lang if lang in ("en", "ko") else "en"
    x_title, y_title, z_label = LABELS.get(m.what, LABELS["horizon"])[lang]
    k = max(1, -(-max(m.log10.shape) // max(1, max_side)))
    rows, cols = every_kth(len(m.s), k), every_kth(len(m.t), k)
    logs = m.log10[np.ix_(rows, cols)]
    z = np.where(np.isfinite(logs), logs, np.nan)
    colorbar, lo, hi = log10_colour_bar(z, z_label, zrange)
    trace: dict[str, Any] = dict(
        type="heatmap",
        z=z,
        x=m.t[cols],
        y=m.s[rows],
        zmin=lo,
        zmax=hi,
        colorscale=VIRIDIS,
        colorbar=colorbar,
        hoverongaps=False,
    )
    if z.size <= MAX_HOVER_CELLS:
        text = Texts(
            Texts(["0" if v == -math.inf else ("" if math.isnan(v) else format_log10(v)) for v in row])
            for row in logs.tolist()
        )
        trace.update(text=text, hovertemplate=f"s = %{{y}}, t = %{{x}}<br>{z_label} = %{{text}}<extra></extra>")
    else:
        trace.update(hovertemplate=f"s = %{{y}}, t = %{{x}}<br>log10 {z_label} = %{{z:.2f}}<extra></extra>")
    layout = base_layout(title, settings, x_title, y_title, hovermode="closest")
    layout["xaxis"].update(whole_number_ticks([trace]))
    layout["yaxis"].update(whole_number_ticks([trace], "y"))
    note = cut_note(m, lang)
    if k > 1:
        note = f"{note}; {one_in_k(k, lang)}" if note else one_in_k(k, lang)
    if note:
        title_note(layout, note)
    return figure([trace], layout)


__all__ = ["LABELS", "MAX_HOVER_CELLS", "cut_note", "horizon_figure", "horizon_frame"]
