"""Forward and exact BPTT through a ``Stack``: several layers, one or two directions, as PyTorch runs them.

Layer k's input is x (k = 0) or the concatenated outputs of layer k-1, ``[h_fwd_t, h_rev_t]`` (T, N, dirs·H).
A reverse layer is an ordinary layer run over the time-reversed input: its step s is time t = T-1-s. The backward
runs the layers top-down; each layer-direction gets as upstream its slice of ∂L/∂(output of its level) and
returns ∂L/∂(its input), summed over directions into the level below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..validate import as_float64, whole
from .cell import State
from .layers import LAYER_TYPES, PARAM_NAMES, Layer, Tape, layer_options, state_key
from .trace import Trace, backward

Key = tuple[int, str]  # (layer k, "forward" | "reverse")
DIRECTIONS = ("forward", "reverse")


@dataclass(frozen=True, eq=False)
class Stack:
    """``num_layers`` recurrent layers of one kind, each one or two directions, as PyTorch's nn.RNN/LSTM/GRU with
    ``num_layers`` and ``bidirectional``: layer k > 0 reads the concatenated outputs (T, N, dirs·H) of layer k-1.

    ``layers`` holds the ``num_layers · dirs`` layers in PyTorch's order (l0, l0_reverse, l1, …); a reverse layer
    runs over the time-reversed sequence. Dropout between layers is a training-time device and is not modelled.
    """

    layers: tuple[Layer, ...]
    num_layers: int
    bidirectional: bool = False

    def __post_init__(self) -> None:
        layers = tuple(self.layers) if isinstance(self.layers, (tuple, list)) else None
        object.__setattr__(self, "num_layers", whole("num_layers", self.num_layers, 1))
        if not isinstance(self.bidirectional, bool):
            raise ValueError(f"bidirectional: expected True or False, got {self.bidirectional!r}")
        dirs = 2 if self.bidirectional else 1
        if layers is None or len(layers) != self.num_layers * dirs:
            raise ValueError(
                f"layers: expected a tuple of num_layers·dirs = {self.num_layers * dirs} layers, got {self.layers!r}"
            )
        first = layers[0]
        for i, layer in enumerate(layers):
            name = f"layers[{i}] (layer {i // dirs} {DIRECTIONS[i % dirs]})"
            if not isinstance(layer, LAYER_TYPES):
                raise ValueError(f"{name}: expected an RNNLayer, LSTMLayer or GRULayer, got {type(layer).__name__}")
            if type(layer) is not type(first) or layer_options(layer) != layer_options(first):
                raise ValueError(
                    f"{name}: expected every layer to be a {first.kind} {layer_options(first)}, "
                    f"got a {layer.kind} {layer_options(layer)}"
                )
            if layer.H != first.H:
                raise ValueError(f"{name}: expected H = {first.H} (from layer 0), got H = {layer.H}")
            D = first.D if i < dirs else dirs * first.H
            if layer.D != D:
                source = (
                    "layer 0's input size" if i < dirs else f"dirs·H = {dirs}·{first.H}, layer {i // dirs - 1}'s output"
                )
                raise ValueError(f"{name}: expected D = {D} ({source}), got D = {layer.D}")
        object.__setattr__(self, "layers", layers)

    @property
    def dirs(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def directions(self) -> tuple[str, ...]:
        return DIRECTIONS[: self.dirs]

    @property
    def kind(self) -> str:
        return self.layers[0].kind

    @property
    def H(self) -> int:
        return self.layers[0].H

    @property
    def D(self) -> int:
        """The input size of layer 0 (x is (T, N, D))."""
        return self.layers[0].D

    @property
    def HAS_CELL(self) -> bool:
        return self.layers[0].HAS_CELL

    def layer_keys(self) -> list[tuple[int, str]]:
        """(k, direction) of every layer, in PyTorch's order."""
        return [(k, d) for k in range(self.num_layers) for d in self.directions]

    def index(self, k: int, direction: str = "forward") -> int:
        """Position of layer (k, direction) in ``layers``, and in the first axis of h0, c0, dh0, dc0."""
        if direction not in self.directions:
            raise ValueError(f"direction: expected one of {self.directions}, got {direction!r}")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < self.num_layers:
            raise ValueError(f"k: expected a layer index in 0..{self.num_layers - 1}, got {k!r}")
        return int(k) * self.dirs + self.directions.index(direction)

    def layer(self, k: int, direction: str = "forward") -> Layer:
        """Layer k in ``direction`` ("forward" or "reverse"), e.g. ``stack.layer(1, "reverse").W_hh``."""
        return self.layers[self.index(k, direction)]


def time_ordered(direction: str, a: np.ndarray) -> np.ndarray:
    """A per-layer array (T, …) in the layer's own step order, re-indexed by time t (a view for "reverse")."""
    return a[::-1] if direction == "reverse" else a


@dataclass(frozen=True, eq=False)
class StackTape:
    """The forward pass of a stack. ``hs`` (T, N, dirs·H) is PyTorch's ``out``; ``hn``/``cn`` (L·dirs, N, H) its
    h_n/c_n; ``layers[(k, direction)]`` the layer's own tape, in its own step order (see ``time_ordered``)."""

    kind: str
    hs: np.ndarray
    hn: np.ndarray
    cn: np.ndarray | None
    layers: dict[Key, Tape]
    inputs: dict[Key, np.ndarray]  # (T, N, D_k) what each layer read, in its own step order


