"""Training a recurrent layer and a linear readout on a long-lag task, exactly as PyTorch would.

The model, for x (T, N, D)::

    h_1 … h_T = layer(x)            (h_0 = 0, c_0 = 0; rc.forward / rc.bptt)
    out = h_T W_fcᵀ + b_fc           (nn.Linear: fc.weight (out, H), fc.bias (out,))
    L = MSE(out, y) or CE(out, y)    (see tasks.readout_loss)

One step s: the batch ``task_batch(task, T, batch, seed, s)``; the forward pass; ``dL/dout``; the readout's
gradients ``dW_fc = doutᵀ h_T``, ``db_fc = Σ_n dout``, and ``dL/dh_T = dout W_fc``, the only nonzero upstream
gradient of BPTT (loss at the last step); truncated BPTT with ``truncate=k`` cuts the gradient at t = k, 2k, …
(counted from the start, as ``rc.bptt(truncate=k)``; the hidden state itself is carried); then clipping over every
parameter (readout included) and the optimizer step. The step is step.py's ``loss_and_grads``; the layer runs in
:class:`~recurrent_core.training.fused.FusedStep` (``engine="fused"``, one forward pass and buffers reused across
steps) or through the public ``rc.forward`` + ``rc.bptt`` (``engine="bptt"``, and always for the book's GRU); the
two agree to rounding (tested).
``run.loss[s]`` is the loss of step s's batch *before* its update, as ``loss.item()`` is in a PyTorch loop.

``train_iter`` yields a snapshot (:class:`TrainingRun`) at each checkpoint, so a caller can show progress and stop
by no longer iterating; ``train`` runs it to the end. Memory per step is one tape, O(T·N·H); no weight history.

Every argument is a field of :class:`~recurrent_core.training.config.TrainConfig` (config.py); the command line
(``python -m recurrent_core.train --help``) lives in cli.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..cells.init import init_layer
from ..cells.layers import FIELDS, STATE_KEYS
from .compiled_step import CHUNK, compiled_run
from .config import SIGNATURE, TrainConfig, config_of
from .fused import FusedStep
from .optim import clip_grads_, make_optimizer
from .step import LayerStep, LSTMProbe, Recurrence, loss_and_grads, probe_flow, spectral_radii
from .tasks import TaskSpec, probe_batch, task_batch, task_spec

Array = np.ndarray
_READOUT_STREAM = 0x5EAD

F = TypeVar("F", bound=Callable[..., Any])


def _takes_config(fn: F) -> F:
    """Show TrainConfig's fields as ``fn``'s signature (help(), inspect): its arguments are exactly those."""
    fn.__signature__ = SIGNATURE.replace(return_annotation=fn.__annotations__.get("return"))  # type: ignore[attr-defined]
    return fn


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A training run, or a snapshot of one so far (``steps_done`` of ``steps``).

    Per step s < steps_done: ``loss[s]`` (the loss of batch s before its update), ``metric[s]`` (the fraction of
    that batch solved, see ``metric_name``) and ``grad_norm[s]`` (the global L2 norm of every gradient before
    clipping). Per checkpoint c (the model after ``checkpoints[c]`` updates, on a fixed probe batch):
    ``flow[c, t]`` = log10 ‖∂L/∂h_t‖ (Frobenius over the probe batch, full BPTT, t = 0 … T-1) and
    ``probe_loss[c]``; ``rho[c, g]`` = ρ (spectral radius) of gate block g of W_hh (PyTorch's block order: the RNN's
    one, the LSTM's i, f, g, o, the GRU's r, z, n); for an LSTM ``flow_c[c, t]`` = log10 ‖∂L/∂c_t‖ on the same
    probe (its memory cell; None for the other kinds). ``initial`` and ``final`` are state dicts in PyTorch's
    layout (the layer's ``weight_ih_l0`` … and ``fc.weight``, ``fc.bias``): before step 0 and after step
    ``steps_done - 1``.
    ``status``: "running" (a snapshot), "done", or "diverged" (a non-finite loss or gradient stopped the run
    before that step's update).
    """

    kind: str
    task: str
    settings: dict[str, Any]  # every argument of the run (JSON-able)
    steps: int  # asked for
    steps_done: int
    loss: Array  # (steps_done,)
    metric: Array  # (steps_done,)
    grad_norm: Array  # (steps_done,)
    metric_name: str
    baseline: float  # the trivial model's loss: 1/6 (adding) or log K (first)
    chance_metric: float
    checkpoints: Array  # (C,) int: updates done at each flow row
    flow: Array  # (C, T)
    probe_loss: Array  # (C,)
    initial: dict[str, Array]
    final: dict[str, Array]
    seconds: float  # wall time of the steps and checkpoints so far
    status: str
    rho: Array | None = None  # (C, G): ρ of each gate block of W_hh per checkpoint
    flow_c: Array | None = None  # (C, T): log10 ‖∂L/∂c_t‖ per checkpoint (LSTM only)

    @property
    def stopped(self) -> bool:
        """True if fewer steps were trained than asked for (a snapshot, a stop or a divergence)."""
        return self.steps_done < self.steps

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self.seconds if self.seconds > 0 else float("nan")

    def final_loss(self, window: int = 50) -> float:
        """The mean training loss over the last ``window`` steps done (NaN if none)."""
        if self.steps_done == 0:
            return float("nan")
        return float(np.mean(self.loss[-window:]))


