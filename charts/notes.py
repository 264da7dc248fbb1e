"""Charts of what the study notes teach: ReLU against tanh over init schemes and ρ, and the chapter's long
dependency ("Tom … Mary said hi to ?") beside the lab's adding problem.

Pure: tidy DataFrames in, Plotly figures out, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import base_layout, ref_line
from .style import COLOURS, FALLBACK_COLOUR, HEIGHT, TEMPLATE, figure

SCHEME_COLOURS = {
    "pytorch": COLOURS["rnn"],
    "gaussian": COLOURS["matmul"],
    "orthogonal": COLOURS["gru"],
    "identity": COLOURS["lstm"],
}
GREY = "#B8BEC8"


def relu_tanh_chart(
    summary: pd.DataFrame,
    title: str,
    settings: Mapping[str, Any] | None = None,
    *,
    names: Mapping[str, str],
    x_title: str = "spectral radius ρ of W_hh",
    y_title: str = "runs where ReLU keeps more than tanh (%)",
    half_name: str = "half the runs",
    hover: str = "ReLU keeps more in %{customdata[0]} of %{customdata[1]} runs",
) -> go.Figure:
    """One line per init scheme: the share of seeds in which ReLU keeps more of ‖∂L/∂h_t‖ back at t = 0 than tanh
    on the same W_hh, against ρ; a dotted line at 50 %.

    ``summary``: ``scheme``, ``rho``, ``relu_more``, ``n`` (explorer/theory/data.py: ActivationResult.summary).
    ``names``: scheme -> legend label, in drawing order (schemes not listed are left out)."""
    traces: list[dict[str, Any]] = []
    for scheme, name in names.items():
        part = summary[summary["scheme"] == scheme].sort_values("rho")
        n = part["n"].to_numpy(dtype=float)
        share = np.where(n > 0, 100.0 * part["relu_more"].to_numpy(dtype=float) / np.where(n > 0, n, 1.0), np.nan)
        traces.append(
            dict(
                type="scatter",
                x=part["rho"].to_numpy(dtype=float),
                y=share,
                mode="lines+markers",
                name=name,
                line=dict(color=SCHEME_COLOURS.get(scheme, FALLBACK_COLOUR), width=2.5),
                marker=dict(size=8),
                customdata=np.stack([part["relu_more"].to_numpy(), part["n"].to_numpy()], axis=1),
                hovertemplate=f"ρ = %{{x}}: {hover}<extra>{name}</extra>",
            )
        )
    rhos = summary["rho"].to_numpy(dtype=float)
    lo, hi = (float(rhos.min()), float(rhos.max())) if rhos.size else (0.0, 1.0)
    traces.append(ref_line(lo, hi, 50.0, half_name, "dot", COLOURS["bound"]))
    layout = base_layout(title, settings, x_title, y_title, hovermode="closest", yaxis=dict(range=[-5, 105]))
    return figure(traces, layout)


def long_dependency_chart(
    words: Sequence[str],
    source: int,
    adding: pd.DataFrame,
    title: str,
    *,
    names: Mapping[str, str],
    x_titles: tuple[str, str] = ("token position", "time step t (the adding problem)"),
    arrow_texts: tuple[str, str] = ("{k} tokens back", "{k} steps back"),
) -> go.Figure:
    """The chapter's sentence and one sequence of the adding problem, each with an arrow from its answer back to
    the step it depends on.

    ``words``: the sentence as tokens, its last one the answer's place ("?"); ``source``: the index of the word the
    answer is (the book's "Tom"). ``adding``: columns ``t`` (1 … T, then T + 1 for the answer), ``value`` (the
    input, or the target sum at T + 1), ``role`` ("input", "marked", "answer"). The arrow of the lower row points
    from the answer back to the earliest marked step. ``names``: "sentence", "source", "answer", "input",
    "marked", "target" -> legend labels. ``arrow_texts``: formats with ``{k}``, the steps between the two."""
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.24, row_heights=[0.45, 0.55])
    n = len(words)
    answer = n - 1
    pos = np.arange(n)
    colours = [COLOURS["lstm"] if i == source else (COLOURS["rnn"] if i == answer else "#2a3f5f") for i in pos]
    fig.add_trace(
        go.Scatter(
            x=pos,
            y=0.45 - 0.45 * (pos % 3),  # three staggered lines: neighbouring words do not overlap, even on a phone
            mode="text",
            text=list(words),
            textfont=dict(size=13, color=colours),
            name=names.get("sentence", "sentence"),
            hoverinfo="skip",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    for idx, key, colour in ((source, "source", COLOURS["lstm"]), (answer, "answer", COLOURS["rnn"])):
        fig.add_trace(
            go.Scatter(
                x=[idx],
                y=[-0.85],
                mode="markers",
                marker=dict(symbol="triangle-up", size=11, color=colour),
                name=names.get(key, key),
                hovertemplate=f"{words[idx]}<extra>{names.get(key, key)}</extra>",
            ),
            row=1,
            col=1,
        )
    styles = {"input": (GREY, "input"), "marked": (COLOURS["lstm"], "marked"), "answer": (COLOURS["rnn"], "target")}
    for role, (colour, key) in styles.items():
        part = adding[adding["role"] == role]
        fig.add_trace(
            go.Bar(
                x=part["t"].to_numpy(),
                y=part["value"].to_numpy(dtype=float),
                marker=dict(color=colour),
                width=0.8,  # every bar one step wide (two marked bars alone would span the gap between them)
                name=names.get(key, key),
                hovertemplate="t = %{x}: %{y:.3f}<extra>" + names.get(key, key) + "</extra>",
            ),
            row=2,
            col=1,
        )
    marked = adding.loc[adding["role"] == "marked", "t"].to_numpy()
    target = adding.loc[adding["role"] == "answer"]
    t_answer = int(target["t"].iloc[0]) if len(target) else int(adding["t"].max())
    # each arrow a two-point trace ending in an arrowhead, named in the legend (no text on the plot)
    arrows = [(answer, source, 0.85, 1, arrow_texts[0].format(k=answer - source))]
    if marked.size:
        first = int(marked.min())
        above = float(np.nanmax(adding["value"].to_numpy(dtype=float))) + 0.3  # over every bar
        arrows.append((t_answer, first, above, 2, arrow_texts[1].format(k=t_answer - first)))
    for x0, x1, y, row, text in arrows:
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y, y],
                mode="lines+markers",
                line=dict(color=COLOURS["rnn"], width=2),
                marker=dict(symbol=["circle", "arrow"], size=[7, 14], angleref="previous", color=COLOURS["rnn"]),
                name=text,
                hoverinfo="skip",
            ),
            row=row,
            col=1,
        )
    layout = base_layout(title, None, x_titles[1], "", hovermode="closest", barmode="overlay")
    layout.pop("xaxis", None)
    layout.pop("yaxis", None)
    fig.update_layout(**layout)
    fig.update_layout(template=TEMPLATE, height=HEIGHT)
    fig.update_xaxes(title_text=x_titles[0], range=[-1.2, n + 0.2], showgrid=False, zeroline=False, row=1, col=1)
    fig.update_yaxes(visible=False, range=[-1.05, 1.05], row=1, col=1)
    fig.update_xaxes(title_text=x_titles[1], row=2, col=1)
    top = float(np.nanmax(adding["value"].to_numpy(dtype=float))) if len(adding) else 1.0
    fig.update_yaxes(range=[0, top + 0.7], row=2, col=1)
    return fig
