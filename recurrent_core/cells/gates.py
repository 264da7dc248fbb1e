"""Gate activations of the LSTM and GRU: the logistic sigmoid, and the two hard sigmoids of Keras-era models.

::

    "sigmoid"              σ(a) = 1 / (1 + e^(-a))                          σ'(a) = σ (1 - σ)
    "hard_sigmoid_keras2"  clip(0.2 a + 0.5, 0, 1)    Keras 2, ONNX HardSigmoid's defaults    slope 0.2 on |a| < 2.5
    "hard_sigmoid_keras3"  min(max(a + 3, 0), 6) / 6  Keras 3, torch.nn.Hardsigmoid           slope 1/6 on |a| < 3

A hard sigmoid's derivative is its slope strictly inside the linear region and exactly 0 outside it *and at the
two kinks*: PyTorch's hardsigmoid_backward convention (``self > -3 && self < 3 ? grad / 6 : 0``, ATen's
Activation kernels), decided on the pre-activation a, not on the clipped value. The sigmoid is computed inside
the kernels (lstm.py, gru.py) with a tanh; the hard ones here, plainly.
"""

from __future__ import annotations

import numpy as np

GATE_ACTIVATIONS = ("sigmoid", "hard_sigmoid_keras2", "hard_sigmoid_keras3")
# slope and kink: linear on -kink < a < kink, where slope · kink = 1/2
# the compiled loops' number for each (_compiled.py: SIGMOID, KERAS2, KERAS3)
GATE_CODES = {"sigmoid": 0, "hard_sigmoid_keras2": 1, "hard_sigmoid_keras3": 2}
HARD_SIGMOIDS = {"hard_sigmoid_keras2": (0.2, 2.5), "hard_sigmoid_keras3": (1.0 / 6.0, 3.0)}


def hard_sigmoid(name: str, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The hard sigmoid ``name`` of ``a`` into ``out`` (which may be ``a`` itself), in each framework's own order
    of operations (PyTorch's: clip(a + 3, 0, 6) / 6; Keras 2's: clip(0.2 a + 0.5, 0, 1))."""
    if name == "hard_sigmoid_keras3":
        np.clip(a + 3.0, 0.0, 6.0, out=out)
        out /= 6.0
    else:
        np.clip(0.2 * a + 0.5, 0.0, 1.0, out=out)
    return out


def hard_sigmoid_slope(name: str, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """d hard_sigmoid / da at ``a`` into ``out``: the slope where -kink < a < kink, else 0 (the kinks included)."""
    slope, kink = HARD_SIGMOIDS[name]
    inside = (a > -kink) & (a < kink)
    np.multiply(inside, slope, out=out)
    return out


def hard_gate(name: str, a: np.ndarray, slope_out: np.ndarray) -> None:
    """Pre-activations ``a`` replaced in place by the gate values; their derivatives into ``slope_out``."""
    hard_sigmoid_slope(name, a, slope_out)
    hard_sigmoid(name, a, a)
