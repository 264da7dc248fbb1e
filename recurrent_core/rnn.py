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
from typing import TYPE_CHECKING

import numpy as np

from ._ops import HiddenStates, input_projection, linear_grads, with_initial
from .cell import StepGrads

if TYPE_CHECKING:  # layers.py imports this module: RNNLayer.forward is rnn_forward
    from .layers import RNNLayer


@dataclass(frozen=True, eq=False)
class RNNTape(HiddenStates):
    x: np.ndarray  # (T, N, D)
    h_all: np.ndarray  # (T+1, N, H): h0, h_1 … h_T
    dphi: np.ndarray  # (T, N, H) φ'(a_t), the "tanh factor" of each backward step


def rnn_forward(layer: RNNLayer, x: np.ndarray, h0: np.ndarray) -> RNNTape:
    """x (T, N, D), h0 (N, H), both float64 and validated -> the tape: h_all (T+1, N, H), dphi (T, N, H)."""
    T = x.shape[0]
    gi = input_projection(x, layer.W_ih, layer.b_ih + layer.b_hh)
    W_hh_T = np.ascontiguousarray(layer.W_hh.T)
    h_all = with_initial(h0, T)
    relu = layer.nonlinearity == "relu"
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding relu run is reported, not warned about
        for t in range(T):
            a = np.matmul(h_all[t], W_hh_T, out=h_all[t + 1])
            a += gi[t]
            np.maximum(a, 0.0, out=a) if relu else np.tanh(a, out=a)
    hs = h_all[1:]
    if relu:
        dphi = (hs > 0).astype(np.float64)
    else:
        dphi = np.multiply(hs, hs)
        np.subtract(1.0, dphi, out=dphi)
    return RNNTape(x=x, h_all=h_all, dphi=dphi)


def rnn_step_back(
    layer: RNNLayer,
    tape: RNNTape,
    t: int,
    dh: np.ndarray,
    dc_next: np.ndarray | None = None,
    out: np.ndarray | None = None,
    out_hh: np.ndarray | None = None,
) -> StepGrads:
    """Backward through step t for dh (N, H), the total ∂L/∂h_t: ``da_t = dh ⊙ φ'(a_t)``, ``dh_prev = da_t W_hh``.

    ``out`` (N, H), if given, receives da_t (the pre-activation gradient, the same for both products); the RNN
    has no cell, so ``dc_prev`` and ``dc`` are None.
    """
    da = np.multiply(dh, tape.dphi[t], out=out)
    return StepGrads(dgi=da, dgh=da, dh_prev=da @ layer.W_hh, dc_prev=None, dc=None)


def rnn_param_grads(
    layer: RNNLayer, tape: RNNTape, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """dgi (T, N, H) -> gradients of weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0, bias_hh_l0 (H,)."""
    return linear_grads(tape.x, tape.h_all[:-1], dgi)
