"""Once per server process, from app.py: BLAS on one thread, glibc's allocator told to give memory back, and
Streamlit's page-not-found dialog replaced by the app's own notice (explorer/compat.py).

Nothing here runs on import: a notebook or a test that imports ``explorer`` keeps its process as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

_lock = threading.Lock()
_done = False
_blas_limit: object | None = None

# glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8


def tune_malloc() -> bool:
    """Large arrays from mmap (returned to the system when freed) and two arenas for all the session threads: the
    server's memory then follows what it holds instead of its peak. False where glibc is not the allocator."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = [mallopt(_M_MMAP_THRESHOLD, 256 * 1024), mallopt(_M_TRIM_THRESHOLD, 1024 * 1024), mallopt(_M_ARENA_MAX, 2)]
    return all(v == 1 for v in ok)


# Who runs the core's loops in the app's server when RC_BACKEND is not set (recurrent_core/cells/backend.py): the
# compiled loops, pages and lab runs alike. They release the GIL (numba's nogil), so a heavy computation runs on one
# core while the interpreter draws other students' pages on the other: 30 students at T = 1000, H = 256 on one
# process, p95 6.2-6.4 s at 422-425 MB, against 10.1 s at 290 MB on NumPy's loops (benchmarks/class_results.md,
# session 7). Loading numba costs a process ~140 MB (LLVM and the loaded loops); GRADIENT_FLOW_PAGES_BACKEND=numpy
# keeps the pages on NumPy's loops for a server short of memory (lab runs still train compiled, 2-3x faster).
PAGES_BACKEND_VAR = "GRADIENT_FLOW_PAGES_BACKEND"
_lab_backend: str | None = None


def lab_backend() -> str | None:
    """The backend lab runs train with in this server (``backend.in_thread``); None: the process's own."""
    return _lab_backend


def backends(rc_backend: str | None, pages_backend: str | None = None) -> tuple[str | None, str | None]:
    """(the pages', the lab runs') backend for these values of RC_BACKEND and GRADIENT_FLOW_PAGES_BACKEND; None:
    whatever RC_BACKEND says (its default: compiled where numba imports)."""
    if rc_backend is not None and rc_backend.strip():
        return None, None  # set by whoever runs the server: it decides for all
    if pages_backend is not None and pages_backend.strip().lower() == "numpy":
        return "numpy", "auto"
    return None, None


def configure(prepare: Callable[[], None] | None = None) -> None:
    """Idempotent: the app's entry point calls it on every run; only the first call does anything. ``prepare``
    runs once in the background after the loops are ready (a page's fixed reference data)."""
    global _done, _blas_limit, _lab_backend
    with _lock:
        if _done:
            return
        from threadpoolctl import threadpool_limits

        from recurrent_core.cells import backend, warmup

        from .. import compat

        # the backward's per-step products are small: OpenBLAS's thread hand-off costs more than it saves
        # ((6, 1024) × (1024, 256) took ~10× longer on two threads); the limit is process-wide, set once
        _blas_limit = threadpool_limits(limits=1, user_api="blas")
        tune_malloc()
        compat.install()
        rc_backend = os.environ.get("RC_BACKEND")
        pages, _lab_backend = backends(rc_backend, os.environ.get(PAGES_BACKEND_VAR))
        if pages is not None:
            backend.use(pages)
        child = None
        if (rc_backend or "").strip().lower() != "numpy":
            # numba's disk cache filled by a child process at low priority: compiling (~15-35 s of CPU on a fresh
            # machine) holds the GIL, so not in the server; this process then loads the loops from the cache (~1 s)
            child = warmup.fill_cache_in_child()

        # the loops loaded here from the cache the child filled (or compiled here, without a child), away from the
        # readers; they bring SciPy's OpenBLAS, limited to one thread too once loaded
        def then() -> None:
            threadpool_limits(limits=1, user_api="blas")
            if prepare is not None:
                try:
                    prepare()
                except Exception:  # the page computes it on its first visit then; never the server's problem
                    logging.getLogger(__name__).exception("preparing a page's reference data failed")

        warmup.warm_up_in_background(then=then, after=child)
        _done = True


# Server-side PNG/SVG starts a Chromium (~250 MB shared among its processes) for each export. A server with little
# memory (Community Cloud: about 1 GB) keeps it for computing; the chart's camera button saves the same PNG in the
# reader's browser (the figure carries its own template and size).
SMALL_SERVER_BYTES = 2 * 1024**3
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def memory_limit_bytes() -> int | None:
    """The container's memory limit (cgroup v2 or v1), or None where there is none."""
    for path in _CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
        return None
    return None


def server_images() -> bool:
    """Whether this server renders PNG/SVG downloads: SERVER_IMAGE_EXPORT=on|off, else (auto) only when the
    container may use more than 2 GiB."""
    setting = os.environ.get("SERVER_IMAGE_EXPORT", "auto").strip().lower()
    if setting in ("on", "1", "true", "yes"):
        return True
    if setting in ("off", "0", "false", "no"):
        return False
    limit = memory_limit_bytes()
    return limit is None or limit > SMALL_SERVER_BYTES
