"""The public forward pass and BPTT, for one layer (trace.py) or a stack of them (stack.py)."""

from __future__ import annotations

from typing import Any, overload

from ..validate import truncation
from .cell import State
from .layers import Layer, Tape
from .stack import Stack, StackTape, StackTrace, check_stack_inputs, stack_bptt, stack_forward
from .trace import Trace, backprop, check_dhs, check_inputs


@overload
def forward(layer: Layer, x: Any, h0: Any = None, c0: Any = None) -> Tape: ...


@overload
def forward(layer: Stack, x: Any, h0: Any = None, c0: Any = None) -> StackTape: ...


def forward(layer: Layer | Stack, x: Any, h0: Any = None, c0: Any = None) -> Tape | StackTape:
    """The forward tape alone (hidden states, gates), for a layer and inputs ``x`` of shape (T, N, D).

    ``h0`` and ``c0`` (LSTM only) are (N, H), zeros when None. ``tape.hs`` is (T, N, H). For a ``Stack``, h0 and
    c0 are (num_layers·dirs, N, H) as in PyTorch and the result is a ``StackTape`` (``hs`` is PyTorch's out).
    """
    if isinstance(layer, Stack):
        return stack_forward(layer, *check_stack_inputs(layer, x, h0, c0))
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    return layer.forward(x, State(h0, c0))


@overload
def bptt(layer: Layer, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None) -> Trace: ...


@overload
def bptt(
    layer: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None
) -> StackTrace: ...


def bptt(
    layer: Layer | Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None, *, truncate: int | None = None
) -> Trace | StackTrace:
    """Forward over ``x`` (T, N, D), then backpropagate ``L = Σ_t <dhs[t], h_t>`` through all T steps.

    ``dhs`` (T, N, H) is the upstream gradient at each step: ones at the last step only reproduces "loss at
    the last step"; nonzero everywhere, "loss at every step". With ``truncate=k``, truncated BPTT as in DLFS2:
    the sequence is cut into blocks of k steps and no gradient flows from a block into the one before it
    (nor into h0/c0). ``h0``, ``c0`` (LSTM only): (N, H), zeros when None. Returns a ``Trace``.

    For a ``Stack``: ``dhs`` has the shape of the module's output (T, N, dirs·H), the loss is
    ``Σ_t <dhs[t], out[t]>``, h0/c0 are (num_layers·dirs, N, H) as in PyTorch, and the result is a
    ``StackTrace`` (see stack.py). Truncation is for single layers only.
    """
    if isinstance(layer, Stack):
        if truncate is not None:
            raise ValueError("truncate: truncated BPTT is for a single layer; pass truncate=None for a Stack")
        return stack_bptt(layer, x, dhs, h0, c0)
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    T, N, _ = x.shape
    dhs = check_dhs(dhs, T, N, layer.H)
    return backprop(layer, x, dhs, State(h0, c0), truncation(truncate))
