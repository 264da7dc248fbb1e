"""GRU: the update gate's direct path."""
import streamlit as st

import charts
from explorer import cached, text, ui

s = ui.current_settings()
book = s.gru_form == "dlfs2"
st.title("GRU: the update gate's direct path")
st.markdown(
    "The new state mixes the old one and a candidate. The old state passes through **element-wise**, scaled by "
    r"the *keep* gate, so the direct path of the backward is $\partial L/\partial h_{t-1} \ni \partial L/\partial "
    r"h_t \odot k_t$. Move the **GRU keep-gate bias** in the sidebar, and switch the **formulation** to see how "
    "z flips.")
if book:
    st.info(r"**Book (DLFS2) formulation**: $h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h$, with the reset "
            r"gate applied before the matmul, $\tilde h = \tanh(x W_x + (r \odot h) W_h + b)$. Here z is the "
            "*update* gate: the keep gate is 1 − z, so a large z forgets.")
else:
    st.info(r"**PyTorch formulation**: $h_t = (1 - z) \odot n + z \odot h_{t-1}$, with the reset gate "
            r"applied after the matmul, $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$. Here z "
            "itself is the keep gate: a large z remembers. The book's z is PyTorch's 1 − z.")

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
