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


def configure() -> None:
    """Idempotent: the app's entry point calls it on every run; only the first call does anything."""
    global _done, _blas_limit
    with _lock:
        if _done:
            return
        from threadpoolctl import threadpool_limits

        from recurrent_core.cells import warmup

        from .. import compat

        # the backward's per-step products are small: OpenBLAS's thread hand-off costs more than it saves
        # ((6, 1024) × (1024, 256) took ~10× longer on two threads); the limit is process-wide, set once
        _blas_limit = threadpool_limits(limits=1, user_api="blas")
        tune_malloc()
        compat.install()

        # numba's compiled loops (recurrent_core/cells/_compiled.py), compiled or read from its disk cache away
        # from the readers; they bring SciPy's OpenBLAS, limited to one thread too once loaded
        def then() -> None:  # on the warm-up's thread: BLAS limited, then Theory's reference study
            threadpool_limits(limits=1, user_api="blas")
            _prepare_constants()

        warmup.warm_up_in_background(then=then)
        _done = True


def _prepare_constants() -> None:
    """Theory's reference study (1120 short runs, ~2 s of CPU), computed at start rather than for its first reader."""
    try:
        from ..theory import cached

        cached.relu_vs_tanh()
    except Exception:  # the page computes it on its first visit then; never the server's problem
        logging.getLogger(__name__).exception("preparing the Theory page's reference study failed")


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
