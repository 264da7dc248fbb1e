"""AppTest: the app and every page run headless through app.py, with default, extreme and hostile inputs.

The URL the app writes and real page paths (/compare, /nosuchpage) are tested in a real browser in tests/e2e.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from checkers_flow import unclosed_bold
from helpers import assert_the_named_t_is_on_the_axis, loss_t_named
from streamlit.testing.v1 import AppTest

import recurrent_core as rc
from explorer.shared.controls import CONTROLS, MEMORY_BUDGET_BYTES, VIEW_CONTROLS, tape_bytes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ("compare", "rnn", "lstm", "gru", "theory")
# theory: the activations, the chapter's long dependency and ReLU against tanh (issue 17 §3)
CHARTS_PER_PAGE = {"compare": 1, "rnn": 6, "lstm": 4, "gru": 4, "theory": 3}
HANGUL = ("\uac00", "\ud7a3")


def decode(values):
    """A Plotly JSON array: a list, or plotly>=6's base64 typed array {'dtype', 'bdata'}."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def run_app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    if not page or page == "compare":  # the compare page at its own path (the root is the book's experiment)
        return at.switch_page("pages/compare.py").run()
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def reading(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def korean(text: str) -> bool:
    return any(HANGUL[0] <= ch <= HANGUL[1] for ch in text)


# ---------------------------------------------------------------------------------------------------- app.py
def test_default_run_tells_the_story():
    at = run_app()
    assert_clean(at)
    assert not at.warning
    (fig,) = figures(at)
    names = [trace["name"] for trace in fig["data"]]
    assert names[:3] == ["RNN", "LSTM", "GRU"] and any("gate bias +3" in n for n in names)
    assert len(decode(fig["data"][0]["x"])) == 51  # t = 0 … T, h_0 included
    # the drawn values are the core's: ∂L/∂h_0 of the default RNN, computed here with literal arguments
    layer = rc.init_layer("rnn", D=8, H=32, seed=0, scheme="pytorch", scale=1.0, nonlinearity="tanh")
    x = np.random.default_rng([0, 1]).standard_normal((50, 1, 8))
    dhs = np.zeros((50, 1, 32))
    dhs[-1] = 1.0
    trace = rc.bptt(layer, x, dhs)
    y = decode(fig["data"][0]["y"])
    assert y[0] == pytest.approx(np.log10(np.linalg.norm(trace.dh0)), abs=1e-9)
    np.testing.assert_allclose(10.0 ** y[1:], np.linalg.norm(trace.dh[:, 0, :], axis=1), rtol=1e-9)
    text = reading(at)
    assert "**vanishes**" in text and "The point:" in text


def test_every_page_runs_through_the_app_and_keeps_the_shared_controls():
    at = run_app()
    at.slider(key="T").set_value(17).run()
    at.slider(key="H").set_value(5).run()
    for name in ("rnn", "lstm", "gru", "theory", "compare"):
        at.switch_page(f"pages/{name}.py").run()
        assert_clean(at)
        # kept on every page, drawn where they change the page (the sidebar shows each page's own: PAGE_SIDEBAR)
        assert at.session_state["T"] == 17 and at.session_state["H"] == 5
        assert all(w.value == {"T": 17, "H": 5}[w.key] for w in at.slider if w.key in ("T", "H"))
        assert len(figures(at)) == CHARTS_PER_PAGE[name]
        for fig in figures(at):
            meta = fig["layout"]["meta"]["settings"]
            if "input_scale" in meta:  # the app's settings (the book's fixed figure has its own)
                assert meta["T"] == 17 and meta["H"] == 5


def test_a_page_run_without_the_app_says_so_visibly():
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=60).run()
    assert not at.exception
    assert at.error and "streamlit run app.py" in at.error[0].value


def test_book_presets_set_the_controls_and_the_books_orientation():
    at = run_app(page="rnn")
    at.button(key="book_preset").click().run()
    assert_clean(at)
    assert (at.slider(key="T").value, at.slider(key="H").value, at.slider(key="N").value) == (20, 3, 2)
    assert at.number_input(key="seed").value == 3 and at.selectbox(key="scheme").value == "book"
    assert at.session_state["formulation"] == "dlfs2" and at.radio(key="axis").value == "back"  # the GRU's: hidden here
    chains = figures(at)[1]
    matmul = next(t for t in chains["data"] if "matmul" in t["name"])
    np.testing.assert_array_equal(decode(matmul["x"]), np.arange(1, 21))  # steps back 1 … 20, as the book's figure
    np.testing.assert_allclose(10 ** decode(matmul["y"]), rc.book_experiment(1.0).norms, rtol=1e-12)
    at.button(key="book_preset_vanishing").click().run()
    assert_clean(at)
    matmul = next(t for t in figures(at)[1]["data"] if "matmul" in t["name"])
    np.testing.assert_allclose(10 ** decode(matmul["y"]), rc.book_experiment(0.5).norms, rtol=1e-12)


