"""Vanilla RNN: forward over a sequence, one step of BPTT, and all steps in one loop.

Forward (row vectors, batch first inside a step)::

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    h_t = φ(a_t)                        φ = tanh or relu

Backward through one step, with dh_t the *total* ∂L/∂h_t::

    da_t      = dh_t ⊙ φ'(a_t)          (tanh: 1 - h_t², at most 1; relu: 1[a_t > 0])
    dh_{t-1} += da_t W_hh               (the same matrix every step)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import backend
from ._ops import HiddenStates, derived, empty, input_projection, linear_grads, with_initial
from .base import LayerBase
from .cell import SequenceGrads, State, StepGrads

NONLINEARITIES = ("tanh", "relu")


@dataclass(frozen=True, eq=False)
class RNNTape(HiddenStates):
    x: np.ndarray  # (T, N, D)
    h_all: np.ndarray  # (T+1, N, H): h0, h_1 … h_T
    relu: bool  # φ = relu, else tanh

    @property
    def dphi(self) -> np.ndarray:
        """(T, N, H) φ'(a_t), the "tanh factor" of each backward step, from the states (tanh' = 1 - h², relu' =
        1[h > 0]): computed when asked, not kept, since the backward forms it step by step while h_t is in cache."""
        return _dphi(self.hs, self.relu)

    def da(self, t: int, dh: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """dh ⊙ φ'(a_t) for dh (N, H): the pre-activation gradient of step t."""
        d = _dphi(self.h_all[t + 1], self.relu, out)
        d *= dh
        return d


def _dphi(h: np.ndarray, relu: bool, out: np.ndarray | None = None) -> np.ndarray:
    """φ'(a) from the states h = φ(a), any shape: relu' = 1[h > 0], tanh' = 1 - h²."""
    if relu:
        mask: np.ndarray = np.greater(h, 0.0, out=np.empty_like(h) if out is None else out)
        return mask
    d: np.ndarray = np.multiply(h, h, out=out)
    np.subtract(1.0, d, out=d)
    return d


def rnn_forward(layer: RNNLayer, x: np.ndarray, h0: np.ndarray) -> RNNTape:
    """x (T, N, D), h0 (N, H), both float64 and validated -> the tape: h_all (T+1, N, H) (``tape.dphi`` gives
    φ'(a_t) (T, N, H) when asked)."""
    T = x.shape[0]
    h_all = with_initial(h0, T)
    # the input projection goes where h_t will be, and each step turns it into h_t in place
    input_projection(x, layer.W_ih, layer.b_ih + layer.b_hh, out=h_all[1:])
    W_hh_T = derived(layer, "rnn.W_hh_T", lambda: np.ascontiguousarray(layer.W_hh.T))
    relu = layer.nonlinearity == "relu"
    compiled = backend.kernels()
    if compiled is not None:
        compiled.rnn_forward(h_all, W_hh_T, relu)
        return RNNTape(x=x, h_all=h_all, relu=relu)
    gh = np.empty_like(h0)
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding relu run is reported, not warned about
        for t in range(T):
            a = h_all[t + 1]
            a += np.matmul(h_all[t], W_hh_T, out=gh)
            np.maximum(a, 0.0, out=a) if relu else np.tanh(a, out=a)
    return RNNTape(x=x, h_all=h_all, relu=relu)


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
    da = tape.da(t, dh, out=out)
    return StepGrads(dgi=da, dgh=da, dh_prev=da @ layer.W_hh, dc_prev=None, dc=None)


def rnn_back_all(layer: RNNLayer, tape: RNNTape, dhs: np.ndarray, truncate: int | None = None) -> SequenceGrads:
    """``cell.step_loop`` for the RNN, written out: per step one product and two element-wise passes, each into
    its place in the results (no temporaries; ``tape.da`` is the one call per step)."""
    T, N, H = dhs.shape
    dh_all, dgi, dh0 = empty((T, N, H)), empty((T, N, H)), np.zeros((N, H))
    compiled = backend.kernels()
    if compiled is not None:
        c = backend.c_array
        cut = T if truncate is None else truncate
        args = (c(tape.h_all), c(layer.W_hh), c(dhs), tape.relu, cut, truncate is None, 0, dh_all, dgi, dh0)
        compiled.rnn_backward(*args)
        return SequenceGrads(dh=dh_all, dc=None, dgi=dgi, dgh=dgi, dh0=dh0, dc0=None)
    W_hh, step_da = layer.W_hh, tape.da
    cut = T if truncate is None else truncate  # nothing flows from t into t-1 when t % cut == 0 (t = 0: into h0)
    np.copyto(dh_all[T - 1], dhs[T - 1])
    for t in range(T - 1, -1, -1):
        da = step_da(t, dh_all[t], out=dgi[t])
        if t == 0:
            if truncate is None:
                np.matmul(da, W_hh, out=dh0)
        elif t % cut:
            dh = np.matmul(da, W_hh, out=dh_all[t - 1])
            dh += dhs[t - 1]
        else:
            np.copyto(dh_all[t - 1], dhs[t - 1])
    return SequenceGrads(dh=dh_all, dc=None, dgi=dgi, dgh=dgi, dh0=dh0, dc0=None)


def rnn_param_grads(
    layer: RNNLayer, tape: RNNTape, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """dgi (T, N, H) -> gradients of weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0, bias_hh_l0 (H,)."""
    return linear_grads(tape.x, tape.h_all[:-1], dgi)


@dataclass(frozen=True, eq=False)
class RNNLayer(LayerBase):
    """``h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` with φ = tanh or relu (DLFS2: ``Wx = W_ih.T``)."""

    nonlinearity: str = "tanh"

    GATES: ClassVar[int] = 1
    KIND: ClassVar[str] = "rnn"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {"nonlinearity": NONLINEARITIES}

    def forward(self, x: np.ndarray, state0: State) -> RNNTape:
        return rnn_forward(self, x, state0.h)

    # the kernels above as methods: no wrapper call per step
    step_back = rnn_step_back
    back_all = rnn_back_all
    param_grads = rnn_param_grads
