"""One forward pass, and one backward pass, serve a flow page's analysis and its per-step contributions (issue 19:
the flow pages ran a second forward and a second backward beside the analysis): the results are the same, array for
array, as with passes of their own, and the norms from the plain pass are the log domain's to rounding."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import recurrent_core as rc
from explorer.flow import data
from explorer.shared.controls import Settings
from explorer.shared.curves import make_inputs, make_layer

CASES = [
    Settings(T=30, H=8, N=3, seed=3),
    Settings(T=40, H=6, N=2, seed=5, formulation="dlfs2"),
    Settings(T=25, H=5, N=1, seed=7, loss="every", nonlinearity="relu", scale=1.5),
]


def assert_same(a: object, b: object) -> None:
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)  # type: ignore[arg-type]
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b)
    else:
        assert a == b


def given_pass(layer, x, dhs, share: str) -> dict:
    """The keyword that hands an analysis a pass made already: a forward tape, or a whole rc.flow_norms."""
    return {"tape": rc.forward(layer, x)} if share == "tape" else {"flow": rc.flow_norms(layer, x, dhs)}


@pytest.mark.parametrize("share", ["tape", "flow"])
@pytest.mark.parametrize("s", CASES)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_step_contributions_of_a_given_pass_equal_those_of_their_own_pass(s: Settings, kind: str, share: str):
    x, dhs = make_inputs(s)
    layer = make_layer(s, kind)
    own = rc.step_contributions(layer, x, dhs)
    shared = rc.step_contributions(layer, x, dhs, **given_pass(layer, x, dhs, share))
    for f in fields(own):
        if f.name != "trace":
            assert_same(getattr(own, f.name), getattr(shared, f.name))
    assert_same(own.trace.grads, shared.trace.grads)
    np.testing.assert_array_equal(own.trace.dx, shared.trace.dx)


@pytest.mark.parametrize("share", ["tape", "flow"])
@pytest.mark.parametrize("s", CASES)
def test_rnn_decomposition_of_a_given_pass_equals_its_own_pass(s: Settings, share: str):
    x, dhs = make_inputs(s)
    layer = make_layer(s, "rnn")
    own = rc.rnn_decomposition(layer, x, dhs)
    shared = rc.rnn_decomposition(layer, x, dhs, **given_pass(layer, x, dhs, share))
    for name in ("log10_gain_tanh", "log10_gain_matmul", "log10_gain_total"):
        np.testing.assert_array_equal(getattr(own, name), getattr(shared, name))
    for chain in ("full", "matmul_only", "tanh_only"):
        assert_same(getattr(own, chain).log10, getattr(shared, chain).log10)
        assert getattr(own, chain).overflow_step == getattr(shared, chain).overflow_step
    assert own.forward_overflow_step == shared.forward_overflow_step


@pytest.mark.parametrize("s", CASES)
@pytest.mark.parametrize("view", [data.rnn_view, data.lstm_view, data.gru_view])
def test_the_pages_contributions_equal_a_separate_pass(s: Settings, view):
    kind = view.__name__.split("_")[0]
    x, dhs = make_inputs(s)
    alone = data.step_view(make_layer(s, kind), x, dhs)  # a forward pass of its own, as before
    got = view(s).contributions
    assert got is not None
    for f in fields(alone):
        assert_same(getattr(alone, f.name), getattr(got, f.name))


def test_a_tape_of_other_inputs_is_refused():
    s = Settings(T=10, H=4)
    x, dhs = make_inputs(s)
    layer = make_layer(s, "lstm")
    other = rc.forward(layer, x[:5])
    with pytest.raises(ValueError, match="tape"):
        rc.step_contributions(layer, x, dhs, tape=other)
    rnn = make_layer(s, "rnn")
    with pytest.raises(ValueError, match="tape"):
        rc.rnn_decomposition(rnn, x, dhs, tape=rc.forward(rnn, x[:5]))
    with pytest.raises(ValueError, match="tape"):
        rc.rnn_decomposition(rnn, x, dhs, tape=rc.forward(layer, x))  # an LSTM's tape


# One backward pass, too: rc.flow_norms takes its norms from the kind's plain float64 backward wherever every vector
# it holds lies in logdomain.PLAIN_RANGE (the log domain only where it leaves that range), and keeps that pass for
# the contributions and the RNN's decomposition.


def chain_by_definition(layer, x, dhs):
    """rc.flow_norms's quantities from the log-domain chain over the kind's step_back, as the core defines them."""
    from recurrent_core.analysis import flow as core_flow

    tape = rc.forward(layer, x)
    step, width = core_flow._bptt_step(layer, tape)
    chain = rc.analysis.logdomain.run_chain(len(dhs), core_flow._upstream(dhs, width), step)
    unit = chain.into_h0_unit[:, : layer.H]
    log10_dh0 = chain.log10_into_h0 + np.log10(np.linalg.norm(unit, axis=1))
    return chain.log10["h"], chain.log10.get("c"), log10_dh0, chain.overflow_step


def exploding_rnn(radius, T=1000, H=16, N=2, D=4):
    layer = rc.init_layer("rnn", D, H, seed=0, scheme="orthogonal", spectral_radius=radius)
    dhs = np.zeros((T, N, H))
    dhs[-1] = np.random.default_rng(0).standard_normal((N, H))
    return layer, np.zeros((T, N, D)), dhs


def count_log_domain_chains(monkeypatch) -> list[int]:
    from recurrent_core.analysis import flow as core_flow

    calls: list[int] = []
    original = core_flow.run_chain

    def counted(T, *args, **kwargs):
        calls.append(T)
        return original(T, *args, **kwargs)

    monkeypatch.setattr(core_flow, "run_chain", counted)
    return calls


LONG = Settings(T=400, H=12, N=2, seed=4)  # ‖∂L/∂h_t‖ falls to 1e-84 … 1e-144 over it: still in the plain range


@pytest.mark.parametrize("s", [*CASES, LONG])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_flow_norms_from_the_plain_backward_equal_the_log_domain_chain(s: Settings, kind: str, monkeypatch):
    x, dhs = make_inputs(s)
    layer = make_layer(s, kind)
    dh, dc, dh0, overflow = chain_by_definition(layer, x, dhs)
    calls = count_log_domain_chains(monkeypatch)
    fn = rc.flow_norms(layer, x, dhs)
    assert calls == []  # every vector in range: no log-domain chain ran
    np.testing.assert_allclose(fn.log10_dh, dh, rtol=0, atol=1e-11)
    np.testing.assert_allclose(fn.log10_dh0, dh0, rtol=0, atol=1e-11)
    if kind == "lstm":
        np.testing.assert_allclose(fn.log10_dc, dc, rtol=0, atol=1e-11)
    else:
        assert fn.log10_dc is None and dc is None
    assert fn.overflow_step == overflow
    # the pass kept is the kind's backward of this tape: rc.bptt's, array for array
    trace = rc.bptt(layer, x, dhs)
    assert fn.backward is not None
    np.testing.assert_array_equal(fn.backward.dh, trace.dh)
    np.testing.assert_array_equal(fn.backward.dh0, trace.dh0)


def test_a_gradient_that_leaves_the_plain_range_is_followed_in_the_log_domain(monkeypatch):
    layer, x, dhs = exploding_rnn(0.5)  # 0.5^1000 ≈ 1e-301: plain float64 loses it before h_0
    plain = rc.bptt(layer, x, dhs).dh
    assert np.abs(plain[0]).max() < 1e-280
    dh, _, dh0, overflow = chain_by_definition(layer, x, dhs)
    calls = count_log_domain_chains(monkeypatch)
    fn = rc.flow_norms(layer, x, dhs)
    assert calls == [1000]
    np.testing.assert_array_equal(fn.log10_dh, dh)
    np.testing.assert_array_equal(fn.log10_dh0, dh0)
    assert np.isfinite(fn.log10_dh).all() and fn.log10_dh.min() < -290
    assert fn.overflow_step == overflow == {"float64": None, "float32": None}


def test_a_gradient_past_float32_but_inside_the_plain_range_reports_float32s_overflow_step(monkeypatch):
    layer, x, dhs = exploding_rnn(1.1)  # 1.1^1000 ≈ 1e41: float32 overflows, float64 holds it
    dh, _, _, overflow = chain_by_definition(layer, x, dhs)
    assert isinstance(overflow["float32"], int) and overflow["float64"] is None
    calls = count_log_domain_chains(monkeypatch)
    fn = rc.flow_norms(layer, x, dhs)
    assert calls == []
    assert fn.overflow_step == overflow
    np.testing.assert_allclose(fn.log10_dh, dh, rtol=0, atol=1e-11)


def test_the_rnn_decompositions_full_chain_equals_the_log_domain_chain():
    s = LONG
    x, dhs = make_inputs(s)
    layer = make_layer(s, "rnn")
    dphi, W_hh = rc.forward(layer, x).dphi, layer.W_hh

    def full_step(t, dh):
        da = dh * dphi[t]
        return da @ W_hh, {"h": dh, "a": da, "flow": da @ W_hh}

    by_definition = rc.analysis.logdomain.run_chain(s.T, dhs, full_step)
    full = rc.rnn_decomposition(layer, x, dhs).full
    for name in ("h", "a", "flow"):
        np.testing.assert_allclose(full.log10[name], by_definition.log10[name], rtol=0, atol=1e-11)
    np.testing.assert_allclose(full.log10_into_h0, by_definition.log10_into_h0, rtol=0, atol=1e-11)
    np.testing.assert_allclose(full.into_h0_unit, by_definition.into_h0_unit, rtol=0, atol=1e-12)
    assert full.overflow_step == by_definition.overflow_step


@pytest.mark.parametrize("view", [data.rnn_view, data.lstm_view, data.gru_view])
def test_a_flow_page_runs_one_backward_pass(view, monkeypatch):
    kind = view.__name__.split("_")[0]
    cls = type(make_layer(CASES[0], kind))
    passes: list[int] = []
    original = cls.back_all
    monkeypatch.setattr(cls, "back_all", lambda self, *a: passes.append(1) or original(self, *a))
    view(CASES[0])
    assert passes == [1]


def test_a_flow_of_other_inputs_is_refused():
    s = Settings(T=10, H=4)
    x, dhs = make_inputs(s)
    for kind in ("rnn", "lstm"):
        layer = make_layer(s, kind)
        short = rc.flow_norms(layer, x[:5], dhs[:5])
        with pytest.raises(ValueError, match="flow"):
            rc.step_contributions(layer, x, dhs, flow=short)
        with pytest.raises(ValueError, match="another dhs"):
            rc.step_contributions(layer, x, 2 * dhs, flow=rc.flow_norms(layer, x, dhs))
    rnn = make_layer(s, "rnn")
    with pytest.raises(ValueError, match="flow"):
        rc.rnn_decomposition(rnn, x, dhs, flow=rc.flow_norms(make_layer(s, "lstm"), x, dhs))
    with pytest.raises(ValueError, match="another dhs"):
        rc.rnn_decomposition(rnn, x, 2 * dhs, flow=rc.flow_norms(rnn, x, dhs))