def test_relu_pages_say_relu_prime():
    at = run_app({"nonlinearity": "relu"}, page="rnn")
    assert_clean(at)
    assert "relu′" in at.title[0].value
    titles = " ".join(fig["layout"]["title"]["text"] for fig in figures(at))
    assert "relu′" in titles and "tanh′" not in titles


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.key)
def test_each_control_at_its_extremes(control):
    """Every control at each end of its range (or each option), through the sidebar, on the compare page."""
    query = {"T": "12", "H": "4"} if control.key not in ("T", "H") else {}
    if control.key == "rho":
        query["set_rho"] = "true"  # the target is disabled until its toggle is on
    at = run_app(query)
    values = (
        list(control.options) if control.options else [True, False] if control.is_bool else [control.lo, control.hi]
    )
    for value in values:
        kind = "radio" if control.options and len(control.options) <= 3 else "selectbox" if control.options else (
            "toggle" if control.is_bool else "number_input" if control.key == "seed" else "slider")  # fmt: skip
        value = int(value) if control.is_int else value
        getattr(at, kind)(key=control.key).set_value(value).run()
        assert_clean(at)
        assert at.session_state[control.key] == value
        assert figures(at), "the chart is still drawn"


def test_url_parameters_in_with_canonical_keys_and_old_aliases():
    at = run_app({"T": "37", "H": "5", "seed": "9", "scheme": "orthogonal", "loss": "every", "act": "relu",
                  "gru_form": "dlfs2"})  # fmt: skip
    assert_clean(at)
    assert not at.warning
    assert at.slider(key="T").value == 37 and at.number_input(key="seed").value == 9
    assert at.radio(key="nonlinearity").value == "relu" and at.radio(key="formulation").value == "dlfs2"
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == 38
    footer = fig["layout"]["xaxis"]["title"]["text"]  # the settings footer under the x axis title
    assert "T=37" in footer and "scheme=orthogonal" in footer


@pytest.mark.parametrize("query, expect", [
    ({"T": "-5", "H": "abc", "seed": "1e99", "zz": "<script>alert(1)</script>"}, {"T": 1, "H": 32}),
    ({"T": "99999999999999999999", "rho": "nan", "set_rho": "maybe"}, {"T": 1000}),
    ({"scheme": "\x00\xff", "nonlinearity": "sigmoid", "loss": "", "norm": "<b>"}, {"T": 50}),
    ({"input_scale": "inf", "forget_bias": "-1e308", "N": "0.5"}, {"T": 50}),
])  # fmt: skip
def test_malformed_urls_give_a_notice_not_a_traceback(query, expect):
    at = run_app(query)
    assert_clean(at)
    assert at.warning, "a notice explains what was changed"
    notice = at.warning[0].value
    assert "<script>" not in notice and "\x00" not in notice
    for key, value in expect.items():
        assert at.slider(key=key).value == value
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == expect["T"] + 1


def test_tracking_parameters_are_silent_and_many_unknown_ones_make_one_line():
    at = run_app({"utm_source": "kakao", "utm_medium": "chat", "fbclid": "abc", "gclid": "x", "T": "20"})
    assert_clean(at)
    assert not at.warning
    at = run_app({f"p{i}": str(i) for i in range(300)})
    assert_clean(at)
    (notice,) = at.warning
    assert notice.value.count("\n") == 0 and "300 unknown URL parameters" in notice.value


def test_a_repeated_parameter_uses_the_last_value_with_a_notice():
    at = run_app({"T": ["200", "1000"]})
    assert_clean(at)
    assert at.slider(key="T").value == 1000
    assert "appears 2 times" in at.warning[0].value


def test_oversized_run_is_fitted_to_the_budget_with_a_notice():
    at = run_app({"T": "1000", "H": "256", "N": "64"})
    assert_clean(at)
    notice = " ".join(w.value for w in at.warning)
    assert "budget" in notice
    (fig,) = figures(at)
    assert len(decode(fig["data"][0]["x"])) == 1001
    n_used = int(fig["layout"]["meta"]["settings"]["N"])
    assert n_used < 64 and tape_bytes(1000, n_used, 256) <= MEMORY_BUDGET_BYTES


