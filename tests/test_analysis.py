"""Tests of recurrent_core.analysis: the gradient-flow analyses the app plots.

Every chain in analysis.py is run in the log domain; these tests compare it with plain computations (the book's
code, rc.bptt, explicit products) where those are finite, and check the claims in /work/shared/FACTS.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import recurrent_core as rc

LOG10_3 = np.log10(3.0)


# ------------------------------------------------------------------------------------------------ helpers
def with_changes(layer, **changes):
    """A copy of ``layer`` with some parameters changed, through the public constructors.

    (``layer.replace`` would be the natural call, but it is broken: see test_layer_replace_works.)
    """
    fields = dict(W_ih=layer.W_ih, W_hh=layer.W_hh, b_ih=layer.b_ih, b_hh=layer.b_hh)
    if isinstance(layer, rc.RNNLayer):
        fields["nonlinearity"] = layer.nonlinearity
    elif isinstance(layer, rc.GRULayer):
        fields["formulation"] = layer.formulation
    fields.update(changes)
    return type(layer)(**fields)


def last_step_only(T, N, H, value=None):
    dhs = np.zeros((T, N, H))
    dhs[-1] = 1.0 if value is None else value
    return dhs


def plain_log10_norms(a):
    """log10 of the per-sample L2 norm over the last axis (-inf for zero, inf/nan for overflowed rows)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.log10(np.linalg.norm(a, axis=-1))


def assert_close_where_finite(log_chain, log_plain, atol=1e-10):
    ok = np.isfinite(log_plain)
    assert ok.any()
    assert np.isfinite(log_chain[ok]).all()
    np.testing.assert_allclose(log_chain[ok], log_plain[ok], rtol=0, atol=atol)


def book_code(scale=None):
    """DLFS2 ch06/rnn_gradient_graph.py, literally, with the legacy global seeding (state restored after)."""
    saved = np.random.get_state()
    try:
        N, H, T = 2, 3, 20
        dh = np.ones((N, H))
        np.random.seed(3)
        if scale is None:
            Wh = np.random.randn(H, H)
        else:
            Wh = np.random.randn(H, H) * scale  # the book's vanishing case, scale 0.5
        norm_list = []
        for _t in range(T):
            dh = np.dot(dh, Wh.T)
            norm = np.sqrt(np.sum(dh**2)) / N
            norm_list.append(norm)
        return Wh, np.array(norm_list)
    finally:
        np.random.set_state(saved)


def book_rnn_layer(Wh, T, N=2):
    """An RNN whose W_hh is the book's Wh^T (PyTorch layout: dh_prev = da @ W_hh = dh @ Wh.T)."""
    H = Wh.shape[0]
    layer = rc.RNNLayer(np.random.default_rng(0).standard_normal((H, 1)), Wh.T, np.zeros(H), np.zeros(H))
    x = np.random.default_rng(1).standard_normal((T, N, 1))
    return layer, x


# ------------------------------------------------------------------------------------- the book's figure
@pytest.mark.parametrize("scale", [None, 0.5])
def test_book_experiment_is_bit_identical_to_book_code(scale):
    before = np.random.get_state()
    Wh, norms = book_code(scale)
    got = rc.book_experiment() if scale is None else rc.book_experiment(scale)
    np.testing.assert_array_equal(got.Wh, Wh)
    np.testing.assert_array_equal(got.norms, norms)
    assert got.norms.shape == (20,)
    # neither the test's book code nor book_experiment leaves the global state changed
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_book_experiment_does_not_touch_global_seed():
    saved = np.random.get_state()
    try:
        np.random.seed(12345)
        expected = np.random.rand(3)
        np.random.seed(12345)
        rc.book_experiment()
        rc.book_experiment(0.5)
        np.testing.assert_array_equal(np.random.rand(3), expected)
    finally:
        np.random.set_state(saved)


