"""The app in a real browser: every page, the URL-bound sidebar controls, the book preset, page switches, shared
URLs, the downloads, hostile URLs and a phone-sized viewport.

Chart data is read from the Plotly div itself (``div._fullData``: plotly>=6 ships numpy arrays base64-encoded, and
``_fullData`` holds them decoded, float64 exactly), so the numbers checked are the numbers drawn.

Waiting: after an input, Streamlit flips ``data-test-script-state`` to running only 40-80 ms later, so each input
waits first for the page's content (chart titles and data, the page heading) to change, then for the app to be idle.
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

import recurrent_core as rc
from explorer.flow import data
from explorer.shared.controls import Settings

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Placeholders Streamlit shows while a widget's or element's code is still being fetched (per browser context)
NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"
EXCEPTION = '[data-testid="stException"]'
T_LABEL, H_LABEL, N_LABEL, SEED_LABEL = "Sequence length T", "Hidden size H", "Batch size N", "Seed"

CHARTS_READY = """() => { const c = document.querySelectorAll('.js-plotly-plot');
    return c.length > 0 && Array.from(c).every(d => d._fullData && d._fullData.length > 0); }"""
# What a rerun changes on a page: the heading, and each chart's title and y data (not the URL, which a bound
# widget rewrites at once, before the rerun has even started).
CONTENT = """() => JSON.stringify([
    Array.from(document.querySelectorAll('h1')).map(h => h.textContent),
    Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => d._fullData
        ? [d.layout.title ? d.layout.title.text : '', d._fullData.map(t => t.y ? Array.from(t.y) : null)]
        : null)])"""
TRACES = "d => d._fullData.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}))"
# the title and the settings footer under the x axis title
TITLE = (
    "d => (d.layout.title ? d.layout.title.text : '') + ' ' + (d.layout.xaxis.title ? d.layout.xaxis.title.text : '')"
)

PAGES = [  # (url path, heading, has charts) — url_path values from app.py; "" is the default page (the book's)
    ("", "The book's experiment: exploding and vanishing gradients", True),
    ("compare", "How far back does the gradient reach?", True),
    ("rnn", "Vanilla RNN: the W_hh matmul and the tanh′ factor", True),
    ("lstm", "LSTM: the memory cell path", True),
    ("gru", "GRU: the update gate's direct path", True),
    ("theory", "Theory: what the plots compute", True),
    ("model", "Your model", True),
    ("remedies", "Remedies", True),
]


# ---------------------------------------------------------------------------------------------------- helpers
def wait_idle(page, timeout: float = 30_000) -> None:
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)


def open_app(page, base: str, path: str = "", charts: bool = True) -> None:
    """Load a page and wait until its script has run: heading shown, every chart drawn, app idle."""
    page.goto(f"{base}/{path.lstrip('/')}")
    page.wait_for_selector("h1", state="visible", timeout=60_000)
    if charts:
        page.wait_for_function(CHARTS_READY, timeout=60_000)
    wait_idle(page)
    page.wait_for_function(NO_SKELETON, timeout=30_000)


def act(page, action, timeout: float = 30_000) -> None:
    """Do ``action`` (an input), wait for the page's content to change, then for the app to be idle."""
    before = page.evaluate(CONTENT)
    action()
    page.wait_for_function(f"(before) => ({CONTENT})() !== before", arg=before, timeout=timeout)
    wait_idle(page, timeout)


def chart_traces(page, index: int = 0) -> list[dict]:
    return page.locator(".js-plotly-plot").nth(index).evaluate(TRACES)


def chart_title(page, index: int = 0) -> str:
    return page.locator(".js-plotly-plot").nth(index).evaluate(TITLE)


def x_len(page, index: int = 0) -> int:
    return len(chart_traces(page, index)[0]["x"])


