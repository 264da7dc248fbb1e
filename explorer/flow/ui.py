"""Page sections shared by the RNN, LSTM and GRU pages (Streamlit wiring): every gate over time, and what the
weights still learn from each step."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import charts
from charts import gates as gcharts

from ..shared import ui
from ..shared.controls import VIEW_CONTROLS, Settings
from ..shared.ui import Context
from . import cached, claims
from .data import CompareResult, Contributions, GateResult, RNNResult, chains_are_products, gate_frame

GATE_LABELS = {"i": ("input gate i", "입력 게이트 i"), "f": ("forget gate f", "망각 게이트 f"),
               "g": ("new memory g", "새로운 기억 g"), "o": ("output gate o", "출력 게이트 o"),
               "r": ("reset gate r", "리셋 게이트 r"), "z": ("update gate z", "업데이트 게이트 z")}  # fmt: skip


def every_gate(ctx: Context, result: GateResult, fetch: Callable[[], GateResult], kind: str) -> None:
    """Every gate of an LSTM (i, f, g, o) or GRU (r, z): per-step mean ± spread, or heatmaps; and what each does.
    ``fetch``: the cached call that gave ``result`` (the downloads build their files from it again)."""
    tr, k = ctx.tr, 1 if ctx.lang == "ko" else 0
    if result.gate_stats is None or result.gate_maps is None:
        return
    name = kind.upper()
    st.subheader(tr(f"Every gate of the {name}", f"{name}의 모든 게이트"))
    spec = next(c for c in VIEW_CONTROLS if c.key == f"{kind}_gates")
    mode = str(ui.widget(spec, ctx.lang))
    names = {g: GATE_LABELS[g][k] for g in result.gate_maps}
    if mode == "band":
        title = tr(f"{name} gates: per-step mean and 10–90 % range", f"{name} 게이트: 시각별 평균과 10–90 % 범위")
        ui.view_chart(_gate_band, result, fetch, names, name=f"{kind}_gates_band", ctx=ctx, title=title)
    else:
        cols = st.columns(2)
        for j, gate in enumerate(result.gate_maps):
            title = tr(f"{name} {GATE_LABELS[gate][0]} (sample 1)", f"{name} {GATE_LABELS[gate][1]} (샘플 1)")
            with cols[j % 2]:
                gate_map(ctx, result, fetch, title, f"{kind}_gate_{gate}", gate, every=True)
    for line in claims.render(claims.gate_role_claims(result, kind), ctx.lang):
        st.markdown(f"- {line}")


def _gate_band(result: GateResult, ctx: Context, title: str, caption: dict[str, Any],
               names: dict[str, str]) -> tuple[go.Figure, pd.DataFrame]:  # fmt: skip
    x, x_title = ui.axis_titles(ctx)
    fig = gcharts.gate_band_chart(result.gate_stats, names, title, caption, x=x, x_title=x_title,
                                  y_title=ctx.tr("gate value", "게이트 값"))  # fmt: skip
    return fig, result.gate_stats


def gate_map(ctx: Context, result: GateResult, fetch: Callable[[], GateResult], title: str, name: str,
             gate_label: str, every: bool = False) -> None:  # fmt: skip
    """One sample's gate over time × unit: the page's own gate (``result.heatmap``), or with ``every`` the map of
    ``gate_label`` among every gate's; the heatmap and its exports, the CSV's long table built only when it is
    downloaded."""
    ui.view_chart(_gate_map, result, fetch, gate_label, every, name=name, ctx=ctx, title=title)


def gate_grid(result: GateResult, gate_label: str, every: bool) -> np.ndarray:
    """The (T, H) grid of sample 1 that a gate map draws."""
    if not every:
        return result.heatmap
    assert result.gate_maps is not None
    return result.gate_maps[gate_label][:, 0, :]


def _gate_map(result: GateResult, ctx: Context, title: str, caption: dict[str, Any], gate_label: str,
              every: bool) -> tuple[go.Figure, Callable[[], pd.DataFrame]]:  # fmt: skip
    values, tr = gate_grid(result, gate_label, every), ctx.tr
    fig = charts.gate_heatmap(values, title, caption, x_title=tr("time step t", "시각 t"),
                              y_title=tr("hidden unit", "은닉 유닛"), gate_label=gate_label,
                              lang=ctx.lang)  # fmt: skip
    return fig, functools.partial(gate_frame, values)


def paths(view: Any, ctx: Context, title: str, caption: dict[str, Any], y_title: str,
          bands: pd.DataFrame | None = None, band_names: Mapping[str, str] | None = None,
          ) -> tuple[go.Figure, pd.DataFrame]:  # fmt: skip
    """A view's ``flow`` (its curves of the gradient's norm back through time) as a chart and its CSV rows."""
    flow = view.flow
    x, x_title = ui.axis_titles(ctx)
    fig = charts.norm_chart(flow.curves, ui.curve_info(flow.info, ctx.lang), title, caption, x=x, x_title=x_title,
                            y_title=y_title, bands=bands, band_names=band_names,
                            markers=ui.marker_list(flow.markers, ctx.lang))  # fmt: skip
    return fig, ui.export_table(flow, bands)  # what the band draws goes into the CSV too


def rnn_gains(result: RNNResult, ctx: Context, title: str, caption: dict[str, Any]) -> tuple[go.Figure, pd.DataFrame]:
    """Per-step gains of the RNN's two factors and their product, with the Pascanu bound and ρ."""
    tr, act = ctx.tr, ctx.settings.nonlinearity
    x, _ = ui.axis_titles(ctx)
    names = {"phi": tr(f"{act}′ factor", f"{act}′ 인자"), "matmul": tr("W_hh factor", "W_hh 인자"),
             "total": tr("total (their product)", "전체 (두 인자의 곱)")}  # fmt: skip
    x_title = tr("backward steps from the loss", "손실에서 거슬러 간 시각 수") if x == "back" else tr(
        "backward step t → t−1", "역전파 단계 t → t−1")  # fmt: skip
    fig = charts.gain_chart(result.gains, names, title, caption, x=x, x_title=x_title,
                            y_title=tr("gain per step (log scale)", "시각별 증폭률 (로그 눈금)"),
                            bound_log10=result.log10_bound, rho_log10=result.log10_rho,
                            bound_name=tr("Pascanu bound σ_max·γ", "Pascanu 상한 σ_max·γ"),
                            rho_name=tr("spectral radius ρ", "스펙트럼 반경 ρ"))  # fmt: skip
    return fig, result.gains


