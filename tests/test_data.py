"""explorer.flow.data: the numbers every page draws are the numbers of the core, on the settings' own layers.

References are independent of the code under test: layers built by ``rc.init_layer`` with literal keyword
arguments, inputs written out (zeros when ``input_scale`` is 0, a literal ``dhs``), gradients from the plain
float64 BPTT ``rc.bptt`` and their batch norms computed here from the definitions (l2: Frobenius over the batch;
book: that ÷ N; mean: the mean of per-sample norms), the book's own 20 numbers, and FACTS.md's measurements.
"""

from __future__ import annotations

import dataclasses
import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import recurrent_core as rc
from explorer.flow import claims, data
from explorer.shared.controls import MEMORY_BUDGET_BYTES, Settings, consistent, within_budget

BOOK = Settings(T=20, H=3, N=2, seed=3, scheme="book", norm="book", formulation="dlfs2")
EXPLODING = Settings(scheme="orthogonal", set_rho=True, rho=3.0, T=1000, H=16, input_scale=0.0)
# the W_hh of EXPLODING's RNN, written out
EXPLODING_RNN = dict(D=8, H=16, seed=0, scheme="orthogonal", scale=1.0, spectral_radius=3.0, nonlinearity="tanh")
LOG10_F64_MAX = math.log10(np.finfo(np.float64).max)  # 308.25
LOG10_F32_MAX = math.log10(np.finfo(np.float32).max)  # 38.53


# ============================================================================================ references
def batch_log10_norm(g: np.ndarray, norm: str) -> np.ndarray:
    """log10 of the norm over the batch of gradients g (..., N, H), by the documented definitions."""
    per_sample = np.sqrt(np.sum(g**2, axis=-1))
    if norm == "l2":
        value = np.sqrt(np.sum(per_sample**2, axis=-1))
    elif norm == "book":
        value = np.sqrt(np.sum(per_sample**2, axis=-1)) / g.shape[-2]
    else:
        value = per_sample.mean(axis=-1)
    with np.errstate(divide="ignore"):  # an exactly zero gradient (dead relu units) is -inf, as the app draws it
        return np.log10(value)


def dh_curve(layer, x: np.ndarray, dhs: np.ndarray, norm: str) -> np.ndarray:
    """log10 ‖∂L/∂h_t‖, t = 0 … T, from the plain float64 BPTT."""
    trace = rc.bptt(layer, x, dhs)
    return batch_log10_norm(np.concatenate([trace.dh0[None], trace.dh]), norm)


def loss_grad(T: int, N: int, H: int, loss: str = "last") -> np.ndarray:
    dhs = np.zeros((T, N, H))
    if loss == "last":
        dhs[-1] = 1.0
    else:
        dhs[:] = 1.0
    return dhs


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9)


# Settings with zero inputs (x = 0 whatever the seed's stream) and their layers' keyword arguments, written out.
ZERO_INPUT = Settings(T=12, H=5, N=3, D=4, seed=11, input_scale=0.0)
ZERO_INPUT_KWARGS = {
    "rnn": dict(D=4, H=5, seed=11, scheme="pytorch", scale=1.0, spectral_radius=None, nonlinearity="tanh"),
    "lstm": dict(D=4, H=5, seed=11, scheme="pytorch", scale=1.0, spectral_radius=None, forget_bias=0.0),
    "gru": dict(D=4, H=5, seed=11, scheme="pytorch", scale=1.0, spectral_radius=None, update_bias=0.0),
}


@pytest.fixture(scope="module")
def default_compare() -> data.CompareResult:
    return data.compare(Settings())


@pytest.fixture(scope="module")
def exploding_compare() -> data.CompareResult:
    return data.compare(EXPLODING)


@pytest.fixture(scope="module")
def exploding_rnn() -> data.RNNResult:
    return data.rnn_view(EXPLODING)


# ==================================================================================== layers and inputs
def test_make_layer_is_the_core_layer_of_the_written_out_arguments():
    s = Settings(H=6, D=3, seed=42, scheme="gaussian", scale=1.5, set_rho=True, rho=0.9, forget_bias=1.0)
    s = dataclasses.replace(s, update_bias=-2.0, formulation="dlfs2", nonlinearity="relu")
    expected = {
        "rnn": rc.init_layer(
            "rnn", D=3, H=6, seed=42, scheme="gaussian", scale=1.5, spectral_radius=0.9, nonlinearity="relu"
        ),
        "lstm": rc.init_layer(
            "lstm", D=3, H=6, seed=42, scheme="gaussian", scale=1.5, spectral_radius=0.9, forget_bias=1.0
        ),
        "gru": rc.init_layer(
            "gru",
            D=3,
            H=6,
            seed=42,
            scheme="gaussian",
            scale=1.5,
            spectral_radius=0.9,
            update_bias=-2.0,
            formulation="dlfs2",
        ),
    }
    for kind, ref in expected.items():
        layer = data.make_layer(s, kind)
        assert type(layer) is type(ref)
        for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            np.testing.assert_array_equal(getattr(layer, name), getattr(ref, name), err_msg=f"{kind} {name}")
    assert data.make_layer(s, "gru").formulation == "dlfs2"
    assert data.make_layer(s, "rnn").nonlinearity == "relu"


