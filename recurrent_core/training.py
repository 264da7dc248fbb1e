"""Training a recurrent layer and a linear readout on a long-lag task, exactly as PyTorch would.

The model, for x (T, N, D)::

    h_1 … h_T = layer(x)            (h_0 = 0, c_0 = 0; rc.forward / rc.bptt)
    out = h_T W_fcᵀ + b_fc           (nn.Linear: fc.weight (out, H), fc.bias (out,))
    L = MSE(out, y) or CE(out, y)    (see tasks.readout_loss)

One step s: the batch ``task_batch(task, T, batch, seed, s)``; the forward pass; ``dL/dout``; the readout's
gradients ``dW_fc = doutᵀ h_T``, ``db_fc = Σ_n dout``, and ``dL/dh_T = dout W_fc``, the only nonzero upstream
gradient of BPTT (loss at the last step); truncated BPTT with ``truncate=k`` cuts the gradient at t = k, 2k, …
(counted from the start, as ``rc.bptt(truncate=k)``; the hidden state itself is carried); then clipping over every
parameter (readout included) and the optimizer step. BPTT runs in :class:`~recurrent_core.fused.FusedStep`
(``engine="fused"``, one forward pass and buffers reused across steps) or through the public ``rc.forward`` +
``rc.bptt`` (``engine="bptt"``, and always for the book's GRU); the two agree to rounding (tested).
``run.loss[s]`` is the loss of step s's batch *before* its update, as ``loss.item()`` is in a PyTorch loop.

``train_iter`` yields a snapshot (:class:`TrainingRun`) at each checkpoint, so a caller can show progress and stop
by no longer iterating; ``train`` runs it to the end. Memory per step is one tape, O(T·N·H); no weight history.

The command line (``python -m recurrent_core.train --help``) lives in :func:`main`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from .analysis import aggregate, flow_norms
from .bptt import bptt
from .bptt import forward as _forward_untyped
from .fused import FusedStep
from .init import KINDS, init_layer
from .layers import GRU_FORMULATIONS, NONLINEARITIES, GRULayer, LSTMLayer, RNNLayer
from .optim import OPTIMIZERS, SGD, Adam, check_clip, clip_grads_, make_optimizer, positive
from .tasks import DEFAULT_SYMBOLS, TASKS, TaskSpec, probe_batch, readout_loss, task_batch, task_spec
from .weights import save_weights

Array = np.ndarray
Layer = RNNLayer | LSTMLayer | GRULayer
STATE_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
READOUT_KEYS = ("fc.weight", "fc.bias")
forward = cast(Callable[..., Any], _forward_untyped)  # rc.forward (not yet typed in bptt.py)
# "fused": recurrent_core.fused (one forward, reused buffers; the book's GRU falls back to "bptt");
# "bptt": the public rc.forward + rc.bptt, the reference the fused step is tested against
ENGINES = ("fused", "bptt")
_READOUT_STREAM = 0x5EAD

# The lab's default run, chosen by measurement: `python -m benchmarks.sweep` (adding problem, lag T in 20, 30, 50,
# 75 × kind and gate bias × seeds 0-4 at these settings; its table is in the README). At T = 50 and 1000 steps the
# tanh RNN stays at the baseline in 5 of 5 seeds (loss ≥ 1.05× baseline; it learns the task at T ≤ 10, not from
# T = 20 on, even at lr 0.002) while the LSTM with forget bias +1 and the GRU with update bias +1 reach ≤ 0.02×
# baseline in 5 of 5. There the closed gate shows: the LSTM with forget bias 0 fails 2 of 5 seeds (the GRU with
# update bias 0 still learns). At T = 75 the LSTM needs +2 (+1: 3 of 5) and a step costs half again as much.
# Per kind, the gate bias that opens the gate (the RNN has none).
LAB_DEFAULTS: dict[str, Any] = {
    "task": "adding",
    "T": 50,
    "H": 32,
    "batch": 32,
    "steps": 1000,
    "optimizer": "adam",
    "lr": 0.02,
    "clip": ("norm", 1.0),
    "truncate": None,
    "record_every": 25,
    "gate_bias": {"rnn": {}, "lstm": {"forget_bias": 1.0}, "gru": {"update_bias": 1.0}},
}


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A training run, or a snapshot of one so far (``steps_done`` of ``steps``).

    Per step s < steps_done: ``loss[s]`` (the loss of batch s before its update), ``metric[s]`` (the fraction of
    that batch solved, see ``metric_name``) and ``grad_norm[s]`` (the global L2 norm of every gradient before
    clipping). Per checkpoint c (the model after ``checkpoints[c]`` updates, on a fixed probe batch):
    ``flow[c, t]`` = log10 ‖∂L/∂h_t‖ (Frobenius over the probe batch, full BPTT, t = 0 … T-1) and
    ``probe_loss[c]``. ``initial`` and ``final`` are state dicts in PyTorch's layout (the layer's
    ``weight_ih_l0`` … and ``fc.weight``, ``fc.bias``): before step 0 and after step ``steps_done - 1``.
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


# ------------------------------------------------------------------------------------------------ validation
def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return int(value)


def _check_settings(
    kind: object, task: object, T: object, steps: object, optimizer: object, truncate: object
) -> tuple[str, str, int, int, int | None]:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind: expected one of {tuple(KINDS)}, got {kind!r}")
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"task: expected one of {TASKS}, got {task!r}")
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {optimizer!r}")
    T_ = _whole("T", T, 2 if task == "adding" else 1, 100_000)
    steps_ = _whole("steps", steps, 1, 10_000_000)
    trunc = None if truncate is None else _whole("truncate", truncate, 1, T_)
    return kind, task, T_, steps_, trunc


def _layer(params: Mapping[str, Array], kind: str, nonlinearity: str, formulation: str) -> Layer:
    """The recurrent layer of ``params`` (its constructor copies: later in-place updates do not reach it)."""
    W_ih, W_hh = params["weight_ih_l0"], params["weight_hh_l0"]
    b_ih, b_hh = params["bias_ih_l0"], params["bias_hh_l0"]
    if kind == "rnn":
        return RNNLayer(W_ih, W_hh, b_ih, b_hh, nonlinearity=nonlinearity)
    if kind == "lstm":
        return LSTMLayer(W_ih, W_hh, b_ih, b_hh)
    return GRULayer(W_ih, W_hh, b_ih, b_hh, formulation=formulation)


def init_readout(H: int, out: int, seed: int) -> dict[str, Array]:
    """``fc.weight`` (out, H) and ``fc.bias`` (out,), both U(-1/√H, 1/√H) as ``nn.Linear`` draws them, from a
    stream of ``seed`` that the layer's init does not use."""
    rng = np.random.default_rng([_READOUT_STREAM, seed])
    bound = 1.0 / math.sqrt(H)
    return {"fc.weight": rng.uniform(-bound, bound, (out, H)), "fc.bias": rng.uniform(-bound, bound, out)}


