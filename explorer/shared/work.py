"""Heavy work bounded in memory and CPU, each result computed once, and kept in a cache bounded in bytes.

Many people share one small server (Community Cloud: ~1 GB, little CPU). Each computation declares the bytes it
holds at its peak (``need``: the pages estimate their tapes, explorer/shared/controls.py ``tape_bytes``). It starts
when the bytes of those running plus its own fit the process budget (``BUDGET_BYTES``), so the server's working
memory stays bounded whatever the number of sessions, while independent light computations run side by side.
Heavy ones (``need`` of ``HEAVY_BYTES`` or more) also take one of ``CPU_SLOTS`` slots (one: Python's lock
serialises the core's loops, so a second CPU-bound computation at once only adds memory). A computation that
declares nothing takes the whole budget and runs alone. The line is first come, first served, except that a later
computation may start ahead of one that waits if it fits beside the room kept for it (so nothing waits forever).
A second request for a key being computed waits for that result instead of computing it again. Results are kept
by key in a least-recently-used cache whose size is counted in bytes, not entries. Pure Python: the pages call it
through explorer/*/cached.py.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from recurrent_core.cells import release_recycled

T = TypeVar("T")
CACHE_BYTES = 48 * 1024 * 1024


def size_of(value: Any, _depth: int = 0) -> int:
    """Bytes a result holds: arrays and DataFrames by their buffers, containers and dataclasses recursively."""
    if _depth > 6:
        return sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, pd.DataFrame):  # column by column: memory_usage() builds a Series (0.3 ms a call)
        return int(value.index.nbytes) + sum(_column_bytes(value[c]) for c in value.columns)
    if isinstance(value, pd.Series):
        return int(value.index.nbytes) + _column_bytes(value)
    if hasattr(value, "to_plotly_json"):  # a plotly figure: its data and layout
        return size_of(value.to_plotly_json(), _depth + 1)
    if is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(size_of(getattr(value, f.name), _depth + 1) for f in fields(value))
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k, _depth + 1) + size_of(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(size_of(v, _depth + 1) for v in value)
    return sys.getsizeof(value)


def _column_bytes(column: pd.Series) -> int:
    """A column's buffers (Arrow strings included); Python objects (an object column) counted one by one."""
    if column.dtype == object:
        return int(column.memory_usage(deep=True, index=False))
    return int(column.array.nbytes)


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
# Results that depend on no setting (Theory's reference study and its charts, one per language): few and small, kept
# apart so that a class's own results never evict them (recomputing the study takes ~2 s of the CPU slot).
CONSTANTS = ResultCache(8 * 1024 * 1024)
# Small results one page leaves for another (a kind's curve for Compare, explorer/flow/cached.py: ~24 KB at T = 1000),
# apart too: in CACHE, 30 students' heavy views (~10 MB each at T = 1000, H = 256) evicted them before their next page.
FLOWS = ResultCache(4 * 1024 * 1024)
# Bytes that running computations may hold at once: two of the largest views (MEMORY_BUDGET_BYTES, 96 MB), or
# many small ones side by side.
BUDGET_BYTES = 192 * 1024 * 1024
# From this size on a computation is CPU-bound for long enough (T = 1000, H = 256: 37 MB, 0.1-0.3 s) to take a slot.
HEAVY_BYTES = 4 * 1024 * 1024
# One slot: the core's per-step loops hold the GIL, so a second heavy computation at once takes as long as the two
# one after the other and only adds its memory (two heavy views in two threads: no less CPU, more wall time;
# benchmarks/class_results.md). GRADIENT_FLOW_CPU_SLOTS raises it where the loops run without the GIL.
CPU_SLOTS = max(1, min(int(os.environ.get("GRADIENT_FLOW_CPU_SLOTS", "1") or 1), os.cpu_count() or 1))


# Page runs at once (app.py): Python's lock runs one thread at a time anyway, and 30 runs in turn slices would each
# sit halfway, holding its results and figures (30 students at T = 1000, H = 256: 579 MB). Past this many, a page
# waits at the door, holding nothing. GRADIENT_FLOW_PAGE_SLOTS sets it.
PAGE_SLOTS = max(1, int(os.environ.get("GRADIENT_FLOW_PAGE_SLOTS", "3") or 3))


class PageSlots:
    """At most ``n`` page runs at once, the others served first come, first served (a semaphore's wake-ups are
    not: some pages waited 100 s behind later ones)."""

    def __init__(self, n: int) -> None:
        self.n, self.running = n, 0
        self._cond = threading.Condition()
        self._line: deque[object] = deque()

    def _take(self, me: object) -> bool:
        """A slot for ``me`` if it is first in line and one is free (callers hold the lock)."""
        if self._line[0] is not me or self.running >= self.n:
            return False
        self._line.popleft()
        self.running += 1
        self._cond.notify_all()  # the next in line may fit too
        return True

    @contextmanager
    def hold(self, waiting: Callable[[], None] = lambda: None, poll: float = 0.25) -> Iterator[None]:
        """Waits for a slot, calling ``waiting()`` every ``poll`` seconds meanwhile (it may raise: the place in
        line is then given up)."""
        me = object()
        with self._cond:
            self._line.append(me)
        last = time.monotonic()
        try:
            while True:
                with self._cond:
                    if self._take(me):
                        break
                    self._cond.wait(poll)
                    if self._take(me):
                        break
                if time.monotonic() - last >= poll:  # a short wait says nothing
                    waiting()
                    last = time.monotonic()
        except BaseException:
            with self._cond:
                if me in self._line:
                    self._line.remove(me)
                self._cond.notify_all()
            raise
        try:
            yield
        finally:
            with self._cond:
                self.running -= 1
                self._cond.notify_all()


