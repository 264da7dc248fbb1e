"""The training lab without Streamlit: its settings, a scheduler that runs trainings one per core in a FIFO queue,
the shared state of a run, the tidy frames its charts draw, and the "reach" of the gradient per checkpoint.

A :class:`Job` trains the RNN, the LSTM and the GRU in turn on the same task and batches (``rc.train_iter``) in a
worker thread and keeps the latest snapshot of each kind under a lock; pages read it with :meth:`Job.view`.
Identical settings share one job (queued, running, or finished and kept in a byte-bounded ``ResultCache``). At
most ``max_parallel`` jobs train at once (``LAB_MAX_PARALLEL``, default 1, capped by the number of cores); the
others wait in line and know their position. A job whose watchers all stopped polling for ``abandon_after``
seconds (a closed tab) stops, as does one whose Stop button was pressed: what was trained is kept.
Memory per run: one tape (T·batch·H) per step inside ``rc.train_iter``, the per-step curves and the flow per
checkpoint; no weight history.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc
from recurrent_core.cells import backend as loops

from ..shared import process
from ..shared.controls import LabControls
from ..shared.kinds import KINDS
from ..shared.work import ResultCache, size_of

WINDOW = 50  # one window for the curves' running mean and the readings' final loss and metric (the last 50 steps)
REACH_DECADES = 3.0  # "reach": steps back while ‖∂L/∂h‖ stays above 10⁻³ of its value at the loss
ABANDON_SECONDS = 10.0
CACHE_BYTES = 24 * 1024 * 1024
FINAL = ("done", "stopped", "failed")
TRAIN_FIELDS = frozenset(f.name for f in fields(rc.TrainConfig))


@dataclass(frozen=True)
class LabSettings(LabControls):
    """One lab run: the page's controls (named as ``rc.TrainConfig`` names them, with its lab defaults) and how
    often to record the flow. Hashable: the cache key."""

    record_every: int = 0  # 0: about 40 checkpoints
    kinds: tuple[str, ...] = KINDS  # which models train (a comparison run trains only the one it compares)

    @classmethod
    def from_view(cls, c: LabControls) -> LabSettings:
        """The lab's settings from the page's own controls (already validated; the same names)."""
        return cls(**{f.name: getattr(c, f.name) for f in fields(c)})

    @property
    def every(self) -> int:
        return self.record_every or max(1, self.steps // 40)

    def config(self, kind: str) -> rc.TrainConfig:
        """The run of ``kind``: every field that ``rc.TrainConfig`` shares with these settings by name, the
        clipping as one option, a block as long as T as full BPTT, and each gate bias only where it applies."""
        shared = {f.name: getattr(self, f.name) for f in fields(self) if f.name in TRAIN_FIELDS}
        gate_bias = {"lstm": "forget_bias", "gru": "update_bias"}
        for kind_of, name in gate_bias.items():
            if kind != kind_of:
                shared.pop(name)
        if kind != "rnn":
            shared.pop("nonlinearity")
        return rc.TrainConfig.from_mapping(
            {
                **shared,
                "kind": kind,
                "clip": None if self.clip == "none" else (self.clip, self.clip_at),
                "truncate": self.truncate if 0 < self.truncate < self.T else None,
                "record_every": self.every,
            }
        )

    def train_kwargs(self, kind: str) -> dict[str, Any]:
        """Keyword arguments of ``rc.train_iter`` for ``kind``: ``self.config(kind).kwargs()``."""
        return self.config(kind).kwargs()

    def subtitle(self) -> dict[str, Any]:
        """The few settings a figure's subtitle names (the CSV header and file names carry the rest)."""
        return {"task": self.task, "T": self.T, "H": self.H, "batch": self.batch, "seed": self.seed}

    def caption(self) -> dict[str, Any]:
        """The settings as a figure subtitle and CSV header show them."""
        d = asdict(self)
        d.pop("record_every")
        d.pop("kinds")
        return d


def is_default(s: LabSettings) -> bool:
    """True for the run chosen by the sweep (rc.LAB_DEFAULTS, seed 0)."""
    return s == LabSettings()


def is_irnn(s: LabSettings) -> bool:
    """The RNN of these settings is an IRNN: ReLU with W_hh = I at init (Le et al. 2015)."""
    return s.nonlinearity == "relu" and s.scheme == "identity"


