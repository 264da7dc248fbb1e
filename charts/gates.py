"""Charts of every gate over time and of what the weights receive from each step. Pure: no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout
from .style import COLOURS, FALLBACK_COLOUR, figure, whole_number_ticks

GATE_COLOURS = {"i": COLOURS["lstm"], "f": COLOURS["cell"], "g": COLOURS["tanh"], "o": COLOURS["matmul"],
                "r": COLOURS["matmul"], "z": COLOURS["gru"]}  # fmt: skip


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def gate_band_chart(
    stats: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "gate value",
) -> go.Figure:
    """Per-step mean of each gate (a line) and its 10th–90th percentile over samples and units (a band).

    ``stats``: ``t``, ``back``, ``gate``, ``mean``, ``lo``, ``hi``; ``names``: gate -> legend label, in order."""
    traces: list[dict[str, Any]] = []
    for gate, name in names.items():
        part = stats[stats["gate"] == gate].sort_values(x)
        colour = GATE_COLOURS.get(gate, FALLBACK_COLOUR)
        xs = part[x].to_numpy()
        traces.append(dict(type="scatter", x=np.concatenate([xs, xs[::-1]]),
                           y=np.concatenate([part["hi"].to_numpy(), part["lo"].to_numpy()[::-1]]), fill="toself",
                           fillcolor=_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
                           name=f"{name} 10–90 %", showlegend=False, legendgroup=gate))  # fmt: skip
        traces.append(dict(type="scatter", x=xs, y=part["mean"].to_numpy(), mode="lines", name=name,
                           legendgroup=gate, line=dict(color=colour, width=2.5)))  # fmt: skip
    layout = base_layout(title, settings, x_title, y_title)
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)
