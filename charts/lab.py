"""Charts of the training lab: learning curves with the trivial baseline, the gradient-flow heatmap (training step ×
time step) and the "reach" of the gradient per checkpoint. Pure: tidy DataFrames and labels in, figures out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import base_layout
from .style import (
    COLOURS,
    FALLBACK_COLOUR,
    VIRIDIS,
    figure,
    format_log10,
    log10_axis,
    log10_colour_bar,
    log10_texts,
    whole_number_ticks,
    wrap,
)

BASELINE_COLOUR = "#000000"  # the trivial model's line: no curve's colour, drawn on top
# Columns (Hangul two) of a line of a learning curve's y-axis title, drawn turned along the plot's height (~300 px
# of the figure's 520, at 1366 px and at 390 px alike): a longer line ran past the plot into the chart's title
Y_TITLE_WIDTH = 30
Y_NOTE_FONT = 12  # px: the note under it (how the curve is smoothed)
# Columns of a line of a flow heatmap's x-axis title: three heatmaps side by side at 1366 px leave each ~100 px of
# plot, and the title, centred under it, was cut at the figure's left edge
HEATMAP_X_WIDTH = 26


def aside_title(title: str, width: int) -> str:
    """``title`` with its parenthesis on a line of its own ("time step t<br>(the loss at t = T)"), each line
    wrapped at ``width`` columns."""
    head, paren, rest = title.partition(" (")
    return "<br>".join(wrap(part, width) for part in (head, f"({rest}" if paren else "") if part)


def stacked_title(title: str, note: str = "", width: int = Y_TITLE_WIDTH) -> str:
    """An axis title on lines of at most ``width`` columns: ``title``, then ``note`` in smaller type on a line of
    its own."""
    head = wrap(title, width)
    if not note:
        return head
    return f"{head}<br><span style='font-size:{Y_NOTE_FONT}px'>{wrap(note, width)}</span>"


def curve_chart(
    curves: pd.DataFrame,
    y: str,
    names: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    baseline: float | None = None,
    baseline_name: str = "baseline",
    x_title: str = "training step",
    y_title: str = "",
    y_note: str = "",
    log_y: bool = False,
    raw: str | None = None,
) -> go.Figure:
    """One line per kind of ``curves[y]`` against ``step`` (``raw``: the unsmoothed column, drawn faint), and the
    trivial model's value as a dashed black line drawn last, so it stays on top of a curve that sits at it.
    ``log_y``: drawn in log10 units on ``log10_axis``, as every norm chart is (the hover shows the value itself).
    The y-axis title is ``y_title`` with ``y_note`` (e.g. the smoothing) below it, each on lines that fit the plot's
    height (``stacked_title``)."""

    def scale(v: Any) -> np.ndarray:
        a = np.asarray(v, dtype=float)
        if not log_y:
            return a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, np.log10(np.where(a > 0, a, 1.0)), np.nan)

    traces: list[dict[str, Any]] = []
    drawn: list[np.ndarray] = []
    steps = curves["step"].to_numpy() if len(curves) else np.array([0])
    for kind, part in curves.groupby("kind", sort=False):
        colour = COLOURS.get(str(kind), FALLBACK_COLOUR)
        if raw is not None:
            drawn.append(scale(part[raw]))
            traces.append(
                dict(type="scatter", x=part["step"], y=drawn[-1], mode="lines", name=names.get(str(kind), str(kind)),
                     legendgroup=str(kind), showlegend=False, hoverinfo="skip", opacity=0.25,
                     line=dict(color=colour, width=1))
            )  # fmt: skip
        drawn.append(scale(part[y]))
        hover = (
            dict(
                customdata=log10_texts(drawn[-1]),
                hovertemplate="%{customdata}",
            )
            if log_y
            else {}
        )
        traces.append(
            dict(type="scatter", x=part["step"], y=drawn[-1], mode="lines", name=names.get(str(kind), str(kind)),
                 legendgroup=str(kind), line=dict(color=colour, width=2.5), **hover)
        )  # fmt: skip
    if baseline is not None and np.isfinite(baseline):
        level = float(scale([baseline])[0])
        drawn.append(np.array([level]))
        traces.append(
            dict(type="scatter", x=[float(steps.min()), float(max(steps.max(), 1))], y=[level, level],
                 mode="lines", name=baseline_name, hoverinfo="skip",
                 line=dict(color=BASELINE_COLOUR, dash="dash", width=2.5))
        )  # fmt: skip
    yaxis = log10_axis(np.concatenate(drawn)) if log_y and drawn else {}
    layout = base_layout(title, settings, x_title, stacked_title(y_title, y_note), yaxis=yaxis)
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)


def flow_heatmap(
    flow: pd.DataFrame,
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "training step",
    z_label: str = "‖∂L/∂h_t‖",
    zrange: tuple[float, float] | None = None,
    z: str = "log10_norm",
) -> go.Figure:
    """``flow[z]`` (log10 units: ‖∂L/∂h_t‖, or it over its value at the loss) per training step (rows) and time
    step (columns), with 10ⁿ colour-bar labels; values outside ``zrange`` take its end colours. The x-axis title's
    parenthesis goes on a line of its own (``aside_title``): the lab draws three heatmaps side by side."""
    col = x if x in flow.columns else "t"
    grid = flow.pivot(index="step", columns=col, values=z) if len(flow) else pd.DataFrame()
    values = grid.to_numpy(dtype=float) if len(grid) else np.zeros((0, 0))
    colorbar, lo, hi = log10_colour_bar(values, z_label, zrange)
    text = np.vectorize(format_log10, otypes=[str])(values) if values.size else values
    trace = dict(
        type="heatmap",
        z=values,
        x=grid.columns.to_numpy() if len(grid) else [],
        y=grid.index.to_numpy() if len(grid) else [],
        zmin=lo,
        zmax=hi,
        text=text,
        colorscale=VIRIDIS,
        colorbar=colorbar,
        hovertemplate=f"{col}=%{{x}}, step %{{y}}<br>{z_label} = %{{text}}<extra></extra>",
    )
    layout = base_layout(title, settings, aside_title(x_title, HEATMAP_X_WIDTH), y_title, hovermode="closest")
    layout["meta"]["x_title"] = x_title  # a slide lays it out again on one line
    layout["xaxis"].update(whole_number_ticks([trace]))
    return figure([trace], layout)


def reach_chart(
    reach: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    longest: int | None = None,
    longest_name: str = "T − 1 (the whole sequence)",
    x_title: str = "training step",
    y_title: str = "steps back",
    cell: pd.DataFrame | None = None,
    cell_name: str = "LSTM: ‖∂L/∂c_t‖ (memory cell)",
) -> go.Figure:
    """Per kind: how many steps back the gradient stays above 10⁻³ of its value at the loss, per checkpoint;
    ``cell``: the same for an LSTM's memory cell ‖∂L/∂c_t‖ (its own colour, solid: a full BPTT gradient too)."""
    traces: list[dict[str, Any]] = []
    for kind, part in reach.groupby("kind", sort=False):
        traces.append(
            dict(type="scatter", x=part["step"], y=part["reach"], mode="lines+markers",
                 name=names.get(str(kind), str(kind)), marker=dict(size=5),
                 line=dict(color=COLOURS.get(str(kind), FALLBACK_COLOUR), width=2.5, shape="hv"))
        )  # fmt: skip
    if cell is not None and len(cell):
        traces.append(
            dict(type="scatter", x=cell["step"], y=cell["reach"], mode="lines+markers", name=cell_name,
                 marker=dict(size=6, symbol="diamond"), line=dict(color=COLOURS["cell"], width=2.5, shape="hv"))
        )  # fmt: skip
    if longest is not None and len(reach):
        traces.append(
            dict(type="scatter", x=[int(reach["step"].min()), int(reach["step"].max())], y=[longest, longest],
                 mode="lines", name=longest_name, hoverinfo="skip", line=dict(color="#555555", dash="dot", width=1.5))
        )  # fmt: skip
    layout = base_layout(title, settings, x_title, y_title, yaxis=dict(rangemode="tozero"))
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)


