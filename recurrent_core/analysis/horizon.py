"""Which loss a step's gradient comes from: the gradient horizon ‖∂L_s/∂h_t‖ and the connectivity ‖∂h_s/∂x_t‖.

With the loss at every step, ``L = Σ_s L_s`` with ``L_s = <dhs[s], h_s>``, and the gradient BPTT returns at h_t is
a sum over the later losses::

    ∂L/∂h_t = Σ_{s ≥ t} ∂L_s/∂h_t

The *gradient horizon* draws each term: ``H[s, t] = log10 ‖∂L_s/∂h_t‖`` (how far back each loss reaches). The
*connectivity* (Madsen 2019, Distill "Visualizing memorization in RNNs") is ``C[s, t] = log10 ‖∂h_s/∂x_t‖``, how
much the state at s depends on the input at t, loss or no loss.

Time axis as on every curve of the app: ``h_0`` is the initial state, ``h_1 … h_T`` the states ``tape.hs[0 …
T-1]``, and ``x_t`` (t = 1 … T) is ``x[t-1]``, the input that makes h_t.

How (exact, no sampling). A step's backward is linear in what arrives at it, for a fixed forward pass. Two ways
use only the core's own backward step (``layer.step_back``, the ``Cell`` protocol), so every number is the core's
BPTT itself, not a second implementation of the cells:

- ``"direct"`` (horizon): one backward pass per loss step s, from s down to 0, with dhs[s-1] at h_s and nothing
  elsewhere; at step t the passes of every loss s >= t run together as rows of step t's tiled tape. ~T²/2 · N
  row-steps of the cell.
- ``"jacobian"``: each step t as one matrix per sample, ``A_t = ∂(h_t, c_t)/∂(h_{t-1}, c_{t-1})`` (P × P, P = H,
  or 2H for an LSTM) and ``B_t = ∂(h_t, c_t)/∂x_t`` (P × D), read off ``step_back`` by feeding it the P unit
  vectors at once (P·N rows of step t's tiled tape); then one batched product per step serves every s: horizon
  ``u ← u A_t`` (~T²/2 · N · 2P²); connectivity ``∂h_s/∂x_t = [A_s ⋯ A_{t+1} B_t]`` (its h rows), either
  ``"backward"`` (H rows per s, ``M ← M A_t``: ~T²/2 · N · H · 2P²) or ``"forward"`` (D columns per t,
  ``W ← A_s W``: ~T²/2 · N · D · 2P²). Forward wins when D < H (the app's defaults D = 8, H = 32): the Jacobian
  has min(H, D) independent directions to push through.

By default each call takes the method that keeps the most steps within the budget (its cost model: ``cost``);
all give the same numbers to rounding (tested against each other and against PyTorch autograd).

Every vector is renormalised at each step with its log-scale kept apart (as ``logdomain.py`` does), so an
exploding run at T = 1000 or a vanishing one far below 1e-308 keeps exact log10 norms; an exactly zero gradient
(a dead ReLU) is -inf. Both maps are O(T²): a ``budget`` of elementary operations and bytes keeps the last T'
steps before the end of the sequence (the maps' lower-right corner, exact: the forward pass still runs over
all T steps), and the result says what was cut.

Each tiled step runs from the exact states of one forward pass over the whole sequence (the pass the app's curves
use): a second pass over many rows rounds differently, and a chaotic RNN turns one ulp into another trajectory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cells._ops import steady_weights
from ..cells.bptt import bptt, forward
from ..cells.layers import LAYER_TYPES, Layer
from ..cells.stack import Stack
from ..validate import as_float64, one_of, positive, truncation
from .logdomain import LN10, NORMS, aggregate, first_nonfinite_step

DEFAULT_BUDGET = 1.5e9  # elementary operations (about 0.1-0.3 s here); the app's defaults need <= 2.3e8
DEFAULT_MAX_BYTES = 64 * 2**20  # what one map holds at once: the forward pass's tape, the sweep's vectors, the maps
MIN_T = 20  # steps kept before the batch N is cut: a narrower map says little
WHATS = ("horizon", "horizon_c", "connectivity")


@dataclass(frozen=True, eq=False)
class HorizonMap:
    """One map over (s, t): ``log10`` (S, U) with rows ``s`` (S,) and columns ``t`` (U,), NaN where t > s, -inf
    where the norm is exactly 0.

    ``what``: ``"horizon"`` (‖∂L_s/∂h_t‖, t = t0 … T, the initial state's column included), ``"horizon_c"`` (an
    LSTM's ‖∂L_s/∂c_t‖, same axes) or ``"connectivity"`` (‖∂h_s/∂x_t‖, t = t0+1 … T). ``norm`` combines the N
    samples as ``rc.aggregate`` does ("l2": Frobenius over the batch). ``T``/``N`` are the sizes given,
    ``T_kept``/``N_kept`` the sizes computed (the last ``T_kept`` steps, the first ``N_kept`` samples);
    ``ops`` the estimated elementary operations, ``budget`` the limit they were held to; ``method`` says how:
    ``"direct"`` or ``"jacobian"`` (horizon), ``"backward"`` or ``"forward"`` (connectivity).
    """

    what: str
    kind: str
    log10: np.ndarray
    s: np.ndarray
    t: np.ndarray
    norm: str
    T: int
    N: int
    T_kept: int
    N_kept: int
    ops: float
    budget: float
    method: str = "backward"

    @property
    def t0(self) -> int:
        """The first kept time: the window is h_{t0} … h_T."""
        return self.T - self.T_kept

    @property
    def cut(self) -> bool:
        """True if the budget cut T or N."""
        return self.T_kept < self.T or self.N_kept < self.N


# ------------------------------------------------------------------------------------------------- validation
def _check(layer: object, x: Any, dhs: Any | None, h0: Any, c0: Any) -> tuple[Layer, np.ndarray, np.ndarray | None]:
    """The layer and x (T, N, D) as float64 (ValueError otherwise); dhs (T, N, H) checked when given."""
    if isinstance(layer, Stack):
        raise ValueError(
            "layer: the horizon and connectivity maps are for a single layer (RNN, LSTM or GRU); for a Stack, "
            "pass one of its layers, e.g. stack.layer(0, 'forward'), with that layer's input"
        )
    if not isinstance(layer, LAYER_TYPES):
        raise ValueError(f"layer: expected an RNNLayer, LSTMLayer or GRULayer, got {type(layer).__name__}")
    x = as_float64("x", x)
    if x.ndim != 3 or x.shape[0] < 1 or x.shape[1] < 1 or x.shape[2] != layer.D:
        raise ValueError(f"x: expected shape (T, N, D) = (T, N, {layer.D}) with T, N >= 1, got {x.shape}")
    forward(layer, x[:1], h0, c0)  # h0 and c0 checked by the core itself, on one step
    T, N, _ = x.shape
    if dhs is None:
        return layer, x, None
    d = as_float64("dhs", dhs)
    if d.shape != (T, N, layer.H):
        raise ValueError(f"dhs: expected shape (T, N, H) = ({T}, {N}, {layer.H}), got {d.shape}")
    return layer, x, d


def _check_options(norm: str, budget: float, max_bytes: float) -> None:
    one_of("norm", norm, NORMS)
    positive("budget", budget)
    positive("max_bytes", max_bytes)


# ------------------------------------------------------------------------------------------------- cost model
def _state_size(layer: Layer) -> int:
    return 2 * layer.H if layer.HAS_CELL else layer.H


def _extract_ops(layer: Layer, T: int, N: int) -> float:
    """Operations to read off A_t and B_t: P·N rows through a forward and a backward step, T times."""
    k, H, D, P = layer.GATES, layer.H, layer.D, _state_size(layer)
    return float(T * P * N * (4 * k * H * (H + D) + 30 * k * H))


_CALL_OPS = 2e5  # one step's Python and dispatch overhead, in elementary operations (about 20 µs here)


def _row_ops(layer: Layer) -> float:
    """One sample through one forward and one backward step (no input gradient)."""
    k, H, D = layer.GATES, layer.H, layer.D
    return float(2 * k * H * (2 * H + D) + 40 * k * H)


def _tape_bytes(layer: Layer) -> int:
    """Bytes of a forward tape per step, sample and unit (gates, states, scratch): about (4k + 4) floats, and k more
    for a hard-sigmoid gate's slopes."""
    slopes = 0 if getattr(layer, "gate_activation", "sigmoid") == "sigmoid" else layer.GATES
    return 8 * (4 * layer.GATES + 4 + slopes)


def cost(
    what: str, layer: Layer, T: int, N: int, method: str = "backward", T_total: int | None = None
) -> tuple[float, float]:
    """(elementary operations, bytes held) of one map over the last T of ``T_total`` steps (default T) of N
    samples, as computed here by ``method``: the forward pass over the whole sequence, then the sweep. Horizon
    methods: "direct" (a tiled backward per loss step) or "jacobian"; connectivity: "backward" or "forward"."""
    H, D, P = layer.H, layer.D, _state_size(layer)
    T_all = T if T_total is None else T_total
    prefix = (T_all - T) * N * 2.0 * layer.GATES * H * (H + D + 10)
    trajectory = T_all * N * H * _tape_bytes(layer)  # the forward pass whose states every step starts from
    pairs = T * (T + 1) / 2  # (s, t) with t <= s
    maps = 8.0 * N * T * (T + 1) * (2 if what == "horizon_c" else 1)  # the per-sample maps
    calls = 2 * T * _CALL_OPS
    if what in ("horizon", "horizon_c") and method == "direct":
        ops = pairs * N * (_row_ops(layer) + (2 * H if what == "horizon_c" else 0))
        step = T * N * H * _tape_bytes(layer) * 2.0  # one step's tiled tape and the rows' gradients
        return prefix + calls + ops, trajectory + maps + step
    jacobians = N * P * (P + D + H) * 8.0 * 2 + P * N * H * _tape_bytes(layer)  # one step's, and its tape
    if what in ("horizon", "horizon_c"):
        per = 2 * P * P + 6 * P + (2 * P * H if what == "horizon_c" else 0)
        return prefix + calls + _extract_ops(layer, T, N) + pairs * N * per, (
            trajectory + maps + jacobians + 8.0 * 3 * T * N * P
        )
    rows = D if method == "forward" else H
    per = rows * (2 * P * P + 2 * P * (H if method == "forward" else D) + 6 * P)
    return prefix + calls + _extract_ops(layer, T, N) + pairs * N * per, (
        trajectory + maps + jacobians + 8.0 * 3 * T * N * rows * P
    )


def fit(what: str, layer: Layer, T: int, N: int, budget: float, max_bytes: float, method: str) -> tuple[int, int]:
    """(T', N'): the most of the last steps, and of the samples, that ``method`` can compute within the budget.

    All of T if it fits; else T is cut down to ``MIN_T`` steps, then N down to 1 (a map of 20 steps says more
    than a batch of 64), then T below ``MIN_T``; at least (1, 1) whatever the budget. One sample's forward pass
    up to the window is not held to the budget (every page runs that pass anyway).
    """

    def fits(t: int, n: int) -> bool:
        ops, nbytes = cost(what, layer, t, n, method, T)
        return ops <= budget and nbytes <= max_bytes

    def fits_window(t: int) -> bool:  # one sample's forward pass up to the window is always allowed
        ops, nbytes = cost(what, layer, t, 1, method)
        return ops <= budget and nbytes <= max_bytes

    t_min = min(T, MIN_T)
    if fits(t_min, N):
        return _largest(lambda t: fits(t, N), t_min, T), N
    if fits(t_min, 1):
        n = _largest(lambda m: fits(t_min, m), 1, N)
        return _largest(lambda t: fits(t, n), t_min, T), n
    return (_largest(fits_window, 1, T) if fits_window(1) else 1), 1


def choose(what: str, layer: Layer, T: int, N: int, budget: float, max_bytes: float) -> tuple[str, int, int]:
    """(method, T', N'): the exact method that keeps the most steps (then samples, then costs least)."""
    methods = ("direct", "jacobian") if what in ("horizon", "horizon_c") else ("forward", "backward")
    best = []
    for m in methods:
        t, n = fit(what, layer, T, N, budget, max_bytes, m)
        best.append(((t, n, -cost(what, layer, t, n, m, T)[0]), m, t, n))
    _, m, t, n = max(best)
    return m, t, n


def _largest(ok: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest v in [lo, hi] with ok(v), given ok(lo) and ok monotone decreasing."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


# ------------------------------------------------------------------------------------------- local Jacobians
@dataclass(frozen=True)
class StepJacobians:
    """Step t of a window, per sample n: ``A`` (N, P, P) = ∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}), ``B`` (N, P, D) =
    ∂(h_t, c_t)/∂x_t, ``C`` (N, P, H) maps (∂L/∂h_t, what flows into c_t from t+1) to the total ∂L/∂c_t (LSTM,
    else None). Row vectors: what arrives at step t, u (P,), sends ``u @ A`` into step t-1."""

    t: int  # tape step within the window: it makes h_{t+1} from h_t and x[t]
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray | None


@dataclass(frozen=True)
class Trajectory:
    """The forward pass every step starts from: the window's inputs ``x`` (S, N, D) and the states entering each
    of its steps and leaving the last, ``h`` (S+1, N, H) and ``c`` (S+1, N, H) for an LSTM, else None.

    Taken from one forward pass over the whole sequence, as the app's curves are: each tiled step below is run
    from these exact states, one step at a time, so that its rounding cannot start another trajectory (a chaotic
    RNN amplifies a difference of one ulp in h to order 1 within a few hundred steps)."""

    x: np.ndarray
    h: np.ndarray
    c: np.ndarray | None


def _tiled_step(layer: Layer, traj: Trajectory, i: int, rows: int) -> Any:
    """The tape of step i alone, run from the trajectory's exact state for ``rows`` copies of the batch (row
    r·N + n is sample n)."""
    h = np.tile(traj.h[i], (rows, 1))
    c = None if traj.c is None else np.tile(traj.c[i], (rows, 1))
    return forward(layer, np.tile(traj.x[i : i + 1], (1, rows, 1)), h, c)


def step_jacobians(layer: Layer, traj: Trajectory, order: str = "backward") -> Iterator[StepJacobians]:
    """``StepJacobians`` of every step of a ``Trajectory``, t = S-1 … 0 (``order="backward"``) or 0 … S-1
    ("forward"). Read off ``layer.step_back`` with the P unit vectors as P·N rows of step t's tiled tape (row
    p·N + n is sample n with unit vector e_p)."""
    S, N, D = traj.x.shape
    H, P = layer.H, _state_size(layer)
    E = np.repeat(np.eye(P), N, axis=0)  # (P·N, P): row p·N + n is e_p
    dh_unit = np.ascontiguousarray(E[:, :H])
    dc_unit = np.ascontiguousarray(E[:, H:]) if layer.HAS_CELL else None
    W_ih = layer.W_ih
    step_back: Any = layer.step_back  # the Cell protocol's step, for the tape its own forward made
    for i in range(S) if order == "forward" else range(S - 1, -1, -1):
        g = step_back(_tiled_step(layer, traj, i, P), 0, dh_unit, dc_unit)
        back = g.dh_prev if g.dc_prev is None else np.concatenate([g.dh_prev, g.dc_prev], axis=1)
        A = back.reshape(P, N, P).transpose(1, 0, 2)
        B = (g.dgi @ W_ih).reshape(P, N, D).transpose(1, 0, 2)
        C = None if g.dc is None else g.dc.reshape(P, N, H).transpose(1, 0, 2)
        yield StepJacobians(i, A, B, C)


# --------------------------------------------------------------------------------------------------- sweeps
def _renormalise(v: np.ndarray, log_scale: np.ndarray, axes: tuple[int, ...]) -> None:
    """In place: v ← v / ‖v‖ over ``axes`` and log_scale += ln ‖v‖ (zero blocks stay zero with -inf)."""
    norm = np.sqrt((v * v).sum(axis=axes, keepdims=True))
    with np.errstate(divide="ignore"):
        log_scale += np.log(norm.reshape(log_scale.shape))
    norm[norm == 0] = 1.0
    v /= norm


def _log_norm(v: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    with np.errstate(divide="ignore"):
        out: np.ndarray = 0.5 * np.log((v * v).sum(axis=axes))
    return out


def _horizon_sweep(
    layer: Layer, traj: Trajectory, dhs: np.ndarray, truncate: int | None, t0: int, want_c: bool,
    keep_vectors: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:  # fmt: skip
    """Per sample: ln ‖∂L_s/∂h_t‖ (N, S, S+1) (and ln ‖∂L_s/∂c_t‖), rows s = 1 … S, columns t = 0 … S of the
    window; with ``keep_vectors``, also ∂L_s/∂h_t itself (S, S+1, N, H) in plain float64."""
    S, N, _ = traj.x.shape
    H, P = layer.H, _state_size(layer)
    logs = np.full((N, S, S + 1), np.nan)
    logs_c = np.full((N, S, S + 1), np.nan) if want_c else None
    vectors = np.zeros((S, S + 1, N, H)) if keep_vectors else None
    u = np.zeros((N, S, P))  # row s-1: what arrives at the current step from the loss at h_s
    scale = np.full((N, S), -np.inf)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for J in step_jacobians(layer, traj, "backward"):
            i = J.t  # makes h_{i+1}: the loss at h_{i+1} is row i, and it starts here
            d = dhs[i]  # (N, H)
            u[:, i, :H] = d
            scale[:, i] = 0.0
            _renormalise(u[:, i : i + 1], scale[:, i : i + 1], (2,))
            live = u[:, i:]  # rows s >= i+1
            logs[:, i:, i + 1] = scale[:, i:] + _log_norm(live[..., :H], (2,))
            if vectors is not None:
                vectors[i:, i + 1] = (np.exp(scale[:, i:])[..., None] * live[..., :H]).transpose(1, 0, 2)
            if logs_c is not None and J.C is not None:
                logs_c[:, i:, i + 1] = scale[:, i:] + _log_norm(np.matmul(live, J.C), (2,))
            if truncate is not None and (t0 + i) % truncate == 0:
                u[:, i:] = 0.0  # truncated BPTT: nothing flows from this step into the one before it
                scale[:, i:] = -np.inf
            else:
                u[:, i:] = np.matmul(live, J.A)
                _renormalise(u[:, i:], scale[:, i:], (2,))
        logs[:, :, 0] = scale + _log_norm(u[..., :H], (2,))
        if vectors is not None:
            vectors[:, 0] = (np.exp(scale)[..., None] * u[..., :H]).transpose(1, 0, 2)
        if logs_c is not None:
            logs_c[:, :, 0] = scale + _log_norm(u[..., H:], (2,))
    return logs, logs_c, vectors


def _horizon_direct(
    layer: Layer, traj: Trajectory, dhs: np.ndarray, truncate: int | None, t0: int, want_c: bool,
    keep_vectors: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:  # fmt: skip
    """``_horizon_sweep`` by definition: one backward pass per loss step s (dhs[s-1] at h_s, nothing elsewhere).
    At step i the passes of every loss at or after h_{i+1} run together as rows of step i's tiled tape (row
    r·N + n: loss row i + r, sample n), so each (s, t) costs one sample's backward step."""
    S, N, _ = traj.x.shape
    H = layer.H
    logs = np.full((N, S, S + 1), np.nan)
    logs_c = np.full((N, S, S + 1), np.nan) if want_c else None
    vectors = np.zeros((S, S + 1, N, H)) if keep_vectors else None
    step_back: Any = layer.step_back  # the Cell protocol's step, for the tape its own forward made
    dh = np.zeros((0, N, H))  # row r: what arrives at the current step from the loss at h_{i+1+r}
    dc_next = np.zeros((0, N, H)) if layer.HAS_CELL else None
    scale = np.zeros((0, N))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for i in range(S - 1, -1, -1):
            new, new_scale = dhs[i][None].copy(), np.zeros((1, N))  # the loss at h_{i+1} starts here
            _renormalise(new, new_scale, (2,))
            dh, scale = np.concatenate([new, dh]), np.concatenate([new_scale, scale])
            if dc_next is not None:
                dc_next = np.concatenate([np.zeros((1, N, H)), dc_next])
            R = S - i
            logs[:, i:, i + 1] = (scale + _log_norm(dh, (2,))).T
            if vectors is not None:
                vectors[i:, i + 1] = np.exp(scale)[..., None] * dh
            tape = _tiled_step(layer, traj, i, R)
            g = step_back(tape, 0, dh.reshape(R * N, H), None if dc_next is None else dc_next.reshape(R * N, H))
            if logs_c is not None and g.dc is not None:
                logs_c[:, i:, i + 1] = (scale + _log_norm(g.dc.reshape(R, N, H), (2,))).T
            if truncate is not None and (t0 + i) % truncate == 0:
                dh = np.zeros((R, N, H))  # truncated BPTT: nothing flows from this step into the one before
                dc_next = None if dc_next is None else np.zeros((R, N, H))
                scale = np.full((R, N), -np.inf)
                continue
            if g.dc_prev is None:
                dh = g.dh_prev.reshape(R, N, H)
                _renormalise(dh, scale, (2,))
            else:
                both = np.concatenate([g.dh_prev.reshape(R, N, H), g.dc_prev.reshape(R, N, H)], axis=2)
                _renormalise(both, scale, (2,))
                dh, dc_next = both[..., :H], both[..., H:]
        logs[:, :, 0] = (scale + _log_norm(dh, (2,))).T
        if vectors is not None:
            vectors[:, 0] = np.exp(scale)[..., None] * dh
        if logs_c is not None and dc_next is not None:
            logs_c[:, :, 0] = (scale + _log_norm(dc_next, (2,))).T
    return logs, logs_c, vectors


def _connectivity_backward(layer: Layer, traj: Trajectory) -> np.ndarray:
    """Per sample ln ‖∂h_s/∂x_t‖_F (N, S, S): H rows per s, ``M ← M A_t`` from t = s down to 1."""
    S, N, _ = traj.x.shape
    H, P = layer.H, _state_size(layer)
    logs = np.full((N, S, S), np.nan)
    M = np.zeros((N, S, H, P))  # row s-1: ∂h_s/∂(state at the current step)
    scale = np.full((N, S), -np.inf)
    eye = np.eye(H, P)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for J in step_jacobians(layer, traj, "backward"):
            i = J.t
            M[:, i] = eye
            scale[:, i] = 0.0
            live = M[:, i:].reshape(N, (S - i) * H, P)
            dx = np.matmul(live, J.B).reshape(N, S - i, H, -1)
            logs[:, i:, i] = scale[:, i:] + _log_norm(dx, (2, 3))
            if i > 0:  # nothing is measured before x_1
                M[:, i:] = np.matmul(live, J.A).reshape(N, S - i, H, P)
                _renormalise(M[:, i:], scale[:, i:], (2, 3))
    return logs


def _connectivity_forward(layer: Layer, traj: Trajectory) -> np.ndarray:
    """Per sample ln ‖∂h_s/∂x_t‖_F (N, S, S): D columns per t, ``W ← A_s W`` from s = t up to S."""
    S, N, D = traj.x.shape
    H, P = layer.H, _state_size(layer)
    logs = np.full((N, S, S), np.nan)
    W = np.zeros((N, P, S, D))  # [:, :, t-1]: ∂(state at the current step)/∂x_t; (t, D) merge into one GEMM axis
    scale = np.full((N, S), -np.inf)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for J in step_jacobians(layer, traj, "forward"):
            i = J.t  # makes h_{i+1} from x[i]
            if i > 0:
                W[:, :, :i] = np.matmul(J.A, W[:, :, :i].reshape(N, P, i * D)).reshape(N, P, i, D)
                _renormalise(W[:, :, :i], scale[:, :i], (1, 3))
            W[:, :, i] = J.B
            scale[:, i] = 0.0
            _renormalise(W[:, :, i : i + 1], scale[:, i : i + 1], (1, 3))
            logs[:, i, : i + 1] = scale[:, : i + 1] + _log_norm(W[:, :H, : i + 1], (1, 3))
    return logs


# ---------------------------------------------------------------------------------------------- public maps
class _Forwards:
    """The forward pass over the whole sequence that a map's window is cut from, run once per kept batch N_kept
    and shared by the maps of one call (each map ran its own before: bit for bit the same pass)."""

    def __init__(self, layer: Layer, x: np.ndarray, h0: Any, c0: Any):
        self.layer, self.x, self.h0, self.c0 = layer, x, h0, c0
        self._states: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}  # N_kept -> (h_all, c_all): not the tape

    def window(self, T_kept: int, N_kept: int) -> tuple[Trajectory, int]:
        """The trajectory of the last T_kept steps of the first N_kept samples, and the window's first time t0."""
        layer, x = self.layer, self.x
        if N_kept not in self._states:
            h = None if self.h0 is None else np.asarray(self.h0, dtype=np.float64)[:N_kept]
            c = None if self.c0 is None or not layer.HAS_CELL else np.asarray(self.c0, dtype=np.float64)[:N_kept]
            tape = forward(layer, x[:, :N_kept], h, c)
            bad = first_nonfinite_step(tape.hs)
            if bad is not None:  # every step's Jacobian is taken at its state: none is defined past this one
                raise ValueError(
                    f"x: the forward pass overflows to inf or NaN at h_{bad + 1} (a relu RNN with a recurrent gain "
                    "above 1); the horizon maps need finite hidden states"
                )
            self._states[N_kept] = (tape.h_all, tape.c_all if layer.HAS_CELL else None)  # type: ignore[union-attr]
        h_all, c_all = self._states[N_kept]
        t0 = x.shape[0] - T_kept
        cs = None if c_all is None else c_all[t0:].copy()
        return Trajectory(np.ascontiguousarray(x[t0:, :N_kept]), h_all[t0:].copy(), cs), t0


def _window(layer: Layer, x: np.ndarray, h0: Any, c0: Any, T_kept: int, N_kept: int) -> tuple[Trajectory, int]:
    """The trajectory of the last T_kept steps of the first N_kept samples, from one forward pass over the whole
    sequence (the same pass as the app's curves when N is not cut), and the window's first time t0."""
    return _Forwards(layer, x, h0, c0).window(T_kept, N_kept)


def _aggregate(logs_per_sample: np.ndarray, norm: str) -> np.ndarray:
    """(N, S, U) natural-log norms -> (S, U) log10 over the batch; NaN stays NaN."""
    ten = np.moveaxis(logs_per_sample / LN10, 0, -1)
    undefined = np.isnan(ten).all(axis=-1)
    out = aggregate(np.where(np.isnan(ten), -np.inf, ten), norm)
    out[undefined] = np.nan
    return out


def _method(
    what: str, layer: Layer, T: int, N: int, budget: float, max_bytes: float, method: str | None, known: tuple[str, ...]
) -> tuple[str, int, int]:
    if method is None:
        return choose(what, layer, T, N, budget, max_bytes)
    if method not in known:
        raise ValueError(f"method: expected one of {known} or None, got {method!r}")
    return (method, *fit(what, layer, T, N, budget, max_bytes, method))


def _map(
    what: str, layer: Layer, logs: np.ndarray, norm: str, T: int, N: int, t0: int, N_kept: int, method: str,
    budget: float,
) -> HorizonMap:  # fmt: skip
    """The HorizonMap of a sweep's per-sample logs over the window t0 … T."""
    first = t0 + 1 if what == "connectivity" else t0  # a horizon has the entering state's column
    return HorizonMap(
        what=what,
        kind=layer.kind,
        log10=_aggregate(logs, norm),
        s=np.arange(t0 + 1, T + 1),
        t=np.arange(first, T + 1),
        norm=norm,
        T=T,
        N=N,
        T_kept=T - t0,
        N_kept=N_kept,
        ops=cost(what, layer, T - t0, N_kept, method, T)[0],
        budget=float(budget),
        method=method,
    )


def _horizons(
    layer: Layer, forwards: _Forwards, d: np.ndarray, whats: tuple[str, ...], norm: str, truncate: int | None,
    method: str | None, budget: float, max_bytes: float,
) -> dict[str, HorizonMap]:  # fmt: skip
    """The maps ``whats`` ("horizon", "horizon_c"): one sweep gives both when they keep the same window and
    method (the sweep computes ln ‖∂L_s/∂c_t‖ beside ln ‖∂L_s/∂h_t‖, the h rows unchanged by it)."""
    T, N, _ = forwards.x.shape
    plans = {w: _method(w, layer, T, N, budget, max_bytes, method, ("direct", "jacobian")) for w in whats}
    out: dict[str, HorizonMap] = {}
    for w in whats:
        if w in out:
            continue
        chosen, T_kept, N_kept = plans[w]
        together = [v for v in whats if plans[v] == plans[w]]
        traj, t0 = forwards.window(T_kept, N_kept)
        sweep = _horizon_direct if chosen == "direct" else _horizon_sweep
        want_c = "horizon_c" in together
        logs, logs_c, _ = sweep(layer, traj, d[t0:, :N_kept], truncate, t0, want_c=want_c)
        for v in together:
            per_sample = logs_c if v == "horizon_c" else logs
            assert per_sample is not None
            out[v] = _map(v, layer, per_sample, norm, T, N, t0, N_kept, chosen, budget)
    return out


def gradient_horizon(
    layer: Layer,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    norm: str = "l2",
    truncate: int | None = None,
    cell: bool = False,
    method: str | None = None,
    budget: float = DEFAULT_BUDGET,
    max_bytes: float = DEFAULT_MAX_BYTES,
) -> HorizonMap:
    """The gradient horizon: ``log10 ‖∂L_s/∂h_t‖`` for ``L_s = <dhs[s], h_s>``, every loss step s and t <= s.

    Args:
        layer: an RNNLayer (tanh or relu), LSTMLayer or GRULayer (either formulation); a Stack -> ValueError.
        x: (T, N, D) inputs; dhs: (T, N, H) the upstream gradient at every step (``dhs[s-1]`` weights h_s).
        h0, c0: (N, H) initial states (zeros when None; c0 for an LSTM only).
        norm: over the batch, as ``rc.aggregate``: "l2" (Frobenius over (N, H)), "book" (÷ N), "mean".
        truncate: as ``rc.bptt(truncate=k)``: nothing flows from step t into t-1 when t % k == 0.
        cell: an LSTM's ‖∂L_s/∂c_t‖ instead (``what="horizon_c"``); ValueError for other kinds.
        method: "direct" (one backward pass per loss step, as rows of each step's tiled tape: ~T²/2 row-steps)
            or "jacobian" (each step's Jacobian read off once, then one product per step for every s); both
            exact; None picks the one that keeps the most steps within the budget.
        budget, max_bytes: elementary operations and bytes the computation may take; over them, the last T'
            steps (then the first N' samples) are computed, and the map says so (``cut``, ``T_kept``).

    Returns:
        a ``HorizonMap``: ``log10`` (T', T'+1), rows s = t0+1 … T, columns t = t0 … T (t = t0 is the state
        entering the window: h_0 when nothing was cut), NaN where t > s, -inf where exactly 0. With no cut and
        no truncation, Σ_s of the (vector) terms is ``rc.bptt``'s ``dh`` (see ``horizon_vectors``).
    """
    layer, xa, d = _check(layer, x, dhs, h0, c0)
    assert d is not None
    _check_options(norm, budget, max_bytes)
    if cell and not layer.HAS_CELL:
        raise ValueError(f"cell: only an LSTM has a cell state, not a {layer.kind}")
    what = "horizon_c" if cell else "horizon"
    truncate = truncation(truncate)
    forwards = _Forwards(layer, xa, h0, c0)
    with steady_weights():  # the layer's derived weights built once, not once per tiled step
        maps = _horizons(layer, forwards, d, (what,), norm, truncate, method, budget, max_bytes)
    return maps[what]


def _connectivity(
    layer: Layer, forwards: _Forwards, norm: str, method: str | None, budget: float, max_bytes: float
) -> HorizonMap:
    T, N, _ = forwards.x.shape
    method, T_kept, N_kept = _method("connectivity", layer, T, N, budget, max_bytes, method, ("forward", "backward"))
    traj, t0 = forwards.window(T_kept, N_kept)
    sweep = _connectivity_forward if method == "forward" else _connectivity_backward
    return _map("connectivity", layer, sweep(layer, traj), norm, T, N, t0, N_kept, method, budget)


def connectivity(
    layer: Layer,
    x: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    norm: str = "l2",
    method: str | None = None,
    budget: float = DEFAULT_BUDGET,
    max_bytes: float = DEFAULT_MAX_BYTES,
) -> HorizonMap:
    """The connectivity: ``log10 ‖∂h_s/∂x_t‖`` (Frobenius of the H × D Jacobian), s, t = 1 … T, t <= s.

    Each sample's h_s depends only on its own x, so the batch's Jacobian is block-diagonal: ``norm="l2"`` is the
    Frobenius norm of all N blocks together (``"book"`` ÷ N, ``"mean"`` the mean of the per-sample norms).
    ``method``: "backward" (H rows per s) or "forward" (D columns per t), exact both; None picks the one that
    keeps the most steps (forward when D < H, as at the app's defaults). Budget, cut and shapes as
    ``gradient_horizon``: ``log10`` (T', T'), rows s = t0+1 … T, columns t = t0+1 … T.
    """
    layer, xa, _ = _check(layer, x, None, h0, c0)
    _check_options(norm, budget, max_bytes)
    with steady_weights():
        return _connectivity(layer, _Forwards(layer, xa, h0, c0), norm, method, budget, max_bytes)


def horizon_maps(
    layer: Layer,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    norm: str = "l2",
    truncate: int | None = None,
    method: str | None = None,
    connectivity_method: str | None = None,
    budget: float = DEFAULT_BUDGET,
    max_bytes: float = DEFAULT_MAX_BYTES,
) -> dict[str, HorizonMap]:
    """Every map of the layer at once, keyed by ``what``: "horizon", "horizon_c" (an LSTM only) and
    "connectivity", each equal to its own call (``gradient_horizon(...)``, ``gradient_horizon(..., cell=True)``,
    ``connectivity(..., method=connectivity_method)``, same arguments) bit for bit, computed with less: one forward
    pass over the sequence for all the maps that keep the same batch, and one sweep for an LSTM's two horizons when
    they keep the same window and method (the usual case)."""
    layer, xa, d = _check(layer, x, dhs, h0, c0)
    assert d is not None
    _check_options(norm, budget, max_bytes)
    whats = ("horizon", "horizon_c") if layer.HAS_CELL else ("horizon",)
    truncate = truncation(truncate)
    forwards = _Forwards(layer, xa, h0, c0)  # one forward pass per kept batch for every map
    with steady_weights():
        maps = _horizons(layer, forwards, d, whats, norm, truncate, method, budget, max_bytes)
        maps["connectivity"] = _connectivity(layer, forwards, norm, connectivity_method, budget, max_bytes)
    return maps


def horizon_vectors(
    layer: Layer,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    truncate: int | None = None,
    method: str = "direct",
    max_bytes: float = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Every term itself: G (T, T+1, N, H) with ``G[s-1, t] = ∂L_s/∂h_t`` (t = 0 … T; zero for t > s), plain
    float64 (inf past its range), by the sweep ``gradient_horizon`` uses with this ``method``. No cut: ValueError over
    ``max_bytes``. ``G.sum(axis=0)[1:]`` is ``rc.bptt(...).dh`` and ``G.sum(axis=0)[0]`` its ``dh0``."""
    layer, xa, d = _check(layer, x, dhs, h0, c0)
    assert d is not None
    truncate = truncation(truncate)
    T, N, _ = xa.shape
    nbytes = 8.0 * T * (T + 1) * N * layer.H
    if nbytes > max_bytes:
        raise ValueError(f"horizon_vectors: {nbytes / 2**20:.0f} MB over max_bytes; use gradient_horizon for norms")
    if method not in ("direct", "jacobian"):
        raise ValueError(f"method: expected 'direct' or 'jacobian', got {method!r}")
    sweep = _horizon_direct if method == "direct" else _horizon_sweep
    with steady_weights():
        traj, _ = _window(layer, xa, h0, c0, T, N)
        _, _, vectors = sweep(layer, traj, d, truncate, 0, want_c=False, keep_vectors=True)
    assert vectors is not None
    return vectors


def horizon_sum_error(
    layer: Layer,
    x: Any,
    dhs: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    truncate: int | None = None,
    method: str = "direct",
) -> float:
    """The largest relative difference between Σ_s ∂L_s/∂h_t (``horizon_vectors``) and ``rc.bptt``'s total
    ∂L/∂h_t over t = 0 … T: about 1e-15 when the decomposition is right."""
    G = horizon_vectors(layer, x, dhs, h0, c0, truncate=truncate, method=method)
    trace = bptt(layer, x, dhs, h0, c0, truncate=truncate)
    total = np.concatenate([trace.dh0[None], trace.dh], axis=0)
    ours = G.sum(axis=0)
    scale = max(float(np.max(np.abs(total))), 1e-300)
    return float(np.max(np.abs(ours - total)) / scale)


def horizon_reach(m: HorizonMap, decades: float = 3.0) -> np.ndarray:
    """Per row s (S,): how many steps back from t = s the norm stays at or above 10^-decades of its value at
    t = s, without a dip below it in between (the lab's "reach", per loss step). 0 where the value at t = s is
    not finite; ``s - m.t[0]`` means it held to the window's first column (the reach may go further)."""
    out = np.zeros(len(m.s), dtype=int)
    for r, s in enumerate(m.s):
        cols = np.flatnonzero(m.t <= s)
        row = m.log10[r, cols]  # t = t[0] … s, the loss's own point last
        if row.size == 0 or not np.isfinite(row[-1]):
            continue
        back = row[::-1][1:]
        ok = np.isfinite(back) & (back >= row[-1] - decades)
        below = np.flatnonzero(~ok)
        out[r] = int(below[0]) if below.size else int(back.size)
    return out


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_BYTES",
    "WHATS",
    "HorizonMap",
    "StepJacobians",
    "Trajectory",
    "choose",
    "connectivity",
    "cost",
    "fit",
    "gradient_horizon",
    "horizon_maps",
    "horizon_reach",
    "horizon_sum_error",
    "horizon_vectors",
    "step_jacobians",
]
