"""Plotly figures of gradient flow. Every builder takes tidy DataFrames and returns a ``go.Figure``.

Norms are drawn in log10 units on a linear axis with decade labels ("1e-20"), not on Plotly's log axis:
a log-domain value like 1e+477 from an exploding run has no float64, so it could not be drawn otherwise.

Each builder assembles its traces and one layout dict, then constructs the figure once: Plotly validates every
``update_layout``/``add_hline`` call separately, and that cost ~25 ms of each rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import COLOURS, FONT, TEMPLATE, format_log10, log_ticks

DASHES = {"solid": "solid", "dash": "dash", "dot": "dot", "dashdot": "dashdot"}


def settings_subtitle(settings: Mapping, width: int = 70) -> str:
    """'T=50 · H=32 · seed=0 · …' for titles, so an exported figure says how to reproduce it (wrapped)."""
    lines, line = [], ""
    for item in (f"{k}={v}" for k, v in settings.items()):
        if line and len(line) + len(item) + 3 > width:
            lines.append(line)
            line = item
        else:
            line = f"{line} · {item}" if line else item
    return "<br>".join([*lines, line])


def _layout(title: str, settings: Mapping | None, x_title: str, y_title: str, **extra) -> dict:
    sub = settings_subtitle(settings) if settings else ""
    layout = dict(
        template=TEMPLATE,
        font=FONT,
        title=dict(text=title + (f"<br><sup>{sub}</sup>" if sub else ""), x=0.0, xanchor="left"),
        xaxis=dict(title=dict(text=x_title)),
        yaxis=dict(title=dict(text=y_title)),
        # below the axis: above the plot it collides with the settings subtitle on narrow charts
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0, title=dict(text="")),
        margin=dict(l=70, r=20, t=90 + 14 * sub.count("<br>"), b=40),
        hovermode="x unified",
        meta={"settings": dict(settings or {})},
    )
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _log_axis(values: np.ndarray) -> dict:
    """y-axis settings for values in log10 units: decade (or 1-2-5) tick labels and a padded range."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    pad = max(0.3, 0.05 * (hi - lo))
    tickvals, ticktext = log_ticks(lo, hi)
    return dict(tickmode="array", tickvals=tickvals, ticktext=ticktext, range=[lo - pad, hi + pad], zeroline=False)


def _hline(y: float, text: str, colour: str, dash: str, position: str = "left") -> tuple[dict, dict]:
    """A horizontal line across the plot with its label (a shape and an annotation)."""
    shape = dict(
        type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, line=dict(color=colour, dash=dash, width=1.5)
    )
    note = dict(
        xref="x domain",
        x=0 if position == "left" else 1,
        yref="y",
        y=y,
        text=text,
        showarrow=False,
        xanchor=position,
        yanchor="bottom",
    )
    return shape, note


