"""Analyses of gradient flow through BPTT: arrays, not plots.

Every chain here gives ``logdomain.run_chain``'s result: norms exact in the log domain far past float64's range,
and the step at which a plain float64 or float32 computation would first overflow. The full backward's norms come
from the kind's plain pass where every vector it holds lies in ``logdomain.PLAIN_RANGE`` (the log domain's to
rounding there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from ..cells.bptt import forward
from ..cells.cell import Cell, SequenceGrads
from ..cells.gru import GRULayer, GRUTape
from ..cells.layers import Layer, Tape
from ..cells.lstm import LSTMLayer, LSTMTape
from ..cells.rnn import RNNLayer, RNNTape
from ..cells.stack import Stack, stack_bptt
from ..cells.trace import check_dhs
from .logdomain import (
    LN10,
    ChainNorms,
    Step,
    _log_norm,
    aggregate,
    first_nonfinite_step,
    plain_chain,
    run_chain,
)


# --------------------------------------------------------------------------------------------- full BPTT
@dataclass(frozen=True)
class FlowNorms:
    """Per-step log10 norms of the total ∂L/∂h_t (and ∂L/∂c_t for an LSTM) of one BPTT pass."""

    kind: str
    log10_dh: np.ndarray  # (T, N)
    log10_dc: np.ndarray | None  # (T, N), LSTM only
    log10_dh0: np.ndarray  # (N,) ∂L/∂h_0
    overflow_step: dict[str, int | None]  # plain float64/float32 backward: first step holding inf/NaN
    forward_overflow_step: int | None  # first step whose forward hidden state is inf/NaN (relu runs)
    tape: Tape
    backward: SequenceGrads | None = None  # the plain float64 backward over ``tape`` (rc.step_contributions(flow=))


def _bptt_step(cell: Cell[Any], tape: Any) -> tuple[Step, int]:
    """The full backward step in the chain form, for any kind; the state is dh_t (and dc_{t+1} f_{t+1})."""
    H = cell.H
    if cell.HAS_CELL:

        def step(t: int, state: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
            dh, dc_next = state[:, :H], state[:, H:]
            g = cell.step_back(tape, t, dh, dc_next)
            assert g.dc_prev is not None and g.dc is not None
            return np.concatenate([g.dh_prev, g.dc_prev], axis=1), {"h": dh, "c": g.dc}

        return step, 2 * H

    def step_h(t: int, dh: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return cell.step_back(tape, t, dh, None).dh_prev, {"h": dh}

    return step_h, H


def _upstream(dhs: np.ndarray, width: int) -> np.ndarray:
    """dhs (T, N, H) padded with zeros to the chain's state width (the LSTM's dc has no upstream)."""
    if width == dhs.shape[-1]:
        return dhs
    return np.concatenate([dhs, np.zeros((*dhs.shape[:2], width - dhs.shape[-1]))], axis=-1)


@overload
def flow_norms(layer: Layer, x: Any, dhs: Any, h0: Any = None, c0: Any = None) -> FlowNorms: ...


@overload
def flow_norms(layer: Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None) -> dict[tuple[int, str], FlowNorms]: ...


def flow_norms(
    layer: Layer | Stack, x: Any, dhs: Any, h0: Any = None, c0: Any = None
) -> FlowNorms | dict[tuple[int, str], FlowNorms]:
    """log10 ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) per step and sample for ``L = Σ_t <dhs[t], h_t>``, overflow-safe.

    x (T, N, D), dhs (T, N, H), h0/c0 (N, H) -> ``FlowNorms`` with (T, N) arrays. For a ``Stack`` (dhs
    (T, N, dirs·H), h0/c0 (L·dirs, N, H)): a dict keyed (k, direction) of each layer's ``FlowNorms``, in the
    layer's own step order (for "reverse", step s is time T-1-s). What each layer receives from the layer above
    comes from the exact float64 stack backward; only the flow along each layer's own recurrence is log-domain.
    """
    if isinstance(layer, Stack):
        trace = stack_bptt(layer, x, dhs, h0, c0)
        return {
            key: _flow_norms(layer.layer(*key), trace.tape.layers[key], trace.upstream[key])
            for key in layer.layer_keys()
        }
    tape = forward(layer, x, h0, c0)
    T, N, _ = tape.x.shape
    return _flow_norms(layer, tape, check_dhs(dhs, T, N, layer.H))


def _flow_norms(layer: Layer, tape: Tape, dhs: np.ndarray) -> FlowNorms:
    """The kind's own plain backward (``back_all``) first: where every vector it holds lies in ``PLAIN_RANGE`` its
    norms are the log domain's to rounding, and the same pass serves ``rc.step_contributions(flow=)``; else the log
    domain."""
    T = len(dhs)
    step, width = _bptt_step(layer, tape)
    cell: Cell[Any] = layer
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding run overflows to inf: the log domain takes it
        back = cell.back_all(tape, dhs, None)
    if back.dc is None or back.dc0 is None:
        measured, into_h0 = {"h": back.dh}, back.dh0
    else:
        measured, into_h0 = {"h": back.dh, "c": back.dc}, np.concatenate([back.dh0, back.dc0], axis=1)
    # the LSTM's chain state is [dh_t, f ⊙ dc_{t+1}]: its norm is at most √2 × its larger part's
    slack = 0.5 * np.log10(width // layer.H)
    chain = plain_chain(T, measured, into_h0, step, lambda: _upstream(dhs, width), slack)
    if chain is None:
        chain = run_chain(T, _upstream(dhs, width), step)
    # the LSTM's chain state is [dh, dc]: ∂L/∂h_0 is its first H columns
    assert chain.into_h0_unit is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        log10_dh0 = chain.log10_into_h0 + _log_norm(chain.into_h0_unit[:, : layer.H]) / LN10
    return FlowNorms(
        kind=layer.kind,
        log10_dh=chain.log10["h"],
        log10_dc=chain.log10.get("c"),
        log10_dh0=log10_dh0,
        overflow_step=chain.overflow_step,
        forward_overflow_step=first_nonfinite_step(tape.hs),
        tape=tape,
        backward=back,
    )


def given_pass(flow: FlowNorms, x: Any, dhs: Any, H: int, who: str) -> tuple[Tape, SequenceGrads, np.ndarray]:
    """A ``flow=`` handed to an analysis: its tape, its plain backward and ``dhs`` checked, once it is known to be
    of this x and this dhs (the last step's ∂L/∂h is its upstream alone)."""
    back = flow.backward
    if back is None or np.shape(x) != flow.tape.x.shape:
        raise ValueError(f"{who}: flow= takes this layer's rc.flow_norms of this x")
    T, N, _ = flow.tape.x.shape
    dhs = check_dhs(dhs, T, N, H)
    if not np.array_equal(back.dh[-1], dhs[-1]):
        raise ValueError(f"{who}: flow= was computed for another dhs")
    return flow.tape, back, dhs


# -------------------------------------------------------------------------------------- RNN decomposition
@dataclass(frozen=True)
class RNNDecomposition:
    """The vanilla RNN's backward split into its two factors, and the chains each factor alone makes.

    Step t maps dh_t to the flow into h_{t-1} as ``da_t = dh_t ⊙ φ'(a_t)`` (the tanh factor), then
    ``da_t W_hh`` (the matmul factor). Gains are ratios of Frobenius norms over the batch, in log10, and
    ``log10_gain_tanh + log10_gain_matmul == log10_gain_total`` at every step.
    """

    log10_gain_tanh: np.ndarray  # (T,) step t: ‖da_t‖ / ‖dh_t‖
    log10_gain_matmul: np.ndarray  # (T,) step t: ‖da_t W_hh‖ / ‖da_t‖
    log10_gain_total: np.ndarray  # (T,) step t: ‖da_t W_hh‖ / ‖dh_t‖
    full: ChainNorms  # real BPTT: φ' and W_hh
    matmul_only: ChainNorms  # W_hh alone, the book's linear chain
    tanh_only: ChainNorms  # φ'(a_t) alone, W_hh replaced by the identity
    forward_overflow_step: int | None


def rnn_decomposition(
    layer: RNNLayer, x: Any, dhs: Any, h0: Any = None, *, tape: RNNTape | None = None, flow: FlowNorms | None = None
) -> RNNDecomposition:
    """The RNN's backward split into φ' and W_hh, for x (T, N, D), dhs (T, N, H), h0 (N, H) or None.

    Returns per-step gains (T,) of each factor (Frobenius over the batch, log10) and the three chains (full,
    matmul-only = the book's, tanh-only), each a ``ChainNorms`` with (T, N) log10 norms per sample. ``tape``: the
    layer's forward tape of this x (``rc.forward``), reused instead of a second forward pass; ``flow``: the layer's
    ``rc.flow_norms`` of this x and dhs, whose forward and backward passes are both reused.
    """
    if not isinstance(layer, RNNLayer):
        raise ValueError(f"rnn_decomposition: expected an RNNLayer, got {type(layer).__name__}")
    back = None
    if flow is not None:
        if not isinstance(flow.tape, RNNTape):
            raise ValueError("rnn_decomposition: flow= takes this layer's rc.flow_norms of this x")
        _, back, dhs = given_pass(flow, x, dhs, layer.H, "rnn_decomposition")
        tape = flow.tape  # an RNNTape, checked above
    if tape is None:
        made = forward(layer, x, h0)
        assert isinstance(made, RNNTape)
        tape = made
    elif not isinstance(tape, RNNTape) or np.shape(x) != tape.x.shape:
        raise ValueError("rnn_decomposition: tape= takes this layer's RNN tape of this x")
    T, N, _ = tape.x.shape
    dhs = check_dhs(dhs, T, N, layer.H)
    W_hh = layer.W_hh
    dphi = tape.dphi  # (T, N, H), formed once here

    def full_step(t: int, dh: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        da = dh * dphi[t]
        into_prev = da @ W_hh
        return into_prev, {"h": dh, "a": da, "flow": into_prev}

    with np.errstate(over="ignore", invalid="ignore"):  # an exploding run overflows to inf: the log domain takes it
        if back is None:
            back = layer.back_all(tape, dhs, None)
        # the plain pass's da_t (dgi) and what it sends into h_{t-1}, da_t W_hh (at t = 0: ∂L/∂h_0)
        plain = {"h": back.dh, "a": back.dgi, "flow": back.dgi @ W_hh}
    full = plain_chain(T, plain, back.dh0, full_step, lambda: dhs) or run_chain(T, dhs, full_step)
    matmul_only = run_chain(T, dhs, lambda t, dh: (dh @ W_hh, {"h": dh}))
    tanh_only = run_chain(T, dhs, lambda t, dh: (dh * dphi[t], {"h": dh}))
    h, a, into_prev = (aggregate(full.log10[k]) for k in ("h", "a", "flow"))
    with np.errstate(invalid="ignore"):
        return RNNDecomposition(
            log10_gain_tanh=a - h,
            log10_gain_matmul=into_prev - a,
            log10_gain_total=into_prev - h,
            full=full,
            matmul_only=matmul_only,
            tanh_only=tanh_only,
            forward_overflow_step=first_nonfinite_step(tape.hs),
        )


# -------------------------------------------------------------------------------------------- LSTM / GRU
@dataclass(frozen=True)
class GatePath:
    """A gated cell's element-wise path against its full gradient.

    LSTM: ``path`` is the cell path alone, ``dc_{t-1} = dc_t ⊙ f_t`` (plus each step's own local injection
    ``dhs[t] ⊙ o_t ⊙ tanh'(c_t)``), against the full ∂L/∂c_t. GRU: the direct path alone,
    ``dh_{t-1} = dh_t ⊙ k_t + dhs[t-1]`` with k the keep gate, against the full ∂L/∂h_t.
    ``gate`` (T, N, H) holds the values along the path (f, or k) and ``update_gate`` the GRU's z as written.
    """

    kind: str
    path: ChainNorms
    full: FlowNorms
    gate: np.ndarray
    update_gate: np.ndarray | None = None


def lstm_cell_path(layer: LSTMLayer, x: Any, dhs: Any, h0: Any = None, c0: Any = None) -> GatePath:
    """The LSTM's cell path alone (∏ f) against the full ∂L/∂c_t, for x (T, N, D), dhs (T, N, H), h0/c0 (N, H).

    ``path.log10["c"]`` and ``full.log10_dc`` are (T, N); ``gate`` (T, N, H) holds the forget gates f_t.
    """
    if not isinstance(layer, LSTMLayer):
        raise ValueError(f"lstm_cell_path: expected an LSTMLayer, got {type(layer).__name__}")
    full = flow_norms(layer, x, dhs, h0, c0)
    tape = full.tape
    assert isinstance(tape, LSTMTape)
    f, o = tape.gate("f"), tape.gate("o")
    T = len(f)
    dhs = check_dhs(dhs, T, f.shape[1], layer.H)
    local = dhs * o * (1.0 - tape.tanh_c**2)  # what the loss at t puts on c_t directly
    path = run_chain(T, local, lambda t, dc: (dc * f[t], {"c": dc}))
    return GatePath(kind="lstm", path=path, full=full, gate=f)


def gru_direct_path(layer: GRULayer, x: Any, dhs: Any, h0: Any = None) -> GatePath:
    """The GRU's direct path alone (∏ keep gate) against the full ∂L/∂h_t, for x (T, N, D), dhs (T, N, H).

    ``path.log10["h"]`` and ``full.log10_dh`` are (T, N); ``gate`` (T, N, H) is the keep gate (z in PyTorch's
    formulation, 1 - z in the book's) and ``update_gate`` (T, N, H) the z as the formulation writes it.
    """
    if not isinstance(layer, GRULayer):
        raise ValueError(f"gru_direct_path: expected a GRULayer, got {type(layer).__name__}")
    full = flow_norms(layer, x, dhs, h0)
    tape = full.tape
    assert isinstance(tape, GRUTape)
    keep = tape.keep
    dhs = check_dhs(dhs, len(keep), keep.shape[1], layer.H)
    path = run_chain(len(keep), dhs, lambda t, dh: (dh * keep[t], {"h": dh}))
    return GatePath(kind="gru", path=path, full=full, gate=keep, update_gate=tape.z)
