"""One training step and one probe of the flow, for either way of running the recurrent layer.

The step, for a batch (x, y)::

    h_T = layer(x)[T]                      (h_0 = 0, c_0 = 0)
    out = h_T W_fcᵀ + b_fc;  L, dL/dout = readout_loss(out, y)
    dL/dh_T = dout W_fc                     (the only upstream gradient: the loss sits at the last step)
    grads = BPTT of the layer from dL/dh_T;  dW_fc = doutᵀ h_T,  db_fc = Σ_n dout

The layer runs in a :class:`Recurrence`: :class:`~recurrent_core.training.fused.FusedStep` (one forward, buffers
reused across steps) or :class:`LayerStep` (the public ``rc.forward`` + ``rc.bptt``: ``engine="bptt"`` and the
book's GRU). Both agree to rounding (tested); the readout and the loss above are written once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..analysis.flow import flow_norms
from ..analysis.logdomain import aggregate
from ..cells import backend
from ..cells._ops import column_blocks, input_projection, row_blocks
from ..cells.bptt import bptt, forward
from ..cells.gru import GRULayer
from ..cells.layers import Layer
from ..cells.lstm import _HALF as _LSTM_HALF
from ..cells.lstm import LSTMLayer, LSTMTape
from ..cells.rnn import RNNLayer
from .tasks import TaskSpec, readout_loss

Array = np.ndarray


class Recurrence(Protocol):
    """The recurrent layer's part of a step, at fixed (T, N): ``h_T = forward(params, x)``, then ``backward`` the
    layer's four gradients for ∂L/∂h_T, or ``flow``: log10 ‖∂L/∂h_t‖ (Frobenius over the batch) per step t."""

    def forward(self, params: Mapping[str, Array], x: Array) -> Array: ...

    def backward(self, dh_T: Array, truncate: int | None = None) -> dict[str, Array]: ...

    def flow(self, dh_T: Array) -> Array: ...


def layer_of(params: Mapping[str, Array], kind: str, nonlinearity: str, formulation: str) -> Layer:
    """The recurrent layer of ``params`` (its constructor copies: later in-place updates do not reach it)."""
    W_ih, W_hh = params["weight_ih_l0"], params["weight_hh_l0"]
    b_ih, b_hh = params["bias_ih_l0"], params["bias_hh_l0"]
    if kind == "rnn":
        return RNNLayer(W_ih, W_hh, b_ih, b_hh, nonlinearity=nonlinearity)
    if kind == "lstm":
        return LSTMLayer(W_ih, W_hh, b_ih, b_hh)
    return GRULayer(W_ih, W_hh, b_ih, b_hh, formulation=formulation)


class LayerStep:
    """:class:`Recurrence` through the public ``rc.forward`` and ``rc.bptt`` (and ``rc.flow_norms`` for the flow:
    overflow-safe in the log domain)."""

    def __init__(self, kind: str, T: int, N: int, H: int, nonlinearity: str = "tanh", formulation: str = "pytorch"):
        self.kind, self.nonlinearity, self.formulation = kind, nonlinearity, formulation
        self.dhs = np.zeros((T, N, H))  # the upstream gradient: only its last step is ever nonzero
        self.layer: Layer | None = None
        self.x: Array | None = None

    def forward(self, params: Mapping[str, Array], x: Array) -> Array:
        self.layer, self.x = layer_of(params, self.kind, self.nonlinearity, self.formulation), x
        h_T: Array = forward(self.layer, x).hs[-1]
        return h_T

    def backward(self, dh_T: Array, truncate: int | None = None) -> dict[str, Array]:
        assert self.layer is not None and self.x is not None
        self.dhs[-1] = dh_T
        trace = bptt(self.layer, self.x, self.dhs, truncate=truncate)
        self.dhs[-1] = 0.0
        return dict(trace.grads)

    def flow(self, dh_T: Array) -> Array:
        assert self.layer is not None and self.x is not None
        self.dhs[-1] = dh_T
        row = aggregate(flow_norms(self.layer, self.x, self.dhs).log10_dh, "l2")
        self.dhs[-1] = 0.0
        return row


@dataclass
class StepResult:
    loss: float
    metric: float
    grads: dict[str, Array]  # keyed like the state dict, before clipping


def loss_and_grads(
    layer: Recurrence, params: Mapping[str, Array], x: Array, y: Array, spec: TaskSpec, truncate: int | None
) -> StepResult:
    """The loss of batch (x, y) under ``params`` and its gradient w.r.t. every parameter (readout included)."""
    W_fc = params["fc.weight"]
    h_T = layer.forward(params, x)
    out = h_T @ W_fc.T
    out += params["fc.bias"]
    loss, metric, dout = readout_loss(spec, out, y)
    grads = layer.backward(dout @ W_fc, truncate)
    grads["fc.weight"] = dout.T @ h_T
    grads["fc.bias"] = dout.sum(axis=0)
    return StepResult(loss, metric, grads)


