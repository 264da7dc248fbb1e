"""Compare: ‖∂L/∂h_t‖ of the RNN, LSTM and GRU on the same inputs and seed."""
import streamlit as st

import charts
from explorer import cached, text, ui

s = ui.current_settings()
st.title("How far back does the gradient reach?")
st.markdown(
    r"Each line is $\lVert \partial L / \partial h_t \rVert$: how strongly the loss at the last step still "
    "depends on the hidden state at step *t*. The axis is logarithmic, so a straight falling line means the "
    "gradient shrinks by the same factor at every step back: it **vanishes**. Move **T** and the **LSTM "
    "forget-gate bias** in the sidebar and watch the blue line.")

left, right = st.columns(2)
show_open = left.toggle(f"Also show LSTM and GRU with gates opened (bias +{cached.data.OPEN_GATE_BIAS:g})",
                        value=True, key="show_open")
band = right.toggle("Range over 10 seeds (slower)", value=False, key="seed_band")

result = cached.compare(s, show_open)
bands = cached.seed_band(s, 10) if band else None
markers = cached.data.overflow_markers(result.summaries.values())
fig = charts.norm_chart(result.curves, "‖∂L/∂h_t‖ back through time: RNN vs LSTM vs GRU", s.caption(),
                        bands=bands, markers=markers)
ui.chart_with_exports(fig, result.curves, "compare", s)

st.subheader("What the plot says")
for line in text.compare_reading(result, s):
    st.markdown(f"- {line}")
st.caption("Loss at the last step means L = Σ h_T (the book's dh = ones); the norm over the batch is set in the "
           "sidebar. Norms are computed in the log domain, so an exploding run stays exact past float64's range.")