def test_make_inputs_properties():
    s = Settings(T=9, N=4, D=3, H=5, seed=7)
    x, dhs = data.make_inputs(s)
    assert x.shape == (9, 4, 3) and dhs.shape == (9, 4, 5)
    assert x.dtype == np.float64
    np.testing.assert_array_equal(dhs, loss_grad(9, 4, 5, "last"))
    np.testing.assert_array_equal(data.make_inputs(dataclasses.replace(s, loss="every"))[1], np.ones((9, 4, 5)))
    np.testing.assert_array_equal(data.make_inputs(s)[0], x)  # same seed, same inputs
    assert not np.allclose(data.make_inputs(dataclasses.replace(s, seed=8))[0], x)
    np.testing.assert_allclose(data.make_inputs(dataclasses.replace(s, input_scale=2.5))[0], 2.5 * x, rtol=1e-15)
    np.testing.assert_array_equal(data.make_inputs(dataclasses.replace(s, input_scale=0.0))[0], np.zeros_like(x))
    # the inputs do not depend on the hidden size, the loss or the init (every architecture sees the same x)
    np.testing.assert_array_equal(data.make_inputs(dataclasses.replace(s, H=11, scheme="book", loss="every"))[0], x)


def test_make_inputs_are_standard_normal_times_the_scale():
    x, _ = data.make_inputs(Settings(T=1000, N=8, D=8, input_scale=2.0))
    assert abs(x.mean()) < 0.05
    assert abs(x.std() - 2.0) < 0.05


# ==================================================================================== compare vs the core
@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("norm", ["l2", "book", "mean"])
def test_compare_curves_are_the_core_gradients(loss, norm):
    s = dataclasses.replace(ZERO_INPUT, loss=loss, norm=norm)
    res = data.compare(s)
    x = np.zeros((12, 3, 4))
    dhs = loss_grad(12, 3, 5, loss)
    layers = {
        "rnn": rc.init_layer("rnn", **ZERO_INPUT_KWARGS["rnn"]),
        "lstm": rc.init_layer("lstm", **ZERO_INPUT_KWARGS["lstm"]),
        "gru": rc.init_layer("gru", **ZERO_INPUT_KWARGS["gru"], formulation="pytorch"),
        "lstm_open": rc.init_layer("lstm", **{**ZERO_INPUT_KWARGS["lstm"], "forget_bias": 3.0}),
        "gru_open": rc.init_layer("gru", **{**ZERO_INPUT_KWARGS["gru"], "update_bias": 3.0}, formulation="pytorch"),
    }
    assert [i.id for i in res.flow.info] == list(layers)
    for curve, layer in layers.items():
        close(res.flow.curve(curve), dh_curve(layer, x, dhs, norm))
    assert res.open_bias == {"lstm": 3.0, "gru": 3.0}
    f = rc.forward(layers["lstm"], x).gate("f")
    z_open = rc.forward(layers["gru_open"], x).z
    assert res.gate_means["lstm"] == pytest.approx(f.mean(), rel=1e-12)
    assert res.gate_means["gru_open"] == pytest.approx(z_open.mean(), rel=1e-12)  # PyTorch's GRU keeps z


def test_compare_with_random_inputs_uses_one_x_for_every_architecture():
    s = Settings(T=15, H=4, N=2, D=3, seed=5, scheme="orthogonal", scale=1.2, forget_bias=1.0, update_bias=-1.0)
    s = dataclasses.replace(s, formulation="dlfs2", nonlinearity="relu", norm="mean")
    res = data.compare(s, show_open_gates=False)
    x, _ = data.make_inputs(s)  # property-tested above; the reference gradients below are the core's
    dhs = loss_grad(15, 2, 4)
    common = dict(D=3, H=4, seed=5, scheme="orthogonal", scale=1.2, spectral_radius=None)
    close(res.flow.curve("rnn"), dh_curve(rc.init_layer("rnn", **common, nonlinearity="relu"), x, dhs, "mean"))
    close(res.flow.curve("lstm"), dh_curve(rc.init_layer("lstm", **common, forget_bias=1.0), x, dhs, "mean"))
    gru = rc.init_layer("gru", **common, update_bias=-1.0, formulation="dlfs2")
    close(res.flow.curve("gru"), dh_curve(gru, x, dhs, "mean"))
    assert [i.id for i in res.flow.info] == ["rnn", "lstm", "gru"]
    assert res.open_bias == {}
    assert res.gate_means["gru"] == pytest.approx((1.0 - rc.forward(gru, x).z).mean(), rel=1e-12)  # book: 1 − z