def test_reset_button_restores_defaults():
    at = run_app({"T": "15", "axis": "back"})
    next(b for b in at.sidebar.button if b.label == "Reset all controls").click().run()
    assert_clean(at)
    assert at.slider(key="T").value == 50 and at.radio(key="axis").value == "time"


def test_rho_target_is_disabled_until_its_toggle_is_on():
    at = run_app()
    assert at.slider(key="rho").disabled
    at.toggle(key="set_rho").set_value(True).run()
    assert not at.slider(key="rho").disabled


def test_page_toggles_come_from_the_url():
    at = run_app({"show_open": "false", "band": "true", "T": "12", "H": "4"})
    assert_clean(at)
    assert at.toggle(key="show_open").value is False and at.toggle(key="band").value is True
    names = [t["name"] for t in figures(at)[0]["data"]]
    assert not any("gate bias" in n for n in names)
    assert sum("range over 10 seeds" in n for n in names) == 3  # a band for each of the three kinds


@pytest.fixture
def charts_drawn(monkeypatch) -> dict[str, tuple]:
    """Every chart a page draws through ui.chart_with_exports, by its export name: (figure, table or the function
    that builds it, the downloads' ``again``)."""
    from explorer.shared import ui

    drawn: dict[str, tuple] = {}
    draw = ui.chart_with_exports

    def spy(fig, table, chart, *args, **kwargs):
        drawn[chart] = (fig, table, kwargs.get("again"))
        return draw(fig, table, chart, *args, **kwargs)

    monkeypatch.setattr(ui, "chart_with_exports", spy)
    return drawn


def test_the_seed_bands_drawn_are_in_the_csv_too(charts_drawn):
    """The CSV holds what the chart draws: each kind's range over the seeds beside its curve (a browser review,
    session 8: the band was drawn, the CSV had no column for it)."""
    from explorer.flow import data as flow_data

    at = run_app({"band": "true", "T": "12", "H": "4", "seed": "2"})
    assert_clean(at)
    fig, table, _ = charts_drawn["compare"]
    table = table() if callable(table) else table
    band = flow_data.seed_band(flow_data.Settings(T=12, H=4, seed=2))
    for kind, label in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        rows = table[table["curve"] == label].sort_values("t")
        want = band[band["curve"] == kind].sort_values("t")
        np.testing.assert_array_equal(rows["seed_band_log10_min"].to_numpy(), want["lo"].to_numpy())
        np.testing.assert_array_equal(rows["seed_band_log10_max"].to_numpy(), want["hi"].to_numpy())
        drawn = next(t for t in fig.data if t.name and t.name.startswith(label + ":"))  # the band's trace
        assert np.isclose(np.nanmin(np.asarray(drawn.y, dtype=float)), 10 ** want["lo"].min()) or np.isclose(
            np.nanmin(np.asarray(drawn.y, dtype=float)), want["lo"].min()
        )
    opened = table[table["curve"].str.contains("gate bias")]
    assert opened["seed_band_log10_min"].isna().all()  # the opened curves have no band


def test_the_book_orientation_flips_the_x_axis_and_the_intro():
    at = run_app({"axis": "back", "T": "30"})
    assert_clean(at)
    (fig,) = figures(at)
    x = decode(fig["data"][0]["x"])
    assert x[0] == 0 and x[-1] == 30  # from the loss (0) out to h_0, 30 steps back
    assert "falling" in reading(at)
    at = run_app({"T": "30"})
    assert "rises" in reading(at)


@pytest.mark.parametrize("page", ["rnn", "lstm", "remedies"])
def test_a_time_axis_names_the_loss_where_it_is_drawn(page):
    """The flow pages' time axes run to t = T, where their titles put the loss (the lab's, t = 0 … T − 1, name
    T − 1: tests/test_lab.py)."""
    at = run_app({"T": "15"}, page)
    assert_clean(at)
    named = [assert_the_named_t_is_on_the_axis(fig, 15) for fig in figures(at)
             if loss_t_named(fig["layout"]["xaxis"]["title"]["text"], 15) is not None]  # fmt: skip
    assert named and set(named) == {15}


