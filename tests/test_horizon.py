"""The gradient horizon ‖∂L_s/∂h_t‖ and the connectivity ‖∂h_s/∂x_t‖ (recurrent_core/horizon.py) against PyTorch
autograd in float64 (nn.RNN tanh/relu, nn.LSTM, nn.GRU run step by step with the layer's weights from
rc.to_pytorch; a hand-written torch GRU for the book's formulation), the sum identity Σ_s ∂L_s/∂h_t = rc.bptt's
dh, the log domain against rc.flow_norms, edge cases, bad input, the budget cut, and the chart builder."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from helpers import VARIANT_IDS, VARIANTS, problem  # noqa: E402

import recurrent_core as rc  # noqa: E402
from charts import table_csv  # noqa: E402
from charts.horizon import cut_note, horizon_figure, horizon_frame  # noqa: E402
from recurrent_core.analysis import horizon as hz  # noqa: E402

TOL = 1e-9
SHAPES = [(1, 1, 3, 4), (6, 3, 4, 5)]  # (T, N, D, H)
SHAPE_IDS = ["T{}N{}D{}H{}".format(*s) for s in SHAPES]
HORIZON_METHODS = ("direct", "jacobian")
CONNECTIVITY_METHODS = ("forward", "backward")


# ------------------------------------------------------------------------------------------ torch reference
def t64(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def torch_steps(layer, x, h0, c0, explicit_cell=False):
    """A step function (x_t (N, D), state) -> state running the torch module of ``layer`` (weights from
    rc.to_pytorch) for one step; the book's GRU, which PyTorch lacks, written out in torch ops, and so is the
    LSTM with ``explicit_cell`` (nn.LSTM returns c_t from a fused op, so autograd cannot see h_t = o tanh c_t)."""
    kind, D, H = layer.kind, layer.D, layer.H
    if explicit_cell:
        W_ih, W_hh, b_ih, b_hh = (t64(a) for a in (layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh))

        def lstm_cell(xt, hc):
            a = xt @ W_ih.T + b_ih + hc[0] @ W_hh.T + b_hh
            i, f, g, o = (a[:, j * H : (j + 1) * H] for j in range(4))
            c = torch.sigmoid(f) * hc[1] + torch.sigmoid(i) * torch.tanh(g)
            return (torch.sigmoid(o) * torch.tanh(c), c)

        return lstm_cell
    if kind == "gru" and layer.formulation == "dlfs2":  # rc.to_pytorch refuses it: nn.GRU is another function
        W_ih, W_hh, b_ih, b_hh = (t64(a) for a in (layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh))

        def book_gru(xt, hc):
            h = hc[0]
            gi = xt @ W_ih.T + b_ih
            r = torch.sigmoid(gi[:, :H] + h @ W_hh[:H].T + b_hh[:H])
            z = torch.sigmoid(gi[:, H : 2 * H] + h @ W_hh[H : 2 * H].T + b_hh[H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + (r * h) @ W_hh[2 * H :].T + b_hh[2 * H :])
            return ((1 - z) * h + z * n, None)

        return book_gru
    state = {k: torch.from_numpy(np.array(v)) for k, v in rc.to_pytorch(layer).items()}
    if kind == "rnn":
        mod = torch.nn.RNN(D, H, nonlinearity=layer.nonlinearity)
    elif kind == "lstm":
        mod = torch.nn.LSTM(D, H)
    else:
        mod = torch.nn.GRU(D, H)
    mod = mod.double()
    mod.load_state_dict(state, strict=True)

    def module_step(xt, hc):
        h, c = hc
        if kind == "lstm":
            _, (h1, c1) = mod(xt[None], (h[None], c[None]))
            return (h1[0], c1[0])
        _, h1 = mod(xt[None], h[None])
        return (h1[0], None)

    return module_step


def torch_unroll(layer, x, h0, c0, x_requires_grad=False, explicit_cell=False):
    """Leaves h_0 (and c_0), inputs x_t, and the list of states (h_t, c_t), t = 0 … T."""
    T, N, _ = x.shape
    H = layer.H
    step = torch_steps(layer, x, h0, c0, explicit_cell)
    h = t64(np.zeros((N, H)) if h0 is None else h0).requires_grad_(True)
    c = t64(np.zeros((N, H)) if c0 is None else c0).requires_grad_(True) if layer.kind == "lstm" else None
    xs = [t64(x[t]).requires_grad_(x_requires_grad) for t in range(T)]
    states = [(h, c)]
    for t in range(T):
        states.append(step(xs[t], states[-1]))
    return xs, states


def combine(per_sample, norm):
    """Per-sample norms (..., N) -> one, as the app's norms: l2 (Frobenius), book (÷ N), mean."""
    if norm == "mean":
        return per_sample.mean(axis=-1)
    l2 = np.sqrt((per_sample**2).sum(axis=-1))
    return l2 / per_sample.shape[-1] if norm == "book" else l2


