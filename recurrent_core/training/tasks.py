"""Tasks with a long lag for the training lab: seeded batches, their loss at the readout, and a metric.

Every batch is a pure function of ``(task, T, batch, seed, step)``: the same arguments give the same arrays, so a
run can be replayed (and checked against PyTorch) batch by batch. Shapes: T steps, N samples (``batch``).

- ``"adding"`` (Hochreiter & Schmidhuber 1997; Le et al. 2015): ``x`` (T, N, 2), channel 0 uniform on [0, 1),
  channel 1 marks exactly two steps, one in each half (``[0, T//2)`` and ``[T//2, T)``); ``y`` (N, 1) is the sum
  of the two marked values. Loss: mean squared error (``nn.MSELoss``). Predicting 1 gives E[(y - 1)²] = 1/6.
- ``"first"`` (remember the first symbol): ``x`` (T, N, K) one-hot symbols drawn uniformly from K, ``y`` (N,) the
  index of the symbol at t = 0; every later symbol is a distractor. Loss: cross-entropy (``nn.CrossEntropyLoss``);
  chance accuracy 1/K, chance loss log K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validate import check_seed, one_of, whole

Array = np.ndarray

TASKS = ("adding", "first")
ADDING_TOLERANCE = 0.04  # Hochreiter & Schmidhuber 1997: a sequence counts as solved if |ŷ - y| < 0.04
DEFAULT_SYMBOLS = 4
MAX_SYMBOLS = 256
# separate streams of np.random.default_rng for the training batches and the probe batch (never overlapping)
_BATCH_STREAM = 0x7A5C
_PROBE_STREAM = 0x9B0E


@dataclass(frozen=True)
class TaskSpec:
    """What a task's model needs: input width D, readout width, loss, metric and the trivial model's loss."""

    name: str
    D: int  # input features per step
    out: int  # readout outputs
    loss_name: str  # "mse" or "cross_entropy"
    metric_name: str
    baseline: float  # loss of the trivial model: 1/6 (always predict 1) or log K (uniform prediction)
    chance_metric: float  # metric of the trivial model (adding: P(|y - 1| < 0.04); first: 1/K)


def _check_task(task: object) -> str:
    return one_of("task", task, TASKS)


def check_symbols(n_symbols: object) -> int:
    """K, the number of symbols of the "first" task: a whole number from 2 to MAX_SYMBOLS."""
    return whole("n_symbols", n_symbols, 2, MAX_SYMBOLS)


def task_spec(task: str, n_symbols: int = DEFAULT_SYMBOLS) -> TaskSpec:
    """The :class:`TaskSpec` of ``task`` ("adding" or "first"; ``n_symbols`` = K for "first")."""
    if _check_task(task) == "adding":
        # y = u1 + u2 has the triangular density on [0, 2]: P(|y - 1| < d) = 2d - d²
        chance = 2 * ADDING_TOLERANCE - ADDING_TOLERANCE**2
        return TaskSpec("adding", 2, 1, "mse", f"accuracy (|ŷ - y| < {ADDING_TOLERANCE})", 1.0 / 6.0, chance)
    K = check_symbols(n_symbols)
    return TaskSpec("first", K, K, "cross_entropy", "accuracy", float(np.log(K)), 1.0 / K)


def _draw(task: str, T: int, N: int, rng: np.random.Generator, n_symbols: int) -> tuple[Array, Array]:
    if task == "adding":
        x = np.zeros((T, N, 2))
        x[:, :, 0] = rng.random((T, N))
        half = T // 2
        first = rng.integers(0, half, N)
        second = rng.integers(half, T, N)
        cols = np.arange(N)
        x[first, cols, 1] = 1.0
        x[second, cols, 1] = 1.0
        y = (x[first, cols, 0] + x[second, cols, 0])[:, None]
        return x, y
    symbols = rng.integers(0, n_symbols, (T, N))
    x = np.zeros((T, N, n_symbols))
    np.put_along_axis(x, symbols[:, :, None], 1.0, axis=2)
    return x, symbols[0].astype(np.int64)


def task_batch(
    task: str, T: int, batch: int, seed: int, step: int, *, n_symbols: int = DEFAULT_SYMBOLS
) -> tuple[Array, Array]:
    """Batch number ``step`` of a run seeded ``seed``: ``(x, y)`` with x (T, N, D) float64 and N = ``batch``.

    "adding": x (T, N, 2), y (N, 1) float64; "first": x (T, N, K) one-hot, y (N,) int64 class indices.
    Deterministic in (task, T, batch, seed, step, n_symbols).
    """
    task = _check_task(task)
    T = whole("T", T, 2 if task == "adding" else 1, 100_000)
    N = whole("batch", batch, 1, 100_000)
    seed = check_seed(seed)
    step = whole("step", step, 0)
    K = check_symbols(n_symbols)
    return _draw(task, T, N, np.random.default_rng([_BATCH_STREAM, seed, step]), K)


def probe_batch(task: str, T: int, batch: int, seed: int, *, n_symbols: int = DEFAULT_SYMBOLS) -> tuple[Array, Array]:
    """A fixed batch of the task, drawn from a stream that no training batch uses (for the flow checkpoints)."""
    task = _check_task(task)
    T = whole("T", T, 2 if task == "adding" else 1, 100_000)
    N = whole("batch", batch, 1, 100_000)
    seed = check_seed(seed)
    return _draw(task, T, N, np.random.default_rng([_PROBE_STREAM, seed]), check_symbols(n_symbols))


def readout_loss(spec: TaskSpec, out: Array, y: Array) -> tuple[float, float, Array]:
    """``(loss, metric, dout)`` for readout outputs ``out`` (N, out) and targets ``y``; dout = ∂loss/∂out.

    MSE (``nn.MSELoss``, mean over all N·1 entries): ``L = mean((out - y)²)``, ``dout = 2 (out - y) / N``.
    Cross-entropy (``nn.CrossEntropyLoss``): ``p = softmax(out)``, ``L = -mean_n log p[n, y_n]``,
    ``dout = (p - onehot(y)) / N``. The metric is the fraction of samples solved (|out - y| < 0.04, or argmax = y).
    """
    N = out.shape[0]
    if spec.loss_name == "mse":
        err = out - y
        loss = float(np.mean(err * err))
        metric = float(np.mean(np.abs(err) < ADDING_TOLERANCE))
        return loss, metric, err * (2.0 / err.size)
    shifted = out - out.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_z
    rows = np.arange(N)
    loss = float(-np.mean(log_p[rows, y]))
    metric = float(np.mean(np.argmax(out, axis=1) == y))
    dout = np.exp(log_p)
    dout[rows, y] -= 1.0
    dout /= N
    return loss, metric, dout
