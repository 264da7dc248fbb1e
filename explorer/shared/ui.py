"""Streamlit wiring shared by the pages: the sidebar controls, the URL, notices, and a chart with its exports.

Every control's state is seeded once in ``st.session_state`` (from the URL on a session's first run, else its
default) and the widgets only read it (no ``value=``): presets, the reset button and URL corrections write the
same state, so there is one source of truth. The URL is written by the app itself after each run
(``sync_url``), with canonical keys and defaults left out. The sidebar draws the controls that change the current
page (``PAGE_SIDEBAR``); every control's value is written back as plain state on every run (``write_back_controls``):
Streamlit drops an undrawn widget's state, and sends a drawn one's value only in a run that wrote it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import charts
from charts import export

from .. import compat
from . import process, work
from .controls import (
    CONTROLS,
    GROUPS,
    LANG,
    PAGE_CONTROLS,
    PAGE_SIDEBAR,
    SIDEBAR,
    STATE_KEYS,
    VIEW_CONTROLS,
    C,
    PageSidebar,
    Settings,
    Spec,
    Text,
    View,
    consistent,
    controls_from_values,
    from_values,
    page_sidebar,
    parse_params,
    query_items,
    specs,
    tape_bytes,
    view_from_values,
    within_budget,
)
from .i18n import Picker, pick
from .path import NEXT, PATH, PATH_TITLE, REFERENCE, REFERENCE_TITLE, TRY, shared_query, step_of, with_settings

CONTEXT_KEY = "_context"
CONTEXT_RETRY_KEY = "_context_retry"
URL_SEEDED_KEY = "_url_seeded"
URL_PENDING_KEY = "_url_pending"  # page controls read from the URL, seeded when their page first draws them
SLIDE_SHOWN_KEY = "_slide_shown"  # slide view was on in this session's last run
URL_SHOWN_KEY = "_url_shown"  # the query this session last wrote or read: another one means Back/Forward
BOOK_PRESET = {"T": 20, "H": 3, "N": 2, "seed": 3, "scheme": "book", "scale": 1.0, "set_rho": False,
               "nonlinearity": "tanh", "loss": "last", "norm": "book", "formulation": "dlfs2", "axis": "back",
               "input_scale": 1.0}  # fmt: skip
BOOK_VANISHING_PRESET = BOOK_PRESET | {"scale": 0.5}


@dataclass(frozen=True)
class Context:
    """What app.py put in force for this run: settings, view, language, notices, and the current page."""

    settings: Settings
    view: View
    lang: str
    notices: list[Text] = field(default_factory=list)
    page: str = ""

    @property
    def tr(self) -> Picker:
        return pick(self.lang)

    def caption(self) -> dict[str, Any]:
        """The settings in the page's figure footers: those that change the page (all of them for no page)."""
        return self.settings.caption(page_sidebar(self.page).keys if self.page else None)


# ---------------------------------------------------------------------------------------------- state and URL
def _current_query() -> dict[str, str]:
    return {k: st.query_params.get_all(k)[-1] for k in st.query_params}


def _went_back(query: dict[str, str]) -> bool:
    """The browser's Back or Forward (or a link of the app's own, which carries the settings) brought another
    query than the one this session last showed. An empty query is one only when Back or Forward brought it (the
    defaults); otherwise the query was cleared and the settings stay."""
    shown = st.session_state.get(URL_SHOWN_KEY)
    query = _without_state(query)
    return shown is not None and query != shown and (bool(query) or compat.history_navigation())


def _without_state(query: dict[str, str]) -> dict[str, str]:
    """The query without the marks a page keeps there for itself (STATE_KEYS: the lab's live run)."""
    return {k: v for k, v in query.items() if k not in STATE_KEYS}


