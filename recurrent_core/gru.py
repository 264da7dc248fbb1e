"""GRU (gate rows r, z, n) in two formulations: forward over a sequence, and one step of BPTT.

``"pytorch"`` (reset after the matmul; z keeps)::

    r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}                 keep gate k = z

``"dlfs2"`` (the book; reset before the matmul; z updates)::

    n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
    h_t = (1 - z) ⊙ h_{t-1} + z ⊙ n                 keep gate k = 1 - z

In both, the direct path of the backward is ``dh_{t-1} ∋ dh_t ⊙ k_t``: element-wise, no matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._ops import linear_grads, previous_states, sigmoid
from .layers import GRULayer


@dataclass(frozen=True, eq=False)
class GRUTape:
    x: np.ndarray       # (T, N, D)
    h0: np.ndarray      # (N, H)
    hs: np.ndarray      # (T, N, H)
    r: np.ndarray       # (T, N, H)
    z: np.ndarray       # (T, N, H)
    n: np.ndarray       # (T, N, H)
    hh_n: np.ndarray    # (T, N, H) pytorch: W_hn h + b_hn; dlfs2: r ⊙ h_prev (the input of W_hn)
    formulation: str

    @property
    def keep(self) -> np.ndarray:
        """(T, N, H) the gate that multiplies h_{t-1} directly: z (pytorch) or 1 - z (dlfs2)."""
        return self.z if self.formulation == "pytorch" else 1.0 - self.z


def gru_forward(layer: GRULayer, x: np.ndarray, h0: np.ndarray) -> GRUTape:
    T, N, _ = x.shape
    H = layer.H
    gi = x @ layer.W_ih.T
    gi += layer.b_ih
    gi[..., :2 * H] += layer.b_hh[:2 * H]
    pytorch = layer.formulation == "pytorch"
    W_rz_T = np.ascontiguousarray(layer.W_hh[:2 * H].T)
    W_n_T = np.ascontiguousarray(layer.W_hh[2 * H:].T)
    b_hn = layer.b_hh[2 * H:]
    hs, r_all, z_all, n_all, hh_n = (np.empty((T, N, H)) for _ in range(5))
    h = h0
    for t in range(T):
        rz = sigmoid(gi[t, :, :2 * H] + h @ W_rz_T)
        r = r_all[t]
        r[:] = rz[:, :H]
        z = z_all[t]
        z[:] = rz[:, H:]
        if pytorch:
            np.add(h @ W_n_T, b_hn, out=hh_n[t])
            n = np.tanh(gi[t, :, 2 * H:] + r * hh_n[t], out=n_all[t])
            h_new = hs[t]
            np.subtract(h, n, out=h_new)      # h = n + z ⊙ (h_prev - n)
            h_new *= z
            h_new += n
        else:
            np.multiply(r, h, out=hh_n[t])
            n = np.tanh(gi[t, :, 2 * H:] + hh_n[t] @ W_n_T + b_hn, out=n_all[t])
            h_new = hs[t]
            np.subtract(n, h, out=h_new)      # h = h_prev + z ⊙ (n - h_prev)
            h_new *= z
            h_new += h
        h = h_new
    return GRUTape(x=x, h0=h0, hs=hs, r=r_all, z=z_all, n=n_all, hh_n=hh_n, formulation=layer.formulation)


def gru_step_back(layer: GRULayer, tape: GRUTape, t: int, dh: np.ndarray, dc_next=None):
    """Returns ``(dgi_t, dgh_t, dh_prev, None, None)``."""
    H = layer.H
    r, z, n = tape.r[t], tape.z[t], tape.n[t]
    h_prev = tape.hs[t - 1] if t > 0 else tape.h0
    dgi = np.empty((dh.shape[0], 3 * H))
    if layer.formulation == "pytorch":
        dan = dh * (1.0 - z) * (1.0 - n * n)
        dgi[:, :H] = dan * tape.hh_n[t] * r * (1.0 - r)
        dgi[:, H:2 * H] = dh * (h_prev - n) * z * (1.0 - z)
        dgi[:, 2 * H:] = dan
        dgh = dgi.copy()
        dgh[:, 2 * H:] *= r
        dh_prev = dh * z + dgh @ layer.W_hh
    else:
        dan = dh * z * (1.0 - n * n)
        drh = dan @ layer.W_hh[2 * H:]
        dgi[:, :H] = drh * h_prev * r * (1.0 - r)
        dgi[:, H:2 * H] = dh * (n - h_prev) * z * (1.0 - z)
        dgi[:, 2 * H:] = dan
        dgh = dgi
        dh_prev = dh * (1.0 - z) + drh * r + dgi[:, :2 * H] @ layer.W_hh[:2 * H]
    return dgi, dgh, dh_prev, None, None


def gru_param_grads(layer: GRULayer, tape: GRUTape, dgi: np.ndarray, dgh: np.ndarray) -> dict[str, np.ndarray]:
    h_prev = previous_states(tape.h0, tape.hs)
    grads = linear_grads(tape.x, h_prev, dgi, dgh)
    if layer.formulation == "dlfs2":  # W_hn multiplies r ⊙ h_prev, not h_prev
        H = layer.H
        grads["weight_hh_l0"][2 * H:] = dgh[..., 2 * H:].reshape(-1, H).T @ tape.hh_n.reshape(-1, H)
    return grads
