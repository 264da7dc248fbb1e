"""Compiling the loops ahead of the first real call: once per server process, in the background.

numba compiles a function on its first call (about 15 s for all of _compiled.py on this machine, 0.6 s when its disk
cache holds them); a server calls :func:`warm_up_in_background` at start so that no reader waits for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import numpy as np

from . import backend
from .bptt import bptt  # the training step (training/fused.py) calls the same loops with the same types
from .init import init_layer

log = logging.getLogger(__name__)
_MORE: list[Callable[[], None]] = []


def also_warm(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` to run in :func:`warm_up`, after the loops (for compiled code above the cells: the cells
    import nothing from the packages that use them)."""
    _MORE.append(fn)
    return fn


def warm_up() -> float:
    """Compile (or load from numba's disk cache) every loop on tiny inputs; returns the seconds it took (0.0 on
    the NumPy backend). Each kind, both GRU formulations, a hard-sigmoid gate and truncation, then what
    :func:`also_warm` registered (the compiled training step: one tiny run)."""
    with backend.warming():
        if backend.kernels() is None:
            return 0.0
        start = time.perf_counter()
        x, dhs = np.full((2, 1, 1), 0.5), np.ones((2, 1, 1))
        for kind, options in (
            ("rnn", {}),
            ("lstm", {"gate_activation": "hard_sigmoid_keras3"}),
            ("lstm", {}),
            ("gru", {}),
            ("gru", {"formulation": "dlfs2"}),
        ):
            layer = init_layer(kind, 1, 1, seed=0).replace(**options)
            bptt(layer, x, dhs)
            bptt(layer, x, dhs, truncate=1)
        for more in _MORE:  # what the packages above the cells compile (training/compiled_step.py)
            more()
        return time.perf_counter() - start


def warm_up_in_background(
    then: Callable[[], None] | None = None, after: subprocess.Popen[bytes] | None = None
) -> threading.Thread:
    """:func:`warm_up` on a daemon thread (a server calls it once at start), then ``then()``; logs how long it took.
    ``after``: the child of :func:`fill_cache_in_child`, waited for first (the loops then load from the cache it
    filled). Until it is done, other threads run the NumPy loops (backend.py) rather than wait for the compiler."""
    backend.set_pending(True)

    def run() -> None:
        try:
            if after is not None:
                after.wait()
            seconds = warm_up()
            if then is not None:
                then()
        except Exception:  # the loops then compile on their first real call; never the server's problem
            log.exception("warming up the compiled loops failed")
        else:
            log.info("recurrent loops: %s (ready after %.2f s)", backend.name(), seconds)
        finally:
            backend.set_pending(False)

    thread = threading.Thread(target=run, name="rc-warm-up", daemon=True)
    thread.start()
    return thread


def fill_cache_in_child() -> subprocess.Popen[bytes] | None:
    """:func:`warm_up` in a child process at low priority (:func:`child`): it fills
    numba's disk cache and exits, so a process that runs the NumPy loops until its first compiled call then loads
    them from the cache instead of compiling them, and holds no numba before. None when numba cannot be imported or
    GRADIENT_FLOW_WARM_CHILD=0 (the tests, which compile in their own process)."""
    if os.environ.get("GRADIENT_FLOW_WARM_CHILD", "1").strip() == "0":
        return None
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return None
    env = dict(os.environ, RC_BACKEND="auto", OPENBLAS_NUM_THREADS="1")
    try:
        return subprocess.Popen(
            # the whole package first: its packages register their compiled code (also_warm)
            [sys.executable, "-c", "import recurrent_core; from recurrent_core.cells import warmup; warmup.child()"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        log.warning("could not start the child that fills numba's cache: the first compiled call compiles")
        return None


def child() -> None:
    """The child of :func:`fill_cache_in_child`, at low priority beside the server it serves."""
    os.nice(10)
    backend.use("auto")
    print(f"warm-up: {warm_up():.2f} s", flush=True)