def torch_horizon(layer, x, dhs, h0, c0, norm="l2", cell=False):
    """‖∂L_s/∂h_t‖ (or ‖∂L_s/∂c_t‖) by autograd: one torch.autograd.grad per loss step s, rows s = 1 … T,
    columns t = 0 … T, NaN for t > s."""
    T, N, _ = x.shape
    _, states = torch_unroll(layer, x, h0, c0, explicit_cell=cell)
    out = np.full((T, T + 1), np.nan)
    for s in range(1, T + 1):
        L_s = (t64(dhs[s - 1]) * states[s][0]).sum()
        targets = [states[t][1 if cell else 0] for t in range(s + 1)]
        grads = torch.autograd.grad(L_s, targets, allow_unused=True, retain_graph=True)
        for t, g in enumerate(grads):
            g = np.zeros((N, layer.H)) if g is None else g.numpy()
            out[s - 1, t] = combine(np.sqrt((g**2).sum(axis=1)), norm)
    return out


def torch_connectivity(layer, x, h0, c0, norm="l2"):
    """‖∂h_s/∂x_t‖_F by autograd: the full Jacobian of every h_s with respect to every x_t, per sample."""
    T, N, _ = x.shape
    xs, states = torch_unroll(layer, x, h0, c0, x_requires_grad=True)
    out = np.full((T, T), np.nan)
    for s in range(1, T + 1):
        sq = np.zeros((s, N))
        for n in range(N):
            for k in range(layer.H):
                grads = torch.autograd.grad(states[s][0][n, k], xs[:s], allow_unused=True, retain_graph=True)
                for t, g in enumerate(grads):
                    if g is not None:
                        sq[t, n] += float((g[n] ** 2).sum())
        out[s - 1, :s] = combine(np.sqrt(sq), norm)
    return out


def assert_map_equal(ours, ref, what):
    """Same NaN (t > s) pattern, same zeros, and the rest within TOL relative."""
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), f"{what}: NaN pattern differs"
    defined = ~np.isnan(ref)
    zero = defined & (ref == 0)
    assert np.all(np.isneginf(ours[zero])), f"{what}: exact zeros must be -inf"
    live = defined & (ref > 0)
    err = np.max(np.abs(10.0 ** ours[live] / ref[live] - 1.0)) if live.any() else 0.0
    assert err < TOL, f"{what}: relative error {err:.3e}"


# -------------------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_horizon_equals_torch(variant, shape):
    layer, x, dhs, h0, c0, _ = problem(variant, *shape, seed=11)
    ref = torch_horizon(layer, x, dhs, h0, c0)
    for method in HORIZON_METHODS:
        m = hz.gradient_horizon(layer, x, dhs, h0, c0, method=method)
        assert m.what == "horizon" and m.method == method and not m.cut
        np.testing.assert_array_equal(m.s, np.arange(1, shape[0] + 1))
        np.testing.assert_array_equal(m.t, np.arange(0, shape[0] + 1))
        assert_map_equal(m.log10, ref, f"{variant[0]} {method}")


@pytest.mark.parametrize("norm", ["book", "mean"])
@pytest.mark.parametrize("variant", [VARIANTS[0], VARIANTS[2]], ids=[VARIANT_IDS[0], VARIANT_IDS[2]])
def test_horizon_norms_over_the_batch_equal_torch(variant, norm):
    layer, x, dhs, h0, c0, _ = problem(variant, 5, 4, 3, 4, seed=5)
    ref = torch_horizon(layer, x, dhs, h0, c0, norm=norm)
    assert_map_equal(hz.gradient_horizon(layer, x, dhs, h0, c0, norm=norm).log10, ref, norm)


@pytest.mark.parametrize("method", HORIZON_METHODS)
def test_lstm_cell_horizon_equals_torch(method):
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[2], 6, 2, 3, 4, seed=3)
    m = hz.gradient_horizon(layer, x, dhs, h0, c0, cell=True, method=method)
    assert m.what == "horizon_c"
    assert_map_equal(m.log10, torch_horizon(layer, x, dhs, h0, c0, cell=True), f"cell {method}")


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_connectivity_equals_torch(variant, shape):
    layer, x, _, h0, c0, _ = problem(variant, *shape, seed=17)
    ref = torch_connectivity(layer, x, h0, c0)
    for method in CONNECTIVITY_METHODS:
        m = hz.connectivity(layer, x, h0, c0, method=method)
        assert m.what == "connectivity" and m.method == method
        np.testing.assert_array_equal(m.s, np.arange(1, shape[0] + 1))
        np.testing.assert_array_equal(m.t, np.arange(1, shape[0] + 1))
        assert_map_equal(m.log10, ref, f"{variant[0]} {method}")


