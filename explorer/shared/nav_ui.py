"""The chapter's path in the app (Streamlit wiring of explorer/shared/path.py): the numbered sidebar links and, at
the end of each page on the path, its "what to try" link and "Next →".

Every link carries the settings in force (``st.page_link(..., query_params=...)``), the very query the page it opens
then writes: so a page change is one browser-history entry (Streamlit's own navigation pushes the bare path, then
the app its query: two), Back returns to the previous page with its settings, and a browser that reconnects to
another server after a click still has its settings in the address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from .controls import View, query_items
from .path import NEXT, PATH, PATH_TITLE, REFERENCE, REFERENCE_TITLE, TRY, shared_query, step_of, with_settings
from .ui import Context

# A step's title wraps onto a second line instead of being cut with "…" (a page link's label is one line)
WRAP_CSS = "<style>[data-testid='stPageLink-NavLink'] span { white-space: normal; }</style>"


def path_sidebar(slot: Any, pages: Mapping[str, Any], ctx: Context) -> None:
    """The path, numbered, then the reference pages, in ``slot`` (a sidebar container); ``pages``: url path ->
    st.Page as app.py gives them to st.navigation."""
    tr = ctx.tr
    with slot:
        st.html(WRAP_CSS)
        st.caption(tr(*PATH_TITLE))
        for i, step in enumerate(PATH):
            st.page_link(pages[step.page], label=step.label(i + 1, ctx.lang),
                         query_params=shared_query(ctx.settings, ctx.view, ctx.lang, step.page))  # fmt: skip
        st.caption(tr(*REFERENCE_TITLE))
        for name in REFERENCE:
            st.page_link(pages[name], query_params=shared_query(ctx.settings, ctx.view, ctx.lang, name))


def path_footer(pages: Mapping[str, Any], ctx: Context, view: View, own: object | None) -> None:
    """The end of a page on the path: its "what to try" line with a link that applies the suggested settings
    (keeping the others), and "Next →" to the next step. Nothing on a page off the path."""
    i = step_of(ctx.page)
    if i is None:
        return
    k, tr = (1 if ctx.lang == "ko" else 0), ctx.tr
    step = PATH[i]
    here = query_items(ctx.settings, view, ctx.lang, page=ctx.page, own=own)
    st.divider()
    st.markdown(f"**{tr(*TRY)}:** {step.try_line[k]}")
    row = st.container(horizontal=True, gap="small")
    with row:
        st.page_link(pages[step.page], label=tr("Apply these settings", "이 설정 적용"), icon=":material/tune:",
                     query_params=with_settings(here, step), help="")  # fmt: skip
        if i + 1 < len(PATH):
            nxt = PATH[i + 1]
            st.page_link(pages[nxt.page], label=f"{tr(*NEXT)} {nxt.label(i + 2, ctx.lang)}", help="",
                         query_params=shared_query(ctx.settings, view, ctx.lang, nxt.page))  # fmt: skip
