"""Streamlit wiring shared by the pages: the sidebar controls, URL notices, and a chart with its exports."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import charts
from charts import export

from .i18n import pick
from .settings import (
    BY_KEY,
    CONTROLS,
    LANG,
    LANG_ALIASES,
    LANG_CODES,
    Control,
    Settings,
    consistent,
    from_values,
    parse_params,
    to_query,
    within_budget,
)

BOOK_PRESET = {
    "T": 20,
    "H": 3,
    "N": 2,
    "seed": 3,
    "scheme": "book",
    "scale": 1.0,
    "set_rho": False,
    "act": "tanh",
    "loss": "last",
    "norm": "book",
}
GROUPS = (
    (("Sequence and sizes", "시퀀스와 크기"), ("T", "H", "seed", "N", "D", "input_scale")),
    (("Initialisation", "초기화"), ("scheme", "scale", "set_rho", "rho", "act")),
    (("Gates", "게이트"), ("forget_bias", "update_bias", "gru_form")),
    (("Loss and norm", "손실과 노름"), ("loss", "norm")),
)
assert sorted(k for _, keys in GROUPS for k in keys) == sorted(c.key for c in CONTROLS)


def _widget(c: Control, lang: str, disabled: bool = False):
    label, help_text = c.text(lang)
    common = dict(key=c.key, help=help_text or None, bind="query-params", disabled=disabled)
    if c.options:
        if len(c.options) <= 3:
            return st.radio(label, c.options, index=c.options.index(c.default), horizontal=True, **common)
        return st.selectbox(label, c.options, index=c.options.index(c.default), **common)
    if isinstance(c.default, bool):
        return st.toggle(label, value=c.default, **common)
    if c.key == "seed":
        return st.number_input(label, min_value=int(c.lo), max_value=int(c.hi), value=c.default, step=1, **common)
    if c.is_int:
        return st.slider(label, int(c.lo), int(c.hi), c.default, int(c.step), **common)
    return st.slider(label, float(c.lo), float(c.hi), float(c.default), float(c.step), **common)


def url_notices() -> list[str]:
    """On a session's first run, check the URL's parameters; what was out of range or unreadable is replaced by
    its clamped value or the default, here, before the widgets are drawn (Streamlit alone would drop it)."""
    if "url_notices" not in st.session_state:
        try:
            params = {key: st.query_params.get_all(key) for key in st.query_params}
        except Exception:  # a URL the parser could not read at all
            params = {}
        values, notices = parse_params(params)
        for key, value in values.items():
            if _raw_differs(params[key], value):
                st.session_state[key] = value
        st.session_state["url_notices"] = notices
    return st.session_state["url_notices"]


def share_link(settings: Settings, lang: str) -> None:
    """The link to this exact view: the page, with every setting that differs from its default.

    The address bar alone is not enough: a value corrected from the URL (clamped, or ?lang=ko) is in force but
    Streamlit 1.67 does not write it back there.
    """
    query = to_query(settings, lang)
    base = ""
    with contextlib.suppress(Exception):  # no browser context (tests): the query alone still reproduces the view
        base = st.context.url.split("?")[0]
    link = base + query
    # a plain link, not st.code: the code block's highlighter and font cost ~0.3 s on the first load
    st.caption(f"{pick(lang)('Link to this view', '이 화면의 링크')}: [{_link_text(link)}]({link})")


def _link_text(link: str) -> str:
    """The link as its own text, with markdown's special characters escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in link)


def _raw_differs(raw: list, value) -> bool:
    text = str(raw[-1]).strip() if raw else ""
    if isinstance(value, bool):
        return text.lower() != str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(text) != value
        except ValueError:
            return True
    return text != value


def sidebar_settings() -> tuple[Settings, list[str]]:
    """Draw the shared controls (bound to the URL) and return the settings in force, with notices."""
    notices = list(url_notices())
    with st.sidebar:
        st.segmented_control(
            LANG.label, LANG.options, default=LANG.default, key=LANG.key, bind="query-params", required=True
        )
        lang = current_lang()
        tr = pick(lang)
        for titles, keys in GROUPS:
            st.subheader(tr(*titles))
            for key in keys:
                # the target ρ only matters once the toggle above it is on
                _widget(BY_KEY[key], lang, disabled=key == "rho" and not st.session_state.get("set_rho", False))
        st.button(tr("Reset all controls", "모든 설정 초기화"), on_click=reset_controls, width="stretch")
    settings, note = consistent(from_values({c.key: st.session_state.get(c.key, c.default) for c in CONTROLS}))
    settings, budget_note = within_budget(settings)
    notices.extend(n for n in (note, budget_note) if n)
    with st.sidebar:
        share_link(settings, lang)
    return settings, notices