def test_compare_cell_path_trend_is_the_product_of_forget_gates():
    res = data.compare(ZERO_INPUT)
    layer = rc.init_layer("lstm", **ZERO_INPUT_KWARGS["lstm"])
    tape = rc.forward(layer, np.zeros((12, 3, 4)))
    f, o = tape.gate("f"), tape.gate("o")
    dc_T = o[-1] * (1.0 - tape.tanh_c[-1] ** 2)  # the loss Σ h_T puts o ⊙ tanh'(c_T) on c_T
    dc_1 = dc_T * np.prod(f[1:], axis=0)  # then ⊙ f_T … f_2 down to c_1
    expected = batch_log10_norm(dc_1, "l2") - batch_log10_norm(dc_T, "l2")
    assert res.cell_path.log10_ratio == pytest.approx(expected, rel=1e-9)
    assert res.cell_path.steps == 11


# ============================================================================================ RNN page
def test_rnn_view_chains_are_the_core_chains():
    s = Settings(T=10, H=4, N=2, D=3, seed=2, input_scale=0.0, scheme="dlfs2")
    res = data.rnn_view(s)
    layer = rc.init_layer("rnn", D=3, H=4, seed=2, scheme="dlfs2", scale=1.0, spectral_radius=None)
    x, dhs = np.zeros((10, 2, 3)), loss_grad(10, 2, 4)
    close(res.flow.curve("full"), dh_curve(layer, x, dhs, "l2"))
    # W_hh alone: the book's chain v ← v W_hh from the loss, norms after 1 … T multiplications
    v, matmul = dhs[-1], []
    for _ in range(10):
        v = v @ layer.W_hh
        matmul.append(batch_log10_norm(v, "l2"))
    close(res.flow.curve("matmul_only"), np.array(matmul[::-1]))
    # tanh′ alone: v ← v ⊙ (1 − h_t²), t = T … 1
    hs = rc.forward(layer, x).hs
    v, phi = dhs[-1], [batch_log10_norm(dhs[-1], "l2")]
    for t in range(9, -1, -1):
        v = v * (1.0 - hs[t] ** 2)
        phi.append(batch_log10_norm(v, "l2"))
    close(res.flow.curve("tanh_only"), np.array(phi[::-1]))
    eig = np.linalg.eigvals(layer.W_hh)
    assert res.spectral_radius == pytest.approx(np.abs(eig).max(), rel=1e-12)
    assert res.sigma_max == pytest.approx(np.linalg.norm(layer.W_hh, 2), rel=1e-12)
    assert res.log10_rho == pytest.approx(math.log10(np.abs(eig).max()), rel=1e-12)
    assert sorted(res.eigenvalues["modulus"]) == pytest.approx(sorted(np.abs(eig)), rel=1e-12)
    assert res.activation == "tanh"


def test_rnn_view_gains_add_up_and_count_back_from_the_loss():
    s = Settings(T=8, H=3, N=2, seed=4)
    g = data.rnn_view(s).gains
    assert set(g["factor"]) == {"phi", "matmul", "total"}
    by = {f: g[g["factor"] == f].set_index("t")["log10_gain"] for f in ("phi", "matmul", "total")}
    for f in by.values():
        assert sorted(f.index) == list(range(1, 9))
    np.testing.assert_allclose(by["phi"] + by["matmul"], by["total"], atol=1e-12)
    assert (g["back"] == 8 - g["t"] + 1).all()
    full = data.rnn_view(s).flow.curve("full")
    # the total gain of the step h_t → h_{t-1} is the curve's change over that step (loss at the last step)
    np.testing.assert_allclose(by["total"].sort_index().to_numpy(), full[:-1] - full[1:], atol=1e-9)


def test_book_preset_matmul_chain_is_the_books_figure():
    """The W_hh-only curve under the book's settings is the book's 20 norms at t = 19 … 0 (back = 1 … 20)."""
    for scale in (1.0, 0.5):
        res = data.rnn_view(dataclasses.replace(BOOK, scale=scale))
        curves = res.flow.curves
        m = curves[curves["curve"] == "matmul_only"].sort_values("back")
        assert m["back"].tolist() == list(range(1, 21))
        assert m["t"].tolist() == list(range(19, -1, -1))
        np.testing.assert_allclose(10 ** m["log10_norm"].to_numpy(), rc.book_experiment(scale).norms, rtol=1e-12)
        # the loss point of the full curve is ‖ones(2, 3)‖ / 2
        assert res.flow.curve("full")[-1] == pytest.approx(math.log10(math.sqrt(6) / 2), rel=1e-12)


