"""Per-step contributions to the weight gradients: which time steps the gradient of W_hh and W_ih comes from.

BPTT's weight gradient is a sum over steps, ``∂L/∂W_hh = Σ_t ∂L/∂a_t^T h_{t-1}`` (batch summed inside each
term), and the same for W_ih with x_t. Step t's term, per gate block, is what a vanishing gradient starves: far
from the loss its norm is tiny, so the sum is dominated by the last few steps. For the book's GRU the n block of
W_hh multiplies ``r_t ⊙ h_{t-1}`` instead of h_{t-1}; for PyTorch's GRU, ∂L/∂ of the hidden product's n block is
``∂L/∂a_n ⊙ r_t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from ..cells.cell import SequenceGrads, State
from ..cells.gru import GRUTape
from ..cells.layers import Layer, Tape
from ..cells.stack import Stack, stack_bptt
from ..cells.trace import Trace, backward_with_preactivations, check_dhs, check_inputs
from .flow import FlowNorms, given_pass

BLOCKS = {"rnn": ("a",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


@dataclass(frozen=True, eq=False)
class StepContributions:
    """Frobenius norms of each step's contribution to the weight gradients, for ``L = Σ_t <dhs[t], h_t>``.

    ``W_hh`` and ``W_ih`` are (T, blocks): ``W_hh[t, j] = ‖(∂L/∂a_t)[:, block j]^T h_{t-1}‖_F`` (batch summed
    inside), blocks named by ``blocks`` (RNN "a"; LSTM i, f, g, o; GRU r, z, n); ``W_hh_total``/``W_ih_total``
    (T,) the norm over all blocks. ``dx`` (T,) is ‖∂L/∂x_t‖_F over the batch and ``dx_per_sample`` (T, N) per
    sample. ``trace`` is the BPTT pass they come from.
    """

    kind: str
    blocks: tuple[str, ...]
    W_hh: np.ndarray
    W_ih: np.ndarray
    W_hh_total: np.ndarray
    W_ih_total: np.ndarray
    dx: np.ndarray
    dx_per_sample: np.ndarray
    trace: Trace


def _factors(
    layer: Layer, x: Any, dhs: Any, h0: Any, c0: Any
) -> tuple[Trace, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]:
    """The BPTT trace, and per block j (dgi_j, x, dgh_j, input of W_hh's block j), each (T, N, ·)."""
    x, h0, c0 = check_inputs(layer, x, h0, c0)
    T, N, _ = x.shape
    dhs = check_dhs(dhs, T, N, layer.H)
    return _factors_of_tape(layer, layer.forward(x, State(h0, c0)), dhs)


def _factors_of_tape(
    layer: Layer, tape: Tape, dhs: np.ndarray, back: SequenceGrads | None = None
) -> tuple[Trace, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]:
    trace, dgi, dgh = backward_with_preactivations(layer, tape, dhs, back=back)
    H = layer.H
    h_prev = tape.h_all[:-1]
    factors = []
    for j in range(layer.GATES):
        block = slice(j * H, (j + 1) * H)
        hh_input = h_prev
        if j == 2 and isinstance(tape, GRUTape) and tape.formulation == "dlfs2":
            hh_input = tape.hh_n  # r ⊙ h_{t-1}: what the book's W_hn multiplies
        factors.append((dgi[..., block], tape.x, dgh[..., block], hh_input))
    return trace, factors


def _frobenius_per_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """‖a_t^T b_t‖_F for every t, a (T, N, p), b (T, N, q), without forming the (T, p, q) products:
    ‖a^T b‖_F² = Σ (a a^T) ⊙ (b b^T), two (T, N, N) Gram matrices."""
    gram_a = a @ a.transpose(0, 2, 1)
    gram_b = b @ b.transpose(0, 2, 1)
    squared = np.einsum("tnm,tnm->t", gram_a, gram_b)
    norms: np.ndarray = np.sqrt(np.maximum(squared, 0.0))  # rounding can leave -0.0 for a zero step
    return norms


@overload
def step_contributions(
    layer: Layer,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    tape: Tape | None = None,
    flow: FlowNorms | None = None,
) -> StepContributions: ...


@overload
def step_contributions(
    layer: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None
) -> dict[tuple[int, str], StepContributions]: ...


def step_contributions(
    layer: Layer | Stack,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    tape: Tape | None = None,
    flow: FlowNorms | None = None,
) -> StepContributions | dict[tuple[int, str], StepContributions]:
    """Per-step Frobenius norms of the terms of ∂L/∂W_hh and ∂L/∂W_ih, per gate block, and ‖∂L/∂x_t‖.

    x (T, N, D), dhs (T, N, H), h0/c0 (N, H) or None, as for ``rc.bptt``. Returns a ``StepContributions``.
    ``tape``: the layer's forward tape of this x (``rc.forward``, or an analysis's ``FlowNorms.tape``), reused
    instead of a second forward pass (h0 and c0 are then the tape's). ``flow``: this layer's ``rc.flow_norms``
    of this x and dhs (or an analysis's ``.full``): its forward and backward passes are reused, both.
    For a ``Stack`` (arguments as ``rc.bptt`` takes them): a dict keyed (k, direction), each in the layer's own
    step order (for "reverse", step s is time T-1-s), its ``dx`` the gradient of that layer's input.
    """
    if flow is not None:
        if isinstance(layer, Stack):
            raise ValueError("step_contributions: flow= takes a single layer's rc.flow_norms of this x")
        given, back, dhs = given_pass(flow, x, dhs, layer.H, "step_contributions")
        return _contributions(layer, *_factors_of_tape(layer, given, dhs, back))
    if tape is not None:
        if isinstance(layer, Stack) or np.shape(x) != tape.x.shape:
            raise ValueError("step_contributions: tape= takes a single layer's tape of this x")
        T, N, _ = tape.x.shape
        return _contributions(layer, *_factors_of_tape(layer, tape, check_dhs(dhs, T, N, layer.H)))
    if isinstance(layer, Stack):
        stack_trace = stack_bptt(layer, x, dhs, h0, c0)
        return {
            key: _contributions(
                layer.layer(*key),
                *_factors_of_tape(layer.layer(*key), stack_trace.tape.layers[key], stack_trace.upstream[key]),
            )
            for key in layer.layer_keys()
        }
    return _contributions(layer, *_factors(layer, x, dhs, h0, c0))


def _contributions(
    layer: Layer, trace: Trace, factors: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
) -> StepContributions:
    W_hh = np.stack([_frobenius_per_step(dgh_j, h_in) for _, _, dgh_j, h_in in factors], axis=1)
    W_ih = np.stack([_frobenius_per_step(dgi_j, x_in) for dgi_j, x_in, _, _ in factors], axis=1)
    dx_per_sample = np.linalg.norm(trace.dx, axis=-1)
    return StepContributions(
        kind=layer.kind,
        blocks=BLOCKS[layer.kind],
        W_hh=W_hh,
        W_ih=W_ih,
        W_hh_total=np.sqrt(np.sum(W_hh**2, axis=1)),
        W_ih_total=np.sqrt(np.sum(W_ih**2, axis=1)),
        dx=np.sqrt(np.sum(dx_per_sample**2, axis=1)),
        dx_per_sample=dx_per_sample,
        trace=trace,
    )


@overload
def step_contribution_matrices(
    layer: Layer, x: Any, dhs: Any, h0: Any = None, c0: Any = None
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def step_contribution_matrices(
    layer: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None
) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]: ...


def step_contribution_matrices(
    layer: Layer | Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None
) -> tuple[np.ndarray, np.ndarray] | dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]:
    """Each step's term of ∂L/∂W_hh (T, kH, H) and of ∂L/∂W_ih (T, kH, D) itself; they sum over t to
    ``trace.grads["weight_hh_l0"]`` and ``["weight_ih_l0"]``. O(T·kH·(H + D)) memory: for small problems.
    For a ``Stack``: a dict keyed (k, direction), in each layer's own step order."""
    if isinstance(layer, Stack):
        stack_trace = stack_bptt(layer, x, dhs, h0, c0)
        return {
            key: _matrices(
                _factors_of_tape(layer.layer(*key), stack_trace.tape.layers[key], stack_trace.upstream[key])[1]
            )
            for key in layer.layer_keys()
        }
    return _matrices(_factors(layer, x, dhs, h0, c0)[1])


def _matrices(factors: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    hh = np.concatenate([dgh_j.transpose(0, 2, 1) @ h_in for _, _, dgh_j, h_in in factors], axis=1)
    ih = np.concatenate([dgi_j.transpose(0, 2, 1) @ x_in for dgi_j, x_in, _, _ in factors], axis=1)
    return hh, ih