@pytest.mark.parametrize("axis", ["t", "back"])
def test_a_loss_at_every_step_is_what_the_time_axis_says(axis):
    """With the loss at every step the axis named 'the loss at t = T' (and 'steps back from the loss') as if there
    were one (noticed in session 8's review); now it says every step, the last at t = T, and the default says the
    loss at T."""
    for loss, wanted in (("every", "every step"), ("last", "the loss")):
        at = run_app({"T": "15", "loss": loss, "axis": axis}, "rnn")
        assert_clean(at)
        titles = [fig["layout"]["xaxis"]["title"]["text"] for fig in figures(at)]
        flows = [t for t in titles if "time step t" in t or "steps back" in t]
        assert flows and all(wanted in t for t in flows), titles
        if loss == "every":
            assert not any("the loss at t = T)" in t or "from the loss" in t for t in flows), titles
    at = run_app({"T": "15", "loss": "every", "axis": axis})  # Compare's "how to read" says it too
    assert "a loss sits at every step" in reading(at)
    assert "a loss sits at every step" not in reading(run_app({"T": "15", "axis": axis}))


# ----------------------------------------------------------------------------------------------------- pages
EXTREMES = [
    {},
    {"T": "1"},
    {"T": "2", "H": "1", "D": "1"},
    {"T": "1000", "H": "256", "N": "1"},
    {"T": "300", "H": "64", "N": "64", "loss": "every", "norm": "mean"},
    {"scheme": "identity", "scale": "3", "nonlinearity": "relu", "input_scale": "5", "T": "1000"},  # forward overflows
    {"scheme": "orthogonal", "set_rho": "true", "rho": "3", "input_scale": "0", "T": "1000", "H": "16"},  # float64
    {"scheme": "gaussian", "scale": "0", "T": "20", "set_rho": "true"},  # W_hh = 0, the target ρ dropped
    {"scheme": "book", "T": "20", "H": "3", "N": "2", "seed": "3", "norm": "book", "axis": "back"},
    {"forget_bias": "6", "update_bias": "6", "formulation": "dlfs2", "T": "200"},
    {"forget_bias": "-3", "update_bias": "-3", "seed": str(2**31 - 1), "lang": "ko"},
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", EXTREMES, ids=lambda q: "-".join(f"{k}{v}" for k, v in q.items())[:60] or "defaults")
def test_pages_at_extreme_settings(page, query):
    at = run_app(query, page)
    assert_clean(at)
    assert len(figures(at)) == CHARTS_PER_PAGE[page]
    for fig in figures(at):
        assert fig["layout"]["height"] > 0
        assert not fig["layout"].get("annotations"), "nothing written on the plot"
    if page in ("lstm", "gru"):
        assert np.asarray(decode(figures(at)[1]["data"][0]["z"]) if "bdata" in str(figures(at)[1]["data"][0]["z"])
                          else figures(at)[1]["data"][0]["z"]).size > 0  # fmt: skip


def test_exploding_run_marks_the_overflow_step():
    at = run_app(dict(EXTREMES[6]))
    assert_clean(at)
    (fig,) = figures(at)
    names = " ".join(t["name"] for t in fig["data"])
    assert "float64 overflows" in names and "float32 overflows" in names  # legend entries, not labels on curves
    rnn = decode(fig["data"][0]["y"])
    assert np.isfinite(rnn).all() and rnn.max() > 308  # drawn past float64's range, in the log domain
    assert "overflows to inf at t =" in reading(at)


def test_forward_overflow_is_reported():
    at = run_app(dict(EXTREMES[5]), page="rnn")
    assert_clean(at)
    assert "forward pass itself overflowed" in reading(at)


def test_gru_page_explains_the_formulation():
    for form, phrase in (("pytorch", "z itself is the keep gate"), ("dlfs2", "the keep gate is 1 − z")):
        at = run_app({"formulation": form}, page="gru")
        assert_clean(at)
        assert phrase in " ".join(i.value for i in at.info)


def test_theory_page_shows_the_equations_and_the_remedies_honestly():
    at = run_app(page="theory")
    assert_clean(at)
    assert len(at.get("latex")) >= 6
    text = reading(at)
    assert "orthogonal initialisation comes from Saxe et al. (2014), not the book" in text
    assert "ReLU" in text
    # issue 16: the ReLU remark is the book's own note; the notes disagree; the book sets no gate bias; Cho's z
    assert "§6.1.3" in text and "ReLU explodes more easily" in text
    assert "study notes add ReLU instead of tanh with identity" not in text
    assert "with their gates open" not in text and "The book never sets a gate bias" in text
    assert not any("Cho v3" in e.value for e in at.get("latex"))
    assert "Cho et al.'s 1 − z" in text


# ------------------------------------------------------------------------------------------------ 한국어
@pytest.mark.parametrize("lang", ["ko", "한국어", "KR"])
def test_korean_from_the_url(lang):
    at = run_app({"lang": lang})
    assert_clean(at)
    assert not at.warning
    assert at.title[0].value == "기울기는 얼마나 멀리 거슬러 올라갈까?"
    text = reading(at)
    assert "기울기 소실" in text and "핵심" in text
    assert at.slider(key="T").label == "시퀀스 길이 T"


def test_unknown_language_falls_back_to_english_with_a_korean_and_english_notice():
    at = run_app({"lang": "fr"})
    assert_clean(at)
    assert "lang=fr" in at.warning[0].value
    assert at.title[0].value == "How far back does the gradient reach?"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_korean(page):
    at = run_app({"lang": "ko", "T": "30", "H": "8", "zz": "1"}, page)
    assert_clean(at)
    assert korean(at.title[0].value)
    if page == "compare":  # the URL's notices show on the session's first run
        assert korean(at.warning[0].value), "notices are Korean too"
    for fig in figures(at):
        names = [t["name"] for t in fig["data"] if t.get("name")]
        title = fig["layout"]["title"]["text"]
        assert korean(title) or fig["layout"]["meta"]["settings"].get("H") == 3, title  # the book's figure: math
        for name in names:  # Korean, or math only (no English word left untranslated)
            words = re.findall(r"[A-Za-z]{3,}", name)
            assert korean(name) or set(words) <= {"RNN", "LSTM", "GRU", "max", "tanh", "relu", "randn"}, name
    # radio options show Korean labels while the URL values stay as they are
    assert at.session_state["loss"] == "last" and all(r.value == "last" for r in at.radio if r.key == "loss")
    # Korean wraps by word, not mid-word ("멀/리")
    assert any("keep-all" in el.proto.body for el in at.get("html")), "word-break: keep-all for Korean"
    # no literal '**' on screen: CommonMark leaves "**(…)**의" unclosed before a particle (issue 16)
    for el in (*at.markdown, *at.info, *at.caption):
        assert unclosed_bold(el.value) == [], el.value


def test_view_controls_are_declared_once():
    keys = [c.key for c in (*CONTROLS, *VIEW_CONTROLS)]
    assert len(keys) == len(set(keys))


def test_charts_on_screen_look_like_their_exports():
    """Drawn with the figure's own template (no Streamlit theme) and the size every export uses, so the camera PNG
    and the server's PNG/SVG show what the screen shows."""
    import charts

    at = run_app()
    for chart in at.get("plotly_chart"):
        assert chart.proto.theme == ""  # theme=None: the figure's own template
        config = json.loads(chart.proto.config)["toImageButtonOptions"]
        assert (config["width"], config["height"], config["scale"]) == (charts.EXPORT_WIDTH, charts.HEIGHT, 2)
        assert json.loads(chart.proto.spec)["layout"]["height"] == charts.HEIGHT


def test_no_page_draws_by_magic():
    """.streamlit/config.toml turns Streamlit's magic off (its rewrite cost ~50 ms a page compile): so no page may
    rely on it, i.e. hold a bare expression statement other than a call or a docstring."""
    import ast
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False
    bare = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text())
        owners = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        docstrings = {
            id(n.body[0]) for n in ast.walk(tree) if isinstance(n, owners) and ast.get_docstring(n) is not None
        }
        for node in ast.walk(tree):
            drawn = isinstance(node, ast.Expr) and not isinstance(node.value, (ast.Call, ast.Await))
            if drawn and id(node) not in docstrings:
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


