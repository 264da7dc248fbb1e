"""Vanilla RNN: the repeated W_hh matmul and the tanh derivative, separated."""

import numpy as np
import streamlit as st

import charts
from explorer import cached, text, ui

s, lang, tr = ui.page_start()
st.title(tr("Vanilla RNN: the W_hh matmul and the tanh′ factor", "기본 RNN: W_hh 행렬곱과 tanh′ 인자"))
st.markdown(
    tr(
        "Backward through one step multiplies by **tanh′(a_t) = 1 − h_t²** (at most 1) and then by **W_hh** "
        "(the same matrix every step). Here the two are separated: the W_hh-only chain is the book's experiment, "
        "the tanh′-only chain replaces W_hh with the identity. Try **Recurrent init → orthogonal** or "
        "**Set the spectral radius** in the sidebar.",
        "한 단계의 역전파는 **tanh′(a_t) = 1 − h_t²**(최대 1)를 곱한 뒤 **W_hh**(매 단계 같은 행렬)를 곱합니다. 여기서는 "
        "둘을 따로 봅니다. W_hh만의 연쇄는 책의 실험이고, tanh′만의 연쇄는 W_hh를 단위 행렬로 바꾼 것입니다. 사이드바에서 "
        "**순환 가중치 초기화 → orthogonal**이나 **스펙트럼 반경 지정**을 시도해 보세요.",
    )
)

st.button(
    tr(
        "Book preset: DLFS2 chapter 6 (N=2, H=3, T=20, np.random.seed(3))",
        "책 설정: 밑바닥부터 시작하는 딥러닝 2, 6장 (N=2, H=3, T=20, np.random.seed(3))",
    ),
    on_click=ui.set_controls,
    args=(ui.BOOK_PRESET,),
    key="book_preset",
    type="primary",
    icon=":material/menu_book:",
)

with st.expander(
    tr("The book's figure, exactly (ch06/rnn_gradient_graph.py)", "책의 그림 그대로 (ch06/rnn_gradient_graph.py)"),
    expanded=s.scheme == "book",
):
    book = cached.book_view()
    st.markdown(
        tr(
            "`np.random.seed(3); Wh = np.random.randn(3, 3)`, then 20 times `dh = dh @ Wh.T` from "
            "`dh = np.ones((2, 3))`, with the book's norm `sqrt(sum(dh**2)) / N`. No tanh, no forward pass.",
            "`np.random.seed(3); Wh = np.random.randn(3, 3)`로 만든 뒤 `dh = np.ones((2, 3))`에서 시작해 "
            "`dh = dh @ Wh.T`를 20번 반복하고, 책의 노름 `sqrt(sum(dh**2)) / N`을 잽니다. tanh도 순전파도 "
            "없습니다.",
        )
    )
    ui.chart_with_exports(
        charts.book_chart(
            book, "DLFS2 ch. 6: exploding (Wh) and vanishing (Wh × 0.5)", {"N": 2, "H": 3, "T": 20, "seed": 3}
        ),
        book,
        "book_figure",
        s,
    )
    wide = book.pivot(index="step", columns="curve", values="norm")
    st.dataframe(wide.style.format("{:.6g}"), height=250)
    st.caption(
        tr(
            "σ_max(Wh) = 2.66 but ρ(Wh) = 1.26; × 0.5 gives σ_max = 1.33 > 1, yet ρ = 0.63 < 1 and it "
            "vanishes: the long-run rate is the spectral radius. With the preset on, the dashed W_hh-only "
            "curve below repeats these numbers, while the full BPTT with a real forward pass (tanh "
            "saturating) vanishes even for the 'exploding' matrix.",
            "σ_max(Wh) = 2.66이지만 ρ(Wh) = 1.26입니다. 0.5를 곱하면 σ_max = 1.33 > 1인데도 ρ = 0.63 < 1이라 "
            "소실됩니다. 긴 구간의 비율은 스펙트럼 반경이 정합니다. 책 설정에서는 아래의 W_hh만의 점선이 이 "
            "숫자를 그대로 재현하고, 실제 순전파가 있는 전체 BPTT는 (tanh 포화 때문에) '폭발' 행렬에서도 "
            "소실됩니다.",
        )
    )

result = cached.rnn_view(s)
markers = cached.data.overflow_markers([result.summary])
fig = charts.norm_chart(result.chains, "RNN backward: full BPTT, W_hh alone, tanh′ alone", s.caption(), markers=markers)
ui.chart_with_exports(fig, result.chains, "rnn_chains", s)

st.subheader(tr("Gain of each factor, step by step", "단계별 각 인자의 이득"))
st.markdown(
    tr(
        "Their logs add up to the total at every step. The dashed line is the Pascanu bound "
        "σ_max·γ on a single step (γ = max|tanh′| = 1); the dotted line is ρ, the long-run rate.",
        "매 단계 두 인자의 로그를 더하면 전체가 됩니다. 파선은 한 단계에 대한 Pascanu 상한 σ_max·γ "
        "(γ = max|tanh′| = 1), 점선은 긴 구간의 비율 ρ입니다.",
    )
)
facts = result.facts
with np.errstate(divide="ignore"):
    bound, rho = np.log10(facts.pascanu_bound), np.log10(facts.spectral_radius)
gain_fig = charts.gain_chart(
    result.gains,
    "Per-step gains: tanh′ × W_hh = total",
    s.caption(),
    bound_log10=bound if np.isfinite(bound) else None,
    rho_log10=rho if np.isfinite(rho) else None,
)
ui.chart_with_exports(gain_fig, result.gains, "rnn_gains", s)

st.subheader(tr("The spectrum of W_hh", "W_hh의 스펙트럼"))
left, right = st.columns(2)
with left:
    ui.chart_with_exports(
        charts.spectrum_chart(
            result.eigenvalues, "Eigenvalues of W_hh", s.caption(), facts.spectral_radius, facts.sigma_max
        ),
        result.eigenvalues,
        "rnn_eigenvalues",
        s,
    )
with right:
    ui.chart_with_exports(
        charts.singular_value_chart(result.spectrum, "Singular values and |eigenvalues|", s.caption()),
        result.spectrum,
        "rnn_singular_values",
        s,
    )

st.subheader(tr("What the plots say", "그래프 읽기"))
for line in text.rnn_reading(result, s, lang):
    st.markdown(f"- {line}")
