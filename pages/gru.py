"""GRU: the update gate's direct path."""

import functools

import streamlit as st

from explorer.flow import cached, claims
from explorer.flow import ui as flow_ui
from explorer.shared import ui
from explorer.theory import ui as notes_ui

ctx = ui.page_context("gru")
s, tr = ctx.settings, ctx.tr
book = s.formulation == "dlfs2"
st.title(tr("GRU: the update gate's direct path", "GRU: 업데이트 게이트의 직접 경로"))
st.markdown(tr(
    "The new state mixes the old one and a candidate. The old state passes through **element-wise**, scaled by the "
    r"*keep* gate k (the share of h_{t−1} passed on as it is), so the direct path of the backward is: "
    r"$\partial L/\partial h_{t-1}$ contains the term $\partial L/\partial h_t \odot k_t$. Move the **GRU update-gate "
    "bias** in the sidebar, and switch the **formulation** to see how z flips.",
    "새 상태는 이전 상태와 후보 상태를 섞은 것입니다. 이전 상태는 **원소별로** 그대로 넘어가며, 그 비율이 k"
    "(이전 상태를 그대로 넘기는 비율: PyTorch의 z, 책의 1 − z)입니다. 그래서 역전파의 직접 경로는 "
    r"$\partial L/\partial h_{t-1}$에 $\partial L/\partial h_t \odot k_t$ 항이 들어 있다는 것입니다. 사이드바에서 "
    "**GRU 업데이트 게이트 편향**을 움직이고, **수식**을 바꿔 z가 어떻게 뒤집히는지 보세요.",
))  # fmt: skip
if book:
    st.info(tr(r"**Book (DLFS2) formulation**: $h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h$, with the reset gate "
               r"applied before the matmul, $\tilde h = \tanh(x W_x + (r \odot h) W_h + b)$. Here z is the *update* "
               "gate: the keep gate is 1 − z, so a large z forgets.",
               r"**책(DLFS2)의 수식**: $h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h$, 리셋 게이트는 행렬 곱 앞에 "
               r"적용: $\tilde h = \tanh(x W_x + (r \odot h) W_h + b)$. 여기서 z는 *업데이트* 게이트이고 이전 상태를 "
               "넘기는 비율은 1 − z이므로, z가 크면 잊습니다."))  # fmt: skip
else:
    st.info(tr(r"**PyTorch formulation**: $h_t = (1 - z) \odot n + z \odot h_{t-1}$, with the reset gate applied "
               r"after the matmul, $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$. Here z itself is the "
               "keep gate: a large z remembers. The book's z is PyTorch's 1 − z.",
               r"**PyTorch의 수식**: $h_t = (1 - z) \odot n + z \odot h_{t-1}$, 리셋 게이트는 행렬 곱 뒤에 적용: "
               r"$n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$. 여기서는 z 자체가 이전 상태를 넘기는 "
               "비율이라 z가 크면 기억합니다. 책의 z는 PyTorch의 1 − z입니다."))  # fmt: skip

ui.waiting_notice(tr)
result = cached.gru_view(s)
fetch = functools.partial(cached.gru_view, s)  # the downloads' data again (ui.view_chart)
keep = result.keep_symbol
title = tr(f"GRU backward: ‖∂L/∂h_t‖ and the direct path ∏ ({keep})", f"GRU 역전파: ‖∂L/∂h_t‖와 직접 경로 ∏ ({keep})")
ui.view_chart(flow_ui.paths, result, fetch, ui.norm_axis_title(ctx), name="gru_paths", ctx=ctx, title=title)

st.subheader(tr("What the plot says", "그래프 읽기"))
flow_ui.every_step_note(ctx)
for line in claims.render(claims.gate_claims(result, s, "gru"), ctx.lang):
    st.markdown(f"- {line}")

st.subheader(tr("Update gate z over time × unit (sample 1), as the formulation writes it",
                "시각 × 유닛에 따른 업데이트 게이트 z (샘플 1, 수식에 쓰인 그대로)"))  # fmt: skip
if book:
    st.markdown(tr("Bright = large z = **forget** (the book's z updates). The update-gate bias moves every unit at once.",
                   "밝을수록 z가 크고 = **잊음** (책의 z는 업데이트). 업데이트 게이트 편향은 모든 유닛을 함께 움직입니다."))  # fmt: skip
else:
    st.markdown(tr("Bright = large z = **keep** (PyTorch's z keeps). The update-gate bias moves every unit at once.",
                   "밝을수록 z가 크고 = **유지** (PyTorch의 z는 유지). 업데이트 게이트 편향은 모든 유닛을 함께 움직입니다."))  # fmt: skip
heat_title = tr("Update gate z_t", "업데이트 게이트 z_t")
flow_ui.gate_map(ctx, result, fetch, heat_title, "gru_update_gate", "z")

flow_ui.every_gate(ctx, result, fetch, "gru")
flow_ui.what_weights_learn(ctx, result, fetch, "gru")

st.subheader(tr("In the study notes", "학습 노트에서"))
notes_ui.in_the_notes(ctx, "gru")
