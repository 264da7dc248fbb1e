"""LSTM (PyTorch's gate order i, f, g, o): forward over a sequence, one step of BPTT, and all steps in one loop.

Forward::

    [a_i a_f a_g a_o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    i, f, o = σ(a_i), σ(a_f), σ(a_o);   g = tanh(a_g)       σ: the layer's gate_activation (gates.py)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

Backward through one step, with dh_t the total ∂L/∂h_t and dc_next = ∂L/∂c_{t+1} ⊙ f_{t+1}::

    dc_t      = dc_next + dh_t ⊙ o ⊙ (1 - tanh²c_t)      total ∂L/∂c_t
    dc_{t-1}  = dc_t ⊙ f_t                               the cell path: element-wise, no matrix
    da_i, da_f, da_g = dc_t ⊙ g i(1-i), dc_t ⊙ c_{t-1} f(1-f), dc_t ⊙ i (1-g²);   da_o = dh_t ⊙ tanh c_t o(1-o)
    dh_{t-1} += [da_i da_f da_g da_o] W_hh

with s(1-s) = σ'(a) for the sigmoid; a hard sigmoid's σ'(a) (its slope, or 0 where clipped) is kept on the tape.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

import numpy as np

from . import backend
from ._ops import (
    BlockProduct,
    BlockSumProduct,
    HiddenStates,
    column_blocks,
    derived,
    empty,
    input_projection,
    linear_grads,
    row_blocks,
    splits,
    with_initial,
)
from .base import LayerBase
from .cell import SequenceGrads, State, StepGrads
from .gates import GATE_ACTIVATIONS, GATE_CODES, hard_gate

# σ(a) = (1 + tanh(a/2)) / 2: halving the i, f, o rows of the weights lets one tanh over all 4H rows give every
# gate (exact: halving is a power of two), then act = tanh · MUL + ADD per block.
_HALF = np.array([0.5, 0.5, 1.0, 0.5])
_ADD = np.array([0.5, 0.5, 0.0, 0.5])


@dataclass(frozen=True, eq=False)
class LSTMTape(HiddenStates):
    x: np.ndarray  # (T, N, D)
    h_all: np.ndarray  # (T+1, N, H): h0, h_1 … h_T
    c_all: np.ndarray  # (T+1, N, H): c0, c_1 … c_T
    tanh_c: np.ndarray  # (T, N, H)
    gates: np.ndarray  # (T, N, 4H) activated i, f, g, o
    back: BlockSumProduct  # da ↦ da W_hh
    slopes: np.ndarray | None = None  # (T, N, 4H) σ'(a) of i, f, o for a hard-sigmoid gate (g block 0); None: σ

    @property
    def c0(self) -> np.ndarray:
        c0: np.ndarray = self.c_all[0]
        return c0

    @property
    def cs(self) -> np.ndarray:
        return self.c_all[1:]

    def gate(self, name: str) -> np.ndarray:
        """(T, N, H) values of gate ``name`` in "ifgo"."""
        H = self.tanh_c.shape[-1]
        k = "ifgo".index(name)
        return self.gates[..., k * H : (k + 1) * H]


def lstm_forward(layer: LSTMLayer, x: np.ndarray, h0: np.ndarray, c0: np.ndarray) -> LSTMTape:
    """x (T, N, D), h0 and c0 (N, H), float64 and validated -> the tape: h_all and c_all (T+1, N, H), gates
    (T, N, 4H) activated i, f, g, o (``tape.gate("f")`` is (T, N, H)), tanh_c (T, N, H)."""
    compiled = backend.kernels()
    if compiled is not None:
        return _lstm_forward_compiled(compiled, layer, x, h0, c0)
    if layer.gate_activation != "sigmoid":
        return _lstm_forward_hard(layer, x, h0, c0)
    T, N, _ = x.shape
    H = layer.H
    half = np.repeat(_HALF, H)
    mul, add = half.copy(), np.repeat(_ADD, H)
    gates = input_projection(x, *_input_weights(layer, half, 0))
    recurrent = derived(
        layer, ("lstm.recurrent", splits(layer.W_hh, 4, N)), lambda: BlockProduct((layer.W_hh * half[:, None]).T, 4, N)
    )
    h_all, c_all = with_initial(h0, T), with_initial(c0, T)
    tanh_c = empty((T, N, H))
    ig = np.empty((N, H))
    for t in range(T):
        act = gates[t]
        act += recurrent(h_all[t])
        np.tanh(act, out=act)
        act *= mul
        act += add
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        c = np.multiply(f, c_all[t], out=c_all[t + 1])
        c += np.multiply(i, g, out=ig)
        np.multiply(o, np.tanh(c, out=tanh_c[t]), out=h_all[t + 1])
    return LSTMTape(x=x, h_all=h_all, c_all=c_all, tanh_c=tanh_c, gates=gates, back=_back(layer, N))


def _input_weights(layer: LSTMLayer, half: np.ndarray, act: int) -> tuple[np.ndarray, np.ndarray]:
    """W_ih and b_ih + b_hh with each gate's rows scaled by ``half`` (fixed by the gate activation ``act``)."""
    W_ih = derived(layer, ("lstm.W_ih", act), lambda: layer.W_ih * half[:, None])
    return W_ih, derived(layer, ("lstm.bias", act), lambda: (layer.b_ih + layer.b_hh) * half)


