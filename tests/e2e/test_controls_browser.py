"""Each page's sidebar in a real browser: a control the next page hides keeps its value through that page (the
browser unmounts its widget), in the address bar throughout, and is back on the page that shows it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_browser import (
    CHARTS_READY,
    T_LABEL,
    act,
    assert_no_exception,
    eventually,
    open_app,
    params,
    slider,
    wait_idle,
)

FORGET_LABEL = "LSTM forget-gate bias (added)"


def go(page, title: str, charts: bool = True) -> None:
    link = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').filter(has_text=title)
    act(page, link.click)
    expect(page.locator("h1").first).to_be_visible()
    if charts:
        page.wait_for_function(CHARTS_READY)


def test_a_hidden_control_survives_the_pages_that_hide_it(page, app_url):
    open_app(page, app_url, "lstm?T=12")
    forget = slider(page, FORGET_LABEL)
    act(page, lambda: forget.press("ArrowRight"))  # step 0.5
    want = {"T": "12", "forget_bias": "0.5"}
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url

    go(page, "Why: ρ, σ_max and tanh′")
    assert slider(page, FORGET_LABEL).count() == 0  # the RNN page has no LSTM
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url
    sidebar = page.get_by_test_id("stSidebar")
    expander = sidebar.get_by_test_id("stExpander")
    expect(expander).to_have_count(1)
    expect(slider(page, "Input size D")).to_be_hidden()  # folded
    expander.get_by_text("Advanced").click()
    expect(slider(page, "Input size D")).to_be_visible()
    # unfolded, its sliders show the values in force and change nothing: they mount only now, and took the widgets'
    # default, their minimum (D = 1, scale 0), when the last run had not sent their values (ui.write_back_controls)
    expect(slider(page, "Input size D")).to_have_attribute("aria-valuetext", "8")
    wait_idle(page)
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url

    go(page, "Theory", charts=False)
    assert slider(page, T_LABEL).count() == 0 and slider(page, FORGET_LABEL).count() == 0
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url

    go(page, "The LSTM's cell path")
    expect(slider(page, FORGET_LABEL)).to_have_attribute("aria-valuetext", re.compile(r"^0\.50?$"))
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "12")
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url
    footer = page.locator(".js-plotly-plot").first.evaluate("d => d.layout.xaxis.title.text")
    assert "forget_bias=0.5" in footer, footer
    assert_no_exception(page)


def test_the_x_axis_keeps_its_choice_where_the_sidebar_moves_it(page, app_url):
    """The lab shows the x axis alone (it orients its heatmaps), the compare page among many controls."""
    open_app(page, app_url, "compare?T=12")
    act(page, lambda: page.get_by_text("steps back from the loss (book)").click())
    want = {"T": "12", "axis": "back"}
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url
    go(page, "What training does", charts=False)
    assert slider(page, T_LABEL).count() == 0
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("radio", name="steps back from the loss (book)")).to_be_checked()
    assert eventually(lambda: params(page), lambda p: p == want) == want, page.url
    go(page, "The three side by side")
    expect(sidebar.get_by_role("radio", name="steps back from the loss (book)")).to_be_checked()
    expect(slider(page, T_LABEL)).to_have_attribute("aria-valuetext", "12")
    rnn = page.locator(".js-plotly-plot").first.evaluate("d => d._fullData[0].x")
    assert rnn[0] == 0 and rnn[-1] == 12  # the book's orientation
    assert_no_exception(page)
