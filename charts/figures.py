"""Plotly figures of gradient flow. Every builder takes tidy DataFrames (and labels) and returns a ``go.Figure``.

Norms are drawn in log10 units on a linear axis with 10ⁿ tick labels, not on Plotly's log axis: a log-domain
value like 10⁴⁷⁷ from an exploding run has no float64, so it could not be drawn otherwise.

The x axis is either the time step t (0 … T, the loss on the right) or, as in the book's figure, the number of
backward steps from the loss (``back`` = T − t, 0 at the loss on the left): pick it with ``x``.

Labels (legend names, axis titles, the chart title) come from the caller, in the reader's language. Reference
lines (the Pascanu bound, ρ, 1) are legend entries, never text on the plot, so nothing covers a curve.

Each builder assembles its traces and one layout dict, then constructs the figure once: Plotly validates every
``update_layout``/``add_hline`` call separately, and that cost ~25 ms of each rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import (
    COLOURS,
    FALLBACK_COLOUR,
    FONT,
    HEIGHT,
    ROLE_DASH,
    TEMPLATE,
    VIRIDIS,
    every_kth,
    figure,
    finite_range,
    format_log10,
    log10_axis,
    log10_texts,
    one_in_k,
    title_note,
    whole_number_ticks,
    wrap,
)

Curve = Mapping[str, Any]  # {"id", "name", "colour_key", "role"}
# Cells a gate heatmap draws (units × steps): T = 1000, H = 256 drew 256,000 (3.4 MB of JSON each, five on the LSTM
# page, in every reader's browser and in the server's memory while it sends them); past this, one step in k.
MAX_GATE_CELLS = 40_000
MARKER_COLOUR = "#B00020"


TITLE_WIDTH = 42  # columns (Hangul two): one line on most charts, and it fits a 390 px phone
FOOTER_WIDTH = 64  # columns of the settings footer, in its smaller type


def settings_subtitle(settings: Mapping[str, Any], width: int = 48) -> str:
    """'T=50 · H=32 · seed=0 · …' for titles, so an exported figure says how to reproduce it (wrapped to fit a
    phone in the subtitle's smaller type)."""
    return wrap(" · ".join(f"{k}={v}" for k, v in settings.items()), width, sep=" · ")


FOOTER_FONT = 11  # px: the settings line under the x axis title


def base_layout(
    title: str, settings: Mapping[str, Any] | None, x_title: str, y_title: str, **extra: Any
) -> dict[str, Any]:
    """Every chart's layout: the template, a one-line title (two on a long one) set in from the left edge, the
    axis titles, the settings in a small footer under the x axis title (so an export says how to make it again;
    also ``meta.settings``), and the legend at the bottom of the figure, below both; ``extra`` merges into it (a
    dict into a dict)."""
    sub = settings_subtitle(settings, width=FOOTER_WIDTH) if settings else ""
    head = wrap(title, TITLE_WIDTH)
    n_lines = head.count("<br>") + 1
    footer = f"<br><span style='font-size:{FOOTER_FONT}px;color:#667'>{sub}</span>" if sub else ""
    layout: dict[str, Any] = dict(
        template=TEMPLATE,
        font=FONT,
        height=HEIGHT,
        # Plotly anchors a multi-line title by its first line's baseline: start that line one line-height below the
        # top of the figure, and the margin below makes room for the rest
        title=dict(
            text=head,
            font=dict(size=15),
            x=0.0,
            xanchor="left",
            pad=dict(l=12),
            yref="container",
            y=1.0 - 24 / HEIGHT,
            yanchor="middle",
        ),
        xaxis=dict(title=dict(text=x_title + footer)),
        yaxis=dict(title=dict(text=y_title)),
        # at the bottom of the figure (its margin grows to hold it): below the axis title and the footer, never over
        # them on a phone
        legend=dict(
            orientation="h", yref="container", y=0.0, yanchor="bottom", xanchor="left", x=0.0, title=dict(text="")
        ),
        margin=dict(l=70, r=24, t=28 + 24 * n_lines, b=30),
        hovermode="x unified",
        # the parts a slide lays out again (charts/slides.py), without this layout's line breaks
        meta={"settings": dict(settings or {}), "title": title, "x_title": x_title},
    )
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def ref_line(x_lo: float, x_hi: float, y: float, name: str, dash: str, colour: str) -> dict[str, Any]:
    """A horizontal reference line as a legend entry (a two-point trace), not a label on the plot."""
    return dict(
        type="scatter",
        x=[x_lo, x_hi],
        y=[y, y],
        mode="lines",
        name=name,
        hoverinfo="skip",
        line=dict(color=colour, dash=dash, width=1.5),
    )


def _mode(n: int) -> str:
    return "lines+markers" if n <= 2 else "lines"  # a lone point or two would not show as a line


def norm_chart(
    curves: pd.DataFrame,
    info: Sequence[Curve],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "time step t",
    y_title: str = "‖∂L/∂h_t‖ (log scale)",
    bands: pd.DataFrame | None = None,
    band_names: Mapping[str, str] | None = None,
    markers: Sequence[Mapping[str, Any]] = (),
) -> go.Figure:
    """Lines of log10 norms against time (``x="t"``) or backward steps from the loss (``x="back"``).

    ``curves``: columns ``t``, ``back``, ``curve`` (an id), ``log10_norm``. ``info``: one dict per curve id, in
    drawing order, with ``id``, ``name`` (legend label), ``colour_key`` (a COLOURS key) and ``role`` ("full" solid,
    "path" dashed, "variant" dotted). ``bands`` (optional): ``t``, ``back``, ``curve`` (an id), ``lo``, ``hi`` in
    log10, drawn as shaded ranges named by ``band_names``. ``markers``: dicts with ``t`` and ``label``, drawn as
    vertical lines (where a plain float64 computation overflowed), each a legend entry.
    """
    traces: list[dict[str, Any]] = []
    values = [curves["log10_norm"].to_numpy(dtype=float)]
    if bands is not None and len(bands):
        for curve_id, band in bands.groupby("curve", sort=False):
            colour = COLOURS.get(str(curve_id), FALLBACK_COLOUR)
            xs = band[x].to_numpy()
            traces.append(
                dict(
                    type="scatter",
                    x=np.concatenate([xs, xs[::-1]]),
                    y=np.concatenate([band["hi"].to_numpy(), band["lo"].to_numpy()[::-1]]),
                    fill="toself",
                    fillcolor=colour,
                    opacity=0.25,
                    line=dict(width=0.5, color=colour),
                    hoverinfo="skip",
                    name=(band_names or {}).get(str(curve_id), f"{curve_id} (range over seeds)"),
                    showlegend=True,
                )
            )
            values += [band["lo"].to_numpy(float), band["hi"].to_numpy(float)]
    grouped = {str(k): part for k, part in curves.groupby("curve", sort=False)}
    for c in info:
        part = grouped.get(str(c["id"]))
        if part is None:
            continue
        part = part.sort_values(x)  # left to right, whichever the orientation
        y = part["log10_norm"].to_numpy(dtype=float)
        traces.append(
            dict(
                type="scatter",
                x=part[x].to_numpy(),
                y=np.where(np.isfinite(y), y, np.nan),
                mode=_mode(len(y)),
                name=str(c["name"]),
                hovertemplate="%{customdata}",
                customdata=log10_texts(y),
                line=dict(
                    color=COLOURS.get(str(c["colour_key"]), FALLBACK_COLOUR),
                    width=2.5,
                    dash=ROLE_DASH.get(str(c["role"]), "solid"),
                ),
            )
        )
    all_values = np.concatenate(values)
    y_lo, y_hi = finite_range(all_values)
    T = int(curves["t"].max()) if len(curves) else 0
    for m in markers:
        mx = m["t"] if x == "t" else T - m["t"]
        traces.append(
            dict(
                type="scatter",
                x=[mx, mx],
                y=[y_lo, y_hi],
                mode="lines",
                name=str(m["label"]),
                hoverinfo="skip",
                line=dict(color=MARKER_COLOUR, dash="dashdot", width=1.5),
            )
        )
    layout = base_layout(title, settings, x_title, y_title, yaxis=log10_axis(all_values))
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)