def norm_chart(
    curves: pd.DataFrame,
    title: str,
    settings: Mapping | None = None,
    y_title: str = "‖∂L/∂h_t‖ (log scale)",
    bands: pd.DataFrame | None = None,
    markers: Sequence[Mapping] = (),
) -> go.Figure:
    """Lines of log10 norms against the time step.

    ``curves``: columns ``step``, ``curve`` (legend label), ``colour_key`` (a COLOURS key), ``dash``
    (solid/dash/dot), ``log10_norm``. ``bands`` (optional): ``step``, ``curve``, ``colour_key``, ``lo``, ``hi``
    in log10, drawn as shaded ranges. ``markers``: dicts with ``step`` and ``label``, drawn as vertical lines
    (e.g. where a plain float64 computation overflowed).
    """
    traces = []
    values = curves["log10_norm"].to_numpy(dtype=float)
    if bands is not None and len(bands):
        for curve, band in bands.groupby("curve", sort=False):
            colour = COLOURS.get(band["colour_key"].iloc[0], "#888")
            traces.append(
                dict(
                    type="scatter",
                    x=np.concatenate([band["step"], band["step"][::-1]]),
                    y=np.concatenate([band["hi"], band["lo"][::-1]]),
                    fill="toself",
                    fillcolor=colour,
                    opacity=0.18,
                    line=dict(width=0),
                    hoverinfo="skip",
                    name=f"{curve} (range over seeds)",
                    showlegend=True,
                )
            )
        values = np.concatenate([values, bands["lo"].to_numpy(float), bands["hi"].to_numpy(float)])
    for curve, part in curves.groupby("curve", sort=False):
        y = part["log10_norm"].to_numpy(dtype=float)
        traces.append(
            dict(
                type="scatter",
                x=part["step"].to_numpy(),
                y=np.where(np.isfinite(y), y, np.nan),
                mode="lines",
                name=str(curve),
                line=dict(
                    color=COLOURS.get(part["colour_key"].iloc[0], "#888"),
                    width=2.5,
                    dash=DASHES.get(part["dash"].iloc[0], "solid"),
                ),
                customdata=[format_log10(v) for v in y],
                hovertemplate="%{customdata}",
            )
        )
    shapes = [
        dict(
            type="line",
            xref="x",
            x0=m["step"],
            x1=m["step"],
            yref="y domain",
            y0=0,
            y1=1,
            line=dict(color="#B00020", dash="dot", width=1.5),
        )
        for m in markers
    ]
    notes = [
        dict(
            x=m["step"],
            y=1.0,
            yref="paper",
            text=m["label"],
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font=dict(color="#B00020", size=12),
            bgcolor="rgba(255,255,255,0.8)",
        )
        for m in markers
    ]
    layout = _layout(title, settings, "time step t", y_title, yaxis=_log_axis(values), shapes=shapes, annotations=notes)
    return go.Figure(data=traces, layout=layout)


def gain_chart(
    gains: pd.DataFrame,
    title: str,
    settings: Mapping | None = None,
    bound_log10: float | None = None,
    rho_log10: float | None = None,
) -> go.Figure:
    """Per-step log10 gains of the backward factors. ``gains``: ``step``, ``factor`` (a COLOURS key:
    tanh, matmul, rnn for the total), ``label``, ``log10_gain``. Horizontal lines mark log10 of the Pascanu
    bound σ_max·γ and of ρ, the long-run rate, when given."""
    traces = []
    for label, part in gains.groupby("label", sort=False):
        y = part["log10_gain"].to_numpy(dtype=float)
        traces.append(
            dict(
                type="scatter",
                x=part["step"].to_numpy(),
                y=y,
                mode="lines+markers",
                name=str(label),
                marker=dict(size=4),
                line=dict(color=COLOURS.get(part["factor"].iloc[0], "#888"), width=2),
                customdata=[format_log10(v) for v in y],
                hovertemplate="×%{customdata}",
            )
        )
    lines = []  # the two labels sit at opposite ends: σ_max = ρ for a normal matrix (orthogonal, identity)
    if bound_log10 is not None:
        lines.append((bound_log10, f"Pascanu bound σ_max·γ = {format_log10(bound_log10)}", "dash", "left"))
    if rho_log10 is not None:
        lines.append((rho_log10, f"spectral radius ρ = {format_log10(rho_log10)}", "dot", "right"))
    drawn = [_hline(y, text, COLOURS["bound"], dash, side) for y, text, dash, side in lines]
    values = np.concatenate([gains["log10_gain"].to_numpy(float), [line[0] for line in lines]])
    layout = _layout(
        title,
        settings,
        "backward step t → t-1",
        "gain per step (log scale)",
        yaxis=_log_axis(values),
        shapes=[s for s, _ in drawn],
        annotations=[n for _, n in drawn],
    )
    return go.Figure(data=traces, layout=layout)


