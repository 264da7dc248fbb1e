"""Plotly figures of gradient flow. Every builder takes tidy DataFrames and returns a ``go.Figure``.

Norms are drawn in log10 units on a linear axis with decade labels ("1e-20"), not on Plotly's log axis:
a log-domain value like 1e+477 from an exploding run has no float64, so it could not be drawn otherwise.
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
    return "<br>".join(lines + [line])


def _base_layout(fig: go.Figure, title: str, settings: Mapping | None, x_title: str, y_title: str) -> go.Figure:
    sub = settings_subtitle(settings) if settings else ""
    fig.update_layout(
        template=TEMPLATE, font=FONT,
        title=dict(text=title + (f"<br><sup>{sub}</sup>" if sub else ""), x=0.0, xanchor="left"),
        xaxis_title=x_title, yaxis_title=y_title,
        # below the axis: above the plot it collides with the settings subtitle on narrow charts
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0, title_text=""),
        margin=dict(l=70, r=20, t=90 + 14 * sub.count("<br>"), b=40), hovermode="x unified",
        meta={"settings": dict(settings or {})},
    )
    return fig


def _apply_log_axis(fig: go.Figure, values: np.ndarray, **axis) -> None:
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    pad = max(0.3, 0.05 * (hi - lo))
    tickvals, ticktext = log_ticks(lo, hi)
    fig.update_yaxes(tickmode="array", tickvals=tickvals, ticktext=ticktext, range=[lo - pad, hi + pad],
                     zeroline=False, **axis)


def norm_chart(curves: pd.DataFrame, title: str, settings: Mapping | None = None,
               y_title: str = "‖∂L/∂h_t‖ (log scale)", bands: pd.DataFrame | None = None,
               markers: Sequence[Mapping] = ()) -> go.Figure:
    """Lines of log10 norms against the time step.

    ``curves``: columns ``step``, ``curve`` (legend label), ``colour_key`` (a COLOURS key), ``dash``
    (solid/dash/dot), ``log10_norm``. ``bands`` (optional): ``step``, ``curve``, ``colour_key``, ``lo``, ``hi``
    in log10, drawn as shaded ranges. ``markers``: dicts with ``step`` and ``label``, drawn as vertical lines
    (e.g. where a plain float64 computation overflowed).
    """
    fig = go.Figure()
    if bands is not None and len(bands):
        for curve, band in bands.groupby("curve", sort=False):
            colour = COLOURS.get(band["colour_key"].iloc[0], "#888")
            fig.add_trace(go.Scatter(
                x=np.concatenate([band["step"], band["step"][::-1]]),
                y=np.concatenate([band["hi"], band["lo"][::-1]]),
                fill="toself", fillcolor=colour, opacity=0.18, line=dict(width=0), hoverinfo="skip",
                name=f"{curve} (range over seeds)", showlegend=True))
    for curve, part in curves.groupby("curve", sort=False):
        y = part["log10_norm"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            x=part["step"], y=np.where(np.isfinite(y), y, np.nan), mode="lines", name=str(curve),
            line=dict(color=COLOURS.get(part["colour_key"].iloc[0], "#888"), width=2.5,
                      dash=DASHES.get(part["dash"].iloc[0], "solid")),
            customdata=[format_log10(v) for v in y], hovertemplate="%{customdata}"))
    for m in markers:
        fig.add_vline(x=m["step"], line=dict(color="#B00020", dash="dot", width=1.5))
        fig.add_annotation(x=m["step"], y=1.0, yref="paper", text=m["label"], showarrow=False, xanchor="left",
                           yanchor="top", font=dict(color="#B00020", size=12), bgcolor="rgba(255,255,255,0.8)")
    values = curves["log10_norm"].to_numpy(dtype=float)
    if bands is not None and len(bands):
        values = np.concatenate([values, bands["lo"].to_numpy(float), bands["hi"].to_numpy(float)])
    _base_layout(fig, title, settings, "time step t", y_title)
    _apply_log_axis(fig, values)
    return fig


def gain_chart(gains: pd.DataFrame, title: str, settings: Mapping | None = None,
               bound_log10: float | None = None, rho_log10: float | None = None) -> go.Figure:
    """Per-step log10 gains of the backward factors. ``gains``: ``step``, ``factor`` (a COLOURS key:
    tanh, matmul, rnn for the total), ``label``, ``log10_gain``. Horizontal lines mark log10 of the Pascanu
    bound σ_max·γ and of ρ, the long-run rate, when given."""
    fig = go.Figure()
    for label, part in gains.groupby("label", sort=False):
        y = part["log10_gain"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            x=part["step"], y=y, mode="lines+markers", name=str(label), marker=dict(size=4),
            line=dict(color=COLOURS.get(part["factor"].iloc[0], "#888"), width=2),
            customdata=[format_log10(v) for v in y], hovertemplate="×%{customdata}"))
    lines = []
    if bound_log10 is not None:
        lines.append((bound_log10, f"Pascanu bound σ_max·γ = {format_log10(bound_log10)}", "dash"))
    if rho_log10 is not None:
        lines.append((rho_log10, f"spectral radius ρ = {format_log10(rho_log10)}", "dot"))
    for y, text, dash in lines:
        fig.add_hline(y=y, line=dict(color=COLOURS["bound"], dash=dash, width=1.5),
                      annotation_text=text, annotation_position="top left")
    _base_layout(fig, title, settings, "backward step t → t-1", "gain per step (log scale)")
    values = np.concatenate([gains["log10_gain"].to_numpy(float), [v for v, _, _ in lines]])
    _apply_log_axis(fig, values)
    return fig


def spectrum_chart(eigenvalues: pd.DataFrame, title: str, settings: Mapping | None = None,
                   spectral_radius: float | None = None, sigma_max: float | None = None) -> go.Figure:
    """Eigenvalues of W_hh in the complex plane against the unit circle (and circles of radius ρ and σ_max).
    ``eigenvalues``: columns ``real``, ``imag``, ``modulus``."""
    fig = go.Figure()
    theta = np.linspace(0, 2 * np.pi, 241)
    circles = [(1.0, "unit circle (|λ| = 1)", "#999", "solid")]
    if spectral_radius is not None:
        circles.append((spectral_radius, f"ρ = {spectral_radius:.3g}", COLOURS["rnn"], "dot"))
    if sigma_max is not None:
        circles.append((sigma_max, f"σ_max = {sigma_max:.3g}", COLOURS["bound"], "dash"))
    for r, name, colour, dash in circles:
        fig.add_trace(go.Scatter(x=r * np.cos(theta), y=r * np.sin(theta), mode="lines", name=name,
                                 line=dict(color=colour, dash=dash, width=1.5), hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=eigenvalues["real"], y=eigenvalues["imag"], mode="markers", name="eigenvalues λ of W_hh",
        marker=dict(color=COLOURS["matmul"], size=8, line=dict(color="white", width=1)),
        customdata=eigenvalues["modulus"], hovertemplate="λ = %{x:.3f} %{y:+.3f}i<br>|λ| = %{customdata:.3f}"))
    _base_layout(fig, title, settings, "Re λ", "Im λ")
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def singular_value_chart(values: pd.DataFrame, title: str, settings: Mapping | None = None) -> go.Figure:
    """Singular values σ_i and eigenvalue moduli |λ_i| of W_hh, sorted. ``values``: ``index``, ``quantity``
    ("σ_i" or "|λ_i|"), ``value``."""
    fig = go.Figure()
    colours = {"σ_i": COLOURS["bound"], "|λ_i|": COLOURS["matmul"]}
    for quantity, part in values.groupby("quantity", sort=False):
        fig.add_trace(go.Bar(x=part["index"], y=part["value"], name=str(quantity),
                             marker_color=colours.get(quantity, "#888")))
    fig.add_hline(y=1.0, line=dict(color="#999", dash="dot"), annotation_text="1",
                  annotation_position="top right")
    _base_layout(fig, title, settings, "index i (largest first)", "value")
    fig.update_layout(barmode="group")
    return fig


def gate_heatmap(gates: pd.DataFrame, title: str, settings: Mapping | None = None,
                 gate_label: str = "gate value") -> go.Figure:
    """A heatmap of one gate's values over time × unit. ``gates``: ``step``, ``unit``, ``value`` in [0, 1]."""
    grid = gates.pivot(index="unit", columns="step", values="value")
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=grid.columns.to_numpy(), y=grid.index.to_numpy(), zmin=0.0, zmax=1.0,
        colorscale="Viridis", colorbar=dict(title=gate_label),
        hovertemplate="t=%{x}, unit %{y}<br>" + gate_label + " = %{z:.3f}<extra></extra>"))
    _base_layout(fig, title, settings, "time step t", "hidden unit")
    fig.update_layout(hovermode="closest")
    return fig


def book_chart(norms: pd.DataFrame, title: str, settings: Mapping | None = None) -> go.Figure:
    """The book's figure: ``step`` (1..T backward multiplications), ``curve``, ``colour_key``, ``norm``.
    Drawn on a real log axis, as in the book (its values stay inside float range)."""
    fig = go.Figure()
    for curve, part in norms.groupby("curve", sort=False):
        fig.add_trace(go.Scatter(x=part["step"], y=part["norm"], mode="lines+markers", name=str(curve),
                                 line=dict(color=COLOURS.get(part["colour_key"].iloc[0], "#888"), width=2.5)))
    _base_layout(fig, title, settings, "backward step (time step count)", "norm  sqrt(Σ dh²) / N")
    fig.update_yaxes(type="log", exponentformat="e")
    return fig