def test_connectivity_mean_norm_equals_torch():
    layer, x, _, h0, c0, _ = problem(VARIANTS[3], 4, 3, 2, 3, seed=2)
    ref = torch_connectivity(layer, x, h0, c0, norm="mean")
    assert_map_equal(hz.connectivity(layer, x, h0, c0, norm="mean").log10, ref, "mean")


# ------------------------------------------------------------------------------------------ sum identity
@pytest.mark.parametrize("truncate", [None, 2])
@pytest.mark.parametrize("method", HORIZON_METHODS)
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_terms_sum_to_bptt_total(variant, method, truncate):
    """Σ_s ∂L_s/∂h_t is rc.bptt's total ∂L/∂h_t (and ∂L/∂h_0), with truncated BPTT too."""
    layer, x, dhs, h0, c0, _ = problem(variant, 7, 3, 4, 5, seed=23)
    G = hz.horizon_vectors(layer, x, dhs, h0, c0, truncate=truncate, method=method)
    assert G.shape == (7, 8, 3, 5)
    trace = rc.bptt(layer, x, dhs, h0, c0, truncate=truncate)
    np.testing.assert_allclose(G.sum(axis=0)[1:], trace.dh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(G.sum(axis=0)[0], trace.dh0, rtol=1e-12, atol=1e-14)
    for s in range(1, 8):  # nothing reaches a state after the loss
        assert not G[s - 1, s + 1 :].any()
    assert hz.horizon_sum_error(layer, x, dhs, h0, c0, truncate=truncate, method=method) < 1e-13


def test_truncation_cuts_the_map_at_block_edges():
    """With truncate=k, ∂L_s/∂h_t is exactly 0 where a block edge lies between t and s, as in rc.bptt."""
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[0], 9, 2, 3, 4, seed=1)
    m = hz.gradient_horizon(layer, x, dhs, h0, c0, truncate=3)
    for s in range(1, 10):
        for t in range(0, s + 1):
            # step i (making h_{i+1}) passes nothing into h_i when i % 3 == 0: from s back to t crosses i = t … s-1
            cut = any(i % 3 == 0 for i in range(t, s))
            assert np.isneginf(m.log10[s - 1, t]) == cut, (s, t)


# ---------------------------------------------------------------------------------------------- edge cases
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_one_step(variant):
    layer, x, dhs, h0, c0, _ = problem(variant, 1, 2, 3, 4, seed=4)
    h = hz.gradient_horizon(layer, x, dhs, h0, c0)
    c = hz.connectivity(layer, x, h0, c0)
    assert h.log10.shape == (1, 2) and c.log10.shape == (1, 1)
    assert h.log10[0, 1] == pytest.approx(np.log10(np.linalg.norm(dhs[0])), abs=1e-14)  # ∂L_1/∂h_1 = dhs itself
    assert_map_equal(h.log10, torch_horizon(layer, x, dhs, h0, c0), "T=1")


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_zero_input(variant):
    layer, x, dhs, _, _, _ = problem(variant, 5, 2, 3, 4, seed=6, with_h0=False)
    x = np.zeros_like(x)
    assert_map_equal(hz.gradient_horizon(layer, x, dhs).log10, torch_horizon(layer, x, dhs, None, None), "x=0")
    assert_map_equal(hz.connectivity(layer, x).log10, torch_connectivity(layer, x, None, None), "x=0")
    # no loss at all: every defined cell is an exact 0
    m = hz.gradient_horizon(layer, x, np.zeros_like(dhs))
    defined = ~np.isnan(m.log10)
    assert defined.sum() == 5 * 6 // 2 + 5 and np.all(np.isneginf(m.log10[defined]))


