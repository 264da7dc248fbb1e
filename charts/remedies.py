"""Charts of the Remedies and Theory pages: clipping bars, truncated BPTT with its cuts, activation derivatives.

Pure: tidy DataFrames in, Plotly figures out, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout, norm_chart, ref_line
from .style import COLOURS, FALLBACK_COLOUR, figure, finite_range, log10_axis, log10_texts

STAGE_COLOURS = {"before": COLOURS["rnn"], "global": COLOURS["lstm"], "elementwise": COLOURS["gru"]}
CUT_COLOUR = "#777777"


def clip_chart(
    table: pd.DataFrame,
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    stages: Mapping[str, str],
    threshold: float | None = None,
    threshold_name: str = "θ",
    x_title: str = "parameter",
    y_title: str = "gradient norm (log scale)",
) -> go.Figure:
    """Grouped bars of log10 gradient norms per parameter (and "global"), one group per stage shown.

    ``table``: ``parameter``, ``stage``, ``log10_norm``. ``stages``: stage -> legend label, in drawing order
    (stages not listed are left out). ``threshold`` (optional): a dotted line at θ.
    """
    traces: list[dict[str, Any]] = []
    shown = table[table["stage"].isin(list(stages))]
    for stage, name in stages.items():
        part = shown[shown["stage"] == stage]
        y = part["log10_norm"].to_numpy(dtype=float)
        traces.append(
            dict(
                type="bar",
                x=part["parameter"].to_numpy(),
                y=np.where(np.isfinite(y), y, np.nan),
                name=name,
                marker=dict(color=STAGE_COLOURS.get(stage, FALLBACK_COLOUR)),
                hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
                customdata=log10_texts(y),
            )
        )
    values = shown["log10_norm"].to_numpy(dtype=float)
    if threshold is not None and threshold > 0:
        th = float(np.log10(threshold))
        values = np.append(values, th)
        params = list(dict.fromkeys(shown["parameter"]))
        line = ref_line(-0.5, len(params) - 0.5, th, threshold_name, "dot", COLOURS["bound"])
        line["x"] = [params[0], params[-1]] if params else [0, 1]
        traces.append(line)
    layout = base_layout(
        title, settings, x_title, y_title, barmode="group", yaxis=log10_axis(values), hovermode="closest"
    )
    return figure(traces, layout)


def truncation_chart(
    curves: pd.DataFrame,
    info: Sequence[Mapping[str, Any]],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    cuts: Sequence[int],
    cut_name: str = "gradient cut",
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "‖∂L/∂h_t‖ (log scale)",
) -> go.Figure:
    """``norm_chart`` of full and truncated BPTT, with a thin vertical line at each cut t (one legend entry)."""
    fig = norm_chart(curves, info, title, settings, x=x, x_title=x_title, y_title=y_title)
    values = curves["log10_norm"].to_numpy(dtype=float)
    lo, hi = finite_range(values)
    T = int(curves["t"].max()) if len(curves) else 0
    xs: list[float | None] = []
    ys: list[float | None] = []
    for c in cuts:
        cx = float(c if x == "t" else T - c)
        xs += [cx, cx, None]
        ys += [lo, hi, None]
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=cut_name,
                hoverinfo="skip",
                line=dict(color=CUT_COLOUR, dash="dot", width=1),
            )
        )
    return fig


def activation_chart(
    title: str,
    names: Mapping[str, str],
    *,
    x_title: str = "a",
    y_title: str = "value",
    bound_names: Mapping[str, str] | None = None,
) -> go.Figure:
    """tanh, tanh′, σ and σ′ on a ∈ [−5, 5], with dotted lines at 1 (max tanh′) and ¼ (max σ′).

    ``names``: keys "tanh", "dtanh", "sigmoid", "dsigmoid" -> legend labels."""
    a = np.linspace(-5.0, 5.0, 201)
    sig = 1.0 / (1.0 + np.exp(-a))
    curves = {
        "tanh": (np.tanh(a), COLOURS["rnn"], "solid"),
        "dtanh": (1.0 - np.tanh(a) ** 2, COLOURS["rnn"], "dash"),
        "sigmoid": (sig, COLOURS["lstm"], "solid"),
        "dsigmoid": (sig * (1.0 - sig), COLOURS["lstm"], "dash"),
    }
    traces: list[dict[str, Any]] = [
        dict(type="scatter", x=a, y=y, mode="lines", name=names.get(k, k), line=dict(color=c, dash=d, width=2.5))
        for k, (y, c, d) in curves.items()
    ]
    bounds = bound_names or {"one": "1 = max tanh′", "quarter": "¼ = max σ′"}
    traces.append(ref_line(-5.0, 5.0, 1.0, bounds["one"], "dot", COLOURS["bound"]))
    traces.append(ref_line(-5.0, 5.0, 0.25, bounds["quarter"], "dot", COLOURS["tanh"]))
    layout = base_layout(title, None, x_title, y_title, hovermode="closest")
    return figure(traces, layout)


def activation_table() -> pd.DataFrame:
    """The numbers of ``activation_chart`` (for its CSV)."""
    a = np.linspace(-5.0, 5.0, 201)
    sig = 1.0 / (1.0 + np.exp(-a))
    return pd.DataFrame(
        {"a": a, "tanh": np.tanh(a), "dtanh": 1.0 - np.tanh(a) ** 2, "sigmoid": sig, "dsigmoid": sig * (1.0 - sig)}
    )
