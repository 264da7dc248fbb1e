"""Theory: the seed's equations, the backward equations the plots show, how to read them, and sources."""

import streamlit as st

from charts import notes as ncharts
from charts import remedies as rcharts
from explorer.shared import ui
from explorer.theory import cached as theory_cached
from explorer.theory import claims as theory_claims
from explorer.theory import data as theory
from explorer.theory import ui as notes_ui

ctx = ui.page_context("theory")
tr = ctx.tr


def book_code(kind: str) -> None:
    """The book's cell of ``kind`` as ``recurrent_core.reference`` writes it (its source, read at run time)."""
    with st.expander(tr("The book's code for this cell (row vectors, `recurrent_core/reference.py`)",
                        "이 셀의 책 코드 (행 벡터, `recurrent_core/reference.py`)"), expanded=False):  # fmt: skip
        st.code(theory_cached.constant(("source", kind), lambda: theory.source(kind)), language="python")


st.title(tr("Theory: what the plots compute", "이론: 그래프가 계산하는 것"))
st.markdown(
    tr(
        "The equations below are exactly what `recurrent_core` computes (float64, checked against finite differences "
        "and PyTorch). Weights are in PyTorch's layout; the book (DLFS2) writes row vectors, `h W_h` with "
        "`W_h = W_hhᵀ`. The loss is L = Σ_t ⟨g_t, h_t⟩ with g_t the upstream gradient: ones at the last step only "
        "(the book's `dh = np.ones((N, H))`), or at every step.",
        "아래 식은 `recurrent_core`가 계산하는 그대로입니다 (float64, 유한 차분과 PyTorch로 검증). 가중치는 PyTorch의 "
        "배열 방식을 따릅니다. 책(밑바닥부터 시작하는 딥러닝 2)은 행 벡터로 `h W_h`라고 쓰며 `W_h = W_hhᵀ`입니다. 손실은 "
        "L = Σ_t ⟨g_t, h_t⟩이고 g_t는 상류에서 흘러오는 기울기(상류 기울기)입니다. 마지막 시각만 1(책의 `dh = np.ones((N, H))`)이거나 "
        "모든 시각에 있습니다.",
    )
)

st.header(tr("The long dependency the chapter starts from", "6장이 출발하는 장기 의존 관계"))
st.markdown(tr(
    "DLFS2 chapter 6 opens with a language model that must fill in the last word of “Tom was watching TV in his "
    "room. Mary came into the room. Mary said hi to ?”: the answer, Tom, is the first word. To learn that, the "
    "gradient from the loss at “?” must reach the step where “Tom” went in. The training lab's adding problem "
    "asks the same at any lag T: the answer is the sum of two marked values, the first of them in the first half "
    "of the sequence, so between T/2 and T steps before the answer.",
    "밑바닥부터 시작하는 딥러닝 2의 6장은 “Tom was watching TV in his room. Mary came into the room. Mary said hi "
    "to ?”의 마지막 단어를 맞혀야 하는 언어 모델로 시작합니다. 답인 Tom은 첫 단어입니다. 이를 학습하려면 “?” "
    "위치의 손실에서 나온 기울기가 “Tom”이 들어간 시각까지 닿아야 합니다. 학습 실험실의 덧셈 문제는 같은 것을 "
    "임의의 길이 T에서 묻습니다. 답은 표시된 두 값의 합이고 그중 첫 값은 시퀀스의 앞쪽 절반에 있으므로, 답보다 "
    "T/2에서 T 시각 앞에 있습니다.",
))  # fmt: skip
adding = theory_cached.constant("adding_example", theory.adding_example)
tom_title = tr("The answer depends on a step far back", "답은 멀리 앞선 시각에 달려 있습니다")
tom_fig = theory_cached.constant(("long_dependency", ctx.lang), lambda: ncharts.long_dependency_chart(
    theory.TOM_WORDS, theory.TOM_SOURCE, adding, tom_title,
    names={"sentence": tr("the book's sentence", "책의 문장"), "source": tr("the word the answer is", "답이 되는 단어"),
           "answer": tr("the answer's place", "답의 자리"), "input": tr("input value", "입력값"),
           "marked": tr("marked values", "표시된 값"), "target": tr("the answer (their sum)", "답 (두 값의 합)")},
    x_titles=(tr("token position (words and periods)", "토큰 위치 (단어와 마침표)"),
              tr(f"time step t: one sequence of the adding problem, T = {theory.ADDING_EXAMPLE_T}",
                 f"시각 t: 덧셈 문제의 시퀀스 하나, T = {theory.ADDING_EXAMPLE_T}")),
    arrow_texts=(tr("“?” is “Tom”, {k} tokens back", "“?”는 {k} 토큰 앞의 “Tom”"),
                 tr("the answer needs the first marked value, {k} steps back", "답에 필요한 첫 표시 값은 {k} 시각 앞")),
))  # fmt: skip
ui.chart_with_exports(tom_fig, adding, "theory_long_dependency", ctx, tom_title, {"T": theory.ADDING_EXAMPLE_T},
                      stem="theory_long_dependency")  # fmt: skip
