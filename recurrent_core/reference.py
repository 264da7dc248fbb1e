"""The three cells as *Deep Learning from Scratch 2* writes them (``common/time_layers.py``): a reference.

Row vectors (``x @ Wx``), one bias ``b``, the book's names (``dh_next``, ``dc_next``, ``ds``, ``dA``) and gate
orders. Each forward returns its cache instead of keeping it in ``self.cache``; each backward takes the upstream
gradient and the cache and returns ``dx, dh_prev (, dc_prev)`` and the parameter gradients ``(dWx, dWh, db)``.
Slow and plain on purpose: the fast kernels in rnn.py, lstm.py and gru.py are tested equal to these.

Conventions, against PyTorch's layout in the rest of the core (see ``from_pytorch_layer``)::

    Wx = W_ih.T  (D, kH)    Wh = W_hh.T  (H, kH)    b = b_ih + b_hh  (kH,)
    LSTM gate blocks: the book's f, g, i, o; PyTorch's i, f, g, o
    GRU gate blocks:  the book's z, r, h̃;  PyTorch's r, z, n  (the book's GRU is the core's "dlfs2" form)

PyTorch's own GRU (reset applied after the matmul, two biases) is written in the same row-vector style in
``torch_gru_forward`` / ``torch_gru_backward``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .cells import GRULayer, Layer, LSTMLayer

Array = npt.NDArray[np.float64]
Cache = tuple[Array, ...]
Grads = tuple[Array, ...]

# Block orders: position k of the book's layout holds PyTorch's block LSTM_ORDER[k] (resp. GRU_ORDER[k]).
LSTM_ORDER = (1, 2, 0, 3)  # the book's f, g, i, o = PyTorch's blocks 1 (f), 2 (g), 0 (i), 3 (o)
GRU_ORDER = (1, 0, 2)  # the book's z, r, h̃ = PyTorch's blocks 1 (z), 0 (r), 2 (n)


def sigmoid(x: Array) -> Array:
    """The book's sigmoid (common/functions.py); NumPy has no np.sigmoid."""
    return 1 / (1 + np.exp(-x))


# --- vanilla RNN ------------------------------------------------------------------------------------------------


def rnn_forward(x: Array, h_prev: Array, Wx: Array, Wh: Array, b: Array, relu: bool = False) -> tuple[Array, Cache]:
    """h_next = tanh(h_prev Wh + x Wx + b) (or relu); returns h_next and the cache."""
    t = h_prev @ Wh + x @ Wx + b
    h_next = np.maximum(t, 0) if relu else np.tanh(t)
    return h_next, (x, h_prev, h_next)


def rnn_backward(dh_next: Array, cache: Cache, Wx: Array, Wh: Array, relu: bool = False) -> tuple[Array, Array, Grads]:
    """dt = dh_next * (1 - h_next ** 2); returns dx, dh_prev and (dWx, dWh, db)."""
    x, h_prev, h_next = cache
    dt = dh_next * (h_next > 0) if relu else dh_next * (1 - h_next**2)
    db = np.sum(dt, axis=0)
    dWh = h_prev.T @ dt
    dh_prev = dt @ Wh.T  # the same Wh every step: the product that explodes or vanishes
    dWx = x.T @ dt
    dx = dt @ Wx.T
    return dx, dh_prev, (dWx, dWh, db)


# --- LSTM (the book's gate order f, g, i, o; PyTorch's is i, f, g, o) ------------------------------------------


def lstm_forward(x: Array, h_prev: Array, c_prev: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, Array, Cache]:
    """c_next = f * c_prev + g * i, h_next = o * tanh(c_next); returns h_next, c_next and the cache."""
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b
    f = sigmoid(A[:, :H])
    g = np.tanh(A[:, H : 2 * H])
    i = sigmoid(A[:, 2 * H : 3 * H])
    o = sigmoid(A[:, 3 * H :])
    c_next = f * c_prev + g * i
    h_next = o * np.tanh(c_next)
    return h_next, c_next, (x, h_prev, c_prev, i, f, g, o, c_next)


