"""Forward and full backpropagation through time for any layer kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .cell import Cell, State
from .layers import LAYER_TYPES, Layer, Stack, Tape, as_float64

if TYPE_CHECKING:
    from .stack import StackTape, StackTrace


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


@overload
def forward(layer: Layer, x: Any, h0: Any = None, c0: Any = None) -> Tape: ...


@overload
def forward(layer: Stack, x: Any, h0: Any = None, c0: Any = None) -> StackTape: ...


def forward(layer: Layer | Stack, x: Any, h0: Any = None, c0: Any = None) -> Tape | StackTape:
    """The forward tape alone (hidden states, gates), for a layer and inputs ``x`` of shape (T, N, D).

    ``h0`` and ``c0`` (LSTM only) are (N, H), zeros when None. ``tape.hs`` is (T, N, H). For a ``Stack``, h0 and
    c0 are (num_layers·dirs, N, H) as in PyTorch and the result is a ``StackTape`` (``hs`` is PyTorch's out).
    """
    if isinstance(layer, Stack):
        from .stack import check_stack_inputs, stack_forward  # stack.py builds on this module

        return stack_forward(layer, *check_stack_inputs(layer, x, h0, c0))
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    return layer.forward(x, State(h0, c0))


def check_dhs(dhs: Any, T: int, N: int, H: int) -> np.ndarray:
    """``dhs`` checked as ``as_float64`` does, without the copy when it is float64 already: it is only read, and
    copying (T, N, H) costs as much as a backward step's products at large T·N·H."""
    return as_float64("dhs", dhs, (T, N, H), copy=False)


def check_truncate(truncate: object) -> int | None:
    if truncate is not None and (
        isinstance(truncate, bool) or not isinstance(truncate, (int, np.integer)) or truncate < 1
    ):
        raise ValueError(f"truncate: expected a whole number of steps >= 1 or None, got {truncate!r}")
    return None if truncate is None else int(truncate)


@overload
def bptt(layer: Layer, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None) -> Trace: ...


@overload
def bptt(
    layer: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None
) -> StackTrace: ...


def bptt(
    layer: Layer | Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None
) -> Trace | StackTrace:
    """Forward over ``x`` (T, N, D), then backpropagate ``L = Σ_t <dhs[t], h_t>`` through all T steps.

    ``dhs`` (T, N, H) is the upstream gradient at each step: ones at the last step only reproduces "loss at
    the last step"; nonzero everywhere, "loss at every step". With ``truncate=k``, truncated BPTT as in DLFS2:
    the sequence is cut into blocks of k steps and no gradient flows from a block into the one before it
    (nor into h0/c0). ``h0``, ``c0`` (LSTM only): (N, H), zeros when None. Returns a ``Trace``.

    For a ``Stack``: ``dhs`` has the shape of the module's output (T, N, dirs·H), the loss is
    ``Σ_t <dhs[t], out[t]>``, h0/c0 are (num_layers·dirs, N, H) as in PyTorch, and the result is a
    ``StackTrace`` (see stack.py). Truncation is for single layers only.
    """
    if isinstance(layer, Stack):
        if truncate is not None:
            raise ValueError("truncate: truncated BPTT is for a single layer; pass truncate=None for a Stack")
        from .stack import stack_bptt  # stack.py builds on this module

        return stack_bptt(layer, x, dhs, h0, c0)
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    T, N, _ = x.shape
    dhs = check_dhs(dhs, T, N, layer.H)
    return backprop(layer, x, dhs, State(h0, c0), check_truncate(truncate))


def backprop(cell: Cell[Any], x: np.ndarray, dhs: np.ndarray, state0: State, truncate: int | None = None) -> Trace:
    """bptt on validated float64 inputs: one loop for every kind, through the ``Cell`` protocol."""
    return backward(cell, cell.forward(x, state0), dhs, truncate)


def backward(cell: Cell[Any], tape: Any, dhs: np.ndarray, truncate: int | None = None) -> Trace:
    """The backward pass over a tape ``cell.forward`` made, for upstream ``dhs`` (T, N, H)."""
    return backward_with_preactivations(cell, tape, dhs, truncate)[0]


def backward_with_preactivations(
    cell: Cell[Any], tape: Any, dhs: np.ndarray, truncate: int | None = None
) -> tuple[Trace, np.ndarray, np.ndarray]:
    """``backward``, also returning dgi and dgh (T, N, kH): ∂L/∂ of the input and hidden products'
    pre-activations at every step (the same array unless ``cell.separate_hh``)."""
    T, N, _ = dhs.shape
    with np.errstate(over="ignore", invalid="ignore"):  # exploding runs overflow to inf by design
        back = cell.back_all(tape, dhs, truncate)
        dgi = back.dgi
        dgh = None if back.dgh is dgi else back.dgh
        grads = cell.param_grads(tape, dgi, dgh)
        if cell.D >= 128:  # OpenBLAS: one (T·N, kH) @ (kH, D) product is 1.5-3x faster for wide D (a stack's
            dx = (dgi.reshape(T * N, -1) @ cell.W_ih).reshape(T, N, -1)  # upper layers), T batched ones for narrow
        else:
            dx = dgi @ cell.W_ih
    trace = Trace(
        kind=cell.kind, hs=tape.hs, dh=back.dh, dc=back.dc, dx=dx, dh0=back.dh0, dc0=back.dc0, grads=grads, tape=tape
    )
    return trace, dgi, back.dgh
