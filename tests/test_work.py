"""explorer.shared.work: the byte-bounded LRU result cache, ``size_of``, and ``run`` (one computation at a time,
each key computed once even when several sessions ask for it together)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from explorer.shared import work
from explorer.shared.work import ResultCache, size_of

KB = 1024


def blob(n_bytes: int) -> np.ndarray:
    """An array holding ``n_bytes`` bytes of data."""
    return np.zeros(n_bytes // 8)


# ================================================================================================= size_of
def test_size_of_an_array_counts_its_buffer():
    a = np.zeros(10_000)
    assert 80_000 <= size_of(a) <= 80_000 + 1024
    assert size_of(np.zeros((100, 100), dtype=np.float32)) >= 40_000


def test_size_of_a_dataframe_counts_its_columns():
    df = pd.DataFrame({"t": np.arange(10_000), "y": np.zeros(10_000)})
    assert 160_000 <= size_of(df) <= 160_000 + 4096
    strings = pd.DataFrame({"curve": ["a long curve name"] * 1000})
    assert size_of(strings) > 1000 * len("a long curve name")  # object columns counted deeply
    assert size_of(df["y"]) >= 80_000


@dataclass(frozen=True)
class Result:
    curves: pd.DataFrame
    arrays: dict[str, np.ndarray]
    parts: tuple[np.ndarray, ...]
    label: str


def test_size_of_a_dataclass_counts_everything_it_holds():
    r = Result(
        curves=pd.DataFrame({"y": np.zeros(5_000)}),
        arrays={"a": np.zeros(2_000), "b": np.zeros(3_000)},
        parts=(np.zeros(1_000), np.zeros(1_000)),
        label="x",
    )
    inner = 8 * (5_000 + 2_000 + 3_000 + 1_000 + 1_000)
    assert inner <= size_of(r) <= inner + 8 * KB


def test_size_of_real_results():
    from explorer.flow import data
    from explorer.shared.controls import Settings

    res = data.compare(Settings(T=50, H=8))
    assert size_of(res) >= res.flow.curves.memory_usage(deep=True).sum()
    assert size_of(res) < 1024 * KB


def test_size_of_plain_values_and_deep_nesting_do_not_fail():
    assert size_of(3) > 0 and size_of("abc") > 0 and size_of(None) > 0
    nested: list = []
    for _ in range(50):
        nested = [nested]
    assert size_of(nested) > 0
    cyclic: list = []
    cyclic.append(cyclic)
    assert size_of(cyclic) > 0


# =============================================================================================== the cache
def test_cache_hits_and_misses():
    cache = ResultCache(max_bytes=100 * KB)
    assert cache.get("a") == (False, None)
    cache.put("a", blob(10 * KB))
    found, value = cache.get("a")
    assert found and value.nbytes == 10 * KB
    assert (cache.hits, cache.misses) == (1, 1)
    assert len(cache) == 1
    assert 10 * KB <= cache.bytes <= 11 * KB


def test_cache_keeps_a_falsy_value():
    cache = ResultCache(max_bytes=100 * KB)
    cache.put("none", None)
    assert cache.get("none") == (True, None)


def test_cache_evicts_the_least_recently_used_when_over_budget():
    cache = ResultCache(max_bytes=36 * KB)  # three 10 KB values fit, four do not
    for key in "abc":
        cache.put(key, blob(10 * KB))
    assert len(cache) == 3
    assert cache.get("a")[0]  # a is now the most recently used: b is the oldest
    cache.put("d", blob(10 * KB))
    assert [k for k in "abcd" if cache.get(k)[0]] == ["a", "c", "d"]  # b went; the gets leave the order a, c, d
    assert cache.bytes <= cache.max_bytes
    cache.put("e", blob(25 * KB))  # 55 KB: a and c (the two oldest) go, d and e fit
    assert [k for k in "acde" if cache.get(k)[0]] == ["d", "e"]
    assert cache.bytes <= cache.max_bytes


def test_cache_never_exceeds_its_budget():
    cache = ResultCache(max_bytes=64 * KB)
    rng = np.random.default_rng(0)
    for i in range(200):
        cache.put(i, blob(int(rng.integers(1, 20)) * KB))
        assert cache.bytes <= cache.max_bytes
        assert cache.get(i)[0]  # the newest always stays (it fits on its own)
    assert cache.bytes == sum(size_of(cache.get(k)[1]) for k in range(200) if cache.get(k)[0])


def test_a_value_larger_than_the_budget_is_not_kept():
    cache = ResultCache(max_bytes=20 * KB)
    cache.put("small", blob(5 * KB))
    cache.put("huge", blob(50 * KB))
    assert not cache.get("huge")[0]
    assert cache.get("small")[0]  # and nothing was evicted for it
    assert cache.bytes <= 6 * KB


def test_replacing_a_key_recounts_its_bytes():
    cache = ResultCache(max_bytes=100 * KB)
    cache.put("k", blob(40 * KB))
    cache.put("k", blob(10 * KB))
    assert len(cache) == 1
    assert 10 * KB <= cache.bytes <= 11 * KB
    cache.put("k", blob(400 * KB))  # too large: the old value is gone too, not left stale
    assert cache.get("k") == (False, None)
    assert cache.bytes == 0


def test_clear():
    cache = ResultCache(max_bytes=100 * KB)
    cache.put("a", blob(KB))
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0 and not cache.get("a")[0]


# ===================================================================================================== run
def test_run_computes_once_and_then_serves_from_the_cache():
    cache = ResultCache(max_bytes=100 * KB)
    calls = []

    def compute():
        calls.append(1)
        return blob(KB)

    first = work.run(("k", 1), compute, cache)
    second = work.run(("k", 1), compute, cache)
    assert second is first and len(calls) == 1
    work.run(("k", 2), compute, cache)
    assert len(calls) == 2


def test_run_computes_once_for_concurrent_callers_of_the_same_key():
    cache = ResultCache(max_bytes=1024 * KB)
    calls = []
    lock = threading.Lock()

    def compute():
        with lock:
            calls.append(threading.get_ident())
        time.sleep(0.2)
        return blob(KB)

    results: list = [None] * 8
    barrier = threading.Barrier(8)

    def caller(i: int) -> None:
        barrier.wait()
        results[i] = work.run("same", compute, cache)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=10)
    assert len(calls) == 1
    assert all(r is results[0] for r in results)
    assert work.waiting() == 0


def test_run_does_one_computation_at_a_time_and_counts_the_queue():
    cache = ResultCache(max_bytes=1024 * KB)
    active = 0
    most = 0
    gate = threading.Event()
    lock = threading.Lock()

    def compute(i: int):
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        gate.wait(timeout=5)
        time.sleep(0.01)
        with lock:
            active -= 1
        return i

    threads = [threading.Thread(target=work.run, args=(f"key{i}", lambda i=i: compute(i), cache)) for i in range(4)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 5
    while work.waiting() < 4 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert work.waiting() == 4  # one running, three in line: all ahead of a newcomer
    gate.set()
    for th in threads:
        th.join(timeout=10)
    assert most == 1
    assert work.waiting() == 0
    assert [cache.get(f"key{i}")[1] for i in range(4)] == [0, 1, 2, 3]


def test_run_does_not_cache_a_failure():
    cache = ResultCache(max_bytes=100 * KB)

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        work.run("k", fail, cache)
    assert work.waiting() == 0
    assert work.run("k", lambda: 5, cache) == 5


def test_exclusive_runs_under_the_same_lock():
    order = []
    started = threading.Event()

    def long():
        started.set()
        time.sleep(0.1)
        order.append("run")
        return 1

    th = threading.Thread(target=work.run, args=("excl", long, ResultCache(100 * KB)))
    th.start()
    started.wait(timeout=5)
    assert work.exclusive(lambda: order.append("exclusive") or 2) == 2
    th.join(timeout=5)
    assert order == ["run", "exclusive"]


# ============================================================================ the budget: bytes and CPU slots
MB = 1024 * KB


def test_two_light_computations_run_side_by_side():
    cache = ResultCache(max_bytes=1024 * KB)
    both = threading.Barrier(2, timeout=5)  # each waits for the other inside compute: passes only side by side

    def compute(i: int) -> int:
        both.wait()
        return i

    results: dict[int, int] = {}
    threads = [
        threading.Thread(
            target=lambda i=i: results.__setitem__(i, work.run(("light", i), lambda: compute(i), cache, need=KB))
        )
        for i in range(2)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=10)
    assert results == {0: 0, 1: 1}
    assert work.waiting() == 0


def test_the_budget_is_never_exceeded_and_heavy_work_takes_a_cpu_slot():
    budget = work.Budget(max_bytes=10 * MB, cpu_slots=2, heavy_bytes=3 * MB)
    lock = threading.Lock()
    held = heavy = most_heavy = 0
    over: list[int] = []
    rng = np.random.default_rng(1)
    needs = [int(n) * MB for n in rng.integers(1, 8, size=40)]

    def job(need: int) -> None:
        nonlocal held, heavy, most_heavy
        with budget.hold(need):
            with lock:
                held += need
                heavy += need >= 3 * MB
                most_heavy = max(most_heavy, heavy)
                if held > budget.max_bytes:
                    over.append(held)
            time.sleep(0.002)
            with lock:
                held -= need
                heavy -= need >= 3 * MB

    threads = [threading.Thread(target=job, args=(n,)) for n in needs]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=20)
    assert not over
    assert budget.peak <= budget.max_bytes and budget.peak >= 2 * MB  # some ran together
    assert most_heavy <= 2
    assert budget.used == 0 and budget.heavy == 0 and budget.waiting() == 0


def _hold_in_thread(budget: work.Budget, order: list[str], name: str, need: int,
                    wait: threading.Event | None = None) -> threading.Thread:  # fmt: skip
    def job() -> None:
        with budget.hold(need):
            order.append(name)
            if wait is not None:
                wait.wait(timeout=5)

    before = budget.waiting()
    th = threading.Thread(target=job)
    th.start()
    deadline = time.monotonic() + 5
    while name not in order and budget.waiting() == before and time.monotonic() < deadline:  # in line or done
        time.sleep(0.001)
    return th


def test_a_light_computation_passes_a_heavy_one_waiting_for_a_cpu_slot():
    budget = work.Budget(max_bytes=20 * MB, cpu_slots=1, heavy_bytes=5 * MB)
    order: list[str] = []
    release = threading.Event()
    threads = [_hold_in_thread(budget, order, "heavy 6 MB", 6 * MB, release),
               _hold_in_thread(budget, order, "heavy 8 MB", 8 * MB),  # waits: the one slot is taken
               _hold_in_thread(budget, order, "light 1 MB", MB)]  # fmt: skip
    deadline = time.monotonic() + 5
    while len(order) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert order == ["heavy 6 MB", "light 1 MB"]
    release.set()
    for th in threads:
        th.join(timeout=5)
    assert order == ["heavy 6 MB", "light 1 MB", "heavy 8 MB"]


def test_a_later_computation_never_takes_the_room_an_earlier_one_waits_for():
    budget = work.Budget(max_bytes=10 * MB, cpu_slots=2, heavy_bytes=100 * MB)
    order: list[str] = []
    release = threading.Event()
    threads = [_hold_in_thread(budget, order, "first 6 MB", 6 * MB, release),
               _hold_in_thread(budget, order, "large 8 MB", 8 * MB),  # 6 + 8 > 10: waits for the first
               _hold_in_thread(budget, order, "small 3 MB", 3 * MB),  # would fit beside the first, not the large
               _hold_in_thread(budget, order, "tiny 1 MB", MB)]  # fmt: skip
    time.sleep(0.05)
    assert order == ["first 6 MB"] and budget.waiting() == 4
    release.set()
    for th in threads:
        th.join(timeout=5)
    assert order[:2] == ["first 6 MB", "large 8 MB"]  # not starved by the later small ones
    assert sorted(order[2:]) == ["small 3 MB", "tiny 1 MB"]


def test_a_computation_larger_than_the_budget_runs_alone():
    budget = work.Budget(max_bytes=4 * MB, cpu_slots=2)
    with budget.hold(100 * MB):
        assert budget.used == 4 * MB
    with budget.hold(None):
        assert budget.used == 4 * MB
    assert budget.used == 0


def test_concurrent_callers_of_the_same_key_wait_for_one_result():
    cache = ResultCache(max_bytes=1024 * KB)
    calls: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def compute() -> np.ndarray:
        calls.append(1)
        started.set()
        release.wait(timeout=5)
        return blob(KB)

    results: list = [None] * 4
    first = threading.Thread(target=lambda: results.__setitem__(0, work.run("dedup", compute, cache, need=KB)))
    first.start()
    started.wait(timeout=5)
    others = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, work.run("dedup", compute, cache, need=KB)))
        for i in range(1, 4)
    ]
    for th in others:
        th.start()
    time.sleep(0.05)
    assert work.waiting() == 1  # one computation; the three others wait for its result, not for room
    release.set()
    for th in (first, *others):
        th.join(timeout=5)
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_a_failure_reaches_every_caller_of_its_key_and_frees_its_bytes():
    cache = ResultCache(max_bytes=1024 * KB)
    started = threading.Event()
    release = threading.Event()

    def fail():
        started.set()
        release.wait(timeout=5)
        raise ValueError("boom")

    errors: list[BaseException] = []

    def caller() -> None:
        try:
            work.run("fails", fail, cache, need=8 * MB)
        except ValueError as e:
            errors.append(e)

    first = threading.Thread(target=caller)
    first.start()
    started.wait(timeout=5)
    assert work.BUDGET.used == 8 * MB
    second = threading.Thread(target=caller)
    second.start()
    time.sleep(0.05)
    release.set()
    first.join(timeout=5)
    second.join(timeout=5)
    assert len(errors) == 2 and all(str(e) == "boom" for e in errors)
    assert work.BUDGET.used == 0 and work.BUDGET.heavy == 0 and work.waiting() == 0
    assert not work._inflight
    assert work.run("fails", lambda: 7, cache, need=8 * MB) == 7  # not cached, and computed again


# ================================================================================================= page slots
def test_page_slots_run_n_at_once_and_serve_the_line_in_order():
    slots = work.PageSlots(2)
    order: list[int] = []
    most = [0]
    lock = threading.Lock()
    first = threading.Event()
    gate = threading.Event()

    def page(i: int) -> None:
        with slots.hold(poll=0.01):
            with lock:
                order.append(i)
                most[0] = max(most[0], slots.running)
            if i == 0:
                first.set()
            gate.wait(5)

    threads = [threading.Thread(target=page, args=(0,))]
    threads[0].start()
    first.wait(5)
    for i in range(1, 8):  # they queue in this order behind page 0
        t = threading.Thread(target=page, args=(i,))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while len(slots._line) + slots.running < i + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    gate.set()
    for t in threads:
        t.join(10)
    assert order == list(range(8))
    assert most[0] == 2 and slots.running == 0


def test_light_and_heavy_pages_wait_in_lines_of_their_own(monkeypatch):
    monkeypatch.setattr(work, "PAGES", work.PageSlots(1))
    monkeypatch.setattr(work, "LIGHT_PAGES", work.PageSlots(1))
    holding, release = threading.Event(), threading.Event()

    def heavy_page() -> None:
        with work.page_slot(poll=0.01, heavy=True):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=heavy_page)
    t.start()
    holding.wait(5)
    waited: list[int] = []
    with work.page_slot(lambda: waited.append(1), poll=0.01, heavy=False):  # a heavy run does not hold it up
        assert work.LIGHT_PAGES.running == 1 and work.PAGES.running == 1
    assert not waited
    with pytest.raises(RuntimeError), work.page_slot(lambda: (_ for _ in ()).throw(RuntimeError("left")), poll=0.01):
        pass  # the second heavy page waits (and its reader leaves)
    release.set()
    t.join(5)
    monkeypatch.setattr(work, "LIGHT_PAGES", None)  # GRADIENT_FLOW_LIGHT_SLOTS=0: light runs start at once
    with work.page_slot(heavy=False):
        assert work.PAGES.running == 0


def test_a_page_that_stops_while_waiting_leaves_the_line():
    slots = work.PageSlots(1)
    calls: list[int] = []
    release = threading.Event()
    holding = threading.Event()

    def holder() -> None:
        with slots.hold(poll=0.01):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    holding.wait(5)

    def waiting() -> None:  # what Streamlit does when the reader left: the next element raises
        calls.append(1)
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError), slots.hold(waiting, poll=0.01):
        pass
    assert calls and not slots._line
    release.set()
    t.join(5)
    with slots.hold(poll=0.01):  # the slot is free again and nobody is left in line
        assert slots.running == 1
    assert slots.running == 0


def test_a_computations_recycled_blocks_leave_with_its_hold_on_the_budget():
    """The core serves its big per-call arrays from a per-thread pool (recurrent_core/cells/_ops.empty). A page's
    thread goes on drawing, or waits for its next computation, after one ends: the blocks must not stay with it,
    uncounted by the budget (a class at T = 1000, H = 256 held 20–55 MB more on one server when they did)."""
    import recurrent_core as rc
    from recurrent_core.cells import _ops

    layer = rc.init_layer("lstm", 4, 64, seed=0)
    x, dhs = np.zeros((600, 1, 4)), np.ones((600, 1, 64))  # dgi: 600 × 256 floats, past RECYCLE_MIN_BYTES
    held: list[int] = []

    def compute() -> float:
        trace = rc.bptt(layer, x, dhs)
        held.append(len(getattr(_ops._recycled, "blocks", [])))
        return float(trace.dh0.sum())

    value = work.run(("recycled-blocks-test",), compute, ResultCache(max_bytes=100 * KB))
    assert np.isfinite(value)
    assert held and held[0] >= 1  # the core recycled while computing (its gates and dgi: 1.2 MB each)
    assert getattr(_ops._recycled, "blocks", []) == []  # and nothing stays with the thread after
