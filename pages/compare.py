"""Compare: ‖∂L/∂h_t‖ of the RNN, LSTM and GRU on the same inputs and seed."""

import streamlit as st

import charts
from explorer import cached, text, ui

s, lang, tr = ui.page_start()
st.title(tr("How far back does the gradient reach?", "기울기는 얼마나 멀리 거슬러 올라갈까?"))
st.markdown(
    tr(
        "Each line is **‖∂L/∂hₜ‖**: how strongly the loss at the last step still "
        "depends on the hidden state at step *t*. The axis is logarithmic, so a straight falling line means the "
        "gradient shrinks by the same factor at every step back: it **vanishes**. Move **T** and the **LSTM "
        "forget-gate bias** in the sidebar and watch the blue line.",
        "각 선은 **‖∂L/∂hₜ‖**, 즉 마지막 단계의 손실이 *t* 단계의 은닉 상태에 아직 얼마나 "
        "의존하는지를 보여 줍니다. 세로축이 로그 눈금이므로 곧게 내려가는 선은 한 단계 거슬러 올라갈 때마다 기울기가 같은 "
        "비율로 줄어든다는 뜻, 곧 **기울기 소실**입니다. 사이드바에서 **T**와 **LSTM 망각 게이트 편향**을 움직이며 파란 "
        "선을 보세요.",
    )
)

left, right = st.columns(2)
show_open = left.toggle(
    tr(
        f"Also show LSTM and GRU with gates opened (bias +{cached.data.OPEN_GATE_BIAS:g})",
        f"게이트를 연 LSTM·GRU도 표시 (편향 +{cached.data.OPEN_GATE_BIAS:g})",
    ),
    value=True,
    key="show_open",
)
band = right.toggle(tr("Range over 10 seeds (slower)", "시드 10개에 대한 범위 (느림)"), value=False, key="seed_band")

result = cached.compare(s, show_open)
bands = cached.seed_band(s, 10) if band else None
markers = cached.data.overflow_markers(result.summaries.values())
fig = charts.norm_chart(
    result.curves, "‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU", s.caption(), bands=bands, markers=markers
)
ui.chart_with_exports(fig, result.curves, "compare", s)

st.subheader(tr("What the plot says", "그래프 읽기"))
for line in text.compare_reading(result, s, lang):
    st.markdown(f"- {line}")
st.caption(
    tr(
        "Loss at the last step means L = Σ h_T (the book's dh = ones); the norm over the batch is set in the "
        "sidebar. Norms are computed in the log domain, so an exploding run stays exact past float64's range.",
        "'마지막 단계의 손실'은 L = Σ h_T (책의 dh = ones)를 뜻합니다. 배치에 대한 노름은 사이드바에서 고릅니다. "
        "노름은 로그 영역에서 계산하므로 폭발하는 경우에도 float64 범위를 넘어 정확합니다.",
    )
)
