"""Forward and full backpropagation through time for any layer kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .gru import gru_forward, gru_param_grads, gru_step_back
from .layers import GRULayer, LSTMLayer, RNNLayer, as_float64
from .lstm import lstm_forward, lstm_param_grads, lstm_step_back
from .rnn import rnn_forward, rnn_param_grads, rnn_step_back

# Per kind: (forward, step_back, param_grads). step_back(layer, tape, t, dh_t, dc_next) returns
# (dgi_t, dgh_t, dh_prev, dc_prev, dc_t) and is linear in (dh_t, dc_next) for a fixed tape.
_CELLS = {
    RNNLayer: (rnn_forward, rnn_step_back, rnn_param_grads),
    LSTMLayer: (lstm_forward, lstm_step_back, lstm_param_grads),
    GRULayer: (gru_forward, gru_step_back, gru_param_grads),
}


def cell_functions(layer):
    try:
        return _CELLS[type(layer)]
    except KeyError:
        raise ValueError(
            f"layer: expected an RNNLayer, LSTMLayer or GRULayer (e.g. from rc.from_pytorch), "
            f"got {type(layer).__name__}"
        ) from None


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything one forward + backward pass computed. Shapes use T steps, N samples, H units, D inputs."""

    kind: str
    hs: np.ndarray  # (T, N, H) hidden states
    dh: np.ndarray  # (T, N, H) total ∂L/∂h_t (direct term + what flows back from t+1)
    dc: np.ndarray | None  # (T, N, H) total ∂L/∂c_t (LSTM), else None
    dx: np.ndarray  # (T, N, D)
    dh0: np.ndarray  # (N, H) ∂L/∂h_0
    dc0: np.ndarray | None  # (N, H) ∂L/∂c_0 (LSTM), else None
    grads: dict[str, np.ndarray]  # keyed like the PyTorch state dict
    tape: Any  # the forward pass (gates, activations), see rnn/lstm/gru


def check_inputs(layer, x, h0=None, c0=None):
    """Validated float64 copies of ``x`` (T, N, D), ``h0`` and ``c0`` (N, H; zeros when None)."""
    cell_functions(layer)
    x = as_float64("x", x)
    if x.ndim != 3:
        raise ValueError(f"x: expected shape (T, N, D) = (T, N, {layer.D}), got {x.shape}")
    T, N, D = x.shape
    if T < 1 or N < 1:
        raise ValueError(f"x: expected T >= 1 and N >= 1, got shape {x.shape}")
    if D != layer.D:
        raise ValueError(f"x: expected shape (T, N, {layer.D}) for this layer's D = {layer.D}, got {x.shape}")
    shape = (N, layer.H)
    h0 = np.zeros(shape) if h0 is None else as_float64("h0", h0, shape)
    if isinstance(layer, LSTMLayer):
        c0 = np.zeros(shape) if c0 is None else as_float64("c0", c0, shape)
    elif c0 is not None:
        raise ValueError(f"c0: only an LSTM has a cell state; pass c0=None for a {layer.kind}")
    return x, h0, c0


def forward(layer, x, h0=None, c0=None):
    """The forward tape alone (hidden states, gates), for a layer and inputs ``x`` of shape (T, N, D)."""
    return _forward(layer, *check_inputs(layer, x, h0, c0))


def _forward(layer, x, h0, c0):
    fwd = cell_functions(layer)[0]
    return fwd(layer, x, h0, c0) if isinstance(layer, LSTMLayer) else fwd(layer, x, h0)


def check_dhs(dhs, T: int, N: int, H: int) -> np.ndarray:
    return as_float64("dhs", dhs, (T, N, H))


def bptt(layer, x, dhs, h0=None, c0=None, *, truncate: int | None = None) -> Trace:
    """Forward over ``x`` (T, N, D), then backpropagate ``L = Σ_t <dhs[t], h_t>`` through all T steps.

    ``dhs`` (T, N, H) is the upstream gradient at each step: ones at the last step only reproduces "loss at
    the last step"; nonzero everywhere, "loss at every step". With ``truncate=k``, truncated BPTT as in DLFS2:
    the sequence is cut into blocks of k steps and no gradient flows from a block into the one before it
    (nor into h0/c0).
    """
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    T, N, _ = x.shape
    H = layer.H
    dhs = check_dhs(dhs, T, N, H)
    if truncate is not None and (
        isinstance(truncate, bool) or not isinstance(truncate, (int, np.integer)) or truncate < 1
    ):
        raise ValueError(f"truncate: expected a whole number of steps >= 1 or None, got {truncate!r}")
    tape = _forward(layer, x, h0, c0)
    _, step_back, param_grads = cell_functions(layer)
    is_lstm = isinstance(layer, LSTMLayer)
    # only PyTorch's GRU has a hidden-product pre-activation gradient that differs from the input one
    separate_hh = isinstance(layer, GRULayer) and layer.formulation == "pytorch"
    k = layer.GATES * H
    dgi = np.empty((T, N, k))
    dgh = np.empty((T, N, k)) if separate_hh else None
    dh_all = np.empty((T, N, H))
    dc_all = np.empty((T, N, H)) if is_lstm else None
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H)) if is_lstm else None
    with np.errstate(over="ignore", invalid="ignore"):  # exploding runs overflow to inf by design
        for t in range(T - 1, -1, -1):
            dh = np.add(dhs[t], dh_next, out=dh_all[t])
            out_hh = {"out_hh": dgh[t]} if separate_hh else {}
            _, _, dh_next, dc_next, dc = step_back(layer, tape, t, dh, dc_next, out=dgi[t], **out_hh)
            if is_lstm:
                dc_all[t] = dc
            if truncate is not None and t % truncate == 0:
                dh_next = np.zeros_like(dh_next)
                dc_next = np.zeros_like(dc_next) if is_lstm else None
        grads = param_grads(layer, tape, dgi, dgh)
        dx = dgi @ layer.W_ih
    return Trace(
        kind=layer.kind, hs=tape.hs, dh=dh_all, dc=dc_all, dx=dx, dh0=dh_next, dc0=dc_next, grads=grads, tape=tape
    )