def params(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def slider(page, label: str):
    # Chromium names the range input from aria-label and aria-labelledby (itself and the label): "L L"
    name = re.escape(label)
    return page.get_by_role("slider", name=re.compile(rf"^{name}(?: {name})?$"))


def seed_input(page):
    return page.get_by_role("spinbutton", name=SEED_LABEL, exact=True)


def eventually(read, ok, timeout: float = 10.0):
    """``read()`` until ``ok`` of it holds or ``timeout`` passes; the last value, for the caller to assert on."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def assert_no_exception(page) -> None:
    exc = page.locator(EXCEPTION)
    assert exc.count() == 0, f"exception shown on {page.url}:\n{exc.first.inner_text()}"


def full_screenshot(page, path) -> None:
    """The whole page: Streamlit scrolls inside its main area, so grow the viewport to the content's height."""
    viewport = page.viewport_size
    height = page.evaluate("""() => Math.max(...['stMain', 'stSidebarContent'].map(id => {
        const e = document.querySelector(`[data-testid="${id}"]`); return e ? e.scrollHeight : 0; }))""")
    page.set_viewport_size({"width": viewport["width"], "height": int(min(max(height, viewport["height"]), 12_000))})
    try:
        page.wait_for_timeout(400)  # charts re-lay themselves out on resize
        wait_idle(page)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)


# ------------------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("path, heading, has_charts", PAGES, ids=[p or "book" for p, _, _ in PAGES])
def test_page_loads_without_errors(page, app_url, artifacts, path, heading, has_charts):
    js_errors = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    open_app(page, app_url, path, charts=has_charts)

    expect(page.locator("h1").first).to_contain_text(heading)
    assert_no_exception(page)
    hrefs = [urlsplit(a.get_attribute("href") or "").path.strip("/") for a in
             page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').all()]  # fmt: skip
    assert {p for p, _, _ in PAGES} <= {"" if h == "home" else h for h in hrefs} | {""}, hrefs
    charts = page.locator(".js-plotly-plot")
    if has_charts:
        assert charts.count() >= 1
        for i in range(charts.count()):
            traces = chart_traces(page, i)
            assert traces and all(len(t["x"]) for t in traces), f"chart {i} on /{path} has an empty trace"
    else:
        assert charts.count() == 0
        expect(page.locator(".katex").first).to_be_attached()  # the equations were typeset
    full_screenshot(page, artifacts / f"page-{path or 'book'}.png")
    assert not js_errors, f"uncaught JavaScript errors on /{path}: {js_errors}"


def test_T_slider_redraws_the_chart_and_updates_the_url(page, app_url):
    open_app(page, app_url, "compare")
    t = slider(page, T_LABEL)
    assert x_len(page) == 51 and "T" not in params(page)  # a control at its default stays out of the URL

    for key, value in (("ArrowRight", 51), ("End", 1000), ("Home", 1)):
        act(page, lambda key=key: t.press(key))
        assert eventually(lambda: x_len(page), lambda n, want=value: n == want + 1) == value + 1, f"after {key}"
        expect(t).to_have_attribute("aria-valuetext", str(value))
        want = str(value)
        assert eventually(lambda: params(page).get("T"), lambda v, want=want: v == want) == want, page.url
        assert f"T={value} ·" in chart_title(page)
        assert_no_exception(page)


def test_H_slider_redraws_the_chart_and_updates_the_url(page, app_url):
    open_app(page, app_url, "compare")
    assert "H=32 ·" in chart_title(page)
    before = chart_traces(page)
    act(page, lambda: slider(page, H_LABEL).press("ArrowRight"))
    assert "H=33 ·" in eventually(lambda: chart_title(page), lambda s: "H=33 ·" in s)
    assert eventually(lambda: params(page).get("H"), lambda v: v == "33") == "33", page.url
    assert chart_traces(page)[0]["y"] != before[0]["y"]
    assert x_len(page) == 51


def test_seed_input_redraws_the_chart_and_updates_the_url(page, app_url):
    open_app(page, app_url, "compare")
    before = chart_traces(page)
    box = seed_input(page)

    def type_seed():
        box.fill("9")
        box.press("Enter")

    act(page, type_seed)
    assert "seed=9 ·" in eventually(lambda: chart_title(page), lambda s: "seed=9 ·" in s)
    assert eventually(lambda: params(page).get("seed"), lambda v: v == "9") == "9", page.url
    after = chart_traces(page)
    assert len(after[0]["x"]) == 51
    assert all(a["y"] != b["y"] for a, b in zip(after, before, strict=True)), "a curve did not change with the seed"


def test_book_preset_sets_the_controls_and_draws_the_books_numbers(page, app_url):
    open_app(page, app_url, "rnn")
    act(page, lambda: page.get_by_role("button", name=re.compile("Book preset: exploding")).click())

    for label, value in ((T_LABEL, "20"), (H_LABEL, "3"), (N_LABEL, "2")):
        expect(slider(page, label)).to_have_attribute("aria-valuetext", value)
    expect(seed_input(page)).to_have_value("3")
    want = {"T": "20", "H": "3", "N": "2", "seed": "3"}
    got = eventually(lambda: params(page), lambda p: all(p.get(k) == v for k, v in want.items()))
    assert {k: got.get(k) for k in want} == want, page.url
    assert_no_exception(page)

    expander = page.locator('[data-testid="stExpander"]').filter(has_text="The book's figure")
    chart = expander.locator(".js-plotly-plot")
    expect(chart).to_be_visible()  # the preset's scheme=book opens the expander
    traces = {t["name"]: t for t in chart.evaluate(TRACES)}
    for name, scale in (("Wh = randn(3, 3)", 1.0), ("Wh = randn(3, 3) × 0.5", 0.5)):
        expected = rc.book_experiment(scale).norms
        assert traces[name]["x"] == list(range(1, 21))
        np.testing.assert_allclose(10.0 ** np.array(traces[name]["y"]), expected, rtol=1e-12, atol=0, err_msg=name)
    # the book draws it on a linear axis: offered beside the log one
    act(page, expander.get_by_text("linear axis (as the book draws it)").click)
    book_norms = rc.book_experiment(1.0).norms

    def first_curve():
        return {t["name"]: t for t in chart.evaluate(TRACES)}.get("Wh = randn(3, 3)", {}).get("y", [])

    linear = eventually(first_curve, lambda y: len(y) == 20 and np.allclose(y, book_norms, rtol=1e-12))
    np.testing.assert_allclose(linear, book_norms, rtol=1e-12)
    # below, the W_hh-only chain of the app is the same 20 values, in the book's orientation
    chains = {t["name"]: t for t in page.locator(".js-plotly-plot").nth(1).evaluate(TRACES)}
    matmul = chains["W_hh matmul only (the book's chain)"]
    assert matmul["x"] == list(range(1, 21))
    np.testing.assert_allclose(10.0 ** np.array(matmul["y"]), rc.book_experiment(1.0).norms, rtol=1e-12)


def test_switching_pages_keeps_the_shared_controls(page, app_url):
    open_app(page, app_url, "compare")
    act(page, lambda: slider(page, T_LABEL).press("ArrowRight"))
    assert eventually(lambda: x_len(page), lambda n: n == 52) == 52

    link = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').filter(
        has_text="4. The LSTM's cell path"
    )
    act(page, link.click)
    expect(page.locator("h1").first).to_contain_text("LSTM: the memory cell path")
    page.wait_for_function(CHARTS_READY)
    assert urlsplit(page.url).path == "/lstm"
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "51")
    assert eventually(lambda: x_len(page), lambda n: n == 52) == 52
    assert eventually(lambda: params(page).get("T"), lambda v: v == "51") == "51", page.url
    assert_no_exception(page)