def rho_chart(
    rho: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    reference: pd.DataFrame | None = None,
    reference_name: str = "without weight decay",
    x_title: str = "training step",
    y_title: str = "ρ",
) -> go.Figure:
    """ρ of W_hh (or a gated kind's block, named in ``rho["block"]``) per kind and checkpoint, solid; ``reference``:
    the same for a variant of the settings (e.g. weight decay 0), dotted in the kind's colour; ρ = 1 as a grey line."""
    traces: list[dict[str, Any]] = []
    parts = [(rho, "solid", "")] + ([(reference, "dot", f" ({reference_name})")] if reference is not None else [])
    for frame, dash, suffix in parts:
        for kind, part in frame.groupby("kind", sort=False):
            block = str(part["block"].iloc[0]) if "block" in part else "W_hh"
            traces.append(
                dict(type="scatter", x=part["step"], y=part["rho"], mode="lines+markers",
                     name=f"{names.get(str(kind), str(kind))}: ρ({block}){suffix}", marker=dict(size=4),
                     line=dict(color=COLOURS.get(str(kind), FALLBACK_COLOUR), width=2.5, dash=dash))
            )  # fmt: skip
    if len(rho):
        traces.append(
            dict(type="scatter", x=[int(rho["step"].min()), int(rho["step"].max())], y=[1.0, 1.0], mode="lines",
                 name="ρ = 1", hoverinfo="skip", line=dict(color=COLOURS["bound"], dash="dash", width=1.5))
        )  # fmt: skip
    layout = base_layout(title, settings, x_title, y_title, yaxis=dict(rangemode="tozero"))
    return figure(traces, layout)


__all__ = ["curve_chart", "flow_heatmap", "reach_chart", "rho_chart"]
