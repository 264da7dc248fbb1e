"""One layer's forward and full backpropagation through time, for any kind, through the ``Cell`` protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..validate import as_float64
from ._ops import empty
from .cell import Cell, SequenceGrads, State
from .layers import LAYER_TYPES, Layer, Tape


def check_layer(layer: object) -> Layer:
    """``layer`` if it is one of the three kinds, else ValueError."""
    if not isinstance(layer, LAYER_TYPES):
        raise ValueError(
            f"layer: expected an RNNLayer, LSTMLayer or GRULayer (e.g. from rc.from_pytorch), "
            f"got {type(layer).__name__}"
        )
    return layer


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
    tape: Tape  # the forward pass (gates, activations), see rnn/lstm/gru


def check_inputs(
    layer: Layer, x: Any, h0: Any = None, c0: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated float64 copies of ``x`` (T, N, D), ``h0`` and ``c0`` (N, H; zeros when None)."""
    check_layer(layer)
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
    if layer.HAS_CELL:
        c0 = np.zeros(shape) if c0 is None else as_float64("c0", c0, shape)
    elif c0 is not None:
        raise ValueError(f"c0: only an LSTM has a cell state; pass c0=None for a {layer.kind}")
    return x, h0, c0


def check_dhs(dhs: Any, T: int, N: int, H: int) -> np.ndarray:
    """``dhs`` checked as ``as_float64`` does, without the copy when it is float64 already: it is only read, and
    copying (T, N, H) costs as much as a backward step's products at large T·N·H."""
    return as_float64("dhs", dhs, (T, N, H), copy=False)


def backprop(cell: Cell[Any], x: np.ndarray, dhs: np.ndarray, state0: State, truncate: int | None = None) -> Trace:
    """bptt on validated float64 inputs: one loop for every kind, through the ``Cell`` protocol."""
    return backward(cell, cell.forward(x, state0), dhs, truncate)


def backward(cell: Cell[Any], tape: Any, dhs: np.ndarray, truncate: int | None = None) -> Trace:
    """The backward pass over a tape ``cell.forward`` made, for upstream ``dhs`` (T, N, H)."""
    return backward_with_preactivations(cell, tape, dhs, truncate)[0]


def backward_with_preactivations(
    cell: Cell[Any], tape: Any, dhs: np.ndarray, truncate: int | None = None, back: SequenceGrads | None = None
) -> tuple[Trace, np.ndarray, np.ndarray]:
    """``backward``, also returning dgi and dgh (T, N, kH): ∂L/∂ of the input and hidden products'
    pre-activations at every step (the same array unless ``cell.separate_hh``). ``back``: ``cell.back_all`` of this
    tape and dhs, made already."""
    T, N, _ = dhs.shape
    with np.errstate(over="ignore", invalid="ignore"):  # exploding runs overflow to inf by design
        if back is None:
            back = cell.back_all(tape, dhs, truncate)
        dgi = back.dgi
        dgh = None if back.dgh is dgi else back.dgh
        grads = cell.param_grads(tape, dgi, dgh)
        if cell.D >= 128:  # OpenBLAS: one (T·N, kH) @ (kH, D) product is 1.5-3x faster for wide D (a stack's
            dx = (dgi.reshape(T * N, -1) @ cell.W_ih).reshape(T, N, -1)  # upper layers), T batched ones for narrow
        else:
            dx = np.matmul(dgi, cell.W_ih, out=empty(dgi.shape[:2] + cell.W_ih.shape[1:]))
    trace = Trace(
        kind=cell.kind, hs=tape.hs, dh=back.dh, dc=back.dc, dx=dx, dh0=back.dh0, dc0=back.dc0, grads=grads, tape=tape
    )
    return trace, dgi, back.dgh
