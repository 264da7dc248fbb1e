"""The remedies page's charts built from its cached results (Streamlit wiring: explorer/shared/ui.view_chart builds
them again for a download)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from charts import remedies as rcharts

from ..shared import ui
from ..shared.ui import Context
from .data import TruncResult


def truncation_chart(trunc: TruncResult, ctx: Context, title: str, caption: dict[str, Any],
                     kind: str) -> tuple[go.Figure, pd.DataFrame]:  # fmt: skip
    """‖∂L/∂h_t‖ (and the LSTM's ‖∂L/∂c_t‖) with full and truncated BPTT, the blocks' cuts marked."""
    tr = ctx.tr
    x, x_title = ui.axis_titles(ctx)
    y_title = (tr("‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ (log scale)", "‖∂L/∂h_t‖와 ‖∂L/∂c_t‖ (로그 눈금)") if kind == "lstm"
               else tr("‖∂L/∂h_t‖ (log scale)", "‖∂L/∂h_t‖ (로그 눈금)"))  # fmt: skip
    fig = rcharts.truncation_chart(trunc.flow.curves, ui.curve_info(trunc.flow.info, ctx.lang), title, caption,
                                   cuts=trunc.cuts, x=x, x_title=x_title,
                                   cut_name=tr("gradient cut (block boundary)", "기울기가 끊기는 곳 (블록 경계)"),
                                   y_title=y_title)  # fmt: skip
    return fig, ui.export_table(trunc.flow)
