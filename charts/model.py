"""Chart builders of the "Your model" page: a layer × time heatmap of gradient norms and gate statistics over time.

Pure Plotly, like charts/figures.py: tidy DataFrames in, figures out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout
from .style import COLOURS, FALLBACK_COLOUR, VIRIDIS, Texts, figure, format_log10, log10_colour_bar, whole_number_ticks


def norm_heatmap(
    heat: pd.DataFrame,
    order: Sequence[str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "layer · direction",
    zrange: tuple[float, float] | None = None,
    colour_title: str = "‖∂L/∂h_t‖",
) -> go.Figure:
    """log10 norms over layer-direction (rows, in ``order``) × time, with 10ⁿ colour-bar labels. ``heat``:
    ``layer_direction``, ``t`` (and ``back``), ``log10_norm``. Exactly-zero norms (−inf) are left blank. ``zrange``
    fixes the colour scale (to compare two heatmaps)."""
    col = x if x in heat.columns else "t"
    grid = heat.pivot(index="layer_direction", columns=col, values="log10_norm").reindex(list(order))
    z = grid.to_numpy(dtype=float)
    z = np.where(np.isfinite(z), z, np.nan)
    text = Texts(Texts([format_log10(v) if np.isfinite(v) else "0" for v in row]) for row in np.asarray(z).tolist())
    colorbar, lo, hi = log10_colour_bar(z, colour_title, zrange)
    trace: dict[str, Any] = dict(
        type="heatmap",
        z=z,
        x=grid.columns.to_numpy(),
        y=list(order),
        colorscale=VIRIDIS,
        colorbar=colorbar,
        zmin=lo,
        zmax=hi,
        text=text,
        hovertemplate=f"{col}=%{{x}}, %{{y}}<br>‖·‖ = %{{text}}<extra></extra>",
    )
    layout = base_layout(title, settings, x_title, y_title, hovermode="closest", yaxis=dict(autorange="reversed"))
    layout["xaxis"].update(whole_number_ticks([trace]))
    return figure([trace], layout)


def gate_stats_chart(
    gates: pd.DataFrame,
    names: Mapping[str, str],
    colours: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "gate value",
    band_suffix: str = " (10–90 % of units)",
) -> go.Figure:
    """Mean of a gate over units and samples at each step, with the 10–90 % range as a band. ``gates``:
    ``series`` (an id: model or fresh and layer-direction), ``t``, ``back``, ``mean``, ``p10``, ``p90``, ``dash``
    ("solid" or "dot"). ``names`` (legend labels) and ``colours`` (keys of COLOURS) by series id."""
    traces: list[dict[str, Any]] = []
    for sid, part in gates.groupby("series", sort=False):
        part = part.sort_values(x)
        colour = COLOURS.get(colours.get(str(sid), ""), FALLBACK_COLOUR)
        xs = part[x].to_numpy()
        dash = str(part["dash"].iloc[0]) if "dash" in part.columns else "solid"
        traces.append(
            dict(
                type="scatter",
                x=np.concatenate([xs, xs[::-1]]),
                y=np.concatenate([part["p90"].to_numpy(float), part["p10"].to_numpy(float)[::-1]]),
                fill="toself",
                fillcolor=colour,
                opacity=0.15 if dash == "solid" else 0.08,
                line=dict(width=0),
                hoverinfo="skip",
                name=names.get(str(sid), str(sid)) + band_suffix,
                showlegend=False,
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=xs,
                y=part["mean"].to_numpy(float),
                mode="lines" if len(xs) > 2 else "lines+markers",
                name=names.get(str(sid), str(sid)),
                line=dict(color=colour, width=2.5, dash=dash),
                hovertemplate="%{y:.3f}",
            )
        )
    layout = base_layout(title, settings, x_title, y_title, yaxis=dict(range=[-0.02, 1.02]))
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)
