"""Slide view in a real browser (issue 17 §5): ``?slide=1`` opens with the sidebar folded and each chart a 16:9
slide at the size of a 1920 × 1080 projector's page; its PNG download is 1920 × 1080; the way out restores the
normal chart and the sidebar. Screenshots of the English and the Korean slide go to test-artifacts/."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_browser import act, assert_no_exception, open_app, params, wait_idle

PROJECTOR = {"width": 1920, "height": 1080}
CHART_BOX = "d => { const r = d.getBoundingClientRect(); return [r.width, r.height]; }"
SIDEBAR_WIDTH = "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().width"


def share_href(page) -> str:
    """The sidebar's "Link to this view", read even while the sidebar is folded."""
    link = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"] a').last
    return link.get_attribute("href") or ""


@pytest.mark.parametrize(
    "lang, leave", [("en", "Leave slide view"), ("ko", "슬라이드 보기 끝내기")], ids=["english", "korean"]
)
def test_a_slide_link_opens_a_16_by_9_slide_with_the_sidebar_folded(new_page, app_url, artifacts, lang, leave):
    page = new_page(PROJECTOR)
    open_app(page, app_url, f"?slide=1&lang={lang}")
    assert_no_exception(page)
    assert params(page).get("slide") == "true" and params(page).get("lang", "en") == lang
    assert page.evaluate(SIDEBAR_WIDTH) == 0, "the sidebar starts folded in slide view"
    width, height = page.locator(".js-plotly-plot").first.evaluate(CHART_BOX)
    assert height == 720 and 16 / 9 * 0.95 <= width / height <= 16 / 9 * 1.05, (width, height)
    assert height <= PROJECTOR["height"] - 120  # one chart per screen, with the app's header and its buttons
    assert "slide=true" in share_href(page)
    page.screenshot(path=str(artifacts / f"slide-{lang}.png"))

    act(page, lambda: page.get_by_role("button", name=leave).first.click())
    assert "slide" not in params(page)
    _, height = page.locator(".js-plotly-plot").first.evaluate(CHART_BOX)
    assert height == 520  # the normal chart
    page.wait_for_function(f"() => ({SIDEBAR_WIDTH})() > 0")  # the sidebar is back
    assert "slide" not in share_href(page)
    assert_no_exception(page)


def test_the_slide_button_enters_slide_view_and_its_png_is_1920_by_1080(new_page, app_url):
    page = new_page(PROJECTOR)
    open_app(page, app_url, "lstm")
    act(page, lambda: page.get_by_role("button", name="Slide view").first.click())
    wait_idle(page)
    assert params(page).get("slide") == "true"
    page.wait_for_function(f"() => ({SIDEBAR_WIDTH})() === 0")
    expect(page.get_by_role("button", name="Leave slide view").first).to_be_visible()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="⬇ PNG").first.click()
    download = info.value
    assert download.suggested_filename.endswith("_slide.png")
    png = Path(download.path()).read_bytes()
    assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (1920, 1080)


def test_on_a_phone_the_slide_view_says_it_is_made_for_a_projector(new_page, app_url):
    page = new_page({"width": 390, "height": 844})
    open_app(page, app_url, "?slide=1&lang=ko")
    note = page.locator(".slide-narrow")
    expect(note).to_be_visible()
    expect(note).to_contain_text("슬라이드 보기 끝내기")
    wide = new_page(PROJECTOR)
    open_app(wide, app_url, "?slide=1")
    expect(wide.locator(".slide-narrow")).to_be_hidden()  # only where a slide's type is too large


def test_charts_side_by_side_are_stacked_one_per_screen(new_page, app_url):
    """The RNN page draws its spectrum and singular values in two columns: on a slide each takes the full width."""
    page = new_page(PROJECTOR)
    open_app(page, app_url, "rnn?slide=1")
    sizes = page.locator(".js-plotly-plot").evaluate_all("ds => ds.map(d => d.getBoundingClientRect().width)")
    drawn = [w for w in sizes if w > 0]  # the book's figure sits in a closed expander
    assert len(drawn) >= 4 and min(drawn) >= 1100, sizes
