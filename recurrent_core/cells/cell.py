"""The step protocol every kind implements: a recurrent ``State``, the ``StepGrads`` of one backward step, and the
``Cell`` protocol (``forward``, ``step_back``, ``param_grads``) that drives BPTT without knowing the kind.

As in equinox, the cell is the typed parameter object itself: ``RNNLayer``, ``LSTMLayer`` and ``GRULayer`` each
implement ``Cell`` with their own tape type.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple, Protocol, TypeVar

import numpy as np

Array = np.ndarray

TapeT = TypeVar("TapeT")


class State(NamedTuple):
    """The recurrent state entering or leaving a step: ``h`` (N, H), and ``c`` (N, H) for an LSTM, else None."""

    h: Array
    c: Array | None = None


class StepGrads(NamedTuple):
    """One step of BPTT, t, for dh = the total ∂L/∂h_t and dc_next (what flows into c_t from t+1).

    ``dgi``/``dgh`` (N, kH) are the gradients of the input and hidden products' pre-activations (the same array
    unless the GRU is PyTorch's, whose reset gate sits between W_hn h and the candidate); ``dh_prev`` (N, H) is
    what flows back into h_{t-1}; for an LSTM ``dc`` is the total ∂L/∂c_t and ``dc_prev`` = dc ⊙ f_t what flows
    into c_{t-1}, else both None. Linear in (dh, dc_next) for a fixed tape.
    """

    dgi: Array
    dgh: Array
    dh_prev: Array
    dc_prev: Array | None
    dc: Array | None


class SequenceGrads(NamedTuple):
    """The backward pass over a whole sequence: every step's total ∂L/∂h_t ``dh`` (T, N, H) (and ∂L/∂c_t ``dc``
    for an LSTM, else None), the pre-activation gradients ``dgi``/``dgh`` (T, N, kH) (the same array unless the
    kind's ``separate_hh``), and what reaches the initial state, ``dh0`` (and ``dc0``), each (N, H)."""

    dh: Array
    dc: Array | None
    dgi: Array
    dgh: Array
    dh0: Array
    dc0: Array | None


class Cell(Protocol[TapeT]):
    """What BPTT needs from a kind: a forward pass that returns its tape, one backward step, and the parameter
    gradients from every step's pre-activation gradients (keyed like PyTorch's single-layer state dict)."""

    GATES: ClassVar[int]  # k: the weights have kH rows
    HAS_CELL: ClassVar[bool]  # an LSTM's second state c

    @property
    def H(self) -> int: ...

    @property
    def D(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def separate_hh(self) -> bool:
        """dgh differs from dgi (PyTorch's GRU), so bptt keeps both."""
        ...

    @property
    def W_ih(self) -> Array: ...

    def forward(self, x: Array, state0: State) -> TapeT:
        """x (T, N, D), state0 = (h0, c0) each (N, H) -> the tape of the whole sequence."""
        ...

    def step_back(
        self,
        tape: TapeT,
        t: int,
        dh: Array,
        dc_next: Array | None,
        out: Array | None = None,
        out_hh: Array | None = None,
    ) -> StepGrads:
        """Backward through step t; ``out``/``out_hh`` (N, kH), if given, receive dgi/dgh."""
        ...

    def back_all(self, tape: TapeT, dhs: Array, truncate: int | None) -> SequenceGrads:
        """The backward over every step for upstream ``dhs`` (T, N, H): ``step_loop`` written out in one loop of the
        kind's own where that is faster (equal to ``step_loop`` bit for bit, tested; the book's GRU is
        ``step_loop`` itself)."""
        ...

    def param_grads(self, tape: TapeT, dgi: Array, dgh: Array | None) -> dict[str, Array]:
        """dgi, dgh (T, N, kH) -> the gradient of every parameter, summed over steps and samples."""
        ...


def step_loop(cell: Cell[TapeT], tape: TapeT, dhs: Array, truncate: int | None = None) -> SequenceGrads:
    """BPTT by definition: ``step_back`` from t = T-1 down to 0, each step's dh the upstream dhs[t] plus what
    flows back from t+1; with ``truncate=k`` nothing flows from step t into t-1 when t % k == 0 (nor into h0).
    Each kind's ``back_all`` is this loop written out; this one is the reference it is tested against."""
    T, N, H = dhs.shape
    k = cell.GATES * H
    dgi = np.empty((T, N, k))
    dgh = np.empty((T, N, k)) if cell.separate_hh else dgi
    dh_all = np.empty((T, N, H))
    dc_all = np.empty((T, N, H)) if cell.HAS_CELL else None
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H)) if cell.HAS_CELL else None
    for t in range(T - 1, -1, -1):
        dh = np.add(dhs[t], dh_next, out=dh_all[t])
        step = cell.step_back(tape, t, dh, dc_next, out=dgi[t], out_hh=dgh[t] if cell.separate_hh else None)
        dh_next, dc_next = step.dh_prev, step.dc_prev
        if dc_all is not None:
            dc_all[t] = step.dc
        if truncate is not None and t % truncate == 0:
            dh_next = np.zeros_like(dh_next)
            dc_next = None if dc_next is None else np.zeros_like(dc_next)
    return SequenceGrads(dh=dh_all, dc=dc_all, dgi=dgi, dgh=dgh, dh0=dh_next, dc0=dc_next)
