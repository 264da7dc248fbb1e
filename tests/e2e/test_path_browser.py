"""The chapter's path in a real browser (issue 17 §1, issue 16 §3, issue 19 §3): a walk through every step by its
"what to try" link and its "Next →", in English at desktop width and in Korean at phone width, one browser-history
entry per click; Back and Forward over a page change and over a language switch; a sidebar link that carries the
settings, so a fresh session (another server after a replica died) opens with them."""

from __future__ import annotations

from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from explorer.shared import path
from explorer.shared.controls import CONTROLS, LANG
from tests.e2e.test_browser import (
    CHARTS_READY,
    T_LABEL,
    assert_no_exception,
    chart_title,
    eventually,
    full_screenshot,
    open_app,
    slider,
    wait_idle,
)

HEADINGS = {  # page -> the start of its h1 (en, ko)
    "book": ("The book's experiment", "책의 실험"),
    "rnn": ("Vanilla RNN", "기본 RNN"),
    "remedies": ("Remedies", "대책"),
    "lstm": ("LSTM: the memory cell path", "LSTM: 기억 셀 경로"),
    "gru": ("GRU: the update gate", "GRU: 업데이트 게이트"),
    "compare": ("How far back does the gradient reach?", "기울기는 얼마나 멀리"),
    "lab": ("Training lab", "학습 실험실"),
    "model": ("Your model", "내 모델"),
}
SHARED = {c.key for c in CONTROLS} | {LANG.key}
MAIN_LINK = '[data-testid="stMain"] [data-testid="stPageLink-NavLink"]'
SIDEBAR_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]'


def params(page) -> dict[str, str]:
    """The address bar's query, read in the browser (``page.url`` is only updated while Playwright handles events,
    not while a test polls)."""
    return dict(parse_qsl(page.evaluate("location.search").lstrip("?")))


def history(page) -> int:
    return page.evaluate("history.length")


# Every URL the page records (history.pushState), kept in order: about 1 walk in 3 (the previous session's code
# too), a "Next →" click pushed the page being left once more, as it was before its own "Apply these settings" link
# (e.g. /remedies without threshold and block), then the next page. Streamlit's frontend re-pushes its stale record of
# the page; the app writes neither. The walk allows that one stray entry and checks the rest exactly.
COUNT_PUSHES = """window.__urls = []; const push = history.pushState.bind(history);
history.pushState = (state, title, url) => { window.__urls.push(String(url)); return push(state, title, url); };"""


def pushes(page) -> int:
    return page.evaluate("window.__urls.length")


def pushed(page, since: int) -> list[str]:
    return page.evaluate(f"window.__urls.slice({since})")


def url_path(page) -> str:
    return page.evaluate("location.pathname")


def arrive(page, name: str, k: int) -> None:
    """Wait until ``name``'s page is shown and its script has finished."""
    want = "/" if name == "book" else f"/{name}"
    page.wait_for_function("(p) => location.pathname === p", arg=want, timeout=60_000)
    expect(page.locator("h1").first).to_contain_text(HEADINGS[name][k], timeout=60_000)
    page.wait_for_timeout(150)  # the run starts 40-80 ms after the click
    wait_idle(page, 60_000)


def try_text(step: path.Step, k: int) -> str:
    """The what-to-try line as shown: the markdown's bold markers are gone, so the part before the first one."""
    return step.try_line[k].split("**")[0].strip()


@pytest.mark.parametrize("lang, width", [("en", 1280), ("ko", 1280), ("en", 390), ("ko", 390)],
                         ids=["en-desktop", "ko-desktop", "en-phone", "ko-phone"])  # fmt: skip
def test_walk_the_whole_path_by_what_to_try_and_next(new_page, app_url, artifacts, lang, width):
    k = 1 if lang == "ko" else 0
    page = new_page({"width": width, "height": 900})
    page.add_init_script(COUNT_PUSHES)
    open_app(page, app_url, "?lang=ko" if lang == "ko" else "")
    expect(page.locator("h1").first).to_contain_text(HEADINGS["book"][k])
    full_screenshot(page, artifacts / f"path-first-screen-{lang}-{width}.png")
    before = params(page)
    for i, step in enumerate(path.PATH):
        assert_no_exception(page)
        expect(page.get_by_text(try_text(step, k), exact=False).first).to_be_visible()
        # "what to try": the suggested settings in force, the others kept, one history entry
        n, p = history(page), pushes(page)
        page.locator(MAIN_LINK).filter(has_text=("Apply these settings", "이 설정 적용")[k]).click()
        want = dict(before) | dict(step.settings)
        got = eventually(lambda: params(page), lambda p, want=want: p == want, timeout=30)
        assert got == want, (step.page, got, want)
        arrive(page, step.page, k)
        assert params(page) == want and pushes(page) == p + 1 and history(page) == n + 1, (step.page, page.url, p, n)
        assert_no_exception(page)
        before = params(page)
        if i + 1 == len(path.PATH):
            assert page.locator(MAIN_LINK).filter(has_text=path.NEXT[k]).count() == 0
            break
        # "Next →": the next step with the shared settings and the language, one history entry
        nxt = path.PATH[i + 1]
        n, p, left = history(page), pushes(page), page.url
        page.locator(MAIN_LINK).filter(has_text=path.NEXT[k]).click()
        arrive(page, nxt.page, k)
        after = params(page)
        assert {key: v for key, v in before.items() if key in SHARED} == {
            key: v for key, v in after.items() if key in SHARED
        }, (nxt.page, before, after)
        urls = pushed(page, p)
        stray = urls[:-1]  # at most the page just left, once more (see COUNT_PUSHES)
        assert urls and url_path(page).endswith(urlsplit(urls[-1]).path), (nxt.page, urls)
        assert len(stray) <= 1 and all(urlsplit(u).path == urlsplit(left).path for u in stray), (nxt.page, urls)
        assert history(page) == n + len(urls), (nxt.page, history(page), n, urls)
        if nxt.page == "rnn":  # the book's setting, carried from step 1, is what the RNN page computes
            page.wait_for_function(CHARTS_READY, timeout=60_000)
            assert "T=20 ·" in chart_title(page, 1) and "H=3 ·" in chart_title(page, 1)
        before = after
    assert_no_exception(page)