def ensure_app_ran() -> None:
    """Call first in every page. A fresh server whose first request is a deep link (``/rnn?T=200``) sees the
    ``pages/`` folder and runs the page alone, Streamlit's legacy multipage mode, without app.py's navigation and
    sidebar. Leave that mode and run again, through app.py. A no-op once st.navigation has run."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this internal: nothing to undo
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_start() -> tuple[Settings, str, Callable[[str, str], str]]:
    """The first line of every page: (settings in force, language, its text picker)."""
    ensure_app_ran()
    lang = current_lang()
    return current_settings(), lang, pick(lang)


def current_lang() -> str:
    """The page language chosen in the sidebar ("en" or "ko"); before the sidebar exists, the URL's."""
    value = st.session_state.get(LANG.key)
    if value is None:
        value = st.query_params.get(LANG.key, "")
        value = LANG_ALIASES.get(value.strip().lower(), value)
    return LANG_CODES.get(value, "en")


def current_settings() -> Settings:
    """The settings app.py put in force for this run (defaults when a page runs on its own)."""
    settings = st.session_state.get("settings")
    return settings if isinstance(settings, Settings) else Settings()


def set_controls(values: dict) -> None:
    """A callback that moves the shared controls (they are drawn after it, on the rerun)."""
    for key, value in values.items():
        st.session_state[key] = value


def reset_controls() -> None:
    set_controls({c.key: c.default for c in CONTROLS})


def show_notices(notices: list[str]) -> None:
    if notices:
        st.warning("  \n".join(notices), icon=":material/warning:")


def file_stem(name: str, s: Settings) -> str:
    """A file name that says what the figure is and how to make it again."""
    stem = f"{name}_T{s.T}_H{s.H}_N{s.N}_seed{s.seed}_{s.scheme}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)


@st.cache_resource(show_spinner=False)
def image_server_started() -> bool:
    """One kaleido browser per process, started on first use (see charts.export)."""
    return export.start_image_server()


def chart_with_exports(fig: go.Figure, table: pd.DataFrame, name: str, s: Settings) -> None:
    """The chart, its modebar PNG (client-side), and downloads: HTML, CSV, and PNG/SVG when a browser exists."""
    stem = file_stem(name, s)
    st.plotly_chart(
        fig,
        key=f"chart_{name}",
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2},
        },
    )
    caption = s.caption()
    tr = pick(current_lang())
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        "⬇ HTML",
        data=lambda: charts.figure_html(fig),
        file_name=f"{stem}.html",
        mime="text/html",
        on_click="ignore",
        key=f"html_{name}",
        help=tr(
            "Interactive, self-contained: opens offline in any browser.",
            "인터랙티브, 단독 파일: 어느 브라우저에서나 오프라인으로 열립니다.",
        ),
    )
    row.download_button(
        "⬇ CSV",
        data=lambda: charts.table_csv(table, caption),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"csv_{name}",
        help=tr(
            "The plotted numbers, one row per point, with the settings as columns.",
            "그래프의 숫자: 점 하나가 한 행, 설정값은 열로.",
        ),
    )
    if charts.image_export_available():

        def render(fmt):
            image_server_started()
            return charts.image_bytes(fig, fmt)

        row.download_button(
            "⬇ PNG",
            data=lambda: render("png"),
            file_name=f"{stem}.png",
            mime="image/png",
            on_click="ignore",
            key=f"png_{name}",
            help=tr("2× scale, for slides.", "2배 해상도, 발표 자료용."),
        )
        row.download_button(
            "⬇ SVG",
            data=lambda: render("svg"),
            file_name=f"{stem}.svg",
            mime="image/svg+xml",
            on_click="ignore",
            key=f"svg_{name}",
            help=tr("Vector, for papers.", "벡터 그림, 논문용."),
        )
    else:
        row.caption(
            tr(
                "PNG/SVG downloads need Chromium on the server; the camera icon above the chart "
                "saves a PNG in your browser.",
                "PNG/SVG 다운로드에는 서버의 Chromium이 필요합니다. 그래프 위 카메라 아이콘으로 "
                "브라우저에서 PNG를 저장할 수 있습니다.",
            )
        )