def test_book_matrix_spectral_facts():
    """FACTS.md: σ_max = 2.659 but ρ = 1.255; × 0.5: σ_max = 1.33 > 1 yet ρ = 0.628."""
    res = data.rnn_view(BOOK)
    assert round(res.spectral_radius, 3) == 1.255 and round(res.sigma_max, 3) == 2.659
    half = data.rnn_view(dataclasses.replace(BOOK, scale=0.5))
    assert round(half.spectral_radius, 3) == 0.628 and round(half.sigma_max, 2) == 1.33
    assert half.flow.trends["matmul_only"].direction == "vanishes"
    assert res.flow.trends["matmul_only"].direction == "explodes"
    # with a forward pass and inputs, tanh saturation makes the "exploding" matrix vanish (FACTS.md)
    assert res.flow.trends["full"].direction == "vanishes"


def test_book_view_is_the_books_experiment():
    b = data.book_view()
    assert list(b.columns) == ["back", "scale", "norm"]
    for scale in (1.0, 0.5):
        rows = b[b["scale"] == scale]
        assert rows["back"].tolist() == list(range(1, 21))
        np.testing.assert_array_equal(rows["norm"].to_numpy(), rc.book_experiment(scale).norms)
    # the book's matrix: np.random.seed(3); randn(3, 3)
    np.testing.assert_array_equal(rc.book_experiment(1.0).Wh, np.random.RandomState(3).randn(3, 3))


# ========================================================================================== LSTM / GRU
def test_lstm_view_is_the_core_lstm():
    s = Settings(T=9, H=4, N=2, D=3, seed=1, input_scale=0.0, forget_bias=1.0, norm="book")
    res = data.lstm_view(s)
    layer = rc.init_layer("lstm", D=3, H=4, seed=1, scheme="pytorch", scale=1.0, spectral_radius=None, forget_bias=1.0)
    x, dhs = np.zeros((9, 2, 3)), loss_grad(9, 2, 4)
    trace = rc.bptt(layer, x, dhs)
    close(res.flow.curve("dh"), dh_curve(layer, x, dhs, "book"))
    close(res.flow.curve("dc"), batch_log10_norm(trace.dc, "book"))
    tape = rc.forward(layer, x)
    f, o = tape.gate("f"), tape.gate("o")
    dc = o[-1] * (1.0 - tape.tanh_c[-1] ** 2)
    path = [batch_log10_norm(dc, "book")]
    for t in range(8, 0, -1):
        dc = dc * f[t]
        path.append(batch_log10_norm(dc, "book"))
    close(res.flow.curve("cell_path"), np.array(path[::-1]))
    assert res.gate_mean == pytest.approx(f.mean(), rel=1e-12)
    assert res.keep_symbol == "f"
    np.testing.assert_array_equal(res.heatmap, f[:, 0, :])  # sample 1's grid, (T, H)
    frame = data.gate_frame(res.heatmap)  # the CSV's long table, built when it is downloaded
    assert len(frame) == 9 * 4 and frame["t"].iloc[-1] == 9
    np.testing.assert_array_equal(frame["value"].to_numpy(), f[:, 0, :].reshape(-1))
    assert frame.equals(data.gate_frame(f))  # the same rows as from the (T, N, H) gate


@pytest.mark.parametrize("form", ["pytorch", "dlfs2"])
def test_gru_view_is_the_core_gru(form):
    s = Settings(T=9, H=4, N=2, D=3, seed=1, input_scale=0.0, update_bias=2.0, formulation=form)
    res = data.gru_view(s)
    layer = rc.init_layer(
        "gru", D=3, H=4, seed=1, scheme="pytorch", scale=1.0, spectral_radius=None, update_bias=2.0, formulation=form
    )
    x, dhs = np.zeros((9, 2, 3)), loss_grad(9, 2, 4)
    close(res.flow.curve("dh"), dh_curve(layer, x, dhs, "l2"))
    z = rc.forward(layer, x).z
    keep = z if form == "pytorch" else 1.0 - z  # FACTS.md: the book's z is PyTorch's 1 − z
    v, path = dhs[-1], [batch_log10_norm(dhs[-1], "l2")]
    for t in range(8, -1, -1):
        v = v * keep[t]
        path.append(batch_log10_norm(v, "l2"))
    close(res.flow.curve("direct_path"), np.array(path[::-1]))
    assert res.gate_mean == pytest.approx(keep.mean(), rel=1e-12)
    assert res.keep_symbol == ("z" if form == "pytorch" else "1 − z")
    np.testing.assert_array_equal(res.heatmap, z[:, 0, :])  # z as written


@pytest.mark.parametrize("form", ["pytorch", "dlfs2"])
def test_gate_means_in_the_unit_interval_and_above_half_with_a_positive_bias(form):
    for bias in (0.0, 3.0):
        s = Settings(T=20, H=8, update_bias=bias, forget_bias=bias, formulation=form)
        gru = data.gru_view(s)
        assert 0.0 < gru.gate_mean < 1.0
        heat = gru.heatmap
        assert ((heat > 0) & (heat < 1)).all()
        lstm = data.lstm_view(s)
        assert 0.0 < lstm.gate_mean < 1.0
        if bias > 0:
            assert gru.gate_mean > 0.5 and lstm.gate_mean > 0.5
            # z as written: PyTorch's z keeps (high), the book's z updates (low)
            assert (heat.mean() > 0.5) == (form == "pytorch")
    # FACTS.md: with small weights f ≈ σ(b_f)
    assert data.lstm_view(Settings(forget_bias=3.0)).gate_mean == pytest.approx(1 / (1 + math.exp(-3)), abs=0.02)
    assert data.lstm_view(Settings()).gate_mean == pytest.approx(0.5, abs=0.02)