PAGES = PageSlots(PAGE_SLOTS)
# Light page runs at once, in a line of their own. One: 30 students' runs sharing the interpreter's lock in 5 ms
# slices all finished late together and cost more CPU (thread switches, caches); one after the other, in order,
# most finish early. 30 students at the defaults, one process: p95 6.4-7.9 s with no line, 3.0-3.5 s with 2 at
# once, 2.5-2.8 s with 1; CPU a page 0.096 -> 0.065-0.078 s (benchmarks/class_results.md). GRADIENT_FLOW_LIGHT_SLOTS
# sets it; 0 lets every light run start at once.
LIGHT_SLOTS = max(0, int(os.environ.get("GRADIENT_FLOW_LIGHT_SLOTS", "1") or 0))
LIGHT_PAGES = PageSlots(LIGHT_SLOTS) if LIGHT_SLOTS else None


def page_slot(
    waiting: Callable[[], None] = lambda: None, poll: float = 0.25, heavy: bool = True
) -> AbstractContextManager[None]:
    """One of ``PAGE_SLOTS`` heavy page runs (``heavy``) or of ``LIGHT_SLOTS`` light ones, in order of arrival;
    ``waiting()`` every ``poll`` seconds until then (the app says so there, and Streamlit may stop a run whose
    reader left at that point)."""
    line = PAGES if heavy else LIGHT_PAGES
    return nullcontext() if line is None else line.hold(waiting, poll)


class _Ticket:
    __slots__ = ("heavy", "need")

    def __init__(self, need: int, heavy: bool) -> None:
        self.need, self.heavy = need, heavy


class Budget:
    """Admission by bytes and CPU slots (see the module's docstring): ``hold(need)`` waits for room, then holds it
    until the block ends, whatever happens inside."""

    def __init__(self, max_bytes: int = BUDGET_BYTES, cpu_slots: int = CPU_SLOTS, heavy_bytes: int = HEAVY_BYTES):
        self.max_bytes, self.cpu_slots, self.heavy_bytes = max_bytes, cpu_slots, heavy_bytes
        self._cond = threading.Condition()
        self._line: deque[_Ticket] = deque()  # waiting, in order of arrival
        self.used = 0  # bytes held by running computations
        self.heavy = 0  # heavy computations running
        self.running = 0
        self.peak = 0  # the most bytes ever held at once (tests, benchmarks)

    def waiting(self) -> int:
        """Computations running or waiting for room."""
        with self._cond:
            return self.running + len(self._line)

    def _may_start(self, ticket: _Ticket) -> bool:
        room, slots = self.max_bytes - self.used, self.cpu_slots - self.heavy
        for t in self._line:
            fits = t.need <= room and (not t.heavy or slots > 0)
            if t is ticket:
                return fits
            if fits:  # it starts at the same wake-up: count it as running
                room -= t.need
                slots -= t.heavy
            else:  # keep its room: a later one may pass it only beside what it waits for
                room -= t.need
                if t.heavy:
                    slots = 0
        return False

    @contextmanager
    def hold(self, need: int | None) -> Iterator[None]:
        amount = self.max_bytes if need is None else max(0, min(int(need), self.max_bytes))
        ticket = _Ticket(amount, amount >= self.heavy_bytes)
        with self._cond:
            self._line.append(ticket)
            try:
                while not self._may_start(ticket):
                    self._cond.wait()
            finally:
                self._line.remove(ticket)
                self._cond.notify_all()  # those behind it may now fit (or it left the line on an interrupt)
            self.used += ticket.need
            self.heavy += ticket.heavy
            self.running += 1
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self._cond:
                self.used -= ticket.need
                self.heavy -= ticket.heavy
                self.running -= 1
                self._cond.notify_all()


BUDGET = Budget()
_inflight: dict[tuple[int, Hashable], Future[Any]] = {}  # (cache, key) -> the result of the one computing it
_inflight_lock = threading.Lock()


def waiting() -> int:
    """How many computations are running or waiting for their turn right now."""
    return BUDGET.waiting()


def run(key: Hashable, compute: Callable[[], T], cache: ResultCache | None = None, *, need: int | None = None) -> T:
    """``compute()``'s result for ``key``: from the cache, from the caller already computing it, or computed once
    room for ``need`` bytes is free (None: the whole budget, alone), and kept."""
    store = CACHE if cache is None else cache
    found, value = store.get(key)
    if found:
        return value  # type: ignore[no-any-return]
    slot = (id(store), key)
    with _inflight_lock:
        future = _inflight.get(slot)
        mine = future is None
        if future is None:
            future = _inflight[slot] = Future()
    if not mine:
        return future.result()  # type: ignore[no-any-return]  # its exception, if it failed
    try:
        found, value = store.get(key)  # finished between our first look and our claim
        if not found:
            with BUDGET.hold(need):
                try:
                    value = compute()
                finally:
                    # the core's recycled blocks leave with the budget they were counted in: a page's thread goes on
                    # drawing (or waits for its next computation) holding none of this one's scratch arrays
                    release_recycled()
            store.put(key, value)
        future.set_result(value)
        return value  # type: ignore[no-any-return]
    except BaseException as e:
        future.set_exception(e)
        raise
    finally:
        with _inflight_lock:
            _inflight.pop(slot, None)


def exclusive(compute: Callable[[], T]) -> T:
    """``compute()`` alone (the whole budget), not cached: an image export, say."""
    with BUDGET.hold(None):
        return compute()
