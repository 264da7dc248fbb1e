"""GRU: the update gate's direct path."""

import streamlit as st

import charts
from explorer import cached, text, ui

s, lang, tr = ui.page_start()
book = s.gru_form == "dlfs2"
st.title(tr("GRU: the update gate's direct path", "GRU: 업데이트 게이트의 직접 경로"))
st.markdown(
    tr(
        "The new state mixes the old one and a candidate. The old state passes through **element-wise**, scaled by "
        r"the *keep* gate, so the direct path of the backward is $\partial L/\partial h_{t-1} \ni \partial L/\partial "
        r"h_t \odot k_t$. Move the **GRU keep-gate bias** in the sidebar, and switch the **formulation** to see how "
        "z flips.",
        "새 상태는 이전 상태와 후보 상태를 섞은 것입니다. 이전 상태는 *유지* 게이트만큼 **원소별로** 그대로 전달되므로, "
        r"역전파의 직접 경로는 $\partial L/\partial h_{t-1} \ni \partial L/\partial h_t \odot k_t$입니다. 사이드바에서 "
        "**GRU 유지 게이트 편향**을 움직이고, **정식화**를 바꿔 z가 어떻게 뒤집히는지 보세요.",
    )
)
if book:
    st.info(
        tr(
            r"**Book (DLFS2) formulation**: $h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h$, with the reset "
            r"gate applied before the matmul, $\tilde h = \tanh(x W_x + (r \odot h) W_h + b)$. Here z is the "
            "*update* gate: the keep gate is 1 − z, so a large z forgets.",
            r"**책(DLFS2)의 정식화**: $h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h$, 리셋 게이트는 행렬곱 "
            r"앞에 적용: $\tilde h = \tanh(x W_x + (r \odot h) W_h + b)$. 여기서 z는 *업데이트* 게이트이고 "
            "유지 게이트는 1 − z이므로, z가 크면 잊습니다.",
        )
    )
else:
    st.info(
        tr(
            r"**PyTorch formulation**: $h_t = (1 - z) \odot n + z \odot h_{t-1}$, with the reset gate "
            r"applied after the matmul, $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$. Here z "
            "itself is the keep gate: a large z remembers. The book's z is PyTorch's 1 − z.",
            r"**PyTorch의 정식화**: $h_t = (1 - z) \odot n + z \odot h_{t-1}$, 리셋 게이트는 행렬곱 뒤에 적용: "
            r"$n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$. 여기서는 z 자체가 유지 게이트라 "
            "z가 크면 기억합니다. 책의 z는 PyTorch의 1 − z입니다.",
        )
    )

result = cached.gru_view(s)
markers = cached.data.overflow_markers([result.summary])
keep = "1 − z" if book else "z"
fig = charts.norm_chart(
    result.curves, f"GRU backward: ‖∂L/∂h_t‖ and the direct path ∏ ({keep})", s.caption(), markers=markers
)
ui.chart_with_exports(fig, result.curves, "gru_paths", s)

st.subheader(tr("What the plot says", "그래프 읽기"))
for line in text.gate_reading(result, s, keep, lang):
    st.markdown(f"- {line}")

st.subheader(
    tr(
        "Update gate z over time × unit (sample 1), as the formulation writes it",
        "시간 × 유닛에 따른 업데이트 게이트 z (샘플 1, 정식화에 쓰인 그대로)",
    )
)
if book:
    st.markdown(
        tr(
            "Bright = large z = **forget** (the book's z updates). The keep-gate bias moves every unit at once.",
            "밝을수록 z가 크고 = **잊음** (책의 z는 업데이트). 유지 게이트 편향은 모든 유닛을 함께 움직입니다.",
        )
    )
else:
    st.markdown(
        tr(
            "Bright = large z = **keep** (PyTorch's z keeps). The keep-gate bias moves every unit at once.",
            "밝을수록 z가 크고 = **유지** (PyTorch의 z는 유지). 유지 게이트 편향은 모든 유닛을 함께 움직입니다.",
        )
    )
heat = charts.gate_heatmap(result.heatmap, "Update gate z_t", s.caption(), gate_label="z")
ui.chart_with_exports(heat, result.heatmap, "gru_update_gate", s)