def rnn_eigenvalues(
    result: RNNResult, ctx: Context, title: str, caption: dict[str, Any]
) -> tuple[go.Figure, pd.DataFrame]:
    """W_hh's eigenvalues in the complex plane with the unit circle."""
    tr = ctx.tr
    fig = charts.spectrum_chart(result.eigenvalues, title, caption, result.spectral_radius, result.sigma_max,
                                names={"unit": tr("unit circle (|λ| = 1)", "단위원 (|λ| = 1)"),
                                       "eig": tr("eigenvalues λ of W_hh", "W_hh의 고윳값 λ")})  # fmt: skip
    return fig, result.eigenvalues


def rnn_singular_values(
    result: RNNResult, ctx: Context, title: str, caption: dict[str, Any]
) -> tuple[go.Figure, pd.DataFrame]:
    """W_hh's singular values beside the moduli of its eigenvalues."""
    tr = ctx.tr
    fig = charts.singular_value_chart(result.spectrum, title, caption,
                                      x_title=tr("index i (largest first)", "번호 i (큰 것부터)"),
                                      y_title=tr("value", "값"))  # fmt: skip
    return fig, result.spectrum


def compare_views(s: Settings, show_open_gates: bool, band: bool) -> tuple[CompareResult, pd.DataFrame | None]:
    """Compare's result and, with ``band``, its range over seeds: the cached calls of the Compare page."""
    return cached.compare(s, show_open_gates), cached.seed_band(s) if band else None


def compare_chart(
    views: tuple[CompareResult, pd.DataFrame | None],
    ctx: Context,
    title: str,
    caption: dict[str, Any],
    band_names: Mapping[str, str],
) -> tuple[go.Figure, pd.DataFrame]:
    """The three kinds' ‖∂L/∂h_t‖ on one chart, with their ranges over seeds when given."""
    result, bands = views
    return paths(result, ctx, title, caption, ui.norm_axis_title(ctx), bands=bands, band_names=band_names)


def what_weights_learn(ctx: Context, result: Any, fetch: Callable[[], Any], kind: str) -> None:
    """Per-step contributions to ∂L/∂W_hh (per gate block) and ‖∂L/∂x_t‖, with the plain sentence: a view's
    ``contributions`` (``fetch``: the cached call that gave the view)."""
    c: Contributions | None = result.contributions
    if c is None:
        return
    tr = ctx.tr
    name = kind.upper()
    st.subheader(tr("What the weights still learn from step t", "시각 t에서 가중치가 여전히 배우는 것"))
    st.markdown(tr(
        "BPTT's weight gradient is a sum over steps, ∂L/∂W_hh = Σ_t (∂L/∂a_t)ᵀ h_(t−1). Each line is the norm of one "
        "step's term (per gate block); the dashed line is ‖∂L/∂x_t‖, what the input at step t receives. Where the "
        "gradient has vanished, these terms are tiny: the weights learn (almost) nothing from those steps.",
        "BPTT의 가중치 기울기는 시각에 대한 합 ∂L/∂W_hh = Σ_t (∂L/∂a_t)ᵀ h_(t−1)입니다. 각 선은 한 시각의 항의 노름"
        "(게이트 블록별), 파선은 시각 t의 입력이 받는 ‖∂L/∂x_t‖입니다. 기울기가 소실된 곳에서는 이 항들이 아주 작아 "
        "가중치가 그 시각에서 (거의) 아무것도 배우지 못합니다.",
    ))  # fmt: skip
    title = tr(f"{name}: each step's term of ∂L/∂W_hh and ‖∂L/∂x_t‖", f"{name}: 시각별 ∂L/∂W_hh 항과 ‖∂L/∂x_t‖")
    ui.view_chart(_contributions, result, fetch, name=f"{kind}_contributions", ctx=ctx, title=title)
    for line in claims.render(claims.contribution_claims(c, name), ctx.lang):
        st.markdown(f"- {line}")