def initial_state(
    kind: str,
    spec: TaskSpec,
    H: int,
    seed: int,
    *,
    scheme: str = "pytorch",
    nonlinearity: str = "tanh",
    forget_bias: float = 0.0,
    update_bias: float = 0.0,
    chrono_tmax: float | None = None,
    formulation: str = "pytorch",
) -> dict[str, Array]:
    """The model's state dict before training: ``rc.init_layer(kind, D, H, seed, …)`` and :func:`init_readout`."""
    layer = init_layer(
        kind,
        spec.D,
        H,
        seed,
        scheme=scheme,
        nonlinearity=nonlinearity,
        forget_bias=forget_bias,
        update_bias=update_bias,
        chrono_tmax=chrono_tmax,
        formulation=formulation,
    )
    fields = ("W_ih", "W_hh", "b_ih", "b_hh")
    state = {key: getattr(layer, name).copy() for key, name in zip(STATE_KEYS, fields, strict=True)}
    state.update(init_readout(H, spec.out, seed))
    return state


# ------------------------------------------------------------------------------------------------ one step
@dataclass
class StepResult:
    loss: float
    metric: float
    grads: dict[str, Array]  # keyed like the state dict, before clipping


def loss_and_grads(
    params: Mapping[str, Array],
    x: Array,
    y: Array,
    spec: TaskSpec,
    kind: str,
    *,
    nonlinearity: str = "tanh",
    formulation: str = "pytorch",
    truncate: int | None = None,
    dhs: Array | None = None,
) -> StepResult:
    """The loss of batch (x, y) under ``params`` and its gradient w.r.t. every parameter (readout included).

    ``dhs`` (T, N, H), if given, is a zero buffer reused for the upstream gradient (its last step is written and
    cleared again).
    """
    layer = _layer(params, kind, nonlinearity, formulation)
    W_fc, b_fc = params["fc.weight"], params["fc.bias"]
    h_T = forward(layer, x).hs[-1]  # (N, H)
    out = h_T @ W_fc.T
    out += b_fc
    loss, metric, dout = readout_loss(spec, out, y)
    T, N = x.shape[:2]
    if dhs is None:
        dhs = np.zeros((T, N, layer.H))
    dhs[-1] = dout @ W_fc  # dL/dh_T; zero at every earlier step
    trace = bptt(layer, x, dhs, truncate=truncate)
    dhs[-1] = 0.0
    grads = dict(trace.grads)
    grads["fc.weight"] = dout.T @ h_T
    grads["fc.bias"] = dout.sum(axis=0)
    return StepResult(loss, metric, grads)


