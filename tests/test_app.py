"""AppTest: the app and every page run headless, with default, extreme and hostile inputs.

Pages are also tested on their own with the settings app.py would hand them (many settings, quickly). The URL
written back by bound widgets is tested in a real browser in tests/e2e (AppTest does not see it).
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import recurrent_core as rc
from explorer import data
from explorer.settings import CONTROLS, MEMORY_BUDGET_BYTES, Settings, tape_bytes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = {name: str(ROOT / "pages" / f"{name}.py") for name in ("compare", "rnn", "lstm", "gru", "theory")}
CHARTS_PER_PAGE = {"compare": 1, "rnn": 5, "lstm": 2, "gru": 2, "theory": 0}


def decode(values):
    """A Plotly JSON array: a list, or plotly>=6's base64 typed array {'dtype', 'bdata'}."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def run_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    return at.run()


def run_page(name: str, settings: Settings) -> AppTest:
    at = AppTest.from_file(PAGES[name], default_timeout=120)
    at.session_state["settings"] = settings
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ---------------------------------------------------------------------------------------------------- app.py
def test_default_run_tells_the_story():
    at = run_app()
    assert_clean(at)
    assert not at.warning
    (fig,) = figures(at)
    names = [trace["name"] for trace in fig["data"]]
    assert names[:3] == ["RNN", "LSTM", "GRU"] and any("gate bias +3" in n for n in names)
    assert len(decode(fig["data"][0]["x"])) == Settings().T
    # the y values shown are the core's numbers
    s = Settings()
    x, dhs = data.make_inputs(s)
    expected = rc.aggregate(rc.flow_norms(data.make_layer(s, "rnn"), x, dhs).log10_dh, "l2")
    np.testing.assert_allclose(decode(fig["data"][0]["y"]), expected, rtol=1e-12)
    reading = " ".join(m.value for m in at.markdown)
    assert "vanish too" in reading


def test_page_switches_keep_the_shared_controls():
    """Every page runs through app.py (also when Streamlit would run a pages/ file alone: ui.ensure_app_ran)."""
    at = run_app()
    at.slider(key="T").set_value(17).run()
    at.slider(key="H").set_value(5).run()
    for name in ("rnn", "lstm", "gru", "theory", "compare"):
        at.switch_page(f"pages/{name}.py").run()
        assert_clean(at)
        assert at.slider(key="T").value == 17 and at.slider(key="H").value == 5
        for fig in figures(at):
            meta = fig["layout"]["meta"]["settings"]
            if "x_scale" in meta:  # the app's settings (the book's fixed figure has its own)
                assert meta["T"] == 17 and meta["H"] == 5


def test_book_preset_moves_the_shared_controls_and_the_figure():
    at = run_app()
    at.switch_page("pages/rnn.py").run()
    at.button(key="book_preset").click().run()
    assert_clean(at)
    assert (at.slider(key="T").value, at.slider(key="H").value, at.slider(key="N").value) == (20, 3, 2)
    assert at.number_input(key="seed").value == 3 and at.selectbox(key="scheme").value == "book"
    chains = figures(at)[1]
    matmul = next(t for t in chains["data"] if "matmul" in t["name"])
    np.testing.assert_allclose(10 ** decode(matmul["y"])[::-1][1:], rc.book_experiment().norms[:19], rtol=1e-12)


def test_every_page_is_registered_in_the_navigation():
    source = Path(APP).read_text()
    for name in PAGES:
        assert f'"pages/{name}.py"' in source


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.key)
def test_each_control_at_its_extremes(control):
    """Every control at each end of its range (or each option), through the sidebar, on the compare page."""
    query = {"T": "12", "H": "4"} if control.key not in ("T", "H") else {}
    if control.key == "rho":
        query["set_rho"] = "true"  # the target is disabled until its toggle is on
    at = run_app(query)
    if control.options:
        values = list(control.options)
    elif isinstance(control.default, bool):
        values = [True, False]
    else:
        values = [control.lo, control.hi]
    for value in values:
        widget = getattr(at, _widget_type(control))(key=control.key)
        if isinstance(control.default, int) and not isinstance(control.default, bool):
            value = int(value)
        widget.set_value(value).run()
        assert_clean(at)
        assert at.session_state[control.key] == value
        assert figures(at), "the chart is still drawn"


