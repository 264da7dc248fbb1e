"""Gradient horizon: which loss each step's gradient comes from, and how far back a state depends on its inputs."""

import streamlit as st

from charts.horizon import cut_note, horizon_figure, horizon_frame
from explorer.horizon import cached, claims
from explorer.shared import ui
from explorer.shared.claims import render
from explorer.theory import ui as notes_ui

ctx = ui.page_context("horizon")
s, tr = ctx.settings, ctx.tr
st.title(tr("Gradient horizon: which loss does the gradient at step t come from?",
            "기울기 지평선: 시각 t의 기울기는 어느 손실에서 올까?"))  # fmt: skip
st.markdown(tr(
    r"With a loss at every step, the gradient at $h_t$ is a sum with one term per later loss: "
    r"$\partial L/\partial h_t = \sum_{s \ge t} \partial L_s/\partial h_t$. Row s of the first map is one loss, "
    r"column t the state its gradient reaches back to; the diagonal is the loss's own step. Colour that fades "
    "quickly to the left means each loss reaches only a few steps back. The second map (the connectivity of "
    r"Distill's *Visualizing memorization in RNNs*) shows $\lVert \partial h_s/\partial x_t \rVert$: how much the "
    "state at s still depends on the input at t, with no loss involved. The maps use the sidebar's model, inputs "
    "and norm, and always the loss at every step (with the loss at the last step only the bottom row exists).",
    r"손실이 모든 시각에 있으면 $h_t$의 기울기는 이후 손실마다 한 항씩 더한 합입니다: "
    r"$\partial L/\partial h_t = \sum_{s \ge t} \partial L_s/\partial h_t$. 첫 그림의 행 s는 손실 하나, 열 t는 그 "
    "기울기가 거슬러 올라가 닿는 시각이고, 대각선은 손실 자신의 시각입니다. 왼쪽으로 갈수록 빨리 어두워지면 각 손실의 "
    "기울기는 몇 시각 앞까지만 닿습니다. 두 번째 그림(Distill *Visualizing memorization in RNNs*의 연결성)은 "
    r"$\lVert \partial h_s/\partial x_t \rVert$, 곧 시각 s의 은닉 상태가 시각 t의 입력에 얼마나 의존하는지를 손실과 "
    "상관없이 보여 줍니다. 사이드바의 모델, 입력, 노름을 쓰고, 손실은 항상 모든 시각에 둡니다 (마지막 시각에만 두면 "
    "맨 아래 행만 남습니다).",
))  # fmt: skip
notes_ui.in_the_notes(ctx, "horizon")  # h_0 = 0

ui.waiting_notice(tr)
caption = {**ctx.caption(), "loss": "every"}  # the maps' own loss, whatever the sidebar's (said in the text above)
# only the open tab's maps are computed and drawn: a tab click reruns the page (a class opening the page at
# T = 1000, H = 256 computed all three kinds' maps, most of them never looked at)
tabs = st.tabs(["RNN", "LSTM", "GRU"], key="horizon_kind", on_change="rerun")
for kind, tab in zip(("rnn", "lstm", "gru"), tabs, strict=True):
    if not tab.open:
        continue
    with tab:
        over = cached.forward_overflow(s, kind)
        if over is not None:
            st.warning(tr(f"The {kind.upper()}'s forward pass itself overflows at t = {over} (relu with a recurrent "
                          "gain above 1): its hidden states are inf or NaN from there on, so no step's Jacobian, and "
                          "no map, is defined. Lower the scale or ρ, or choose tanh.",
                          f"{kind.upper()}의 순전파 자체가 시각 t = {over}에서 오버플로합니다 (순환 증폭률이 1보다 큰 "
                          "relu). 그 뒤의 은닉 상태는 inf나 NaN이어서 어느 시각의 야코비 행렬도, 지도도 정의되지 "
                          "않습니다. 스케일이나 ρ를 낮추거나 tanh를 고르세요."))  # fmt: skip
            continue
        result = cached.horizon_view(s, kind)
        maps = [(result.horizon, tr("‖∂L_s/∂h_t‖: the gradient of each loss", "‖∂L_s/∂h_t‖: 손실마다의 기울기"))]
        if result.cell is not None:
            maps.append((result.cell, tr("‖∂L_s/∂c_t‖: along the memory cell", "‖∂L_s/∂c_t‖: 기억 셀을 따라")))
        maps.append((result.connectivity, tr("‖∂h_s/∂x_t‖: connectivity", "‖∂h_s/∂x_t‖: 연결성")))
        for m, title in maps:
            title = f"{kind.upper()} · {title}"
            if m.cut:
                st.caption(cut_note(m, ctx.lang))
            fig = horizon_figure(m, ctx.lang, title, caption)
            ui.chart_with_exports(fig, horizon_frame(m), f"horizon_{kind}_{m.what}", ctx, title, caption=caption)
        st.subheader(tr("What the maps say", "그림 읽기"))
        for line in render(claims.horizon_claims(result), ctx.lang):
            st.markdown(f"- {line}")
if s.forget_bias < 3:  # the hint names a change still to make
    st.caption(tr("Try: set the LSTM forget-gate bias to +3 in the sidebar: the LSTM's maps stay bright much further left.",
                  "해 보기: 사이드바에서 LSTM 망각 게이트 편향을 +3으로 두면 LSTM의 지도가 훨씬 왼쪽까지 밝게 유지됩니다."))  # fmt: skip
else:
    st.caption(tr("Try: set the LSTM forget-gate bias back to 0 in the sidebar: the LSTM's maps darken much closer to "
                  "the diagonal.",
                  "해 보기: 사이드바에서 LSTM 망각 게이트 편향을 0으로 되돌리면 LSTM의 지도가 대각선 가까이에서 훨씬 "
                  "빨리 어두워집니다."))  # fmt: skip