st.caption(tr("Lower row: the value channel of one sequence the lab trains on (`rc.task_batch(\"adding\", 50, 1, 0, "
              "0)`); the two marked steps in blue, the answer in orange after the last step.",
              "아래 줄: 실험실이 학습하는 시퀀스 하나의 값 채널 (`rc.task_batch(\"adding\", 50, 1, 0, 0)`). 표시된 두 "
              "시각은 파랑, 답은 마지막 시각 다음에 주황입니다."))  # fmt: skip

st.header(tr("Vanilla RNN", "기본 RNN"))
st.latex(r"h_t = \tanh\left(x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b\right)")
st.markdown(
    tr(
        "Backward through one step: the tanh′ factor, then the same matrix every step.",
        "한 시각의 역전파: tanh′ 인자, 그리고 매 시각 같은 행렬.",
    )
)
st.latex(
    r"\begin{aligned} \frac{\partial L}{\partial h_{t-1}} = {} & g_{t-1} \\ "
    r"& + \Big(\frac{\partial L}{\partial h_t} \odot \underbrace{(1 - h_t^2)}_{\tanh',\ \le 1}\Big) W_{hh} \end{aligned}"
)
st.markdown(
    tr(
        "Over many steps the product of W_hh grows or shrinks like **ρ(W_hh)ᵏ**, the spectral radius to the k-th "
        "power. Pascanu, Mikolov & Bengio (2013) bound one step: ‖∂L/∂h_{t−1}‖ ≤ σ_max(W_hh) · γ · ‖∂L/∂h_t‖ with "
        "γ = max|tanh′| = 1, so σ_max < 1 is *sufficient* for vanishing and σ_max > 1 *necessary* for exploding. "
        "The book's matrix has σ_max = 2.66 but ρ = 1.26; halved, σ_max = 1.33 > 1 and yet ρ = 0.63 and it "
        "vanishes. tanh′ only shrinks: with a real forward pass, saturation can make the book's 'exploding' matrix "
        "vanish.",
        "여러 시각에 걸친 W_hh의 곱은 **ρ(W_hh)ᵏ**, 곧 스펙트럼 반경의 k제곱처럼 커지거나 작아집니다. Pascanu, Mikolov, "
        "Bengio(2013)는 한 시각을 ‖∂L/∂h_{t−1}‖ ≤ σ_max(W_hh) · γ · ‖∂L/∂h_t‖ (γ = max|tanh′| = 1)로 위에서 제한합니다. 따라서 "
        "σ_max < 1은 소실의 *충분*조건, σ_max > 1은 폭발의 *필요*조건입니다. 책의 행렬은 σ_max = 2.66이지만 ρ = 1.26이고, "
        "절반으로 줄이면 σ_max = 1.33 > 1인데도 ρ = 0.63이라 소실됩니다. tanh′은 줄이기만 하므로, 실제 순전파가 있으면 "
        "포화 때문에 책의 '폭발' 행렬도 소실될 수 있습니다.",
    )
)

book_code("rnn")

