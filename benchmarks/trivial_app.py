"""The baseline for ``python -m benchmarks.app``: one sidebar slider, one Plotly line chart, nothing else.

What Streamlit + Plotly cost on their own for a slider move (rerun, figure serialisation, websocket, redraw); the
slider has the app's T label and range so the benchmark drives both the same way.

    streamlit run benchmarks/trivial_app.py
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

T = st.sidebar.slider("Sequence length T", 1, 1000, 50, 1, key="T")
t = np.arange(T)
fig = go.Figure(go.Scatter(x=t, y=np.sin(t / 10.0), mode="lines", name="sin"))
fig.update_layout(title=f"Baseline: T={T}", xaxis_title="t", yaxis_title="sin(t / 10)")
st.plotly_chart(fig, key="chart")
