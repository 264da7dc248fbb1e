"""Who runs the per-step loops: numba's compiled loops (_compiled.py) where numba can be imported, else NumPy's.

Both give the same results to rounding (tests/test_compiled.py); ``cell.step_loop`` over each kind's NumPy
``step_back`` stays BPTT by definition. The environment variable ``RC_BACKEND`` ("auto", the default, "numba" or
"numpy") or :func:`use` chooses; "numpy" keeps every loop in NumPy (the reference, and the fallback: without numba
the core runs as before and says so once in the log).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from types import ModuleType

import numpy as np

log = logging.getLogger(__name__)

BACKENDS = ("auto", "numba", "numpy")
_lock = threading.Lock()
_forced: str | None = None  # use(); None: RC_BACKEND decides
_env: str | None = None  # RC_BACKEND, read once (every step asks; os.environ costs microseconds a lookup)
_compiled: ModuleType | None = None
_tried = False
# While a background warm-up compiles (warmup.py), every other thread runs the NumPy loops instead of waiting for
# the compiler: a server's first readers never wait for numba.
_pending = False
_local = threading.local()


def _load() -> ModuleType | None:
    """The compiled module, imported once (None when numba is missing or fails to load)."""
    global _compiled, _tried
    if _tried:
        return _compiled
    with _lock:
        if not _tried:
            try:
                from . import _compiled as module

                _compiled = module
            except Exception as exc:  # ImportError, or llvmlite failing to load on this machine
                log.warning("numba is not available (%s): the recurrent loops run in NumPy", exc)
            _tried = True
    return _compiled


def _setting() -> str:
    global _env
    if _forced is not None:
        return _forced
    if _env is None:
        name = os.environ.get("RC_BACKEND", "auto").strip().lower() or "auto"
        if name not in BACKENDS:
            log.warning("RC_BACKEND=%r is not one of %s: using 'auto'", name, BACKENDS)
            name = "auto"
        _env = name
    return _env


def kernels() -> ModuleType | None:
    """The compiled loops, or None: the NumPy loops run (RC_BACKEND=numpy, ``use("numpy")``, ``in_thread("numpy")``
    or no numba)."""
    setting = getattr(_local, "setting", None) or _setting()
    if setting == "numpy" or (_pending and not getattr(_local, "warming", False)):
        return None
    return _load()


def use(name: str | None) -> None:
    """Force a backend for this process: "numba", "numpy" or "auto"; None goes back to RC_BACKEND (read again)."""
    global _forced, _env
    if name is not None and name not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {name!r}")
    _forced, _env = name, None


@contextlib.contextmanager
def in_thread(name: str | None) -> Iterator[None]:
    """In this thread only, backend ``name`` ("numba", "numpy" or "auto") instead of the process's; None changes
    nothing. (A server whose pages run the NumPy loops can train its lab runs compiled.)"""
    if name is not None and name not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {name!r}")
    before = getattr(_local, "setting", None)
    _local.setting = name or before
    try:
        yield
    finally:
        _local.setting = before


@contextlib.contextmanager
def warming() -> Iterator[None]:
    """In this thread, the compiled loops even while a warm-up is pending (the warm-up's own calls)."""
    _local.warming = True
    try:
        yield
    finally:
        _local.warming = False


def set_pending(pending: bool) -> None:
    """Whether a background warm-up is compiling (other threads then run the NumPy loops)."""
    global _pending
    _pending = pending


def name() -> str:
    """ "numba" or "numpy": what runs the loops now."""
    return "numpy" if kernels() is None else "numba"


def c_array(a: np.ndarray) -> np.ndarray:
    """``a`` as a writeable C-contiguous float64 array (a copy only when it is not one): the compiled loops see
    one array type, so each compiles once."""
    if a.dtype == np.float64 and a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=np.float64, order="C")