def test_a_shared_url_reproduces_the_view(page, new_page, app_url):
    url = "compare?T=37&H=5&seed=9"
    open_app(page, app_url, url)
    assert x_len(page) == 38
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "37")
    expect(slider(page, H_LABEL)).to_have_attribute("aria-valuetext", "5")
    expect(seed_input(page)).to_have_value("9")
    assert {k: params(page).get(k) for k in ("T", "H", "seed")} == {"T": "37", "H": "5", "seed": "9"}, page.url
    first = chart_traces(page)

    other = new_page()  # a new context: another browser, another Streamlit session
    open_app(other, app_url, url)
    second = chart_traces(other)
    assert [t["name"] for t in first] == [t["name"] for t in second]
    for a, b in zip(first, second, strict=True):
        assert a["x"] == b["x"]
        np.testing.assert_array_equal(np.array(a["y"], dtype=float), np.array(b["y"], dtype=float), err_msg=a["name"])


def test_every_download_of_the_compare_chart_is_a_valid_file(page, app_url):
    s = Settings(T=30, H=8, seed=5)
    open_app(page, app_url, f"compare?T={s.T}&H={s.H}&seed={s.seed}")
    buttons = page.get_by_test_id("stDownloadButton")
    labels = [b.inner_text().strip() for b in buttons.all()]
    assert labels == ["⬇ HTML", "⬇ CSV", "⬇ PNG", "⬇ SVG"], labels

    def download(label: str) -> tuple[str, bytes]:
        with page.expect_download(timeout=60_000) as info:  # PNG/SVG start kaleido's browser on first use
            page.get_by_role("button", name=label, exact=True).click()
        dl = info.value
        with open(dl.path(), "rb") as f:
            return dl.suggested_filename, f.read()

    stem = f"compare_T{s.T}_H{s.H}_N{s.N}_seed{s.seed}_{s.scheme}"
    name, html = download("⬇ HTML")
    assert name == f"{stem}.html"
    assert b"<html" in html[:1000].lower() and b"plotly" in html.lower()

    name, csv = download("⬇ CSV")
    assert name == f"{stem}.csv"
    assert csv.startswith("\ufeff".encode())  # UTF-8 with BOM, for Excel
    header = [line for line in csv.decode("utf-8-sig").splitlines() if line.startswith("#")]
    assert f"# T: {s.T}" in header and f"# H: {s.H}" in header  # the settings once, not on every row
    table = pd.read_csv(io.BytesIO(csv), comment="#", encoding="utf-8-sig")
    assert list(table.columns) == ["t", "back", "curve", "log10_norm", "norm"], list(table.columns)
    rnn = table[table["curve"] == "RNN"]
    curves = data.compare(s).flow.curves
    expected = curves[curves["curve"] == "rnn"]
    assert rnn["t"].tolist() == list(range(s.T + 1))
    np.testing.assert_allclose(rnn["norm"].to_numpy(float), 10.0 ** rnn["log10_norm"].to_numpy(float), rtol=1e-14)
    np.testing.assert_allclose(
        rnn["log10_norm"].to_numpy(float), expected["log10_norm"].to_numpy(float), rtol=1e-12, atol=0
    )
    drawn = next(t for t in chart_traces(page) if t["name"] == "RNN")  # the chart shows the same numbers
    np.testing.assert_allclose(drawn["y"], rnn["log10_norm"].to_numpy(float), rtol=1e-12, atol=0)

    name, png = download("⬇ PNG")
    assert name == f"{stem}.png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000

    name, svg = download("⬇ SVG")
    assert name == f"{stem}.svg"
    assert "<svg" in svg.decode("utf-8", errors="replace")

    assert_no_exception(page)
    wait_idle(page)  # on_click="ignore": the downloads do not rerun the app


