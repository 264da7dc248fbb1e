"""LSTM (PyTorch's gate order i, f, g, o): forward over a sequence, and one step of BPTT.

Forward::

    [a_i a_f a_g a_o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    i, f, o = σ(a_i), σ(a_f), σ(a_o);   g = tanh(a_g)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

Backward through one step, with dh_t the total ∂L/∂h_t and dc_next = ∂L/∂c_{t+1} ⊙ f_{t+1}::

    dc_t      = dc_next + dh_t ⊙ o ⊙ (1 - tanh²c_t)      total ∂L/∂c_t
    dc_{t-1}  = dc_t ⊙ f_t                               the cell path: element-wise, no matrix
    dh_{t-1} += [da_i da_f da_g da_o] W_hh
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._ops import linear_grads, previous_states, sigmoid
from .layers import LSTMLayer


@dataclass(frozen=True, eq=False)
class LSTMTape:
    x: np.ndarray       # (T, N, D)
    h0: np.ndarray      # (N, H)
    c0: np.ndarray      # (N, H)
    hs: np.ndarray      # (T, N, H)
    cs: np.ndarray      # (T, N, H)
    tanh_c: np.ndarray  # (T, N, H)
    gates: np.ndarray   # (T, N, 4H) activated i, f, g, o

    def gate(self, name: str) -> np.ndarray:
        """(T, N, H) values of gate ``name`` in "ifgo"."""
        H = self.hs.shape[-1]
        k = "ifgo".index(name)
        return self.gates[..., k * H:(k + 1) * H]


def lstm_forward(layer: LSTMLayer, x: np.ndarray, h0: np.ndarray, c0: np.ndarray) -> LSTMTape:
    T, N, _ = x.shape
    H = layer.H
    gi = x @ layer.W_ih.T
    gi += layer.b_ih + layer.b_hh
    W_hh_T = np.ascontiguousarray(layer.W_hh.T)
    hs = np.empty((T, N, H))
    cs = np.empty((T, N, H))
    tanh_c = np.empty((T, N, H))
    gates = np.empty((T, N, 4 * H))
    h, c = h0, c0
    for t in range(T):
        a = gi[t] + h @ W_hh_T
        act = gates[t]
        act[:] = sigmoid(a)
        np.tanh(a[:, 2 * H:3 * H], out=act[:, 2 * H:3 * H])
        i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
        c = np.multiply(f, c, out=cs[t])
        c += i * g
        np.tanh(c, out=tanh_c[t])
        h = np.multiply(o, tanh_c[t], out=hs[t])
    return LSTMTape(x=x, h0=h0, c0=c0, hs=hs, cs=cs, tanh_c=tanh_c, gates=gates)


def lstm_step_back(layer: LSTMLayer, tape: LSTMTape, t: int, dh: np.ndarray, dc_next: np.ndarray):
    """Returns ``(dgi_t, dgh_t, dh_prev, dc_prev, dc_t)`` with dc_t the total ∂L/∂c_t."""
    H = layer.H
    act = tape.gates[t]
    i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
    tc = tape.tanh_c[t]
    c_prev = tape.cs[t - 1] if t > 0 else tape.c0
    dc = dc_next + dh * o * (1.0 - tc * tc)
    da = np.empty_like(act)
    da[:, :H] = dc * g * i * (1.0 - i)
    da[:, H:2 * H] = dc * c_prev * f * (1.0 - f)
    da[:, 2 * H:3 * H] = dc * i * (1.0 - g * g)
    da[:, 3 * H:] = dh * tc * o * (1.0 - o)
    return da, da, da @ layer.W_hh, dc * f, dc


def lstm_param_grads(layer: LSTMLayer, tape: LSTMTape, dgi: np.ndarray, dgh: np.ndarray) -> dict[str, np.ndarray]:
    return linear_grads(tape.x, previous_states(tape.h0, tape.hs), dgi, dgh)
