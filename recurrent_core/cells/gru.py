"""GRU (gate rows r, z, n) in two formulations: forward over a sequence, one step of BPTT, and all steps in one loop.

``"pytorch"`` (reset after the matmul; z keeps)::

    r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}                 keep gate k = z

``"dlfs2"`` (the book; reset before the matmul; z updates)::

    n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
    h_t = (1 - z) ⊙ h_{t-1} + z ⊙ n                 keep gate k = 1 - z

In both, the direct path of the backward is ``dh_{t-1} ∋ dh_t ⊙ k_t``: element-wise, no matrix. σ is the layer's
``gate_activation`` (gates.py): the sigmoid, or a hard sigmoid whose σ'(a) the forward keeps on the tape.
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
from .cell import SequenceGrads, State, StepGrads, step_loop
from .gates import GATE_ACTIVATIONS, GATE_CODES, hard_gate

GRU_FORMULATIONS = ("pytorch", "dlfs2")


@dataclass(frozen=True, eq=False)
class GRUTape(HiddenStates):
    x: np.ndarray  # (T, N, D)
    h_all: np.ndarray  # (T+1, N, H): h0, h_1 … h_T
    gates: np.ndarray  # (T, N, 3H) activated r, z, n (``r``, ``z``, ``n`` are its blocks)
    hh_n: np.ndarray  # (T, N, H) pytorch: W_hn h + b_hn; dlfs2: r ⊙ h_prev (the input of W_hn)
    formulation: str
    back: BlockSumProduct  # pytorch: dgh ↦ dgh W_hh; dlfs2: [da_r da_z] ↦ [da_r da_z] W_hh[:2H]
    slopes: np.ndarray | None = None  # (T, N, 2H) σ'(a) of r, z for a hard-sigmoid gate; None: the sigmoid

    def _block(self, k: int) -> np.ndarray:
        H = self.hh_n.shape[-1]
        return self.gates[..., k * H : (k + 1) * H]

    @property
    def r(self) -> np.ndarray:
        """(T, N, H) the reset gate."""
        return self._block(0)

    @property
    def z(self) -> np.ndarray:
        """(T, N, H) z: the keep gate in PyTorch's form, the update gate in the book's."""
        return self._block(1)

    @property
    def n(self) -> np.ndarray:
        """(T, N, H) the candidate state."""
        return self._block(2)

    def coef(self, t: int, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        """Step t's backward coefficients (N, 3H) into ``out``, with ``tmp`` (N, H) as scratch (see
        ``_backward_coefficients``): formed per step while the step's gates are in cache, not kept for all T."""
        slopes = None if self.slopes is None else self.slopes[t]
        _backward_coefficients(self.formulation, self.h_all[t], self.gates[t], self.hh_n[t], out, tmp, slopes)
        return out

    @property
    def keep(self) -> np.ndarray:
        """(T, N, H) the gate that multiplies h_{t-1} directly: z (pytorch) or 1 - z (dlfs2)."""
        return self.z if self.formulation == "pytorch" else 1.0 - self.z