def test_dead_relu_gives_exact_zeros_as_minus_inf():
    """Biases far below 0: every ReLU unit is dead, relu' = 0, so nothing passes a step: ∂L_s/∂h_t = 0 for t < s
    (-inf, no NaN, no warning) while ∂L_s/∂h_s = dhs[s]; and every ∂h_s/∂x_t = 0."""
    _, x, dhs, _, _, state = problem(VARIANTS[1], 6, 2, 3, 4, seed=8, with_h0=False)
    dead = rc.RNNLayer(state["weight_ih_l0"] * 0.01, state["weight_hh_l0"], np.full(4, -50.0), np.zeros(4),
                       nonlinearity="relu")  # fmt: skip
    with np.errstate(all="raise"):
        m = hz.gradient_horizon(dead, x, dhs)
        c = hz.connectivity(dead, x)
    for s in range(1, 7):
        assert m.log10[s - 1, s] == pytest.approx(np.log10(np.linalg.norm(dhs[s - 1])), abs=1e-14)
        assert np.all(np.isneginf(m.log10[s - 1, :s]))
        assert np.all(np.isneginf(c.log10[s - 1, :s]))
    assert_map_equal(m.log10, torch_horizon(dead, x, dhs, None, None), "dead relu")


def test_log_domain_past_float64():
    """A vanishing tanh RNN at T = 700: ∂L_T/∂h_t falls far below float64's smallest number, yet the map's last
    row equals the app's log-domain curve rc.flow_norms (loss at the last step only) to 1e-9 decades."""
    T, N, H = 700, 2, 8
    layer = rc.init_layer("rnn", 3, H, seed=0, scheme="orthogonal", spectral_radius=0.3)
    x = np.random.default_rng(0).normal(size=(T, N, 3))
    dhs = np.ones((T, N, H))
    m = hz.gradient_horizon(layer, x, dhs, budget=1e12)
    assert not m.cut
    last = np.zeros_like(dhs)
    last[-1] = 1.0
    flow = rc.flow_norms(layer, x, last)
    curve = rc.aggregate(np.concatenate([flow.log10_dh0[None], flow.log10_dh]), "l2")
    assert curve[0] < -320  # past float64 (its smallest subnormal is 4.9e-324)
    np.testing.assert_allclose(m.log10[-1], curve, rtol=0, atol=1e-9)
    assert np.all(np.isfinite(m.log10[~np.isnan(m.log10)]))


@pytest.mark.parametrize("method", HORIZON_METHODS)
def test_log_domain_past_float64_max(method):
    """An RNN kept in tanh's linear range (inputs 1e-300, ρ(W_hh) = 3) with a loss weighted 1e20: ∂L_T/∂h_0 is
    about 10^316, which plain float64 BPTT cannot hold; the map's last row still equals rc.flow_norms."""
    rng = np.random.default_rng(0)
    T, H, D = 620, 8, 3
    Q, _ = np.linalg.qr(rng.normal(size=(H, H)))
    layer = rc.RNNLayer(rng.normal(size=(H, D)), 3.0 * Q, np.zeros(H), np.zeros(H))
    x = rng.normal(size=(T, 1, D)) * 1e-300
    last = np.zeros((T, 1, H))
    last[-1] = 1e20
    assert not np.isfinite(rc.bptt(layer, x, last).dh0).all()
    flow = rc.flow_norms(layer, x, last)
    curve = rc.aggregate(np.concatenate([flow.log10_dh0[None], flow.log10_dh]), "l2")
    m = hz.gradient_horizon(layer, x, np.full((T, 1, H), 1e20), method=method, budget=1e12)
    assert np.nanmax(m.log10) > 316
    np.testing.assert_allclose(m.log10[-1], curve, rtol=0, atol=1e-9)


