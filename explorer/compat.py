"""The only place that touches Streamlit's internals, tied to the pinned version (requirements.txt), each covered
by a browser test (tests/e2e): if Streamlit changes, these become no-ops and Streamlit's own behaviour returns.

1. Legacy pages mode (streamlit#9624): a fresh server whose first request is a deep link (``/rnn?T=200``) sees
   the ``pages/`` folder the design names and runs that page alone, without app.py. No public option turns this
   off in 1.67; ``leave_legacy_pages_mode`` leaves the mode and reruns through app.py.
2. Unknown paths (``/nosuchpage``): Streamlit shows an English "Page not found" dialog and runs the default page.
   ``install`` replaces that dialog with a flag the app turns into its own notice, in the reader's language.
3. Back and Forward: ``history_navigation`` tells a run the browser's Back or Forward started (Streamlit marks it
   on the run's context), so an address with an empty query there means the defaults, not a cleared query.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

PINNED = "1.67.0"
NOT_FOUND_KEY = "_page_not_found"


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
    """Replace the page-not-found dialog by a session flag (see ``take_page_not_found``)."""
    if not supported():
        return
    from streamlit.commands import navigation

    def flag_page_not_found(ctx: Any) -> None:
        ctx.session_state[NOT_FOUND_KEY] = True

    navigation.send_page_not_found = flag_page_not_found


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