def init_readout(H: int, out: int, seed: int) -> dict[str, Array]:
    """``fc.weight`` (out, H) and ``fc.bias`` (out,), both U(-1/√H, 1/√H) as ``nn.Linear`` draws them, from a
    stream of ``seed`` that the layer's init does not use."""
    rng = np.random.default_rng([_READOUT_STREAM, seed])
    bound = 1.0 / math.sqrt(H)
    return {"fc.weight": rng.uniform(-bound, bound, (out, H)), "fc.bias": rng.uniform(-bound, bound, out)}


def initial_state(kind: str, spec: TaskSpec, H: int, seed: int, **init_options: Any) -> dict[str, Array]:
    """The model's state dict before training: ``rc.init_layer(kind, D, H, seed, **init_options)`` and
    :func:`init_readout`."""
    layer = init_layer(kind, spec.D, H, seed, **init_options)
    state = {key: getattr(layer, name).copy() for key, name in zip(STATE_KEYS, FIELDS, strict=True)}
    state.update(init_readout(H, spec.out, seed))
    return state


def recurrence(config: TrainConfig, N: int) -> Recurrence:
    """How the layer runs for a batch of N: fused (``engine="fused"``, not the book's GRU) or through rc.bptt."""
    c = config
    if c.engine == "fused" and not (c.kind == "gru" and c.formulation != "pytorch"):
        return FusedStep(c.kind, c.T, N, task_spec(c.task, c.n_symbols).D, c.H, c.nonlinearity)
    return LayerStep(c.kind, c.T, N, c.H, c.nonlinearity, c.formulation)


def _all_finite(params: Mapping[str, Array]) -> bool:
    return all(bool(np.isfinite(p).all()) for p in params.values())


# ------------------------------------------------------------------------------------------------ the loop
@_takes_config
def train_iter(*args: Any, **kwargs: Any) -> Iterator[TrainingRun]:
    """Train and yield a :class:`TrainingRun` snapshot at each checkpoint: after 0, r, 2r, … updates and at the end
    (r = ``record_every``, default ``max(1, steps // 25)``). The last snapshot has status "done" (or "diverged").

    Stop early by no longer iterating: the last snapshot received holds everything trained up to it.
    Arguments as :func:`train` (checked when called, before the first snapshot is asked for).
    """
    config = config_of(args, kwargs)
    # the optimizer and the initial state check the rest now, not at the first snapshot
    opt = make_optimizer(config.optimizer, config.lr, **config.optimizer_options())
    spec = task_spec(config.task, config.n_symbols)
    initial = initial_state(config.kind, spec, config.H, config.seed, **config.init_options())
    return _loop(config, spec, opt, initial)