st.header("LSTM")
st.latex(
    r"\begin{aligned} [a_i\ a_f\ a_g\ a_o] &= x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b \\ "
    r"i, f, o &= \sigma(a_i), \sigma(a_f), \sigma(a_o),\quad g = \tanh(a_g) \\ "
    r"c_t &= f \odot c_{t-1} + i \odot g \\ h_t &= o \odot \tanh(c_t) \end{aligned}"
)
st.latex(
    r"\begin{aligned} \frac{\partial L}{\partial c_t} = {} & \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1} \\ "
    r"& + \frac{\partial L}{\partial h_t} \odot o_t \odot (1 - \tanh^2 c_t) \end{aligned}"
)
st.markdown(
    tr(
        "The first term is the **cell path**: element-wise, no matrix. Alone it keeps ∏ f of the gradient. "
        "With gate bias 0 (PyTorch's default init) f ≈ σ(0) = 0.5 and f²⁰ ≈ 10⁻⁶: the LSTM vanishes too. A forget "
        "bias of +1 (Jozefowicz et al. 2015) gives f²⁰ ≈ 2·10⁻³, +3 gives 0.38. Chrono init (Tallec & Ollivier "
        "2018) sets b_f = log U[1, T_max − 1] for memories of about T_max steps.",
        "첫 항이 **셀 경로**입니다. 행렬 없이 원소별 곱이며, 이것만으로는 기울기의 ∏ f를 간직합니다. 게이트 편향이 0이면 "
        "(PyTorch 기본 초기화) f ≈ σ(0) = 0.5이고 f²⁰ ≈ 10⁻⁶이므로 LSTM도 소실됩니다. 망각 편향 +1(Jozefowicz 등 2015)이면 "
        "f²⁰ ≈ 2·10⁻³, +3이면 0.38입니다. Chrono 초기화(Tallec & Ollivier 2018)는 약 T_max 시각을 기억하도록 "
        "b_f = log U[1, T_max − 1]로 둡니다.",
    )
)

book_code("lstm")
st.caption(tr("Gate order: the book stacks the blocks as **f, g, i, o** (`dA = np.hstack((df, dg, di, do))`), "
              "PyTorch as **i, f, g, o**; the book's `Wx` is `W_ihᵀ` with its columns in that order.",
              "게이트 순서: 책은 블록을 **f, g, i, o** 순서로 쌓고(`dA = np.hstack((df, dg, di, do))`), PyTorch는 "
              "**i, f, g, o** 순서입니다. 책의 `Wx`는 열을 그 순서로 둔 `W_ihᵀ`입니다."))  # fmt: skip

st.header("GRU")
st.markdown(tr("Two formulations, with the same gate rows r, z, n:", "게이트 행 r, z, n이 같은 두 가지 수식:"))
st.latex(
    r"\begin{aligned} \text{PyTorch: } n &= \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})\big) \\ "
    r"h_t &= (1 - z) \odot n + z \odot h_{t-1} \end{aligned}"
)
st.latex(
    r"\begin{aligned} \text{DLFS2: } \tilde h &= \tanh\big(x W_x + (r \odot h_{t-1}) W_h + b\big) \\ "
    r"h_t &= (1 - z) \odot h_{t-1} + z \odot \tilde h \end{aligned}"
)
st.latex(
    r"\begin{aligned} \frac{\partial L}{\partial h_{t-1}} &= \frac{\partial L}{\partial h_t} \odot k_t + \dots \\ "
    r"k_t &= \begin{cases} z_t & \text{PyTorch} \\ 1 - z_t & \text{DLFS2} \end{cases} \end{aligned}"
)
st.markdown(
    tr(
        "The book's z is PyTorch's 1 − z (and Cho et al.'s 1 − z too: Cho et al. 2014 write "
        "h = z ⊙ h₋₁ + (1 − z) ⊙ h̃; the book shares only the reset placement of their third version, before the "
        "matmul). The two also differ numerically because the reset gate sits before or after the matmul. In this app the **update-gate bias** is added to the keep gate k (PyTorch's z, the book's 1 − z), so + always keeps more.",
        "책의 z는 PyTorch의 1 − z이고, Cho 등(2014)의 1 − z이기도 합니다 (Cho 등은 h = z ⊙ h₋₁ + (1 − z) ⊙ h̃로 "
        "씁니다. 책은 그 세 번째 버전의 리셋 위치, 곧 행렬 곱 앞만 같습니다). 리셋 게이트가 행렬 곱 앞에 있는지 뒤에 있는지에 따라 수치도 다릅니다. "
        "이 앱의 **업데이트 게이트 편향**은 이전 상태를 그대로 넘기는 비율 k(PyTorch의 z, 책의 1 − z)에 더해지므로 어느 쪽이든 +일수록 더 유지합니다.",
    )
)