def _fused_loss_and_grads(
    step: FusedStep, params: Mapping[str, Array], x: Array, y: Array, spec: TaskSpec, truncate: int | None
) -> StepResult:
    """:func:`loss_and_grads` through :class:`~recurrent_core.fused.FusedStep` (one forward, buffers reused)."""
    W_fc = params["fc.weight"]
    h_T = step.forward(params, x)
    out = h_T @ W_fc.T
    out += params["fc.bias"]
    loss, metric, dout = readout_loss(spec, out, y)
    grads = step.backward(dout @ W_fc, truncate)
    grads["fc.weight"] = dout.T @ h_T
    grads["fc.bias"] = dout.sum(axis=0)
    return StepResult(loss, metric, grads)


def _probe_flow(
    params: Mapping[str, Array],
    x: Array,
    y: Array,
    spec: TaskSpec,
    kind: str,
    nonlinearity: str,
    formulation: str,
    probe: FusedStep | None = None,
) -> tuple[Array, float]:
    """log10 ‖∂L/∂h_t‖ over the probe batch (T,), full BPTT, and the probe loss.

    Through ``probe`` (a :class:`FusedStep` sized for the probe batch) when given; otherwise (the book's GRU)
    through ``rc.flow_norms``, the overflow-safe log-domain chain.
    """
    W_fc = params["fc.weight"]
    if probe is not None:
        h_T = probe.forward(params, x)
        loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
        row = np.empty(x.shape[0])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            probe.backward(dout @ W_fc, None, log10_dh=row)
        return row, loss
    layer = _layer(params, kind, nonlinearity, formulation)
    h_T = forward(layer, x).hs[-1]
    loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
    dhs = np.zeros((x.shape[0], x.shape[1], layer.H))
    dhs[-1] = dout @ W_fc
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return aggregate(flow_norms(layer, x, dhs).log10_dh, "l2"), loss


def _all_finite(params: Mapping[str, Array]) -> bool:
    return all(bool(np.isfinite(p).all()) for p in params.values())


