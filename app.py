"""Gradient flow through time: entry point. Builds the navigation and the shared controls, then runs a page.

streamlit run app.py
"""

import streamlit as st

from explorer import ui
from explorer.i18n import pick

st.set_page_config(page_title="Gradient flow through time — RNN, LSTM, GRU", page_icon="📉", layout="wide")

tr = pick(ui.current_lang())
PAGES = [
    st.Page(
        "pages/compare.py",
        title=tr("Compare RNN · LSTM · GRU", "RNN · LSTM · GRU 비교"),
        icon=":material/compare_arrows:",
        default=True,
        url_path="compare",
    ),
    st.Page(
        "pages/rnn.py",
        title=tr("Vanilla RNN: W_hh and tanh", "기본 RNN: W_hh와 tanh"),
        icon=":material/repeat:",
        url_path="rnn",
    ),
    st.Page(
        "pages/lstm.py",
        title=tr("LSTM: the cell-state path", "LSTM: 셀 상태 경로"),
        icon=":material/memory:",
        url_path="lstm",
    ),
    st.Page(
        "pages/gru.py",
        title=tr("GRU: the update gate", "GRU: 업데이트 게이트"),
        icon=":material/door_open:",
        url_path="gru",
    ),
    st.Page(
        "pages/theory.py", title=tr("Theory and sources", "이론과 출처"), icon=":material/menu_book:", url_path="theory"
    ),
]
page = st.navigation(PAGES)

settings, notices = ui.sidebar_settings()
st.session_state["settings"] = settings
ui.show_notices(notices)
page.run()