def _contributions(view: Any, ctx: Context, title: str, caption: dict[str, Any]) -> tuple[go.Figure, pd.DataFrame]:
    c = view.contributions
    x, x_title = ui.axis_titles(ctx)
    y_title = ctx.tr("norm of step t's term (log scale)", "시각 t 항의 노름 (로그 눈금)")
    fig = charts.norm_chart(c.curves, ui.curve_info(c.info, ctx.lang), title, caption, x=x, x_title=x_title,
                            y_title=y_title)  # fmt: skip
    return fig, ui.export_table(c)


BOOK_NAMES = {1.0: "Wh = randn(3, 3)", 0.5: "Wh = randn(3, 3) × 0.5"}


def book_figure(ctx: Context, book: pd.DataFrame, axis_key: str, linear_first: bool = False) -> None:
    """The book's figure (ch06/rnn_gradient_graph.py) from ``book`` (data.book_view): what it computes, the chart
    on a linear or log y axis (``linear_first``: the book's linear axis is the default), and the table of norms."""
    tr = ctx.tr
    st.markdown(tr("`np.random.seed(3); Wh = np.random.randn(3, 3)`, then 20 times `dh = dh @ Wh.T` from "
                   "`dh = np.ones((2, 3))`, with the book's norm `sqrt(sum(dh**2)) / N` after each step. No tanh, "
                   "no forward pass.",
                   "`np.random.seed(3); Wh = np.random.randn(3, 3)`로 만든 뒤 `dh = np.ones((2, 3))`에서 시작해 "
                   "`dh = dh @ Wh.T`를 20번 반복하며 매번 책의 노름 `sqrt(sum(dh**2)) / N`을 잽니다. tanh도 순전파도 "
                   "없습니다."))  # fmt: skip
    axis_names = {"log": tr("log axis (both curves readable)", "로그 축 (두 곡선 모두 보임)"),
                  "linear": tr("linear axis (as the book draws it)", "선형 축 (책의 그림처럼)")}  # fmt: skip
    options = ["linear", "log"] if linear_first else ["log", "linear"]
    book_axis = st.radio(tr("y axis", "세로축"), options, format_func=axis_names.__getitem__, horizontal=True,
                         key=axis_key)  # fmt: skip
    log_y = book_axis == "log"
    y_book = (tr("norm √Σdh² / N (log scale)", "노름 √Σdh² / N (로그 눈금)") if log_y
              else tr("norm √Σdh² / N", "노름 √Σdh² / N"))  # fmt: skip
    book_title = tr(
        "DLFS2 ch. 6: exploding (Wh) and vanishing (Wh × 0.5)",
        "밑바닥부터 시작하는 딥러닝 2, 6장: 폭발(Wh)과 소실(Wh × 0.5)",
    )
    book_caption = {"N": 2, "H": 3, "T": 20, "seed": 3}
    ui.chart_with_exports(charts.book_chart(book, BOOK_NAMES, book_title, book_caption,
                                            x_title=tr("backward steps from the loss<br>(the book's time step)",
                                                       "손실에서 거슬러 간 시각 수<br>(책의 time step)"),
                                            y_title=y_book, log_y=log_y),
                          book, "book_figure", ctx, book_title, book_caption)  # fmt: skip
    wide = book.pivot(index="back", columns="scale", values="norm")[list(BOOK_NAMES)].rename(columns=BOOK_NAMES)
    wide.index.name = tr("steps back", "거슬러 간 시각 수")
    st.dataframe(wide.style.format("{:.6g}"), height=250)


def every_step_note(ctx: Context) -> None:
    """With a loss at every step, why the page reads no chain (∏ f, ∏ keep, W_hh alone, φ′ alone) and no rate."""
    if not chains_are_products(ctx.settings):
        st.caption(ctx.tr(
            "With a loss at every step, each step's own loss enters every dashed chain as it goes back, so none of "
            "them is a pure product (∏ f, ∏ keep, W_hh alone, φ′ alone): they are drawn, and the readings leave their "
            "rates out. Set Where the loss sits to the last step to read them.",
            "손실이 모든 시각에 있으면 점선 사슬마다 거슬러 가며 그 시각의 손실이 더해지므로, 어느 것도 순수한 곱(∏ f, "
            "∏ keep, W_hh만, φ′만)이 아닙니다. 그래서 그리기만 하고 해석에서는 비율을 말하지 않습니다. 손실의 위치를 "
            "마지막 시각으로 두면 읽을 수 있습니다.",
        ))  # fmt: skip
