"""Whole training steps compiled with numba: the batch's arrays, forward, readout and loss, BPTT, the weight
gradients, clipping and the optimizer, for several steps in one call.

The NumPy training loop (loop.py over step.py, fused.py and optim.py) stays the definition; this module does the
same arithmetic in the same order (tests/test_train_compiled.py holds the two to rounding over whole runs). Per
step, as loop.py::

    x, y      from the raw draws of tasks._draw (the random numbers stay NumPy's: drawn in Python, placed here)
    h_T       the recurrence through the core's compiled loops (cells/_compiled.py), as FusedStep's compiled path
    out = h_T W_fcᵀ + b_fc;  loss, metric, dout as tasks.readout_loss;  dL/dh_T = dout W_fc
    grads     BPTT from dL/dh_T, then dgiᵀ x, dghᵀ h_prev, Σ dgi, Σ dgh and the readout's doutᵀ h_T, Σ dout
    ‖g‖       √(Σ_k g_k·g_k) over the six tensors in the state dict's order (optim.clip_grads_), then clipping
    stop      a non-finite loss or norm: stop before the update (status 1)
    update    SGD or Adam as optim.py, element by element in its order (weight decay as g + λ p)
    stop      a non-finite parameter after the update (status 2)

The parameters, their gradients and the optimizer's buffers are flat float64 vectors (``P``, ``G``, ``M``, ``V``)
whose views are the state dict's arrays. Only loop.py's :class:`~recurrent_core.training.compiled_step.CompiledRun`
calls this module (through cells/backend.py's switch: with RC_BACKEND=numpy it is never imported).

Every function is compiled ``nogil``: a chunk of 64 steps runs ~0.1 s (the LSTM at the lab's defaults), and a call
that kept Python's lock that long stalled every page of the server beside a lab run (12-13× their time, measured by
benchmarks/lab_beside_pages.py); without it the run trains on the other core.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..cells._compiled import gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward, rnn_forward

RNN, LSTM, GRU = 0, 1, 2
NO_CLIP, CLIP_NORM, CLIP_VALUE = 0, 1, 2
SGD, ADAM = 0, 1
CLIP_EPS = 1e-6  # optim.CLIP_EPS
TOLERANCE = 0.04  # tasks.ADDING_TOLERANCE


@njit(cache=True, nogil=True, error_model="numpy")
def fill_adding(
    u: np.ndarray, first: np.ndarray, second: np.ndarray, x: np.ndarray, y: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """tasks._draw's adding batch from its draws: x (T, N, 2), y (N, 1)."""
    T, N = u.shape
    for t in range(T):
        for n in range(N):
            x[t, n, 0] = u[t, n]
            x[t, n, 1] = 0.0
    for n in range(N):
        x[first[n], n, 1] = 1.0
        x[second[n], n, 1] = 1.0
    for n in range(N):
        y[n, 0] = x[first[n], n, 0] + x[second[n], n, 0]


@njit(cache=True, nogil=True, error_model="numpy")
def fill_first(symbols: np.ndarray, x: np.ndarray, labels: np.ndarray) -> None:  # pragma: no cover (compiled)
    """tasks._draw's first-symbol batch from its draws: x (T, N, K) one-hot, labels (N,)."""
    T, N = symbols.shape
    x[:] = 0.0
    for t in range(T):
        for n in range(N):
            x[t, n, symbols[t, n]] = 1.0
    for n in range(N):
        labels[n] = symbols[0, n]