MALFORMED = [  # (query, (T, H, seed) in force, fragments of the notice)
    (
        "?T=-5&H=abc&seed=1e99&foo=<script>alert(1)</script>",
        (1, 32, 2**31 - 1),
        ("T=-5 is outside", "H=abc is not a number", "seed=1e99 is outside", "unknown URL parameter"),
    ),
    ("?T=99999999999999999999", (1000, 32, 0), ("is outside 1–1000: using 1000",)),
    ("?scheme=%00%ff", (50, 32, 0), ("is not one of", "using pytorch")),
]


@pytest.mark.parametrize("query, in_force, notices", MALFORMED, ids=["mixed", "huge_T", "binary_scheme"])
def test_malformed_urls_give_a_notice_and_a_chart(page, app_url, query, in_force, notices):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, app_url, "compare" + query)

    alert = page.get_by_test_id("stAlert")
    expect(alert.first).to_be_visible()
    text = alert.first.inner_text()
    for fragment in notices:
        assert fragment in text, f"{fragment!r} not in the notice {text!r}"
    assert "<script" not in text and alert.locator("script").count() == 0
    assert not dialogs, f"a dialog opened: {dialogs}"
    assert_no_exception(page)

    T, H, seed = in_force
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", str(T))
    expect(slider(page, H_LABEL)).to_have_attribute("aria-valuetext", str(H))
    expect(seed_input(page)).to_have_value(str(seed))
    assert x_len(page) == T + 1
    assert f"T={T} · H={H} ·" in chart_title(page)
    ys = np.concatenate([np.array(t["y"], dtype=float) for t in chart_traces(page)])
    assert np.isfinite(ys).any()