# ================================================================================== shapes of every curve
VIEWS = {
    "compare": lambda s: data.compare(s).flow,
    "rnn": lambda s: data.rnn_view(s).flow,
    "lstm": lambda s: data.lstm_view(s).flow,
    "gru": lambda s: data.gru_view(s).flow,
}
# curves that do not span t = 0 … T: the book's chain (t = 0 … T−1) and the LSTM's cell state (t = 1 … T)
SHORT = {"matmul_only": (0, -1), "dc": (1, 0), "cell_path": (1, 0)}


def check_flow(flow: data.FlowView, T: int) -> None:
    curves = flow.curves
    assert list(curves.columns) == ["t", "back", "curve", "log10_norm"]
    assert (curves["back"] == T - curves["t"]).all()
    assert [i.id for i in flow.info] == list(dict.fromkeys(curves["curve"]))
    assert set(flow.trends) == {i.id for i in flow.info}
    for info in flow.info:
        rows = curves[curves["curve"] == info.id]
        start, end = SHORT.get(info.id, (0, 0))
        assert rows["t"].tolist() == list(range(start, T + 1 + end)), info.id
        y = rows["log10_norm"].to_numpy()
        tr = flow.trends[info.id]
        assert (tr.curve, tr.kind, tr.quantity) == (info.id, info.kind, info.quantity)
        if info.id == "matmul_only":  # measured from the loss (t = T), which the book's figure leaves out
            assert tr.steps == T
        else:
            assert tr.steps == len(y) - 1
            if np.isfinite(y[[0, -1]]).all():
                assert tr.log10_ratio == pytest.approx(y[0] - y[-1], abs=1e-12)
    ts = [m["t"] for m in flow.markers]
    assert ts == sorted(set(ts))


@pytest.mark.parametrize("T", [1, 2, 7])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_curve_shapes_and_trends(view, T):
    for s in (Settings(T=T, H=3, N=2), Settings(T=T, H=3, N=2, loss="every", norm="mean", scheme="identity")):
        check_flow(VIEWS[view](s), T)


def test_t_equals_one_works_everywhere():
    s = Settings(T=1, H=2)
    for view in VIEWS.values():
        check_flow(view(s), 1)
    band = data.seed_band(s, n_seeds=3)
    assert band["t"].tolist() == [0, 1] * 3
    rnn = data.rnn_view(s)
    assert len(rnn.gains) == 3 and rnn.gains["t"].tolist() == [1, 1, 1]
    assert math.isfinite(rnn.log10_rate_full) and math.isfinite(rnn.log10_rate_matmul)


def test_matmul_trend_is_measured_from_the_loss():
    res = data.rnn_view(BOOK)
    m, full = res.flow.curve("matmul_only"), res.flow.curve("full")
    assert res.flow.trends["matmul_only"].log10_ratio == pytest.approx(m[0] - full[-1], abs=1e-12)


# ================================================================================================ trends
def make_trend(log10_ratio: float, steps: int = 10, **kw) -> data.Trend:
    return data.Trend("c", "rnn", "dh", log10_ratio, steps, None, **kw)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (-30.0, "vanishes"),
        (-2.0, "vanishes"),
        (-1.999, "steady"),
        (0.0, "steady"),
        (1.999, "steady"),
        (2.0, "explodes"),
        (400.0, "explodes"),
        (-math.inf, "vanishes"),  # exactly zero at the first point: W_hh = 0, dead relu units
        (math.inf, "undefined"),  # exactly zero at the loss: no ratio to speak of
        (math.nan, "undefined"),
    ],
)
def test_direction_thresholds(ratio, expected):
    assert make_trend(ratio).direction == expected


def test_direction_undefined_after_a_forward_overflow_and_steady_without_steps():
    assert make_trend(-50.0, forward_overflow=3).direction == "undefined"
    assert make_trend(-math.inf, forward_overflow=3).direction == "undefined"
    assert make_trend(50.0, steps=0).direction == "steady"
    assert make_trend(-3.0, steps=6).log10_rate == pytest.approx(-0.5)
    assert make_trend(1.0, steps=0).log10_rate == 0.0


