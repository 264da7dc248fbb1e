"""AppTest: each page's sidebar shows the shared controls that change it (explorer/shared/controls.py: PAGE_SIDEBAR),
the main ones in view and the rest under "Advanced"; the controls a page hides keep their values across page switches,
in the session, the address bar and the share link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.shared.controls import PAGE_SIDEBAR, SIDEBAR

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SMALL = {"T": "12", "H": "4"}
SIDEBAR_KEYS = {c.key for c in SIDEBAR}


def run_app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    if page:  # the root is the book's experiment
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def keys(block) -> set[str]:
    """The keys of the sidebar controls drawn in ``block``."""
    widgets = (*block.slider, *block.number_input, *block.radio, *block.selectbox, *block.toggle)
    return {w.key for w in widgets} & SIDEBAR_KEYS


def shown(at: AppTest) -> tuple[set[str], set[str]]:
    """(controls in view, controls under the expander) in the sidebar."""
    folded = set().union(*(keys(e) for e in at.sidebar.expander))
    return keys(at.sidebar) - folded, folded


def link(at: AppTest) -> str:
    (caption,) = [c.value for c in at.sidebar.caption if "Link to this view" in c.value]
    return caption.replace("\\", "")


@pytest.mark.parametrize("page", ["compare", "rnn", "lstm", "gru", "horizon", "remedies", "theory"])
def test_each_page_shows_what_changes_it(page):
    at = run_app(SMALL, page)
    main, folded = shown(at)
    declared = PAGE_SIDEBAR[page]
    assert main == set(declared.main) and folded == set(declared.advanced), page
    assert [e.label for e in at.sidebar.expander] == (["Advanced"] if declared.advanced else [])


def test_the_rnn_page_shows_its_controls_and_folds_the_rest():
    at = run_app(SMALL, "rnn")
    main, folded = shown(at)
    assert {"T", "H", "N", "seed", "scheme", "set_rho", "rho", "nonlinearity", "axis"} <= main
    assert {"D", "input_scale", "loss", "norm"} <= folded
    assert not (main | folded) & {"forget_bias", "update_bias", "formulation"}  # no LSTM or GRU on this page
    (expander,) = at.sidebar.expander
    assert expander.label == "Advanced"
    # the figures' footers name the settings of this page only
    footers = [json.loads(c.proto.spec)["layout"]["meta"]["settings"] for c in at.get("plotly_chart")]
    chains = footers[1]  # after the book's own figure
    assert {"T", "H", "N", "seed", "scheme", "nonlinearity", "loss", "norm"} <= set(chains)
    assert not set().union(*footers) & {"forget_bias", "update_bias", "formulation"}
    assert at.sidebar.button[0].label == "Reset all controls"


@pytest.mark.parametrize("page", ["theory", "lab", "model"])
def test_pages_with_their_own_controls_show_no_shared_settings(page):
    """Theory shows only D and H (its parameter table), the lab and the model only the x axis (their heatmaps'
    orientation): none of the sidebar's T, seed, N, init or gates beside the page's own."""
    at = run_app(SMALL, page)
    main, folded = shown(at)
    assert main == ({"D", "H"} if page == "theory" else {"axis"}) and not folded
    assert not at.sidebar.expander
    assert not any(b.label == "Reset all controls" for b in at.sidebar.button)  # it would move the hidden ones
    note = PAGE_SIDEBAR[page].note
    assert note and any(c.value == note[0] for c in at.sidebar.caption)
    assert at.query_params["T"] == "12" and "T=12" in link(at)  # kept, though not shown


def test_the_korean_sidebar_folds_under_its_korean_name():
    at = run_app({**SMALL, "lang": "ko"}, "lstm")
    assert [e.label for e in at.sidebar.expander] == ["고급"]
    assert at.slider(key="T").label == "시퀀스 길이 T"


def test_a_hidden_control_survives_the_pages_that_hide_it_and_stays_in_the_url():
    at = run_app(SMALL, "lstm")
    at.slider(key="forget_bias").set_value(2.0).run()
    at.radio(key="norm").set_value("mean").run()  # an Advanced one
    want = {"T": "12", "H": "4", "forget_bias": "2.0", "norm": "mean"}
    assert dict(at.query_params) == want
    for page in ("rnn", "theory", "lab", "horizon", "rnn"):  # rnn, theory and lab hide the forget bias
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert at.session_state["forget_bias"] == 2.0 and at.session_state["norm"] == "mean", page
        assert {k: at.query_params[k] for k in want} == want, page
        assert "forget_bias=2.0" in link(at) and "norm=mean" in link(at), page
    at.switch_page("pages/lstm.py").run()
    assert at.slider(key="forget_bias").value == 2.0 and at.radio(key="norm").value == "mean"
    assert dict(at.query_params) == want
    # and it is the value in force on the page that shows it
    titles = " ".join(c.proto.spec for c in at.get("plotly_chart"))
    assert "forget_bias=2" in titles


def test_a_control_set_on_a_page_that_hides_it_reaches_the_page_that_shows_it():
    """The RNN page's book preset sets the GRU formulation, which the RNN page hides: the GRU page shows it."""
    at = run_app(page="rnn")
    at.button(key="book_preset").click().run()
    assert not at.exception and at.session_state["formulation"] == "dlfs2"
    assert at.query_params["formulation"] == "dlfs2"
    at.switch_page("pages/gru.py").run()
    assert at.radio(key="formulation").value == "dlfs2" and at.slider(key="T").value == 20