def _address_query() -> dict[str, str] | None:
    """The query in the browser's address bar when this run started (None where there is no browser: tests). A
    link to the page already shown runs with its query while the address still shows the old one."""
    try:
        url = st.context.url
    except Exception:
        return None
    if not url:
        return None
    return {k: v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def seed_from_url() -> list[Text]:
    """On a session's first run, and whenever the address bar holds another query than the one this session last
    wrote (the browser's Back or Forward): read the URL, put every control's value (from the URL, else its default)
    into ``st.session_state``, and return the notices about what had to change. Other runs return []."""
    try:
        query = _current_query()
        params = {key: st.query_params.get_all(key) for key in st.query_params}
    except Exception:  # a URL the parser could not read at all
        query, params = {}, {}
    if st.session_state.get(URL_SEEDED_KEY) and not _went_back(query):
        return []
    values, notices = parse_params(params)
    for c in (*CONTROLS, LANG, *(c for c in VIEW_CONTROLS if c.page is None)):
        st.session_state[c.key] = values.get(c.key, c.default)
    pending = {c.key: values[c.key] for c in VIEW_CONTROLS if c.page and c.key in values}
    if st.session_state.get(URL_SEEDED_KEY):  # Back/Forward: the pages' own controls return to the URL's values
        for c in VIEW_CONTROLS:
            if c.page:
                st.session_state[c.key] = pending.pop(c.key, c.default)
    st.session_state[URL_PENDING_KEY] = pending
    st.session_state[URL_SEEDED_KEY] = True
    st.session_state[URL_SHOWN_KEY] = query
    return notices


def seed_widget(spec: Spec) -> None:
    """Give a widget its state before it is drawn (again, after Streamlit dropped an undrawn widget's key)."""
    if spec.key not in st.session_state:
        pending = st.session_state.get(URL_PENDING_KEY, {})
        st.session_state[spec.key] = pending.pop(spec.key, spec.default)


def widget(spec: Spec, lang: str, disabled: bool = False) -> Any:
    """The widget of one control, reading its seeded state (key = the control's key)."""
    seed_widget(spec)
    label, help_text = spec.text(lang)
    common: dict[str, Any] = dict(key=spec.key, help=help_text or None, disabled=disabled)
    if spec.options:
        fmt: Callable[[str], str] = lambda o: spec.option_text(o, lang)  # noqa: E731
        if len(spec.options) <= 3:
            return st.radio(label, spec.options, format_func=fmt, horizontal=True, **common)
        return st.selectbox(label, spec.options, format_func=fmt, **common)
    if spec.is_bool:
        return st.toggle(label, **common)
    assert spec.lo is not None and spec.hi is not None and spec.step is not None
    if spec.key == "seed":
        return st.number_input(label, min_value=int(spec.lo), max_value=int(spec.hi), step=1, **common)
    if spec.is_int:
        return st.slider(label, int(spec.lo), int(spec.hi), step=int(spec.step), **common)
    return st.slider(label, float(spec.lo), float(spec.hi), step=float(spec.step), **common)


def set_controls(values: Mapping[str, Any]) -> None:
    """A callback (presets, reset) that moves controls; they are drawn after it, on the rerun."""
    for key, value in values.items():
        st.session_state[key] = value


def reset_controls() -> None:
    set_controls({c.key: c.default for c in SIDEBAR})


# A wide equation scrolls inside its block on a phone instead of being cut at the right edge
PAGE_CSS = "<style>.katex-display { overflow-x: auto; overflow-y: hidden; }</style>"
# Korean wraps between words (eojeol), not inside one ("멀/리", "기울/기"); a word longer than the line still breaks
# (every element: Streamlit's markdown and headings set their own word-break, which an inherited one loses to)
KOREAN_WRAP_CSS = PAGE_CSS.replace(
    "</style>", " .stApp, .stApp * { word-break: keep-all !important; overflow-wrap: break-word; }</style>"
)


# Slide view: the page as wide as a 16:9 chart at its slide size, less space above it, charts in columns stacked, and
# each chart snapping to the top of the screen as the page scrolls (one chart per screen)
SLIDE_CSS = (
    "<style>[data-testid='stMainBlockContainer'] { max-width: 1400px; }"
    " @media (min-width: 701px) { [data-testid='stMainBlockContainer'] { padding-top: 3rem; } }"
    " [data-testid='stMain'] { scroll-snap-type: y proximity; }"
    " [data-testid='stPlotlyChart'] { scroll-snap-align: start; scroll-margin-top: 3.5rem; }"
    " [data-testid='stHorizontalBlock']:has(> [data-testid='stColumn'] [data-testid='stPlotlyChart'])"
    " { flex-direction: column; } [data-testid='stHorizontalBlock'] > [data-testid='stColumn']:has("
    "[data-testid='stPlotlyChart']) { width: 100% !important; flex: 1 1 100% !important; }"
    " .slide-narrow { display: none; color: #667; font-size: 0.9rem; }"
    " @media (max-width: 700px) { .slide-narrow { display: block; } }</style>"
)


def slide_view(ctx: Context) -> None:
    """In slide view (``?slide=true``): the sidebar folded (still there to open) and the slide page style. Every chart
    drawn by ``chart_with_exports`` becomes a 16:9 slide, so no page needs its own code."""
    was = st.session_state.get(SLIDE_SHOWN_KEY, False)
    st.session_state[SLIDE_SHOWN_KEY] = ctx.view.slide
    if ctx.view.slide:
        st.set_page_config(initial_sidebar_state="collapsed")
        # a slide's type is sized for a projector: on a phone (shown there only) say so and where the way out is
        narrow = ctx.tr("Slide view is made for a projector or a wide screen: on a phone, “Leave slide view” under "
                        "each chart shows the charts as usual.",
                        "슬라이드 보기는 프로젝터나 넓은 화면용입니다. 휴대폰에서는 그래프마다 아래의 "
                        "‘슬라이드 보기 끝내기’를 누르면 평소대로 보입니다.")  # fmt: skip
        st.html(f"{SLIDE_CSS}<p class='slide-narrow'>{narrow}</p>")
    elif was:  # leaving it: the sidebar as it opens on a normal page
        st.set_page_config(initial_sidebar_state="auto")


def write_back_controls() -> None:
    """Before any widget is drawn: write every sidebar control's value back as plain session state, on every run.
    A hidden one: Streamlit drops the state of a widget that a run does not draw, and the page that hides it keeps it
    for the link, the URL and the pages that show it. A drawn one: Streamlit sends a widget's value to the browser only
    in a run that wrote it; a browser that had not mounted the widget by then (under the folded "Advanced", whose
    widgets mount when it unfolds) took the widget's default instead, a slider's minimum (the RNN page unfolded after
    a second run set D = 1 and the input scale to 0)."""
    for c in SIDEBAR:
        seed_widget(c)
        st.session_state[c.key] = st.session_state[c.key]


def _draw_groups(keys: tuple[str, ...], lang: str, heading: Callable[[str], Any]) -> None:
    """The controls ``keys`` in declaration order, under their group's heading."""
    tr = pick(lang)
    by_group: dict[str, list[Spec]] = {}
    for c in SIDEBAR:
        if c.key in keys:
            by_group.setdefault(c.group, []).append(c)
    for group, group_specs in by_group.items():
        heading(tr(*GROUPS[group]))
        for c in group_specs:
            # the target ρ only matters once the toggle above it is on
            widget(c, lang, disabled=c.key == "rho" and not st.session_state.get("set_rho", False))


def sidebar(notices: list[Text], page: str | None = None) -> Context:
    """Draw the shared controls that change ``page`` (app.py's url path; None or an unknown page: all of them), the
    main ones in view and the rest under "Advanced", and return the context in force: settings (made consistent and
    fitted to the memory budget), view, language and notices (``notices``: those of ``seed_from_url``). The
    controls a page hides keep their values."""
    notices = list(notices)
    shown = page_sidebar(page)
    write_back_controls()
    with st.sidebar:
        seed_widget(LANG)
        st.segmented_control(LANG.label[0], LANG.options, key=LANG.key, required=True,
                             format_func=lambda o: LANG.option_text(o, "en"))  # fmt: skip
        lang = str(st.session_state.get(LANG.key) or "en")
        st.html(KOREAN_WRAP_CSS if lang == "ko" else PAGE_CSS)
        tr = pick(lang)
        if shown.note:
            st.caption(tr(*shown.note))
        _draw_groups(shown.main, lang, st.subheader)
        if shown.advanced:
            with st.expander(tr("Advanced", "고급")):
                _draw_groups(shown.advanced, lang, lambda text: st.markdown(f"**{text}**"))
        if shown.keys and not shown.note:  # a page with its own controls: no button that moves the hidden ones
            st.button(tr("Reset all controls", "모든 설정 초기화"), on_click=reset_controls, width="stretch")
    values = {c.key: st.session_state.get(c.key, c.default) for c in CONTROLS}
    settings, note = consistent(from_values(values))
    settings, budget_note = within_budget(settings)
    notices.extend(n for n in (note, budget_note) if n)
    view = view_from_values({c.key: st.session_state.get(c.key, c.default) for c in VIEW_CONTROLS})
    return Context(settings=settings, view=view, lang=lang, notices=notices)


def put_context(ctx: Context) -> None:
    """app.py hands the context to the page it runs (the one writer)."""
    st.session_state[CONTEXT_KEY] = ctx


def page_context(page: str) -> Context:
    """The first line of every page (the one reader): the context app.py put in force, with this page's own
    controls read. A page run without app.py (Streamlit's legacy mode) reruns through it; any other missing
    context is a visible error, not silent defaults."""
    compat.leave_legacy_pages_mode()
    ctx = st.session_state.get(CONTEXT_KEY)
    if not isinstance(ctx, Context) and not st.session_state.get(CONTEXT_RETRY_KEY):
        # Sessions that opened a page URL at the same moment as the server's first session ran the page alone
        # while the first one was leaving the legacy mode: one rerun goes through app.py (seen: 3 of 4 sessions)
        st.session_state[CONTEXT_RETRY_KEY] = True
        st.rerun()
    if not isinstance(ctx, Context):
        st.error("This page runs inside the app: start it with `streamlit run app.py`.", icon=":material/error:")
        st.stop()
    assert isinstance(ctx, Context)
    return ctx


def page_toggle(ctx: Context, key: str) -> bool:
    """A page's own toggle (kept in the URL while the page is shown)."""
    spec = next(c for c in VIEW_CONTROLS if c.key == key)
    value = bool(widget(spec, ctx.lang))
    return value


def current_view(ctx: Context) -> View:
    """``ctx``'s view with the toggles its page drew this run."""
    return replace(ctx.view, **{c.name: c.value(st.session_state[c.key]) for c in specs(View)
                                if c.page == ctx.page and c.key in st.session_state})  # fmt: skip


def page_controls(cls: type[C]) -> C:
    """A page's own controls (a dataclass of ``PAGE_CONTROLS``) as its widgets hold them (defaults if not drawn)."""
    return controls_from_values(cls, {c.key: st.session_state.get(c.key, c.default) for c in specs(cls)})


def own_controls(ctx: Context) -> object | None:
    """The controls of ``ctx``'s page, for its link (None: a page without its own controls dataclass)."""
    cls = PAGE_CONTROLS.get(ctx.page)
    return None if cls is None else page_controls(cls)


def share_url(ctx: Context, page_path: str, view: View, own: object | None = None) -> str:
    """The link to this exact view: the page's own path (always one that exists), every setting that differs from
    its default, and the page's toggles and ``own`` controls."""
    items = query_items(ctx.settings, view, ctx.lang, page=ctx.page, own=own)
    base = ""
    try:
        parts = urlsplit(st.context.url or "")
        if parts.scheme and parts.netloc:
            prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
            path = "/".join(p for p in (prefix, page_path) if p)
            base = f"{parts.scheme}://{parts.netloc}/{path}"
    except Exception:  # no browser context (tests): the query alone still reproduces the view
        base = ""
    return base + ("?" + urlencode(items) if items else "")


def sync_url(ctx: Context, view: View, own: object | None = None) -> None:
    """Write the view's parameters to the address bar (canonical keys, defaults and strangers left out), and
    remember them: another query on a later run is the browser's Back or Forward (``seed_from_url``)."""
    want = query_items(ctx.settings, view, ctx.lang, page=ctx.page, own=own)
    current = _current_query()
    marks = {k: v for k, v in current.items() if k in STATE_KEYS}  # what the page left there for itself
    address = _address_query()
    if current != {**want, **marks} or (address is not None and _without_state(address) != want):
        st.query_params.from_dict({**want, **marks})  # one history entry (none if the address already holds it)
    st.session_state[URL_SHOWN_KEY] = want


def share_link(ctx: Context, page_path: str, view: View, slot: Any, own: object | None = None) -> None:
    link = share_url(ctx, page_path, view, own)
    # a plain link, not st.code: the code block's highlighter and font cost ~0.3 s on the first load
    slot.caption(f"{ctx.tr('Link to this view', '이 화면의 링크')}: [{_link_text(link)}]({link})")


def _link_text(link: str) -> str:
    """The link as its own text, with markdown's special characters escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in link)


def show_notices(notices: list[Text], lang: str) -> None:
    if notices:
        k = 1 if lang == "ko" else 0
        st.warning("  \n".join(n[k] for n in notices), icon=":material/warning:")


@contextmanager
def page_slot(ctx: Context) -> Iterator[None]:
    """The page's run in its turn (work.page_slot): a heavy page's (one whose T·N·H passes work.HEAVY_BYTES) in the
    heavy pages' line, every other page's in the light pages' line; saying so while it waits."""
    s = ctx.settings
    reads_sizes = "T" in PAGE_SIDEBAR.get(ctx.page, PageSidebar()).keys
    heavy = reads_sizes and tape_bytes(s.T, s.N, s.H) >= work.HEAVY_BYTES
    tr = ctx.tr
    note: Any = None  # the notice's place, made only if the page has to wait: no extra element on every page

    def waiting() -> None:
        nonlocal note
        if note is None:
            note = st.empty()
        note.caption(tr("The server is busy: your page is in line.", "서버가 바쁩니다: 페이지가 차례를 기다립니다."))

    with work.page_slot(waiting, heavy=heavy):
        if note is not None:
            note.empty()
        yield


def waiting_notice(tr: Picker) -> None:
    """Say so when this session's computation has to wait (for the memory budget or a CPU slot, work.py)."""
    n = work.waiting()
    if n:
        st.caption(tr(f"The server is busy: {n} computation(s) ahead of yours.",
                      f"서버가 바쁩니다: 앞에 계산 {n}개가 있습니다."))  # fmt: skip


# ------------------------------------------------------------------------------------------- charts and exports
def file_stem(name: str, s: Settings) -> str:
    """A file name that says what the figure is and how to make it again."""
    stem = f"{name}_T{s.T}_H{s.H}_N{s.N}_seed{s.seed}_{s.scheme}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)


@functools.cache
def images_on_server() -> bool:
    """Whether this server renders PNG/SVG downloads: kaleido and a browser installed, and memory enough
    (process.server_images). Once per process: asking on every chart cost a package lookup, a PATH search and a
    cgroup file read, twice a chart."""
    return export.image_export_available() and process.server_images()


Table: TypeAlias = pd.DataFrame | Callable[[], pd.DataFrame]
V = TypeVar("V")


def chart_with_exports(fig: go.Figure, table: Table, name: str, ctx: Context, title: str = "",
                       caption: Mapping[str, Any] | None = None, stem: str | None = None, *,
                       again: Callable[[], tuple[go.Figure, Table]] | None = None) -> None:  # fmt: skip
    """The chart (drawn with its own template, so every export looks like the screen), its toolbar PNG
    (client-side), and downloads: HTML, CSV, and PNG/SVG rendered on the server when a browser exists.
    ``table``: the CSV's rows, or a function that builds them when the CSV is downloaded.
    A session keeps what its downloads hold while it lives. ``again``: a function that builds the figure and the
    table once more (``view_chart``), called by a download instead of keeping ``fig`` and ``table``.
    ``stem``: the files' name (default: ``name`` and the sidebar's settings). In slide view the chart and its
    images are a 16:9 slide (``charts.slide_layout``; PNG 1920 × 1080)."""
    s, tr = ctx.settings, ctx.tr
    stem = stem or file_stem(name, s)
    slide = ctx.view.slide
    if slide:
        fig, stem = charts.slide_layout(fig), f"{stem}_slide"
        width, height, scale = charts.SLIDE_WIDTH, charts.SLIDE_HEIGHT, charts.SLIDE_SCALE
    else:
        width, height, scale = charts.EXPORT_WIDTH, charts.HEIGHT, 2
    if again is None:
        figure, rows = _kept(fig, table)
    else:
        figure, rows = _built_again(again, slide)
    st.plotly_chart(fig, key=f"chart_{name}", theme=None, config={
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": scale, "width": width, "height": height},
    })  # fmt: skip
    meta = dict(caption if caption is not None else ctx.caption())
    row = st.container(horizontal=True, gap="small")
    row.download_button("⬇ HTML", data=lambda: charts.figure_html(figure()), file_name=f"{stem}.html",
                        mime="text/html", on_click="ignore", key=f"html_{name}",
                        help=tr("Interactive, self-contained: opens offline in any browser.",
                                "인터랙티브, 단독 파일: 어느 브라우저에서나 오프라인으로 열립니다."))  # fmt: skip
    row.download_button("⬇ CSV", data=lambda: charts.table_csv(rows(), meta, title), file_name=f"{stem}.csv",
                        mime="text/csv", on_click="ignore", key=f"csv_{name}",
                        help=tr("The plotted numbers (norm and log10_norm), the settings once at the top; UTF-8 "
                                "with BOM for Excel. Column names stay English.",
                                "그래프의 숫자(norm, log10_norm)와 맨 위에 설정값. Excel용 UTF-8(BOM). 열 이름은 "
                                "영어로 둡니다."))  # fmt: skip
    if images_on_server():

        def render(fmt: str) -> bytes:
            return work.exclusive(lambda: charts.image_bytes(figure(), fmt, width, height, scale))

        row.download_button("⬇ PNG", data=lambda: render("png"), file_name=f"{stem}.png", mime="image/png",
                            on_click="ignore", key=f"png_{name}",
                            help=tr("16:9 slide, 1920 × 1080 (rendered on the server, a few seconds)." if slide
                                    else "2× scale, for slides (rendered on the server, a few seconds).",
                                    "16:9 슬라이드, 1920 × 1080 (서버에서 그리므로 몇 초 걸립니다)." if slide
                                    else "2배 해상도, 발표 자료용 (서버에서 그리므로 몇 초 걸립니다)."))  # fmt: skip
        row.download_button("⬇ SVG", data=lambda: render("svg"), file_name=f"{stem}.svg",
                            mime="image/svg+xml", on_click="ignore", key=f"svg_{name}",
                            help=tr("Vector, for papers.", "벡터 그림, 논문용."))  # fmt: skip
    # the way into slide view and out of it, next to the exports of every chart
    row.button(tr("Leave slide view", "슬라이드 보기 끝내기") if slide else tr("Slide view", "슬라이드 보기"),
               key=f"slide_{name}", icon=":material/close:" if slide else ":material/slideshow:",
               on_click=set_controls, args=({"slide": not slide},),
               help=None if slide else tr("One chart per screen at 16:9, large type, for a projector.",
                                           "화면마다 그래프 하나, 16:9, 큰 글씨 (프로젝터용)."))  # fmt: skip
    if not images_on_server():
        row.caption(
            tr(
                "PNG: the camera icon above the chart saves it in your browser, exactly as drawn (this server "
                "renders no images: it keeps its memory for computing).",
                "PNG: 그래프 위 카메라 아이콘으로 브라우저에서 보이는 그대로 저장합니다 (이 서버는 계산에 "
                "메모리를 쓰도록 이미지를 만들지 않습니다).",
            )
        )


def _kept(fig: go.Figure, table: Table) -> tuple[Callable[[], go.Figure], Callable[[], pd.DataFrame]]:
    """The downloads' figure and rows, kept as drawn."""
    return (lambda: fig), (table if callable(table) else lambda: table)


def _built_again(again: Callable[[], tuple[go.Figure, Table]], slide: bool) -> tuple[
        Callable[[], go.Figure], Callable[[], pd.DataFrame]]:  # fmt: skip
    """The downloads' figure and rows built again when downloaded: these functions hold ``again`` alone (a
    function defined here holds only what it names, so nothing of the run that drew the chart)."""

    def figure() -> go.Figure:
        fig = again()[0]
        return charts.slide_layout(fig) if slide else fig

    def rows() -> pd.DataFrame:
        table = again()[1]
        return table() if callable(table) else table

    return figure, rows


def view_chart(build: Callable[..., tuple[go.Figure, Table]], view: V, fetch: Callable[[], V], *args: Any,
               name: str, ctx: Context, title: str, caption: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    """``build(view, ctx, title, caption, *args)``'s chart and CSV rows with their exports (``caption``: the
    settings in the figure's footer and the CSV's head, ``ctx.caption()`` unless given); a download builds them again
    from ``fetch()`` (the cached call that gave ``view``, e.g. ``functools.partial(cached.lstm_view, s)``: the
    cache's result, or the same one computed again), so the live session holds no figure or table. 30 students at
    T = 1000, H = 256 on one server: ~110 MB held by their sessions' downloads (benchmarks/class_results.md).
    ``build``, ``fetch`` and ``args`` must hold no result themselves: module-level functions, settings, text (a
    function defined in a page script holds the script's whole namespace)."""
    shown = dict(caption if caption is not None else ctx.caption())
    args = (ctx, title, shown, *args)
    fig, table = build(view, *args)
    chart_with_exports(fig, table, name, ctx, title, shown, again=functools.partial(_again, build, fetch, args))


def _again(build: Callable[..., tuple[go.Figure, Table]], fetch: Callable[[], Any],
           args: tuple[Any, ...]) -> tuple[go.Figure, Table]:  # fmt: skip
    return build(fetch(), *args)


def axis_titles(ctx: Context, every: bool | None = None) -> tuple[str, str]:
    """(x column, x-axis title) for the chosen orientation; every time axis ends at t = T, where the (last) loss is
    (the flow pages' and the remedies' t = 0 … T, Your model's and the training lab's 1 … T). ``every``: a loss at
    every step (the sidebar's ``loss``, unless the page has its own): then the title says so."""
    tr = ctx.tr
    every = ctx.settings.loss == "every" if every is None else every
    if ctx.view.axis == "back":
        if every:
            return "back", tr("steps back from the last step (0 = t = T; a loss at every step)",
                              "마지막 시각에서 거슬러 간 시각 수 (0 = t = T, 손실은 모든 시각)")  # fmt: skip
        return "back", tr("steps back from the loss (0 = the loss; the book's figure)",
                          "손실에서 거슬러 간 시각 수 (0 = 손실 위치, 책의 그림)")  # fmt: skip
    if every:
        return "t", tr("time step t (a loss at every step, the last at t = T)",
                       "시각 t (손실은 모든 시각, 마지막은 t = T)")  # fmt: skip
    return "t", tr("time step t (the loss at t = T)", "시각 t (손실은 t = T)")


def norm_axis_title(ctx: Context) -> str:
    return ctx.tr("‖∂L/∂h_t‖ (log scale)", "‖∂L/∂h_t‖ (로그 눈금)")


def curve_info(info: Any, lang: str) -> list[dict[str, Any]]:
    """The chart's view of CurveInfo records, labelled in ``lang``."""
    k = 1 if lang == "ko" else 0
    return [{"id": c.id, "name": c.label[k], "colour_key": c.colour_key, "role": c.role} for c in info]


def export_table(flow: Any, bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """A FlowView's curves for the CSV: the English label of each curve instead of its id, no styling columns; with
    ``bands`` (t, curve id, lo, hi: a range over seeds, drawn as a band), that range beside each curve it belongs to."""
    labels = {c.id: c.label[0] for c in flow.info}
    out = flow.curves.copy()
    out["curve"] = out["curve"].map(labels)
    if bands is not None:
        ranges = bands.assign(curve=bands["curve"].map(labels))[["t", "curve", "lo", "hi"]]
        ranges = ranges.rename(columns={"lo": "seed_band_log10_min", "hi": "seed_band_log10_max"})
        out = out.merge(ranges, on=["t", "curve"], how="left")
    return out


def marker_list(markers: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    k = 1 if lang == "ko" else 0
    return [{"t": m["t"], "label": m["label"][k]} for m in markers]


# ------------------------------------------------------------------------------------------------ the chapter's path
# The numbered sidebar links and, at the end of each page on the path, its "what to try" link and "Next →"
# (explorer/shared/path.py). Every link carries the settings in force (``st.page_link(..., query_params=...)``), the
# very query the page it opens then writes: so a page change is one browser-history entry (Streamlit's own
# navigation pushes the bare path, then the app its query: two), Back returns to the previous page with its settings,
# and a browser that reconnects to another server after a click still has its settings in the address.

# A step's title wraps onto a second line instead of being cut with "…" (a page link's label is one line)
PATH_WRAP_CSS = "<style>[data-testid='stPageLink-NavLink'] span { white-space: normal; }</style>"


def path_sidebar(slot: Any, pages: Mapping[str, Any], ctx: Context) -> None:
    """The path, numbered, then the reference pages, in ``slot`` (a sidebar container); ``pages``: url path ->
    st.Page as app.py gives them to st.navigation."""
    tr = ctx.tr
    with slot:
        st.html(PATH_WRAP_CSS)
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
    suggested = with_settings(here, step)
    st.divider()
    if suggested == dict(here):  # the suggestion is what is in force: say so, offer no link that changes nothing
        st.markdown(f"**{tr(*TRY)}:** {step.try_line[k]} " + tr("(These are the settings in force now.)",
                                                                 "(지금 이 설정입니다.)"))  # fmt: skip
    else:
        st.markdown(f"**{tr(*TRY)}:** {step.try_line[k]}")
    row = st.container(horizontal=True, gap="small")
    with row:
        if suggested != dict(here):
            st.page_link(pages[step.page], label=tr("Apply these settings", "이 설정 적용"), icon=":material/tune:",
                         query_params=suggested, help="")  # fmt: skip
        if i + 1 < len(PATH):
            nxt = PATH[i + 1]
            st.page_link(pages[nxt.page], label=f"{tr(*NEXT)} {nxt.label(i + 2, ctx.lang)}", help="",
                         query_params=shared_query(ctx.settings, view, ctx.lang, nxt.page))  # fmt: skip
