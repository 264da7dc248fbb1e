"""The Remedies page: clipping, truncated BPTT and the init presets checked on their numbers; its claims checked
against the same numbers over random settings; the page through app.py with its presets and bad input."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from test_claims import any_settings, check_text_rules

import recurrent_core as rc
from explorer.flow import data
from explorer.remedies import claims as rcl
from explorer.remedies import data as remedies
from explorer.shared.controls import Settings, consistent

EXPLODING = Settings(**remedies.EXPLODING_PRESET)


# ------------------------------------------------------------------------------------------------- clipping
@pytest.mark.parametrize("threshold", [0.01, 0.25, 1.0, 5.0])
def test_global_clip_keeps_the_direction_and_sets_the_norm_to_the_threshold(threshold):
    r = remedies.clipping(EXPLODING, "rnn", threshold)
    assert r.norm_before > threshold  # the preset explodes: every θ here is below ‖g‖
    assert r.factor < 1
    assert r.cos_global == pytest.approx(1.0, abs=1e-12)
    # the book's clip_grads: θ / (‖g‖ + 1e-6) · ‖g‖
    assert r.norm_global == pytest.approx(threshold * r.norm_before / (r.norm_before + 1e-6), rel=1e-12)
    assert r.norm_global == pytest.approx(threshold, rel=1e-6)


def test_elementwise_clip_turns_the_direction_on_an_exploding_run():
    r = remedies.clipping(EXPLODING, "rnn", 1.0)
    assert 0 < r.fraction_clipped < 1
    assert r.cos_elementwise < 1 - 1e-3
    grads = rc.bptt(data.make_layer(EXPLODING, "rnn"), *data.make_inputs(EXPLODING)).grads
    biggest = max(float(np.abs(g).max()) for g in grads.values())
    assert biggest > 1.0  # something to cut


def test_below_the_threshold_nothing_changes():
    r = remedies.clipping(Settings(), "lstm", 100.0)
    assert r.norm_before < 100 and r.factor == 1.0 and r.fraction_clipped == 0.0
    assert r.cos_global == pytest.approx(1.0, abs=1e-12) and r.cos_elementwise == pytest.approx(1.0, abs=1e-12)
    assert "not above" in rcl.render(rcl.clip_claims(r), "en")[0]


def test_clip_table_has_every_parameter_and_the_global_norm():
    r = remedies.clipping(Settings(), "gru", 0.5)
    params = set(r.table["parameter"])
    assert params == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "global"}
    assert set(r.table["stage"]) == {"before", "global", "elementwise"}


# ----------------------------------------------------------------------------------------------- truncation
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("k", [1, 3, 7, 50])
@pytest.mark.parametrize("loss", ["last", "every"])
def test_truncation_is_the_core_truncated_bptt_and_full_in_the_last_block(kind, k, loss):
    s = Settings(T=23, H=5, N=2, loss=loss)
    k_safe, _ = remedies.safe_block(k, s.T)
    r = remedies.truncation(s, kind, k_safe)
    layer, (x, dhs) = data.make_layer(s, kind), data.make_inputs(s)
    cut = rc.bptt(layer, x, dhs, truncate=k_safe)
    full = rc.bptt(layer, x, dhs)
    np.testing.assert_array_equal(r.dh_trunc[1:], cut.dh)
    np.testing.assert_array_equal(r.dh_trunc[0], cut.dh0)
    start = r.last_block_start
    # the curve (t = 0 … T) equals the full BPTT from t = start on, and not at start - 1 (the last cut)
    full_t = np.concatenate([full.dh0[None], full.dh])
    np.testing.assert_array_equal(r.dh_trunc[start:], full_t[start:])
    assert start == r.cuts[-1] + 1 and not np.array_equal(r.dh_trunc[start - 1], full_t[start - 1])
    assert r.cuts == tuple(range(0, s.T, k_safe))
    if loss == "last" and start > 1:
        assert r.zero_before == start
        assert not r.dh_trunc[:start].any()
    assert r.bytes_block * s.T == r.bytes_full * min(k_safe, s.T)  # memory ∝ k


def test_truncation_with_k_equal_T_is_full_bptt():
    s = Settings(T=12, H=4)
    r = remedies.truncation(s, "rnn", 12)
    # the only cut is at t = 0: nothing flows into h_0, everything else as the core's full BPTT
    full = rc.bptt(data.make_layer(s, "rnn"), *data.make_inputs(s))
    np.testing.assert_array_equal(r.dh_trunc[1:], full.dh)
    assert not r.dh_trunc[0].any() and full.dh0.any()
    assert r.cuts == (0,)


# ------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("raw", [0, 0.0, -1, math.nan, math.inf, "abc", None])
def test_bad_threshold_gets_a_notice_and_a_safe_value(raw):
    value, note = remedies.safe_threshold(raw)
    assert value == remedies.DEFAULT_THRESHOLD and value > 0
    assert note is not None and "0" in note[0] and re.search("[가-힣]", note[1])


@pytest.mark.parametrize(("raw", "T", "expect"), [(0, 10, 1), (-3, 10, 1), (math.nan, 10, 1), (11, 10, 10),
                                                   (1000, 5, 5), (2.5, 10, 2)])  # fmt: skip
def test_bad_block_length_gets_a_notice_and_a_safe_value(raw, T, expect):
    value, note = remedies.safe_block(raw, T)
    assert value == expect and 1 <= value <= T
    assert note is not None and re.search("[가-힣]", note[1])


def test_good_inputs_pass_without_a_notice():
    assert remedies.safe_threshold(0.25) == (0.25, None)
    assert remedies.safe_block(7, 10) == (7, None)


# --------------------------------------------------------------------------------------- the init presets' effects
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("H", [1, 3, 32])
def test_orthogonal_linear_chain_keeps_its_norm(seed, H):
    s = Settings(H=H, seed=seed, T=200, **remedies.PRESET_CONTROLS["orthogonal"])
    layer = data.make_layer(s, "rnn")
    assert abs(remedies.linear_chain_log10(layer.W_hh, 200, 3)) < 1e-9 / math.log(10)
    r = remedies.init_preset(dataclasses.replace(Settings(), H=H, seed=seed), "orthogonal")
    assert r.linear_chain_log10_ratio is not None and 10 ** abs(r.linear_chain_log10_ratio) - 1 < 1e-9


def test_irnn_with_zero_input_keeps_the_gradient_exactly():
    s = Settings(T=300, H=16, N=2, **remedies.PRESET_CONTROLS["irnn"])
    layer = data.make_layer(s, "rnn")
    assert layer.nonlinearity == "relu" and np.array_equal(layer.W_hh, np.eye(16))
    x = np.zeros((300, 2, s.D))
    dhs = np.zeros((300, 2, 16))
    dhs[-1] = 1.0
    trace = rc.bptt(layer, x, dhs, h0=np.full((2, 16), 0.5))  # active units (a_t = h_0 > 0) keep factor 1
    np.testing.assert_array_equal(trace.dh, np.ones_like(trace.dh))
    np.testing.assert_array_equal(trace.dh0, np.ones((2, 16)))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("T", [10, 50, 400])
def test_chrono_init_opens_the_keep_gates(seed, T):
    r = remedies.init_preset(Settings(seed=seed, T=T, H=16), "chrono")
    assert r.gate_means["lstm_chrono"] > 0.5 and r.gate_means["gru_chrono"] > 0.5
    assert r.gate_means["lstm_chrono"] > r.gate_means["lstm"] and r.gate_means["gru_chrono"] > r.gate_means["gru"]


def test_tanh_derivative_never_amplifies_and_relu_is_0_or_1():
    s = Settings(T=60, H=8, set_rho=True, rho=1.0)
    for act in ("tanh", "relu"):
        layer = data.make_layer(dataclasses.replace(s, nonlinearity=act), "rnn")
        assert max(abs(np.linalg.eigvals(layer.W_hh))) == pytest.approx(1.0)  # the same ρ
        x, _ = data.make_inputs(s)
        tape = rc.forward(layer, x)
        h = tape.hs
        deriv = 1 - h**2 if act == "tanh" else (h > 0).astype(float)
        assert deriv.max() <= 1 and deriv.min() >= 0
        if act == "relu":
            assert set(np.unique(deriv)) <= {0.0, 1.0}


# ------------------------------------------------------------------------------- claims against their numbers
def _printed_cosines(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"(?:cosine|코사인)[^0-9N]*(\d(?:\.\d+)?)", text)]


def check_remedy_claims(s: Settings, kind: str, threshold: float, k: int, preset: str) -> None:
    s, _ = consistent(s)
    k, _ = remedies.safe_block(k, s.T)
    c = remedies.clipping(s, kind, threshold)
    tr_ = remedies.truncation(s, kind, k)
    p = remedies.init_preset(s, preset)
    for lang in ("en", "ko"):
        for claim in rcl.clip_claims(c):
            text = claim.render(lang)
            check_text_rules(text, lang)
            assert "nan" not in text.lower().replace("inf or nan entries", "").replace("inf나 nan", ""), text
            if not c.finite:
                continue
            for cos in _printed_cosines(text):
                real = c.cos_global if isinstance(claim, rcl.GlobalClipClaim) else c.cos_elementwise
                if cos == 1:
                    assert abs(real - 1) <= rcl.SAME_DIRECTION, (real, text)
                else:
                    assert real <= cos + 1e-6 and cos < 1, (real, text)
            if c.sum_overflow and isinstance(claim, rcl.GlobalClipClaim):  # sqrt(Σ g²) overflows: zeros, said
                assert c.norm_global == 0 and ("overflows float64" in text or "넘어 inf" in text), text
                continue
            if isinstance(claim, rcl.GlobalClipClaim) and lang == "en":
                assert ("is above" in text) == (c.factor < 1), text
                if c.factor < 1:
                    # the book's eps: θ ‖g‖ / (‖g‖ + 1e-6), printed as measured
                    want = threshold * c.norm_before / (c.norm_before + 1e-6)
                    assert c.norm_global == pytest.approx(want, rel=1e-9)
                    assert f"‖g‖ becomes {rcl.num(c.norm_global)}" in text
            if isinstance(claim, rcl.ElementClipClaim) and lang == "en":
                nothing = "changes nothing" in text or "nothing to cut" in text
                assert nothing == (c.fraction_clipped == 0)
                if "turns its direction" in text:
                    assert c.cos_elementwise < 1 - rcl.SAME_DIRECTION
        for claim in rcl.trunc_claims(tr_, kind):
            text = claim.render(lang)
            check_text_rules(text, lang)
            if isinstance(claim, rcl.TruncClaim):
                start = tr_.last_block_start
                # "from t = start on it equals the full BPTT": the core's own full BPTT, not the result's copy
                full = rc.bptt(data.make_layer(s, kind), *data.make_inputs(s))
                full_t = np.concatenate([full.dh0[None], full.dh])
                np.testing.assert_array_equal(tr_.dh_trunc[start:], full_t[start:])
                assert f"t = {start} on" in text or f"t = {start}부터" in text
                if start > 0:  # and not before: the step before start differs from the full BPTT
                    assert not np.array_equal(tr_.dh_trunc[start - 1], full_t[start - 1])
                if s.loss != "last":
                    assert "loss at the last step" not in text and "마지막 시각에만" not in text
                if tr_.k >= s.T:
                    assert "instead of" not in text and "대신" not in text
                if tr_.zero_before is not None:
                    assert not tr_.dh_trunc[: tr_.zero_before].any()
                    assert f"t = {tr_.zero_before}" in text
        for claim in rcl.preset_claims(p):
            text = claim.render(lang)
            check_text_rules(text, lang)
            if isinstance(claim, rcl.PresetCompareClaim) and claim.relation in ("more", "less"):
                base, preset_id = next((b, q) for b, q in p.pairs if p.flow.trends[q].log10_ratio == claim.preset_log10)
                yb, yp = p.flow.curve(base), p.flow.curve(preset_id)
                more = (yp[0] - yp[-1]) > (yb[0] - yb[-1])
                assert (claim.relation == "more") == more, text
                word = ("more than", "더 많습니다") if more else ("less than", "더 적습니다")
                assert word[0 if lang == "en" else 1] in text
            if isinstance(claim, rcl.ChainClaim):
                assert ("is kept" in text or "그대로입니다" in text) == (abs(claim.log10_ratio) < 1e-9)
            if isinstance(claim, rcl.ChronoGateClaim):
                opened = text.endswith((": more open.", "더 열려 있습니다."))
                assert opened == (claim.after > claim.before), text


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    any_settings(),
    st.sampled_from(["rnn", "lstm", "gru"]),
    st.sampled_from([0.01, 0.25, 1.0, 5.0, 100.0]),
    st.integers(1, 1000),
    st.sampled_from(remedies.INIT_PRESETS),
)
@example(Settings(), "rnn", 1.0, 10, "irnn")
@example(EXPLODING, "rnn", 0.25, 5, "orthogonal")
@example(Settings(T=1), "lstm", 1.0, 1, "chrono")
@example(  # entries finite, the sum of squares past float64: the book's clip_grads returns zeros
    Settings(T=1000, H=1, D=1, input_scale=0.1, scheme="identity", scale=1.45, nonlinearity="relu"), "rnn", 0.01, 1,
    "irnn",
)  # fmt: skip
@example(Settings(T=1, H=1, scheme="orthogonal", scale=0.0), "rnn", 1.0, 1, "tanh_relu")  # W_hh = 0: no target ρ
@example(Settings(T=1, H=1, D=1, input_scale=0.0, forget_bias=-3.0, update_bias=-3.0), "rnn", 0.01, 1, "chrono")
@example(Settings(T=5, input_scale=0.0, scheme="identity", nonlinearity="relu"), "rnn", 1.0, 2, "irnn")  # grad 0
@example(Settings(scheme="identity", scale=3.0, nonlinearity="relu", T=700, H=4), "rnn", 5.0, 30, "tanh_relu")
def test_no_remedy_claim_contradicts_its_numbers(s, kind, threshold, k, preset):
    check_remedy_claims(s, kind, threshold, k, preset)


# ------------------------------------------------------------------------------------------------- the page
def _page(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    if params:
        at.query_params.update(params)
    at.run()
    at.first_notices = "\n".join(w.value for w in at.warning)  # URL notices show on the session's first run
    at.switch_page("pages/remedies.py").run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(w.value for w in at.warning)


def test_page_shows_three_charts_and_its_readings():
    at = _page()
    assert len(at.get("plotly_chart")) == 3
    text = _text(at)
    assert "direction is kept" in text and "equals the full BPTT" in text


def test_exploding_preset_moves_the_sidebar_and_clipping_acts():
    at = _page()
    at.button(key="exploding_preset").click().run()
    assert not at.exception
    assert at.session_state["scheme"] == "book" and at.session_state["nonlinearity"] == "relu"
    assert "is above θ" in _text(at) and "turns its direction" in _text(at)


def test_apply_preset_moves_the_sidebar():
    at = _page({"init_preset": "orthogonal"})
    at.button(key="apply_orthogonal").click().run()
    assert not at.exception and at.session_state["scheme"] == "orthogonal"
    assert "is kept" in _text(at)


@pytest.mark.parametrize(("params", "needle", "key", "safe"), [
    ({"threshold": "0"}, "outside 0.01", "threshold", 0.01),
    ({"threshold": "nan"}, "not a number", "threshold", 1.0),
    ({"block": "0"}, "outside 1", "block", 1),
    ({"block": "500", "T": "20"}, "longer than the sequence", "block", 500),
])  # fmt: skip
def test_bad_input_from_the_url_gets_a_notice_and_a_safe_value(params, needle, key, safe):
    at = _page(params)
    notices = at.first_notices + "\n".join(w.value for w in at.warning)
    assert needle in notices, notices
    assert at.session_state[key] == safe
    if key == "block" and safe > 20:  # k > T: the page computes with k = T
        assert "k = 20" in _text(at)


@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "1e400"])
def test_a_threshold_that_is_not_a_finite_number_gets_the_pages_own_notice_from_the_url(raw):
    at = _page({"threshold": raw})
    assert "is not a number above 0: using 1" in at.first_notices, at.first_notices
    assert at.session_state["threshold"] == remedies.DEFAULT_THRESHOLD == 1.0
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"].replace("<br>", " ") for c in at.get("plotly_chart")]
    assert any("clipping at θ = 1" in t for t in titles), titles


def test_korean_page():
    at = _page({"lang": "ko"})
    text = _text(at)
    assert "기울기 클리핑" in text and "블록" in text


# ------------------------------------------------------------------------------------------------ the theory page
def test_theory_page_shows_the_reference_source_counts_and_activations():
    import inspect

    from recurrent_core import reference

    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("pages/theory.py").run()
    assert not at.exception
    codes = [c.value for c in at.code]
    for fn in (reference.rnn_forward, reference.lstm_backward, reference.gru_backward):
        assert any(inspect.getsource(fn).strip() in c for c in codes), fn.__name__
    text = "\n".join(m.value for m in at.markdown)
    assert "np.sigmoid" in text and "dA @ Wx.T" in text
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1


@pytest.mark.parametrize(("D", "H"), [(1, 1), (8, 32), (64, 256), (3, 7)])
def test_gru_has_three_quarters_of_the_lstm_parameters(D, H):
    from explorer.theory import data as theory

    counts = theory.param_counts(D, H).set_index("architecture")
    for kind, name in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        layer = rc.init_layer(kind, D, H)
        assert counts.loc[name, "pytorch_total"] == sum(a.size for a in rc.to_pytorch(layer).values())
    assert counts.loc["GRU", "pytorch_total"] * 4 == counts.loc["LSTM", "pytorch_total"] * 3
    assert counts.loc["GRU", "book_total"] * 4 == counts.loc["LSTM", "book_total"] * 3


def test_activation_bounds_are_1_and_a_quarter():
    from charts import remedies as rcharts

    t = rcharts.activation_table()
    assert t["dtanh"].max() == pytest.approx(1.0) and t["dsigmoid"].max() == pytest.approx(0.25)
    assert (t["dtanh"] <= 1).all() and (t["dsigmoid"] <= 0.25).all()
