"""Central finite differences in float64 against rc.bptt, entry by entry, for every kind and variant."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import STATE_KEYS, VARIANT_IDS, VARIANTS, loss, make_layer, problem, rel_err, rnn_preactivations

import recurrent_core as rc

EPS = 1e-6
TOL = 1e-6
SHAPES = [(4, 2, 3, 4), (1, 1, 3, 4)]  # (T, N, D, H)


def fd_grad(f, arr: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Central differences of scalar f with respect to every entry of arr (arr is not modified)."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        plus = arr.copy()
        plus[idx] += eps
        minus = arr.copy()
        minus[idx] -= eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def assert_close(analytic, numeric, what):
    assert analytic.shape == numeric.shape, what
    err = rel_err(analytic, numeric)
    assert err < TOL, f"{what}: relative error {err:.3e}\nanalytic={analytic}\nnumeric={numeric}"


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}N{}D{}H{}".format(*s))
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_param_grads_match_finite_differences(variant, shape):
    T, N, D, H = shape
    _, kind, option = variant
    layer, x, dhs, h0, c0, state = problem(variant, T, N, D, H, seed=11)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    assert set(trace.grads) == set(STATE_KEYS)
    for key in STATE_KEYS:

        def f(value, key=key):
            return loss(make_layer(kind, option, {**state, key: value}), x, dhs, h0, c0)

        numeric = fd_grad(f, state[key])
        assert np.linalg.norm(numeric) > 0, f"{key}: degenerate test, zero gradient"
        assert_close(trace.grads[key], numeric, key)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}N{}D{}H{}".format(*s))
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_input_and_initial_state_grads_match_finite_differences(variant, shape):
    T, N, D, H = shape
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=23)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    assert_close(trace.dx, fd_grad(lambda v: loss(layer, v, dhs, h0, c0), x), "dx")
    assert_close(trace.dh0, fd_grad(lambda v: loss(layer, x, dhs, v, c0), h0), "dh0")
    if kind == "lstm":
        assert_close(trace.dc0, fd_grad(lambda v: loss(layer, x, dhs, h0, v), c0), "dc0")
    else:
        assert trace.dc0 is None and trace.dc is None


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_grads_with_default_zero_initial_state(variant):
    """h0 = c0 = None means zeros; dh0 (and dc0) are still the gradient at that zero state."""
    T, N, D, H = 3, 2, 3, 4
    _, kind, option = variant
    layer, x, dhs, _, _, state = problem(variant, T, N, D, H, seed=5, with_h0=False)
    trace = rc.bptt(layer, x, dhs)
    zeros = np.zeros((N, H))
    if kind == "lstm":
        assert_close(trace.dh0, fd_grad(lambda v: loss(layer, x, dhs, v, zeros), zeros), "dh0")
        assert_close(trace.dc0, fd_grad(lambda v: loss(layer, x, dhs, zeros, v), zeros), "dc0")
    else:
        assert_close(trace.dh0, fd_grad(lambda v: loss(layer, x, dhs, v), zeros), "dh0")
    assert_close(trace.dx, fd_grad(lambda v: loss(layer, v, dhs), x), "dx")
    for key in STATE_KEYS:
        numeric = fd_grad(lambda v, key=key: loss(make_layer(kind, option, {**state, key: v}), x, dhs), state[key])
        assert_close(trace.grads[key], numeric, key)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_total_dh_at_every_step(variant):
    """trace.dh[t] is the total ∂L/∂h_t: dhs[t] plus the derivative of the rest of the sequence, run from h_t."""
    T, N, D, H = 4, 2, 3, 4
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=31)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    tape = rc.forward(layer, x, h0, c0)
    np.testing.assert_array_equal(trace.dh[T - 1], dhs[T - 1])
    np.testing.assert_array_equal(trace.hs, tape.hs)
    for t in range(T - 1):
        c_t = tape.cs[t] if kind == "lstm" else None

        def f(h, t=t, c_t=c_t):
            tail = rc.forward(layer, x[t + 1 :], h, c_t).hs
            return float(np.sum(dhs[t] * h) + np.sum(dhs[t + 1 :] * tail))

        assert_close(trace.dh[t], fd_grad(f, tape.hs[t]), f"dh[{t}]")


def test_lstm_total_dc_at_every_step():
    """trace.dc[t] is the total ∂L/∂c_t, through h_t = o_t ⊙ tanh(c_t) and through c_{t+1}."""
    T, N, D, H = 4, 2, 3, 4
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[2], T, N, D, H, seed=37)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    tape = rc.forward(layer, x, h0, c0)
    o = tape.gate("o")
    # the tape's o gate is consistent with the forward: h_t = o_t ⊙ tanh(c_t)
    np.testing.assert_allclose(tape.hs, o * np.tanh(tape.cs), rtol=1e-14, atol=1e-15)
    for t in range(T):

        def f(c, t=t):
            h = o[t] * np.tanh(c)
            total = float(np.sum(dhs[t] * h))
            if t + 1 < T:
                total += float(np.sum(dhs[t + 1 :] * rc.forward(layer, x[t + 1 :], h, c).hs))
            return total

        assert_close(trace.dc[t], fd_grad(f, tape.cs[t]), f"dc[{t}]")


def test_relu_problem_is_kink_free_and_partly_active():
    """Guard for the ReLU checks above: the chosen problems keep every pre-activation away from the kink."""
    for shape in SHAPES:
        for seed in (11, 23, 5, 31):
            layer, x, _, h0, _, _ = problem(VARIANTS[1], *shape, seed=seed)
            a = rnn_preactivations(layer, x, h0)
            assert np.min(np.abs(a)) > 1e-4
            assert np.any(a > 0)
