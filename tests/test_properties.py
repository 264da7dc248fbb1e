"""Hypothesis properties of rc.bptt over random shapes, kinds and seeds, and truncated BPTT."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import STATE_KEYS, VARIANT_IDS, VARIANTS, loss, make_layer, problem
from hypothesis import given, settings
from hypothesis import strategies as st

import recurrent_core as rc

SETTINGS = settings(max_examples=30, deadline=None)

shapes = st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(1, 4), st.integers(1, 5))  # T, N, D, H
variants = st.sampled_from(VARIANTS)
seeds = st.integers(0, 2**31 - 1)


def trace_fields(trace):
    fields = {"dh": trace.dh, "dx": trace.dx, "dh0": trace.dh0}
    if trace.dc is not None:
        fields.update(dc=trace.dc, dc0=trace.dc0)
    fields.update({f"grads[{k}]": v for k, v in trace.grads.items()})
    return fields


@SETTINGS
@given(variant=variants, shape=shapes, seed=seeds)
def test_directional_derivatives_match_finite_differences(variant, shape, seed):
    T, N, D, H = shape
    _, kind, option = variant
    layer, x, dhs, h0, c0, state = problem(variant, T, N, D, H, seed)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    rng = np.random.default_rng(seed + 1)
    eps = 1e-6

    def check(grad, base, f, what):
        V = rng.normal(size=base.shape)
        analytic = float(np.sum(grad * V))
        numeric = (f(base + eps * V) - f(base - eps * V)) / (2 * eps)
        # the central difference itself carries a rounding error of about 1e-16 · |L| / eps = 1e-10 · |L|
        rounding = 1e-4 * max(abs(f(base)), np.sum(np.abs(dhs)) * 1e-2)
        scale = max(abs(analytic), abs(numeric), 1e-3 * np.linalg.norm(grad) * np.linalg.norm(V), rounding, 1e-8)
        assert abs(analytic - numeric) <= 1e-6 * scale, (what, analytic, numeric)

    for key in STATE_KEYS:
        check(
            trace.grads[key],
            state[key],
            lambda v, key=key: loss(make_layer(kind, option, {**state, key: v}), x, dhs, h0, c0),
            key,
        )
    check(trace.dx, x, lambda v: loss(layer, v, dhs, h0, c0), "x")
    check(trace.dh0, h0, lambda v: loss(layer, x, dhs, v, c0), "h0")
    if kind == "lstm":
        check(trace.dc0, c0, lambda v: loss(layer, x, dhs, h0, v), "c0")


@SETTINGS
@given(variant=variants, shape=shapes, seed=seeds, with_h0=st.booleans())
def test_trace_field_shapes(variant, shape, seed, with_h0):
    T, N, D, H = shape
    _, kind, _option = variant
    layer, x, dhs, h0, c0, state = problem(variant, T, N, D, H, seed, with_h0=with_h0)
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    assert trace.kind == kind
    assert trace.hs.shape == trace.dh.shape == (T, N, H)
    assert trace.dx.shape == (T, N, D)
    assert trace.dh0.shape == (N, H)
    if kind == "lstm":
        assert trace.dc.shape == (T, N, H) and trace.dc0.shape == (N, H)
    else:
        assert trace.dc is None and trace.dc0 is None
    assert set(trace.grads) == set(STATE_KEYS)
    for key in STATE_KEYS:
        assert trace.grads[key].shape == state[key].shape
        assert trace.grads[key].dtype == np.float64
    for arr in trace_fields(trace).values():
        assert arr.dtype == np.float64 and np.all(np.isfinite(arr))
    np.testing.assert_array_equal(trace.dh[-1], dhs[-1])
    np.testing.assert_array_equal(trace.hs, rc.forward(layer, x, h0, c0).hs)


@SETTINGS
@given(variant=variants, shape=shapes, seed=seeds)
def test_backward_is_linear_in_dhs(variant, shape, seed):
    T, N, D, H = shape
    layer, x, dhs1, h0, c0, _ = problem(variant, T, N, D, H, seed)
    dhs2 = np.random.default_rng(seed + 2).normal(size=dhs1.shape)
    t1 = rc.bptt(layer, x, dhs1, h0=h0, c0=c0)
    t2 = rc.bptt(layer, x, dhs2, h0=h0, c0=c0)
    t12 = rc.bptt(layer, x, dhs1 + 2 * dhs2, h0=h0, c0=c0)
    np.testing.assert_array_equal(t12.hs, t1.hs)
    f1, f2, f12 = trace_fields(t1), trace_fields(t2), trace_fields(t12)
    assert f1.keys() == f12.keys()
    for name in f12:
        expected = f1[name] + 2 * f2[name]
        atol = 1e-12 * max(1.0, np.max(np.abs(expected)))
        np.testing.assert_allclose(f12[name], expected, rtol=1e-10, atol=atol, err_msg=name)


@SETTINGS
@given(variant=variants, shape=shapes, seed=seeds)
def test_bptt_is_deterministic_and_does_not_mutate_inputs(variant, shape, seed):
    T, N, D, H = shape
    layer, x, dhs, h0, c0, state = problem(variant, T, N, D, H, seed)
    before = [a.copy() for a in (x, dhs, h0, *state.values())]
    t1 = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    t2 = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    for a, b in zip(before, (x, dhs, h0, *state.values()), strict=False):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(t1.hs, t2.hs)
    for name, arr in trace_fields(t1).items():
        np.testing.assert_array_equal(arr, trace_fields(t2)[name], err_msg=name)


# ---------------------------------------------------------------------------------------------------------
# Truncated BPTT: blocks [0, k), [k, 2k), ...; no gradient flows from a block into the one before it.


def blockwise_reference(layer, x, dhs, h0, c0, k):
    """The truncated result built from separate full bptt runs, one per block, each started from its true state
    (the full forward's h and c at the block's start) with dhs restricted to the block."""
    T = x.shape[0]
    tape = rc.forward(layer, x, h0, c0)
    is_lstm = c0 is not None
    dh, dx = np.empty_like(dhs), np.empty_like(x)
    dc = np.empty_like(dhs) if is_lstm else None
    grads = {key: 0.0 for key in STATE_KEYS}
    hs = np.empty_like(dhs)
    for s in range(0, T, k):
        e = min(s + k, T)
        hs_in = h0 if s == 0 else tape.hs[s - 1]
        cs_in = (c0 if s == 0 else tape.cs[s - 1]) if is_lstm else None
        block = rc.bptt(layer, x[s:e], dhs[s:e], h0=hs_in, c0=cs_in)
        hs[s:e], dh[s:e], dx[s:e] = block.hs, block.dh, block.dx
        if is_lstm:
            dc[s:e] = block.dc
        for key in STATE_KEYS:
            grads[key] = grads[key] + block.grads[key]
    return hs, dh, dc, dx, grads


@SETTINGS
@given(variant=variants, shape=shapes, seed=seeds, k=st.integers(1, 7))
def test_truncated_bptt_equals_separate_block_runs(variant, shape, seed, k):
    T, N, D, H = shape
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed)
    if kind == "lstm" and c0 is None:
        c0 = np.zeros((N, H))
    trace = rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=k)
    hs, dh, dc, dx, grads = blockwise_reference(layer, x, dhs, h0, c0, k)
    np.testing.assert_allclose(trace.hs, hs, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(trace.dh, dh, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(trace.dx, dx, rtol=1e-10, atol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(trace.dc, dc, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(trace.dc0, np.zeros((N, H)))
    for key in STATE_KEYS:
        np.testing.assert_allclose(trace.grads[key], grads[key], rtol=1e-10, atol=1e-12, err_msg=key)
    # the cut at t = 0 means nothing reaches the initial state
    np.testing.assert_array_equal(trace.dh0, np.zeros((N, H)))


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_truncate_at_least_T_is_full_bptt_except_initial_state(variant):
    T, N, D, H = 5, 2, 3, 4
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=3)
    full = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    assert np.linalg.norm(full.dh0) > 0
    for k in (T, T + 1, 1000):
        tr = rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=k)
        np.testing.assert_array_equal(tr.hs, full.hs)
        np.testing.assert_array_equal(tr.dh, full.dh)
        np.testing.assert_array_equal(tr.dx, full.dx)
        for key in STATE_KEYS:
            np.testing.assert_array_equal(tr.grads[key], full.grads[key])
        np.testing.assert_array_equal(tr.dh0, np.zeros((N, H)))
        if kind == "lstm":
            np.testing.assert_array_equal(tr.dc, full.dc)
            np.testing.assert_array_equal(tr.dc0, np.zeros((N, H)))
    # numpy integers are whole numbers too
    tr = rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=np.int64(T))
    np.testing.assert_array_equal(tr.dh, full.dh)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_truncate_one_gives_dh_equal_to_dhs(variant):
    T, N, D, H = 5, 2, 3, 4
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=4)
    tr = rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=1)
    np.testing.assert_array_equal(tr.dh, dhs)
    assert not np.array_equal(rc.bptt(layer, x, dhs, h0=h0, c0=c0).dh, dhs)
    if kind == "lstm":  # no cell-path flow either: dc_t is only the direct term through h_t
        tape = rc.forward(layer, x, h0, c0)
        np.testing.assert_allclose(tr.dc, dhs * tape.gate("o") * (1 - np.tanh(tape.cs) ** 2), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_truncate_last_block_matches_full_and_earlier_blocks_differ(variant, k):
    T, N, D, H = 7, 2, 3, 4
    _, kind, _ = variant
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=9)
    full = rc.bptt(layer, x, dhs, h0=h0, c0=c0)
    tr = rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=k)
    last = ((T - 1) // k) * k  # first step of the last block
    np.testing.assert_array_equal(tr.dh[last:], full.dh[last:])
    np.testing.assert_array_equal(tr.dx[last:], full.dx[last:])
    if kind == "lstm":
        np.testing.assert_array_equal(tr.dc[last:], full.dc[last:])
    # the step just before a boundary loses the flow from the next block
    assert not np.allclose(tr.dh[last - 1], full.dh[last - 1])
    np.testing.assert_array_equal(tr.dh[last - 1], rc.bptt(layer, x[:last], dhs[:last], h0=h0, c0=c0).dh[last - 1])
