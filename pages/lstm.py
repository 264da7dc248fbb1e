"""LSTM: the cell-state path through the forget gate."""

import streamlit as st

import charts
from explorer import cached, text, ui

s, lang, tr = ui.page_start()
st.title(tr("LSTM: the cell-state path", "LSTM: 셀 상태 경로"))
st.markdown(
    tr(
        r"Along the cell, the backward is $\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t$ (plus "
        r"terms through h): an element-wise product with a new forget gate each step, no matrix. So the cell path "
        r"keeps about $f^T$ of the gradient: with $f \approx \sigma(b_f) = 0.5$ at bias 0 that still vanishes. "
        "Move the **LSTM forget-gate bias** in the sidebar.",
        r"셀을 따라가는 역전파는 $\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t$ (h를 거치는 항 "
        r"제외)입니다. 행렬 없이 매 단계 새로운 망각 게이트와의 원소별 곱입니다. 그래서 셀 경로는 기울기의 약 $f^T$를 "
        r"유지합니다. 편향이 0이면 $f \approx \sigma(b_f) = 0.5$이므로 여전히 소실됩니다. 사이드바에서 **LSTM 망각 "
        "게이트 편향**을 움직여 보세요.",
    )
)

result = cached.lstm_view(s)
markers = cached.data.overflow_markers([result.summary])
fig = charts.norm_chart(
    result.curves,
    "LSTM backward: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ and the cell path ∏ f",
    s.caption(),
    y_title="gradient norm (log scale)",
    markers=markers,
)
ui.chart_with_exports(fig, result.curves, "lstm_paths", s)

st.subheader(tr("What the plot says", "그래프 읽기"))
for line in text.gate_reading(result, s, "f", lang):
    st.markdown(f"- {line}")

st.subheader(tr("Forget gate f over time × unit (sample 1)", "시간 × 유닛에 따른 망각 게이트 f (샘플 1)"))
st.markdown(
    tr(
        "Bright = open (keeps the cell), dark = closed (forgets). The gradient along the cell path of a "
        "unit is the product of its row.",
        "밝을수록 열림(셀을 유지), 어두울수록 닫힘(잊음). 한 유닛의 셀 경로 기울기는 그 행의 곱입니다.",
    )
)
heat = charts.gate_heatmap(result.heatmap, "Forget gate f_t", s.caption(), gate_label="f")
ui.chart_with_exports(heat, result.heatmap, "lstm_forget_gate", s)
