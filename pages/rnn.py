"""Vanilla RNN: the repeated W_hh matmul and the tanh derivative, separated."""
import numpy as np
import streamlit as st

import charts
from explorer import cached, text, ui

s = ui.current_settings()
st.title("Vanilla RNN: the W_hh matmul and the tanh′ factor")
st.markdown(
    "Backward through one step multiplies by **tanh′(a_t) = 1 − h_t²** (at most 1) and then by **W_hh** "
    "(the same matrix every step). Here the two are separated: the W_hh-only chain is the book's experiment, "
    "the tanh′-only chain replaces W_hh with the identity. Try **Recurrent init → orthogonal** or "
    "**Set the spectral radius** in the sidebar.")

st.button("Book preset: DLFS2 chapter 6 (N=2, H=3, T=20, np.random.seed(3))", on_click=ui.set_controls,
          args=(ui.BOOK_PRESET,), key="book_preset", type="primary", icon=":material/menu_book:")

with st.expander("The book's figure, exactly (ch06/rnn_gradient_graph.py)", expanded=s.scheme == "book"):
    book = cached.book_view()
    st.markdown("`np.random.seed(3); Wh = np.random.randn(3, 3)`, then 20 times `dh = dh @ Wh.T` from "
                "`dh = np.ones((2, 3))`, with the book's norm `sqrt(sum(dh**2)) / N`. No tanh, no forward pass.")
    ui.chart_with_exports(charts.book_chart(book, "DLFS2 ch. 6: exploding (Wh) and vanishing (Wh × 0.5)",
                                            {"N": 2, "H": 3, "T": 20, "seed": 3}),
                          book, "book_figure", s)
    wide = book.pivot(index="step", columns="curve", values="norm")
    st.dataframe(wide.style.format("{:.6g}"), height=250)
    st.caption("σ_max(Wh) = 2.66 but ρ(Wh) = 1.26; × 0.5 gives σ_max = 1.33 > 1, yet ρ = 0.63 < 1 and it "
               "vanishes: the long-run rate is the spectral radius. With the preset on, the dashed W_hh-only "
               "curve below repeats these numbers, while the full BPTT with a real forward pass (tanh "
               "saturating) vanishes even for the 'exploding' matrix.")

result = cached.rnn_view(s)
markers = cached.data.overflow_markers([result.summary])
fig = charts.norm_chart(result.chains, "RNN backward: full BPTT, W_hh alone, tanh′ alone", s.caption(),
                        markers=markers)
ui.chart_with_exports(fig, result.chains, "rnn_chains", s)

st.subheader("Gain of each factor, step by step")
st.markdown("Their logs add up to the total at every step. The dashed line is the Pascanu bound "
            "σ_max·γ on a single step (γ = max|tanh′| = 1); the dotted line is ρ, the long-run rate.")
facts = result.facts
with np.errstate(divide="ignore"):
    bound, rho = np.log10(facts.pascanu_bound), np.log10(facts.spectral_radius)
gain_fig = charts.gain_chart(result.gains, "Per-step gains: tanh′ × W_hh = total", s.caption(),
                             bound_log10=bound if np.isfinite(bound) else None,
                             rho_log10=rho if np.isfinite(rho) else None)
ui.chart_with_exports(gain_fig, result.gains, "rnn_gains", s)

st.subheader("The spectrum of W_hh")
left, right = st.columns(2)
with left:
    ui.chart_with_exports(charts.spectrum_chart(result.eigenvalues, "Eigenvalues of W_hh", s.caption(),
                                                facts.spectral_radius, facts.sigma_max),
                          result.eigenvalues, "rnn_eigenvalues", s)
with right:
    ui.chart_with_exports(charts.singular_value_chart(result.spectrum, "Singular values and |eigenvalues|",
                                                      s.caption()),
                          result.spectrum, "rnn_singular_values", s)

st.subheader("What the plots say")
for line in text.rnn_reading(result, s):
    st.markdown(f"- {line}")