book_code("gru")
st.caption(tr("Gate order: the book's **z, r, h̃** against PyTorch's **r, z, n**; the book's z is PyTorch's 1 − z "
              "and its reset sits before the matmul.",
              "게이트 순서: 책은 **z, r, h̃**, PyTorch는 **r, z, n**입니다. 책의 z는 PyTorch의 1 − z이고, 리셋 "
              "게이트가 행렬 곱 앞에 있습니다."))  # fmt: skip

st.header(tr("Common pitfalls in the study notes", "학습 노트의 흔한 실수"))
st.markdown(
    tr(
        """
- **LSTM backward, `dx = dA @ Wh.T`** is wrong: the input gradient goes through the input weights,
  **`dx = dA @ Wx.T`** (`dh_prev = dA @ Wh.T` is the recurrent one). The shapes only agree by accident when D = H.
- **`np.sigmoid` does not exist**: NumPy has no sigmoid. The book defines `sigmoid(x) = 1 / (1 + np.exp(-x))` in
  `common/functions.py` (`scipy.special.expit` is the numerically safe one).
- **Gate order**: copying PyTorch weights into the book's layers needs the blocks reordered (above); the book's
  GRU z is PyTorch's 1 − z.
""",
        """
- **LSTM 역전파의 `dx = dA @ Wh.T`** 는 틀렸습니다. 입력의 기울기는 입력 가중치를 거치므로 **`dx = dA @ Wx.T`** 입니다
  (`dh_prev = dA @ Wh.T`가 순환 쪽). D = H일 때만 우연히 형상이 맞습니다.
- **`np.sigmoid`는 없습니다**: NumPy에는 시그모이드 함수가 없습니다. 책은 `common/functions.py`에서
  `sigmoid(x) = 1 / (1 + np.exp(-x))`로 정의합니다 (수치적으로 안전한 것은 `scipy.special.expit`).
- **게이트 순서**: PyTorch의 가중치를 책의 계층에 옮기려면 블록 순서를 바꿔야 합니다 (위 참고). 책의 GRU z는 PyTorch의
  1 − z입니다.
""",
    )
)

s_ = ctx.settings
st.header(tr(f"Parameters for D = {s_.D}, H = {s_.H}", f"D = {s_.D}, H = {s_.H}일 때의 매개변수 수"))
counts = theory.param_counts(s_.D, s_.H)
st.dataframe(counts, hide_index=True)
st.markdown(
    tr(
        "Each gate block has its own W_ih (H × D), W_hh (H × H) and bias: the RNN has 1 block, the GRU 3 (r, z, n), "
        "the LSTM 4 (i, f, g, o). So the GRU has exactly **¾** of the LSTM's parameters (3 blocks of 4) at any D and H. "
        "`book_total` counts the book's one bias `b`, `pytorch_total` PyTorch's two (`bias_ih`, `bias_hh`).",
        "게이트 블록마다 W_ih (H × D), W_hh (H × H), 편향이 따로 있습니다. RNN은 블록 1개, GRU는 3개(r, z, n), LSTM은 "
        "4개(i, f, g, o)입니다. 그래서 어떤 D와 H에서도 GRU의 매개변수는 LSTM의 정확히 **¾**입니다 (블록 4개 중 3개). "
        "`book_total`은 책의 편향 `b` 하나, `pytorch_total`은 PyTorch의 편향 두 개(`bias_ih`, `bias_hh`)로 셉니다.",
    )
)

st.header(tr("tanh, σ and their derivatives", "tanh, σ와 그 도함수"))
st.markdown(
    tr(
        "tanh′ is at most **1** (at 0) and σ′ at most **¼**: a backward step through an activation can only shrink the "
        "gradient (Pascanu's γ = 1 for tanh, ¼ for σ).",
        "tanh′의 최댓값은 **1**(0에서), σ′의 최댓값은 **¼**입니다. 활성화 함수를 거치는 역전파는 기울기를 줄일 수만 "
        "있습니다 (Pascanu의 γ: tanh는 1, σ는 ¼).",
    )
)
act_title = tr("tanh, tanh′, σ and σ′ (bounds 1 and ¼)", "tanh, tanh′, σ, σ′ (상한 1과 ¼)")
act_fig = rcharts.activation_chart(
    act_title, {"tanh": "tanh", "dtanh": "tanh′", "sigmoid": "σ", "dsigmoid": "σ′"},
    x_title=tr("pre-activation a", "활성화 전 값 a"), y_title=tr("value", "값"),
    bound_names={"one": tr("1 = max tanh′", "1 = tanh′의 최댓값"), "quarter": tr("¼ = max σ′", "¼ = σ′의 최댓값")},
)  # fmt: skip
ui.chart_with_exports(act_fig, rcharts.activation_table(), "theory_activations", ctx, act_title, {})