def gru_forward(layer: GRULayer, x: np.ndarray, h0: np.ndarray) -> GRUTape:
    """x (T, N, D), h0 (N, H), float64 and validated -> the tape: h_all (T+1, N, H), gates r, z, n (T, N, H)
    each, hh_n (T, N, H) and ``tape.keep`` (T, N, H), the gate on the direct path."""
    compiled = backend.kernels()
    if compiled is not None:
        return _gru_forward_compiled(compiled, layer, x, h0)
    if layer.gate_activation != "sigmoid":
        return _gru_forward_hard(layer, x, h0)
    T, N, _ = x.shape
    H = layer.H
    # σ(a) = (1 + tanh(a/2)) / 2: the r and z rows are halved once (exactly) so that one tanh gives both gates
    half = np.concatenate([np.full(2 * H, 0.5), np.ones(H)])
    gates = input_projection(x, *_input_weights(layer, half, 0))  # the activations replace it, in place
    W_hh_T = derived(layer, "gru.W_hh_T", lambda: np.ascontiguousarray((layer.W_hh * half[:, None]).T))  # (H, 3H)
    b_hn = layer.b_hh[2 * H :]
    h_all = with_initial(h0, T)
    hh_n = empty((T, N, H))
    pytorch = layer.formulation == "pytorch"
    W_rz_T, W_n_T = W_hh_T[:, : 2 * H], _W_n_T(layer)
    front, blocks = (W_hh_T, 3) if pytorch else (W_rz_T, 2)
    recurrent = derived(layer, ("gru.recurrent", splits(front, blocks, N)), lambda: BlockProduct(front, blocks, N))
    gh, tmp = np.empty((N, 3 * H if pytorch else 2 * H)), np.empty((N, H))
    for t in range(T):
        h, g = h_all[t], gates[t]
        rz = g[:, : 2 * H]
        recurrent(h, out=gh)
        rz += gh[:, : 2 * H]
        if pytorch:
            np.add(gh[:, 2 * H :], b_hn, out=hh_n[t])
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        if pytorch:
            n += np.multiply(r, hh_n[t], out=tmp)
        else:
            rh = np.multiply(r, h, out=hh_n[t])
            m = np.matmul(rh, W_n_T, out=tmp)
            m += b_hn
            n += m
        np.tanh(n, out=n)
        h_new = h_all[t + 1]
        if pytorch:  # h = n + z ⊙ (h_prev - n)
            np.subtract(h, n, out=h_new)
            h_new *= z
            h_new += n
        else:  # h = h_prev + z ⊙ (n - h_prev)
            np.subtract(n, h, out=h_new)
            h_new *= z
            h_new += h
    return GRUTape(x=x, h_all=h_all, gates=gates, hh_n=hh_n, formulation=layer.formulation, back=_back(layer, N))


def _gru_forward_compiled(compiled: ModuleType, layer: GRULayer, x: np.ndarray, h0: np.ndarray) -> GRUTape:
    """``gru_forward`` with its loop compiled (backend.py): the same arrays, the r and z rows halved for the
    sigmoid as above (exact)."""
    T, N, _ = x.shape
    H = layer.H
    act = GATE_CODES[layer.gate_activation]
    half = np.concatenate([np.full(2 * H, 0.5 if act == 0 else 1.0), np.ones(H)])
    gates = input_projection(x, *_input_weights(layer, half, act))
    pytorch = layer.formulation == "pytorch"
    width = 3 * H if pytorch else 2 * H  # pytorch: r, z, n; dlfs2: r and z (W_hn multiplies r ⊙ h apart)
    W_front = derived(
        layer, ("gru.front", act), lambda: np.ascontiguousarray((layer.W_hh[:width] * half[:width, None]).T)
    )
    W_n_T = _W_n_T(layer)
    h_all = with_initial(h0, T)
    hh_n = empty((T, N, H))
    slopes = np.empty((T, N, 2 * H)) if act else np.zeros((1, 1, 1))
    b_hn = np.ascontiguousarray(layer.b_hh[2 * H :])
    blocks = 3 if pytorch else 2
    parts = derived(layer, ("gru.columns", act, splits(W_front, blocks, N)), lambda: column_blocks(W_front, blocks, N))
    compiled.gru_forward(gates, h_all, hh_n, W_front, parts, W_n_T, b_hn, pytorch, act, slopes)
    return GRUTape(
        x=x,
        h_all=h_all,
        gates=gates,
        hh_n=hh_n,
        formulation=layer.formulation,
        back=_back(layer, N),
        slopes=slopes if act else None,
    )


def _input_weights(layer: GRULayer, half: np.ndarray, act: int) -> tuple[np.ndarray, np.ndarray]:
    """W_ih and b_ih (+ b_hh for r and z) with the rows scaled by ``half`` (fixed by the gate activation ``act``)."""

    def bias() -> np.ndarray:
        b_in = layer.b_ih.copy()
        b_in[: 2 * layer.H] += layer.b_hh[: 2 * layer.H]
        scaled: np.ndarray = b_in * half
        return scaled

    return derived(layer, ("gru.W_ih", act), lambda: layer.W_ih * half[:, None]), derived(layer, ("gru.b", act), bias)


def _W_n_T(layer: GRULayer) -> np.ndarray:
    """W_hn^T (H, H), contiguous."""
    return derived(layer, "gru.W_n_T", lambda: np.ascontiguousarray(layer.W_hh[2 * layer.H :].T))