@pytest.mark.parametrize(
    "query, T, korean",
    [("?T=99999999999999999999", 1000, False), ("?lang=ko&T=0", 1, True)],
    ids=["clamped_T", "lang_alias"],
)
def test_the_share_link_reproduces_a_corrected_view(page, new_page, app_url, query, T, korean):
    """A value corrected from the URL is in force but Streamlit does not write it back to the address bar;
    the sidebar's 'Link to this view' carries it, and opening that link gives the same view."""
    open_app(page, app_url, "compare" + query)
    assert_no_exception(page)
    caption = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stCaptionContainer")
        .filter(has_text=re.compile("Link to this view|이 화면의 링크"))
    )
    anchor = caption.locator("a").first
    link = anchor.get_attribute("href")
    assert anchor.inner_text().strip() == link
    assert link.startswith(app_url.rstrip("/")), link
    assert f"T={T}" in link and (("lang=" in link) == korean), link
    first = chart_traces(page)

    other = new_page()
    other.goto(link)
    wait_idle(other)
    other.wait_for_function(CHARTS_READY)
    assert x_len(other) == T + 1
    heading = other.locator("h1").first.inner_text()
    assert (heading == "기울기는 얼마나 멀리 거슬러 올라갈까?") == korean, heading
    second = chart_traces(other)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(np.array(a["y"], dtype=float), np.array(b["y"], dtype=float))
    assert not other.get_by_test_id("stAlert").count(), "the link itself needs no correction"


def test_narrow_viewport_sidebar_opens_and_its_slider_works(new_page, app_url, artifacts):
    page = new_page({"width": 390, "height": 844})
    open_app(page, app_url, "compare")
    t = slider(page, T_LABEL)
    in_view = "e => { const r = e.getBoundingClientRect(); return r.right > 0 && r.left < window.innerWidth; }"
    assert not t.evaluate(in_view), "the sidebar should start collapsed on a phone"
    expand = page.get_by_test_id("stExpandSidebarButton")
    expect(expand).to_be_visible()
    expect(expand).to_have_attribute("aria-expanded", "false")
    page.screenshot(path=str(artifacts / "narrow-collapsed.png"))

    expand.click()
    page.wait_for_function(f"() => ({in_view})(document.querySelector('[aria-label=\"{T_LABEL}\"]'))")
    t.scroll_into_view_if_needed()
    act(page, lambda: t.press("ArrowRight"))
    assert eventually(lambda: x_len(page), lambda n: n == 52) == 52
    expect(t).to_have_attribute("aria-valuetext", "51")
    assert params(page).get("T") == "51", page.url
    assert_no_exception(page)
    page.screenshot(path=str(artifacts / "narrow-sidebar-open.png"))


def test_deep_link_on_a_fresh_server_runs_the_app(page, fresh_app_url):
    """The first visitor after a (re)start, e.g. a Community Cloud app waking up, arrives on a shared /rnn link.
    Streamlit then runs pages/rnn.py alone (legacy pages/ folder mode) unless the page reroutes through app.py."""
    open_app(page, fresh_app_url, "rnn?T=20")
    nav = [a.inner_text().strip().splitlines()[-1]
           for a in page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').all()]  # fmt: skip
    assert nav[:2] == ["1. The book's experiment", "2. Why: ρ, σ_max and tanh′"], nav
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "20")
    assert x_len(page, 1) == 21  # the RNN chains chart (the book figure comes first)


# ------------------------------------------------------------------------------------- page paths and URL state
NO_DIALOG = "() => !Array.from(document.querySelectorAll('[role=dialog]')).some(d => d.offsetParent !== null)"


def share_link(page) -> str:
    caption = page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer").filter(
        has_text=re.compile("Link to this view|이 화면의 링크"))  # fmt: skip
    return caption.locator("a").first.get_attribute("href")