# ------------------------------------------------------------------------------------------------ the loop
def train_iter(
    kind: str,
    task: str,
    T: int,
    H: int,
    steps: int,
    seed: int,
    *,
    batch: int,
    optimizer: str,
    lr: float,
    clip: tuple[str, float] | None = None,
    truncate: int | None = None,
    forget_bias: float = 0.0,
    update_bias: float = 0.0,
    scheme: str = "pytorch",
    nonlinearity: str = "tanh",
    formulation: str = "pytorch",
    chrono_tmax: float | None = None,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    record_every: int | None = None,
    probe_batch_size: int = 64,
    n_symbols: int = DEFAULT_SYMBOLS,
    engine: str = "fused",
) -> Iterator[TrainingRun]:
    """Train and yield a :class:`TrainingRun` snapshot at each checkpoint: after 0, r, 2r, … updates and at the end
    (r = ``record_every``, default ``max(1, steps // 25)``). The last snapshot has status "done" (or "diverged").

    Stop early by no longer iterating: the last snapshot received holds everything trained up to it.
    Arguments as :func:`train`.
    """
    kind, task, T, steps, truncate = _check_settings(kind, task, T, steps, optimizer, truncate)
    spec = task_spec(task, n_symbols)
    N = _whole("batch", batch, 1, 100_000)
    H = _whole("H", H, 1, 4096)
    seed = _whole("seed", seed, 0, 2**32 - 1)
    lr = positive("lr", lr)
    clip_ = check_clip(clip)
    every = max(1, steps // 25) if record_every is None else _whole("record_every", record_every, 1, 10_000_000)
    n_probe = _whole("probe_batch_size", probe_batch_size, 1, 100_000)
    if kind != "rnn" and nonlinearity != "tanh":
        raise ValueError(f"nonlinearity: an option of the rnn only, not of a {kind}")
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, got {nonlinearity!r}")
    if formulation not in GRU_FORMULATIONS:
        raise ValueError(f"formulation: expected one of {GRU_FORMULATIONS}, got {formulation!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
    opt = make_optimizer(optimizer, lr, weight_decay=weight_decay, momentum=momentum)
    settings: dict[str, Any] = {
        "kind": kind,
        "task": task,
        "T": T,
        "H": H,
        "steps": steps,
        "seed": seed,
        "batch": N,
        "optimizer": optimizer,
        "lr": lr,
        "clip": None if clip_ is None else list(clip_),
        "truncate": truncate,
        "forget_bias": float(forget_bias),
        "update_bias": float(update_bias),
        "scheme": scheme,
        "nonlinearity": nonlinearity,
        "formulation": formulation,
        "chrono_tmax": chrono_tmax,
        "weight_decay": float(weight_decay),
        "momentum": float(momentum),
        "record_every": every,
        "probe_batch_size": n_probe,
        "n_symbols": spec.out if task == "first" else None,
        "engine": engine,
    }
    initial = initial_state(
        kind,
        spec,
        H,
        seed,
        scheme=scheme,
        nonlinearity=nonlinearity,
        forget_bias=forget_bias,
        update_bias=update_bias,
        chrono_tmax=chrono_tmax,
        formulation=formulation,
    )
    params = {k: v.copy() for k, v in initial.items()}
    x_probe, y_probe = probe_batch(task, T, n_probe, seed, n_symbols=n_symbols)
    dhs = np.zeros((T, N, H))
    fused = (
        FusedStep(kind, T, N, spec.D, H, nonlinearity)
        if engine == "fused" and not (kind == "gru" and formulation != "pytorch")
        else None
    )

    return _loop(
        kind, task, T, steps, truncate, spec, N, clip_, every, opt, settings, initial, params, x_probe, y_probe,
        fused, dhs, nonlinearity, formulation, seed, n_symbols,
    )  # fmt: skip


def _loop(
    kind: str,
    task: str,
    T: int,
    steps: int,
    truncate: int | None,
    spec: TaskSpec,
    N: int,
    clip_: tuple[str, float] | None,
    every: int,
    opt: SGD | Adam,
    settings: dict[str, Any],
    initial: dict[str, Array],
    params: dict[str, Array],
    x_probe: Array,
    y_probe: Array,
    fused: FusedStep | None,
    dhs: Array,
    nonlinearity: str,
    formulation: str,
    seed: int,
    n_symbols: int,
) -> Iterator[TrainingRun]:
    """The training loop of :func:`train_iter` (arguments already checked)."""
    loss = np.empty(steps)
    metric = np.empty(steps)
    gnorm = np.empty(steps)
    checkpoints: list[int] = []
    flows: list[Array] = []
    probe_losses: list[float] = []
    seconds = 0.0
    start = time.perf_counter()

    def snapshot(done: int, status: str) -> TrainingRun:
        return TrainingRun(
            kind=kind,
            task=task,
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
        )

    probe = None if fused is None else FusedStep(kind, T, x_probe.shape[1], spec.D, fused.H, nonlinearity)

    def checkpoint(done: int) -> None:
        row, probe_loss = _probe_flow(params, x_probe, y_probe, spec, kind, nonlinearity, formulation, probe)
        checkpoints.append(done)
        flows.append(row)
        probe_losses.append(probe_loss)

    checkpoint(0)
    seconds = time.perf_counter() - start
    yield snapshot(0, "running")
    for s in range(steps):
        start = time.perf_counter()
        x, y = task_batch(task, T, N, seed, s, n_symbols=n_symbols)
        with np.errstate(over="ignore", invalid="ignore"):
            if fused is not None:
                result = _fused_loss_and_grads(fused, params, x, y, spec, truncate)
            else:
                result = loss_and_grads(
                    params,
                    x,
                    y,
                    spec,
                    kind,
                    nonlinearity=nonlinearity,
                    formulation=formulation,
                    truncate=truncate,
                    dhs=dhs,
                )
            loss[s], metric[s] = result.loss, result.metric
            gnorm[s] = clip_grads_(result.grads, clip_)
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


def train(
    kind: str,
    task: str,
    T: int,
    H: int,
    steps: int,
    seed: int,
    *,
    batch: int,
    optimizer: str,
    lr: float,
    clip: tuple[str, float] | None = None,
    truncate: int | None = None,
    forget_bias: float = 0.0,
    update_bias: float = 0.0,
    scheme: str = "pytorch",
    nonlinearity: str = "tanh",
    formulation: str = "pytorch",
    chrono_tmax: float | None = None,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    record_every: int | None = None,
    probe_batch_size: int = 64,
    n_symbols: int = DEFAULT_SYMBOLS,
    engine: str = "fused",
) -> TrainingRun:
    """Train a ``kind`` layer ("rnn", "lstm", "gru") of H units and a linear readout on ``task`` ("adding",
    "first") at lag ``T`` for ``steps`` steps of ``batch`` sequences; returns the finished :class:`TrainingRun`.

    ``optimizer`` "sgd" or "adam" (PyTorch's, see optim.py) at learning rate ``lr``, with ``weight_decay`` (L2 in
    the gradient, as torch) and ``momentum`` (SGD). ``clip``: None, ``("norm", v)`` (clip_grad_norm_ over every
    parameter) or ``("value", v)`` (clip_grad_value_). ``truncate=k``: truncated BPTT, the gradient cut at
    t = k, 2k, … The layer is ``rc.init_layer(kind, D, H, seed, scheme=…, nonlinearity=…, forget_bias=…,
    update_bias=…, chrono_tmax=…, formulation=…)``; options of another kind raise ValueError.
    """
    run: TrainingRun | None = None
    for run in train_iter(  # noqa: B007 (the last snapshot is the run)
        kind,
        task,
        T,
        H,
        steps,
        seed,
        batch=batch,
        optimizer=optimizer,
        lr=lr,
        clip=clip,
        truncate=truncate,
        forget_bias=forget_bias,
        update_bias=update_bias,
        scheme=scheme,
        nonlinearity=nonlinearity,
        formulation=formulation,
        chrono_tmax=chrono_tmax,
        weight_decay=weight_decay,
        momentum=momentum,
        record_every=record_every,
        probe_batch_size=probe_batch_size,
        n_symbols=n_symbols,
        engine=engine,
    ):
        pass
    assert run is not None
    return run


def lab_settings(kind: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`train` for ``kind`` at :data:`LAB_DEFAULTS` (the kind's gate bias included),
    with ``overrides`` applied. ``train(kind, seed=0, **lab_settings(kind))``."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {tuple(KINDS)}, got {kind!r}")
    settings = {k: v for k, v in LAB_DEFAULTS.items() if k != "gate_bias"}
    settings.update(LAB_DEFAULTS["gate_bias"][kind])
    settings.update(overrides)
    return settings


# ------------------------------------------------------------------------------------------------ files
def save_state(state: Mapping[str, Array], path: str | os.PathLike[str]) -> Path:
    """Write a state dict (PyTorch names to arrays) to ``path``: ``.npz`` (``np.savez``, no pickle) or
    ``.safetensors``, by its suffix (``rc.save_weights`` does the writing)."""
    path = Path(path)
    if path.suffix not in (".npz", ".safetensors"):
        raise ValueError(f"path: expected a .npz or .safetensors file name, got {str(path)!r}")
    save_weights({k: np.asarray(v, dtype=np.float64) for k, v in state.items()}, path)
    return path


def save_run(run: TrainingRun, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write a run to ``directory``: ``curves.csv`` (step, loss, metric, grad_norm), ``flow.csv`` (step, t,
    log10 ‖∂L/∂h_t‖), ``run.json`` (settings and summary), and the state dicts ``initial`` and ``final`` as both
    ``.npz`` and ``.safetensors`` (either loads into PyTorch's ``load_state_dict`` and on the "Your model" page)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = (
        "curves.csv",
        "flow.csv",
        "run.json",
        "initial.npz",
        "final.npz",
        "initial.safetensors",
        "final.safetensors",
    )
    files = {name: out / name for name in names}
    with open(files["curves.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "loss", "metric", "grad_norm"])
        for s in range(run.steps_done):
            writer.writerow([s, repr(float(run.loss[s])), repr(float(run.metric[s])), repr(float(run.grad_norm[s]))])
    with open(files["flow.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "t", "log10_dh", "probe_loss"])
        for c, step in enumerate(run.checkpoints):
            for t, value in enumerate(run.flow[c]):
                writer.writerow([int(step), t, repr(float(value)), repr(float(run.probe_loss[c]))])
    summary = {
        "settings": run.settings,
        "steps_done": run.steps_done,
        "status": run.status,
        "seconds": run.seconds,
        "steps_per_second": run.steps_per_second,
        "baseline": run.baseline,
        "metric_name": run.metric_name,
        "final_loss_last_50": run.final_loss(50),
        "final_metric_last_50": float(np.mean(run.metric[-50:])) if run.steps_done else None,
    }
    files["run.json"].write_text(json.dumps(summary, indent=2, allow_nan=True) + "\n")
    for which, state in (("initial", run.initial), ("final", run.final)):
        for suffix in (".npz", ".safetensors"):
            save_state(state, files[which + suffix])
    return files


# ------------------------------------------------------------------------------------------------ command line
def _parser() -> argparse.ArgumentParser:
    d = LAB_DEFAULTS
    p = argparse.ArgumentParser(
        prog="python -m recurrent_core.train",
        description="Train an RNN, LSTM or GRU and a linear readout on a long-lag task (NumPy, exact BPTT).",
    )
    p.add_argument("--kind", choices=tuple(KINDS), default="lstm")
    p.add_argument("--task", choices=TASKS, default=d["task"])
    p.add_argument("--T", type=int, default=d["T"], help="sequence length (the lag)")
    p.add_argument("--H", type=int, default=d["H"], help="hidden units")
    p.add_argument("--batch", type=int, default=d["batch"])
    p.add_argument("--steps", type=int, default=d["steps"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d["optimizer"])
    p.add_argument("--lr", type=float, default=d["lr"])
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--momentum", type=float, default=0.0, help="SGD only")
    clip = d["clip"]
    p.add_argument("--clip-norm", type=float, default=clip[1] if clip and clip[0] == "norm" else None)
    p.add_argument("--clip-value", type=float, default=None, help="clip each element instead of the norm")
    p.add_argument("--no-clip", action="store_true")
    p.add_argument("--truncate", type=int, default=d["truncate"], help="truncated BPTT every k steps")
    p.add_argument("--forget-bias", type=float, default=None, help="LSTM (default: the lab's)")
    p.add_argument("--update-bias", type=float, default=None, help="GRU keep-gate bias (default: the lab's)")
    p.add_argument("--scheme", default="pytorch")
    p.add_argument("--nonlinearity", choices=NONLINEARITIES, default="tanh", help="RNN only")
    p.add_argument("--formulation", choices=GRU_FORMULATIONS, default="pytorch", help="GRU only")
    p.add_argument("--n-symbols", type=int, default=DEFAULT_SYMBOLS, help="K for the 'first' task")
    p.add_argument("--record-every", type=int, default=d["record_every"])
    p.add_argument("--out", default=None, help="directory for curves.csv, flow.csv, run.json, *.npz")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m recurrent_core.train --kind lstm --task adding --T 100 …``: train, print progress, save."""
    args = _parser().parse_args(argv)
    gate = dict(LAB_DEFAULTS["gate_bias"][args.kind])
    if args.forget_bias is not None:
        gate["forget_bias"] = args.forget_bias
    if args.update_bias is not None:
        gate["update_bias"] = args.update_bias
    if args.no_clip:
        clip = None
    elif args.clip_value is not None:
        clip = ("value", args.clip_value)
    elif args.clip_norm is not None:
        clip = ("norm", args.clip_norm)
    else:
        clip = None
    record_every = min(args.record_every, args.steps) if args.steps >= 1 else args.record_every
    try:
        runs = train_iter(
            args.kind,
            args.task,
            args.T,
            args.H,
            args.steps,
            args.seed,
            batch=args.batch,
            optimizer=args.optimizer,
            lr=args.lr,
            clip=clip,
            truncate=args.truncate,
            scheme=args.scheme,
            nonlinearity=args.nonlinearity,
            formulation=args.formulation,
            weight_decay=args.weight_decay,
            momentum=args.momentum,
            record_every=record_every,
            n_symbols=args.n_symbols,
            **gate,
        )
        run = None
        for run in runs:
            if not args.quiet and run.steps_done > 0:
                window = min(run.steps_done, 50)
                recent = float(np.mean(run.loss[-window:]))
                print(
                    f"step {run.steps_done:>6}/{run.steps}  loss {recent:.4f} ({recent / run.baseline:.3f}× baseline)"
                    f"  {run.metric_name} {float(np.mean(run.metric[-window:])):.3f}"
                    f"  log10‖∂L/∂h_1‖ {run.flow[-1, 0]:.2f}  {run.steps_per_second:.0f} steps/s",
                    flush=True,
                )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    assert run is not None
    print(
        f"{run.status}: {run.steps_done} steps in {run.seconds:.1f} s ({run.steps_per_second:.0f} steps/s); "
        f"mean loss of the last 50 steps {run.final_loss(50):.4f}, baseline {run.baseline:.4f}"
    )
    if args.out is not None:
        files = save_run(run, args.out)
        print("wrote " + ", ".join(str(p) for p in files.values()))
    return 0