def references(s: LabSettings) -> dict[str, LabSettings]:
    """The runs a reading compares this one with, trained beside it: ``"decay"``, the same settings at weight decay
    0 (when it is not 0); ``"tanh"``, the tanh RNN at PyTorch's init on the same task, lag, sizes, batches, learning
    rate and steps (when this RNN is an IRNN; the RNN alone)."""
    out: dict[str, LabSettings] = {}
    if s.weight_decay > 0:
        out["decay"] = replace(s, weight_decay=0.0)
    if is_irnn(s) and "rnn" in s.kinds:
        out["tanh"] = replace(s, nonlinearity="tanh", scheme="pytorch", kinds=("rnn",))
    return out


# ----------------------------------------------------------------------------------------------- jobs and queue
@dataclass(frozen=True)
class JobView:
    """A consistent copy of a job's state for drawing: the latest snapshot per kind trained so far."""

    settings: LabSettings
    state: str  # "queued", "running", "done", "stopped", "failed"
    position: int  # 0 when running or finished; n ≥ 1: n-th in line
    runs: dict[str, rc.TrainingRun]
    current: str | None  # the kind training now
    steps_done: int  # over all kinds
    steps_total: int
    steps_per_second: float
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in FINAL

    @property
    def fraction(self) -> float:
        return min(1.0, self.steps_done / self.steps_total) if self.steps_total else 0.0


