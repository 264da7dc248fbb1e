"""Backward chains in the log domain: norms that stay exact far past float64's range.

The backward pass is linear in the upstream gradient for a fixed forward pass, so a chain is run on a
renormalised vector with its log-scale kept apart (an exploding run at T = 1000 stays finite). Separately, the
same chain is run plainly in float64 and in float32 to report the step at which an ordinary computation first
overflows to inf or NaN. ``aggregate`` combines per-sample log norms over the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..validate import one_of

LN10 = float(np.log(10.0))
NORMS = ("l2", "book", "mean")
OVERFLOW_MARGIN = 8.0  # decades between a chain's largest element and a dtype's maximum that no step can bridge
# a plain float64 vector whose largest |element| lies in here holds its norm to full precision: what rounding to
# subnormals or zero loses is below 1e-43 of it, and squaring after scaling by that element cannot overflow
PLAIN_RANGE = (1e-280, 1e280)

# A step maps the state arriving at step t (N, S) to (the flow into step t-1, {name: vector measured at t}).
Step = Callable[[int, np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]


def _log_norm(w: np.ndarray) -> np.ndarray:
    """Natural log of the L2 norm of each row; -inf for a zero row (callers silence the divide warning: this
    runs once per step, and entering np.errstate each time costs more than the arithmetic)."""
    out: np.ndarray = 0.5 * np.log(np.einsum("ns,ns->n", w, w))
    return out


def _renormalise(w: np.ndarray, log_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(w / ‖w‖, log_scale + log ‖w‖) per row; a zero row stays zero with log-scale -inf."""
    norm = np.sqrt(np.einsum("ns,ns->n", w, w))
    plain = (norm > 1e-150) & (norm < 1e150)
    if plain.all():  # the usual case, without the bookkeeping for zero, tiny or huge rows
        return w / norm[:, None], log_scale + np.log(norm)
    # squares past ~1e308 overflow and below ~1e-308 underflow: scale such a row by its largest element first
    # (the others by 1.0, exactly)
    top = np.abs(w).max(axis=1)
    m = np.where(~plain & np.isfinite(top) & (top > 0), top, 1.0)
    w = w / m[:, None]
    norm = np.sqrt(np.einsum("ns,ns->n", w, w))
    nonzero = norm > 0
    unit = w / np.where(nonzero, norm, 1.0)[:, None]
    with np.errstate(divide="ignore"):
        return unit, np.where(nonzero, log_scale + np.log(m) + np.log(norm), -np.inf)


