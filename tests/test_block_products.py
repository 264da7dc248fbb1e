"""The split recurrent products (a speed-up for large N·H) compute the same BPTT as one product."""

import numpy as np
import pytest

import recurrent_core as rc
from recurrent_core.cells import _ops


@pytest.mark.parametrize("kind, kwargs", [("lstm", {}), ("gru", {}), ("gru", {"formulation": "dlfs2"})])
def test_split_products_equal_whole_products(monkeypatch, kind, kwargs):
    layer = rc.init_layer(kind, 3, 5, 1, **kwargs)
    rng = np.random.default_rng(0)
    x, dhs = rng.standard_normal((6, 4, 3)), rng.standard_normal((6, 4, 5))
    whole = rc.bptt(layer, x, dhs)
    monkeypatch.setattr(_ops, "SPLIT_MIN_MACS", 0)
    split = rc.bptt(layer, x, dhs)
    assert split.tape.back.parts is not None  # the split path really ran
    np.testing.assert_allclose(split.hs, whole.hs, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(split.dh, whole.dh, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(split.dx, whole.dx, rtol=1e-12, atol=1e-15)
    for key in rc.STATE_KEYS:
        np.testing.assert_allclose(split.grads[key], whole.grads[key], rtol=1e-12, atol=1e-14)


def test_block_products_directly():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((6, 12))
    a = rng.standard_normal((3, 6))
    forced = _ops.BlockProduct(W, 4, rows=10**9)
    assert forced.parts is not None and len(forced.parts) == 4
    np.testing.assert_allclose(forced(a), a @ W, rtol=1e-14)
    b = rng.standard_normal((3, 12))
    forced_sum = _ops.BlockSumProduct(W.T, 4, rows=10**9)
    np.testing.assert_allclose(forced_sum(b), b @ W.T, rtol=1e-13)
    assert _ops.BlockProduct(W, 4, rows=1).parts is None  # small products stay whole
