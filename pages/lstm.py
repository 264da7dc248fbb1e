"""LSTM: the cell-state path through the forget gate."""
import streamlit as st

import charts
from explorer import cached, text, ui

s = ui.current_settings()
st.title("LSTM: the cell-state path")
st.markdown(
    r"Along the cell, the backward is $\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t$ (plus "
    r"terms through h): an element-wise product with a new forget gate each step, no matrix. So the cell path "
    r"keeps about $f^T$ of the gradient: with $f \approx \sigma(b_f) = 0.5$ at bias 0 that still vanishes. "
    "Move the **LSTM forget-gate bias** in the sidebar.")

result = cached.lstm_view(s)
markers = cached.data.overflow_markers([result.summary])
fig = charts.norm_chart(result.curves, "LSTM backward: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ and the cell path ∏ f", s.caption(),
                        y_title="gradient norm (log scale)", markers=markers)
ui.chart_with_exports(fig, result.curves, "lstm_paths", s)

st.subheader("What the plot says")
for line in text.gate_reading(result, s, "f"):
    st.markdown(f"- {line}")

st.subheader("Forget gate f over time × unit (sample 1)")
st.markdown("Bright = open (keeps the cell), dark = closed (forgets). The gradient along the cell path of a unit "
            "is the product of its row.")
heat = charts.gate_heatmap(result.heatmap, "Forget gate f_t", s.caption(), gate_label="f")
ui.chart_with_exports(heat, result.heatmap, "lstm_forget_gate", s)
