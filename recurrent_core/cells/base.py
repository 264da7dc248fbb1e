"""What the three layer kinds share: weights in PyTorch's layout, checked once.

Every weight is stored as PyTorch stores it (``W_ih`` of shape (kH, D), ``W_hh`` of shape (kH, H), two
biases of shape (kH,)), always as float64, so that one set of equations serves the app, the tests against
PyTorch and state-dict interop. Gate rows are PyTorch's: LSTM ``i, f, g, o``; GRU ``r, z, n``. Each kind's class
sits beside its kernels (rnn.py, lstm.py, gru.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

import numpy as np

from ..validate import as_float64, one_of

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class LayerBase:
    """Shared shape checks of the three kinds; ``GATES`` is k, the number of (kH)-row blocks."""

    W_ih: Array  # (kH, D)
    W_hh: Array  # (kH, H)
    b_ih: Array  # (kH,)
    b_hh: Array  # (kH,)

    GATES: ClassVar[int] = 1
    KIND: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, tuple[str, ...]]] = {}  # a kind's own string fields and their allowed values
    HAS_CELL: ClassVar[bool] = False  # a second state c (LSTM)

    def __post_init__(self) -> None:
        for name, allowed in self.OPTIONS.items():
            one_of(name, getattr(self, name), allowed)
        W_hh = as_float64("W_hh", self.W_hh)
        if W_hh.ndim != 2 or W_hh.shape[1] < 1 or W_hh.shape[0] != self.GATES * W_hh.shape[1]:
            raise ValueError(
                f"W_hh: expected shape ({self.GATES}*H, H) with H >= 1 for a {self.KIND}, got {W_hh.shape}"
            )
        H = W_hh.shape[1]
        W_ih = as_float64("W_ih", self.W_ih)
        if W_ih.ndim != 2 or W_ih.shape[0] != self.GATES * H or W_ih.shape[1] < 1:
            raise ValueError(f"W_ih: expected shape ({self.GATES * H}, D) with D >= 1, got {W_ih.shape}")
        object.__setattr__(self, "W_hh", W_hh)
        object.__setattr__(self, "W_ih", W_ih)
        object.__setattr__(self, "b_ih", as_float64("b_ih", self.b_ih, (self.GATES * H,)))
        object.__setattr__(self, "b_hh", as_float64("b_hh", self.b_hh, (self.GATES * H,)))

    @property
    def H(self) -> int:
        return int(self.W_hh.shape[1])

    @property
    def D(self) -> int:
        return int(self.W_ih.shape[1])

    @property
    def separate_hh(self) -> bool:
        """Whether the hidden product's pre-activation gradient differs from the input one's (bptt keeps both)."""
        return False

    @property
    def kind(self) -> str:
        return self.KIND

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (checked again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self)(**values)