def test_steps_below():
    y = np.array([-9.0, -7.5, -6.5, -5.0, -1.0, 0.0])  # time order, the loss last
    assert data.steps_below(y) == 3  # first below −6 decades: t index 2, three steps back
    assert data.steps_below(y, level=-0.5) == 1
    assert data.steps_below(np.array([0.0, -1.0, -2.0])) is None
    assert data.steps_below(np.array([1.0])) is None
    assert data.steps_below(np.array([-1.0, -np.inf])) is None  # nothing to fall below when the loss's value is 0


def test_overflow_markers_merge_by_t_and_sort():
    trends = [
        make_trend(400.0, overflow64=50, overflow32=90),
        data.Trend("g", "gru", "dh", 50.0, 10, None, overflow32=90),
        data.Trend("l", "lstm", "dh", 50.0, 10, None, forward_overflow=20),
        make_trend(400.0, overflow64=50),  # the same label again: once
    ]
    markers = data.overflow_markers(trends)
    assert [m["t"] for m in markers] == [20, 50, 90]
    assert markers[0]["label"] == ("LSTM: forward overflows", "LSTM: 순전파 오버플로")
    assert markers[1]["label"] == ("RNN: float64 overflows", "RNN: float64 오버플로")
    assert markers[2]["label"][0] == "RNN: float32 overflows · GRU: float32 overflows"
    assert data.overflow_markers([]) == []


# ====================================================================================== the claims (FACTS)
def test_default_settings_rnn_lstm_gru_vanish_and_opened_gates_do_not(default_compare):
    trends = default_compare.flow.trends
    for kind in ("rnn", "lstm", "gru"):
        assert trends[kind].direction == "vanishes", kind
        assert trends[kind].log10_ratio < -6
    for kind in ("lstm_open", "gru_open"):
        assert trends[kind].direction != "vanishes", kind
    assert default_compare.cell_path.direction == "vanishes"
    for key in ("lstm", "gru"):
        assert default_compare.gate_means[key] == pytest.approx(0.5, abs=0.02)
        assert default_compare.gate_means[f"{key}_open"] > 0.9
    assert default_compare.flow.markers == []


def test_facts_rates_at_T_100():
    """FACTS.md, T = 100, H = 32, loss at the last step: ‖dh_0‖/‖dh_T‖ ≈ RNN 2e-27, LSTM 9e-22 (forget bias 0),
    9e-10 (+1), 1e-2 (+3), GRU 1e-21, 9e-11, 1e-2 (their inputs differ: within 1.5 decades)."""
    s = Settings(T=100)
    res = data.compare(s)
    for curve, expected in (("rnn", 2e-27), ("lstm", 9e-22), ("gru", 1e-21), ("lstm_open", 1e-2), ("gru_open", 1e-2)):
        assert abs(res.flow.trends[curve].log10_ratio - math.log10(expected)) < 1.5, curve
    lstm1 = data.lstm_view(dataclasses.replace(s, forget_bias=1.0)).flow.trends["dh"].log10_ratio
    gru1 = data.gru_view(dataclasses.replace(s, update_bias=1.0)).flow.trends["dh"].log10_ratio
    assert abs(lstm1 - math.log10(9e-10)) < 1.5
    assert abs(gru1 - math.log10(9e-11)) < 1.5


# ============================================================================================ overflow
def plain_first_overflow(W: np.ndarray, T: int, dtype: type) -> int | None:
    """The largest t at which v_t = ones · W^(T−t), computed plainly in ``dtype``, holds an inf or NaN."""
    v = np.ones((1, W.shape[0]), dtype=dtype)
    Wd = W.astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 1, -1, -1):
            v = (v @ Wd).astype(dtype)
            if not np.isfinite(v).all():
                return t
    return None


def test_exploding_orthogonal_rho_3_passes_float64(exploding_compare):
    rnn = exploding_compare.flow.trends["rnn"]
    assert rnn.log10_ratio > LOG10_F64_MAX
    assert rnn.log10_ratio == pytest.approx(1000 * math.log10(3.0), rel=1e-9)  # ρ = 3 per step, orthogonal
    assert rnn.direction == "explodes"
    y = exploding_compare.flow.curve("rnn")
    assert np.isfinite(y).all()
    assert rnn.overflow64 is not None and rnn.overflow32 is not None
    assert rnn.overflow32 > rnn.overflow64  # float32 overflows after fewer backward steps: later in t
    ts = [m["t"] for m in exploding_compare.flow.markers]
    assert ts == sorted(ts) and rnn.overflow64 in ts and rnn.overflow32 in ts


