"""Gradient flow through time: entry point. Builds the navigation and the shared controls, then runs a page.

streamlit run app.py
"""

from dataclasses import replace
from urllib.parse import urlsplit

import streamlit as st

from explorer import compat
from explorer.shared import process, ui
from explorer.shared.i18n import pick

process.configure()  # once per process: BLAS threads, the allocator, Streamlit's page-not-found dialog
st.set_page_config(page_title="Gradient flow through time — RNN, LSTM, GRU", page_icon="📉", layout="wide")

notices = ui.seed_from_url()
tr = pick(str(st.session_state.get("lang") or "en"))
COMPARE = tr("Compare RNN · LSTM · GRU", "RNN · LSTM · GRU 비교")
PAGES = {  # url path -> page; "" is the default page at the app's root
    "": st.Page("pages/compare.py", title=COMPARE, icon=":material/compare_arrows:", default=True,
                url_path="home"),
    "rnn": st.Page("pages/rnn.py", title=tr("Vanilla RNN: W_hh and tanh′", "기본 RNN: W_hh와 tanh′"),
                   icon=":material/repeat:", url_path="rnn"),
    "lstm": st.Page("pages/lstm.py", title=tr("LSTM: the memory cell path", "LSTM: 기억 셀 경로"),
                    icon=":material/memory:", url_path="lstm"),
    "gru": st.Page("pages/gru.py", title=tr("GRU: the update gate", "GRU: 업데이트 게이트"),
                   icon=":material/door_open:", url_path="gru"),
    "horizon": st.Page("pages/horizon.py", title=tr("Gradient horizon", "기울기 지평선"), icon=":material/grid_on:",
                       url_path="horizon"),
    "model": st.Page("pages/model.py", title=tr("Your model", "내 모델"), icon=":material/upload_file:",
                     url_path="model"),
    "remedies": st.Page("pages/remedies.py", title=tr("Remedies", "대책"), icon=":material/healing:",
                        url_path="remedies"),
    "lab": st.Page("pages/lab.py", title=tr("Training lab", "학습 실험실"), icon=":material/science:",
                   url_path="lab"),
    "theory": st.Page("pages/theory.py", title=tr("Theory and sources", "이론과 출처"),
                      icon=":material/menu_book:", url_path="theory"),
    # the compare page under its own name too, so /compare is never "not found"
    "compare": st.Page("pages/compare.py", title=COMPARE, url_path="compare", visibility="hidden"),
}  # fmt: skip
page = st.navigation(list(PAGES.values()))

ctx = ui.sidebar(notices)
ui.slide_view(ctx)  # ?slide=true: the sidebar folded, every chart a 16:9 slide
if compat.take_page_not_found():
    asked = urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    shown = "".join(ch for ch in asked if ch.isalnum() or ch in "-_.")[:40]
    ctx.notices.append((f"There is no page “{shown}” here: showing {COMPARE}.",
                        f"“{shown}” 페이지는 없습니다. {COMPARE} 페이지를 보여 드립니다."))  # fmt: skip
ctx = replace(ctx, page="compare" if page.url_path in ("", "home") else page.url_path)
ui.put_context(ctx)
ui.show_notices(ctx.notices, ctx.lang)
link_slot = st.sidebar.empty()
page.run()
view, own = ui.current_view(ctx), ui.own_controls(ctx)
ui.sync_url(ctx, view, own)
ui.share_link(ctx, page.url_path, view, link_slot, own)