def test_reset_on_a_page_resets_the_hidden_controls_too():
    at = run_app({**SMALL, "forget_bias": "2"}, "rnn")
    next(b for b in at.sidebar.button if b.label == "Reset all controls").click().run()
    assert at.session_state["forget_bias"] == 0.0 and at.slider(key="T").value == 50
    assert "forget_bias" not in at.query_params


def _sidebar(page: str) -> None:
    """A script that draws the sidebar of ``page`` alone (AppTest.from_function runs the function's source)."""
    from explorer.shared import ui

    ui.sidebar(ui.seed_from_url(), page)


def test_the_books_first_screen_shows_no_shared_control_and_an_unknown_page_shows_all():
    at = AppTest.from_function(_sidebar, args=("book",), default_timeout=60).run()
    assert not at.exception and shown(at) == (set(), set())
    assert any(c.value == PAGE_SIDEBAR["book"].note[0] for c in at.sidebar.caption)  # type: ignore[index]
    at = AppTest.from_function(_sidebar, args=("a-page-added-later",), default_timeout=60).run()
    assert not at.exception and shown(at) == (SIDEBAR_KEYS, set())


@pytest.mark.parametrize("page", sorted(p for p in PAGE_SIDEBAR if PAGE_SIDEBAR[p].advanced))
def test_every_run_sends_each_sidebar_control_its_value(page):
    """A browser mounts the widgets under "Advanced" only when it unfolds, and Streamlit sends a widget's value only in
    a run that wrote it: a page unfolded after a second run showed the widget's default, a slider's minimum, and sent
    it back (D = 1, input scale 0; found by tests/e2e/test_controls_browser.py in CI). Every run of every page, after
    a control moved too, carries each drawn control's value as set."""
    at = run_app({**SMALL, "D": "5"}, page)
    for rerun in range(3):
        for w in (*at.sidebar.slider, *at.sidebar.radio, *at.sidebar.selectbox, *at.sidebar.toggle):
            if w.key in SIDEBAR_KEYS:
                assert w.proto.set_value, (page, rerun, w.key)
                assert w.value == at.session_state[w.key], (page, rerun, w.key)
        d = next(s for s in at.sidebar.slider if s.key == "D")
        assert d.value == 5 and list(d.proto.value) == [5.0]
        if rerun == 0:
            at.sidebar.slider(key="H").set_value(6).run()  # a control moved: the page's second run
        else:
            at.run()
        assert not at.exception