def _back(layer: LSTMLayer, N: int) -> BlockSumProduct:
    """The tape's da ↦ da W_hh; shared by the tapes of a ``steady_weights`` block, which call it one at a time (its
    scratch holds nothing between calls)."""
    return derived(layer, ("lstm.back", splits(layer.W_hh, 4, N)), lambda: BlockSumProduct(layer.W_hh, 4, N))


def _lstm_forward_compiled(
    compiled: ModuleType, layer: LSTMLayer, x: np.ndarray, h0: np.ndarray, c0: np.ndarray
) -> LSTMTape:
    """``lstm_forward`` with its loop compiled (backend.py): the same arrays, each gate's rows halved for the
    sigmoid as above (exact)."""
    T, N, _ = x.shape
    H = layer.H
    act = GATE_CODES[layer.gate_activation]
    half = np.repeat(_HALF, H) if act == 0 else np.ones(4 * H)
    gates = input_projection(x, *_input_weights(layer, half, act))
    W_hh_T = derived(layer, ("lstm.W_hh_T", act), lambda: np.ascontiguousarray((layer.W_hh * half[:, None]).T))
    parts = derived(layer, ("lstm.columns", act, splits(W_hh_T, 4, N)), lambda: column_blocks(W_hh_T, 4, N))
    h_all, c_all = with_initial(h0, T), with_initial(c0, T)
    tanh_c = empty((T, N, H))
    slopes = np.zeros((T, N, 4 * H)) if act else np.zeros((1, 1, 1))
    compiled.lstm_forward(gates, h_all, c_all, tanh_c, W_hh_T, parts, act, slopes)
    back = _back(layer, N)
    return LSTMTape(
        x=x, h_all=h_all, c_all=c_all, tanh_c=tanh_c, gates=gates, back=back, slopes=slopes if act else None
    )


