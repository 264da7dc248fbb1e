"""Remedies: gradient clipping, truncated BPTT, and initialisation presets, on the sidebar's settings."""

import functools

import streamlit as st

from charts import remedies as rcharts
from explorer.flow import ui as flow_ui
from explorer.remedies import cached, claims
from explorer.remedies import data as remedies
from explorer.remedies import ui as remedies_ui
from explorer.shared import ui
from explorer.shared.controls import RemedyControls, specs
from explorer.shared.kinds import KIND_LABELS
from explorer.theory import ui as notes_ui

ctx = ui.page_context("remedies")
s, tr = ctx.settings, ctx.tr
spec = {c.name: c for c in specs(RemedyControls)}
st.title(tr("Remedies: clipping, truncated BPTT, initialisation", "대책: 기울기 클리핑, Truncated BPTT, 초기화"))
st.markdown(tr(
    "What the book and the study notes offer against exploding and vanishing gradients, measured on the run the "
    "sidebar describes. Clipping tames an exploding gradient but cannot revive a vanishing one; truncated BPTT "
    "bounds the cost and cuts long dependencies; initialisation changes the curve itself.",
    "책과 학습 노트가 기울기 폭발·소실에 대해 내놓는 대책을 사이드바의 설정으로 직접 재 봅니다. 기울기 클리핑은 폭발을 "
    "누그러뜨리지만 소실된 기울기를 되살리지는 못합니다. Truncated BPTT(잘린 BPTT)는 비용을 제한하는 대신 장기 의존 "
    "관계를 끊습니다. 초기화는 곡선 자체를 바꿉니다.",
))  # fmt: skip
kind = str(ui.widget(spec["kind"], ctx.lang))
name = KIND_LABELS[kind]
caption = ctx.caption() | {"arch": kind}
ui.waiting_notice(tr)

# ---------------------------------------------------------------------------------------------------- clipping
st.header(tr("1. Gradient clipping", "1. 기울기 클리핑"))
st.markdown(tr(
    "**Global norm** (the book's `clip_grads`, Pascanu et al. 2013): if ‖g‖ > θ, every gradient is multiplied by "
    "θ / (‖g‖ + 10⁻⁶), so the direction is kept. **Element-wise** (Karpathy's min-char-rnn): each entry is cut to "
    "±θ, which changes the direction.",
    "**전체 노름** (책의 `clip_grads`, Pascanu 등 2013): ‖g‖ > θ이면 모든 기울기에 θ / (‖g‖ + 10⁻⁶)을 곱하므로 방향이 "
    "그대로입니다. **원소별** (Karpathy의 min-char-rnn): 각 원소를 ±θ로 자르므로 방향이 바뀝니다.",
))  # fmt: skip
st.button(tr("Exploding preset: W_hh = 1.2·I with ReLU (T = 50, H = 16, seed 53)",
             "폭발 설정: W_hh = 1.2·I + ReLU (T = 50, H = 16, 시드 53)"),
          on_click=ui.set_controls, args=(remedies.EXPLODING_PRESET | {"remedy_kind": "rnn"},),
          key="exploding_preset", type="primary", icon=":material/bolt:",
          help=tr("ReLU does not saturate: an active unit passes its gradient back ×1.2 per step. Measured: "
                  "‖∂L/∂h_0‖ is 2700–6700× its value at the loss at every seed 0–199. The book's matrix with ReLU "
                  "(T = 20) explodes at 11 of seeds 0–29; at 16 every unit dies (relu′ = 0) and the gradient is exactly 0.",
                  "ReLU는 포화하지 않으므로 활성 유닛은 기울기를 시각마다 1.2배로 넘깁니다. 측정: 시드 0–199 모두에서 "
                  "t = 0의 ‖∂L/∂h_t‖는 손실 위치 값의 2700–6700배입니다. 책의 행렬 + ReLU(T = 20)는 시드 0–29 중 11개에서만 "
                  "폭발하고, 16개에서는 유닛이 모두 꺼져(relu′ = 0) 기울기가 정확히 0이 됩니다."))  # fmt: skip
left, right = st.columns(2)
with left:
    clip = str(ui.widget(spec["clip_kind"], ctx.lang))
with right:
    # parsed once, from the URL (explorer/shared/controls.py: out of range, or safe_threshold's rule for NaN and ±inf)
    threshold = float(ui.widget(spec["threshold"], ctx.lang))
clip_result = cached.clipping(s, kind, threshold)
stages = {"before": tr("before clipping", "클리핑 전"),
          clip: tr("after the global-norm clip", "전체 노름 클리핑 후") if clip == "global"
          else tr("after the element-wise clip", "원소별 클리핑 후")}  # fmt: skip
clip_caption = caption | {"clip": clip, "threshold": threshold}
clip_title = tr(f"{name} gradient norms before and after clipping at θ = {threshold:g}",
                f"θ = {threshold:g}에서 클리핑 전후 {name} 기울기 노름")  # fmt: skip
