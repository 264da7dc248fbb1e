"""Parameter containers for one recurrent layer, in PyTorch's layout.

Every weight is stored as PyTorch stores it (``W_ih`` of shape (kH, D), ``W_hh`` of shape (kH, H), two
biases of shape (kH,)), always as float64, so that one set of equations serves the app, the tests against
PyTorch and state-dict interop. Gate rows are PyTorch's: LSTM ``i, f, g, o``; GRU ``r, z, n``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

import numpy as np

from .cell import State
from .gru import GRUTape, gru_back_all, gru_forward, gru_param_grads, gru_step_back
from .lstm import LSTMTape, lstm_back_all, lstm_forward, lstm_param_grads, lstm_step_back
from .rnn import RNNTape, rnn_back_all, rnn_forward, rnn_param_grads, rnn_step_back

Array = np.ndarray

NONLINEARITIES = ("tanh", "relu")
GRU_FORMULATIONS = ("pytorch", "dlfs2")


def as_float64(name: str, value: Any, shape: tuple[int, ...] | None = None, *, copy: bool = True) -> Array:
    """``value`` as a fresh float64 array (with ``copy=False``: ``value`` itself when it is a float64 ndarray
    already), or ValueError saying what was expected.

    Integers and floats are accepted; bool, complex, object and string arrays are not. NaN and inf are refused,
    and the shape must match exactly (no broadcasting).
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # e.g. ragged nested lists
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__} ({exc})") from None
    if arr.dtype.kind not in "iuf":  # not bool, complex, object, string, datetime or timedelta
        raise ValueError(f"{name}: expected a real floating-point array, got dtype {arr.dtype}")
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        raise ValueError(f"{name}: masked entries have no value; fill them first")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    arr = np.array(arr, dtype=np.float64, copy=True if copy else None)  # a copy: callers may not mutate ours
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or inf")
    return arr


@dataclass(frozen=True, eq=False)
class _Layer:
    """Shared shape checks of the three kinds; ``GATES`` is k, the number of (kH)-row blocks."""

    W_ih: Array  # (kH, D)
    W_hh: Array  # (kH, H)
    b_ih: Array  # (kH,)
    b_hh: Array  # (kH,)

    GATES: ClassVar[int] = 1
    KIND: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {}  # a kind's own string fields and their allowed values
    HAS_CELL: ClassVar[bool] = False  # a second state c (LSTM)

    def __post_init__(self) -> None:
        for name, allowed in self.OPTIONS.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}: expected one of {allowed}, got {getattr(self, name)!r}")
        W_hh = as_float64("W_hh", self.W_hh)
        if W_hh.ndim != 2 or W_hh.shape[1] < 1 or W_hh.shape[0] != self.GATES * W_hh.shape[1]:
            raise ValueError(
                f"W_hh: expected shape ({self.GATES}*H, H) with H >= 1 for a {self.KIND}, got {W_hh.shape}"
            )
        H = W_hh.shape[1]
        W_ih = as_float64("W_ih", self.W_ih)
        if W_ih.ndim != 2 or W_ih.shape[0] != self.GATES * H or W_ih.shape[1] < 1:
            raise ValueError(f"W_ih: expected shape ({self.GATES * H}, D) with D >= 1, got {W_ih.shape}")
        object.__setattr__(self, "W_hh", W_hh)
        object.__setattr__(self, "W_ih", W_ih)
        object.__setattr__(self, "b_ih", as_float64("b_ih", self.b_ih, (self.GATES * H,)))
        object.__setattr__(self, "b_hh", as_float64("b_hh", self.b_hh, (self.GATES * H,)))

    @property
    def H(self) -> int:
        return int(self.W_hh.shape[1])

    @property
    def D(self) -> int:
        return int(self.W_ih.shape[1])

    @property
    def separate_hh(self) -> bool:
        """Whether the hidden product's pre-activation gradient differs from the input one's (bptt keeps both)."""
        return False

    @property
    def kind(self) -> str:
        return self.KIND

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (checked again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self)(**values)


@dataclass(frozen=True, eq=False)
class RNNLayer(_Layer):
    """``h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` with φ = tanh or relu (DLFS2: ``Wx = W_ih.T``)."""

    nonlinearity: str = "tanh"

    GATES: ClassVar[int] = 1
    KIND: ClassVar[str] = "rnn"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {"nonlinearity": NONLINEARITIES}

    def forward(self, x: Array, state0: State) -> RNNTape:
        return rnn_forward(self, x, state0.h)

    # the kernels themselves as methods: no extra call per step
    step_back = rnn_step_back
    back_all = rnn_back_all
    param_grads = rnn_param_grads


@dataclass(frozen=True, eq=False)
class LSTMLayer(_Layer):
    """PyTorch's LSTM; gate rows i, f, g, o.

    ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``.
    """

    GATES: ClassVar[int] = 4
    KIND: ClassVar[str] = "lstm"
    HAS_CELL: ClassVar[bool] = True

    def forward(self, x: Array, state0: State) -> LSTMTape:
        assert state0.c is not None, "an LSTM starts from (h0, c0)"
        return lstm_forward(self, x, state0.h, state0.c)

    # the kernels themselves as methods: no extra call per step
    step_back = lstm_step_back
    back_all = lstm_back_all
    param_grads = lstm_param_grads


@dataclass(frozen=True, eq=False)
class GRULayer(_Layer):
    """A GRU; gate rows r, z, n. Two formulations share the parameters:

    - ``"pytorch"`` (cuDNN, Cho et al. v1): ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
      ``h = (1 - z) ⊙ n + z ⊙ h_prev``: z is the *keep* gate.
    - ``"dlfs2"`` (the book, Cho et al. v3): ``n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)``,
      ``h = (1 - z) ⊙ h_prev + z ⊙ n``: z is the *update* gate, 1 - z keeps.
    """

    formulation: str = "pytorch"

    GATES: ClassVar[int] = 3
    KIND: ClassVar[str] = "gru"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {"formulation": GRU_FORMULATIONS}

    @property
    def separate_hh(self) -> bool:  # reset after W_hn: dgh's n block is dgi's ⊙ r
        return self.formulation == "pytorch"

    def forward(self, x: Array, state0: State) -> GRUTape:
        return gru_forward(self, x, state0.h)

    # the kernels themselves as methods: no extra call per step
    step_back = gru_step_back
    back_all = gru_back_all
    param_grads = gru_param_grads


Layer = RNNLayer | LSTMLayer | GRULayer
"""One recurrent layer of any kind; each implements ``cell.Cell`` with its own tape."""
Tape = RNNTape | LSTMTape | GRUTape
"""The forward tape of any kind (see rnn.py, lstm.py, gru.py)."""
LAYER_TYPES = (RNNLayer, LSTMLayer, GRULayer)

DIRECTIONS = ("forward", "reverse")
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # PyTorch's, before the _l{k}[_reverse] suffix


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
        if isinstance(self.num_layers, bool) or not isinstance(self.num_layers, int) or self.num_layers < 1:
            raise ValueError(f"num_layers: expected a whole number >= 1, got {self.num_layers!r}")
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


def layer_options(layer: Layer) -> dict[str, str]:
    """A kind's own string options (nonlinearity, formulation) and their values."""
    return {name: getattr(layer, name) for name in layer.OPTIONS}