def test_chaotic_run_follows_the_same_forward_pass():
    """A chaotic tanh RNN (gaussian W_hh, scale 4, T = 400, N = 1): a second forward pass whose rounding differs
    by an ulp (a tiled pass of many rows: another BLAS path than one row's) follows another trajectory, and its
    map was off by 2-6 decades; the maps are taken at the states of the one forward pass the app's curves use,
    so the last row equals rc.flow_norms at every step."""
    T, N, H = 400, 1, 16
    layer = rc.init_layer("rnn", 3, H, seed=0, scheme="gaussian", scale=4.0)
    x = np.random.default_rng(0).normal(size=(T, N, 3)) * 0.1
    last = np.zeros((T, N, H))
    last[-1] = 1.0
    flow = rc.flow_norms(layer, x, last)
    curve = rc.aggregate(np.concatenate([flow.log10_dh0[None], flow.log10_dh]), "l2")
    for method in HORIZON_METHODS:
        m = hz.gradient_horizon(layer, x, np.ones((T, N, H)), method=method, budget=1e12)
        np.testing.assert_allclose(m.log10[-1], curve, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda L, x, d: hz.gradient_horizon(L, x[:, :, :2], d), "x: expected shape"),
        (lambda L, x, d: hz.gradient_horizon(L, x[0], d), "x: expected shape"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d[:, :, :2]), "dhs: expected shape"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d[:-1]), "dhs: expected shape"),
        (lambda L, x, d: hz.gradient_horizon(L, np.full_like(x, np.nan), d), "x: contains NaN or inf"),
        (lambda L, x, d: hz.gradient_horizon(L, "abc", d), "x: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, np.zeros((5, 5))), "h0"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, norm="max"), "norm: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, budget=0), "budget: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, budget=float("nan")), "budget: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, max_bytes=-1), "max_bytes: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, truncate=0), "truncate: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, cell=True), "cell: only an LSTM"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, method="forward"), "method: expected"),
        (lambda L, x, d: hz.connectivity(L, x, method="direct"), "method: expected"),
        (lambda L, x, d: hz.connectivity(L, x[:, :, :1]), "x: expected shape"),
        (lambda L, x, d: hz.gradient_horizon("rnn", x, d), "layer: expected"),
        (lambda L, x, d: hz.horizon_vectors(L, x, d, max_bytes=10), "over max_bytes"),
        (lambda L, x, d: hz.horizon_vectors(L, x, d, truncate=0), "truncate: expected"),
        (lambda L, x, d: hz.horizon_vectors(L, x, d, method="forward"), "method: expected"),
        (lambda L, x, d: hz.gradient_horizon(L, x.astype(complex), d), "x: expected a real floating-point array"),
        (lambda L, x, d: hz.gradient_horizon(L, x, d, np.zeros((2, 4)), np.zeros((2, 4))), "c0"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    layer, x, dhs, _, _, _ = problem(VARIANTS[3], 4, 2, 3, 4, seed=0, with_h0=False)
    with pytest.raises(ValueError, match=message):
        call(layer, x, dhs)


def test_a_stack_is_refused_with_a_way_out():
    stack = rc.init_stack("lstm", 3, 4, num_layers=2, bidirectional=False, seed=0)
    x = np.zeros((4, 1, 3))
    with pytest.raises(ValueError, match=r"single layer.*stack\.layer\(0"):
        hz.gradient_horizon(stack, x, np.ones((4, 1, 4)))
    with pytest.raises(ValueError, match="single layer"):
        hz.connectivity(stack, x)


# ------------------------------------------------------------------------------------------------- budget
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_app_defaults_are_not_cut(kind):
    """T = 50, H = 32, N = 1, D = 8 (the app's defaults) fit the default budget whole."""
    layer = rc.init_layer(kind, 8, 32, seed=0)
    x = np.random.default_rng(0).normal(size=(50, 1, 8))
    m = hz.gradient_horizon(layer, x, np.ones((50, 1, 32)))
    c = hz.connectivity(layer, x)
    assert not m.cut and not c.cut and m.ops <= hz.DEFAULT_BUDGET and c.ops <= hz.DEFAULT_BUDGET


@pytest.mark.parametrize("method", HORIZON_METHODS)
def test_budget_keeps_the_last_steps_exactly(method):
    """Over budget: the last T' steps are computed (the forward pass still runs over all T), and they are exactly
    the lower-right corner of the whole map; the cut is reported."""
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[2], 40, 2, 3, 4, seed=9)
    whole = hz.gradient_horizon(layer, x, dhs, h0, c0, method=method, budget=1e12)
    budget = hz.cost("horizon", layer, 25, 2, method, 40)[0]
    part = hz.gradient_horizon(layer, x, dhs, h0, c0, method=method, budget=budget)
    assert part.cut and part.T == 40 and part.T_kept == 25 and part.N_kept == 2 and part.t0 == 15
    assert part.ops <= budget
    np.testing.assert_array_equal(part.s, np.arange(16, 41))
    np.testing.assert_array_equal(part.t, np.arange(15, 41))
    np.testing.assert_allclose(part.log10, whole.log10[15:, 15:], rtol=0, atol=1e-12)
    conn_whole = hz.connectivity(layer, x, h0, c0, budget=1e12)
    conn = hz.connectivity(layer, x, h0, c0, budget=hz.cost("connectivity", layer, 25, 2, "forward", 40)[0])
    assert conn.T_kept == 25 and conn.method == "forward"
    np.testing.assert_allclose(conn.log10, conn_whole.log10[15:, 15:], rtol=0, atol=1e-12)


