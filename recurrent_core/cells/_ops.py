"""Small numeric helpers shared by the cells."""

from __future__ import annotations

import contextlib
import math
import sys
import threading
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import numpy as np

V = TypeVar("V")

# ---------------------------------------------------------------------------------------------- recycled memory
# A forward + backward writes ~10 arrays of (T, N, H) or (T, N, kH) floats. Fresh from malloc, each is fresh pages
# from the kernel: at (100, 16, 32, 128) an LSTM's call took ~2,800 page faults, ~4 ms of its ~26 (perf: 17% of the
# time in the kernel, zeroing and mapping pages), as much as its element-wise work. ``empty`` serves such an array
# from the memory of an earlier call's array of the same size once nothing references that any more (the caller
# dropped the trace): no faults, and the pages are warm. An array still referenced (a trace kept, a view of it, a
# tensor sharing it) is never handed out again: its buffer's reference count says so. Each thread keeps its own
# blocks (no locks; a thread's blocks go with it), at most RECYCLE_BLOCKS of them.
RECYCLE_MIN_BYTES = 1 << 20  # below 1 MiB malloc's own free lists serve a freed array again without faults
RECYCLE_BLOCKS = 16
# and at most this many bytes: a page's computation runs several kinds one after another (Compare: five), and
# blocks of one kind's sizes, kept for a call that never comes, held 20 MB more at T = 1000, H = 256
RECYCLE_BYTES = 16 << 20
_recycled = threading.local()


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """``np.empty(shape)`` (float64, C order) for a forward's or backward's per-call arrays, every element of which
    the caller overwrites: from RECYCLE_MIN_BYTES on, an unreferenced block of an earlier call of the same size."""
    size = math.prod(shape)
    if size * 8 < RECYCLE_MIN_BYTES:
        return np.empty(shape)
    blocks: list[np.ndarray] | None = getattr(_recycled, "blocks", None)
    if blocks is None:
        blocks = _recycled.blocks = []
    for i in range(len(blocks)):
        block = blocks[i]
        # references: the list, ``block`` and getrefcount's argument; every array made from it adds one (its base)
        if block.size == size and sys.getrefcount(block) == 3:
            blocks.append(blocks.pop(i))  # the most recently served last
            return block.reshape(shape)
    block = np.empty(size)
    blocks.append(block)
    held = sum(b.nbytes for b in blocks)
    while len(blocks) > RECYCLE_BLOCKS or (held > RECYCLE_BYTES and len(blocks) > 1):
        held -= blocks[0].nbytes
        del blocks[0]  # the least recently served: ours no longer (alive while anything else holds it)
    return block.reshape(shape)


def release_recycled() -> None:
    """Let this thread's recycled blocks go (those still referenced stay alive with what references them). A server
    calls it when a computation ends, so that a thread which goes on to other work holds no memory it no longer
    counts."""
    _recycled.blocks = []


# ------------------------------------------------------------------------------------------ weights held still
# The horizon maps run a layer's forward once per step on a tiled batch (hundreds of calls per map), and each call
# derived the layer's weights again: W_hh^T halved, its column and row blocks, several MB per call at H = 256.
# Inside ``steady_weights()`` (the horizon functions' block, where no layer's weights change) ``derived`` builds
# each once per layer. Training updates weights in place and never runs inside such a block: outside it (and in
# any other thread or context) ``derived`` builds afresh every call, as before.
_steady: ContextVar[dict[tuple[int, Hashable], tuple[object, Any]] | None] = ContextVar("rc_steady", default=None)


@contextlib.contextmanager
def steady_weights() -> Iterator[None]:
    """A block in which no layer's weights change: ``derived`` arrays are built once per layer and reused, and
    dropped when the block ends (a nested block shares the outer one's)."""
    if _steady.get() is not None:
        yield
        return
    token = _steady.set({})
    try:
        yield
    finally:
        _steady.reset(token)


def derived(owner: object, key: Hashable, build: Callable[[], V]) -> V:
    """``build()``, a value computed from ``owner``'s weights alone: inside ``steady_weights()`` built once per
    (owner, key) and reused; outside, built every call."""
    memo = _steady.get()
    if memo is None:
        return build()
    slot = (id(owner), key)
    hit = memo.get(slot)
    if hit is None:
        hit = memo[slot] = (owner, build())  # the owner held: its id cannot be reused while the memo lives
    value: V = hit[1]
    return value