def test_the_compare_pages_own_path_works_and_its_link_stays_there(page, app_url):
    open_app(page, app_url, "compare?T=12")
    expect(page.locator("h1").first).to_contain_text("How far back does the gradient reach?")
    assert page.evaluate(NO_DIALOG), "a dialog opened on /compare"
    assert "Page not found" not in page.inner_text("body")
    assert x_len(page) == 13
    link = share_link(page)
    assert urlsplit(link).path == "/compare" and "T=12" in link, link


def test_an_unknown_path_gets_a_korean_notice_and_a_link_to_a_page_that_exists(page, app_url):
    open_app(page, app_url, "nosuchpage?T=5&lang=ko")
    assert page.evaluate(NO_DIALOG), "Streamlit's English 'Page not found' dialog opened"
    body = page.inner_text("body")
    assert "Page not found" not in body
    assert "nosuchpage" in body and "페이지는 없습니다" in body
    expect(page.locator("h1").first).to_contain_text("책의 실험")  # the default page: the book's experiment
    link = share_link(page)
    assert urlsplit(link).path in ("", "/"), link  # the app's root: a page that exists
    assert "T=5" in link and "lang=ko" in link


def test_tracking_parameters_are_dropped_silently_from_the_address_bar(page, app_url):
    open_app(page, app_url, "?T=20&utm_source=kakao&utm_medium=chat&fbclid=abc123")
    assert page.get_by_test_id("stAlert").count() == 0
    assert eventually(lambda: params(page), lambda p: p == {"T": "20"}) == {"T": "20"}, page.url
    assert "utm_" not in share_link(page) and "fbclid" not in share_link(page)


def test_page_toggles_and_the_orientation_are_in_the_url_and_the_link(page, app_url):
    open_app(page, app_url, "compare?T=15&H=4")
    act(page, lambda: page.get_by_text("Range over 10 seeds (slower)").click())
    assert eventually(lambda: params(page).get("band"), lambda v: v == "true") == "true", page.url
    names = [t["name"] for t in chart_traces(page)]
    assert sum("range over 10 seeds" in n for n in names) == 3, names
    act(page, lambda: page.get_by_text("steps back from the loss (book)").click())
    assert eventually(lambda: params(page).get("axis"), lambda v: v == "back") == "back", page.url
    rnn = next(t for t in chart_traces(page) if t["name"] == "RNN")
    assert rnn["x"][0] == 0 and rnn["x"][-1] == 15
    link = share_link(page)
    assert "band=true" in link and "axis=back" in link and "T=15" in link, link


@pytest.mark.parametrize("path", ["", "compare", "rnn", "lstm", "gru", "horizon", "theory", "model", "remedies", "lab"])
def test_korean_pages_at_phone_width(new_page, app_url, artifacts, path):
    """Korean screens as a reader sees them on a phone: no exception, Korean headings, words that wrap whole
    (keep-all: "경/로" is not broken), chart titles that wrap inside the chart instead of being cut."""
    page = new_page({"width": 390, "height": 844})
    open_app(page, app_url, f"{path}?lang=ko&T=30", charts=path not in ("theory", "lab"))
    assert_no_exception(page)
    heading = page.locator("h1").first.inner_text()
    assert any("\uac00" <= ch <= "\ud7a3" for ch in heading), heading
    for element in (page.locator("h1").first, page.locator("[data-testid='stMarkdownContainer'] p").first):
        assert element.evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    fits = """d => { const t = d.querySelector('.gtitle'); if (!t) return true;
        const r = t.getBoundingClientRect(), c = d.getBoundingClientRect();
        return r.left >= c.left - 1 && r.right <= c.right + 1; }"""
    for i in range(page.locator(".js-plotly-plot").count()):
        assert page.locator(".js-plotly-plot").nth(i).evaluate(fits), f"chart {i} title cut on /{path}"
    full_screenshot(page, artifacts / f"ko-phone-{path or 'book'}.png")