clip_fig = rcharts.clip_chart(clip_result.table, clip_title, clip_caption, stages=stages,
                              threshold=threshold if clip == "global" else None,
                              threshold_name=tr("θ (largest allowed global norm)", "θ (허용하는 최대 전체 노름)"),
                              x_title=tr("parameter (global: all of them as one vector)",
                                         "매개변수 (global: 전부를 한 벡터로)"),
                              y_title=tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"))  # fmt: skip
ui.chart_with_exports(clip_fig, clip_result.table.drop(columns="norm"), "remedies_clipping", ctx, clip_title,
                      clip_caption)  # fmt: skip
for line in claims.render(claims.clip_claims(clip_result), ctx.lang):
    st.markdown(f"- {line}")
st.caption(tr("Clipping acts on the gradient after the backward pass: it bounds the update's size, it does not "
              "change which steps the gradient comes from. A vanishing gradient stays vanished.",
              "기울기 클리핑은 역전파가 끝난 기울기에 작용합니다. 갱신의 크기를 제한할 뿐, 기울기가 어느 시각에서 오는지는 "
              "바꾸지 않습니다. 소실된 기울기는 소실된 그대로입니다."))  # fmt: skip

notes_ui.in_the_notes(ctx, "remedies", only=("gradient_flipping",))

# ------------------------------------------------------------------------------------------------- truncation
st.header(tr("2. Truncated BPTT", "2. Truncated BPTT (잘린 BPTT)"))
st.markdown(tr(
    "The book's stateful blocks (chapter 5, `time_size`): the hidden state is carried forward from block to block, "
    "the gradient is not carried back. Below: ‖∂L/∂h_t‖ with full BPTT and with blocks of k steps.",
    "책의 블록 방식(5장, `time_size`): 은닉 상태는 블록에서 블록으로 이어지지만 기울기는 이전 블록으로 전해지지 "
    "않습니다. 아래는 전체 BPTT와 k 시각 블록의 ‖∂L/∂h_t‖입니다.",
))  # fmt: skip
raw_k = ui.widget(spec["block"], ctx.lang)
k, note = remedies.safe_block(raw_k, s.T)
if note:
    ui.show_notices([note], ctx.lang)
trunc = cached.truncation(s, kind, k)
trunc_caption = caption | {"k": k}
trunc_title = tr(f"{name} ‖∂L/∂h_t‖: full vs truncated BPTT (k = {k})",
                 f"{name} ‖∂L/∂h_t‖: 전체 BPTT와 Truncated BPTT (k = {k})")  # fmt: skip
ui.view_chart(remedies_ui.truncation_chart, trunc, functools.partial(cached.truncation, s, kind, k), kind,
              name="remedies_truncation", ctx=ctx, title=trunc_title, caption=trunc_caption)  # fmt: skip
for line in claims.render(claims.trunc_claims(trunc, kind), ctx.lang):
    st.markdown(f"- {line}")
if s.loss == "last" and k < s.T:  # more than one block
    st.caption(tr("With the loss at the last step only, the blocks before the last get no gradient at all; set "
                  "**Where the loss sits → every step** to see each block's own gradient.",
                  "손실이 마지막 시각에만 있으면 마지막 블록 이전에는 기울기가 전혀 없습니다. 블록마다의 기울기를 보려면 "
                  "**손실의 위치 → 모든 시각**을 고르세요."))  # fmt: skip

# ---------------------------------------------------------------------------------------------- initialisation
st.header(tr("3. Initialisation and activation", "3. 초기화와 활성화 함수"))
preset = str(ui.widget(spec["init_preset"], ctx.lang))
head, body = remedies.PRESET_TEXT[preset]
st.markdown(f"**{tr(*head)}**  \n{tr(*body)}")
moves = remedies.PRESET_CONTROLS[preset]
if moves is not None:
    st.button(tr("Apply to the sidebar", "사이드바에 적용"), on_click=ui.set_controls, args=(moves,),
              key=f"apply_{preset}", icon=":material/tune:")  # fmt: skip
result = cached.init_preset(s, preset)
init_title = tr(f"‖∂L/∂h_t‖: your settings vs {head[0]}", f"‖∂L/∂h_t‖: 현재 설정과 {head[1]}")
init_caption = caption | {"preset": preset}
init_y = (tr("‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ (log scale)", "‖∂L/∂h_t‖와 ‖∂L/∂c_t‖ (로그 눈금)") if result.cells
          else tr("‖∂L/∂h_t‖ (log scale)", "‖∂L/∂h_t‖ (로그 눈금)"))  # fmt: skip
ui.view_chart(flow_ui.paths, result, functools.partial(cached.init_preset, s, preset), init_y, name="remedies_init",
              ctx=ctx, title=init_title, caption=init_caption)  # fmt: skip
for line in claims.render(claims.preset_claims(result), ctx.lang):
    st.markdown(f"- {line}")

st.header(tr("4. Weight decay", "4. 가중치 감소"))
st.markdown(tr(
    "Weight decay (L2 on the weights) acts during training, step after step, so it has no curve on a single backward "
    "pass; it belongs to the training lab. See *Deep Learning from Scratch* (book 1) section 6.4 (weight decay) and "
    "[PyTorch's `weight_decay`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html): the lab's "
    "`rc.train` adds it to the gradient as `torch.optim.Adam` and SGD do (coupled L2); AdamW instead decays the "
    "weights apart from the gradient (decoupled), which differs under Adam.",
    "가중치 감소(가중치에 대한 L2)는 학습 중에 매 갱신마다 작용하므로 역전파 한 번의 곡선으로는 보이지 않습니다. 학습 "
    "실험실에서 다룹니다. 밑바닥부터 시작하는 딥러닝 1의 6.4절(가중치 감소)과 "
    "[PyTorch의 `weight_decay`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)를 보세요. 실험실의 "
    "`rc.train`은 `torch.optim.Adam`과 SGD처럼 기울기에 더합니다(결합된 L2). AdamW는 기울기와 따로 가중치를 "
    "줄이며(분리된 감쇠), Adam에서는 결과가 다릅니다.",
))  # fmt: skip
notes_ui.in_the_notes(ctx, "remedies", only=("weight_normalisation_term", "h0_zero"))