def lstm_backward(
    dh_next: Array, dc_next: Array, cache: Cache, Wx: Array, Wh: Array
) -> tuple[Array, Array, Array, Grads]:
    """ds = dc_next + dh_next * o * (1 - tanh(c_next)²), dc_prev = ds * f; returns dx, dh_prev, dc_prev, grads."""
    x, h_prev, c_prev, i, f, g, o, c_next = cache
    tanh_c_next = np.tanh(c_next)
    ds = dc_next + (dh_next * o) * (1 - tanh_c_next**2)
    dc_prev = ds * f  # the cell path: element-wise, no matrix
    di = ds * g * i * (1 - i)
    df = ds * c_prev * f * (1 - f)
    do = dh_next * tanh_c_next * o * (1 - o)
    dg = ds * i * (1 - g**2)
    dA = np.hstack((df, dg, di, do))
    dWh = h_prev.T @ dA
    dWx = x.T @ dA
    db = dA.sum(axis=0)
    dx = dA @ Wx.T  # Wx, not Wh (a slip in the study notes)
    dh_prev = dA @ Wh.T
    return dx, dh_prev, dc_prev, (dWx, dWh, db)


# --- GRU, the book's form (gate order z, r, h̃; reset before the matmul; z updates) ------------------------------


def gru_forward(x: Array, h_prev: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, Cache]:
    """h_hat = tanh(x Wxh + (r * h_prev) Whh + bh), h_next = (1 - z) * h_prev + z * h_hat."""
    H = Wh.shape[0]
    Wxz, Wxr, Wxh = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
    Whz, Whr, Whh = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]
    bz, br, bh = b[:H], b[H : 2 * H], b[2 * H :]
    z = sigmoid(x @ Wxz + h_prev @ Whz + bz)
    r = sigmoid(x @ Wxr + h_prev @ Whr + br)
    h_hat = np.tanh(x @ Wxh + (r * h_prev) @ Whh + bh)
    h_next = (1 - z) * h_prev + z * h_hat
    return h_next, (x, h_prev, z, r, h_hat)


def gru_backward(dh_next: Array, cache: Cache, Wx: Array, Wh: Array) -> tuple[Array, Array, Grads]:
    """Back through h_hat (tanh), then z, then r; returns dx, dh_prev and (dWx, dWh, db)."""
    H = Wh.shape[0]
    Wxz, Wxr, Wxh = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
    Whz, Whr, Whh = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]
    x, h_prev, z, r, h_hat = cache
    dh_hat = dh_next * z
    dh_prev = dh_next * (1 - z)  # the direct path: element-wise, 1 - z keeps
    dt = dh_hat * (1 - h_hat**2)  # h_hat
    dbh, dWhh, dWxh = dt.sum(axis=0), (r * h_prev).T @ dt, x.T @ dt
    dhr = dt @ Whh.T
    dx = dt @ Wxh.T
    dh_prev += r * dhr
    dt = (dh_next * h_hat - dh_next * h_prev) * z * (1 - z)  # update gate z
    dbz, dWhz, dWxz = dt.sum(axis=0), h_prev.T @ dt, x.T @ dt
    dh_prev += dt @ Whz.T
    dx += dt @ Wxz.T
    dt = dhr * h_prev * r * (1 - r)  # reset gate r
    dbr, dWhr, dWxr = dt.sum(axis=0), h_prev.T @ dt, x.T @ dt
    dh_prev += dt @ Whr.T
    dx += dt @ Wxr.T
    grads = (np.hstack((dWxz, dWxr, dWxh)), np.hstack((dWhz, dWhr, dWhh)), np.hstack((dbz, dbr, dbh)))
    return dx, dh_prev, grads