@pytest.mark.parametrize("page,name,gate", [("lstm", "lstm_forget_gate", "f"), ("gru", "gru_update_gate", "z")])
def test_a_gate_maps_csv_is_built_on_download_with_every_step_and_unit(charts_drawn, page, name, gate):
    """The page keeps its gate as a (T, H) grid and builds the CSV's long table only when it is asked for; that table
    has every step and unit of the grid the heatmap draws (one step in k past its cells), bit for bit."""
    from explorer.flow import data as flow_data

    seen = charts_drawn
    T, H = 300, 40
    at = run_app({"T": str(T), "H": str(H), "seed": "4", f"{page}_gates": "heatmap"}, page)
    assert_clean(at)
    fig, table, _ = seen[name]
    assert callable(table)  # nothing built until the CSV is downloaded
    rows = table()
    assert list(rows.columns) == ["t", "unit", "value"] and len(rows) == T * H
    grid = rows["value"].to_numpy().reshape(T, H)
    (hm,) = fig.data
    xs = np.asarray(hm.x)
    assert xs[-1] == T and rows["t"].iloc[-1] == T  # the loss's step drawn and exported
    np.testing.assert_array_equal(np.asarray(hm.z, float), grid[xs - 1].T)
    view = flow_data.lstm_view if page == "lstm" else flow_data.gru_view
    assert hm.colorbar.title.text == gate and rows.equals(flow_data.gate_frame(view_heatmap(at, view)))
    # every gate's own map (the heatmap mode) is built the same way
    maps = {other: t for other, (_, t, _) in seen.items() if other.startswith(f"{page}_gate_")}
    assert len(maps) == (4 if page == "lstm" else 2)
    assert all(callable(t) and len(t()) == T * H for t in maps.values())