def gain_chart(
    gains: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x: str = "t",
    x_title: str = "backward step t → t−1",
    y_title: str = "gain per step (log scale)",
    bound_log10: float | None = None,
    rho_log10: float | None = None,
    bound_name: str = "Pascanu bound σ_max·γ",
    rho_name: str = "spectral radius ρ",
) -> go.Figure:
    """Per-step log10 gains of the backward factors. ``gains``: ``t``, ``back``, ``factor`` ("phi", "matmul",
    "total"), ``log10_gain``; ``names`` maps each factor to its legend label. Horizontal lines (legend entries)
    mark log10 of the Pascanu bound σ_max·γ and of ρ, the long-run rate, when given."""
    colours = {"phi": COLOURS["tanh"], "matmul": COLOURS["matmul"], "total": COLOURS["rnn"]}
    traces: list[dict[str, Any]] = []
    for factor, part in gains.groupby("factor", sort=False):
        y = part["log10_gain"].to_numpy(dtype=float)
        traces.append(
            dict(
                type="scatter",
                x=part[x].to_numpy(),
                y=y,
                mode="lines+markers",
                name=names.get(str(factor), str(factor)),
                marker=dict(size=4),
                line=dict(color=colours.get(str(factor), FALLBACK_COLOUR), width=2),
                customdata=log10_texts(y),
                hovertemplate="×%{customdata}",
            )
        )
    xs = gains[x].to_numpy(dtype=float)
    x_lo, x_hi = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    lines = [
        (v, f"{name} = {format_log10(v)}", dash)
        for v, name, dash in ((bound_log10, bound_name, "dash"), (rho_log10, rho_name, "dot"))
        if v is not None
    ]
    traces += [ref_line(x_lo, x_hi, v, text, dash, COLOURS["bound"]) for v, text, dash in lines]
    values = np.concatenate([gains["log10_gain"].to_numpy(float), [line[0] for line in lines]])
    layout = base_layout(title, settings, x_title, y_title, yaxis=log10_axis(values))
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)