def _add_scaled(unit: np.ndarray, log_scale: np.ndarray, upstream: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """e^log_scale · unit + upstream, again as (unit vector, log-scale), without leaving float range (run_chain
    calls it only at steps where a loss adds in)."""
    u_unit, u_log = _renormalise(upstream, np.zeros(len(upstream)))
    top = np.maximum(log_scale, u_log)
    alive = np.isfinite(top)
    with np.errstate(invalid="ignore"):
        a = np.where(alive & np.isfinite(log_scale), np.exp(log_scale - top), 0.0)
        b = np.where(alive & np.isfinite(u_log), np.exp(u_log - top), 0.0)
    unit, log_w = _renormalise(a[:, None] * unit + b[:, None] * u_unit, np.zeros(len(unit)))
    return unit, np.where(alive, top + log_w, -np.inf)


@dataclass(frozen=True)
class ChainNorms:
    """log10 norms along one backward chain, per step and per sample (-inf where exactly zero).

    ``log10[name]`` has shape (T, N); ``log10_into_h0`` (N,) is the norm of what flows out of step 0.
    ``overflow_step`` maps a dtype name to the first step t (counting down from T-1) at which the same chain
    computed plainly in that dtype held an inf or NaN, or None if it never did.
    """

    log10: dict[str, np.ndarray]
    log10_into_h0: np.ndarray
    overflow_step: dict[str, int | None] = field(default_factory=dict)
    into_h0_unit: np.ndarray | None = None  # (N, S) direction of what flows out of step 0 (norm 1 or 0)


def run_chain(
    T: int, upstream: np.ndarray, step: Step, check_dtypes: Sequence[str] = ("float64", "float32")
) -> ChainNorms:
    """Run ``step`` backwards from t = T-1 to 0, adding ``upstream[t]`` (T, N, S) at each step, in log domain.

    The plain runs that find each dtype's overflow step are made only when the chain's largest element comes
    within ``OVERFLOW_MARGIN`` decades of that dtype's maximum; below that a plain run cannot overflow.
    """
    N, S = upstream.shape[1:]
    unit, log_scale = np.zeros((N, S)), np.full(N, -np.inf)
    squares: dict[str, np.ndarray] = {}  # ‖measured vector‖² per step, on the chain's unit scale
    scales = np.empty((T, N))  # log-scale of the state arriving at each step: its norm bounds every element
    loaded = set(np.flatnonzero(upstream.reshape(T, -1).any(axis=1)).tolist())  # steps a loss adds to (often one)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(T - 1, -1, -1):
            if t in loaded:
                unit, log_scale = _add_scaled(unit, log_scale, upstream[t])
            scales[t] = log_scale
            flow, measured = step(t, unit)
            for name, vec in measured.items():
                sq = squares.get(name)
                if sq is None:
                    sq = squares[name] = np.empty((T, N))
                np.einsum("ns,ns->n", vec, vec, out=sq[t])
            unit, log_scale = _renormalise(flow, log_scale)
        # the logs of every step at once: the same operations as _log_norm's, in the same order
        logs = {name: scales + 0.5 * np.log(sq) for name, sq in squares.items()}
    # natural log of a bound on the largest |element| the chain held (an element is at most its vector's norm)
    peak = max([float(np.max(a)) for a in (scales, log_scale, *logs.values())])
    return ChainNorms(
        log10={k: v / LN10 for k, v in logs.items()},
        log10_into_h0=log_scale / LN10,
        overflow_step=overflow_steps(peak / LN10, T, lambda: upstream, step, check_dtypes),
        into_h0_unit=unit,
    )


def overflow_steps(
    peak: float, T: int, upstream: Callable[[], np.ndarray], step: Step, check_dtypes: Sequence[str]
) -> dict[str, int | None]:
    """Per dtype, ``plain_overflow_step``, run only when ``peak`` (log10 of a bound on the chain's largest
    |element|) comes within ``OVERFLOW_MARGIN`` decades of the dtype's maximum: below that a plain run cannot
    overflow. ``upstream`` makes the (T, N, S) upstream when a plain run needs it."""
    overflow = {}
    for dtype in check_dtypes:
        near = peak > np.log10(np.finfo(dtype).max) - OVERFLOW_MARGIN or (not np.isfinite(peak) and peak > 0)
        overflow[dtype] = plain_overflow_step(T, upstream(), step, np.dtype(dtype)) if near else None
    return overflow


def plain_chain(
    T: int,
    measured: dict[str, np.ndarray],
    into_h0: np.ndarray,
    step: Step,
    upstream: Callable[[], np.ndarray],
    slack: float = 0.0,
    check_dtypes: Sequence[str] = ("float64", "float32"),
) -> ChainNorms | None:
    """``run_chain``'s result from a plain float64 pass of the same chain made already: ``measured[name]``
    (T, N, ·) what ``step`` measures at every step, ``into_h0`` (N, S) what flowed out of step 0. None unless every
    vector lies in ``PLAIN_RANGE`` (there the log domain must run). ``slack``: decades by which the chain's state
    may exceed its largest measured vector (the overflow checks' bound)."""
    logs = {}
    for name, a in measured.items():
        log10 = plain_log10_norms(a)
        if log10 is None:
            return None
        logs[name] = log10
    into = plain_log10_norms(into_h0)
    if into is None:
        return None
    peak = max(float(np.max(a)) for a in (into, *logs.values())) + slack
    return ChainNorms(
        log10=logs,
        log10_into_h0=into,
        overflow_step=overflow_steps(peak, T, upstream, step, check_dtypes),
        into_h0_unit=into_h0 / 10.0 ** into[:, None],
    )


def plain_log10_norms(a: np.ndarray) -> np.ndarray | None:
    """log10 of the L2 norm of every row ``a[..., :]`` of a plain float64 computation, or None unless every row's
    largest |element| lies in ``PLAIN_RANGE`` (zero, inf or NaN included): there the log domain must take over."""
    top = np.abs(a).max(axis=-1)
    if not ((top >= PLAIN_RANGE[0]) & (top <= PLAIN_RANGE[1])).all():
        return None
    u = a / top[..., None]
    out: np.ndarray = np.log10(top) + 0.5 * np.log10(np.einsum("...s,...s->...", u, u))
    return out


def plain_overflow_step(T: int, upstream: np.ndarray, step: Step, dtype: np.dtype) -> int | None:
    """First t (from T-1 down) where the chain, computed plainly and rounded to ``dtype`` after every step,
    holds an inf or NaN; None if it stays finite down to h0."""
    state = np.zeros(upstream.shape[1:], dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 1, -1, -1):
            state = (state + upstream[t]).astype(dtype)
            flow, measured = step(t, state.astype(np.float64))
            if not (np.isfinite(state).all() and all(np.isfinite(v.astype(dtype)).all() for v in measured.values())):
                return t
            state = flow.astype(dtype)
            if not np.isfinite(state).all():
                return t
    return None


def aggregate(log10_per_sample: np.ndarray, norm: str = "l2") -> np.ndarray:
    """Combine per-sample log10 norms (..., N) into one per step.

    ``"l2"``: the Frobenius norm over the batch; ``"book"``: that divided by N (DLFS2's
    ``sqrt(sum(dh**2)) / N``); ``"mean"``: the mean of the per-sample norms.
    """
    one_of("norm", norm, NORMS)
    x = np.asarray(log10_per_sample, dtype=np.float64) * LN10
    N = x.shape[-1]
    if norm == "mean":
        out = _logsumexp(x) - np.log(N)
    else:
        out = 0.5 * _logsumexp(2.0 * x)
        if norm == "book":
            out = out - np.log(N)
    result: np.ndarray = out / LN10
    return result


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = np.max(x, axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = safe + np.log(np.sum(np.exp(x - safe[..., None]), axis=-1))
    return out


def first_nonfinite_step(values: np.ndarray) -> int | None:
    """The first t along axis 0 whose slice holds an inf or NaN (a forward overflow), or None."""
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else None