class Job:
    """One lab run (three kinds in turn), shared by every session that asked for the same settings."""

    def __init__(self, settings: LabSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.state = "queued"
        self.error = ""
        self.runs: dict[str, rc.TrainingRun] = {}
        self.current: str | None = None
        self.train_seconds = 0.0
        self._clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watchers: dict[str, float] = {}
        self.thread: threading.Thread | None = None
        self.scheduler: Scheduler | None = None

    def __sizeof__(self) -> int:
        """Bytes held (what the byte-bounded cache counts): the snapshots' arrays and state dicts."""
        with self._lock:
            runs = dict(self.runs)
        return object.__sizeof__(self) + size_of(runs)

    # --------------------------------------------------------------------------- the page's side
    def poll(self, watcher: str = "") -> None:
        """A session still shows this job (call on each redraw)."""
        with self._lock:
            self._watchers[watcher] = self._clock()

    def stop(self) -> None:
        """Stop training; what was trained so far is kept."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def abandoned(self, after: float) -> bool:
        """True once every watcher has been silent for ``after`` seconds."""
        with self._lock:
            last = max(self._watchers.values(), default=None)
        return last is not None and self._clock() - last > after

    def view(self) -> JobView:
        with self._lock:
            runs = dict(self.runs)
            state, current, error = self.state, self.current, self.error
        done = sum(r.steps_done for r in runs.values())
        seconds = sum(r.seconds for r in runs.values())
        position = self.scheduler.position(self) if self.scheduler is not None and state == "queued" else 0
        return JobView(
            settings=self.settings,
            state=state,
            position=position,
            runs=runs,
            current=current,
            steps_done=done,
            steps_total=self.settings.steps * len(self.settings.kinds),
            steps_per_second=done / seconds if seconds > 0 else float("nan"),
            error=error,
        )

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread to end; True if it has."""
        thread = self.thread
        if thread is None:
            return self.state in FINAL
        thread.join(timeout)
        return not thread.is_alive()

    # --------------------------------------------------------------------------- the worker's side
    def _set(self, **values: Any) -> None:
        with self._lock:
            for k, v in values.items():
                setattr(self, k, v)

    def _store(self, kind: str, run: rc.TrainingRun) -> None:
        with self._lock:
            self.runs[kind] = run

    def train(self, should_stop: Callable[[], bool], iterate: Callable[..., Iterator[rc.TrainingRun]]) -> None:
        """Train each kind in turn, storing each snapshot, until done or ``should_stop()``."""
        for kind in self.settings.kinds:
            if should_stop():
                return
            self._set(current=kind)
            for snapshot in iterate(**self.settings.train_kwargs(kind)):
                self._store(kind, snapshot)
                if should_stop():
                    return
        self._set(current=None)


def max_parallel_default() -> int:
    """``LAB_MAX_PARALLEL`` (default 1: a small server), never more than the number of cores."""
    cores = os.cpu_count() or 1
    try:
        wanted = int(os.environ.get("LAB_MAX_PARALLEL", "1"))
    except ValueError:
        wanted = 1
    return max(1, min(wanted, cores))


@dataclass
class Scheduler:
    """At most ``max_parallel`` jobs train at once; the others wait in a first-in, first-out line."""

    max_parallel: int = field(default_factory=max_parallel_default)
    cache: ResultCache = field(default_factory=lambda: ResultCache(CACHE_BYTES))
    abandon_after: float = ABANDON_SECONDS
    iterate: Callable[..., Iterator[rc.TrainingRun]] = rc.train_iter
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._line: list[Job] = []  # waiting, in order
        self._running: list[Job] = []
        self._jobs: dict[LabSettings, Job] = {}  # queued or running

    # ------------------------------------------------------------------ asking
    def find(self, settings: LabSettings) -> Job | None:
        """The job for ``settings``: live (queued or running), or finished and cached; None if there is none."""
        with self._cond:
            job = self._jobs.get(settings)
        if job is not None:
            return job
        found, cached = self.cache.get(settings)
        return cached if found else None

    def submit(self, settings: LabSettings, watcher: str = "") -> Job:
        """The job for ``settings``: an existing one (shared), or a new one put in line and started."""
        with self._cond:
            job = self._jobs.get(settings)
            if job is None:
                found, cached = self.cache.get(settings)
                if found:
                    return cached  # type: ignore[no-any-return]
                job = Job(settings, self.clock)
                job.scheduler = self
                job.poll(watcher)
                self._jobs[settings] = job
                self._line.append(job)
                job.thread = threading.Thread(target=self._work, args=(job,), name="lab-job", daemon=True)
                job.thread.start()
            else:
                job.poll(watcher)
            return job

    def position(self, job: Job) -> int:
        """1 for the first in line, 2 for the next, …; 0 when not waiting."""
        with self._cond:
            return self._line.index(job) + 1 if job in self._line else 0

    def waiting(self) -> int:
        with self._cond:
            return len(self._line)

    def running(self) -> int:
        with self._cond:
            return len(self._running)

    def live_jobs(self) -> list[Job]:
        with self._cond:
            return list(self._jobs.values())

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every live job and wait for their threads (tests)."""
        jobs = self.live_jobs()
        for job in jobs:
            job.stop()
        with self._cond:
            self._cond.notify_all()
        for job in jobs:
            job.wait(timeout)

    # ------------------------------------------------------------------ the worker thread
    def _should_stop(self, job: Job) -> bool:
        return job.stopping or job.abandoned(self.abandon_after)

    def _work(self, job: Job) -> None:
        with self._cond:
            while not (self._line[0] is job and len(self._running) < self.max_parallel):
                if self._should_stop(job):
                    self._line.remove(job)
                    self._jobs.pop(job.settings, None)
                    job._set(state="stopped")
                    self._cond.notify_all()
                    return
                self._cond.wait(0.2)
            self._line.pop(0)
            self._running.append(job)
            self._cond.notify_all()
        job._set(state="running")
        state, error = "done", ""
        try:
            with loops.in_thread(process.lab_backend()):  # compiled here even where the pages run NumPy's loops
                job.train(lambda: self._should_stop(job), self.iterate)
            if self._should_stop(job):
                state = "stopped"
        except Exception as exc:  # a bad combination the core refuses: shown on the page, never a crash
            state, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job._set(state=state, error=error, current=None)
            with self._cond:
                self._running.remove(job)
                self._jobs.pop(job.settings, None)
                if state == "done":
                    self.cache.put(job.settings, job)
                self._cond.notify_all()


SCHEDULER = Scheduler()


# ------------------------------------------------------------------------------------------------ frames
def curves_frame(runs: Mapping[str, rc.TrainingRun], smooth: int = WINDOW) -> pd.DataFrame:
    """Per kind and step: ``loss``, ``metric``, ``grad_norm`` and the loss's running mean over ``smooth`` steps (its
    last value is the final loss the readings speak of)."""
    parts = []
    for kind, run in runs.items():
        n = run.steps_done
        loss = np.asarray(run.loss[:n], dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "step": np.arange(n),
                    "loss": loss,
                    "loss_smooth": pd.Series(loss).rolling(smooth, min_periods=1).mean().to_numpy(),
                    "metric": np.asarray(run.metric[:n], dtype=float),
                    "grad_norm": np.asarray(run.grad_norm[:n], dtype=float),
                }
            )
        )
    columns = ["kind", "step", "loss", "loss_smooth", "metric", "grad_norm"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def flow_frame(run: rc.TrainingRun) -> pd.DataFrame:
    """Per checkpoint and time step: ``log10_norm`` = log10 ‖∂L/∂h_t‖ on the probe batch (``back`` = T - t) and
    ``log10_rel``, the same over its value at the loss (t = T). The run's T columns are h_1 … h_T, numbered
    t = 1 … T as on the other pages (whose t = 0 is h_0, which the lab does not record)."""
    flow = np.asarray(run.flow, dtype=float)
    C, T = flow.shape if flow.ndim == 2 else (0, 0)
    steps = np.repeat(np.asarray(run.checkpoints, dtype=int)[:C], T)
    t = np.tile(np.arange(1, T + 1), C)
    at_loss = np.repeat(flow[:, -1], T) if C else np.zeros(0)
    with np.errstate(invalid="ignore"):
        rel = flow.reshape(-1) - at_loss
    return pd.DataFrame({"step": steps, "t": t, "back": T - t, "log10_norm": flow.reshape(-1), "log10_rel": rel})


def reach(log10_norms: np.ndarray, decades: float = REACH_DECADES) -> int:
    """How many steps back from the loss (the last entry) ‖∂L/∂h‖ stays at or above 10^-decades of its value
    there, without a dip below it in between. 0 if the value at the loss is not finite (no gradient)."""
    row = np.asarray(log10_norms, dtype=float)
    if row.size == 0 or not np.isfinite(row[-1]):
        return 0
    back = row[::-1][1:]
    ok = np.isfinite(back) & (back >= row[-1] - decades)
    below = np.flatnonzero(~ok)
    return int(below[0]) if below.size else int(back.size)


def cell_reach_frame(runs: Mapping[str, rc.TrainingRun]) -> pd.DataFrame:
    """Per LSTM and checkpoint: the ``reach`` of its memory cell's ‖∂L/∂c_t‖ (see :func:`reach`); empty without one."""
    rows = [
        {"kind": kind, "step": int(step), "reach": reach(row)}
        for kind, run in runs.items()
        if run.flow_c is not None
        for step, row in zip(run.checkpoints, np.asarray(run.flow_c, dtype=float), strict=False)
    ]
    return pd.DataFrame(rows, columns=["kind", "step", "reach"])


