"""Vanilla RNN: the repeated W_hh matmul and the activation's derivative, separated."""

import functools

import streamlit as st

from explorer.flow import cached, claims
from explorer.flow import ui as flow_ui
from explorer.shared import ui
from explorer.theory import data as theory
from explorer.theory import ui as notes_ui

ctx = ui.page_context("rnn")
s, tr = ctx.settings, ctx.tr
act = s.nonlinearity
st.title(tr(f"Vanilla RNN: the W_hh matmul and the {act}′ factor", f"기본 RNN: W_hh 행렬 곱과 {act}′ 인자"))
deriv = "1 − h_t²" if act == "tanh" else "1[a_t > 0]"
st.markdown(tr(
    f"Backward through one step multiplies by **{act}′(a_t) = {deriv}** (at most 1) and then by **W_hh** (the same "
    f"matrix every step). Here the two are separated: the W_hh-only chain is the book's experiment, the {act}′-only "
    "chain replaces W_hh with the identity. Try **Recurrent init → orthogonal** or **Set the spectral radius** in "
    "the sidebar.",
    f"한 시각의 역전파는 **{act}′(a_t) = {deriv}**(최댓값 1)를 곱한 뒤 **W_hh**(매 시각 같은 행렬)를 곱합니다. 여기서는 "
    f"둘을 따로 봅니다. W_hh 행렬 곱만 반복한 곡선은 책의 실험이고, {act}′만의 곡선은 W_hh를 단위 행렬로 바꾼 "
    "것입니다. 사이드바에서 **순환 가중치 초기화 → orthogonal**이나 **스펙트럼 반경 지정**을 시도해 보세요.",
))  # fmt: skip

left, right = st.columns(2)
left.button(tr("Book preset: exploding (Wh = randn(3, 3), seed 3)",
               "책 설정: 기울기 폭발 (Wh = randn(3, 3), 시드 3)"),
            on_click=ui.set_controls, args=(ui.BOOK_PRESET,), key="book_preset", type="primary",
            icon=":material/menu_book:", width="stretch")  # fmt: skip
right.button(tr("Book preset: vanishing (Wh × 0.5)", "책 설정: 기울기 소실 (Wh × 0.5)"),
             on_click=ui.set_controls, args=(ui.BOOK_VANISHING_PRESET,), key="book_preset_vanishing",
             icon=":material/menu_book:", width="stretch")  # fmt: skip
st.caption(tr("Both presets set DLFS2 chapter 6's N=2, H=3, T=20, seed 3, the book's norm ÷ N, the book's GRU "
              "formulation, and the x axis in the book's orientation.",
              "두 설정 모두 밑바닥부터 시작하는 딥러닝 2의 6장처럼 N=2, H=3, T=20, 시드 3, 책의 노름(÷ N), 책의 GRU "
              "수식, 책의 그림과 같은 가로축을 씁니다."))  # fmt: skip

with st.expander(tr("The book's figure (ch06/rnn_gradient_graph.py)", "책의 그림 (ch06/rnn_gradient_graph.py)"),
                 expanded=s.scheme == "book"):  # fmt: skip
    flow_ui.book_figure(ctx, cached.book_view(), axis_key="book_axis")
    st.caption(tr("σ_max(Wh) = 2.66 but ρ(Wh) = 1.26; × 0.5 gives σ_max = 1.33 > 1, yet ρ = 0.63 < 1 and it "
                  "vanishes: the long-run rate is the spectral radius. With a book preset on, the dashed W_hh-only "
                  "curve below is exactly this table's column (20 values after 1 … 20 steps back), while the full "
                  "BPTT adds a real forward pass with tanh.",
                  "σ_max(Wh) = 2.66이지만 ρ(Wh) = 1.26입니다. 0.5를 곱하면 σ_max = 1.33 > 1인데도 ρ = 0.63 < 1이라 "
                  "소실됩니다. 긴 구간의 비율은 스펙트럼 반경이 정합니다. 책 설정에서는 아래의 W_hh 행렬 곱만 반복한 "
                  "파선이 이 표의 열(1 … 20 시각을 거슬러 간 20개의 값)과 정확히 같고, 전체 BPTT에는 tanh가 있는 실제 "
                  "순전파가 더해집니다."))  # fmt: skip

ui.waiting_notice(tr)
result = cached.rnn_view(s)
fetch = functools.partial(cached.rnn_view, s)  # the downloads' data again (ui.view_chart)
title = tr(f"RNN backward: full BPTT, W_hh alone, {act}′ alone", f"RNN 역전파: 전체 BPTT, W_hh만, {act}′만")
ui.view_chart(flow_ui.paths, result, fetch, ui.norm_axis_title(ctx), name="rnn_chains", ctx=ctx, title=title)

st.subheader(tr("Gain of each factor, step by step", "시각별 각 인자의 증폭률"))
st.markdown(tr(f"Their logs add up to the total at every step. The dashed line is the Pascanu bound σ_max·γ on a "
               f"single step (γ = max|{act}′| = 1); the dotted line is ρ, the long-run rate.",
               f"매 시각 두 인자의 로그를 더하면 전체가 됩니다. 파선은 한 시각에 대한 Pascanu 상한 σ_max·γ "
               f"(γ = max|{act}′| = 1), 점선은 긴 구간의 비율 ρ입니다."))  # fmt: skip
gain_title = tr(f"Per-step gains: {act}′ × W_hh = total", f"시각별 증폭률: {act}′ × W_hh = 전체")
ui.view_chart(flow_ui.rnn_gains, result, fetch, name="rnn_gains", ctx=ctx, title=gain_title)

st.subheader(tr("The spectrum of W_hh", "W_hh의 스펙트럼"))
left, right = st.columns(2)
with left:
    eig_title = tr("Eigenvalues of W_hh", "W_hh의 고윳값")
    ui.view_chart(flow_ui.rnn_eigenvalues, result, fetch, name="rnn_eigenvalues", ctx=ctx, title=eig_title)
with right:
    sv_title = tr("Singular values and |eigenvalues|", "특잇값과 |고윳값|")
    ui.view_chart(flow_ui.rnn_singular_values, result, fetch, name="rnn_singular_values", ctx=ctx, title=sv_title)

st.subheader(tr("What the plots say", "그래프 읽기"))
flow_ui.every_step_note(ctx)
for line in claims.render(claims.rnn_claims(result, s), ctx.lang):
    st.markdown(f"- {line}")

flow_ui.what_weights_learn(ctx, result, fetch, "rnn")
n_inits, n_rhos, n_seeds = len(theory.ACTIVATION_SCHEMES), len(theory.ACTIVATION_RHOS), theory.ACTIVATION_SEEDS
st.caption(tr(f"ReLU or tanh? The book's NOTE and a study note disagree; the [Theory](theory) page measures both on "
              f"the same W_hh under {n_inits} inits, {n_rhos} values of ρ and {n_seeds} seeds.",
              f"ReLU냐 tanh냐? 책의 NOTE와 한 학습 노트의 의견이 갈립니다. [이론](theory) 페이지에서 같은 W_hh로 초기화 "
              f"{n_inits}가지, ρ {n_rhos}가지, 시드 {n_seeds}개에 걸쳐 둘을 재 봅니다."))  # fmt: skip
notes_ui.in_the_notes(ctx, "rnn")  # h_0 = 0