@dataclass(frozen=True, eq=False)
class StackTrace:
    """Forward + backward of a stack for ``L = Σ_t <dhs[t], out[t]>``.

    ``hs`` (T, N, dirs·H) = PyTorch's out; ``dx`` (T, N, D); ``dh0``/``dc0`` (L·dirs, N, H) like h0/c0;
    ``grads`` keyed exactly like the module's state_dict. Per layer and direction, ``layers[(k, direction)]`` is
    that layer's own single-layer ``Trace`` (its ``dh``, ``dc`` = total ∂L/∂h_t, ∂L/∂c_t (T, N, H), its tape with
    the gates, its grads under single-layer keys), and ``upstream[(k, direction)]`` (T, N, H) the gradient it
    received from above (the direct term of its dh). Both run in the layer's own step order: for "reverse",
    step s is time T-1-s (``time_ordered`` flips it; ``dh``/``dc`` below do so).
    """

    kind: str
    hs: np.ndarray
    dx: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray | None
    grads: dict[str, np.ndarray]
    layers: dict[Key, Trace]
    upstream: dict[Key, np.ndarray]
    tape: StackTape

    def dh(self, k: int, direction: str = "forward") -> np.ndarray:
        """(T, N, H) total ∂L/∂h_t of layer k in ``direction``, indexed by time t."""
        return time_ordered(direction, self.layers[(k, direction)].dh)

    def dc(self, k: int, direction: str = "forward") -> np.ndarray | None:
        """(T, N, H) total ∂L/∂c_t of an LSTM layer, indexed by time t; None for other kinds."""
        dc = self.layers[(k, direction)].dc
        return None if dc is None else time_ordered(direction, dc)


def check_stack_inputs(
    stack: Stack, x: Any, h0: Any = None, c0: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated float64 ``x`` (T, N, D), ``h0`` and ``c0`` (L·dirs, N, H; zeros when None) as PyTorch shapes them."""
    x = as_float64("x", x)
    if x.ndim != 3 or x.shape[0] < 1 or x.shape[1] < 1 or x.shape[2] != stack.D:
        raise ValueError(f"x: expected shape (T, N, {stack.D}) with T, N >= 1 for this stack's D, got {x.shape}")
    shape = (len(stack.layers), x.shape[1], stack.H)
    h0 = np.zeros(shape) if h0 is None else as_float64("h0", h0, shape)
    if stack.HAS_CELL:
        c0 = np.zeros(shape) if c0 is None else as_float64("c0", c0, shape)
    elif c0 is not None:
        raise ValueError(f"c0: only an LSTM has a cell state; pass c0=None for a {stack.kind}")
    return x, h0, c0


def stack_forward(stack: Stack, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None) -> StackTape:
    """The forward pass on validated inputs (see ``check_stack_inputs``)."""
    tapes: dict[Key, Tape] = {}
    inputs: dict[Key, np.ndarray] = {}
    level = x
    for k in range(stack.num_layers):
        outs = []
        for direction in stack.directions:
            i = stack.index(k, direction)
            layer: Layer = stack.layers[i]
            # contiguous, so that the input projection and weight gradient are single BLAS products
            xin = level if direction == "forward" else np.ascontiguousarray(level[::-1])
            tape = layer.forward(xin, State(h0[i], None if c0 is None else c0[i]))
            tapes[(k, direction)], inputs[(k, direction)] = tape, xin
            outs.append(time_ordered(direction, tape.hs))
        level = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=-1)
    hn = np.stack([tapes[key].h_all[-1] for key in stack.layer_keys()])
    cn = np.stack([tapes[key].c_all[-1] for key in stack.layer_keys()]) if stack.HAS_CELL else None  # type: ignore[union-attr]
    return StackTape(kind=stack.kind, hs=level, hn=hn, cn=cn, layers=tapes, inputs=inputs)


def stack_bptt(stack: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None) -> StackTrace:
    """Forward, then exact BPTT of ``L = Σ_t <dhs[t], out[t]>`` with dhs (T, N, dirs·H)."""
    x, h0, c0 = check_stack_inputs(stack, x, h0, c0)
    T, N, _ = x.shape
    H, dirs = stack.H, stack.dirs
    dhs = as_float64("dhs", dhs, (T, N, dirs * H))
    tape = stack_forward(stack, x, h0, c0)
    traces: dict[Key, Trace] = {}
    upstream: dict[Key, np.ndarray] = {}
    d_level = dhs  # ∂L/∂(output of the level above), (T, N, dirs·H)
    for k in range(stack.num_layers - 1, -1, -1):
        d_below: np.ndarray | None = None
        for j, direction in enumerate(stack.directions):
            up = np.ascontiguousarray(time_ordered(direction, d_level[..., j * H : (j + 1) * H]))
            trace = backward(stack.layer(k, direction), tape.layers[(k, direction)], up)
            traces[(k, direction)], upstream[(k, direction)] = trace, up
            dx = time_ordered(direction, trace.dx)
            d_below = dx if d_below is None else d_below + dx
        assert d_below is not None
        d_level = d_below
    keys = stack.layer_keys()
    grads = {
        state_key(name, k, direction): traces[(k, direction)].grads[f"{name}_l0"]
        for k, direction in keys
        for name in PARAM_NAMES
    }
    dh0 = np.stack([traces[key].dh0 for key in keys])
    dc0 = np.stack([traces[key].dc0 for key in keys]) if stack.HAS_CELL else None  # type: ignore[misc]
    return StackTrace(
        kind=stack.kind,
        hs=tape.hs,
        dx=d_level,
        dh0=dh0,
        dc0=dc0,
        grads=grads,
        layers={key: traces[key] for key in keys},
        upstream={key: upstream[key] for key in keys},
        tape=tape,
    )