@njit(cache=True, nogil=True, error_model="numpy")
def pairwise_sum(a: np.ndarray) -> float:  # pragma: no cover (compiled)
    """NumPy's sum of a contiguous 1-D float64 array, in its order (pairwise: eight running sums in blocks of up to
    128, halves above), so that a sum NumPy takes this way comes out the same to the last bit."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
        i = 8
        while i < n - (n % 8):
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        block: float = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            block += a[i]
            i += 1
        return block
    n2 = n // 2
    n2 -= n2 % 8
    total: float = pairwise_sum(a[:n2]) + pairwise_sum(a[n2:])
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _readout(
    h: np.ndarray,
    W_fc: np.ndarray,
    b_fc: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    ce: bool,
    dout: np.ndarray,
    work: np.ndarray,
) -> tuple[float, float]:  # pragma: no cover (compiled)
    """tasks.readout_loss of out = h W_fcᵀ + b_fc: (loss, metric), dout filled; ``work`` (N,) scratch. Every
    product and sum as NumPy takes it (step.py's ``h_T @ W_fc.T``: a matrix-vector product for one output, a
    matrix product for several; np.mean and the row sums pairwise), so that both give the same bits."""
    N = h.shape[0]
    K = W_fc.shape[0]
    if K == 1:
        if N == 1:
            dout[0, 0] = np.dot(h[0], W_fc[0])
        else:
            np.dot(h, W_fc[0], work)
            for n in range(N):
                dout[n, 0] = work[n]
    else:
        np.dot(h, W_fc.T, dout)
    for n in range(N):
        for o in range(K):
            dout[n, o] += b_fc[o]
    if not ce:
        flat = dout.reshape(N * K)
        sq = np.empty(N * K)
        hits = 0.0
        for i in range(N * K):
            err = flat[i] - y.reshape(N * K)[i]
            sq[i] = err * err
            if abs(err) < TOLERANCE:
                hits += 1.0
            flat[i] = err * (2.0 / (N * K))
        return pairwise_sum(sq) / (N * K), hits / (N * K)
    hits = 0.0
    ez = np.empty(K)
    for n in range(N):
        row = dout[n]
        top, best = row[0], 0
        for o in range(1, K):
            if row[o] > top:  # argmax: the first largest
                top, best = row[o], o
        if best == labels[n]:
            hits += 1.0
        for o in range(K):
            row[o] = row[o] - top
            ez[o] = np.exp(row[o])
        log_z = np.log(pairwise_sum(ez))
        for o in range(K):
            row[o] = row[o] - log_z
        work[n] = row[labels[n]]
        for o in range(K):
            row[o] = np.exp(row[o])
        row[labels[n]] -= 1.0
        for o in range(K):
            row[o] /= N
    return -(pairwise_sum(work) / N), hits / N


@njit(cache=True, nogil=True, error_model="numpy")
def _column_sums(a: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover (compiled)
    """out = a.sum(axis=0) for a (R, k) as NumPy adds: row after row, or pairwise down the one column (k = 1)."""
    if a.shape[1] == 1:
        out[0] = pairwise_sum(a.reshape(a.shape[0]))
        return
    out[:] = a[0]
    for r in range(1, a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[r, j]


@njit(cache=True, nogil=True, error_model="numpy")
def train_steps(
    kind: int,
    relu: bool,
    ce: bool,
    # the batches' draws, one row per step (unused ones (1, 1, 1))
    u: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    symbols: np.ndarray,
    # parameters (views of P) and their gradients (views of G), in the state dict's order
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    W_fc: np.ndarray,
    b_fc: np.ndarray,
    gW_ih: np.ndarray,
    gW_hh: np.ndarray,
    gb_ih: np.ndarray,
    gb_hh: np.ndarray,
    gW_fc: np.ndarray,
    gb_fc: np.ndarray,
    P: np.ndarray,
    G: np.ndarray,
    M: np.ndarray,
    V: np.ndarray,
    offsets: np.ndarray,
    cut: int,
    t0: int,
    clip: int,
    clip_value: float,
    optimizer: int,
    lr: float,
    weight_decay: float,
    momentum: float,
    momentum_started: bool,
    beta1: float,
    beta2: float,
    eps: float,
    step_sizes: np.ndarray,
    bias2_sqrts: np.ndarray,
    # buffers (C-contiguous; those a kind does not use (1, 1, 1))
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    half: np.ndarray,
    Wi_s: np.ndarray,
    WhT: np.ndarray,
    fparts: np.ndarray,
    bparts: np.ndarray,
    b_in: np.ndarray,
    gates: np.ndarray,
    h_all: np.ndarray,
    c_all: np.ndarray,
    tanh_c: np.ndarray,
    hh_n: np.ndarray,
    dhs: np.ndarray,
    dh_all: np.ndarray,
    dc_all: np.ndarray,
    dgi: np.ndarray,
    dgh: np.ndarray,
    dh0: np.ndarray,
    dc0: np.ndarray,
    dout: np.ndarray,
    loss: np.ndarray,
    metric: np.ndarray,
    gnorm: np.ndarray,
) -> tuple[int, int]:  # pragma: no cover (compiled)
    """Steps 0 … S-1 of the draws (S = len(step_sizes)); loss, metric and gnorm (S,) receive each step's values.
    Returns (steps done, status): status 0 all done, 1 step `done` stopped before its update (a non-finite loss
    or gradient norm), 2 step `done` updated into a non-finite parameter."""
    S = step_sizes.shape[0]
    T, N, D = x.shape
    H = W_hh.shape[1]
    k = W_hh.shape[0]
    dummy = np.zeros((1, 1, 1))
    x2 = x.reshape((T * N, D))
    tail = T - t0
    K = W_fc.shape[0]
    work = np.empty(N)
    for s in range(S):
        # ------------------------------------------------------------------------------ the batch
        if ce:
            fill_first(symbols[s], x, labels)
        else:
            fill_adding(u[s], first[s], second[s], x, y)
        # ------------------------------------------------------------------------------ forward (FusedStep)
        for r in range(k):
            for d in range(D):
                Wi_s[r, d] = W_ih[r, d] * half[r]
            for j in range(H):
                WhT[j, r] = W_hh[r, j] * half[r]
        nb = fparts.shape[0]
        if nb > 0:
            w = k // nb
            for b in range(nb):
                for j in range(H):
                    for c in range(w):
                        fparts[b, j, c] = WhT[j, b * w + c]
        if kind == GRU:
            for r in range(k):
                b_in[r] = b_ih[r] * half[r]
            for r in range(2 * H):
                b_in[r] += b_hh[r] * half[r]
        else:
            for r in range(k):
                b_in[r] = b_ih[r] * half[r] + b_hh[r] * half[r]
        if kind == RNN:
            proj = h_all[1:]
            np.dot(x2, Wi_s.T, proj.reshape((T * N, H)))
            for t in range(T):
                for n in range(N):
                    for j in range(H):
                        proj[t, n, j] += b_in[j]
            rnn_forward(h_all, WhT, relu)
        else:
            np.dot(x2, Wi_s.T, gates.reshape((T * N, k)))
            for t in range(T):
                for n in range(N):
                    for r in range(k):
                        gates[t, n, r] += b_in[r]
            if kind == LSTM:
                lstm_forward(gates, h_all, c_all, tanh_c, WhT, fparts, 0, dummy)
            else:
                gru_forward(gates, h_all, hh_n, WhT, fparts, WhT, b_hh[2 * H :], True, 0, dummy)
        # ------------------------------------------------------------------------------ readout and loss
        value, hit = _readout(h_all[T], W_fc, b_fc, y, labels, ce, dout, work)
        loss[s], metric[s] = value, hit
        dh_T = dhs[T - 1]
        if K == 1:  # dout W_fc: one product per element (NumPy's outer product), else a matrix product
            for n in range(N):
                for j in range(H):
                    dh_T[n, j] = dout[n, 0] * W_fc[0, j]
        else:
            np.dot(dout, W_fc, dh_T)
        # ------------------------------------------------------------------------------ backward
        nb = bparts.shape[0]
        if nb > 0:
            h = k // nb
            for b in range(nb):
                for i in range(h):
                    for j in range(H):
                        bparts[b, i, j] = W_hh[b * h + i, j]
        if kind == RNN:
            rnn_backward(h_all, W_hh, dhs, relu, cut, False, t0, dh_all, dgi, dh0)
        elif kind == LSTM:
            lstm_backward(
                gates, c_all, tanh_c, W_hh, bparts, dhs, False, dummy, cut, False, t0, dh_all, dc_all, dgi, dh0, dc0
            )
        else:
            gru_backward(
                gates, h_all, hh_n, W_hh, bparts, W_hh[2 * H :], dhs, True, False, dummy, cut, False, t0, dh_all,
                dgi, dgh, dh0,
            )  # fmt: skip
        # ------------------------------------------------------------------------------ weight gradients
        di2 = dgi[t0:].reshape((tail * N, k))
        np.dot(di2.T, x[t0:].reshape((tail * N, D)), gW_ih)
        _column_sums(di2, gb_ih)
        if kind == GRU:
            dh2 = dgh[t0:].reshape((tail * N, k))
            np.dot(dh2.T, h_all[t0:T].reshape((tail * N, H)), gW_hh)
            _column_sums(dh2, gb_hh)
        else:
            np.dot(di2.T, h_all[t0:T].reshape((tail * N, H)), gW_hh)
            gb_hh[:] = gb_ih
        h_T = h_all[T]
        if K == 1:  # doutᵀ h_T as NumPy takes it: a vector-matrix product (a dot product for H = 1)
            if H == 1:
                gW_fc[0, 0] = np.dot(dout.reshape(N), h_T.reshape(N))
            else:
                np.dot(dout.reshape(N), h_T, gW_fc[0])
        else:
            np.dot(dout.T, h_T, gW_fc)
        _column_sums(dout, gb_fc)
        # ------------------------------------------------------------------------------ the norm and clipping
        total = 0.0
        for i in range(offsets.shape[0] - 1):
            g = G[offsets[i] : offsets[i + 1]]
            total += np.dot(g, g)
        total = math.sqrt(total)
        gnorm[s] = total
        if not (math.isfinite(value) and math.isfinite(total)):
            return s, 1
        if clip == CLIP_NORM:
            factor = min(1.0, clip_value / (total + CLIP_EPS))
            if factor < 1.0:
                for i in range(G.shape[0]):
                    G[i] *= factor
        elif clip == CLIP_VALUE:
            for i in range(G.shape[0]):
                G[i] = min(max(G[i], -clip_value), clip_value)
        # ------------------------------------------------------------------------------ the update
        finite = True
        if optimizer == ADAM:
            step_size, bias2_sqrt = step_sizes[s], bias2_sqrts[s]
            one_b1, one_b2 = 1.0 - beta1, 1.0 - beta2
            for i in range(P.shape[0]):
                gi = G[i] + weight_decay * P[i] if weight_decay != 0.0 else G[i]
                m = M[i] + (gi - M[i]) * one_b1
                M[i] = m
                v = V[i] * beta2 + (gi * gi) * one_b2
                V[i] = v
                p = P[i] - (m / (math.sqrt(v) / bias2_sqrt + eps)) * step_size
                P[i] = p
                finite = finite and math.isfinite(p)
        else:
            for i in range(P.shape[0]):
                gi = G[i] + weight_decay * P[i] if weight_decay != 0.0 else G[i]
                if momentum != 0.0:
                    gi = M[i] * momentum + gi if momentum_started else gi
                    M[i] = gi
                p = P[i] - lr * gi
                P[i] = p
                finite = finite and math.isfinite(p)
            momentum_started = True
        if not finite:
            return s, 2
    return S, 0
