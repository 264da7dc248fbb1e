"""Heavy work, one computation at a time, and its results kept in a cache bounded in bytes.

Many people share one small server (Community Cloud: ~1 GB, little CPU). Every view's forward and backward pass
runs under one lock, so the server's working memory holds one tape at a time whatever the number of sessions
(a second request waits in line and then finds the first one's result if it asked for the same thing). Results
are kept by key in a least-recently-used cache whose size is counted in bytes, not entries. Pure Python: the
pages call it through explorer/cached.py.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")
CACHE_BYTES = 48 * 1024 * 1024


def size_of(value: Any, _depth: int = 0) -> int:
    """Bytes a result holds: arrays and DataFrames by their buffers, containers and dataclasses recursively."""
    if _depth > 6:
        return sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return int(np.sum(value.memory_usage(deep=True, index=True)))
    if is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(size_of(getattr(value, f.name), _depth + 1) for f in fields(value))
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k, _depth + 1) + size_of(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(size_of(v, _depth + 1) for v in value)
    return sys.getsizeof(value)


class ResultCache:
    """A thread-safe LRU cache bounded by the total bytes of its values (``size_of``); a value larger than the
    whole budget is returned but not kept."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key][0]
            self.misses += 1
            return False, None

    def put(self, key: Hashable, value: Any) -> None:
        size = size_of(value)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


CACHE = ResultCache()
# One heavy computation at a time in the whole process (a queue of one); waiting callers are counted for the page.
_HEAVY = threading.Lock()
_waiting = 0
_waiting_lock = threading.Lock()


def waiting() -> int:
    """How many computations are waiting for their turn right now."""
    return _waiting


def run(key: Hashable, compute: Callable[[], T], cache: ResultCache | None = None) -> T:
    """``compute()``'s result for ``key``: from the cache, or computed under the process-wide lock and kept."""
    store = CACHE if cache is None else cache
    found, value = store.get(key)
    if found:
        return value  # type: ignore[no-any-return]
    global _waiting
    with _waiting_lock:
        _waiting += 1
    try:
        with _HEAVY:
            found, value = store.get(key)  # computed by whoever held the lock before us
            if found:
                return value  # type: ignore[no-any-return]
            result = compute()
            store.put(key, result)
            return result
    finally:
        with _waiting_lock:
            _waiting -= 1


def exclusive(compute: Callable[[], T]) -> T:
    """``compute()`` under the heavy-work lock, not cached (an image export, say)."""
    with _HEAVY:
        return compute()