def input_projection(x: np.ndarray, W_ih: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``x W_ih^T + bias`` for all T·N rows at once, (T, N, kH): one 2-D BLAS product, hoisted out of the loop.
    ``out`` (T, N, kH), contiguous, if given, receives it."""
    T, N, D = x.shape
    gi: np.ndarray = empty((T, N, W_ih.shape[0])) if out is None else out
    np.matmul(x.reshape(T * N, D), W_ih.T, out=gi.reshape(T * N, -1))
    gi += bias
    return gi


class HiddenStates:
    """``h0`` and ``hs`` as views of a tape's ``h_all`` (T+1, N, H)."""

    h_all: np.ndarray

    @property
    def h0(self) -> np.ndarray:
        h0: np.ndarray = self.h_all[0]
        return h0

    @property
    def hs(self) -> np.ndarray:
        return self.h_all[1:]


def with_initial(first: np.ndarray, T: int) -> np.ndarray:
    """A (T+1, N, H) buffer whose slot 0 holds ``first``; slots 1..T receive the states, so ``buf[:-1]`` is the
    state entering each step and ``buf[1:]`` the state leaving it, both views."""
    buf = empty((T + 1, *first.shape))
    buf[0] = first
    return buf


def linear_grads(
    x: np.ndarray, h_prev: np.ndarray, dgi: np.ndarray, dgh: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Parameter gradients of ``gi = x W_ih^T + b_ih`` and ``gh = h_prev W_hh^T + b_hh`` summed over T and N.

    One BLAS product each over all steps at once, instead of T small ones. ``dgh=None`` means dgh = dgi
    (RNN and LSTM, where both products feed the same pre-activation).
    """
    k = dgi.shape[-1]
    dgi2 = dgi.reshape(-1, k)
    dgh2 = dgi2 if dgh is None else dgh.reshape(-1, k)
    db_ih = dgi2.sum(axis=0)
    return {
        "weight_ih_l0": (x.reshape(-1, x.shape[-1]).T @ dgi2).T,
        "weight_hh_l0": (h_prev.reshape(-1, h_prev.shape[-1]).T @ dgh2).T,
        "bias_ih_l0": db_ih,
        "bias_hh_l0": db_ih.copy() if dgh is None else dgh2.sum(axis=0),
    }


# OpenBLAS slows to about half its speed on one product past ~1e6 multiply-adds of these thin shapes
# ((8, 256) @ (256, 1024): 165 µs whole, 111 µs as four (256, 256) blocks); below that one call is cheaper.
SPLIT_MIN_MACS = 1_000_000


def splits(W: np.ndarray, blocks: int, rows: int) -> bool:
    """Whether ``a @ W`` for ``rows`` rows of ``a`` runs as products with W's blocks (see SPLIT_MIN_MACS)."""
    return blocks > 1 and rows * W.shape[0] * W.shape[1] > SPLIT_MIN_MACS


class BlockProduct:
    """``a @ W`` for a fixed W, computed as products with column blocks of W when that is faster.

    ``blocks`` is how many equal column blocks W splits into (the gates); ``rows`` the rows of ``a``.
    """

    def __init__(self, W: np.ndarray, blocks: int, rows: int):
        self.W = np.ascontiguousarray(W)
        self.width = W.shape[1] // blocks
        self.parts = (
            [np.ascontiguousarray(W[:, j * self.width : (j + 1) * self.width]) for j in range(blocks)]
            if splits(W, blocks, rows)
            else None
        )

    def __call__(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if self.parts is None:
            return np.matmul(a, self.W, out=out)
        if out is None:
            out = np.empty((a.shape[0], self.W.shape[1]))
        for j, part in enumerate(self.parts):
            np.matmul(a, part, out=out[:, j * self.width : (j + 1) * self.width])
        return out


class BlockSumProduct:
    """``a @ W`` for a fixed W of stacked row blocks (the gates' W_hh), as Σ_j a[:, block j] @ W[block j] when
    that is faster (see SPLIT_MIN_MACS)."""

    def __init__(self, W: np.ndarray, blocks: int, rows: int):
        self.W = np.ascontiguousarray(W)
        self.height = W.shape[0] // blocks
        self.parts = (
            [np.ascontiguousarray(W[j * self.height : (j + 1) * self.height]) for j in range(blocks)]
            if splits(W, blocks, rows)
            else None
        )
        self._tmp: np.ndarray | None = None  # one scratch product, reused: a fresh one each step costs page faults

    def __call__(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if self.parts is None:
            whole: np.ndarray = np.matmul(a, self.W, out=out)
            return whole
        h = self.height
        total: np.ndarray = np.matmul(a[:, :h], self.parts[0], out=out)
        if self._tmp is None or self._tmp.shape[0] != a.shape[0]:
            self._tmp = np.empty((a.shape[0], self.W.shape[1]))
        for j in range(1, len(self.parts)):
            total += np.matmul(a[:, j * h : (j + 1) * h], self.parts[j], out=self._tmp)
        return total


def column_blocks(W: np.ndarray, blocks: int, rows: int) -> np.ndarray:
    """W's ``blocks`` column blocks as one (blocks, W rows, width) array when BlockProduct would split ``a @ W`` for
    ``rows`` rows of ``a``, else an empty (0, 1, 1) array: the compiled loops' form of the same choice."""
    if splits(W, blocks, rows):
        return np.ascontiguousarray(W.reshape(W.shape[0], blocks, -1).transpose(1, 0, 2))
    return np.empty((0, 1, 1))


def row_blocks(W: np.ndarray, blocks: int, rows: int) -> np.ndarray:
    """W's ``blocks`` row blocks as one (blocks, height, W columns) array when BlockSumProduct would split, else an
    empty (0, 1, 1) array."""
    if splits(W, blocks, rows):
        return np.ascontiguousarray(W.reshape(blocks, -1, W.shape[1]))
    return np.empty((0, 1, 1))
