"""The weights memo of the horizon maps (recurrent_core/cells/_ops.py: ``steady_weights``, ``derived``): inside its
block each layer's derived weights are built once, and nothing else changes; outside it (after it, in another
thread) every forward derives them again, so weights updated in place are always seen."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest

import recurrent_core as rc
from recurrent_core.analysis import horizon as hz
from recurrent_core.cells import _ops, backend

LAYERS = [
    ("rnn", {"nonlinearity": "tanh"}),
    ("rnn", {"nonlinearity": "relu"}),
    ("lstm", {}),
    ("lstm", {"gate_activation": "hard_sigmoid_keras2"}),
    ("gru", {}),
    ("gru", {"formulation": "dlfs2"}),
    ("gru", {"gate_activation": "hard_sigmoid_keras3"}),
]
LAYER_IDS = ["-".join([kind, *opts.values()]) for kind, opts in LAYERS]
BACKENDS = ("numpy", "numba")


@pytest.fixture(params=[None, 0, 600], ids=["whole", "split", "mixed"])
def split(request, monkeypatch):
    """Every form of the recurrent products: whole, split into gate blocks (BlockProduct's parts), and split only
    past 600 multiply-adds (at H = 4 the larger tiled steps of one map split, the smaller do not)."""
    if request.param is not None:
        monkeypatch.setattr(_ops, "SPLIT_MIN_MACS", request.param)
    return request.param


def inputs(layer, T=7, N=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(T, N, layer.D)), rng.normal(size=(T, N, layer.H))


def test_derived_is_built_once_inside_a_block_and_every_call_outside():
    owner, calls = object(), []

    def build():
        calls.append(1)
        return np.ones(3)

    a, b = _ops.derived(owner, "k", build), _ops.derived(owner, "k", build)
    assert a is not b and len(calls) == 2  # no block: built every call
    with _ops.steady_weights():
        c, d = _ops.derived(owner, "k", build), _ops.derived(owner, "k", build)
        assert c is d and len(calls) == 3
        assert _ops.derived(owner, "other", build) is not c and len(calls) == 4  # another key
        assert _ops.derived(object(), "k", build) is not c  # another owner
        with _ops.steady_weights():  # nested: the same memo
            assert _ops.derived(owner, "k", build) is c
        assert _ops.derived(owner, "k", build) is c
    assert _ops.derived(owner, "k", build) is not c  # the block's memo is gone


def test_the_memo_is_not_seen_from_another_thread():
    owner, built = object(), []
    with _ops.steady_weights():
        mine = _ops.derived(owner, "k", lambda: np.zeros(2))

        def other():
            built.append(_ops.derived(owner, "k", lambda: np.zeros(2)))

        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert built and built[0] is not mine


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("kind, opts", LAYERS, ids=LAYER_IDS)
def test_a_forward_after_weights_change_in_place_sees_the_new_weights(kind, opts, name, split):
    """What training does (weights updated in place, recurrent_core/training) between forwards: after a block, and
    in a new block, the forward uses the new weights, as a layer built afresh from them does."""
    layer = rc.init_layer(kind, 3, 4, 5, **opts)
    x, _ = inputs(layer)
    with backend.in_thread(name):
        with _ops.steady_weights():
            before = rc.forward(layer, x).hs.copy()
            again = rc.forward(layer, x[:2]).hs.copy()  # fewer steps, the memo reused
        np.testing.assert_array_equal(again, before[:2])
        for W in (layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh):
            W *= 1.25  # in place, as an optimiser step
        fresh = type(layer)(
            **{**layer.__dict__, **{k: getattr(layer, k).copy() for k in ("W_ih", "W_hh", "b_ih", "b_hh")}}
        )
        expected = rc.forward(fresh, x).hs
        assert not np.array_equal(expected, before)
        np.testing.assert_array_equal(rc.forward(layer, x).hs, expected)  # after the block
        with _ops.steady_weights():
            np.testing.assert_array_equal(rc.forward(layer, x).hs, expected)  # a new block: a new memo


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("kind, opts", LAYERS, ids=LAYER_IDS)
def test_tapes_of_one_block_share_their_backward_product_safely(kind, opts, name, split):
    """The tapes of one block share the layer's backward product (BlockSumProduct and its scratch): used in turn
    with different batch sizes, each step back equals that of a tape made outside the block, bit for bit."""
    layer = rc.init_layer(kind, 3, 4, 6, **opts)
    x, dhs = inputs(layer, N=5)
    with backend.in_thread(name):
        alone = [rc.forward(layer, x[:, :n]) for n in (2, 5)]
        with _ops.steady_weights():
            shared = [rc.forward(layer, x[:, :n]) for n in (2, 5)]
        if kind != "rnn":
            assert shared[0].back is shared[1].back  # one product per layer and split form
        for t in (6, 3, 0):
            for own, ours in zip(alone, shared, strict=True):
                n = own.hs.shape[1]
                dc = np.ones((n, layer.H)) if layer.HAS_CELL else None
                g, h = layer.step_back(own, t, dhs[t, :n], dc), layer.step_back(ours, t, dhs[t, :n], dc)
                np.testing.assert_array_equal(h.dh_prev, g.dh_prev)
                np.testing.assert_array_equal(h.dgi, g.dgi)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("kind, opts", LAYERS, ids=LAYER_IDS)
def test_maps_computed_with_the_memo_equal_those_without_it(kind, opts, name, split, monkeypatch):
    """Every horizon function runs in a ``steady_weights`` block; without it (each forward deriving its weights
    again) every map is the same, bit for bit."""
    layer = rc.init_layer(kind, 3, 4, 7, **opts)
    x, dhs = inputs(layer, T=9)
    h0 = np.random.default_rng(1).normal(size=(3, layer.H))
    c0 = h0[::-1].copy() if layer.HAS_CELL else None

    def maps():
        out = []
        for method in ("direct", "jacobian"):
            for conn in ("forward", "backward"):
                m = hz.horizon_maps(layer, x, dhs, h0, c0, truncate=4, method=method, connectivity_method=conn)
                out += [m[w].log10 for w in sorted(m)]
            out.append(hz.horizon_vectors(layer, x, dhs, h0, c0, method=method))
        return out

    with backend.in_thread(name):
        memo = maps()
        monkeypatch.setattr(hz, "steady_weights", contextlib.nullcontext)
        plain = maps()
    for a, b in zip(memo, plain, strict=True):
        assert np.array_equal(a, b, equal_nan=True)