def spectrum_chart(
    eigenvalues: pd.DataFrame,
    title: str,
    settings: Mapping | None = None,
    spectral_radius: float | None = None,
    sigma_max: float | None = None,
) -> go.Figure:
    """Eigenvalues of W_hh in the complex plane against the unit circle (and circles of radius ρ and σ_max).
    ``eigenvalues``: columns ``real``, ``imag``, ``modulus``."""
    theta = np.linspace(0, 2 * np.pi, 241)
    circles = [(1.0, "unit circle (|λ| = 1)", "#999", "solid")]
    if spectral_radius is not None:
        circles.append((spectral_radius, f"ρ = {spectral_radius:.3g}", COLOURS["rnn"], "dot"))
    if sigma_max is not None:
        circles.append((sigma_max, f"σ_max = {sigma_max:.3g}", COLOURS["bound"], "dash"))
    traces = [
        dict(
            type="scatter",
            x=r * np.cos(theta),
            y=r * np.sin(theta),
            mode="lines",
            name=name,
            line=dict(color=colour, dash=dash, width=1.5),
            hoverinfo="skip",
        )
        for r, name, colour, dash in circles
    ]
    traces.append(
        dict(
            type="scatter",
            x=eigenvalues["real"].to_numpy(),
            y=eigenvalues["imag"].to_numpy(),
            mode="markers",
            name="eigenvalues λ of W_hh",
            marker=dict(color=COLOURS["matmul"], size=8, line=dict(color="white", width=1)),
            customdata=eigenvalues["modulus"].to_numpy(),
            hovertemplate="λ = %{x:.3f} %{y:+.3f}i<br>|λ| = %{customdata:.3f}",
        )
    )
    layout = _layout(title, settings, "Re λ", "Im λ", hovermode="closest", yaxis=dict(scaleanchor="x", scaleratio=1))
    return go.Figure(data=traces, layout=layout)


def singular_value_chart(values: pd.DataFrame, title: str, settings: Mapping | None = None) -> go.Figure:
    """Singular values σ_i and eigenvalue moduli |λ_i| of W_hh, sorted. ``values``: ``index``, ``quantity``
    ("σ_i" or "|λ_i|"), ``value``."""
    colours = {"σ_i": COLOURS["bound"], "|λ_i|": COLOURS["matmul"]}
    traces = [
        dict(
            type="bar",
            x=part["index"].to_numpy(),
            y=part["value"].to_numpy(),
            name=str(quantity),
            marker=dict(color=colours.get(quantity, "#888")),
        )
        for quantity, part in values.groupby("quantity", sort=False)
    ]
    shape, note = _hline(1.0, "1", "#999", "dot", position="right")
    layout = _layout(
        title, settings, "index i (largest first)", "value", barmode="group", shapes=[shape], annotations=[note]
    )
    return go.Figure(data=traces, layout=layout)


def gate_heatmap(
    gates: pd.DataFrame, title: str, settings: Mapping | None = None, gate_label: str = "gate value"
) -> go.Figure:
    """A heatmap of one gate's values over time × unit. ``gates``: ``step``, ``unit``, ``value`` in [0, 1]."""
    grid = gates.pivot(index="unit", columns="step", values="value")
    trace = dict(
        type="heatmap",
        z=grid.to_numpy(),
        x=grid.columns.to_numpy(),
        y=grid.index.to_numpy(),
        zmin=0.0,
        zmax=1.0,
        colorscale="Viridis",
        colorbar=dict(title=dict(text=gate_label)),
        hovertemplate="t=%{x}, unit %{y}<br>" + gate_label + " = %{z:.3f}<extra></extra>",
    )
    layout = _layout(title, settings, "time step t", "hidden unit", hovermode="closest")
    return go.Figure(data=[trace], layout=layout)


def book_chart(norms: pd.DataFrame, title: str, settings: Mapping | None = None) -> go.Figure:
    """The book's figure: ``step`` (1..T backward multiplications), ``curve``, ``colour_key``, ``norm``.
    Drawn on a real log axis, as in the book (its values stay inside float range)."""
    traces = [
        dict(
            type="scatter",
            x=part["step"].to_numpy(),
            y=part["norm"].to_numpy(),
            mode="lines+markers",
            name=str(curve),
            line=dict(color=COLOURS.get(part["colour_key"].iloc[0], "#888"), width=2.5),
        )
        for curve, part in norms.groupby("curve", sort=False)
    ]
    layout = _layout(
        title,
        settings,
        "backward step (time step count)",
        "norm  sqrt(Σ dh²) / N",
        yaxis=dict(type="log", exponentformat="e"),
    )
    return go.Figure(data=traces, layout=layout)