# --- GRU, PyTorch's form in the same style (gate order r, z, n; reset after the matmul; z keeps; two biases) -----


def torch_gru_forward(x: Array, h_prev: Array, Wx: Array, Wh: Array, bx: Array, bh: Array) -> tuple[Array, Cache]:
    """n = tanh(x Wxn + bxn + r * (h_prev Whn + bhn)), h_next = (1 - z) * n + z * h_prev."""
    H = Wh.shape[0]
    gx = x @ Wx + bx
    gh = h_prev @ Wh + bh
    r = sigmoid(gx[:, :H] + gh[:, :H])
    z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])
    h_next = (1 - z) * n + z * h_prev
    return h_next, (x, h_prev, r, z, n, gh[:, 2 * H :])


def torch_gru_backward(dh_next: Array, cache: Cache, Wx: Array, Wh: Array) -> tuple[Array, Array, Grads]:
    """Returns dx, dh_prev and (dWx, dWh, dbx, dbh); dbx and dbh differ in the n block (r multiplies bhn)."""
    x, h_prev, r, z, n, ghn = cache
    dh_prev = dh_next * z  # the direct path: element-wise, z keeps
    dtn = dh_next * (1 - z) * (1 - n**2)
    dtz = dh_next * (h_prev - n) * z * (1 - z)
    dtr = dtn * ghn * r * (1 - r)
    dgx = np.hstack((dtr, dtz, dtn))
    dgh = np.hstack((dtr, dtz, dtn * r))
    dx = dgx @ Wx.T
    dh_prev += dgh @ Wh.T
    return dx, dh_prev, (x.T @ dgx, h_prev.T @ dgh, dgx.sum(axis=0), dgh.sum(axis=0))


# --- from PyTorch's layout and back -----------------------------------------------------------------------------


class BookParams(NamedTuple):
    """The book's parameters: Wx (D, kH), Wh (H, kH), b (kH,); PyTorch's GRU keeps two biases (b, bh)."""

    Wx: Array
    Wh: Array
    b: Array
    bh: Array | None = None


def _reorder(A: Array, order: tuple[int, ...], axis: int) -> Array:
    """A's equal blocks along ``axis`` taken in ``order``."""
    return np.concatenate([np.split(A, len(order), axis=axis)[k] for k in order], axis=axis)


def _order(layer: Layer) -> tuple[int, ...]:
    if isinstance(layer, LSTMLayer):
        return LSTM_ORDER
    if isinstance(layer, GRULayer) and layer.formulation == "dlfs2":
        return GRU_ORDER
    return tuple(range(layer.GATES))  # an RNN, and PyTorch's GRU: PyTorch's own order


def from_pytorch_layer(layer: Layer) -> BookParams:
    """Wx = W_ihᵀ, Wh = W_hhᵀ, b = b_ih + b_hh, gate blocks in the book's order."""
    gate = getattr(layer, "gate_activation", "sigmoid")
    if gate != "sigmoid":  # the book's gates are sigmoids: refused by name rather than computed wrongly
        raise ValueError(f"reference: the book's cells compute sigmoid gates, not {gate!r}")
    order = _order(layer)
    Wx, Wh = _reorder(layer.W_ih.T, order, 1), _reorder(layer.W_hh.T, order, 1)
    if isinstance(layer, GRULayer) and layer.formulation == "pytorch":
        return BookParams(Wx, Wh, layer.b_ih.copy(), layer.b_hh.copy())  # r multiplies b_hn alone: two biases
    # the dlfs2 GRU adds b_hn outside the reset, so one bias b = b_ih + b_hh is exact there too
    return BookParams(Wx, Wh, _reorder(layer.b_ih + layer.b_hh, order, 0))