def _lstm_forward_hard(layer: LSTMLayer, x: np.ndarray, h0: np.ndarray, c0: np.ndarray) -> LSTMTape:
    """``lstm_forward`` for a hard-sigmoid gate, written plainly (no tanh trick); each step's σ'(a) of i, f, o
    goes on the tape, taken from the pre-activation a itself (the kink convention of gates.py)."""
    T, N, _ = x.shape
    H = layer.H
    gates = input_projection(x, layer.W_ih, layer.b_ih + layer.b_hh)  # the activations replace it, in place
    slopes = np.zeros((T, N, 4 * H))
    W_hh_T = derived(layer, "lstm.W_hh_T_plain", lambda: np.ascontiguousarray(layer.W_hh.T))
    h_all, c_all = with_initial(h0, T), with_initial(c0, T)
    tanh_c = np.empty((T, N, H))
    for t in range(T):
        a = gates[t]
        a += h_all[t] @ W_hh_T
        for block in (slice(0, 2 * H), slice(3 * H, 4 * H)):  # i and f, then o
            hard_gate(layer.gate_activation, a[:, block], slopes[t, :, block])
        g = np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
        i, f, o = a[:, :H], a[:, H : 2 * H], a[:, 3 * H :]
        c_all[t + 1] = f * c_all[t] + i * g
        np.tanh(c_all[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=h_all[t + 1])
    back = _back(layer, N)
    return LSTMTape(x=x, h_all=h_all, c_all=c_all, tanh_c=tanh_c, gates=gates, back=back, slopes=slopes)


def _step_da(tape: LSTMTape, t: int, dh: np.ndarray, dc_next: np.ndarray, da: np.ndarray, dc: np.ndarray) -> None:
    """Backward through step t into the given buffers: dc (N, H) ← dc_next + dh ⊙ o (1 - tanh²c_t), the total
    ∂L/∂c_t; da (N, 4H) ← [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g²), dh tanh c_t o(1-o)].

    Computed per step from the gates rather than stored for all steps: the step's arrays are still in cache,
    and (T, N, 4H) coefficients would be as many fresh pages to fault in as the gates themselves."""
    N, H = dh.shape
    a4, d4 = tape.gates[t].reshape(N, 4, H), da.reshape(N, 4, H)
    i, g, o = a4[:, 0], a4[:, 2], a4[:, 3]
    tanh_c = tape.tanh_c[t]
    multiply, subtract = np.multiply, np.subtract
    if tape.slopes is None:
        subtract(1.0, a4, out=d4)
        d4 *= a4  # σ' = s (1 - s) for every block; the g block's is overwritten below
    else:
        np.copyto(d4, tape.slopes[t].reshape(N, 4, H))  # a hard sigmoid's σ'(a), kept by the forward
    d4[:, 0] *= g
    d4[:, 1] *= tape.c_all[t]
    d4[:, 3] *= tanh_c
    d_g = multiply(g, g, out=d4[:, 2])
    subtract(1.0, d_g, out=d_g)
    d_g *= i
    multiply(tanh_c, tanh_c, out=dc)
    subtract(1.0, dc, out=dc)
    dc *= o
    dc *= dh
    dc += dc_next
    d4[:, :3] *= dc[:, None, :]
    d4[:, 3] *= dh


def lstm_step_back(
    layer: LSTMLayer,
    tape: LSTMTape,
    t: int,
    dh: np.ndarray,
    dc_next: np.ndarray | None,
    out: np.ndarray | None = None,
    out_hh: np.ndarray | None = None,
) -> StepGrads:
    """Backward through step t for dh (N, H), the total ∂L/∂h_t, and dc_next (N, H), what flows into c_t from
    t+1. ``dc`` is the total ∂L/∂c_t and ``dc_prev = dc ⊙ f_t``.

    ``out`` (N, 4H), if given, receives the pre-activation gradient (the same for both products).
    """
    assert dc_next is not None, "an LSTM step needs dc_next"
    N, H = dh.shape
    da = np.empty((N, 4 * H)) if out is None else out
    dc = np.empty((N, H))
    _step_da(tape, t, dh, dc_next, da, dc)
    return StepGrads(dgi=da, dgh=da, dh_prev=tape.back(da), dc_prev=dc * tape.gates[t, :, H : 2 * H], dc=dc)


def lstm_back_all(layer: LSTMLayer, tape: LSTMTape, dhs: np.ndarray, truncate: int | None = None) -> SequenceGrads:
    """``cell.step_loop`` for the LSTM, written out: every result is computed in its place (dh, dc, da), the
    cell path dc ⊙ f and the product da W_hh in two reused buffers (``_step_da`` and ``tape.back`` per step)."""
    T, N, H = dhs.shape
    dh_all, dc_all, dgi = empty((T, N, H)), empty((T, N, H)), empty((T, N, 4 * H))
    dh0, dc0 = np.zeros((N, H)), np.zeros((N, H))
    compiled = backend.kernels()
    if compiled is not None:
        c = backend.c_array
        hard = tape.slopes is not None
        slopes = c(tape.slopes) if tape.slopes is not None else np.zeros((1, 1, 1))
        cut = T if truncate is None else truncate
        W_hh = c(layer.W_hh)
        compiled.lstm_backward(
            c(tape.gates), c(tape.c_all), c(tape.tanh_c), W_hh, row_blocks(W_hh, 4, N), c(dhs), hard, slopes, cut,
            truncate is None, 0, dh_all, dc_all, dgi, dh0, dc0,
        )  # fmt: skip
        return SequenceGrads(dh=dh_all, dc=dc_all, dgi=dgi, dgh=dgi, dh0=dh0, dc0=dc0)
    f, back = tape.gate("f"), tape.back
    bufs = (np.empty((N, H)), np.empty((N, H)))
    cut = T if truncate is None else truncate  # nothing flows from t into t-1 when t % cut == 0 (t = 0: into h0)
    np.copyto(dh_all[T - 1], dhs[T - 1])
    dc_next = np.zeros((N, H))
    multiply = np.multiply
    for t in range(T - 1, -1, -1):
        dc = dc_all[t]
        _step_da(tape, t, dh_all[t], dc_next, dgi[t], dc)
        if t == 0:
            if truncate is None:
                back(dgi[0], out=dh0)
                multiply(dc, f[0], out=dc0)
        elif t % cut:
            dh_prev = back(dgi[t], out=dh_all[t - 1])
            dh_prev += dhs[t - 1]
            dc_next = multiply(dc, f[t], out=bufs[t & 1])
        else:
            np.copyto(dh_all[t - 1], dhs[t - 1])
            dc_next = bufs[t & 1]
            dc_next.fill(0.0)
    return SequenceGrads(dh=dh_all, dc=dc_all, dgi=dgi, dgh=dgi, dh0=dh0, dc0=dc0)


def lstm_param_grads(
    layer: LSTMLayer, tape: LSTMTape, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """dgi (T, N, 4H) -> gradients of weight_ih_l0 (4H, D), weight_hh_l0 (4H, H), bias_ih_l0, bias_hh_l0."""
    return linear_grads(tape.x, tape.h_all[:-1], dgi)


@dataclass(frozen=True, eq=False)
class LSTMLayer(LayerBase):
    """PyTorch's LSTM; gate rows i, f, g, o.

    ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``; i, f, o through ``gate_activation``: "sigmoid"
    (PyTorch's), or Keras's "hard_sigmoid_keras2" / "hard_sigmoid_keras3" (gates.py).
    """

    gate_activation: str = "sigmoid"

    GATES: ClassVar[int] = 4
    KIND: ClassVar[str] = "lstm"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {"gate_activation": GATE_ACTIVATIONS}
    HAS_CELL: ClassVar[bool] = True

    def forward(self, x: np.ndarray, state0: State) -> LSTMTape:
        assert state0.c is not None, "an LSTM starts from (h0, c0)"
        return lstm_forward(self, x, state0.h, state0.c)

    # the kernels above as methods: no wrapper call per step
    step_back = lstm_step_back
    back_all = lstm_back_all
    param_grads = lstm_param_grads
