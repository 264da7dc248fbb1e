"""Each kind's ``back_all`` (the whole backward in one loop of its own) against ``cell.step_loop``, the backward
by definition (``step_back`` from T-1 down to 0): the same operations on the same numbers, so equal exactly, for
every kind with and without truncation, at shapes that use the split block products too. The book's GRU, whose
``back_all`` *is* ``step_loop``, is checked against the book's own cell (``recurrent_core.reference``) instead."""

import numpy as np
import pytest
from helpers import rel_err

import recurrent_core as rc
from recurrent_core import reference as ref
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
    got = layer.back_all(tape, dhs, truncate)
    if kwargs.get("formulation") == "dlfs2":  # back_all is step_loop itself: the book's cell is the reference
        book = book_backward(layer, x, dhs, h0, truncate)
        assert rel_err(got.dh, book["dh"]) < 1e-12 and rel_err(got.dh0, book["dh0"]) < 1e-12
        grads = layer.param_grads(tape, got.dgi, None if got.dgh is got.dgi else got.dgh)
        assert all(rel_err(grads[k], book["grads"][k]) < 1e-12 for k in grads), grads.keys()
        assert rel_err(got.dgi @ layer.W_ih, book["dx"]) < 1e-12
    else:
        expected = step_loop(layer, tape, dhs, truncate)
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


def book_backward(layer, x, dhs, h0, truncate):
    """The book's Time-layer loop (``ref.step_forward``/``ref.step_backward``, row vectors, ``Wx``, ``Wh``), with each
    step's total ∂L/∂h_t kept and DLFS2's truncation (nothing flows from step t into t-1 when t % k == 0)."""
    p = ref.from_pytorch_layer(layer)
    T, N, _ = x.shape
    h, c, caches = h0, np.zeros((N, layer.H)), []
    for t in range(T):
        h, c, cache = ref.step_forward(layer, p, x[t], h, c)
        caches.append(cache)
    dh_all, dx = np.empty_like(dhs), np.empty((*x.shape[:2], x.shape[2]))
    dh_next, dc, grads = np.zeros((N, layer.H)), np.zeros((N, layer.H)), None
    for t in reversed(range(T)):
        dh_all[t] = dhs[t] + dh_next
        dx[t], dh_next, dc, step = ref.step_backward(layer, p, dh_all[t], dc, caches[t])
        grads = step if grads is None else tuple(g + s for g, s in zip(grads, step, strict=True))
        if truncate is not None and t % truncate == 0:
            dh_next = np.zeros_like(dh_next)
    return {"dh": dh_all, "dh0": dh_next, "dx": dx, "grads": ref.grads_to_pytorch(layer, grads)}


def test_dhs_is_read_not_copied_or_changed():
    """bptt leaves dhs as it was (it reads a float64 dhs without copying it), and no result is a view of it."""
    layer = rc.init_layer("lstm", 3, 4, seed=0)
    rng = np.random.default_rng(0)
    x, dhs = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4))
    before = dhs.copy()
    trace = rc.bptt(layer, x, dhs)
    np.testing.assert_array_equal(dhs, before)
    assert not any(np.shares_memory(dhs, a) for a in (trace.dh, trace.dc, trace.dx))