st.header(tr("ReLU or tanh? Both notes are partly right", "ReLU냐 tanh냐? 두 노트 모두 일부만 맞습니다"))
st.markdown(tr(
    "The book's NOTE in §6.1.3 (after Talathi & Vartak 2015) says ReLU instead of tanh improves the gradient flow; "
    "another study note says ReLU explodes more easily, which is why RNNs use tanh. Measured here: the same W_hh, "
    "rescaled to each spectral radius ρ, run once with tanh and once with ReLU on the same inputs, under four "
    "initialisations and 20 seeds. The chart counts the runs in which ReLU keeps more of ‖∂L/∂h_t‖ back at t = 0.",
    "책 6.1.3절의 NOTE(Talathi와 Vartak 2015 인용)는 tanh 대신 ReLU를 쓰면 기울기 흐름이 좋아진다고 하고, 다른 학습 "
    "노트는 ReLU가 더 쉽게 폭발해서 RNN은 tanh를 쓴다고 합니다. 여기서 직접 재 봅니다. 같은 W_hh를 스펙트럼 반경 ρ마다 "
    "맞추고, 같은 입력으로 tanh와 ReLU로 한 번씩 계산합니다 (초기화 네 가지, 시드 20개). 그래프는 t = 0까지 "
    "‖∂L/∂h_t‖를 ReLU가 더 많이 간직한 실행의 비율입니다.",
))  # fmt: skip
ui.waiting_notice(tr)
act_result = theory_cached.relu_vs_tanh()
act_s = act_result.settings
act_caption = {"T": act_s.T, "H": act_s.H, "N": act_s.N, "D": act_s.D, "seeds": f"0–{act_result.n_seeds - 1}",
               "loss": act_s.loss}  # fmt: skip
relu_title = tr("ReLU against tanh on the same W_hh: runs where ReLU keeps more",
                "같은 W_hh에서 ReLU와 tanh: ReLU가 더 많이 간직한 실행")  # fmt: skip
relu_fig = theory_cached.constant(("relu_tanh", ctx.lang), lambda: ncharts.relu_tanh_chart(
    act_result.summary, relu_title, act_caption,
    names={k: tr(*theory_claims.SCHEME_NAMES[k]) for k in theory.ACTIVATION_SCHEMES},
    x_title=tr("spectral radius ρ of W_hh", "W_hh의 스펙트럼 반경 ρ"),
    y_title=tr("runs where ReLU keeps more (%)", "ReLU가 더 많이 간직한 실행 (%)"),
    half_name=tr("half the runs", "실행의 절반"),
    hover=tr("ReLU keeps more in %{customdata[0]} of %{customdata[1]} runs",
             "ReLU가 더 많이 간직한 실행: %{customdata[1]}개 중 %{customdata[0]}개"),
))  # fmt: skip
act_table = theory_cached.constant("activation_table", lambda: theory.activation_table(act_result.summary))
ui.chart_with_exports(relu_fig, act_table, "theory_relu_tanh", ctx, relu_title, act_caption,
                      stem="theory_relu_tanh")  # fmt: skip
act_lines = theory_cached.constant(
    ("relu_tanh_claims", ctx.lang), lambda: theory_claims.render(theory_claims.activation_claims(act_result), ctx.lang)
)
for line in act_lines:
    st.markdown(f"- {line}")