def test_budget_cuts_the_batch_before_going_below_twenty_steps():
    layer, x, dhs, _, _, _ = problem(VARIANTS[0], 60, 8, 3, 4, seed=2, with_h0=False)
    budget = hz.cost("horizon", layer, hz.MIN_T, 3, "direct", 60)[0]
    m = hz.gradient_horizon(layer, x, dhs, method="direct", budget=budget)
    assert m.T_kept >= hz.MIN_T and m.N_kept == 3 and m.N == 8 and m.cut
    whole = hz.gradient_horizon(layer, x[:, :3], dhs[:, :3], method="direct", budget=1e12)
    np.testing.assert_allclose(m.log10, whole.log10[-m.T_kept :, -m.T_kept - 1 :], rtol=0, atol=1e-12)
    tiny = hz.gradient_horizon(layer, x, dhs, budget=1.0)  # always something: at least one step of one sample
    assert tiny.T_kept >= 1 and tiny.N_kept == 1 and tiny.log10.shape == (tiny.T_kept, tiny.T_kept + 1)


def test_memory_bound_cuts_too():
    layer, x, dhs, _, _, _ = problem(VARIANTS[0], 60, 1, 3, 4, seed=2, with_h0=False)
    nbytes = hz.cost("horizon", layer, 30, 1, "direct", 60)[1]
    m = hz.gradient_horizon(layer, x, dhs, method="direct", max_bytes=nbytes)
    assert m.cut and m.T_kept == 30


def test_reach_counts_steps_back_above_a_thousandth():
    logs = np.array([[0.0, np.nan, np.nan, np.nan], [-2.0, 0.0, np.nan, np.nan], [-5.0, -1.0, 1.0, np.nan]])
    m = hz.HorizonMap("connectivity", "rnn", logs[:, :3], np.arange(1, 4), np.arange(1, 4), "l2", 3, 1, 3, 1, 0, 1)
    np.testing.assert_array_equal(hz.horizon_reach(m), [0, 1, 1])  # row 3: -1 is within 3 decades of 1, -5 not
    np.testing.assert_array_equal(hz.horizon_reach(m, decades=6.0), [0, 1, 2])
    dead = replace(m, log10=np.where(np.isnan(m.log10), np.nan, -np.inf))
    np.testing.assert_array_equal(hz.horizon_reach(dead), [0, 0, 0])


def test_reach_of_an_opened_lstm_exceeds_a_vanishing_rnn():
    """The page's claim in numbers: at the app's defaults (loss at every step), the last loss of an LSTM with its
    forget gate opened (+3) reaches further back than the tanh RNN's."""
    x = np.random.default_rng(0).normal(size=(50, 1, 8))
    dhs = np.ones((50, 1, 32))
    rnn = hz.horizon_reach(hz.gradient_horizon(rc.init_layer("rnn", 8, 32, seed=0), x, dhs))
    lstm = hz.horizon_reach(hz.gradient_horizon(rc.init_layer("lstm", 8, 32, seed=0, forget_bias=3.0), x, dhs))
    assert lstm[-1] > rnn[-1]


# -------------------------------------------------------------------------------------------------- chart
def small_map():
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[2], 6, 2, 3, 4, seed=1)
    return hz.gradient_horizon(layer, x, dhs, h0, c0)


def test_frame_has_one_row_per_defined_cell():
    m = small_map()
    df = horizon_frame(m)
    assert list(df.columns) == ["s", "t", "back", "log10_norm"]
    assert len(df) == 6 * 7 // 2 + 6  # t = 0 … s for s = 1 … 6
    assert (df["t"] <= df["s"]).all() and (df["back"] == df["s"] - df["t"]).all()
    row = df[(df["s"] == 4) & (df["t"] == 2)].iloc[0]
    assert row["log10_norm"] == m.log10[3, 2]


def test_csv_writes_zero_and_leaves_unrepresentable_norms_empty():
    m = small_map()
    logs = m.log10.copy()
    logs[5, 0], logs[5, 1] = -np.inf, 500.0
    data = pd.read_csv(io.BytesIO(table_csv(horizon_frame(replace(m, log10=logs)))), comment="#", encoding="utf-8-sig")
    assert list(data.columns) == ["s", "t", "back", "log10_norm", "norm"]
    last = data[data["s"] == 6].set_index("t")["norm"]
    assert last[0] == 0.0 and np.isnan(last[1])
    assert last[6] == pytest.approx(np.linalg.norm(problem(VARIANTS[2], 6, 2, 3, 4, seed=1)[2][5]), rel=1e-12)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_figure_is_one_heatmap_with_a_power_of_ten_colour_bar(lang):
    m = small_map()
    fig = horizon_figure(m, lang=lang, title="title")
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    tr = fig.data[0]
    np.testing.assert_array_equal(tr.x, m.t)
    np.testing.assert_array_equal(tr.y, m.s)
    z = np.array(tr.z, dtype=float)
    assert z.shape == (6, 7)
    assert np.isnan(z[0, 2])  # t > s: blank
    assert all(text.startswith("10") for text in tr.colorbar.ticktext)
    assert tr.zmin <= np.nanmin(z) and tr.zmax >= np.nanmax(z)
    x_title, y_title = fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    if lang == "ko":
        assert "시각" in x_title and "손실" in y_title
    else:
        assert "time step t" in x_title and "loss" in y_title
    assert fig.layout.title.text.startswith("title")