# Each page's charts drawn the way its downloads get them, beside the charts the page keeps as drawn (small,
# and the same for every reader: the book's figure; the clipping bars).
DOWNLOADS_KEPT = {"book_figure", "remedies_clipping"}


@pytest.mark.parametrize(
    "page,query",
    [("rnn", {}), ("lstm", {"lstm_gates": "heatmap"}), ("gru", {}), ("compare", {"band": "1"}), ("remedies", {})],
)
def test_a_flow_pages_downloads_hold_no_chart_and_build_the_drawn_one_again(monkeypatch, charts_drawn, page, query):
    """A live session keeps its downloads' functions until it ends (30 students at T = 1000, H = 256: ~110 MB of
    figures and tables). On the flow pages those functions reach no figure, table, array, or the page script's
    namespace; from the cache emptied (the result computed again) they build the chart and the table as drawn."""
    import gc
    import inspect
    import sys
    import types

    import pandas as pd
    import plotly.graph_objects as go
    from streamlit.runtime.media_file_manager import MediaFileManager

    import charts
    from explorer.shared import ui, work

    drawn = charts_drawn
    kept: list[tuple[str, object]] = []
    add = MediaFileManager.add_deferred
    params = inspect.signature(add)

    def record(self, *args, **kwargs):
        bound = params.bind(self, *args, **kwargs)
        kept.append((bound.arguments["file_name"], bound.arguments["data_callable"]))
        return add(self, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = run_app({"T": "300", "H": "40", "seed": "4", **query}, page)
    assert_clean(at)

    built_again = {name for name, (_, _, again) in drawn.items() if again is not None}
    assert built_again and set(drawn) - built_again <= DOWNLOADS_KEPT, set(drawn) - built_again

    module_dicts = {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    skip = (type, types.ModuleType, types.CodeType, str, bytes, int, float)

    def data_reached(root: object) -> list[str]:
        seen, stack, found = set(), [root], []
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, skip) or id(obj) in module_dicts:
                continue
            seen.add(id(obj))
            if isinstance(obj, (go.Figure, pd.DataFrame, pd.Series, np.ndarray)):
                found.append(type(obj).__name__)
            elif isinstance(obj, dict) and "__file__" in obj and "st" in obj:  # a page script's namespace
                found.append(f"namespace of {obj['__file__']}")
            else:
                stack.extend(gc.get_referents(obj))
        return found

    ours = [(f, fn) for f, fn in kept if any(f.startswith(name) for name in built_again)]
    assert len(ours) >= 2 * len(built_again)  # HTML and CSV at least, each chart
    for file_name, fn in ours:
        assert data_reached(fn) == [], file_name

    work.CACHE.clear()
    work.FLOWS.clear()
    for name in built_again:
        fig, table, again = drawn[name]
        fig_again, table_again = again()
        assert fig_again.to_json() == fig.to_json(), name
        slide_figure, _ = ui._built_again(again, slide=True)  # in slide view the downloads get the 16:9 slide
        assert slide_figure().to_json() == charts.slide_layout(fig).to_json(), name
        rows = table() if callable(table) else table
        pd.testing.assert_frame_equal(table_again() if callable(table_again) else table_again, rows)


def view_heatmap(at: AppTest, view) -> np.ndarray:
    from explorer.shared import controls

    values, _ = controls.parse_params(dict(at.query_params))
    return view(controls.from_values(values)).heatmap