st.caption(tr(
    f"Fixed reference run (the sidebar does not change it): T = {act_s.T}, H = {act_s.H}, N = {act_s.N}, "
    f"D = {act_s.D}, inputs N(0, 1), the loss at the last step, seeds 0–{act_result.n_seeds - 1}. “Keeps more” "
    "compares ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ of the two runs of a pair; mean φ′ is over steps, samples and units (relu′ is "
    "the share of active units). The gaussian, orthogonal and identity inits draw W_ih as N(0, 1/D) with zero "
    "biases, PyTorch's init draws everything from U(±1/√H): the inputs then push tanh less into saturation.",
    f"고정된 기준 계산 (사이드바와 무관): T = {act_s.T}, H = {act_s.H}, N = {act_s.N}, D = {act_s.D}, 입력 N(0, 1), "
    f"마지막 시각의 손실, 시드 0–{act_result.n_seeds - 1}. “더 많이 간직한다”는 한 쌍의 두 실행의 "
    "‖∂L/∂h_0‖ / ‖∂L/∂h_T‖를 비교한 것입니다. φ′의 평균은 시각, 샘플, 유닛에 대한 평균입니다 (relu′의 평균은 켜진 "
    "유닛의 비율). 가우스, 직교, 단위 행렬 초기화는 W_ih를 N(0, 1/D)로, 편향을 0으로 두고, PyTorch 초기화는 모두 "
    "U(±1/√H)에서 뽑습니다. 그래서 PyTorch 초기화에서는 입력이 tanh를 덜 포화시킵니다.",
))  # fmt: skip

st.header(tr("How to read the plots", "그래프 읽는 법"))
st.markdown(
    tr(
        """
- **Log axis, straight line**: a constant factor per step. Its slope is log10 of that factor; compare it with
  log10 ρ on the RNN page.
- **Line styles**, one meaning on every page: **solid** = the full BPTT gradient; **dashed** = one isolated path
  (W_hh alone, tanh′ alone, the cell path, the GRU's direct path); **dotted** = a variant of your settings (the
  gates opened by +3). Where a dashed path and the solid curve agree, that path carries the gradient.
- **Red dash-dot verticals** mark where a plain float64 or float32 computation overflowed to inf; the curve keeps
  going because past float64's range norms are tracked in the log domain (the backward is linear in the upstream
  gradient).
- **x axis**: time t = 0 … T (the loss at T, on the right) or, as in the book's figure, steps back from the loss
  (0 at the loss, on the left); choose it under *View* in the sidebar.
- **Norm over the batch**: `l2` is the Frobenius norm over all samples, `book` divides it by N as DLFS2 does,
  `mean` averages the per-sample norms.
- **Remedies** the book names: gradient clipping (chapter 6, `clip_grads`: rescale when ‖g‖ > θ;
  `recurrent_core.clip_global_norm`), truncated BPTT (chapter 5; `recurrent_core.bptt(..., truncate=k)`) and gated
  cells (LSTM, GRU). The book never sets a gate bias (its `rnnlm.py` starts them at 0): opening the forget gate
  comes from Gers et al. (2000) and Jozefowicz et al. (2015), chrono init from Tallec & Ollivier (2018). The book's
  own note in §6.1.3 mentions ReLU instead of tanh (after Talathi & Vartak 2015); the study notes disagree (one
  repeats it, another argues that ReLU explodes more easily, which is why RNNs use tanh) and list identity
  initialisation (IRNN, Le et al. 2015) and weight decay on their own; who is right where is measured above
  (“ReLU or tanh?”), and orthogonal initialisation comes from Saxe et al. (2014), not the book. See them at work on the
  [Remedies](remedies) page.
""",
        """
- **로그 축의 직선**: 시각마다 일정한 비율. 기울기(slope)는 그 비율의 log10이며, RNN 페이지의 log10 ρ와 비교해 보세요.
- **선 모양**은 모든 페이지에서 같은 뜻입니다: **실선** = 전체 BPTT 기울기, **파선** = 경로 하나만 떼어 낸 것
  (W_hh만, tanh′만, 셀 경로, GRU의 직접 경로), **점선** = 설정을 바꾼 변형 (게이트를 +3 연 것). 파선과 실선이 겹치는
  곳에서는 그 경로가 기울기를 나릅니다.
- **빨간 세로 일점쇄선**은 보통의 float64나 float32 계산이 inf로 넘친 시각입니다. float64 범위를 넘는 노름은 로그
  영역에서 추적하므로 (역전파는 상류 기울기에 대해 선형) 곡선은 계속 이어집니다.
- **가로축**: 시각 t = 0 … T (손실은 오른쪽 T) 또는 책의 그림처럼 손실에서 거슬러 간 시각 수 (손실 위치가 왼쪽의 0).
  사이드바의 *보기*에서 고릅니다.
- **배치에 대한 노름**: `l2`는 모든 샘플에 대한 프로베니우스 노름, `book`은 책처럼 그것을 N으로 나눈 값, `mean`은
  샘플별 노름의 평균입니다.
- 책이 말하는 **대책**: 기울기 클리핑 (6장의 `clip_grads`, ‖g‖ > θ이면 크기 조정, `recurrent_core.clip_global_norm`),
  Truncated BPTT (5장, `recurrent_core.bptt(..., truncate=k)`), 게이트 셀(LSTM, GRU). 책은 게이트 편향을 정하지 않습니다
  (`rnnlm.py`는 0에서 시작). 망각 게이트를 여는 방법은 Gers 등(2000)과 Jozefowicz 등(2015), chrono 초기화는 Tallec과
  Ollivier(2018)에서 왔습니다. tanh 대신 ReLU를 쓰는 이야기는 책 6.1.3절의 NOTE(Talathi와 Vartak 2015 인용)입니다.
  학습 노트의 의견은 갈립니다. 하나는 이를 옮겨 적고, 다른 하나는 ReLU가 더 쉽게 폭발해서 RNN은 tanh를 쓴다고 하며
  단위 행렬 초기화(IRNN, Le 등 2015)와 가중치 감소를 따로 듭니다. 어느 쪽이 어디서 맞는지는 위의 “ReLU냐 tanh냐?”에서
  재 봅니다. 직교 초기화는 책이 아니라 Saxe 등(2014)에서 왔습니다. [대책](remedies) 페이지에서 직접 확인해 보세요.
""",
    )
)

