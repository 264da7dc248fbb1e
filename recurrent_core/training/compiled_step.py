"""The training loop's steps in one compiled call per chunk of steps (training/_compiled.py), where it can run.

:class:`CompiledRun` holds a run's parameters, gradients and optimizer buffers as flat vectors (the state dict's
arrays become views of them) and every buffer of the step, made once; :meth:`CompiledRun.run` draws the chunk's
batches in NumPy (the same generator calls as ``tasks.task_batch``: the batches are bit for bit the same) and
hands the chunk to ``train_steps``. loop.py uses it when :func:`compiled_run` gives one: the compiled loops are
on (cells/backend.py: not RC_BACKEND=numpy, numba importable, no warm-up pending) and the run takes the fused
path (``engine="fused"``, not the book's GRU); otherwise the NumPy step runs, as before.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..cells import backend, warmup
from ..cells._ops import SPLIT_MIN_MACS
from ..cells.layers import STATE_KEYS
from .config import TrainConfig
from .optim import SGD, Adam
from .tasks import _BATCH_STREAM, TaskSpec, task_spec

Array = np.ndarray
log = logging.getLogger(__name__)

CHUNK = 64  # steps per compiled call at most (their draws are held at once)
_KINDS = {"rnn": 0, "lstm": 1, "gru": 2}
_CLIPS = {None: 0, "norm": 1, "value": 2}
_SIGMOID_HALF = {"rnn": [1.0], "lstm": [0.5, 0.5, 1.0, 0.5], "gru": [0.5, 0.5, 1.0]}
_module: ModuleType | None = None
_tried = False


def kernels() -> ModuleType | None:
    """training/_compiled.py when the core's compiled loops are on (backend.kernels()), else None."""
    global _module, _tried
    if backend.kernels() is None:
        return None
    if not _tried:
        try:
            from . import _compiled

            # numba reads its disk cache on a function's first call, not on import: still in time
            cache: Any = _compiled.train_steps._cache  # type: ignore[attr-defined]  # numba's own, untyped
            _forget_stale_cache(Path(cache.cache_path))
            _module = _compiled
        except Exception as exc:  # numba present for the cells but this module failing: the NumPy step runs
            log.warning("the compiled training step is not available (%s): training runs the NumPy step", exc)
        _tried = True
    return _module


def _forget_stale_cache(cache: Path) -> None:
    """numba's disk cache of training/_compiled.py is keyed on that file alone, yet its code holds the loops of
    cells/_compiled.py it calls (numba#6845): when those change, its cached code would run the old loops. A stamp
    of the cells' file beside the cache removes the cache when that file is not the one it was built with.
    ``cache``: where numba keeps it (the package's ``__pycache__``, or under NUMBA_CACHE_DIR, or the user's)."""
    import hashlib

    cells = Path(__file__).resolve().parent.parent / "cells" / "_compiled.py"
    try:
        stamp = hashlib.sha256(cells.read_bytes()).hexdigest()
        mark = cache / "_compiled.cells-stamp"
        if mark.exists() and mark.read_text() == stamp:
            return
        for old in cache.glob("_compiled.*.nb[ic]"):
            old.unlink()
        cache.mkdir(parents=True, exist_ok=True)
        mark.write_text(stamp)
    except OSError:  # a read-only install: numba then keeps no cache there either
        pass


@warmup.also_warm
def _warm_up() -> None:
    """One tiny run through the compiled step: one signature of ``train_steps`` serves every kind, task and
    option (they are values, not types), so this compiles (or loads) all of it."""
    config = TrainConfig("rnn", "adding", 2, 1, 1, 0, batch=1, optimizer="adam", lr=0.01)
    shapes = {"weight_ih_l0": (1, 2), "weight_hh_l0": (1, 1), "bias_ih_l0": (1,), "bias_hh_l0": (1,)}
    params = {**{key: np.full(shape, 0.5) for key, shape in shapes.items()}, "fc.weight": np.ones((1, 1))}
    params["fc.bias"] = np.zeros(1)
    run = compiled_run(config, task_spec("adding"), Adam(0.01), params)
    if run is not None:
        run.run(0, 1, np.empty(1), np.empty(1), np.empty(1))


