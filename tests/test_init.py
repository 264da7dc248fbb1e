"""rc.init_layer: shapes, determinism, each scheme's defining property, spectral targets and gate biases."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import GATES, STATE_KEYS

import recurrent_core as rc

KINDS = ["rnn", "lstm", "gru"]
SCHEMES = ["pytorch", "dlfs2", "gaussian", "orthogonal", "identity", "book"]
CLASSES = {"rnn": rc.RNNLayer, "lstm": rc.LSTMLayer, "gru": rc.GRULayer}
D, H = 3, 6


def blocks(W, H):
    """The (H, H) gate blocks of a (kH, H) recurrent matrix."""
    return [W[j * H : (j + 1) * H] for j in range(W.shape[0] // H)]


def arrays(layer):
    return [layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh]


def test_schemes_constant_lists_every_scheme():
    assert set(rc.SCHEMES) == set(SCHEMES)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_shapes_and_kind(kind, scheme):
    layer = rc.init_layer(kind, D, H, 0, scheme=scheme)
    k = GATES[kind]
    assert type(layer) is CLASSES[kind] and layer.kind == kind
    assert (layer.H, layer.D) == (H, D)
    assert layer.W_ih.shape == (k * H, D)
    assert layer.W_hh.shape == (k * H, H)
    assert layer.b_ih.shape == layer.b_hh.shape == (k * H,)
    for a in arrays(layer):
        assert a.dtype == np.float64 and np.all(np.isfinite(a))
    # the layer runs
    trace = rc.bptt(layer, np.ones((2, 1, D)), np.ones((2, 1, H)))
    assert trace.hs.shape == (2, 1, H)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_per_seed(kind, scheme):
    a = rc.init_layer(kind, D, H, 123, scheme=scheme)
    b = rc.init_layer(kind, D, H, 123, scheme=scheme)
    c = rc.init_layer(kind, D, H, 124, scheme=scheme)
    for x, y in zip(arrays(a), arrays(b), strict=False):
        np.testing.assert_array_equal(x, y)
    # a different seed changes the random parts (identity's W_hh and the zero biases are not random)
    assert not np.array_equal(a.W_ih, c.W_ih)
    if scheme != "identity":
        assert not np.array_equal(a.W_hh, c.W_hh)
    if scheme == "pytorch":
        assert not np.array_equal(a.b_ih, c.b_ih)
        assert not np.array_equal(a.b_hh, c.b_hh)
    # the seed is the only source of randomness: global numpy state does not matter
    np.random.seed(0)
    d = rc.init_layer(kind, D, H, 123, scheme=scheme)
    np.random.seed(99)
    np.random.rand(10)
    e = rc.init_layer(kind, D, H, 123, scheme=scheme)
    for x, y in zip(arrays(d), arrays(e), strict=False):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(d.W_ih, a.W_ih)


@pytest.mark.parametrize("kind", KINDS)
def test_pytorch_scheme_within_bound(kind):
    H_big = 64
    layer = rc.init_layer(kind, 5, H_big, 7, scheme="pytorch")
    bound = 1.0 / np.sqrt(H_big)
    for a in arrays(layer):
        assert np.all(np.abs(a) <= bound)
        # uniform over the whole range, not a narrower one
        assert a.max() > 0.8 * bound and a.min() < -0.8 * bound


@pytest.mark.parametrize("scheme", ["dlfs2", "gaussian", "orthogonal", "identity", "book"])
@pytest.mark.parametrize("kind", KINDS)
def test_non_pytorch_schemes_have_zero_biases(kind, scheme):
    layer = rc.init_layer(kind, D, H, 3, scheme=scheme)
    np.testing.assert_array_equal(layer.b_ih, 0.0)
    np.testing.assert_array_equal(layer.b_hh, 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_dlfs2_scheme_scales_like_one_over_sqrt_fan_in(kind):
    layer = rc.init_layer(kind, 400, 200, 0, scheme="dlfs2")
    # randn / sqrt(fan_in): standard deviation 1/sqrt(D) for W_ih and 1/sqrt(H) for W_hh
    assert abs(layer.W_ih.std() * np.sqrt(400) - 1) < 0.05
    assert abs(layer.W_hh.std() * np.sqrt(200) - 1) < 0.05


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("kind", KINDS)
def test_gaussian_scheme_scale(kind, scale):
    layer = rc.init_layer(kind, 50, 200, 1, scheme="gaussian", scale=scale)
    assert abs(layer.W_hh.std() * np.sqrt(200) / scale - 1) < 0.05


@pytest.mark.parametrize("scale", [1.0, 0.7, 2.5])
@pytest.mark.parametrize("kind", KINDS)
def test_orthogonal_blocks(kind, scale):
    layer = rc.init_layer(kind, D, H, 11, scheme="orthogonal", scale=scale)
    bs = blocks(layer.W_hh, H)
    assert len(bs) == GATES[kind]
    for Q in bs:
        np.testing.assert_allclose(Q.T @ Q, scale**2 * np.eye(H), atol=1e-12)
        np.testing.assert_allclose(Q @ Q.T, scale**2 * np.eye(H), atol=1e-12)
    if len(bs) > 1:  # independent draws per gate
        assert not np.allclose(bs[0], bs[1])


@pytest.mark.parametrize("scale", [1.0, 0.25, 3.0])
@pytest.mark.parametrize("kind", KINDS)
def test_identity_blocks(kind, scale):
    layer = rc.init_layer(kind, D, H, 0, scheme="identity", scale=scale)
    for B in blocks(layer.W_hh, H):
        np.testing.assert_array_equal(B, scale * np.eye(H))


@pytest.mark.parametrize("scale", [1.0, 0.5])
@pytest.mark.parametrize("kind", KINDS)
def test_book_scheme_is_the_legacy_seeded_randn(kind, scale):
    """DLFS2 ch06: np.random.seed(seed); Wh = np.random.randn(H, H) * scale, used as h @ Wh, so W_hh = Wh^T
    (the same block for every gate)."""
    seed = 3
    np.random.seed(seed)
    Wh = np.random.randn(H, H) * scale
    np.random.seed(12345)  # the scheme must not depend on (or disturb) the global state
    layer = rc.init_layer(kind, D, H, seed, scheme="book", scale=scale)
    after = np.random.rand()
    np.random.seed(12345)
    assert after == np.random.rand()
    for B in blocks(layer.W_hh, H):
        np.testing.assert_array_equal(B, Wh.T)
    # the same h @ Wh product as the book
    h = np.random.default_rng(0).normal(size=(2, H))
    np.testing.assert_array_equal(h @ layer.W_hh[:H].T, h @ Wh)


def test_book_matrix_matches_the_documented_spectrum():
    """FACTS.md: the book's matrix (seed 3, H = 3) has sigma_max = 2.659 and spectral radius 1.255."""
    W = rc.init_layer("rnn", 1, 3, 3, scheme="book").W_hh
    assert np.linalg.norm(W, 2) == pytest.approx(2.659, abs=5e-4)
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(1.255, abs=5e-4)
    W_half = rc.init_layer("rnn", 1, 3, 3, scheme="book", scale=0.5).W_hh
    assert np.linalg.norm(W_half, 2) == pytest.approx(1.33, abs=5e-3)
    assert np.max(np.abs(np.linalg.eigvals(W_half))) == pytest.approx(0.628, abs=5e-4)


