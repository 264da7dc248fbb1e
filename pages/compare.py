"""Compare: ‖∂L/∂h_t‖ of the RNN, LSTM and GRU on the same inputs and seed."""

import functools

import streamlit as st

from explorer.flow import cached, claims, data, text
from explorer.flow import ui as flow_ui
from explorer.shared import ui
from explorer.shared.kinds import KIND_LABELS
from explorer.theory import ui as notes_ui

ctx = ui.page_context("compare")
s, tr = ctx.settings, ctx.tr
st.title(tr("How far back does the gradient reach?", "기울기는 얼마나 멀리 거슬러 올라갈까?"))
st.markdown(
    tr("Each line is **‖∂L/∂hₜ‖**: how strongly the loss still depends on the hidden state at time *t*. ",
       "각 선은 **‖∂L/∂hₜ‖**, 곧 손실이 시각 *t*의 은닉 상태에 아직 얼마나 의존하는지를 보여 줍니다. ")
    + text.how_to_read(ctx.view.axis, tr, every=s.loss == "every")
    + tr(" Move **T** and the **LSTM forget-gate bias** in the sidebar and watch the blue line.",
         " 사이드바에서 **T**와 **LSTM 망각 게이트 편향**을 움직이며 파란 선을 보세요.")
)  # fmt: skip

left, right = st.columns(2)
with left:
    show_open = ui.page_toggle(ctx, "show_open")
with right:
    band = ui.page_toggle(ctx, "band")

ui.waiting_notice(tr)
result = cached.compare(s, show_open)
bands = cached.seed_band(s) if band else None
fetch = functools.partial(flow_ui.compare_views, s, show_open, band)  # the downloads' data again (ui.view_chart)
band_names = {k: tr(f"{name}: range over {data.SEED_BAND_SEEDS} seeds", f"{name}: 시드 {data.SEED_BAND_SEEDS}개의 범위")
              for k, name in KIND_LABELS.items()}  # fmt: skip
title = tr("‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU", "시간을 거슬러 가는 ‖∂L/∂h_t‖: RNN, LSTM, GRU")
ui.view_chart(flow_ui.compare_chart, (result, bands), fetch, band_names, name="compare", ctx=ctx, title=title)

st.subheader(tr("What the plot says", "그래프 읽기"))
for line in claims.render(claims.compare_claims(result, s), ctx.lang):
    st.markdown(f"- {line}")
point = claims.point(result, ctx.lang)
if point:
    st.markdown(point)
loss_text = (tr("A loss at every step means L = Σ_t Σ h_t (dh = ones at every t)",
                "'모든 시각의 손실'은 L = Σ_t Σ h_t (모든 시각에서 dh = ones)를 뜻합니다")
             if s.loss == "every" else
             tr("Loss at the last step means L = Σ h_T (the book's dh = ones)",
                "'마지막 시각의 손실'은 L = Σ h_T (책의 dh = ones)를 뜻합니다"))  # fmt: skip
st.caption(loss_text + tr("; the norm over the batch is set in the sidebar. Past float64's range norms are computed in "
                          "the log domain, so an exploding run stays exact.",
                          ". 배치에 대한 노름은 사이드바에서 고릅니다. float64 범위를 넘는 노름은 로그 영역에서 계산하므로 "
                          "폭발하는 경우에도 정확합니다."))  # fmt: skip
notes_ui.in_the_notes(ctx, "compare")  # h_0 = 0
