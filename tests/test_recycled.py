"""``_ops.empty``: the per-call arrays of a forward/backward come from recycled memory, and an array anything still
references is never handed out again (a kept trace stays as it was, on both backends)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import recurrent_core as rc
from recurrent_core.cells import _ops, backend

BIG = (_ops.RECYCLE_MIN_BYTES // 8 // 64 + 1, 8, 8)  # just over RECYCLE_MIN_BYTES


def test_an_unreferenced_block_is_served_again_and_a_referenced_one_never():
    first = _ops.empty(BIG)
    address = first.__array_interface__["data"][0]
    first[...] = 1.0
    kept = _ops.empty(BIG)  # first is still held: new memory
    assert kept.__array_interface__["data"][0] != address
    view = first[1:]
    del first
    assert _ops.empty(BIG).__array_interface__["data"][0] not in (address, kept.__array_interface__["data"][0])
    del view  # now nothing holds the first block
    again = _ops.empty(BIG)
    assert again.__array_interface__["data"][0] == address and again.shape == BIG and again.flags.c_contiguous


def test_small_arrays_are_plain_np_empty():
    small = _ops.empty((4, 4))
    assert small.base is None and small.shape == (4, 4)


def test_each_thread_keeps_its_own_blocks():
    _ops.empty(BIG)  # dropped at once: at least one free block of this size in this thread
    ours = {b.__array_interface__["data"][0] for b in _ops._recycled.blocks}
    seen = []
    thread = threading.Thread(target=lambda: seen.append(_ops.empty(BIG).__array_interface__["data"][0]))
    thread.start()
    thread.join()
    assert seen[0] not in ours  # another thread's free blocks are not taken


@pytest.mark.parametrize("name", ["numba", "numpy"])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_a_kept_trace_is_not_overwritten_by_later_calls(kind, name):
    T, N, D, H = 40, 16, 8, 128  # (T, N, 4H) arrays of 2.6 MB: recycled
    layer = rc.init_layer(kind, D, H, seed=0)
    rng = np.random.default_rng(0)
    x, dhs = rng.standard_normal((T, N, D)), rng.standard_normal((T, N, H))
    backend.use(name)
    try:
        kept = rc.bptt(layer, x, dhs)
        want = {k: np.array(v, copy=True) for k, v in [("hs", kept.hs), ("dh", kept.dh), ("dx", kept.dx)]}
        for _ in range(3):  # dropped at once: their blocks are served again
            rc.bptt(layer, 2.0 * x, -dhs)
        again = rc.bptt(layer, x, dhs)
    finally:
        backend.use(None)
    for k, v in want.items():
        np.testing.assert_array_equal(getattr(kept, k), v, err_msg=k)
        np.testing.assert_array_equal(getattr(again, k), v, err_msg=k)


def test_a_thread_keeps_at_most_recycle_bytes_of_blocks():
    """Blocks of sizes a thread no longer asks for (one kind's, while the next kind runs) do not pile up: past
    RECYCLE_BYTES the least recently served go, referenced or not (the referenced stay alive with their holders)."""

    def run() -> list[int]:
        sizes = []
        for k in range(1, 12):  # eleven distinct sizes of 2–12 MiB, each dropped at once: 77 MiB asked in all
            _ops.empty((k + 1, 1 << 17))
            sizes.append(sum(b.nbytes for b in _ops._recycled.blocks))
        return sizes

    held: list[list[int]] = []
    thread = threading.Thread(target=lambda: held.append(run()))
    thread.start()
    thread.join()
    assert max(held[0]) <= _ops.RECYCLE_BYTES
    assert held[0][0] == 2 << 20  # the first block is kept (below the bound)
    big = _ops.empty((1, (_ops.RECYCLE_BYTES // 8) + 1))  # one block past the bound alone is still served
    assert big.size == _ops.RECYCLE_BYTES // 8 + 1
