"""The first screen: the book's experiment (DLFS2 ch. 6, rnn_gradient_graph.py) as the book draws it, what it
shows, and the LSTM question it leaves open."""

import streamlit as st

from explorer.flow import cached, claims, data
from explorer.flow import ui as flow_ui
from explorer.shared import ui
from explorer.shared.controls import Settings

ctx = ui.page_context("book")
tr = ctx.tr
st.title(tr("The book's experiment: exploding and vanishing gradients", "책의 실험: 기울기 폭발과 기울기 소실"))
st.markdown(tr(
    "Deep Learning from Scratch 2, chapter 6, multiplies the gradient by the same matrix **Wh** once per step back "
    "through time and draws its norm: with `Wh` as drawn it grows, with `Wh × 0.5` it shrinks. Here is exactly the "
    "book's figure and table.",
    "밑바닥부터 시작하는 딥러닝 2의 6장은 시간을 한 시각 거슬러 갈 때마다 기울기에 같은 행렬 **Wh**를 곱하고 그 "
    "노름을 그립니다. 뽑은 그대로의 `Wh`에서는 커지고 `Wh × 0.5`에서는 작아집니다. 책의 그림과 표를 그대로 "
    "보여 드립니다.",
))  # fmt: skip

book = cached.book_view()
flow_ui.book_figure(ctx, book, axis_key="book_axis_first", linear_first=True)

st.subheader(tr("What it shows", "그림이 보여 주는 것"))
for line in claims.render(claims.book_claims(book, data.book_spectra(), flow_ui.BOOK_NAMES), ctx.lang):
    st.markdown(f"- {line}")
st.markdown(tr(
    "The way on: the next step separates what one step back multiplies by (W_hh and tanh′) and shows why ρ, not "
    "σ_max, sets the long-run rate; then the book's remedies, and the gated cells.",
    "다음 단계에서는 한 시각의 역전파가 곱하는 것(W_hh와 tanh′)을 나누어 보고, 긴 구간의 비율을 σ_max가 아니라 ρ가 "
    "정하는 이유를 봅니다. 그다음은 책의 대책과 게이트가 있는 셀입니다.",
))  # fmt: skip

st.subheader(tr("And the LSTM?", "그렇다면 LSTM은?"))
defaults = Settings()
st.markdown(tr(
    f"Not by its design alone. An untrained LSTM at forget-gate bias 0 (the app's defaults: T = {defaults.T}, "
    f"H = {defaults.H}, PyTorch's init), read from its curves:",
    f"구조만으로는 아닙니다. 학습하지 않은 LSTM을 망각 게이트 편향 0에서 (앱의 기본값: T = {defaults.T}, "
    f"H = {defaults.H}, PyTorch 초기화) 곡선으로 읽으면:",
))  # fmt: skip
ui.waiting_notice(tr)
result = cached.compare(defaults, True)
lstm_lines = [c for c in claims.compare_claims(result, defaults)
              if isinstance(c, (claims.TrendClaim, claims.OpenClaim)) and c.name == "LSTM"]  # fmt: skip
for line in claims.render(lstm_lines, ctx.lang):
    st.markdown(f"- {line}")
st.markdown(tr(
    "An opened forget gate (a positive bias, chrono init, or training) is what keeps its cell path: step 4 shows "
    "the cell path and its gate, step 7 trains an LSTM beside the RNN, and step 8 reads whether training opened a "
    "trained model's forget gate.",
    "기억 셀 경로를 지키는 것은 열린 망각 게이트(양의 편향, chrono 초기화, 또는 학습)입니다. 4단계에서 셀 경로와 "
    "게이트를 보고, 7단계에서 RNN 옆에서 LSTM을 학습시키고, 8단계에서 학습이 실제 모델의 망각 게이트를 열었는지 "
    "읽습니다.",
))  # fmt: skip
