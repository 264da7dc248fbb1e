"""Small numeric helpers shared by the cells."""
from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) without overflow warnings for large |a| (σ(a) = (1 + tanh(a/2)) / 2)."""
    out = np.tanh(0.5 * a)
    out += 1.0
    out *= 0.5
    return out


def previous_states(first: np.ndarray, states: np.ndarray) -> np.ndarray:
    """(T, N, H) array of the state entering each step: ``first`` then ``states[:-1]``."""
    return np.concatenate([first[None], states[:-1]], axis=0)


def linear_grads(x: np.ndarray, h_prev: np.ndarray, dgi: np.ndarray, dgh: np.ndarray) -> dict[str, np.ndarray]:
    """Parameter gradients of ``gi = x W_ih^T + b_ih`` and ``gh = h_prev W_hh^T + b_hh`` summed over T and N.

    One BLAS product each over all steps at once, instead of T small ones.
    """
    k = dgi.shape[-1]
    dgi2 = dgi.reshape(-1, k)
    dgh2 = dgh.reshape(-1, k)
    return {
        "weight_ih_l0": dgi2.T @ x.reshape(-1, x.shape[-1]),
        "weight_hh_l0": dgh2.T @ h_prev.reshape(-1, h_prev.shape[-1]),
        "bias_ih_l0": dgi2.sum(axis=0),
        "bias_hh_l0": dgh2.sum(axis=0),
    }
