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
# pages run NumPy's loops, lab runs train compiled. Loading numba costs each server process ~140 MB (346 MB warm
# against 202), which a small server (Community Cloud: ~1 GB) keeps for its sessions; at the defaults the pages are
# no faster compiled (30 students: p95 1.85 s against 1.73-1.78). At T = 1000, H = 256 they are, since the compiled
# loops run without the GIL beside the interpreter's other work: 30 students p95 6.8-7.0 s at 521-528 MB against
# 10.2-10.9 s at 380-383 MB (benchmarks/class_results.md, session 6); RC_BACKEND=auto chooses that. A lab run trains
# 2-3x faster compiled (benchmarks/training_results.md).
PAGES_BACKEND, LAB_BACKEND = "numpy", "auto"
_lab_backend: str | None = None


def lab_backend() -> str | None:
    """The backend lab runs train with in this server (``backend.in_thread``); None: the process's own."""
    return _lab_backend


def backends(rc_backend: str | None) -> tuple[str | None, str | None]:
    """(the pages', the lab runs') backend for this value of RC_BACKEND; None: whatever RC_BACKEND says."""
    if rc_backend is None or not rc_backend.strip():
        return PAGES_BACKEND, LAB_BACKEND
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
        pages, _lab_backend = backends(os.environ.get("RC_BACKEND"))
        if pages is not None:
            backend.use(pages)
            # numba's disk cache filled by a child process, so that the first lab run here loads the compiled
            # loops (~1 s) instead of compiling them (~15-35 s), and this process holds no numba until then
            warmup.fill_cache_in_child()

        # with RC_BACKEND set: the loops compiled (or read from numba's disk cache) here, away from the readers;
        # they bring SciPy's OpenBLAS, limited to one thread too once loaded
        def then() -> None:
            threadpool_limits(limits=1, user_api="blas")
            if prepare is not None:
                try:
                    prepare()
                except Exception:  # the page computes it on its first visit then; never the server's problem
                    logging.getLogger(__name__).exception("preparing a page's reference data failed")

        warmup.warm_up_in_background(then=then)
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