def test_book_facts_spectral_and_monotone():
    full, half = rc.book_experiment(), rc.book_experiment(0.5)
    sf = rc.spectral_facts(full.Wh.T)
    assert round(sf.sigma_max, 3) == 2.659
    assert round(sf.spectral_radius, 3) == 1.255
    sh = rc.spectral_facts(half.Wh.T)
    assert round(sh.sigma_max, 2) == 1.33 and sh.sigma_max > 1.0
    assert round(sh.spectral_radius, 3) == 0.628 and sh.spectral_radius < 1.0
    # sigma_max > 1 yet the chain vanishes; the unscaled one explodes
    assert half.norms[-1] < half.norms[0]
    assert half.norms[-1] < 1e-3
    assert full.norms[-1] > full.norms[0]
    assert full.norms[-1] > 100
    # transposing does not change either quantity
    st = rc.spectral_facts(full.Wh)
    assert st.sigma_max == pytest.approx(sf.sigma_max, rel=1e-12)
    assert st.spectral_radius == pytest.approx(sf.spectral_radius, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_book_chain_equals_matmul_only_chain(scale):
    book = rc.book_experiment(scale)
    # T = 21: dh arriving at step T-1 is ones (0 multiplications); at step T-1-m it has had m multiplications.
    # Book norm k is after k+1 multiplications, so it is the chain's step 19 - k.
    layer, x = book_rnn_layer(book.Wh, T=21)
    dec = rc.rnn_decomposition(layer, x, last_step_only(21, 2, 3))
    agg = rc.aggregate(dec.matmul_only.log10["h"], "book")
    assert agg[-1] == pytest.approx(np.log10(np.sqrt(6) / 2), abs=1e-14)  # ones, before any step
    np.testing.assert_allclose(agg[:20][::-1], np.log10(book.norms), rtol=0, atol=1e-12)
    # the flow out of step 0 is one more multiplication
    layer20, x20 = book_rnn_layer(book.Wh, T=20)
    dec20 = rc.rnn_decomposition(layer20, x20, last_step_only(20, 2, 3))
    into_h0 = rc.aggregate(dec20.matmul_only.log10_into_h0, "book")
    assert into_h0 == pytest.approx(np.log10(book.norms[-1]), abs=1e-12)
    np.testing.assert_allclose(
        rc.aggregate(dec20.matmul_only.log10["h"], "book")[:19][::-1], np.log10(book.norms[:19]), rtol=0, atol=1e-12
    )


# --------------------------------------------------------------------------------- flow_norms vs rc.bptt
def _layers():
    return {
        "rnn_tanh": rc.init_layer("rnn", 4, 6, seed=1),
        "rnn_relu": rc.init_layer("rnn", 4, 6, seed=2, nonlinearity="relu", scheme="dlfs2"),
        "lstm": rc.init_layer("lstm", 4, 6, seed=3),
        "gru_pytorch": rc.init_layer("gru", 4, 6, seed=4),
        "gru_dlfs2": rc.init_layer("gru", 4, 6, seed=5, formulation="dlfs2"),
    }


LAYER_NAMES = list(_layers())


@pytest.mark.parametrize("name", LAYER_NAMES)
@pytest.mark.parametrize("where", ["last", "every"])
def test_flow_norms_match_plain_bptt(name, where):
    layer = _layers()[name]
    T, N = 25, 3
    rng = np.random.default_rng(10)
    x = rng.standard_normal((T, N, layer.D))
    dhs = rng.standard_normal((T, N, layer.H))
    if where == "last":
        dhs[:-1] = 0.0
    trace = rc.bptt(layer, x, dhs)
    fn = rc.flow_norms(layer, x, dhs)
    assert fn.kind == layer.kind
    assert fn.log10_dh.shape == (T, N)
    assert_close_where_finite(fn.log10_dh, plain_log10_norms(trace.dh))
    if layer.kind == "lstm":
        assert fn.log10_dc.shape == (T, N)
        assert_close_where_finite(fn.log10_dc, plain_log10_norms(trace.dc))
    else:
        assert fn.log10_dc is None
    assert fn.overflow_step == {"float64": None, "float32": None}
    assert fn.forward_overflow_step is None
    np.testing.assert_array_equal(fn.tape.hs, trace.hs)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_flow_norms_log10_dh0_matches_trace_dh0(name):
    """FlowNorms.log10_dh0 is documented as log10 ‖∂L/∂h_0‖."""
    layer = _layers()[name]
    T, N = 12, 3
    rng = np.random.default_rng(11)
    x = rng.standard_normal((T, N, layer.D))
    dhs = rng.standard_normal((T, N, layer.H))
    trace = rc.bptt(layer, x, dhs)
    fn = rc.flow_norms(layer, x, dhs)
    np.testing.assert_allclose(fn.log10_dh0, plain_log10_norms(trace.dh0), rtol=0, atol=1e-10)


def test_flow_norms_rejects_non_layer():
    with pytest.raises(ValueError):
        rc.flow_norms(object(), np.zeros((2, 1, 1)), np.zeros((2, 1, 1)))


def test_flow_norms_rejects_bad_dhs_shape():
    layer = rc.init_layer("rnn", 2, 3)
    with pytest.raises(ValueError):
        rc.flow_norms(layer, np.zeros((4, 1, 2)), np.zeros((4, 1, 2)))


# ---------------------------------------------------------------------------------------------- overflow
def _exploding_rnn(radius, T=1000, H=16, N=2, D=4):
    layer = rc.init_layer("rnn", D, H, seed=0, scheme="orthogonal", spectral_radius=radius)
    x = np.zeros((T, N, D))
    dhs = last_step_only(T, N, H, np.random.default_rng(0).standard_normal((N, H)))
    return layer, x, dhs


def _log10_max_element(W_hh, start, T):
    """log10 of max_n max_i |dh_t[n, i]| for the plain chain dh_{t-1} = dh_t W_hh, in the log domain, (T,)."""
    unit, scale = start.copy(), 0.0
    out = np.empty(T)
    for t in range(T - 1, -1, -1):
        out[t] = scale + np.log10(np.max(np.abs(unit)))
        unit = unit @ W_hh
        n = np.linalg.norm(unit)
        unit /= n
        scale += np.log10(n)
    return out


def test_overflow_matmul_only_chain_exact_slope_and_steps():
    T = 1000
    layer, x, dhs = _exploding_rnn(3.0, T)
    dec = rc.rnn_decomposition(layer, x, dhs)
    mm = dec.matmul_only
    ln = mm.log10["h"]
    assert ln.shape == (T, 2)
    assert np.isfinite(ln).all() and np.isfinite(mm.log10_into_h0).all()
    slopes = ln[:-1] - ln[1:]  # gain of each backward step, log10
    np.testing.assert_allclose(slopes[: T - 5], LOG10_3, rtol=0, atol=1e-6)
    assert ln.max() > 400  # far past float64's range, still finite in the log domain
    step64, step32 = mm.overflow_step["float64"], mm.overflow_step["float32"]
    assert isinstance(step64, int) and isinstance(step32, int)
    assert step32 > step64  # float32 overflows earlier in backward order
    # zero inputs, zero biases: h = 0, tanh' = 1, so the full chain is the matmul chain
    assert dec.full.overflow_step == mm.overflow_step
    # the plain flow out of step t is dh_{t-1}; it overflows once its largest element passes finfo.max
    log_max = _log10_max_element(layer.W_hh, dhs[-1], T)
    for dtype, step in (("float64", step64), ("float32", step32)):
        limit = np.log10(np.finfo(dtype).max)
        crossing = max(t for t in range(1, T) if log_max[t - 1] > limit)
        assert abs(step - crossing) <= 1, (dtype, step, crossing)
        # and by the L2 norm (per sample, max over the batch), within 2 steps
        crossing_norm = max(t for t in range(1, T) if ln[t - 1].max() > limit)
        assert abs(step - crossing_norm) <= 2, (dtype, step, crossing_norm)


def test_overflow_flow_norms_same_steps_and_agrees_with_bptt_where_finite():
    T = 1000
    layer, x, dhs = _exploding_rnn(3.0, T)
    dec = rc.rnn_decomposition(layer, x, dhs)
    fn = rc.flow_norms(layer, x, dhs)
    assert fn.overflow_step == dec.matmul_only.overflow_step
    assert np.isfinite(fn.log10_dh).all() and np.isfinite(fn.log10_dh0).all()
    np.testing.assert_allclose(fn.log10_dh, dec.matmul_only.log10["h"], rtol=0, atol=1e-9)
    trace = rc.bptt(layer, x, dhs)
    plain = plain_log10_norms(trace.dh)
    # plain float64 BPTT goes to inf exactly where the reported step says: the flow out of step t is dh_{t-1}
    step = fn.overflow_step["float64"]
    assert np.isfinite(trace.dh[step:]).all()
    assert not np.isfinite(trace.dh[step - 1]).all()
    assert_close_where_finite(fn.log10_dh, plain, atol=1e-10)


def test_vanishing_run_reports_no_overflow():
    T = 1000
    layer, x, dhs = _exploding_rnn(0.5, T)
    dec = rc.rnn_decomposition(layer, x, dhs)
    assert dec.matmul_only.overflow_step == {"float64": None, "float32": None}
    assert dec.full.overflow_step == {"float64": None, "float32": None}
    fn = rc.flow_norms(layer, x, dhs)
    assert fn.overflow_step == {"float64": None, "float32": None}
    slopes = dec.matmul_only.log10["h"][:-1] - dec.matmul_only.log10["h"][1:]
    np.testing.assert_allclose(slopes, np.log10(0.5), rtol=0, atol=1e-6)
    assert np.isfinite(dec.matmul_only.log10["h"]).all()


def test_forward_overflow_relu_identity():
    T, N, D, H = 800, 2, 3, 8
    layer = rc.init_layer("rnn", D, H, seed=0, scheme="identity", scale=3.0, nonlinearity="relu")
    x = np.ones((T, N, D))
    dhs = last_step_only(T, N, H)
    hs = rc.forward(layer, x).hs
    bad = ~np.isfinite(hs.reshape(T, -1)).all(axis=1)
    assert bad.any()
    first = int(np.argmax(bad))
    assert np.isfinite(hs[:first]).all()
    fn = rc.flow_norms(layer, x, dhs)
    assert isinstance(fn.forward_overflow_step, int)
    assert fn.forward_overflow_step == first
    # ~ log(1.8e308) / log(3) steps
    assert 600 < first < 700
    assert rc.rnn_decomposition(layer, x, dhs).forward_overflow_step == first
    tanh = with_changes(layer, nonlinearity="tanh")
    assert rc.flow_norms(tanh, x, dhs).forward_overflow_step is None
    assert rc.rnn_decomposition(tanh, x, dhs).forward_overflow_step is None


# ------------------------------------------------------------------------------------- RNN decomposition
def _tanh_problem(T=40, N=3, D=5, H=8, seed=0, where="last"):
    layer = rc.init_layer("rnn", D, H, seed=seed, scheme="gaussian", scale=1.5)
    rng = np.random.default_rng(seed + 100)
    x = rng.standard_normal((T, N, D))
    dhs = rng.standard_normal((T, N, H))
    if where == "last":
        dhs[:-1] = 0.0
    return layer, x, dhs


def frobenius_log10(a):
    """log10 of the Frobenius norm over the batch of each step: (T, N, H) -> (T,)."""
    return np.log10(np.linalg.norm(a.reshape(len(a), -1), axis=1))


@pytest.mark.parametrize("where", ["last", "every"])
def test_decomposition_gains_add_up(where):
    """Each factor's gain against its definition on plain float64 BPTT: with dh_t = rc.bptt's total ∂L/∂h_t and
    h_t its states, da_t = dh_t ⊙ (1 - h_t²) and the flow da_t W_hh; gains are Frobenius ratios over the batch."""
    layer, x, dhs = _tanh_problem(where=where)
    dec = rc.rnn_decomposition(layer, x, dhs)
    T = len(x)
    for g in (dec.log10_gain_tanh, dec.log10_gain_matmul, dec.log10_gain_total):
        assert g.shape == (T,) and np.isfinite(g).all()
    trace = rc.bptt(layer, x, dhs)
    da = trace.dh * (1.0 - trace.hs**2)
    flow = da @ layer.W_hh
    dh, da_, flow_ = frobenius_log10(trace.dh), frobenius_log10(da), frobenius_log10(flow)
    np.testing.assert_allclose(dec.log10_gain_tanh, da_ - dh, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dec.log10_gain_matmul, flow_ - da_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dec.log10_gain_total, flow_ - dh, rtol=0, atol=1e-10)
    # the full chain is rc.bptt's
    assert_close_where_finite(dec.full.log10["h"], plain_log10_norms(trace.dh))
    np.testing.assert_allclose(dec.full.log10_into_h0, plain_log10_norms(trace.dh0), rtol=0, atol=1e-10)


def test_decomposition_total_gain_telescopes_with_loss_at_last_step():
    """With the loss at the last step only, what flows from step t is the whole ∂L/∂h_{t-1}: the gains multiply
    to ‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖, both read from plain float64 rc.bptt."""
    layer, x, dhs = _tanh_problem(T=60, where="last")
    dec = rc.rnn_decomposition(layer, x, dhs)
    trace = rc.bptt(layer, x, dhs)
    expected = np.log10(np.linalg.norm(trace.dh0)) - np.log10(np.linalg.norm(dhs[-1]))
    assert np.sum(dec.log10_gain_total) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decomposition_tanh_gain_nonpositive_and_pascanu_bound(seed):
    layer, x, dhs = _tanh_problem(seed=seed, where="every")
    dec = rc.rnn_decomposition(layer, x, dhs)
    sf = rc.spectral_facts(layer.W_hh)
    assert sf.gamma == 1.0 and sf.pascanu_bound == sf.sigma_max
    assert (dec.log10_gain_tanh <= 1e-15).all()
    assert (dec.log10_gain_matmul <= np.log10(sf.sigma_max) + 1e-12).all()
    assert (dec.log10_gain_total <= np.log10(sf.pascanu_bound) + 1e-12).all()
    # the tanh-only chain never grows between injections (loss at last step: never grows at all)
    layer_l, x_l, dhs_l = _tanh_problem(seed=seed, where="last")
    tanh_only = rc.aggregate(rc.rnn_decomposition(layer_l, x_l, dhs_l).tanh_only.log10["h"])
    assert (np.diff(tanh_only) >= -1e-12).all()  # log norm non-decreasing in t = non-increasing backwards


def _gaussian_rnn_with_real_top_eig(H=16):
    """Seed 12 gives a Gaussian W_hh whose top eigenvalue is real and well separated (checked here)."""
    layer = rc.init_layer("rnn", 4, H, seed=12, scheme="gaussian")
    sf = rc.spectral_facts(layer.W_hh)
    assert sf.eigenvalues[0].imag == 0.0
    assert abs(sf.eigenvalues[1]) / abs(sf.eigenvalues[0]) < 0.8
    assert sf.sigma_max > 1.3 * sf.spectral_radius
    return layer, sf


def test_matmul_only_long_run_rate_is_spectral_radius_not_sigma_max():
    layer, sf = _gaussian_rnn_with_real_top_eig()
    T, N = 300, 2
    x = np.random.default_rng(0).standard_normal((T, N, layer.D))
    dhs = last_step_only(T, N, layer.H, np.random.default_rng(1).standard_normal((N, layer.H)))
    dec = rc.rnn_decomposition(layer, x, dhs)
    ln = rc.aggregate(dec.matmul_only.log10["h"])
    rate = rc.long_run_rate(ln, skip=50)
    assert rate == pytest.approx(sf.spectral_radius, rel=0.05)
    assert abs(rate - sf.sigma_max) > 0.2 * sf.sigma_max
    # once the transient has gone, each step gains rho
    per_step = rc.per_step_rate(ln)
    np.testing.assert_allclose(per_step[:100], sf.spectral_radius, rtol=1e-3)
    assert (per_step <= sf.sigma_max + 1e-12).all()


def test_orthogonal_w_hh_keeps_matmul_chain_norm_constant():
    T, N, D, H = 200, 3, 4, 12
    layer = rc.init_layer("rnn", D, H, seed=7, scheme="orthogonal")
    np.testing.assert_allclose(layer.W_hh @ layer.W_hh.T, np.eye(H), atol=1e-12)
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = last_step_only(T, N, H, np.random.default_rng(2).standard_normal((N, H)))
    dec = rc.rnn_decomposition(layer, x, dhs)
    ln = dec.matmul_only.log10["h"]
    np.testing.assert_allclose(ln, np.broadcast_to(ln[-1], ln.shape), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dec.matmul_only.log10_into_h0, ln[-1], rtol=0, atol=1e-10)
    assert rc.long_run_rate(rc.aggregate(ln)) == pytest.approx(1.0, abs=1e-10)


def test_rnn_decomposition_rejects_gated_layers():
    for layer in (rc.init_layer("lstm", 2, 3), rc.init_layer("gru", 2, 3)):
        with pytest.raises(ValueError):
            rc.rnn_decomposition(layer, np.zeros((3, 1, 2)), np.zeros((3, 1, 3)))


# ------------------------------------------------------------------------------------------- LSTM / GRU
def test_lstm_cell_path_with_zero_w_hh_is_the_whole_gradient():
    T, N, D, H = 30, 3, 4, 5
    base = rc.init_layer("lstm", D, H, seed=3)
    layer = with_changes(base, W_hh=np.zeros_like(base.W_hh))
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = last_step_only(T, N, H, np.random.default_rng(1).standard_normal((N, H)))
    trace = rc.bptt(layer, x, dhs)
    f = rc.forward(layer, x).gate("f")
    for t in range(T - 1, 0, -1):
        np.testing.assert_allclose(trace.dc[t - 1], trace.dc[t] * f[t], rtol=1e-12, atol=0)
    np.testing.assert_allclose(trace.dc0, trace.dc[0] * f[0], rtol=1e-12, atol=0)
    gp = rc.lstm_cell_path(layer, x, dhs)
    assert gp.kind == "lstm" and gp.update_gate is None
    np.testing.assert_array_equal(gp.gate, f)
    np.testing.assert_allclose(gp.path.log10["c"], gp.full.log10_dc, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gp.path.log10_into_h0, plain_log10_norms(trace.dc0), rtol=0, atol=1e-10)
    # with loss at every step too: dh_t = dhs[t] exactly, so the local injections are the whole story
    dhs_all = np.random.default_rng(5).standard_normal((T, N, H))
    gp_all = rc.lstm_cell_path(layer, x, dhs_all)
    np.testing.assert_allclose(gp_all.path.log10["c"], gp_all.full.log10_dc, rtol=0, atol=1e-10)


def test_lstm_cell_path_in_general_is_the_product_of_forget_gates():
    T, N, D, H = 20, 3, 4, 5
    layer = rc.init_layer("lstm", D, H, seed=8)
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = last_step_only(T, N, H, np.random.default_rng(1).standard_normal((N, H)))
    gp = rc.lstm_cell_path(layer, x, dhs)
    tape = rc.forward(layer, x)
    f, o = tape.gate("f"), tape.gate("o")
    # the path starts where the full dc starts
    assert gp.path.log10["c"][-1] == pytest.approx(gp.full.log10_dc[-1], abs=1e-12)
    np.testing.assert_allclose(gp.full.log10_dc[-1], plain_log10_norms(rc.bptt(layer, x, dhs).dc[-1]), atol=1e-12)
    # plain cell path: dc_{T-1} = dhs ⊙ o ⊙ tanh'(c), then dc_{t-1} = dc_t ⊙ f_t
    dc = dhs[-1] * o[-1] * (1.0 - tape.tanh_c[-1] ** 2)
    expected = np.empty((T, N))
    for t in range(T - 1, -1, -1):
        expected[t] = plain_log10_norms(dc)
        dc = dc * f[t]
    np.testing.assert_allclose(gp.path.log10["c"], expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gp.path.log10_into_h0, plain_log10_norms(dc), rtol=0, atol=1e-10)
    # the path differs from the full gradient once W_hh feeds back through h
    assert np.max(np.abs(gp.path.log10["c"] - gp.full.log10_dc)) > 1e-6


def test_lstm_forget_bias_keeps_cell_path_alive():
    T, N, D, H = 20, 4, 5, 8
    x = 0.1 * np.random.default_rng(0).standard_normal((T, N, D))  # small inputs: f ≈ σ(b_f)
    dhs = last_step_only(T, N, H)
    decay = {}
    for b in (0.0, 1.0, 3.0):
        layer = rc.init_layer("lstm", D, H, seed=0, scheme="gaussian", scale=0.1, forget_bias=b)
        gp = rc.lstm_cell_path(layer, x, dhs)
        mean_f = gp.gate.mean()
        assert mean_f == pytest.approx(1.0 / (1.0 + np.exp(-b)), abs=0.01)
        # 20 multiplications by f, from dc_{T-1} to the flow into c_0
        decay[b] = rc.aggregate(gp.path.log10_into_h0) - rc.aggregate(gp.path.log10["c"])[-1]
        assert decay[b] == pytest.approx(20 * np.log10(mean_f), abs=0.5)
    assert decay[0.0] < decay[1.0] < decay[3.0]
    # FACTS: f^20 ~ 1e-6 at b_f = 0, 2e-3 at 1, 0.38 at 3
    assert decay[0.0] == pytest.approx(-6.0, abs=0.5)
    assert decay[1.0] == pytest.approx(np.log10(2e-3), abs=0.5)
    assert decay[3.0] == pytest.approx(np.log10(0.38), abs=0.5)


@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_gru_direct_path_gate_and_start(formulation):
    T, N, D, H = 20, 3, 4, 5
    layer = rc.init_layer("gru", D, H, seed=4, formulation=formulation)
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = last_step_only(T, N, H, np.random.default_rng(1).standard_normal((N, H)))
    gp = rc.gru_direct_path(layer, x, dhs)
    tape = rc.forward(layer, x)
    assert gp.kind == "gru"
    np.testing.assert_array_equal(gp.update_gate, tape.z)
    np.testing.assert_array_equal(gp.gate, tape.z if formulation == "pytorch" else 1.0 - tape.z)
    np.testing.assert_allclose(gp.path.log10["h"][-1], gp.full.log10_dh[-1], rtol=0, atol=1e-12)
    # plain direct path, with the keep gate read from the tape (z keeps in PyTorch's formulation, 1 - z in the book's)
    keep = tape.z if formulation == "pytorch" else 1.0 - tape.z
    dh = dhs[-1].copy()
    expected = np.empty((T, N))
    for t in range(T - 1, -1, -1):
        expected[t] = plain_log10_norms(dh)
        dh = dh * keep[t]
    np.testing.assert_allclose(gp.path.log10["h"], expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
@pytest.mark.parametrize("where", ["last", "every"])
def test_gru_direct_path_with_zero_w_hh_is_the_whole_gradient(formulation, where):
    T, N, D, H = 25, 3, 4, 5
    base = rc.init_layer("gru", D, H, seed=6, formulation=formulation)
    layer = with_changes(base, W_hh=np.zeros_like(base.W_hh))
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = np.random.default_rng(1).standard_normal((T, N, H))
    if where == "last":
        dhs[:-1] = 0.0
    gp = rc.gru_direct_path(layer, x, dhs)
    np.testing.assert_allclose(gp.path.log10["h"], gp.full.log10_dh, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gp.path.log10_into_h0, plain_log10_norms(rc.bptt(layer, x, dhs).dh0), rtol=0, atol=1e-10)


@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_gru_update_bias_opens_keep_gate_in_both_formulations(formulation):
    T, N, D, H = 20, 4, 5, 8
    x = np.random.default_rng(0).standard_normal((T, N, D))
    dhs = last_step_only(T, N, H)
    keep = {}
    for b in (0.0, 2.0):
        layer = rc.init_layer("gru", D, H, seed=0, update_bias=b, formulation=formulation)
        keep[b] = rc.gru_direct_path(layer, x, dhs).gate.mean()
    assert keep[2.0] > keep[0.0] + 0.2


def test_gated_paths_reject_wrong_kinds():
    rnn, lstm, gru = (rc.init_layer(k, 2, 3) for k in ("rnn", "lstm", "gru"))
    x, dhs = np.zeros((3, 1, 2)), np.zeros((3, 1, 3))
    for layer in (rnn, gru):
        with pytest.raises(ValueError):
            rc.lstm_cell_path(layer, x, dhs)
    for layer in (rnn, lstm):
        with pytest.raises(ValueError):
            rc.gru_direct_path(layer, x, dhs)


def test_layer_replace_works():
    """analysis users swap one parameter with ``layer.replace``; it must build a checked copy."""
    for layer in (rc.init_layer("rnn", 2, 3), rc.init_layer("lstm", 2, 3), rc.init_layer("gru", 2, 3)):
        zero = layer.replace(W_hh=np.zeros_like(layer.W_hh))
        assert type(zero) is type(layer)
        np.testing.assert_array_equal(zero.W_hh, 0.0)
        np.testing.assert_array_equal(zero.W_ih, layer.W_ih)


# ------------------------------------------------------------------------------- the claims the app shows
@pytest.fixture(scope="module")
def facts_inputs():
    T, H, N, D = 100, 32, 1, 32
    x = np.random.default_rng(0).standard_normal((T, N, D))
    return x, last_step_only(T, N, H), D, H


def _ratio(layer, x, dhs):
    fn = rc.flow_norms(layer, x, dhs)
    assert np.isfinite(fn.log10_dh).all()
    return float(fn.log10_dh[0, 0] - fn.log10_dh[-1, 0])  # log10 ‖dh_1‖/‖dh_T‖


def test_facts_rnn_vanishes(facts_inputs):
    x, dhs, D, H = facts_inputs
    assert _ratio(rc.init_layer("rnn", D, H, seed=0), x, dhs) < -20


def test_facts_lstm_forget_bias(facts_inputs):
    x, dhs, D, H = facts_inputs
    r = {b: _ratio(rc.init_layer("lstm", D, H, seed=0, forget_bias=b), x, dhs) for b in (0.0, 1.0, 3.0)}
    assert r[0.0] < -15
    assert r[3.0] > -3
    assert r[0.0] < r[1.0] < r[3.0]


@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_facts_gru_update_bias(facts_inputs, formulation):
    x, dhs, D, H = facts_inputs
    r = {
        b: _ratio(rc.init_layer("gru", D, H, seed=0, update_bias=b, formulation=formulation), x, dhs)
        for b in (0.0, 1.0, 3.0)
    }
    assert r[0.0] < -15
    assert r[3.0] > -3
    assert r[0.0] < r[1.0] < r[3.0]


# --------------------------------------------------------------------------------------------- aggregate
def test_aggregate_norms():
    rng = np.random.default_rng(0)
    norms = rng.uniform(0.1, 10.0, (7, 4))
    logs = np.log10(norms)
    np.testing.assert_allclose(
        rc.aggregate(logs, "l2"), np.log10(np.sqrt(np.sum(norms**2, axis=1))), rtol=0, atol=1e-13
    )
    np.testing.assert_allclose(rc.aggregate(logs), rc.aggregate(logs, "l2"), rtol=0, atol=0)
    np.testing.assert_allclose(
        rc.aggregate(logs, "book"), np.log10(np.sqrt(np.sum(norms**2, axis=1)) / 4), rtol=0, atol=1e-13
    )
    np.testing.assert_allclose(rc.aggregate(logs, "mean"), np.log10(norms.mean(axis=1)), rtol=0, atol=1e-13)
    # the l2 of the batch is the Frobenius norm of the stacked vectors
    vecs = rng.standard_normal((5, 3, 6))
    per = np.log10(np.linalg.norm(vecs, axis=2))
    np.testing.assert_allclose(rc.aggregate(per), np.log10([np.linalg.norm(v) for v in vecs]), atol=1e-13)


def test_aggregate_handles_zero_rows_and_huge_values():
    logs = np.array([[-np.inf, -np.inf], [-np.inf, 1.0], [500.0, 500.0], [-400.0, -400.0]])
    for norm in ("l2", "book", "mean"):
        out = rc.aggregate(logs, norm)
        assert out[0] == -np.inf
        assert np.isfinite(out[1:]).all()
    assert rc.aggregate(logs, "l2")[1] == pytest.approx(1.0, abs=1e-14)
    assert rc.aggregate(logs, "mean")[1] == pytest.approx(1.0 - np.log10(2), abs=1e-14)
    assert rc.aggregate(logs, "l2")[2] == pytest.approx(500.0 + 0.5 * np.log10(2), abs=1e-12)
    assert rc.aggregate(logs, "book")[3] == pytest.approx(-400.0 + 0.5 * np.log10(2) - np.log10(2), abs=1e-12)
    assert rc.aggregate(np.array([3.0]), "l2") == pytest.approx(3.0)


def test_aggregate_bad_norm_name():
    with pytest.raises(ValueError):
        rc.aggregate(np.zeros((2, 2)), "frobenius")


# -------------------------------------------------------------------------------------------------- rates
def test_per_step_and_long_run_rate_on_geometric_sequences():
    T = 30
    for g in (0.5, 1.0, 3.0):
        # ‖dh_t‖ = g^(T-1-t): each backward step multiplies by g
        ln = (T - 1 - np.arange(T)) * np.log10(g) + 2.0
        per = rc.per_step_rate(ln)
        assert per.shape == (T - 1,)
        np.testing.assert_allclose(per, g, rtol=1e-12)
        assert rc.long_run_rate(ln) == pytest.approx(g, rel=1e-12)
        assert rc.long_run_rate(ln, skip=10) == pytest.approx(g, rel=1e-12)


def test_long_run_rate_skips_the_steps_nearest_the_loss():
    T = 40
    gains = np.where(np.arange(T - 1) >= T - 11, 5.0, 0.5)  # gain of step t (index t-1): big near the loss
    ln = np.concatenate([np.cumsum(np.log10(gains)[::-1])[::-1], [0.0]])
    np.testing.assert_allclose(rc.per_step_rate(ln), gains, rtol=1e-12)
    assert rc.long_run_rate(ln, skip=10) == pytest.approx(0.5, rel=1e-12)
    assert rc.long_run_rate(ln) > 0.5


def test_long_run_rate_degenerate_inputs_are_nan():
    assert np.isnan(rc.long_run_rate(np.array([1.0])))
    assert np.isnan(rc.long_run_rate(np.array([1.0, 2.0, 3.0]), skip=2))
    assert np.isnan(rc.long_run_rate(np.array([-np.inf, 0.0, 1.0])))


# ------------------------------------------------------------------------------------------ spectral facts
def test_spectral_facts_orders_and_values():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((7, 7))
    sf = rc.spectral_facts(W)
    mods = np.abs(sf.eigenvalues)
    assert (np.diff(mods) <= 1e-12).all()
    assert (np.diff(sf.singular_values) <= 0).all()
    np.testing.assert_allclose(np.sort_complex(sf.eigenvalues), np.sort_complex(np.linalg.eigvals(W)), atol=1e-12)
    assert sf.spectral_radius == pytest.approx(np.max(np.abs(np.linalg.eigvals(W))), rel=1e-12)
    assert sf.sigma_max == pytest.approx(np.linalg.norm(W, 2), rel=1e-12)
    assert sf.spectral_radius <= sf.sigma_max + 1e-12
    assert sf.pascanu_bound == sf.sigma_max * sf.gamma
    # a rotation: complex eigenvalues of modulus 1, every singular value 1
    c, s = np.cos(0.3), np.sin(0.3)
    rot = rc.spectral_facts([[c, -s], [s, c]])
    assert rot.spectral_radius == pytest.approx(1.0) and rot.sigma_max == pytest.approx(1.0)
    assert np.iscomplexobj(rot.eigenvalues) and abs(rot.eigenvalues[0].imag) > 0.1
    # relu has the same gamma
    assert rc.spectral_facts(W, "relu").gamma == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((2, 3)),
        np.zeros(3),
        np.zeros((0, 0)),
        np.zeros((2, 2, 2)),
        np.array([[1.0, np.nan], [0.0, 1.0]]),
        np.array([[np.inf, 0.0], [0.0, 1.0]]),
    ],
)
def test_spectral_facts_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        rc.spectral_facts(bad)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("size", [1e160, 1e298, 1e-200])
def test_flow_norms_scale_with_a_huge_or_tiny_upstream(kind, size):
    """The chain is linear in dhs: scaling dhs by 10^k shifts every log10 norm by k exactly (a huge upstream
    once squared to inf and read as -inf everywhere)."""
    layer = rc.init_layer(kind, 4, 3, seed=0)
    x = np.random.default_rng(0).normal(size=(6, 2, 4))
    dhs = np.random.default_rng(1).normal(size=(6, 2, 3))
    base, scaled = rc.flow_norms(layer, x, dhs), rc.flow_norms(layer, x, dhs * size)
    shift = np.log10(size)
    np.testing.assert_allclose(scaled.log10_dh, base.log10_dh + shift, rtol=0, atol=1e-10)
    np.testing.assert_allclose(scaled.log10_dh0, base.log10_dh0 + shift, rtol=0, atol=1e-10)
    if kind == "lstm":
        np.testing.assert_allclose(scaled.log10_dc, base.log10_dc + shift, rtol=0, atol=1e-10)
