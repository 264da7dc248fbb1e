"""Gradient flow through time: entry point. Builds the navigation and the shared controls, then runs a page.

    streamlit run app.py
"""
import streamlit as st

from explorer import ui

st.set_page_config(page_title="Gradient flow through time — RNN, LSTM, GRU", page_icon="📉", layout="wide")

PAGES = [
    st.Page("pages/compare.py", title="Compare RNN · LSTM · GRU", icon=":material/compare_arrows:", default=True,
            url_path="compare"),
    st.Page("pages/rnn.py", title="Vanilla RNN: W_hh and tanh", icon=":material/repeat:", url_path="rnn"),
    st.Page("pages/lstm.py", title="LSTM: the cell-state path", icon=":material/memory:", url_path="lstm"),
    st.Page("pages/gru.py", title="GRU: the update gate", icon=":material/door_open:", url_path="gru"),
    st.Page("pages/theory.py", title="Theory and sources", icon=":material/menu_book:", url_path="theory"),
]
page = st.navigation(PAGES)

settings, notices = ui.sidebar_settings()
st.session_state["settings"] = settings
ui.show_notices(notices)
page.run()
