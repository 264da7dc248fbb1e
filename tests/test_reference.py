"""recurrent_core.reference (the book's cells) against the fast kernels, finite differences and literal layouts;
and the two slips in the study notes (``dx = dA @ Wh.T`` in the LSTM backward, ``np.sigmoid``)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from helpers import VARIANT_IDS, VARIANTS, problem, rel_err

import recurrent_core as rc
from recurrent_core import reference as ref

TOL = 1e-12
SHAPES = [(1, 1, 3, 4), (6, 3, 4, 4), (30, 2, 5, 8)]  # (T, N, D, H): T=1 N=1, D == H, D != H


@pytest.mark.parametrize("with_h0", [True, False], ids=["h0", "zeros"])
@pytest.mark.parametrize("shape", SHAPES, ids=["T{}N{}D{}H{}".format(*s) for s in SHAPES])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_reference_equals_the_fast_kernels(variant, shape, with_h0):
    T, N, D, H = shape
    layer, x, dhs, h0, c0, _ = problem(variant, T, N, D, H, seed=11 * T + H, with_h0=with_h0)
    fast = rc.bptt(layer, x, dhs, h0, c0)
    book = ref.bptt(layer, x, dhs, h0, c0)
    assert book.hs.shape == (T, N, H) and book.dx.shape == (T, N, D)
    assert rel_err(book.hs, fast.hs, floor=1e-300) < TOL
    assert rel_err(book.dx, fast.dx, floor=1e-300) < TOL
    assert rel_err(book.dh0, fast.dh0, floor=1e-300) < TOL
    if variant[1] == "lstm":
        assert rel_err(book.dc0, fast.dc0, floor=1e-300) < TOL
    else:
        assert book.dc0 is None
    assert sorted(book.grads) == sorted(fast.grads)
    for key, grad in fast.grads.items():
        assert book.grads[key].shape == grad.shape, key
        assert rel_err(book.grads[key], grad, floor=1e-300) < TOL, key


def labelled_layer(kind, formulation="pytorch", D=2, H=3):
    """A layer whose every weight row holds its PyTorch block number (0, 1, 2, 3), biases 10·block + 1 and 2."""
    k = rc.LSTMLayer.GATES if kind == "lstm" else (3 if kind == "gru" else 1)
    block = np.repeat(np.arange(k, dtype=float), H)
    W_ih, W_hh = np.tile(block[:, None], (1, D)), np.tile(block[:, None], (1, H))
    args = (W_ih, W_hh, 10 * block + 1, 10 * block + 2)
    if kind == "lstm":
        return rc.LSTMLayer(*args)
    return rc.GRULayer(*args, formulation=formulation) if kind == "gru" else rc.RNNLayer(*args)


@pytest.mark.parametrize(
    "kind, formulation, book_blocks",
    [
        ("rnn", None, [0]),
        ("lstm", None, [1, 2, 0, 3]),  # the book's f, g, i, o are PyTorch's blocks 1, 2, 0, 3
        ("gru", "dlfs2", [1, 0, 2]),  # the book's z, r, h̃ are PyTorch's r, z, n blocks 1, 0, 2
        ("gru", "pytorch", [0, 1, 2]),  # PyTorch's GRU keeps PyTorch's order
    ],
)
def test_from_pytorch_layer_layout(kind, formulation, book_blocks):
    D, H = 2, 3
    layer = labelled_layer(kind, formulation or "pytorch", D, H)
    p = ref.from_pytorch_layer(layer)
    expected_cols = np.repeat(np.array(book_blocks, dtype=float), H)
    assert p.Wx.shape == (D, len(book_blocks) * H) and p.Wh.shape == (H, len(book_blocks) * H)
    np.testing.assert_array_equal(p.Wx, np.tile(expected_cols, (D, 1)))
    np.testing.assert_array_equal(p.Wh, np.tile(expected_cols, (H, 1)))
    if formulation == "pytorch":
        np.testing.assert_array_equal(p.b, 10 * expected_cols + 1)
        np.testing.assert_array_equal(p.bh, 10 * expected_cols + 2)
    else:
        np.testing.assert_array_equal(p.b, 20 * expected_cols + 3)  # b = b_ih + b_hh
        assert p.bh is None
    # and back: the parameters themselves, mapped as gradients, land on PyTorch's rows
    back = ref.grads_to_pytorch(layer, tuple(v for v in p if v is not None))
    np.testing.assert_array_equal(back["weight_ih_l0"], layer.W_ih)
    np.testing.assert_array_equal(back["weight_hh_l0"], layer.W_hh)


def lstm_step_problem(D, H, N=2, seed=0):
    rng = np.random.default_rng(seed)
    x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(0, 0.5, (D, 4 * H)), rng.normal(0, 0.5, (H, 4 * H)), rng.normal(0, 0.5, 4 * H)
    dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next


def numerical_dx(x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next, eps=1e-6):
    """Central differences of L = <dh_next, h_next> + <dc_next, c_next> with respect to x."""

    def loss(x):
        h_next, c_next, _ = ref.lstm_forward(x, h_prev, c_prev, Wx, Wh, b)
        return np.sum(dh_next * h_next) + np.sum(dc_next * c_next)

    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (loss(x + step) - loss(x - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("D, H", [(3, 3), (2, 4)], ids=["D==H", "D!=H"])
def test_the_notes_lstm_dx_with_wh_is_wrong(D, H):
    x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next = lstm_step_problem(D, H)
    _, _, cache = ref.lstm_forward(x, h_prev, c_prev, Wx, Wh, b)
    dx, _, _, _ = ref.lstm_backward(dh_next, dc_next, cache, Wx, Wh)
    expected = numerical_dx(x, h_prev, c_prev, Wx, Wh, b, dh_next, dc_next)
    assert rel_err(dx, expected) < 1e-8  # the book's dx = dA @ Wx.T
    # dA itself: the backward's dx with Wx = I (Wx enters the backward only there)
    dA = ref.lstm_backward(dh_next, dc_next, cache, np.eye(4 * H), Wh)[0]
    np.testing.assert_allclose(dA @ Wx.T, dx, rtol=1e-13, atol=1e-15)
    wrong = dA @ Wh.T  # the notes' version
    if D == H:
        assert wrong.shape == dx.shape
        assert rel_err(wrong, expected) > 0.1  # the right shape, the wrong numbers
    else:
        assert wrong.shape == (x.shape[0], H) != dx.shape  # not even the shape of x


def test_numpy_has_no_sigmoid():
    assert not hasattr(np, "sigmoid")
    with pytest.raises(AttributeError):
        np.sigmoid(0.0)  # the notes' call
    np.testing.assert_allclose(ref.sigmoid(np.array([0.0, 2.0])), [0.5, 1 / (1 + np.exp(-2.0))], rtol=1e-15)


@pytest.mark.parametrize("cell", ["rnn", "gru", "torch_gru"])
def test_single_step_backward_against_finite_differences(cell):
    """Each cell's backward alone (dx, dh_prev, every parameter) against central differences of its forward."""
    rng = np.random.default_rng(3)
    N, D, H = 2, 3, 4
    k = 1 if cell == "rnn" else 3
    params = {
        "x": rng.normal(size=(N, D)),
        "h_prev": rng.normal(size=(N, H)),
        "Wx": rng.normal(0, 0.5, (D, k * H)),
        "Wh": rng.normal(0, 0.5, (H, k * H)),
        "b": rng.normal(0, 0.5, k * H),
    }
    if cell == "torch_gru":  # PyTorch's GRU keeps two biases: bx (b_ih) and bh (b_hh)
        params["bx"] = params.pop("b")
        params["bh"] = rng.normal(0, 0.5, k * H)
    dh_next = rng.normal(size=(N, H))
    forward = {"rnn": ref.rnn_forward, "gru": ref.gru_forward, "torch_gru": ref.torch_gru_forward}[cell]
    backward = {"rnn": ref.rnn_backward, "gru": ref.gru_backward, "torch_gru": ref.torch_gru_backward}[cell]

    def loss(**changed):
        return np.sum(dh_next * forward(**(params | changed))[0])

    _, cache = forward(**params)
    dx, dh_prev, grads = backward(dh_next, cache, params["Wx"], params["Wh"])
    names = ["x", "h_prev", "Wx", "Wh"] + (["bx", "bh"] if cell == "torch_gru" else ["b"])
    for name, ours in zip(names, (dx, dh_prev, *grads), strict=True):
        value = params[name]
        num = np.zeros_like(value)
        for idx in np.ndindex(*value.shape):
            step = np.zeros_like(value)
            step[idx] = 1e-6
            num[idx] = (loss(**{name: value + step}) - loss(**{name: value - step})) / 2e-6
        assert rel_err(ours, num) < 1e-8, name


def test_functions_are_short_and_documented_for_the_theory_page():
    """The Theory page shows each function's source under its equation: one-line docstring, one screen."""
    names = [
        "sigmoid",
        "rnn_forward",
        "rnn_backward",
        "lstm_forward",
        "lstm_backward",
        "gru_forward",
        "gru_backward",
        "torch_gru_forward",
        "torch_gru_backward",
        "from_pytorch_layer",
        "grads_to_pytorch",
        "bptt",
    ]
    for name in names:
        func = getattr(ref, name)
        doc = inspect.getdoc(func)
        assert doc and "\n" not in doc, name
        assert len(inspect.getsource(func).splitlines()) <= 30, name
    source = inspect.getsource(ref.lstm_backward)
    for book_name in ("dh_next", "dc_next", "ds", "dc_prev = ds * f", "dA = np.hstack", "dh_prev = dA @ Wh.T"):
        assert book_name in source
