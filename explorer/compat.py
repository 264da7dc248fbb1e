"""The only place that touches Streamlit's internals, tied to the pinned version (requirements.txt), each covered
by a browser test (tests/e2e): if Streamlit changes, these become no-ops and Streamlit's own behaviour returns.

1. Legacy pages mode (streamlit#9624): a fresh server whose first request is a deep link (``/rnn?T=200``) sees
   the ``pages/`` folder the design names and runs that page alone, without app.py. No public option turns this
   off in 1.67; ``leave_legacy_pages_mode`` leaves the mode and reruns through app.py.
2. Unknown paths (``/nosuchpage``): Streamlit shows an English "Page not found" dialog and runs the default page.
   ``install`` replaces that dialog with a flag the app turns into its own notice, in the reader's language.
3. A live fragment whose server is gone (a replica died, or the session expired): the browser reconnects to a new
   session and keeps asking it, every second, to redraw the lab's live panel, a fragment this session never drew;
   Streamlit drops such requests, so the page would stay frozen on its last progress bar. ``install`` turns the
   first such request of a session that has not run yet into a full run of the same page (with the URL's query
   and the widgets' values the browser sent) and flags it (``take_revived``): the lab then says the run is lost.
4. Streamlit collects all garbage after every script run (``runner.postScriptGC``): with the app's modules loaded,
   each collection walks ~10⁵ long-lived objects, 77 ms of CPU a page, a quarter of the server's CPU with 10
   students at once (benchmarks/class_profile.py). ``install`` freezes the objects alive once the modules are
   imported (``gc.freeze``): later collections walk only what the runs create.
5. Back and Forward: ``history_navigation`` tells a run the browser's Back or Forward started (Streamlit marks it
   on the run's context), so an address with an empty query there means the defaults, not a cleared query.
"""

from __future__ import annotations

import gc
from typing import Any

import streamlit as st

PINNED = "1.67.0"
NOT_FOUND_KEY = "_page_not_found"
REVIVED_KEY = "_revived_from_fragment"


def supported() -> bool:
    return st.__version__ == PINNED


def leave_legacy_pages_mode() -> None:
    """Call first in every page: a no-op once st.navigation has run."""
    if not supported():
        return
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def install() -> None:
    """Replace the page-not-found dialog by a session flag (see ``take_page_not_found``), revive live fragments
    (``revive``), and freeze the objects alive now out of the garbage collector's walks (item 4)."""
    if not supported():
        return
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    from streamlit.commands import navigation

    def flag_page_not_found(ctx: Any) -> None:
        ctx.session_state[NOT_FOUND_KEY] = True

    navigation.send_page_not_found = flag_page_not_found

    from streamlit.runtime.app_session import AppSession

    original = AppSession.request_rerun
    if getattr(original, "revives", False):
        return

    def request_rerun(self: Any, client_state: Any) -> None:
        original(self, revive(self, client_state))

    request_rerun.revives = True  # type: ignore[attr-defined]
    AppSession.request_rerun = request_rerun  # type: ignore[method-assign]


def revive(session: Any, client_state: Any) -> Any:
    """The rerun ``session`` should do for ``client_state`` (item 3 of the module's docstring): a request to
    redraw a fragment that a session which has not run yet does not hold becomes a full run, flagged."""
    if client_state is None:
        return None
    fragment = client_state.fragment_id
    if fragment and not getattr(session, "_gf_ran", False) and not session.has_fragment(fragment):
        full = type(client_state)()
        full.CopyFrom(client_state)
        full.fragment_id = ""
        full.is_auto_rerun = False
        session._session_state[REVIVED_KEY] = True
        client_state = full
    if not client_state.fragment_id:
        session._gf_ran = True
    return client_state


def take_revived() -> bool:
    """True once in the full run that replaced a redraw of a fragment this session never drew (``revive``)."""
    return bool(st.session_state.pop(REVIVED_KEY, False))


def take_page_not_found() -> bool:
    """True once after Streamlit fell back to the default page for a path it does not know."""
    return bool(st.session_state.pop(NOT_FOUND_KEY, False))


def history_navigation() -> bool:
    """True when the browser's Back or Forward started this run (False where unknown)."""
    if not supported():
        return False
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", False))