def test_one_page_change_is_one_history_entry_and_back_returns_with_the_settings(page, app_url):
    open_app(page, app_url, "rnn?T=20")
    n = history(page)
    page.locator(SIDEBAR_LINK).filter(has_text=path.PATH[3].label(4, "en")).click()
    arrive(page, "lstm", 0)
    assert history(page) == n + 1 and params(page) == {"T": "20"}, (page.url, history(page), n)
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "20")

    page.go_back()  # the first Back returns to the previous page, with its settings
    arrive(page, "rnn", 0)
    assert params(page) == {"T": "20"}, page.url
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "20")
    page.go_forward()
    arrive(page, "lstm", 0)

    # a language switch is one entry too; Back returns to the language before it
    page.get_by_test_id("stSidebar").get_by_text("한국어").click()
    expect(page.locator("h1").first).to_contain_text(HEADINGS["lstm"][1], timeout=30_000)
    assert eventually(lambda: params(page), lambda p: p == {"T": "20", "lang": "ko"}) == {"T": "20", "lang": "ko"}
    assert history(page) == n + 2
    page.go_back()
    expect(page.locator("h1").first).to_contain_text(HEADINGS["lstm"][0], timeout=30_000)
    wait_idle(page)
    assert params(page) == {"T": "20"}, page.url
    page.go_back()
    arrive(page, "rnn", 0)
    assert params(page) == {"T": "20"}, page.url
    assert_no_exception(page)


def test_a_sidebar_link_carries_the_settings_into_a_fresh_session(page, new_page, app_url):
    """After a replica dies the browser reconnects to another server: a click there starts a session from the
    link alone, so the link itself must hold the settings (it does: a new browser context opens its href)."""
    open_app(page, app_url, "lstm?T=33&forget_bias=2.0&lang=ko")
    compare = page.locator(SIDEBAR_LINK).filter(has_text=path.PATH[5].label(6, "ko"))
    href = urljoin(app_url + "/", compare.get_attribute("href") or "")
    assert urlsplit(href).path == "/compare", href
    fresh = new_page()
    open_app(fresh, app_url, href.removeprefix(app_url))
    expect(fresh.locator("h1").first).to_contain_text(HEADINGS["compare"][1])
    expect(slider(fresh, "시퀀스 길이 T")).to_have_attribute("aria-valuetext", "33")
    assert params(fresh) == {"T": "33", "forget_bias": "2.0", "lang": "ko"}, fresh.url
    assert_no_exception(fresh)


def test_old_addresses_of_the_compare_page_still_open_it(page, app_url):
    for address in ("home?T=12", "compare?T=12"):
        open_app(page, app_url, address)
        expect(page.locator("h1").first).to_contain_text(HEADINGS["compare"][0])
        assert url_path(page) == "/" + address.split("?")[0] and params(page) == {"T": "12"}, page.url


def test_back_to_an_address_without_a_query_returns_to_the_defaults(page, app_url):
    """The first screen at its defaults has no query: Back after a language switch brings that empty query, which
    means the defaults (English) there, not a query Streamlit cleared."""
    open_app(page, app_url)
    page.get_by_test_id("stSidebar").get_by_text("한국어").click()
    expect(page.locator("h1").first).to_contain_text(HEADINGS["book"][1], timeout=30_000)
    assert eventually(lambda: params(page), lambda p: p == {"lang": "ko"}) == {"lang": "ko"}
    page.go_back()
    expect(page.locator("h1").first).to_contain_text(HEADINGS["book"][0], timeout=30_000)
    wait_idle(page)
    assert params(page) == {} and url_path(page) == "/", page.url
    assert_no_exception(page)