def spectrum_chart(
    eigenvalues: pd.DataFrame,
    title: str,
    settings: Mapping[str, Any] | None = None,
    spectral_radius: float | None = None,
    sigma_max: float | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Eigenvalues of W_hh in the complex plane against the unit circle (and circles of radius ρ and σ_max).
    ``eigenvalues``: columns ``real``, ``imag``, ``modulus``. ``names`` may relabel "unit", "eig"."""
    n = names or {}
    theta = np.linspace(0, 2 * np.pi, 241)
    circles = [(1.0, n.get("unit", "unit circle (|λ| = 1)"), "#999", "solid")]
    if spectral_radius is not None:
        circles.append((spectral_radius, f"ρ = {spectral_radius:.3g}", COLOURS["rnn"], "dot"))
    if sigma_max is not None:
        circles.append((sigma_max, f"σ_max = {sigma_max:.3g}", COLOURS["bound"], "dash"))
    traces: list[dict[str, Any]] = [
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
            name=n.get("eig", "eigenvalues λ of W_hh"),
            marker=dict(color=COLOURS["matmul"], size=8, line=dict(color="white", width=1)),
            customdata=eigenvalues["modulus"].to_numpy(),
            hovertemplate="λ = %{x:.3f} %{y:+.3f}i<br>|λ| = %{customdata:.3f}",
        )
    )
    layout = base_layout(
        title, settings, "Re λ", "Im λ", hovermode="closest", yaxis=dict(scaleanchor="x", scaleratio=1)
    )
    return figure(traces, layout)


def singular_value_chart(
    values: pd.DataFrame,
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x_title: str = "index i (largest first)",
    y_title: str = "value",
    one_name: str = "1",
) -> go.Figure:
    """Singular values σ_i and eigenvalue moduli |λ_i| of W_hh, sorted. ``values``: ``index``, ``quantity``
    ("σ_i" or "|λ_i|"), ``value``. A dotted line (a legend entry) marks 1."""
    colours = {"σ_i": COLOURS["bound"], "|λ_i|": COLOURS["matmul"]}
    traces: list[dict[str, Any]] = [
        dict(
            type="bar",
            x=part["index"].to_numpy(),
            y=part["value"].to_numpy(),
            name=str(quantity),
            marker=dict(color=colours.get(str(quantity), FALLBACK_COLOUR)),
        )
        for quantity, part in values.groupby("quantity", sort=False)
    ]
    idx = values["index"].to_numpy(dtype=float)
    lo, hi = (float(idx.min()) - 0.5, float(idx.max()) + 0.5) if idx.size else (0.5, 1.5)
    traces.append(ref_line(lo, hi, 1.0, one_name, "dot", "#999"))
    layout = base_layout(title, settings, x_title, y_title, barmode="group")
    return figure(traces, layout)


def gate_heatmap(
    values: np.ndarray,
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    steps: np.ndarray | None = None,
    units: np.ndarray | None = None,
    from_loss: bool = False,
    x_title: str = "time step t",
    y_title: str = "hidden unit",
    gate_label: str = "gate value",
    lang: str = "en",
    max_cells: int = MAX_GATE_CELLS,
) -> go.Figure:
    """A heatmap of one gate's values in [0, 1] over time × unit: ``values`` (steps × units), ``steps`` its x values
    (default t = 1 … T), ``units`` (default 0 … H − 1); ``from_loss``: the steps count back from the loss (its step
    is the first). A page keeps a gate as this (T, H) grid, a third of its long (t, unit, value) table's bytes. Past
    ``max_cells`` cells it draws one step in k (the loss's step kept) and says so under the title; the CSV keeps
    every step."""
    n_steps, n_units = values.shape
    steps = np.arange(1, n_steps + 1) if steps is None else np.asarray(steps)
    units = np.arange(n_units) if units is None else np.asarray(units)
    k = max(1, -(-values.size // max(1, max_cells)))
    # the loss's step is the last t, or back = 0 (the first column in the book's orientation)
    cols = every_kth(n_steps, k, from_first=from_loss)
    trace = dict(
        type="heatmap",
        z=np.asarray(values, dtype=float)[cols].T,
        x=steps[cols],
        y=units,
        zmin=0.0,
        zmax=1.0,
        colorscale=VIRIDIS,
        colorbar=dict(title=dict(text=gate_label)),
        hovertemplate=f"{'back' if from_loss else 't'}=%{{x}}, unit %{{y}}<br>{gate_label} = %{{z:.3f}}<extra></extra>",
    )
    layout = base_layout(title, settings, x_title, y_title, hovermode="closest")
    layout["xaxis"].update(whole_number_ticks([trace]))
    if k > 1:
        title_note(
            layout, one_in_k(k, lang) + (" (CSV에는 모든 시각)" if lang == "ko" else " (the CSV has every step)")
        )
    return figure([trace], layout)


def book_chart(
    norms: pd.DataFrame,
    names: Mapping[float, str],
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    x_title: str = "backward steps from the loss (the book's time step)",
    y_title: str = "norm √Σdh² / N (log scale)",
    log_y: bool = True,
) -> go.Figure:
    """The book's figure: ``back`` (1 … T backward multiplications), ``scale``, ``norm``; one curve per scale,
    named by ``names``. Drawn in log10 units with the same 10ⁿ ticks as every norm chart, or (``log_y=False``) on a
    linear axis, as the book's own figure is."""
    colours = {1.0: COLOURS["rnn"], 0.5: COLOURS["matmul"]}
    traces: list[dict[str, Any]] = []
    logs = []
    for scale, part in norms.groupby("scale", sort=False):
        norm = part["norm"].to_numpy(dtype=float)
        y = np.log10(norm) if log_y else norm
        logs.append(np.log10(norm))
        traces.append(
            dict(
                type="scatter",
                x=part["back"].to_numpy(),
                y=y,
                mode="lines+markers",
                name=names.get(float(scale), f"scale {scale:g}"),
                customdata=part["norm"].to_numpy(),
                hovertemplate="%{customdata:.6g}",
                line=dict(color=colours.get(float(scale), FALLBACK_COLOUR), width=2.5),
            )
        )
    values = np.concatenate(logs) if logs else np.zeros(1)
    yaxis = log10_axis(values) if log_y else dict(type="linear", rangemode="tozero")
    layout = base_layout(title, settings, x_title, y_title, yaxis=yaxis)
    layout["xaxis"].update(whole_number_ticks(traces))
    return figure(traces, layout)
