"""Optimizers and gradient clipping exactly as PyTorch writes them, over a dict of float64 parameter arrays.

Parameters and gradients are dicts keyed like a PyTorch state dict (``weight_ih_l0`` …, ``fc.weight``,
``fc.bias``). Updates happen in place on the parameter arrays; an optimizer keeps only its own per-parameter
buffers (O(parameters), no history).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..validate import non_negative, one_of, positive

Array = np.ndarray

OPTIMIZERS = ("sgd", "adam")
CLIP_MODES = ("norm", "value")
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults
ADAM_EPS = 1e-8
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ (and DLFS2's clip_grads)


class SGD:
    """``torch.optim.SGD(params, lr, momentum, weight_decay=weight_decay)`` (dampening 0, no Nesterov)::

    g ← g + λ p                     (weight decay λ, if λ ≠ 0)
    b ← g (first step),  b ← μ b + g (later)   (momentum μ, if μ ≠ 0), then g ← b
    p ← p - lr · g
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr = positive("lr", lr)
        self.momentum = non_negative("momentum", momentum)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.buffers: dict[str, Array] = {}

    def step(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """Update every ``params[k]`` in place from ``grads[k]`` (grads may be overwritten)."""
        for key, p in params.items():
            g = grads[key]
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            if self.momentum != 0:
                buf = self.buffers.get(key)
                if buf is None:
                    buf = self.buffers[key] = g.copy()
                else:
                    buf *= self.momentum
                    buf += g
                g = buf
            p -= self.lr * g


class Adam:
    """``torch.optim.Adam(params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)``, as torch's
    single-tensor implementation writes it, at step t = 1, 2, …::

        g ← g + λ p                                  (weight decay λ, if λ ≠ 0: L2, not AdamW)
        m ← β₁ m + (1 - β₁) g                        (torch: exp_avg.lerp_(g, 1 - β₁))
        v ← β₂ v + (1 - β₂) g²
        denom = √v / √(1 - β₂ᵗ) + ε
        p ← p - (lr / (1 - β₁ᵗ)) · m / denom
    """

    def __init__(
        self,
        lr: float,
        betas: tuple[float, float] = ADAM_BETAS,
        eps: float = ADAM_EPS,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = positive("lr", lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}")
        self.eps = non_negative("eps", eps)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.t = 0
        self.m: dict[str, Array] = {}
        self.v: dict[str, Array] = {}
        self._scratch: dict[str, Array] = {}

    def coefficients(self, t: int) -> tuple[float, float]:
        """The step size lr / (1 - β₁ᵗ) and √(1 - β₂ᵗ) of step t (the compiled trainer takes them from here)."""
        return self.lr / (1 - self.beta1**t), math.sqrt(1 - self.beta2**t)

    def step(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """Update every ``params[k]`` in place from ``grads[k]`` (grads may be overwritten)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size, bias_correction2_sqrt = self.coefficients(self.t)
        for key, p in params.items():
            g = grads[key]
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            m = self.m.get(key)
            if m is None:
                m = self.m[key] = np.zeros_like(p)
                self.v[key] = np.zeros_like(p)
                self._scratch[key] = np.empty_like(p)
            v, tmp = self.v[key], self._scratch[key]
            # m ← m + (1 - β₁)(g - m): torch's lerp, the same value as β₁ m + (1 - β₁) g up to rounding
            np.subtract(g, m, out=tmp)
            tmp *= 1 - b1
            m += tmp
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= bias_correction2_sqrt
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp


def make_optimizer(name: str, lr: float, weight_decay: float = 0.0, momentum: float = 0.0) -> SGD | Adam:
    """``"sgd"`` or ``"adam"`` with PyTorch's defaults for everything not given."""
    one_of("optimizer", name, OPTIMIZERS)
    if name == "sgd":
        return SGD(lr, momentum=momentum, weight_decay=weight_decay)
    if momentum != 0:
        raise ValueError("momentum: an option of SGD only (Adam has betas)")
    return Adam(lr, weight_decay=weight_decay)


def check_clip(clip: object) -> tuple[str, float] | None:
    """``None``, ``("norm", v)`` or ``("value", v)`` with v > 0, or ValueError."""
    if clip is None:
        return None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2 or clip[0] not in CLIP_MODES:
        raise ValueError(f"clip: expected None, ('norm', v) or ('value', v) with v > 0, got {clip!r}")
    return str(clip[0]), positive("clip threshold", clip[1])


def clip_grads_(grads: Mapping[str, Array], clip: tuple[str, float] | None) -> float:
    """Clip ``grads`` in place; returns the global L2 norm before clipping.

    ``("norm", v)``: ``torch.nn.utils.clip_grad_norm_(params, v)`` over every parameter: with
    ‖g‖ = √(Σ ‖g_k‖²), every g_k ← g_k · min(1, v / (‖g‖ + 1e-6)). ``("value", v)``:
    ``torch.nn.utils.clip_grad_value_(params, v)``: every element clamped to [-v, v].
    """
    # torch takes the norm of the per-tensor norms
    total = math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads.values()))
    if clip is None:
        return total
    mode, v = clip
    if mode == "norm":
        factor = min(1.0, v / (total + CLIP_EPS))
        if factor < 1.0:
            for g in grads.values():
                g *= factor
    else:
        for g in grads.values():
            np.clip(g, -v, v, out=g)
    return total