def _back(layer: GRULayer, N: int) -> BlockSumProduct:
    """The tape's backward product (see GRUTape.back); shared by the tapes of a ``steady_weights`` block, which call
    it one at a time (its scratch holds nothing between calls)."""
    pytorch = layer.formulation == "pytorch"
    W, blocks = (layer.W_hh, 3) if pytorch else (layer.W_hh[: 2 * layer.H], 2)
    return derived(layer, ("gru.back", splits(W, blocks, N)), lambda: BlockSumProduct(W, blocks, N))


def _gru_forward_hard(layer: GRULayer, x: np.ndarray, h0: np.ndarray) -> GRUTape:
    """``gru_forward`` for a hard-sigmoid gate, written plainly (no tanh trick); each step's σ'(a) of r and z goes
    on the tape, taken from the pre-activation a itself (the kink convention of gates.py)."""
    T, N, _ = x.shape
    H = layer.H
    b_in = layer.b_ih.copy()
    b_in[: 2 * H] += layer.b_hh[: 2 * H]
    gates = input_projection(x, layer.W_ih, b_in)  # the activations replace it, in place
    slopes = np.empty((T, N, 2 * H))
    W_rz_T = derived(layer, "gru.W_rz_T_plain", lambda: np.ascontiguousarray(layer.W_hh[: 2 * H].T))
    W_n_T = _W_n_T(layer)
    b_hn = layer.b_hh[2 * H :]
    h_all = with_initial(h0, T)
    hh_n = np.empty((T, N, H))
    pytorch = layer.formulation == "pytorch"
    for t in range(T):
        h, g = h_all[t], gates[t]
        rz = g[:, : 2 * H]
        rz += h @ W_rz_T
        hard_gate(layer.gate_activation, rz, slopes[t])
        r, z, n = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        if pytorch:
            np.add(h @ W_n_T, b_hn, out=hh_n[t])
            n += r * hh_n[t]
        else:
            np.multiply(r, h, out=hh_n[t])
            n += hh_n[t] @ W_n_T + b_hn
        np.tanh(n, out=n)
        h_all[t + 1] = (1.0 - z) * n + z * h if pytorch else (1.0 - z) * h + z * n
    return GRUTape(
        x=x, h_all=h_all, gates=gates, hh_n=hh_n, formulation=layer.formulation, back=_back(layer, N), slopes=slopes
    )


def _backward_coefficients(
    formulation: str,
    h_prev: np.ndarray,
    gates: np.ndarray,
    hh_n: np.ndarray,
    coef: np.ndarray,
    tmp: np.ndarray,
    slopes: np.ndarray | None = None,
) -> None:
    """What the backward needs from the forward alone, for one step: h_prev, hh_n and ``tmp`` (scratch) (N, H),
    the step's gates (N, 3H) -> ``coef`` (N, 3H). ``slopes`` (N, 2H), a hard sigmoid's σ'(a) of r and z, stand
    in for r(1-r) and z(1-z) below.

    pytorch: dgi_t = dh_t ⊙ coef_t per block (r, z, n), coef = [hh_n r(1-r) c_n, (h_prev - n) z(1-z), c_n]
    with c_n = (1-z)(1-n²). dlfs2: coef = [h_prev r(1-r), (n - h_prev) z(1-z), z(1-n²)]; its r block
    multiplies ∂L/∂(r ⊙ h) rather than dh_t.
    """
    H = hh_n.shape[-1]
    r, z, n = gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H :]
    c_r, c_z, c_n = coef[..., :H], coef[..., H : 2 * H], coef[..., 2 * H :]
    np.multiply(n, n, out=c_n)
    np.subtract(1.0, c_n, out=c_n)  # 1 - n²
    if slopes is None:
        np.subtract(1.0, z, out=tmp)
        tmp *= z  # z (1 - z)
    else:
        np.copyto(tmp, slopes[..., H:])
    if formulation == "pytorch":
        np.subtract(h_prev, n, out=c_z)
        c_z *= tmp
        np.subtract(1.0, z, out=tmp)
        c_n *= tmp  # (1 - z)(1 - n²)
        _r_slope(r, slopes, tmp)
        tmp *= hh_n
        np.multiply(tmp, c_n, out=c_r)
    else:
        np.subtract(n, h_prev, out=c_z)
        c_z *= tmp
        c_n *= z  # z (1 - n²)
        _r_slope(r, slopes, tmp)
        np.multiply(tmp, h_prev, out=c_r)


