"""GRU: the update gate's direct path."""
import streamlit as st

import charts
from explorer import cached, text, ui

s = st.session_state["settings"]
book = s.gru_form == "dlfs2"
st.title("GRU: the update gate's direct path")
st.markdown(
    "The new state mixes the old one and a candidate. The old state passes through **element-wise**, scaled by "
    "the *keep* gate, so the direct path of the backward is **∂L/∂h_{t−1} ∋ ∂L/∂h_t ⊙ k_t**. Move the **GRU "
    "keep-gate bias** in the sidebar, and switch the **formulation** to see how z flips.")
if book:
    st.info("**Book (DLFS2) formulation**: h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃, with the reset gate applied before "
            "the matmul, h̃ = tanh(x W_x + (r ⊙ h) W_h + b). Here z is the *update* gate: the keep gate is 1 − z, "
            "so a large z forgets.")
else:
    st.info("**PyTorch formulation**: h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, with the reset gate applied after the "
            "matmul, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). Here z itself is the keep gate: a large z "
            "remembers. The book's z is PyTorch's 1 − z.")

result = cached.gru_view(s)
markers = cached.data.overflow_markers([result.summary])
keep = "1 − z" if book else "z"
fig = charts.norm_chart(result.curves, f"GRU backward: ‖∂L/∂h_t‖ and the direct path ∏ ({keep})", s.caption(),
                        markers=markers)
ui.chart_with_exports(fig, result.curves, "gru_paths", s)

st.subheader("What the plot says")
for line in text.gate_reading(result, s, keep):
    st.markdown(f"- {line}")

st.subheader("Update gate z over time × unit (sample 1), as the formulation writes it")
st.markdown(("Bright = large z = **forget** (the book's z updates)." if book else
             "Bright = large z = **keep** (PyTorch's z keeps).") + " The keep-gate bias moves every unit at once.")
heat = charts.gate_heatmap(result.heatmap, "Update gate z_t", s.caption(), gate_label="z")
ui.chart_with_exports(heat, result.heatmap, "gru_update_gate", s)