def probe_flow(
    layer: Recurrence, params: Mapping[str, Array], x: Array, y: Array, spec: TaskSpec
) -> tuple[Array, float]:
    """log10 ‖∂L/∂h_t‖ over the probe batch (T,), full BPTT, and the probe loss."""
    W_fc = params["fc.weight"]
    h_T = layer.forward(params, x)
    loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return layer.flow(dout @ W_fc), loss


def lstm_probe_flow(params: Mapping[str, Array], x: Array, y: Array, spec: TaskSpec) -> tuple[Array, Array, float]:
    """An LSTM's log10 ‖∂L/∂h_t‖ and log10 ‖∂L/∂c_t‖ over the probe batch (each (T,)), full BPTT, and the probe
    loss: through the public ``rc.forward`` and ``rc.flow_norms`` (the fused step keeps no ∂L/∂c_t)."""
    layer = layer_of(params, "lstm", "tanh", "pytorch")
    assert isinstance(layer, LSTMLayer)
    W_fc = params["fc.weight"]
    tape = forward(layer, x)
    assert isinstance(tape, LSTMTape)
    h_T = tape.hs[-1]
    loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
    dhs = np.zeros((x.shape[0], *h_T.shape))
    dhs[-1] = dout @ W_fc
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # rc.bptt(layer, x, dhs)'s dh and dc: its backward over the same tape, without the parameter gradients
        # and dx it would add (and the second forward it would run)
        back = layer.back_all(tape, dhs, None)
        assert back.dc is not None
        return log10_norms(back.dh), log10_norms(back.dc), loss


class LSTMProbe:
    """:func:`lstm_probe_flow` for a fixed probe batch (T, N) with its buffers made once: on the compiled loops,
    ``_lstm_forward_compiled`` and the compiled ``lstm_back_all`` written out over reused arrays (the same calls on
    the same values: the same numbers, tested bit for bit; fresh (T, N, 4H) arrays per checkpoint cost more in page
    faults than the loops); on NumPy's loops, :func:`lstm_probe_flow` itself."""

    def __init__(self, T: int, N: int, D: int, H: int) -> None:
        self.half = np.repeat(_LSTM_HALF, H)
        self.gates = np.empty((T, N, 4 * H))
        self.h_all, self.c_all = np.zeros((T + 1, N, H)), np.zeros((T + 1, N, H))  # slot 0: h_0 = c_0 = 0
        self.tanh_c = np.empty((T, N, H))
        self.dhs = np.zeros((T, N, H))  # nonzero at the last step only
        self.dh_all, self.dc_all = np.empty((T, N, H)), np.empty((T, N, H))
        self.dgi = np.empty((T, N, 4 * H))
        self.dh0, self.dc0 = np.zeros((N, H)), np.zeros((N, H))
        self.dummy = np.zeros((1, 1, 1))

    def __call__(self, params: Mapping[str, Array], x: Array, y: Array, spec: TaskSpec) -> tuple[Array, Array, float]:
        compiled = backend.kernels()
        if compiled is None:
            return lstm_probe_flow(params, x, y, spec)
        T, N, _ = x.shape
        half, c = self.half, backend.c_array
        W_ih, W_hh = c(params["weight_ih_l0"]), c(params["weight_hh_l0"])
        input_projection(x, W_ih * half[:, None], (params["bias_ih_l0"] + params["bias_hh_l0"]) * half, out=self.gates)
        W_hh_T = np.ascontiguousarray((W_hh * half[:, None]).T)
        compiled.lstm_forward(
            self.gates, self.h_all, self.c_all, self.tanh_c, W_hh_T, column_blocks(W_hh_T, 4, N), 0, self.dummy
        )
        W_fc = params["fc.weight"]
        h_T = self.h_all[T]
        loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
        self.dhs[-1] = dout @ W_fc
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            compiled.lstm_backward(
                self.gates, self.c_all, self.tanh_c, W_hh, row_blocks(W_hh, 4, N), self.dhs, False, self.dummy, T,
                True, 0, self.dh_all, self.dc_all, self.dgi, self.dh0, self.dc0,
            )  # fmt: skip
            return log10_norms(self.dh_all), log10_norms(self.dc_all), loss


def log10_norms(d: Array) -> Array:
    """log10 of the Frobenius norm of each d[t] (T,), scaled so that squaring neither underflows nor overflows
    (-inf for an exact zero)."""
    scale = np.max(np.abs(d.reshape(len(d), -1)), axis=1)
    safe = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    u = d / safe[:, None, None]
    out: Array = np.log10(safe) + 0.5 * np.log10(np.einsum("tnh,tnh->t", u, u))
    return np.where(scale > 0, out, -np.inf)


def spectral_radii(W_hh: Array, H: int) -> Array:
    """ρ of each (H, H) gate block of W_hh (its rows in PyTorch's order): the largest |eigenvalue|."""
    blocks = W_hh.reshape(-1, H, H)
    return np.array([float(np.max(np.abs(np.linalg.eigvals(W)))) for W in blocks])