def _r_slope(r: np.ndarray, slopes: np.ndarray | None, out: np.ndarray) -> None:
    """σ'(a_r) into ``out``: r (1 - r) for the sigmoid, else the kept slope."""
    if slopes is None:
        np.subtract(1.0, r, out=out)
        out *= r
    else:
        np.copyto(out, slopes[..., : r.shape[-1]])


def gru_step_back(
    layer: GRULayer,
    tape: GRUTape,
    t: int,
    dh: np.ndarray,
    dc_next: np.ndarray | None = None,
    out: np.ndarray | None = None,
    out_hh: np.ndarray | None = None,
) -> StepGrads:
    """Backward through step t for dh (N, H), the total ∂L/∂h_t; no cell, so ``dc_prev`` and ``dc`` are None.

    ``out`` and ``out_hh`` (N, 3H), if given, receive the gradients of the input and hidden products'
    pre-activations; in the dlfs2 form they are the same array."""
    N, H = dh.shape
    dgi = np.empty((N, 3 * H)) if out is None else out
    coef, r = tape.coef(t, np.empty((N, 3 * H)), np.empty((N, H))), tape.r[t]
    if layer.formulation == "pytorch":
        dgh = np.empty((N, 3 * H)) if out_hh is None else out_hh
        np.multiply(coef.reshape(N, 3, H), dh[:, None, :], out=dgi.reshape(N, 3, H))
        dgh[:, : 2 * H] = dgi[:, : 2 * H]
        np.multiply(dgi[:, 2 * H :], r, out=dgh[:, 2 * H :])
        dh_prev = tape.back(dgh)
        dh_prev += dh * tape.z[t]
    else:
        dan = np.multiply(dh, coef[:, 2 * H :], out=dgi[:, 2 * H :])
        drh = dan @ layer.W_hh[2 * H :]
        np.multiply(drh, coef[:, :H], out=dgi[:, :H])
        np.multiply(dh, coef[:, H : 2 * H], out=dgi[:, H : 2 * H])
        dgh = dgi  # b_hn and W_hn act on the same pre-activation as the input product
        dh_prev = tape.back(dgi[:, : 2 * H])
        dh_prev += drh * r
        dh_prev += dh * (1.0 - tape.z[t])
    return StepGrads(dgi=dgi, dgh=dgh, dh_prev=dh_prev, dc_prev=None, dc=None)


def gru_back_all(layer: GRULayer, tape: GRUTape, dhs: np.ndarray, truncate: int | None = None) -> SequenceGrads:
    """``cell.step_loop`` for PyTorch's GRU, written out (every result in its place; ``tape.coef`` and ``tape.back``
    per step); the book's formulation goes through ``step_loop`` itself (both compiled on the numba backend)."""
    compiled = backend.kernels()
    if compiled is not None:
        return _gru_back_all_compiled(compiled, layer, tape, dhs, truncate)
    if layer.formulation != "pytorch":
        return step_loop(layer, tape, dhs, truncate)
    T, N, H = dhs.shape
    dh_all, dgi, dgh, dh0 = empty((T, N, H)), empty((T, N, 3 * H)), empty((T, N, 3 * H)), np.zeros((N, H))
    dgi3 = dgi.reshape(T, N, 3, H)
    coef, tmp = np.empty((N, 3 * H)), np.empty((N, H))
    coef3 = coef.reshape(N, 3, H)
    step_coef = tape.coef
    r, z, back = tape.r, tape.z, tape.back
    keep = np.empty((N, H))
    cut = T if truncate is None else truncate  # nothing flows from t into t-1 when t % cut == 0 (t = 0: into h0)
    np.copyto(dh_all[T - 1], dhs[T - 1])
    multiply = np.multiply
    for t in range(T - 1, -1, -1):
        dh = dh_all[t]
        da, da_h = dgi[t], dgh[t]
        step_coef(t, coef, tmp)
        multiply(coef3, dh[:, None, :], out=dgi3[t])
        da_h[:, : 2 * H] = da[:, : 2 * H]
        multiply(da[:, 2 * H :], r[t], out=da_h[:, 2 * H :])
        if t == 0:
            if truncate is None:
                back(da_h, out=dh0)
                dh0 += multiply(dh, z[0], out=keep)
        elif t % cut:
            dh_prev = back(da_h, out=dh_all[t - 1])
            dh_prev += multiply(dh, z[t], out=keep)
            dh_prev += dhs[t - 1]
        else:
            np.copyto(dh_all[t - 1], dhs[t - 1])
    return SequenceGrads(dh=dh_all, dc=None, dgi=dgi, dgh=dgh, dh0=dh0, dc0=None)


