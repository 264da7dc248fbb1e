"""LSTM: the memory cell path through the forget gate."""

import functools

import streamlit as st

from explorer.flow import cached, claims
from explorer.flow import ui as flow_ui
from explorer.shared import ui
from explorer.theory import ui as notes_ui

ctx = ui.page_context("lstm")
s, tr = ctx.settings, ctx.tr
st.title(tr("LSTM: the memory cell path", "LSTM: 기억 셀 경로"))
st.markdown(tr(
    r"Along the memory cell c, the backward is $\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t$ "
    r"(plus terms through h): an element-wise product with a new forget gate each step, no matrix. So the cell path "
    r"keeps about $\prod_t f_t$ of the gradient: with $f \approx \sigma(b_f) = 0.5$ at bias 0 that still vanishes. "
    "Move the **LSTM forget-gate bias** in the sidebar.",
    r"기억 셀(셀 상태) c를 따라가는 역전파는 $\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t$ (h를 "
    r"거치는 항 제외)입니다. 행렬 없이 매 시각 새로운 망각 게이트와의 원소별 곱입니다. 그래서 셀 경로는 기울기의 약 "
    r"$\prod_t f_t$를 간직합니다. 편향이 0이면 $f \approx \sigma(b_f) = 0.5$이므로 여전히 소실됩니다. 사이드바에서 "
    "**LSTM 망각 게이트 편향**을 움직여 보세요.",
))  # fmt: skip

ui.waiting_notice(tr)
result = cached.lstm_view(s)
fetch = functools.partial(cached.lstm_view, s)  # the downloads' data again (ui.view_chart)
title = tr(
    "LSTM backward: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ and the cell path ∏ f", "LSTM 역전파: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖와 셀 경로 ∏ f"
)
ui.view_chart(flow_ui.paths, result, fetch, tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"),
              name="lstm_paths", ctx=ctx, title=title)  # fmt: skip
st.caption(tr("Solid: the full BPTT gradients (blue ‖∂L/∂h_t‖, light blue ‖∂L/∂c_t‖, from t = 1); dashed: the cell "
              "path alone.",
              "실선: 전체 BPTT 기울기 (파랑 ‖∂L/∂h_t‖, 하늘색 ‖∂L/∂c_t‖, t = 1부터), 파선: 셀 경로만."))  # fmt: skip

st.subheader(tr("What the plot says", "그래프 읽기"))
flow_ui.every_step_note(ctx)
for line in claims.render(claims.gate_claims(result, s, "lstm"), ctx.lang):
    st.markdown(f"- {line}")

st.subheader(tr("Forget gate f over time × unit (sample 1)", "시각 × 유닛에 따른 망각 게이트 f (샘플 1)"))
st.markdown(tr("Bright = open (keeps the cell), dark = closed (forgets). The gradient along the cell path of a unit is "
               "the product of its row.",
               "밝을수록 열림(기억 셀을 유지), 어두울수록 닫힘(잊음). 한 유닛의 셀 경로 기울기는 그 행의 곱입니다."))  # fmt: skip
heat_title = tr("Forget gate f_t", "망각 게이트 f_t")
flow_ui.gate_map(ctx, result, fetch, heat_title, "lstm_forget_gate", "f")

flow_ui.every_gate(ctx, result, fetch, "lstm")
flow_ui.what_weights_learn(ctx, result, fetch, "lstm")

st.subheader(tr("In the study notes", "학습 노트에서"))
notes_ui.in_the_notes(ctx, "lstm")
