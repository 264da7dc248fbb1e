"""Gradient flow through time: entry point. Builds the navigation (the chapter's path) and the shared controls,
then runs a page.

streamlit run app.py
"""

from dataclasses import replace
from urllib.parse import urlsplit

import streamlit as st

from explorer import compat
from explorer.shared import path, process, ui
from explorer.shared.controls import PAGE_PATHS
from explorer.shared.i18n import pick
from explorer.theory import cached as theory_cached

# once per process: BLAS threads, the allocator, Streamlit's page-not-found dialog, who runs the loops, and Theory's
# reference study computed in the background
process.configure(prepare=theory_cached.relu_vs_tanh)
st.set_page_config(page_title="Gradient flow through time — RNN, LSTM, GRU", page_icon="📉", layout="wide")

notices = ui.seed_from_url()
lang = str(st.session_state.get("lang") or "en")
tr = pick(lang)
title = path.titles(lang)  # the path's pages by their numbered titles (explorer/shared/path.py)
BOOK = title["book"]
PAGES = {  # url path -> page; the book's experiment is also the default page, at the app's root
    "book": st.Page("pages/book.py", title=BOOK, icon=":material/menu_book:", default=True, url_path="book"),
    "rnn": st.Page("pages/rnn.py", title=title["rnn"], icon=":material/repeat:", url_path="rnn"),
    "remedies": st.Page("pages/remedies.py", title=title["remedies"], icon=":material/healing:",
                        url_path="remedies"),
    "lstm": st.Page("pages/lstm.py", title=title["lstm"], icon=":material/memory:", url_path="lstm"),
    "gru": st.Page("pages/gru.py", title=title["gru"], icon=":material/door_open:", url_path="gru"),
    "compare": st.Page("pages/compare.py", title=title["compare"], icon=":material/compare_arrows:",
                       url_path="compare"),
    "lab": st.Page("pages/lab.py", title=title["lab"], icon=":material/science:", url_path="lab"),
    "model": st.Page("pages/model.py", title=title["model"], icon=":material/upload_file:", url_path="model"),
    "theory": st.Page("pages/theory.py", title=tr("Theory and sources", "이론과 출처"),
                      icon=":material/functions:", url_path="theory"),
    "horizon": st.Page("pages/horizon.py", title=tr("Gradient horizon", "기울기 지평선"), icon=":material/grid_on:",
                       url_path="horizon"),
    # the compare page's earlier address (it was the home page), so old links keep working
    "home": st.Page("pages/compare.py", title=title["compare"], url_path="home", visibility="hidden"),
}  # fmt: skip
page = st.navigation(list(PAGES.values()), position="hidden")  # the sidebar's links: ui.path_sidebar

nav_slot = st.sidebar.container()
ctx = ui.sidebar(notices, page.url_path)
ui.slide_view(ctx)  # ?slide=true: the sidebar folded, every chart a 16:9 slide
if compat.take_page_not_found():
    asked = urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    shown = "".join(ch for ch in asked if ch.isalnum() or ch in "-_.")[:40]
    en, ko = path.titles("en")["book"], path.titles("ko")["book"]
    ctx.notices.append((f"There is no page “{shown}” here: showing {en}.",
                        f"“{shown}” 페이지는 없습니다. {ko} 페이지를 보여 드립니다."))  # fmt: skip
ctx = replace(ctx, page=PAGE_PATHS.get(page.url_path, page.url_path))
ui.path_sidebar(nav_slot, PAGES, ctx)
ui.put_context(ctx)
ui.show_notices(ctx.notices, ctx.lang)
link_slot = st.sidebar.empty()
with ui.page_slot(ctx):  # a few heavy page runs at once; the rest wait, holding nothing (explorer/shared/work.py)
    page.run()
    view, own = ui.current_view(ctx), ui.own_controls(ctx)
    ui.path_footer(PAGES, ctx, view, own)
    ui.sync_url(ctx, view, own)
    ui.share_link(ctx, page.url_path, view, link_slot, own)