# ρ(W_hh) over training: the RNN's W_hh; for the gated kinds the block that feeds the new memory g (LSTM) or the
# candidate n (GRU), the one that, as the RNN's, goes through tanh (PyTorch's names W_hg, W_hn)
RHO_BLOCK = {"rnn": 0, "lstm": 2, "gru": 2}
RHO_NAME = {"rnn": "W_hh", "lstm": "W_hg", "gru": "W_hn"}


def rho_of(run: rc.TrainingRun) -> np.ndarray:
    """ρ of the run's :data:`RHO_BLOCK` per checkpoint (empty if the run kept none)."""
    if run.rho is None or len(run.rho) == 0:
        return np.zeros(0)
    return np.asarray(run.rho, dtype=float)[:, RHO_BLOCK[run.kind]]


def rho_frame(runs: Mapping[str, rc.TrainingRun]) -> pd.DataFrame:
    """Per kind and checkpoint: ``rho`` (see :func:`rho_of`) and the block's ``block`` name."""
    rows = [
        {"kind": kind, "step": int(step), "rho": float(rho), "block": RHO_NAME[kind]}
        for kind, run in runs.items()
        for step, rho in zip(run.checkpoints, rho_of(run), strict=False)
    ]
    return pd.DataFrame(rows, columns=["kind", "step", "rho", "block"])


def reach_frame(runs: Mapping[str, rc.TrainingRun]) -> pd.DataFrame:
    """Per kind and checkpoint: ``reach`` (see :func:`reach`)."""
    rows = [
        {"kind": kind, "step": int(step), "reach": reach(row)}
        for kind, run in runs.items()
        for step, row in zip(run.checkpoints, np.asarray(run.flow, dtype=float), strict=False)
    ]
    return pd.DataFrame(rows, columns=["kind", "step", "reach"])


# ------------------------------------------------------------------------------------------------ downloads
def weights_bytes(run: rc.TrainingRun, fmt: str) -> bytes:
    """The trained model (layer and readout, PyTorch's names) as a ``.safetensors`` or ``.npz`` file's bytes:
    ``rc.load_weights`` reads it, and ``nn.LSTM(...).load_state_dict`` takes its layer keys."""
    buffer = io.BytesIO()
    rc.save_weights({k: np.asarray(v, dtype=np.float64) for k, v in run.final.items()}, buffer, fmt=fmt)  # type: ignore[arg-type]
    return buffer.getvalue()
