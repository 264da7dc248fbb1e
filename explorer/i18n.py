"""English and Korean (한국어): each text is written in both languages side by side where it is used.

    tr = pick(lang)
    st.title(tr("How far back does the gradient reach?", "기울기는 얼마나 멀리 거슬러 올라갈까?"))

Chart titles, axis labels and exported files stay in English (mostly math), so a figure reads the same in any
slide deck; the page texts, readings and controls follow the language chosen in the sidebar.
"""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("en", "ko")


def pick(lang: str) -> Callable[[str, str], str]:
    """A function that returns its Korean argument when ``lang`` is "ko", else its English one."""
    korean = lang == "ko"
    return lambda en, ko: ko if korean else en