def _widget_type(control) -> str:
    if control.options:
        return "radio" if len(control.options) <= 3 else "selectbox"
    if isinstance(control.default, bool):
        return "toggle"
    return "number_input" if control.key == "seed" else "slider"


def test_url_parameters_in():
    at = run_app({"T": "37", "H": "5", "seed": "9", "scheme": "orthogonal", "loss": "every"})
    assert_clean(at)
    assert not at.warning
    assert at.slider(key="T").value == 37 and at.slider(key="H").value == 5
    assert at.number_input(key="seed").value == 9 and at.selectbox(key="scheme").value == "orthogonal"
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == 37
    assert "T=37" in fig["layout"]["title"]["text"] and "init=orthogonal" in fig["layout"]["title"]["text"]


@pytest.mark.parametrize(
    "query, expect",
    [
        ({"T": "-5", "H": "abc", "seed": "1e99", "zz": "<script>alert(1)</script>"}, {"T": 1, "H": 32}),
        ({"T": "99999999999999999999", "rho": "nan", "set_rho": "maybe"}, {"T": 1000}),
        ({"scheme": "\x00\xff", "act": "sigmoid", "loss": "", "norm": "<b>"}, {"T": 50}),
        ({"input_scale": "inf", "forget_bias": "-1e308", "N": "0.5"}, {"T": 50}),
    ],
)
def test_malformed_urls_give_a_notice_not_a_traceback(query, expect):
    at = run_app(query)
    assert_clean(at)
    assert at.warning, "a notice explains what was changed"
    notice = at.warning[0].value
    assert "<script>" not in notice and "\x00" not in notice
    for key, value in expect.items():
        assert at.slider(key=key).value == value
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == expect["T"]


def test_oversized_run_is_refused_with_a_notice():
    at = run_app({"T": "1000", "H": "256", "N": "64"})
    assert_clean(at)
    notice = " ".join(w.value for w in at.warning)
    assert "budget" in notice
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == 1000
    n_used = int(fig["layout"]["meta"]["settings"]["N"])
    assert n_used < 64 and tape_bytes(1000, n_used, 256) <= MEMORY_BUDGET_BYTES


def test_reset_button_restores_defaults():
    at = run_app({"T": "15"})
    next(b for b in at.sidebar.button if b.label == "Reset all controls").click().run()
    assert_clean(at)
    assert at.slider(key="T").value == Settings().T


def test_rho_target_is_disabled_until_its_toggle_is_on():
    at = run_app()
    assert at.slider(key="rho").disabled
    at.toggle(key="set_rho").set_value(True).run()
    assert not at.slider(key="rho").disabled


# ----------------------------------------------------------------------------------------------------- pages
EXTREMES = [
    Settings(),
    Settings(T=1),
    Settings(T=2, H=1, D=1),
    Settings(T=1000, H=256, N=1),
    Settings(T=300, H=64, N=64, loss="every", norm="mean"),
    Settings(scheme="identity", scale=3.0, act="relu", input_scale=5.0, T=1000),  # forward overflows
    Settings(scheme="orthogonal", set_rho=True, rho=3.0, input_scale=0.0, T=1000, H=16),  # float64 overflows
    Settings(scheme="gaussian", scale=0.0, T=20),  # W_hh = 0
    Settings(scheme="book", T=20, H=3, N=2, seed=3, norm="book"),
    Settings(forget_bias=6.0, update_bias=6.0, gru_form="dlfs2", T=200),
    Settings(forget_bias=-3.0, update_bias=-3.0, seed=2**31 - 1),
]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("settings", EXTREMES, ids=lambda s: f"T{s.T}-H{s.H}-N{s.N}-{s.scheme}-{s.act}")
def test_pages_at_extreme_settings(page, settings):
    at = run_page(page, settings)
    assert_clean(at)
    figs = figures(at)
    assert len(figs) == CHARTS_PER_PAGE[page]
    for fig in figs:
        assert fig["layout"]["meta"]["settings"]["T"] == settings.T or page == "rnn"
    if page in ("lstm", "gru"):
        heat = figs[1]["data"][0]
        assert np.asarray(heat["z"]).size == settings.T * settings.H or "bdata" in str(heat["z"])


