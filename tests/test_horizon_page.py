"""The gradient horizon page: its readings over random settings (checked by tests/checkers_horizon.py), and the page
through app.py in English and Korean."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from checkers_horizon import check_median, check_reach  # noqa: F401  (registers the checkers)
from claim_registry import check_all
from streamlit.testing.v1 import AppTest

import recurrent_core as rc
from explorer.horizon import claims, data
from explorer.shared import work
from explorer.shared.controls import Settings, consistent
from explorer.shared.curves import make_inputs, make_layer

SCHEMES = ("pytorch", "dlfs2", "gaussian", "orthogonal", "identity", "book")


def random_settings(rng: np.random.Generator) -> Settings:
    s = Settings(
        T=int(rng.choice([1, 2, 3, rng.integers(4, 40)])),
        H=int(rng.integers(1, 9)),
        N=int(rng.integers(1, 4)),
        D=int(rng.integers(1, 5)),
        seed=int(rng.integers(0, 1000)),
        input_scale=float(rng.choice([0.0, 0.5, 1.0, 3.0])),
        scheme=str(rng.choice(SCHEMES)),
        scale=float(rng.choice([0.5, 1.0, 2.0, 3.0])),
        nonlinearity=str(rng.choice(["tanh", "relu"])),
        forget_bias=float(rng.choice([-3.0, 0.0, 1.0, 3.0, 6.0])),
        update_bias=float(rng.choice([-3.0, 0.0, 3.0])),
        formulation=str(rng.choice(["pytorch", "dlfs2"])),
        norm=str(rng.choice(["l2", "book", "mean"])),
    )
    return consistent(s)[0]


def test_no_horizon_reading_contradicts_its_map():
    rng = np.random.default_rng(20261204)
    checked = 0
    for _ in range(300):
        s = random_settings(rng)
        for kind in ("rnn", "lstm", "gru"):
            result = data.horizon_view(s, kind)
            checked += check_all(claims.horizon_claims(result), result)
    assert checked == 300 * (3 + 4 + 3) * 2  # RNN and GRU 3 readings, the LSTM 4 (its cell), in EN and KO


def test_the_maps_sum_to_the_pages_gradient_and_use_the_loss_at_every_step():
    s = Settings(T=12, H=4, N=2, loss="last")
    r = data.horizon_view(s, "gru")
    assert r.horizon.log10.shape == (12, 13) and np.isfinite(r.horizon.log10[:, 0]).all()  # every loss, not the last


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_page_runs_through_the_app(lang):
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params.update({"lang": lang, "T": "30"})
    at.run()
    at.switch_page("pages/horizon.py").run()
    computed: list[str] = []
    real = data.horizon_view
    for tab, kind, charts in (("RNN", "rnn", 2), ("LSTM", "lstm", 3), ("GRU", "gru", 2)):  # the LSTM's cell too
        if tab != "RNN":  # the RNN's tab is open first; a click on another reruns the page with it open
            at.session_state["horizon_kind"] = tab
        with mock.patch.object(data, "horizon_view", lambda s, k: computed.append(k) or real(s, k)):
            work.CACHE.clear()
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert computed[-1:] == [kind] and computed.count(kind) == 1  # only the open tab's maps are computed
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        assert len(specs) == charts, (tab, len(specs))
        assert all(spec["data"][0]["type"] == "heatmap" for spec in specs)
        assert all(spec["layout"]["meta"]["settings"]["loss"] == "every" for spec in specs)  # the maps' own loss
        assert all(spec["layout"]["title"]["text"].startswith(tab) for spec in specs)
        text = "\n".join(m.value for m in at.markdown)
        assert ("reaches" in text or "sends its gradient" in text) if lang == "en" else "닿습니다" in text
    assert computed == ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_relu_rnn_whose_forward_pass_overflows_gets_a_notice_not_a_traceback(lang):
    query = {"T": "1000", "H": "16", "nonlinearity": "relu", "scale": "3", "scheme": "gaussian"}  # h_t: inf at ~800
    s = consistent(Settings(T=1000, H=16, nonlinearity="relu", scale=3.0, scheme="gaussian"))[0]
    hs = rc.forward(make_layer(s, "rnn"), make_inputs(s)[0]).hs
    bad = rc.analysis.first_nonfinite_step(hs)
    assert bad is not None  # the premise: this RNN's states overflow
    with pytest.raises(ValueError, match="overflows to inf or NaN"):  # the core says why, in words
        rc.horizon_maps(make_layer(s, "rnn"), make_inputs(s)[0], np.ones((s.T, s.N, s.H)))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params.update({"lang": lang, **query})
    at.run()
    at.switch_page("pages/horizon.py").run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [w.value for w in at.warning if "t = " in w.value or "시각 t = " in w.value]
    assert len(notes) == 1 and f"t = {bad + 1}" in notes[0], notes
    assert len(at.get("plotly_chart")) == 0  # the RNN's tab, open first: the notice instead of its maps
    for tab, charts in (("LSTM", 3), ("GRU", 2)):  # the LSTM's and the GRU's maps are still drawn
        at.session_state["horizon_kind"] = tab
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(at.get("plotly_chart")) == charts and not [w for w in at.warning if "t = " in w.value]


def test_the_page_budget_keeps_the_defaults_whole_and_cuts_a_long_wide_run():
    for kind in ("rnn", "lstm", "gru"):
        assert not data.horizon_view(Settings(), kind).cut
    heavy = data.horizon_view(Settings(T=1000, H=256), "lstm")
    assert heavy.cut and heavy.horizon.T_kept < 1000 and heavy.horizon.budget == data.PAGE_BUDGET


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_page_maps_equal_the_cores_separate_calls(kind):
    """The page's one rc.horizon_maps call gives what rc.gradient_horizon (h, and c for the LSTM) and
    rc.connectivity give on their own, bit for bit, whole and cut."""
    for s in (Settings(T=40, H=6, N=3, norm="mean"), Settings(T=300, H=96, N=4)):
        r = data.horizon_view(s, kind)
        x, _ = make_inputs(s)
        layer, dhs = make_layer(s, kind), np.ones((s.T, s.N, s.H))
        kw = dict(norm=s.norm, budget=data.PAGE_BUDGET, max_bytes=data.PAGE_MAX_BYTES)
        with np.errstate(all="ignore"):
            pairs = [(r.horizon, rc.gradient_horizon(layer, x, dhs, **kw))]
            pairs.append((r.connectivity, rc.connectivity(layer, x, **kw)))
            if kind == "lstm":
                pairs.append((r.cell, rc.gradient_horizon(layer, x, dhs, cell=True, **kw)))
        assert (r.cell is None) == (kind != "lstm")
        for ours, theirs in pairs:
            assert (ours.what, ours.T_kept, ours.N_kept, ours.method, ours.ops) == (
                theirs.what,
                theirs.T_kept,
                theirs.N_kept,
                theirs.method,
                theirs.ops,
            )
            assert np.array_equal(ours.log10, theirs.log10, equal_nan=True)
            assert np.array_equal(ours.t, theirs.t) and np.array_equal(ours.s, theirs.s)


@pytest.mark.parametrize(("bias", "hint"), [("0", "to +3 in the sidebar"), ("3", "back to 0 in the sidebar")])
def test_the_pages_hint_names_a_change_still_to_make(bias, hint):
    """'Try: set the forget bias to +3' was shown with the bias at +3 already (a browser review, session 8)."""
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params.update({"T": "20", "forget_bias": bias})
    at.run()
    at.switch_page("pages/horizon.py").run()
    assert not at.exception, [e.value for e in at.exception]
    tries = [c.value for c in at.caption if c.value.startswith("Try:")]
    assert len(tries) == 1 and hint in tries[0], tries