def test_figure_marks_zeros_and_the_cut():
    m = small_map()
    logs = m.log10.copy()
    logs[5, 0] = -np.inf
    cut = replace(m, log10=logs, T=100, T_kept=6)
    fig = horizon_figure(cut, lang="en", title="t")
    tr = fig.data[0]
    assert np.isnan(np.array(tr.z, dtype=float)[5, 0]) and tr.text[5][0] == "0"
    assert "100" in fig.layout.title.text and "6" in fig.layout.title.text
    ko = horizon_figure(cut, lang="ko", title="t")
    assert "100" in ko.layout.title.text and "시각" in ko.layout.title.text


def test_cut_note_names_the_first_column_drawn():
    layer, x, dhs, _, _, _ = problem(VARIANTS[0], 40, 1, 3, 4, seed=1, with_h0=False)
    h = hz.gradient_horizon(layer, x, dhs, method="direct", budget=hz.cost("horizon", layer, 25, 1, "direct", 40)[0])
    c = hz.connectivity(layer, x, method="forward", budget=hz.cost("connectivity", layer, 25, 1, "forward", 40)[0])
    assert cut_note(h, "en") == "T cut from 40 to 25: the last 25 steps (t = 15 … 40) (compute budget)"
    assert cut_note(c, "en") == "T cut from 40 to 25: the last 25 steps (t = 16 … 40) (compute budget)"
    assert cut_note(h, "ko") == "T = 40 중 마지막 25개 시각만 계산 (t = 15 … 40) (계산량 한도)"


def test_connectivity_figure_axes():
    layer, x, _, h0, c0, _ = problem(VARIANTS[0], 5, 1, 3, 4, seed=1)
    fig = horizon_figure(hz.connectivity(layer, x, h0, c0), lang="en", title="c")
    assert "x_t" in fig.layout.xaxis.title.text and "h_s" in fig.layout.yaxis.title.text
    assert "∂h_s/∂x_t" in fig.data[0].colorbar.title.text


def test_cut_note_in_both_languages():
    m = small_map()
    assert cut_note(m, "en") == "" and cut_note(m, "ko") == ""
    cut = replace(m, T=1000, T_kept=200, N=64, N_kept=8)
    assert cut_note(cut, "en").startswith("T cut from 1000 to 200") and "N cut from 64 to 8" in cut_note(cut, "en")
    assert "T = 1000 중 마지막 200개 시각" in cut_note(cut, "ko") and "N = 64 중 처음 8개" in cut_note(cut, "ko")


def test_a_long_map_is_drawn_every_kth_step_with_the_loss_kept():
    T = 900
    logs = np.full((T, T + 1), np.nan)
    for s in range(1, T + 1):
        logs[s - 1, : s + 1] = -0.01 * (s - np.arange(s + 1))
    m = hz.HorizonMap("horizon", "rnn", logs, np.arange(1, T + 1), np.arange(0, T + 1), "l2", T, 1, T, 1, 0, 1)
    fig = horizon_figure(m, lang="en", title="long")
    tr = fig.data[0]
    assert len(tr.x) <= 400 and len(tr.y) <= 400
    assert tr.x[-1] == T and tr.y[-1] == T  # the loss's own row and column are drawn
    assert "one step in 3 shown" in fig.layout.title.text
    assert "3 시각마다 하나씩 표시" in horizon_figure(m, lang="ko", title="long").layout.title.text
    assert tr.text is None  # too many cells for a text each: the hover shows the log10 value


# ------------------------------------------------------------------------------------- shared work, same maps
MAP_FIELDS = ("what", "kind", "norm", "T", "N", "T_kept", "N_kept", "ops", "budget", "method")