notes_ui.in_the_notes(ctx, "theory")

st.header(tr("Glossary · 용어", "용어 · Glossary"))
st.markdown("""
| English | 한국어 |
|---|---|
| vanishing / exploding gradient | 기울기 소실 / 기울기 폭발 |
| backpropagation through time (BPTT), truncated BPTT | 시간 방향 오차역전파법 (BPTT), Truncated BPTT |
| hidden state h, memory cell c | 은닉 상태 h, 기억 셀 c (셀 상태) |
| forget / input / output gate | 망각 / 입력 / 출력 게이트 |
| reset / update gate | 리셋 / 업데이트 게이트 |
| spectral radius ρ, largest singular value σ_max, eigenvalue | 스펙트럼 반경 ρ, 최대 특잇값 σ_max, 고윳값 |
| upstream gradient | 상류에서 흘러오는 기울기 (상류 기울기) |
| time step t | 시각 t |
| weight decay | 가중치 감소 |
| truncated BPTT block (`time_size`) | 블록 |
| gradient clipping | 기울기 클리핑 |
""")

st.header(tr("Sources", "출처"))
st.markdown("""
- Saito, *Deep Learning from Scratch 2* (밑바닥부터 시작하는 딥러닝 2), chapter 6, and its code
  [`ch06/rnn_gradient_graph.py`](https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/master/ch06/rnn_gradient_graph.py),
  [`common/time_layers.py`](https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/master/common/time_layers.py).
- Pascanu, Mikolov & Bengio, [On the difficulty of training recurrent neural networks](https://arxiv.org/abs/1211.5063), 2013.
- Gers, Schmidhuber & Cummins, [Learning to forget: continual prediction with LSTM](https://doi.org/10.1162/089976600300015015), 2000.
- Talathi & Vartak, [Improving performance of recurrent neural network with ReLU nonlinearity](https://arxiv.org/abs/1511.03771), 2015.
- Jozefowicz, Zaremba & Sutskever, [An empirical exploration of recurrent network architectures](https://proceedings.mlr.press/v37/jozefowicz15.html), 2015.
- Tallec & Ollivier, [Can recurrent neural networks warp time?](https://arxiv.org/abs/1804.11188) (chrono init), 2018.
- Cho et al., [Learning phrase representations using RNN encoder–decoder](https://arxiv.org/abs/1406.1078), 2014.
- Saxe, McClelland & Ganguli, [Exact solutions to the nonlinear dynamics of learning](https://arxiv.org/abs/1312.6120) (orthogonal init), 2013;
  Le, Jaitly & Hinton, [A simple way to initialize recurrent networks of ReLUs](https://arxiv.org/abs/1504.00941) (IRNN), 2015.
- Madsen, [Visualizing memorization in RNNs](https://distill.pub/2019/memorization-in-rnns/), Distill 2019.
- PyTorch [`nn.RNN`](https://pytorch.org/docs/stable/generated/torch.nn.RNN.html),
  [`nn.LSTM`](https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html),
  [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
""")