def spectral_radius(W):
    return np.max(np.abs(np.linalg.eigvals(W)))


@pytest.mark.parametrize("r", [0.5, 1.0, 1.7])
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_spectral_radius_per_block(kind, scheme, r):
    layer = rc.init_layer(kind, D, H, 5, scheme=scheme, spectral_radius=r)
    plain = rc.init_layer(kind, D, H, 5, scheme=scheme)
    for B, P in zip(blocks(layer.W_hh, H), blocks(plain.W_hh, H), strict=False):
        assert spectral_radius(B) == pytest.approx(r, rel=1e-10)
        # a pure rescaling of the scheme's block
        c = B.ravel() @ P.ravel() / (P.ravel() @ P.ravel())
        np.testing.assert_allclose(B, c * P, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(layer.W_ih, plain.W_ih)
    np.testing.assert_array_equal(layer.b_ih, plain.b_ih)


@pytest.mark.parametrize("s", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_sigma_max_per_block(kind, scheme, s):
    layer = rc.init_layer(kind, D, H, 6, scheme=scheme, sigma_max=s)
    for B in blocks(layer.W_hh, H):
        assert np.linalg.norm(B, 2) == pytest.approx(s, rel=1e-10)


def test_spectral_radius_zero_gives_zero_matrix():
    layer = rc.init_layer("rnn", D, H, 0, spectral_radius=0.0)
    np.testing.assert_array_equal(layer.W_hh, 0.0)


def test_rescale_helper():
    W = np.random.default_rng(0).normal(size=(5, 5))
    assert spectral_radius(rc.rescale(W, spectral_radius=0.9)) == pytest.approx(0.9, rel=1e-12)
    assert np.linalg.norm(rc.rescale(W, sigma_max=1.3), 2) == pytest.approx(1.3, rel=1e-12)


@pytest.mark.parametrize("fb", [1.0, 3.0, -2.0, 0.5])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_forget_bias_adds_to_the_f_slice_of_b_ih(scheme, fb):
    base = rc.init_layer("lstm", D, H, 9, scheme=scheme)
    layer = rc.init_layer("lstm", D, H, 9, scheme=scheme, forget_bias=fb)
    expected = base.b_ih.copy()
    expected[H : 2 * H] += fb
    np.testing.assert_array_equal(layer.b_ih, expected)
    np.testing.assert_array_equal(layer.b_hh, base.b_hh)
    np.testing.assert_array_equal(layer.W_ih, base.W_ih)
    np.testing.assert_array_equal(layer.W_hh, base.W_hh)


@pytest.mark.parametrize("ub", [1.0, -0.5, 3.0])
@pytest.mark.parametrize("formulation,sign", [("pytorch", 1.0), ("dlfs2", -1.0)])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gru_update_bias_sign_follows_formulation(scheme, formulation, sign, ub):
    base = rc.init_layer("gru", D, H, 4, scheme=scheme, formulation=formulation)
    layer = rc.init_layer("gru", D, H, 4, scheme=scheme, formulation=formulation, update_bias=ub)
    assert layer.formulation == formulation
    expected = base.b_ih.copy()
    expected[H : 2 * H] += sign * ub
    np.testing.assert_array_equal(layer.b_ih, expected)
    np.testing.assert_array_equal(layer.b_hh, base.b_hh)
    np.testing.assert_array_equal(layer.W_hh, base.W_hh)


@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_positive_update_bias_means_keep_more(formulation):
    """+update_bias always makes the GRU keep more of h_prev: with zero input and zero weights, the keep gate
    (z for pytorch, 1 - z for dlfs2) grows, i.e. h_1 moves towards h_0."""
    H1 = 3
    h0 = np.ones((1, H1))
    x = np.zeros((1, 1, 2))
    keeps = []
    for ub in (0.0, 2.0):
        layer = rc.init_layer("gru", 2, H1, 0, scheme="identity", scale=0.0, formulation=formulation, update_bias=ub)
        hs = rc.forward(layer, x, h0).hs
        keeps.append(hs[0, 0, 0])  # n = tanh(0) = 0, so h_1 = keep * h_0
    assert keeps[0] == pytest.approx(0.5)
    assert keeps[1] == pytest.approx(1 / (1 + np.exp(-2.0)))


@pytest.mark.parametrize("tmax", [3.0, 10.0, 784.0])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_lstm_chrono_init(scheme, tmax):
    layer = rc.init_layer("lstm", D, 64, 2, scheme=scheme, chrono_tmax=tmax)
    H64 = 64
    b_f = layer.b_ih[H64 : 2 * H64]
    b_i = layer.b_ih[:H64]
    assert np.all(b_f >= 0.0) and np.all(b_f <= np.log(tmax - 1))
    assert b_f.max() > 0.5 * np.log(tmax - 1)  # spread over the range, not a constant
    np.testing.assert_array_equal(b_i, -b_f)
    # the total bias of those gates is the chrono bias: b_hh slices are zeroed
    np.testing.assert_array_equal(layer.b_hh[: 2 * H64], 0.0)
    # other gates are the scheme's
    base = rc.init_layer("lstm", D, H64, 2, scheme=scheme)
    np.testing.assert_array_equal(layer.b_ih[2 * H64 :], base.b_ih[2 * H64 :])
    np.testing.assert_array_equal(layer.b_hh[2 * H64 :], base.b_hh[2 * H64 :])
    # deterministic per seed
    again = rc.init_layer("lstm", D, 64, 2, scheme=scheme, chrono_tmax=tmax)
    np.testing.assert_array_equal(again.b_ih, layer.b_ih)


@pytest.mark.parametrize("formulation,sign", [("pytorch", 1.0), ("dlfs2", -1.0)])
def test_gru_chrono_init_sets_keep_gate_bias(formulation, sign):
    tmax = 20.0
    layer = rc.init_layer("gru", D, 32, 1, chrono_tmax=tmax, formulation=formulation)
    b_keep = sign * layer.b_ih[32:64]
    assert np.all(b_keep >= 0.0) and np.all(b_keep <= np.log(tmax - 1))
    np.testing.assert_array_equal(layer.b_hh[32:64], 0.0)


def test_nonlinearity_and_formulation_are_passed_through():
    assert rc.init_layer("rnn", D, H, 0, nonlinearity="relu").nonlinearity == "relu"
    assert rc.init_layer("rnn", D, H, 0).nonlinearity == "tanh"
    assert rc.init_layer("gru", D, H, 0, formulation="dlfs2").formulation == "dlfs2"
    assert rc.init_layer("gru", D, H, 0).formulation == "pytorch"


def test_init_layer_round_trips_through_pytorch_state():
    for kind in KINDS:
        layer = rc.init_layer(kind, D, H, 8)
        state = rc.to_pytorch(layer)
        assert set(state) == set(STATE_KEYS)
        back = rc.to_pytorch(rc.from_pytorch(state))
        for key in STATE_KEYS:
            assert np.array_equal(back[key], state[key])
