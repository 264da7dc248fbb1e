"""Each kind's ``back_all`` (the whole backward in one loop of its own) against ``cell.step_loop``, the backward
by definition (``step_back`` from T-1 down to 0): the same operations on the same numbers, so equal exactly, for
every kind and formulation, with and without truncation, at shapes that use the split block products too."""

import numpy as np
import pytest

import recurrent_core as rc
from recurrent_core.cells import State, step_loop

KINDS = [
    ("rnn", {}),
    ("rnn", {"nonlinearity": "relu"}),
    ("lstm", {}),
    ("gru", {}),
    ("gru", {"formulation": "dlfs2"}),
]
SHAPES = [(1, 1, 2, 3), (7, 3, 4, 5), (12, 16, 8, 128)]  # the last splits the LSTM's and GRU's products


@pytest.mark.parametrize("kind,kwargs", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("truncate", [None, 1, 3])
def test_back_all_equals_the_step_loop(kind, kwargs, shape, truncate):
    T, N, D, H = shape
    layer = rc.init_layer(kind, D, H, seed=1, **kwargs)
    rng = np.random.default_rng([T, N, H])
    x, dhs, h0 = rng.standard_normal((T, N, D)), rng.standard_normal((T, N, H)), rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H)) if kind == "lstm" else None
    tape = layer.forward(x, State(h0, c0))
    expected, got = step_loop(layer, tape, dhs, truncate), layer.back_all(tape, dhs, truncate)
    for name in expected._fields:
        want, have = getattr(expected, name), getattr(got, name)
        if want is None:
            assert have is None, name
        else:
            np.testing.assert_array_equal(have, want, err_msg=name)
    if truncate is not None:  # nothing reaches the initial state under truncation
        assert not np.any(got.dh0)
        assert got.dc0 is None or not np.any(got.dc0)
    else:
        assert np.any(got.dh0)


def test_dhs_is_read_not_copied_or_changed():
    """bptt leaves dhs as it was (it reads a float64 dhs without copying it), and no result is a view of it."""
    layer = rc.init_layer("lstm", 3, 4, seed=0)
    rng = np.random.default_rng(0)
    x, dhs = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4))
    before = dhs.copy()
    trace = rc.bptt(layer, x, dhs)
    np.testing.assert_array_equal(dhs, before)
    assert not any(np.shares_memory(dhs, a) for a in (trace.dh, trace.dc, trace.dx))
