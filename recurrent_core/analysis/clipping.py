"""Remedies for exploding gradients, as functions of a gradient dict (e.g. ``trace.grads``)."""

from __future__ import annotations

import numpy as np


def global_norm(grads: dict[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


def clip_global_norm(
    grads: dict[str, np.ndarray], max_norm: float, eps: float = 1e-6
) -> tuple[dict[str, np.ndarray], float, float]:
    """DLFS2's ``clip_grads`` (Pascanu et al. 2013, Alg. 1): if ‖g‖ is over ``max_norm``, scale every gradient
    by ``max_norm / (‖g‖ + eps)``. Returns (clipped copies, the norm before, the factor applied)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a number > 0, got {max_norm!r}")
    total = global_norm(grads)
    rate = max_norm / (total + eps)
    factor = rate if rate < 1 else 1.0
    return {k: g * factor for k, g in grads.items()}, total, factor


def clip_elementwise(grads: dict[str, np.ndarray], limit: float = 5.0) -> tuple[dict[str, np.ndarray], float]:
    """min-char-rnn's clipping: each element to [-limit, limit]; the direction of g changes.
    Returns (clipped copies, the fraction of elements that were clipped)."""
    if not limit > 0:
        raise ValueError(f"limit: expected a number > 0, got {limit!r}")
    n_total = sum(g.size for g in grads.values())
    n_clipped = sum(int(np.count_nonzero(np.abs(g) > limit)) for g in grads.values())
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}, n_clipped / max(n_total, 1)