def test_overflow_markers_sit_where_a_plain_computation_first_holds_inf(exploding_compare, exploding_rnn):
    """The float64 (float32) marker sits at the t of the first ∂L/∂h_t that a plain float64 (float32) backward
    holds as inf: the plain BPTT ``rc.bptt`` and a plain loop of the same chain are the references."""
    layer = rc.init_layer("rnn", **EXPLODING_RNN)
    x, dhs = np.zeros((1000, 1, 8)), loss_grad(1000, 1, 16)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = rc.bptt(layer, x, dhs)
    bad = [t + 1 for t in range(1000) if not np.isfinite(trace.dh[t]).all()]
    first64 = max(bad)
    assert first64 == plain_first_overflow(layer.W_hh, 1000, np.float64)  # x = 0: h = 0 and tanh′ = 1
    first32 = plain_first_overflow(layer.W_hh, 1000, np.float32)
    # a finite vector cannot have a norm above the dtype's maximum times √H, and an inf element makes it infinite
    y = exploding_rnn.flow.curve("full")
    assert y[first64 + 1] < LOG10_F64_MAX + 0.5 * math.log10(16) and y[first64] > LOG10_F64_MAX - 0.1
    for trend in (exploding_compare.flow.trends["rnn"], exploding_rnn.flow.trends["full"]):
        # an inf element makes the norm at least the dtype's maximum: no marker where the exact norm is below it
        assert y[trend.overflow64] >= LOG10_F64_MAX - 1e-6, (
            f"float64 marker at t={trend.overflow64}: {y[trend.overflow64]}"
        )
        assert y[trend.overflow32] >= LOG10_F32_MAX - 1e-6, (
            f"float32 marker at t={trend.overflow32}: {y[trend.overflow32]}"
        )
        assert (trend.overflow64, trend.overflow32) == (first64, first32)
    assert (
        exploding_rnn.flow.trends["matmul_only"].overflow64,
        exploding_rnn.flow.trends["matmul_only"].overflow32,
    ) == (
        first64,
        first32,
    )


def test_gated_overflow_steps_agree_with_the_plain_bptt(exploding_compare):
    """Where the plain float64 BPTT of the LSTM/GRU stays finite, no float64 marker."""
    for kind, kwargs in (
        ("lstm", dict(forget_bias=0.0)),
        ("gru", dict(update_bias=0.0, formulation="pytorch")),
    ):
        layer = rc.init_layer(kind, D=8, H=16, seed=0, scheme="orthogonal", scale=1.0, spectral_radius=3.0, **kwargs)
        with np.errstate(over="ignore", invalid="ignore"):
            trace = rc.bptt(layer, np.zeros((1000, 1, 8)), loss_grad(1000, 1, 16))
        finite = np.isfinite(trace.dh).all() and np.isfinite(trace.dh0).all()
        assert (exploding_compare.flow.trends[kind].overflow64 is None) == finite, kind


def test_relu_identity_times_3_reports_a_forward_overflow():
    s = Settings(T=1000, H=4, N=1, nonlinearity="relu", scheme="identity", scale=3.0)
    res = data.rnn_view(s)
    layer = rc.init_layer(
        "rnn", D=8, H=4, seed=0, scheme="identity", scale=3.0, spectral_radius=None, nonlinearity="relu"
    )
    x, _ = data.make_inputs(s)
    with np.errstate(over="ignore", invalid="ignore"):
        hs = rc.forward(layer, x).hs
    first = 1 + min(t for t in range(1000) if not np.isfinite(hs[t]).all())  # hs[t] is h_{t+1}
    full = res.flow.trends["full"]
    assert full.forward_overflow == first
    assert full.direction == "undefined"
    labels = [m["label"][0] for m in res.flow.markers if m["t"] == first]
    assert labels == ["RNN: forward overflows"]
    cmp = data.compare(s, show_open_gates=False).flow.trends["rnn"]
    assert cmp.forward_overflow == first and cmp.direction == "undefined"


# ============================================================================================= seed band
def test_seed_band_contains_every_seeds_curve():
    s = Settings(T=6, H=3, N=2, seed=17)
    band = data.seed_band(s, n_seeds=4)
    assert list(band.columns) == ["t", "back", "curve", "lo", "hi"]
    assert (band["back"] == 6 - band["t"]).all()
    curves = {k: [] for k in ("rnn", "lstm", "gru")}
    for k in range(4):
        flow = data.compare(dataclasses.replace(s, seed=17 + k), show_open_gates=False).flow
        for kind in curves:
            curves[kind].append(flow.curve(kind))
    for kind, runs in curves.items():
        rows = band[band["curve"] == kind]
        assert rows["t"].tolist() == list(range(7))
        lo, hi, arr = rows["lo"].to_numpy(), rows["hi"].to_numpy(), np.array(runs)
        assert (lo <= arr + 1e-12).all() and (arr <= hi + 1e-12).all()
        np.testing.assert_allclose(lo, arr.min(axis=0), atol=1e-12)  # the band is attained, not padded
        np.testing.assert_allclose(hi, arr.max(axis=0), atol=1e-12)


def test_seed_band_at_the_largest_seed_wraps():
    band = data.seed_band(Settings(T=3, H=2, seed=2**31 - 1), n_seeds=3)
    assert np.isfinite(band[["lo", "hi"]].to_numpy()).all()


