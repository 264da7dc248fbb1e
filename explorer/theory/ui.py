"""The study notes' boxes on a page (explorer/theory/notes.py): folded "In the notes" expanders and the h_0 = 0
caption, in the reader's language."""

from __future__ import annotations

import streamlit as st

from ..shared.ui import Context
from .notes import box_label, notes_for


def in_the_notes(ctx: Context, page: str, only: tuple[str, ...] | None = None) -> None:
    """Draw the notes of ``page`` (only those whose key is in ``only``, when given: a page may place each where it
    belongs)."""
    for note in notes_for(page):
        if only is not None and note.key not in only:
            continue
        body = ctx.tr(*note.body)
        if note.style == "caption":
            st.caption(body)
        else:
            with st.expander(box_label(note, ctx.lang), expanded=False, icon=":material/sticky_note_2:"):
                st.markdown(body)