# Where a chart's titles run past what they title, as (title, what) pairs: each title inside the figure's width, a
# y-axis title (drawn turned) within the plot's height, so it neither runs into the chart's title nor is cut
TITLES_OUT = """d => { const out = [], fig = d.getBoundingClientRect();
    const plot = d.querySelector('.nsewdrag').getBoundingClientRect();
    for (const [sel, name] of [['.gtitle', 'title'], ['.xtitle', 'x title'], ['.ytitle', 'y title']]) {
        const e = d.querySelector(sel); if (!e) continue;
        const r = e.getBoundingClientRect();
        if (r.left < fig.left - 1 || r.right > fig.right + 1) out.push([e.textContent, name + ' cut at a side']);
        if (name === 'y title' && (r.top < plot.top - 1 || r.bottom > plot.bottom + 1))
            out.push([e.textContent, 'y title longer than the plot is high']); }
    return out; }"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_labs_charts_keep_their_titles_inside_after_a_run(new_page, app_url, artifacts, lang):
    """A trained run's six charts at a desktop's and a phone's width: the learning curves' long y-axis titles
    (the metric, the mean over the last 50 steps) ran into the chart's title, the heatmaps' x titles past the
    figure."""
    query = "lab?lab_steps=50&lag=12&lab_H=8" + ("&lang=ko" if lang == "ko" else "")
    for width, height in ((1366, 900), (390, 844)):
        page = new_page({"width": width, "height": height})
        open_app(page, app_url, query, charts=False)
        done = page.locator('[data-testid="stAlertContentSuccess"]')
        if done.count() == 0:  # not trained yet on this server (else the finished run is shown at once)
            page.locator(".st-key-lab_train button").click()
        done.wait_for(timeout=120_000)
        page.wait_for_function(CHARTS_READY, timeout=60_000)
        wait_idle(page)
        charts = page.locator(".js-plotly-plot")
        assert charts.count() == 6
        for i in range(charts.count()):
            charts.nth(i).scroll_into_view_if_needed()
            assert charts.nth(i).evaluate(TITLES_OUT) == [], f"chart {i} at {width} px"
        full_screenshot(page, artifacts / f"lab-{lang}-{width}.png")


def test_the_training_lab_page_opens_in_both_languages(page, app_url):
    for query, heading in (("", "Training lab"), ("?lang=ko", "학습 실험실")):
        open_app(page, app_url, f"lab{query}", charts=False)
        expect(page.locator("h1").first).to_contain_text(heading)
        assert_no_exception(page)


def test_back_after_switching_the_language_returns_to_it(page, app_url):
    """Issue 16: Back after switching the language stayed in the new language (the session kept its state and
    wrote it back over the URL Back had brought)."""
    open_app(page, app_url, "compare?T=31")
    act(page, lambda: page.locator('[data-testid="stSidebar"]').get_by_text("한국어").click())
    expect(page.locator("h1").first).to_contain_text("기울기는 얼마나 멀리", timeout=30_000)
    assert eventually(lambda: params(page).get("lang"), lambda v: v == "ko") == "ko", page.url
    page.go_back()
    expect(page.locator("h1").first).to_contain_text("How far back does the gradient reach?", timeout=30_000)
    wait_idle(page)
    assert params(page).get("lang") is None and params(page).get("T") == "31", page.url
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "31")
    assert_no_exception(page)


def test_the_horizon_pages_tabs_compute_their_maps_when_opened(page, app_url):
    """Only the open tab's maps are computed (st.tabs on_change="rerun"): a click on another tab reruns the page and
    draws that kind's maps; the first tab's come back when it is opened again."""
    open_app(page, app_url, "horizon?T=30")
    assert_no_exception(page)

    def titles() -> list[str]:
        return [chart_title(page, i) for i in range(page.locator(".js-plotly-plot").count())]

    assert [t[:4] for t in titles()] == ["RNN "] * 2
    for tab, count in (("LSTM", 3), ("GRU", 2), ("RNN", 2)):  # the LSTM's cell map too
        act(page, lambda tab=tab: page.get_by_role("tab", name=tab, exact=True).click())
        page.wait_for_function(CHARTS_READY, timeout=60_000)
        shown = eventually(
            titles, lambda ts, tab=tab, count=count: len(ts) == count and all(t.startswith(tab) for t in ts)
        )
        assert len(shown) == count and all(t.startswith(tab) for t in shown), (tab, shown)
        assert_no_exception(page)