def grads_to_pytorch(layer: Layer, grads: Grads) -> dict[str, Array]:
    """The book's (dWx, dWh, db[, dbh]) as PyTorch's state-dict gradients; b = b_ih + b_hh gives both db."""
    inverse = tuple(np.argsort(_order(layer)))
    dWx, dWh, db = grads[:3]
    dbh = grads[3] if len(grads) == 4 else db
    return {
        "weight_ih_l0": _reorder(dWx, inverse, 1).T,
        "weight_hh_l0": _reorder(dWh, inverse, 1).T,
        "bias_ih_l0": _reorder(db, inverse, 0),
        "bias_hh_l0": _reorder(dbh, inverse, 0),
    }


# --- the whole BPTT, as the book's Time layers run it ------------------------------------------------------------


@dataclass(frozen=True)
class BookTrace:
    """What ``bptt`` returns: hidden states (T, N, H), dx (T, N, D), dh0, dc0 and PyTorch-layout grads."""

    hs: Array
    dx: Array
    dh0: Array
    dc0: Array | None
    grads: dict[str, Array]


def step_forward(layer: Layer, p: BookParams, x: Array, h: Array, c: Array) -> tuple[Array, Array, Cache]:
    """One step of the layer's cell: h_next, c_next and the cache (c passes through if there is no cell)."""
    if isinstance(layer, LSTMLayer):
        return lstm_forward(x, h, c, p.Wx, p.Wh, p.b)
    if isinstance(layer, GRULayer) and p.bh is not None:
        h_next, cache = torch_gru_forward(x, h, p.Wx, p.Wh, p.b, p.bh)
    elif isinstance(layer, GRULayer):
        h_next, cache = gru_forward(x, h, p.Wx, p.Wh, p.b)
    else:
        h_next, cache = rnn_forward(x, h, p.Wx, p.Wh, p.b, relu=layer.nonlinearity == "relu")
    return h_next, c, cache


def step_backward(
    layer: Layer, p: BookParams, dh_next: Array, dc_next: Array, cache: Cache
) -> tuple[Array, Array, Array, Grads]:
    """One step back: dx, dh_prev, dc_prev (dc_next passes through if there is no cell) and the grads."""
    if isinstance(layer, LSTMLayer):
        return lstm_backward(dh_next, dc_next, cache, p.Wx, p.Wh)
    if isinstance(layer, GRULayer) and p.bh is not None:
        dx, dh_prev, grads = torch_gru_backward(dh_next, cache, p.Wx, p.Wh)
    elif isinstance(layer, GRULayer):
        dx, dh_prev, grads = gru_backward(dh_next, cache, p.Wx, p.Wh)
    else:
        dx, dh_prev, grads = rnn_backward(dh_next, cache, p.Wx, p.Wh, relu=layer.nonlinearity == "relu")
    return dx, dh_prev, dc_next, grads


def bptt(layer: Layer, x: Array, dhs: Array, h0: Array | None = None, c0: Array | None = None) -> BookTrace:
    """The book's Time layers: forward over x (T, N, D) keeping every cache, then back, summing the grads."""
    p = from_pytorch_layer(layer)
    T, N, _ = x.shape
    h = np.zeros((N, layer.H)) if h0 is None else h0
    c = np.zeros((N, layer.H)) if c0 is None else c0
    hs, caches = [], []
    for t in range(T):
        h, c, cache = step_forward(layer, p, x[t], h, c)
        hs.append(h)
        caches.append(cache)
    dh, dc = np.zeros_like(h), np.zeros_like(c)  # the book's `dh, dc = 0, 0`
    dxs, grads = [], None
    for t in reversed(range(T)):
        dx, dh, dc, step = step_backward(layer, p, dhs[t] + dh, dc, caches[t])
        dxs.append(dx)
        grads = step if grads is None else tuple(g + s for g, s in zip(grads, step, strict=True))
    assert grads is not None
    dc0 = dc if isinstance(layer, LSTMLayer) else None
    return BookTrace(np.array(hs), np.array(dxs[::-1]), dh, dc0, grads_to_pytorch(layer, grads))
