"""What the linear algebra of W_hh predicts, the rates measured from a curve, and the book's own figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpectralFacts:
    """What the linear algebra of ``W_hh`` predicts for the vanilla RNN's backward.

    Per step ‖dh_{t-1}‖ ≤ σ_max · γ · ‖dh_t‖ with γ = max|φ'| (Pascanu et al. 2013: σ_max < 1/γ is sufficient
    for vanishing, σ_max > 1/γ necessary for exploding); the long-run rate of the linear chain is ρ(W_hh).
    """

    singular_values: np.ndarray  # (H,) descending
    eigenvalues: np.ndarray  # (H,) complex, by descending modulus
    spectral_radius: float
    sigma_max: float
    gamma: float
    pascanu_bound: float  # σ_max · γ, the per-step bound on the gain


def spectral_facts(W_hh: np.ndarray, nonlinearity: str = "tanh") -> SpectralFacts:
    """Singular values (H,), eigenvalues (H,) by modulus, ρ, σ_max and the Pascanu bound of a square W_hh (H, H).

    ``nonlinearity`` does not change the result (γ = max|φ'| is 1 for both tanh and relu); it is accepted so
    that existing callers keep working.
    """
    W = np.asarray(W_hh, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 1 or not np.isfinite(W).all():
        raise ValueError(f"W_hh: expected a finite square (H, H) matrix, got shape {W.shape}")
    s = np.linalg.svd(W, compute_uv=False)
    eig = np.linalg.eigvals(W)
    eig = eig[np.argsort(-np.abs(eig), kind="stable")]
    gamma = 1.0  # max |tanh'| = max |relu'| = 1
    return SpectralFacts(
        singular_values=s,
        eigenvalues=eig,
        spectral_radius=float(np.abs(eig[0])),
        sigma_max=float(s[0]),
        gamma=gamma,
        pascanu_bound=float(s[0] * gamma),
    )


def per_step_rate(log10_norms: np.ndarray) -> np.ndarray:
    """Measured gain of each backward step, ‖dh_{t-1}‖/‖dh_t‖ (length T-1, index t-1), from log10 norms (T,)."""
    with np.errstate(invalid="ignore"):
        rate: np.ndarray = 10.0 ** (np.asarray(log10_norms)[:-1] - np.asarray(log10_norms)[1:])
    return rate


def long_run_rate(log10_norms: np.ndarray, skip: int = 0) -> float:
    """Geometric-mean gain per step over the chain (ignoring the ``skip`` steps nearest the loss)."""
    ln = np.asarray(log10_norms, dtype=np.float64)[: len(log10_norms) - skip]
    if len(ln) < 2 or not np.isfinite(ln[[0, -1]]).all():
        return float("nan")
    return float(10.0 ** ((ln[0] - ln[-1]) / (len(ln) - 1)))


# --------------------------------------------------------------------------------------- the book's figure
@dataclass(frozen=True)
class BookExperiment:
    """DLFS2 ch06/rnn_gradient_graph.py, reproduced exactly: no tanh, no forward pass, a pure linear chain."""

    Wh: np.ndarray  # (H, H) in the book's row convention (h @ Wh), = W_hh^T
    norms: np.ndarray  # (T,) sqrt(sum(dh**2)) / N after each of the T backward steps


def book_experiment(scale: float = 1.0, N: int = 2, H: int = 3, T: int = 20, seed: int = 3) -> BookExperiment:
    """``np.random.seed(seed); Wh = np.random.randn(H, H) * scale`` and ``dh = dh @ Wh.T`` T times from ones.

    ``RandomState(seed)`` draws the same numbers as the book's legacy global seeding without touching it.
    """
    Wh = np.random.RandomState(seed).randn(H, H)
    if scale != 1.0:
        Wh = Wh * scale
    dh = np.ones((N, H))
    norms = np.empty(T)
    for t in range(T):
        dh = np.dot(dh, Wh.T)
        norms[t] = np.sqrt(np.sum(dh**2)) / N
    return BookExperiment(Wh=Wh, norms=norms)
