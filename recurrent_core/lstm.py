"""LSTM (PyTorch's gate order i, f, g, o): forward over a sequence, and one step of BPTT.

Forward::

    [a_i a_f a_g a_o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    i, f, o = σ(a_i), σ(a_f), σ(a_o);   g = tanh(a_g)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

Backward through one step, with dh_t the total ∂L/∂h_t and dc_next = ∂L/∂c_{t+1} ⊙ f_{t+1}::

    dc_t      = dc_next + dh_t ⊙ o ⊙ (1 - tanh²c_t)      total ∂L/∂c_t
    dc_{t-1}  = dc_t ⊙ f_t                               the cell path: element-wise, no matrix
    da_i, da_f, da_g = dc_t ⊙ g i(1-i), dc_t ⊙ c_{t-1} f(1-f), dc_t ⊙ i (1-g²);   da_o = dh_t ⊙ tanh c_t o(1-o)
    dh_{t-1} += [da_i da_f da_g da_o] W_hh
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._ops import BlockProduct, BlockSumProduct, HiddenStates, input_projection, linear_grads, with_initial
from .cell import StepGrads

if TYPE_CHECKING:  # layers.py imports this module: LSTMLayer.forward is lstm_forward
    from .layers import LSTMLayer

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
    coef: np.ndarray  # (T, N, 4H) backward coefficients: g i(1-i), c_prev f(1-f), i(1-g²), tanh c o(1-o)
    dc_dh: np.ndarray  # (T, N, H) o (1 - tanh² c): what dh_t puts on dc_t
    back: BlockSumProduct  # da ↦ da W_hh

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
    T, N, _ = x.shape
    H = layer.H
    half = np.repeat(_HALF, H)
    mul, add = half.copy(), np.repeat(_ADD, H)
    gates = input_projection(x, layer.W_ih * half[:, None], (layer.b_ih + layer.b_hh) * half)
    recurrent = BlockProduct((layer.W_hh * half[:, None]).T, 4, N)
    h_all, c_all = with_initial(h0, T), with_initial(c0, T)
    tanh_c = np.empty((T, N, H))
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
    coef, dc_dh = _backward_coefficients(gates, c_all, tanh_c, H)
    return LSTMTape(
        x=x,
        h_all=h_all,
        c_all=c_all,
        tanh_c=tanh_c,
        gates=gates,
        coef=coef,
        dc_dh=dc_dh,
        back=BlockSumProduct(layer.W_hh, 4, N),
    )


def _backward_coefficients(
    gates: np.ndarray, c_all: np.ndarray, tanh_c: np.ndarray, H: int
) -> tuple[np.ndarray, np.ndarray]:
    """Everything in the backward that depends on the forward alone, over all steps at once.

    In place with one scratch array: fresh (T, N, H) temporaries cost more in page faults than in arithmetic.
    """
    i, f, g, o = (gates[..., k * H : (k + 1) * H] for k in range(4))
    coef = np.empty_like(gates)
    tmp = np.empty_like(tanh_c)

    def sigmoid_grad_times(
        gate: np.ndarray, other: np.ndarray, out: np.ndarray
    ) -> None:  # other ⊙ σ' = other ⊙ gate (1 - gate)
        np.subtract(1.0, gate, out=tmp)
        np.multiply(tmp, gate, out=tmp)
        np.multiply(tmp, other, out=out)

    sigmoid_grad_times(i, g, coef[..., :H])
    sigmoid_grad_times(f, c_all[:-1], coef[..., H : 2 * H])
    np.multiply(g, g, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    np.multiply(tmp, i, out=coef[..., 2 * H : 3 * H])
    sigmoid_grad_times(o, tanh_c, coef[..., 3 * H :])
    dc_dh = np.multiply(tanh_c, tanh_c)
    np.subtract(1.0, dc_dh, out=dc_dh)
    dc_dh *= o
    return coef, dc_dh


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
    dc = dh * tape.dc_dh[t]
    dc += dc_next
    da = np.empty((N, 4 * H)) if out is None else out
    coef = tape.coef[t].reshape(N, 4, H)
    da4 = da.reshape(N, 4, H)  # a view: da is contiguous
    np.multiply(coef[:, :3], dc[:, None, :], out=da4[:, :3])
    np.multiply(coef[:, 3], dh, out=da4[:, 3])
    return StepGrads(dgi=da, dgh=da, dh_prev=tape.back(da), dc_prev=dc * tape.gates[t, :, H : 2 * H], dc=dc)


def lstm_param_grads(
    layer: LSTMLayer, tape: LSTMTape, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """dgi (T, N, 4H) -> gradients of weight_ih_l0 (4H, D), weight_hh_l0 (4H, H), bias_ih_l0, bias_hh_l0."""
    return linear_grads(tape.x, tape.h_all[:-1], dgi)
