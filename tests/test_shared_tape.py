"""One forward pass serves a flow page's analysis and its per-step contributions (issue 19: the flow pages ran a
second forward beside the analysis): the results are the same, array for array, as with a pass of their own."""

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


@pytest.mark.parametrize("s", CASES)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_step_contributions_of_a_given_tape_equal_those_of_their_own_pass(s: Settings, kind: str):
    x, dhs = make_inputs(s)
    layer = make_layer(s, kind)
    own = rc.step_contributions(layer, x, dhs)
    shared = rc.step_contributions(layer, x, dhs, tape=rc.forward(layer, x))
    for f in fields(own):
        if f.name != "trace":
            assert_same(getattr(own, f.name), getattr(shared, f.name))
    assert_same(own.trace.grads, shared.trace.grads)
    np.testing.assert_array_equal(own.trace.dx, shared.trace.dx)


@pytest.mark.parametrize("s", CASES)
def test_rnn_decomposition_of_a_given_tape_equals_its_own_pass(s: Settings):
    x, dhs = make_inputs(s)
    layer = make_layer(s, "rnn")
    own = rc.rnn_decomposition(layer, x, dhs)
    shared = rc.rnn_decomposition(layer, x, dhs, tape=rc.forward(layer, x))
    for name in ("log10_gain_tanh", "log10_gain_matmul", "log10_gain_total"):
        np.testing.assert_array_equal(getattr(own, name), getattr(shared, name))
    for chain in ("full", "matmul_only", "tanh_only"):
        assert_same(getattr(own, chain).log10, getattr(shared, chain).log10)
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