def _gru_back_all_compiled(
    compiled: ModuleType, layer: GRULayer, tape: GRUTape, dhs: np.ndarray, truncate: int | None
) -> SequenceGrads:
    T, N, H = dhs.shape
    pytorch = layer.formulation == "pytorch"
    dh_all, dgi, dh0 = empty((T, N, H)), empty((T, N, 3 * H)), np.zeros((N, H))
    dgh = empty((T, N, 3 * H)) if pytorch else dgi
    c = backend.c_array
    W_hh = c(layer.W_hh)
    W_back = W_hh if pytorch else np.ascontiguousarray(W_hh[: 2 * H])
    W_n = np.ascontiguousarray(W_hh[2 * H :])
    slopes = c(tape.slopes) if tape.slopes is not None else np.zeros((1, 1, 1))
    cut = T if truncate is None else truncate
    compiled.gru_backward(
        c(tape.gates), c(tape.h_all), c(tape.hh_n), W_back, row_blocks(W_back, 3 if pytorch else 2, N), W_n, c(dhs),
        pytorch, tape.slopes is not None, slopes,
        cut, truncate is None, 0, dh_all, dgi, dgh, dh0,
    )  # fmt: skip
    return SequenceGrads(dh=dh_all, dc=None, dgi=dgi, dgh=dgh, dh0=dh0, dc0=None)


def gru_param_grads(
    layer: GRULayer, tape: GRUTape, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """dgi, dgh (T, N, 3H) -> gradients of weight_ih_l0 (3H, D), weight_hh_l0 (3H, H), bias_ih_l0, bias_hh_l0."""
    grads = linear_grads(tape.x, tape.h_all[:-1], dgi, dgh)
    if layer.formulation == "dlfs2":  # W_hn multiplies r ⊙ h_prev, not h_prev
        H = layer.H
        grads["weight_hh_l0"][2 * H :] = (tape.hh_n.reshape(-1, H).T @ dgi[..., 2 * H :].reshape(-1, H)).T
    return grads


@dataclass(frozen=True, eq=False)
class GRULayer(LayerBase):
    """A GRU; gate rows r, z, n. Two formulations share the parameters:

    - ``"pytorch"`` (cuDNN, Cho et al. v1): ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
      ``h = (1 - z) ⊙ n + z ⊙ h_prev``: z is the *keep* gate.
    - ``"dlfs2"`` (the book, Cho et al. v3): ``n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)``,
      ``h = (1 - z) ⊙ h_prev + z ⊙ n``: z is the *update* gate, 1 - z keeps.

    r and z through ``gate_activation``: "sigmoid" (PyTorch's), or Keras's "hard_sigmoid_keras2" /
    "hard_sigmoid_keras3" (gates.py).
    """

    formulation: str = "pytorch"
    gate_activation: str = "sigmoid"

    GATES: ClassVar[int] = 3
    KIND: ClassVar[str] = "gru"
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "formulation": GRU_FORMULATIONS,
        "gate_activation": GATE_ACTIVATIONS,
    }

    @property
    def separate_hh(self) -> bool:  # reset after W_hn: dgh's n block is dgi's ⊙ r
        return self.formulation == "pytorch"

    def forward(self, x: np.ndarray, state0: State) -> GRUTape:
        return gru_forward(self, x, state0.h)

    # the kernels above as methods: no wrapper call per step
    step_back = gru_step_back
    back_all = gru_back_all
    param_grads = gru_param_grads