def test_exploding_run_marks_the_overflow_step():
    s = EXTREMES[6]
    at = run_page("compare", s)
    assert_clean(at)
    (fig,) = figures(at)
    labels = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "float64 overflows" in labels and "float32 overflows" in labels
    rnn = decode(fig["data"][0]["y"])
    assert np.isfinite(rnn).all() and rnn.max() > 308  # drawn past float64's range, in the log domain
    reading = " ".join(m.value for m in at.markdown)
    assert "overflows to inf at step" in reading


def test_forward_overflow_is_reported():
    at = run_page("rnn", EXTREMES[5])
    assert_clean(at)
    reading = " ".join(m.value for m in at.markdown)
    assert "forward pass itself overflowed" in reading


def test_rnn_page_book_preset_sets_the_controls():
    at = run_page("rnn", Settings())
    at.button(key="book_preset").click().run()
    assert_clean(at)
    for key, value in {"T": 20, "H": 3, "N": 2, "seed": 3, "scheme": "book", "norm": "book"}.items():
        assert at.session_state[key] == value


def test_rnn_page_book_figure_is_the_books_numbers():
    at = run_page("rnn", Settings(scheme="book", T=20, H=3, N=2, seed=3, norm="book"))
    book_fig = figures(at)[0]
    for trace, scale in zip(book_fig["data"], (1.0, 0.5), strict=True):
        np.testing.assert_allclose(decode(trace["y"]), rc.book_experiment(scale).norms, rtol=1e-15)
    chains = figures(at)[1]
    matmul = next(t for t in chains["data"] if "matmul" in t["name"])
    # ‖dh_t‖ after T-1-t multiplications: book norm k (after k+1) sits at t = T-2-k
    np.testing.assert_allclose(10 ** decode(matmul["y"])[::-1][1:], rc.book_experiment().norms[:19], rtol=1e-12)


def test_gru_page_explains_the_formulation():
    for form, phrase in (("pytorch", "z itself is the keep gate"), ("dlfs2", "the keep gate is 1 − z")):
        at = run_page("gru", replace(Settings(), gru_form=form))
        assert_clean(at)
        assert phrase in " ".join(i.value for i in at.info)


def test_theory_page_shows_the_equations():
    at = run_page("theory", Settings())
    assert_clean(at)
    assert len(at.get("latex")) >= 6 if at.get("latex") else len(at.markdown) > 5


# ------------------------------------------------------------------------------------------------ 한국어
@pytest.mark.parametrize("lang", ["ko", "한국어", "KR"])
def test_korean_from_the_url(lang):
    at = run_app({"lang": lang})
    assert_clean(at)
    assert not at.warning
    assert at.title[0].value == "기울기는 얼마나 멀리 거슬러 올라갈까?"
    reading = " ".join(m.value for m in at.markdown)
    assert "기울기 소실" in reading and "핵심" in reading
    assert at.slider(key="T").label == "시퀀스 길이 T"


def test_unknown_language_falls_back_to_english_with_a_notice():
    at = run_app({"lang": "fr"})
    assert_clean(at)
    assert "lang=fr" in at.warning[0].value
    assert at.title[0].value == "How far back does the gradient reach?"


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_in_korean(page):
    at = AppTest.from_file(PAGES[page], default_timeout=120)
    at.session_state["settings"] = Settings(T=30, H=8)
    at.session_state["lang"] = "한국어"
    at.run()
    assert_clean(at)
    title = at.title[0].value
    assert any("\uac00" <= ch <= "\ud7a3" for ch in title), title  # Hangul syllables
    assert len(figures(at)) == CHARTS_PER_PAGE[page]