def supports(config: TrainConfig) -> bool:
    """Whether the compiled step runs this configuration (the fused path: not engine="bptt", not the book's GRU)."""
    return config.engine == "fused" and not (config.kind == "gru" and config.formulation != "pytorch")


def compiled_run(config: TrainConfig, spec: TaskSpec, opt: SGD | Adam, params: dict[str, Array]) -> CompiledRun | None:
    """A :class:`CompiledRun` over ``params`` (its arrays replaced by views of one flat vector, same values), or
    None: the NumPy step runs."""
    if not supports(config):
        return None
    module = kernels()
    if module is None:
        return None
    return CompiledRun(module, config, spec, opt, params)


def _zeros(shape: tuple[int, ...] | None) -> Array:
    return np.zeros(shape if shape is not None else (1, 1, 1))


class CompiledRun:
    """One run's state for ``_compiled.train_steps``: see the module docstring."""

    def __init__(
        self, module: ModuleType, config: TrainConfig, spec: TaskSpec, opt: SGD | Adam, params: dict[str, Array]
    ) -> None:
        c = self.config = config
        self.module, self.spec, self.opt = module, spec, opt
        T, N, D, H = c.T, c.batch, spec.D, c.H
        k = {"rnn": 1, "lstm": 4, "gru": 3}[c.kind] * H
        keys = [*STATE_KEYS, "fc.weight", "fc.bias"]
        assert list(params) == keys, list(params)
        sizes = [params[key].size for key in keys]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = int(self.offsets[-1])
        self.P, self.G, self.M, self.V = np.empty(n), np.zeros(n), np.zeros(n), np.zeros(n)

        def views(flat: Array) -> dict[str, Array]:
            return {
                key: flat[self.offsets[i] : self.offsets[i + 1]].reshape(params[key].shape)
                for i, key in enumerate(keys)
            }

        self.param_views, self.grad_views = views(self.P), views(self.G)
        for key in keys:
            self.param_views[key][...] = params[key]
            params[key] = self.param_views[key]
        # the optimizer's own buffers are views of M (and V) too, so that it shows the run's state
        if isinstance(opt, Adam):
            opt.m, opt.v = views(self.M), views(self.V)
            opt._scratch = {key: np.empty_like(p) for key, p in params.items()}
        self.momentum_started = False
        self.cut = T if c.truncate is None else c.truncate
        self.t0 = 0 if c.truncate is None else ((T - 1) // c.truncate) * c.truncate
        lstm, gru = c.kind == "lstm", c.kind == "gru"
        blocks = {"rnn": 1, "lstm": 4, "gru": 3}[c.kind]
        split = blocks > 1 and N * H * k > SPLIT_MIN_MACS  # _ops.column_blocks / row_blocks
        self.bufs: dict[str, Array] = {
            "x": np.empty((T, N, D)),
            "y": np.zeros((N, spec.out)),
            "labels": np.zeros(N, dtype=np.int64),
            "half": np.repeat(_SIGMOID_HALF[c.kind], H),
            "Wi_s": np.empty((k, D)),
            "WhT": np.empty((H, k)),
            "fparts": np.empty((blocks, H, H)) if split else np.empty((0, 1, 1)),
            "bparts": np.empty((blocks, H, H)) if split else np.empty((0, 1, 1)),
            "b_in": np.empty(k),
            "gates": _zeros((T, N, k) if c.kind != "rnn" else None),
            "h_all": np.zeros((T + 1, N, H)),
            "c_all": _zeros((T + 1, N, H) if lstm else None),
            "tanh_c": _zeros((T, N, H) if lstm else None),
            "hh_n": _zeros((T, N, H) if gru else None),
            "dhs": np.zeros((T, N, H)),
            "dh_all": np.zeros((T, N, H)),
            "dc_all": _zeros((T, N, H) if lstm else None),
            "dgi": np.zeros((T, N, k)),
            "dgh": _zeros((T, N, k) if gru else None),
            "dh0": np.zeros((N, H)),
            "dc0": np.zeros((N, H)),
            "dout": np.empty((N, spec.out)),
        }
        if not gru:
            self.bufs["dgh"] = self.bufs["dgi"]
        ce = spec.loss_name == "cross_entropy"
        self.draws = {
            "u": np.empty((CHUNK, T, N) if not ce else (1, 1, 1)),
            "first": np.zeros((CHUNK, N) if not ce else (1, 1), dtype=np.int64),
            "second": np.zeros((CHUNK, N) if not ce else (1, 1), dtype=np.int64),
            "symbols": np.zeros((CHUNK, T, N) if ce else (1, 1, 1), dtype=np.int64),
        }

    def draw(self, first_step: int, count: int) -> None:
        """The draws of batches ``first_step`` … + count - 1: tasks._draw's generator calls, in its order."""
        c, d = self.config, self.draws
        T, N = c.T, c.batch
        for i in range(count):
            rng = np.random.default_rng([_BATCH_STREAM, c.seed, first_step + i])
            if self.spec.loss_name == "cross_entropy":
                d["symbols"][i] = rng.integers(0, c.n_symbols, (T, N))
            else:
                d["u"][i] = rng.random((T, N))
                d["first"][i] = rng.integers(0, T // 2, N)
                d["second"][i] = rng.integers(T // 2, T, N)

    def run(self, first_step: int, count: int, loss: Array, metric: Array, gnorm: Array) -> tuple[int, int]:
        """Steps ``first_step`` … + count - 1 (count ≤ CHUNK); loss, metric, gnorm (the run's arrays) receive
        theirs. Returns ``_compiled.train_steps``'s (steps done, status)."""
        assert 0 < count <= CHUNK
        self.draw(first_step, count)
        c, opt, b, d = self.config, self.opt, self.bufs, self.draws
        window = slice(first_step, first_step + count)
        adam = isinstance(opt, Adam)
        if isinstance(opt, Adam):
            pairs = [opt.coefficients(opt.t + 1 + i) for i in range(count)]
            step_sizes = np.array([p[0] for p in pairs])
            bias2_sqrts = np.array([p[1] for p in pairs])
            beta1, beta2, eps, momentum = opt.beta1, opt.beta2, opt.eps, 0.0
        else:
            assert isinstance(opt, SGD)
            step_sizes = bias2_sqrts = np.zeros(count)
            beta1 = beta2 = eps = 0.0
            momentum = opt.momentum
        p, g = self.param_views, self.grad_views
        clip: Any = c.clip
        done, status = self.module.train_steps(
            _KINDS[c.kind], c.nonlinearity == "relu", self.spec.loss_name == "cross_entropy",
            d["u"], d["first"], d["second"], d["symbols"],
            *(p[key] for key in p), *(g[key] for key in g), self.P, self.G, self.M, self.V, self.offsets,
            self.cut, self.t0, _CLIPS[None if clip is None else clip[0]], 0.0 if clip is None else float(clip[1]),
            1 if adam else 0, opt.lr, opt.weight_decay, momentum, self.momentum_started, beta1, beta2, eps,
            step_sizes, bias2_sqrts,
            b["x"], b["y"], b["labels"], b["half"], b["Wi_s"], b["WhT"], b["fparts"], b["bparts"], b["b_in"],
            b["gates"], b["h_all"], b["c_all"], b["tanh_c"], b["hh_n"], b["dhs"], b["dh_all"], b["dc_all"],
            b["dgi"], b["dgh"], b["dh0"], b["dc0"], b["dout"], loss[window], metric[window], gnorm[window],
        )  # fmt: skip
        updated = done + (1 if status == 2 else 0)
        if isinstance(opt, Adam):
            opt.t += updated
        elif updated and momentum != 0:
            self.momentum_started = True
            opt.buffers = {  # SGD's momentum buffers: views of M, as Adam's m
                key: self.M[self.offsets[i] : self.offsets[i + 1]].reshape(v.shape)
                for i, (key, v) in enumerate(p.items())
            }
        return done, status
