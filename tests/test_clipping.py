"""Tests of recurrent_core.clipping: DLFS2's global-norm clipping and min-char-rnn's element-wise clipping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recurrent_core as rc


def dlfs2_clip_grads(grads, max_norm):
    """DLFS2 common/util.py clip_grads, literally (it scales the list's arrays in place)."""
    total_norm = 0
    for grad in grads:
        total_norm += np.sum(grad**2)
    total_norm = np.sqrt(total_norm)

    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate


def random_grads(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return {
        "weight_ih_l0": rng.standard_normal((12, 5)) * scale,
        "weight_hh_l0": rng.standard_normal((12, 3)) * scale,
        "bias_ih_l0": rng.standard_normal(12) * scale,
        "bias_hh_l0": rng.standard_normal(12) * scale,
    }


def cosine(a: dict, b: dict) -> float:
    va = np.concatenate([g.ravel() for g in a.values()])
    vb = np.concatenate([g.ravel() for g in b.values()])
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_norm", [0.25, 1.0, 5.0, 100.0])
def test_clip_global_norm_matches_dlfs2(seed, max_norm):
    grads = random_grads(seed)
    original = {k: g.copy() for k, g in grads.items()}
    book = [g.copy() for g in grads.values()]
    dlfs2_clip_grads(book, max_norm)
    clipped, total, factor = rc.clip_global_norm(grads, max_norm)
    assert list(clipped) == list(grads)
    for got, want in zip(clipped.values(), book, strict=False):
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    # the inputs are not modified (unlike DLFS2's in-place version)
    for k in grads:
        np.testing.assert_array_equal(grads[k], original[k])
    expected_total = np.sqrt(sum(np.sum(g**2) for g in original.values()))
    assert total == pytest.approx(expected_total, rel=1e-15)
    assert total == pytest.approx(rc.global_norm(grads), rel=0)
    rate = max_norm / (expected_total + 1e-6)
    if rate < 1:  # clipping regime: the new norm is max_norm (less the eps)
        assert factor == pytest.approx(rate, rel=1e-15)
        assert rc.global_norm(clipped) == pytest.approx(max_norm, rel=1e-6)
        assert rc.global_norm(clipped) < max_norm
    else:  # below the threshold: untouched
        assert factor == 1.0
        for k in grads:
            np.testing.assert_array_equal(clipped[k], grads[k])


def test_both_regimes_are_exercised():
    total = rc.global_norm(random_grads(0))
    assert 1.0 < total < 100.0  # so max_norm 0.25/1 clips and 100 does not


def test_clip_global_norm_on_a_real_bptt_gradient():
    layer = rc.init_layer("rnn", 3, 4, seed=0, scheme="orthogonal", spectral_radius=1.5)
    T, N = 30, 2
    x = np.random.default_rng(0).standard_normal((T, N, 3))
    dhs = np.random.default_rng(1).standard_normal((T, N, 4))
    grads = rc.bptt(layer, x, dhs).grads
    clipped, total, factor = rc.clip_global_norm(grads, 0.25)
    assert total > 0.25 and factor < 1
    book = [g.copy() for g in grads.values()]
    dlfs2_clip_grads(book, 0.25)
    for got, want in zip(clipped.values(), book, strict=False):
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    assert cosine(clipped, grads) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), log_scale=st.floats(-3, 3), max_norm=st.floats(1e-3, 1e3))
def test_clip_global_norm_properties(seed, log_scale, max_norm):
    grads = random_grads(seed, 10.0**log_scale)
    clipped, total, factor = rc.clip_global_norm(grads, max_norm)
    assert 0 < factor <= 1
    assert rc.global_norm(clipped) <= max(max_norm, total) * (1 + 1e-12)
    assert rc.global_norm(clipped) <= total * (1 + 1e-12)
    assert cosine(clipped, grads) == pytest.approx(1.0, abs=1e-12)  # direction kept


def test_clip_elementwise_equals_np_clip_and_reports_fraction():
    grads = random_grads(5, 4.0)
    original = {k: g.copy() for k, g in grads.items()}
    clipped, fraction = rc.clip_elementwise(grads, 5.0)
    n_total = n_clipped = 0
    for k, g in grads.items():
        np.testing.assert_array_equal(clipped[k], np.clip(original[k], -5.0, 5.0))
        np.testing.assert_array_equal(g, original[k])
        n_total += g.size
        n_clipped += int(np.sum(np.abs(g) > 5.0))
    assert 0 < n_clipped < n_total
    assert fraction == n_clipped / n_total
    # default limit is min-char-rnn's 5
    default, default_fraction = rc.clip_elementwise(grads)
    assert default_fraction == fraction
    for k in grads:
        np.testing.assert_array_equal(default[k], clipped[k])


def test_clip_elementwise_exact_counts():
    grads = {"a": np.array([[-7.0, 0.5], [5.0, 6.0]]), "b": np.array([-5.0, 1.0, 2.0, -3.0])}
    clipped, fraction = rc.clip_elementwise(grads, 5.0)
    np.testing.assert_array_equal(clipped["a"], [[-5.0, 0.5], [5.0, 5.0]])
    np.testing.assert_array_equal(clipped["b"], grads["b"])
    assert fraction == 2 / 8  # exactly ±5 is not "clipped"
    assert rc.clip_elementwise({}, 1.0)[1] == 0.0


def test_global_clipping_keeps_direction_elementwise_does_not():
    grads = {"w": np.array([20.0, 4.0]), "b": np.array([-1.0])}
    g_clip, _total, factor = rc.clip_global_norm(grads, 5.0)
    e_clip, fraction = rc.clip_elementwise(grads, 5.0)
    assert factor < 1 and fraction == pytest.approx(1 / 3)
    assert cosine(g_clip, grads) == pytest.approx(1.0, abs=1e-15)
    assert cosine(e_clip, grads) < 0.9
    # global clipping scales every component by the same factor; element-wise changes their ratios
    assert g_clip["w"][0] / g_clip["w"][1] == pytest.approx(5.0)
    assert e_clip["w"][0] / e_clip["w"][1] == pytest.approx(1.25)


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, float("nan"), -np.inf])
def test_bad_limits_raise(bad):
    grads = random_grads(0)
    with pytest.raises(ValueError):
        rc.clip_global_norm(grads, bad)
    with pytest.raises(ValueError):
        rc.clip_elementwise(grads, bad)
