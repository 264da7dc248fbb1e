"""Vanilla RNN: forward over a sequence, and one step of BPTT.

Forward (row vectors, batch first inside a step)::

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    h_t = φ(a_t)                        φ = tanh or relu

Backward through one step, with dh_t the *total* ∂L/∂h_t::

    da_t      = dh_t ⊙ φ'(a_t)          (tanh: 1 - h_t², at most 1; relu: 1[a_t > 0])
    dh_{t-1} += da_t W_hh               (the same matrix every step)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._ops import linear_grads, previous_states
from .layers import RNNLayer


@dataclass(frozen=True, eq=False)
class RNNTape:
    x: np.ndarray      # (T, N, D)
    h0: np.ndarray     # (N, H)
    hs: np.ndarray     # (T, N, H)
    dphi: np.ndarray   # (T, N, H) φ'(a_t), the "tanh factor" of each backward step


def rnn_forward(layer: RNNLayer, x: np.ndarray, h0: np.ndarray) -> RNNTape:
    T, N, _ = x.shape
    gi = x @ layer.W_ih.T
    gi += layer.b_ih + layer.b_hh  # input projection hoisted out of the loop
    W_hh_T = np.ascontiguousarray(layer.W_hh.T)
    hs = np.empty((T, N, layer.H))
    h = h0
    relu = layer.nonlinearity == "relu"
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding relu run is reported, not warned about
        for t in range(T):
            a = gi[t] + h @ W_hh_T
            h = np.maximum(a, 0.0, out=hs[t]) if relu else np.tanh(a, out=hs[t])
    dphi = (hs > 0).astype(np.float64) if relu else 1.0 - hs * hs
    return RNNTape(x=x, h0=h0, hs=hs, dphi=dphi)


def rnn_step_back(layer: RNNLayer, tape: RNNTape, t: int, dh: np.ndarray, dc_next=None):
    """Returns ``(dgi_t, dgh_t, dh_prev, dc_prev, dc_t)``; the RNN has no cell, so the last two are None."""
    da = dh * tape.dphi[t]
    return da, da, da @ layer.W_hh, None, None


def rnn_param_grads(layer: RNNLayer, tape: RNNTape, dgi: np.ndarray, dgh: np.ndarray) -> dict[str, np.ndarray]:
    return linear_grads(tape.x, previous_states(tape.h0, tape.hs), dgi, dgh)