def _loop(config: TrainConfig, spec: TaskSpec, opt: Any, initial: dict[str, Array]) -> Iterator[TrainingRun]:
    """The training loop of :func:`train_iter` (arguments already checked)."""
    c = config
    T, steps, every = c.T, c.steps, c.every
    settings = c.settings()
    params = {k: v.copy() for k, v in initial.items()}
    x_probe, y_probe = probe_batch(c.task, T, c.probe_batch_size, c.seed, n_symbols=c.n_symbols)
    fast = compiled_run(c, spec, opt, params)  # the whole step compiled (compiled_step.py), or None: NumPy's
    layer = recurrence(c, c.batch) if fast is None else None  # the NumPy step's layer (its buffers only if used)
    probe = None if c.kind == "lstm" else recurrence(c, c.probe_batch_size)  # the LSTM's probe: lstm_probe_flow
    lstm_probe = LSTMProbe(T, c.probe_batch_size, spec.D, c.H) if c.kind == "lstm" else None
    loss = np.empty(steps)
    metric = np.empty(steps)
    gnorm = np.empty(steps)
    checkpoints: list[int] = []
    flows: list[Array] = []
    probe_losses: list[float] = []
    rhos: list[Array] = []
    cell_flows: list[Array] = []
    seconds = 0.0
    start = time.perf_counter()

    def snapshot(done: int, status: str) -> TrainingRun:
        return TrainingRun(
            kind=c.kind,
            task=c.task,
            settings=dict(settings),
            steps=steps,
            steps_done=done,
            loss=loss[:done],
            metric=metric[:done],
            grad_norm=gnorm[:done],
            metric_name=spec.metric_name,
            baseline=spec.baseline,
            chance_metric=spec.chance_metric,
            checkpoints=np.array(checkpoints, dtype=np.int64),
            flow=np.array(flows).reshape(len(flows), T),
            probe_loss=np.array(probe_losses),
            initial=initial,
            final={k: v.copy() for k, v in params.items()},
            seconds=seconds,
            status=status,
            rho=np.array(rhos).reshape(len(rhos), -1) if rhos else np.zeros((0, 1)),
            flow_c=np.array(cell_flows).reshape(len(cell_flows), T) if c.kind == "lstm" else None,
        )

    def checkpoint(done: int) -> None:
        if c.kind == "lstm":  # the memory cell's gradient beside h's, through the public rc.forward and rc.flow_norms
            assert lstm_probe is not None
            row, cell_row, probe_loss = lstm_probe(params, x_probe, y_probe, spec)
            cell_flows.append(cell_row)
        else:
            assert probe is not None
            row, probe_loss = probe_flow(probe, params, x_probe, y_probe, spec)
        checkpoints.append(done)
        flows.append(row)
        probe_losses.append(probe_loss)
        rhos.append(spectral_radii(params["weight_hh_l0"], c.H))

    checkpoint(0)
    seconds = time.perf_counter() - start
    yield snapshot(0, "running")
    if fast is not None:
        s = 0
        while s < steps:
            start = time.perf_counter()
            count = min(CHUNK, min(steps, (s // every + 1) * every) - s)  # up to the next checkpoint
            done, status = fast.run(s, count, loss, metric, gnorm)
            if status:  # step s + done diverged: stopped before its update (1) or updated into inf/NaN (2)
                seconds += time.perf_counter() - start
                yield snapshot(s + done, "diverged")
                return
            s += count
            if s % every == 0 or s == steps:
                checkpoint(s)
                seconds += time.perf_counter() - start
                yield snapshot(s, "done" if s == steps else "running")
            else:
                seconds += time.perf_counter() - start
        return
    for s in range(steps):
        start = time.perf_counter()
        x, y = task_batch(c.task, T, c.batch, c.seed, s, n_symbols=c.n_symbols)
        with np.errstate(over="ignore", invalid="ignore"):
            assert layer is not None
            result = loss_and_grads(layer, params, x, y, spec, c.truncate)
            loss[s], metric[s] = result.loss, result.metric
            gnorm[s] = clip_grads_(result.grads, c.clip)
        if not (math.isfinite(result.loss) and math.isfinite(gnorm[s])):
            seconds += time.perf_counter() - start
            yield snapshot(s, "diverged")
            return
        opt.step(params, result.grads)
        if not _all_finite(params):  # an update overflowed: keep the state before it
            seconds += time.perf_counter() - start
            yield snapshot(s, "diverged")
            return
        done = s + 1
        if done % every == 0 or done == steps:
            checkpoint(done)
            seconds += time.perf_counter() - start
            yield snapshot(done, "done" if done == steps else "running")
        else:
            seconds += time.perf_counter() - start


@_takes_config
def train(*args: Any, **kwargs: Any) -> TrainingRun:
    """Train a ``kind`` layer ("rnn", "lstm", "gru") of H units and a linear readout on ``task`` ("adding",
    "first") at lag ``T`` for ``steps`` steps of ``batch`` sequences; returns the finished :class:`TrainingRun`.

    The arguments are the fields of :class:`~recurrent_core.training.config.TrainConfig` (or one TrainConfig):
    ``optimizer`` "sgd" or "adam" (PyTorch's, see optim.py) at learning rate ``lr``, with ``weight_decay`` (L2 in
    the gradient, as torch) and ``momentum`` (SGD). ``clip``: None, ``("norm", v)`` (clip_grad_norm_ over every
    parameter) or ``("value", v)`` (clip_grad_value_). ``truncate=k``: truncated BPTT, the gradient cut at
    t = k, 2k, … The layer is ``rc.init_layer(kind, D, H, seed, scheme=…, nonlinearity=…, forget_bias=…,
    update_bias=…, chrono_tmax=…, formulation=…)``; options of another kind raise ValueError.
    """
    run: TrainingRun | None = None
    for run in train_iter(*args, **kwargs):  # noqa: B007 (the last snapshot is the run)
        pass
    assert run is not None
    return run