def assert_same_map(a, b):
    """Bit for bit: every field, and log10 with its NaN and -inf in the same places."""
    assert [getattr(a, f) for f in MAP_FIELDS] == [getattr(b, f) for f in MAP_FIELDS]
    for name in ("log10", "s", "t"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name


def separate_maps(layer, x, dhs, h0, c0, **kw):
    """What horizon_maps must return: each map from its own public call."""
    conn_kw = {k: v for k, v in kw.items() if k in ("norm", "budget", "max_bytes")}
    conn_kw["method"] = kw.pop("connectivity_method", None)
    maps = {"horizon": hz.gradient_horizon(layer, x, dhs, h0, c0, **kw)}
    if layer.HAS_CELL:
        maps["horizon_c"] = hz.gradient_horizon(layer, x, dhs, h0, c0, cell=True, **kw)
    maps["connectivity"] = hz.connectivity(layer, x, h0, c0, **conn_kw)
    return maps


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("method", [None, *HORIZON_METHODS])
def test_horizon_maps_equal_the_separate_calls_bit_for_bit(variant, method):
    """One forward pass per kept batch and one sweep for an LSTM's two horizons change no number: whole, cut in
    T and N, truncated, either connectivity method."""
    layer, x, dhs, h0, c0, _ = problem(variant, 30, 4, 3, 5, seed=17)
    cut_t = hz.cost("horizon", layer, 22, 4, method or "direct", 30)[0]
    cut_n = hz.cost("horizon", layer, hz.MIN_T, 2, method or "direct", 30)[0]
    for budget, truncate, conn, norm in (
        (1e12, None, None, "l2"),
        (cut_t, 6, "backward", "mean"),
        (cut_n, None, "forward", "book"),
    ):
        kw = dict(norm=norm, truncate=truncate, method=method, budget=budget, connectivity_method=conn)
        maps = hz.horizon_maps(layer, x, dhs, h0, c0, **kw)
        expected = separate_maps(layer, x, dhs, h0, c0, **kw)
        assert maps.keys() == expected.keys()
        for what in expected:
            assert maps[what].what == what
            assert_same_map(maps[what], expected[what])
    assert rc.horizon_maps is hz.horizon_maps


def test_horizon_maps_when_the_lstm_horizons_keep_different_windows():
    """A bound that keeps more steps of the h map than of the c map (whose maps take twice the bytes): no shared
    sweep then, each map still equal to its own call."""
    layer, x, dhs, h0, c0, _ = problem(VARIANTS[2], 40, 2, 3, 4, seed=5)
    max_bytes = hz.cost("horizon", layer, 25, 2, "direct", 40)[1]
    plans = [hz.choose(w, layer, 40, 2, hz.DEFAULT_BUDGET, max_bytes) for w in ("horizon", "horizon_c")]
    assert plans[0] != plans[1]
    maps = hz.horizon_maps(layer, x, dhs, h0, c0, max_bytes=max_bytes)
    expected = separate_maps(layer, x, dhs, h0, c0, max_bytes=max_bytes)
    assert maps["horizon"].T_kept > maps["horizon_c"].T_kept
    for what in expected:
        assert_same_map(maps[what], expected[what])


def test_horizon_maps_checks_its_input():
    layer, x, dhs, _, _, _ = problem(VARIANTS[0], 5, 1, 3, 4, seed=1, with_h0=False)
    with pytest.raises(ValueError, match="method"):
        hz.horizon_maps(layer, x, dhs, method="forward")
    with pytest.raises(ValueError, match="method"):
        hz.horizon_maps(layer, x, dhs, connectivity_method="direct")
    with pytest.raises(ValueError, match="dhs"):
        hz.horizon_maps(layer, x, dhs[:, :, :2])
    assert set(hz.horizon_maps(layer, x, dhs)) == {"horizon", "connectivity"}  # no cell map for an RNN


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_horizon_maps_run_one_forward_pass_per_kept_batch(variant, monkeypatch):
    """Every map of one call is cut from the same forward pass over the whole sequence (the tiled steps are
    single steps): one pass when the maps keep the same batch, one per kept batch otherwise."""
    layer, x, dhs, h0, c0, _ = problem(variant, 30, 4, 3, 5, seed=3)
    whole_passes = []
    real = hz.forward

    def counting(layer_, x_, *args):
        if x_.shape[0] == x.shape[0]:
            whole_passes.append(x_.shape[1])
        return real(layer_, x_, *args)

    monkeypatch.setattr(hz, "forward", counting)
    hz.horizon_maps(layer, x, dhs, h0, c0)
    assert whole_passes == [4]
    whole_passes.clear()
    budget = hz.cost("horizon", layer, hz.MIN_T, 2, "direct", 30)[0]  # the horizon keeps 2 samples, connectivity 1
    maps = hz.horizon_maps(layer, x, dhs, h0, c0, method="direct", connectivity_method="backward", budget=budget)
    kept = sorted({m.N_kept for m in maps.values()})
    assert sorted(whole_passes) == kept and len(kept) == 2