# ========================================================================================== extremes
def extremes() -> list[tuple[str, object]]:
    cases: list[tuple[str, object]] = [
        ("T", 1),
        ("T", 1000),
        ("H", 1),
        ("H", 256),
        ("seed", 0),
        ("seed", 2**31 - 1),
        ("N", 1),
        ("N", 64),
        ("D", 1),
        ("D", 64),
        ("input_scale", 0.0),
        ("input_scale", 5.0),
        ("scale", 0.0),
        ("scale", 3.0),
        ("rho", 0.05),
        ("rho", 3.0),
        ("forget_bias", -3.0),
        ("forget_bias", 6.0),
        ("update_bias", -3.0),
        ("update_bias", 6.0),
        ("nonlinearity", "relu"),
        ("formulation", "dlfs2"),
        ("loss", "every"),
        ("norm", "book"),
        ("norm", "mean"),
    ]
    cases += [("scheme", scheme) for scheme in rc.SCHEMES]
    return cases


@pytest.mark.parametrize(("key", "value"), extremes(), ids=[f"{k}={v}" for k, v in extremes()])
def test_every_control_at_its_extremes_computes(key, value):
    base = Settings(T=4, H=3, N=2, D=2, seed=1)
    s = dataclasses.replace(base, **{key: value})
    if key in ("rho", "scale"):
        s = dataclasses.replace(s, set_rho=True, scheme="orthogonal")
    s, _ = within_budget(consistent(s)[0])
    for view in VIEWS.values():
        check_flow(view(s), s.T)


# ============================================================================================= memory
def test_the_largest_run_fitted_to_the_budget_stays_within_it():
    """The LSTM's tape bounds every view (settings.py): the largest run that ``within_budget`` lets through must
    stay under MEMORY_BUDGET_BYTES, measured (NumPy reports its buffers to tracemalloc)."""
    s, _ = within_budget(Settings(T=1000, H=256, N=64))
    tracemalloc.start()
    try:
        res = data.lstm_view(s)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(res.flow.curves, pd.DataFrame)
    assert peak <= MEMORY_BUDGET_BYTES, f"peak {peak / 2**20:.1f} MiB > budget {MEMORY_BUDGET_BYTES / 2**20:.0f} MiB"


@pytest.mark.parametrize("scheme", ["identity", "book"])
def test_a_zero_recurrent_matrix_vanishes_at_once(scheme):
    """W_hh = 0 (init scale 0): ∂L/∂h_t is exactly 0 one step back from the loss; that is vanishing."""
    res = data.rnn_view(Settings(T=6, H=3, scheme=scheme, scale=0.0))
    full = res.flow.curve("full")
    assert np.isneginf(full[:-1]).all() and np.isfinite(full[-1])
    assert res.flow.trends["full"].direction == "vanishes"
    assert res.flow.trends["full"].steps_to_vanish == 1
    assert res.log10_bound is None and res.log10_rho is None


@pytest.mark.parametrize("bias", [-3.0, 0.0, 1.5])
def test_the_opened_curves_name_the_bias_they_reached_and_the_step_of_plus_3(bias):
    """The toggle says "opened by +3": at forget/update bias −3 the dotted curves are at bias 0, and say how."""
    s = Settings(T=5, H=4, forget_bias=bias, update_bias=bias)
    r = data.compare(s, show_open_gates=True)
    labels = {c.id: c.label for c in r.flow.info}
    for kind in ("lstm", "gru"):
        assert r.open_bias[kind] == bias + 3
        want = f"gate bias {bias + 3:+g}" + ("" if bias == 0 else f" ({bias:+g} +3)")
        assert labels[f"{kind}_open"][0].endswith(want), labels[f"{kind}_open"]
        text = claims.OpenClaim(kind.upper(), r.open_bias[kind], r.flow.trends[f"{kind}_open"],
                                  r.flow.trends[kind], 0.5).render("en")  # fmt: skip
        assert text.startswith(f"Opened by +3 to gate bias {bias + 3:+g}"), text


def test_overflow_markers_name_which_curve_of_a_kind():
    """RNN relu at T = 1000 showed two 'RNN: float32 overflows' legend entries: the full chain's and W_hh alone's."""
    trends = [
        data.Trend("full", "rnn", "dh", 50.0, 10, None, overflow32=226),
        data.Trend("matmul_only", "rnn", "matmul_only", 50.0, 10, None, overflow32=859),
        data.Trend("lstm_open", "lstm", "dh", 50.0, 10, None, overflow32=300),
    ]
    labels = [m["label"] for m in data.overflow_markers(trends)]
    assert labels[0] == ("RNN ‖∂L/∂h_t‖: float32 overflows", "RNN ‖∂L/∂h_t‖: float32 오버플로")
    assert labels[2] == ("RNN W_hh only: float32 overflows", "RNN W_hh만: float32 오버플로")
    assert labels[1][0] == "LSTM: float32 overflows"  # one LSTM curve: the kind alone names it
    assert len({en for en, _ in labels}) == len(labels)
