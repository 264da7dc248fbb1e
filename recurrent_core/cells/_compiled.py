"""The per-step loops of rnn.py, lstm.py and gru.py compiled with numba: one call runs every step.

The equations, the order of operations and the arrays are those of the NumPy kernels (the module docstrings of
rnn.py, lstm.py, gru.py); ``cell.step_loop`` stays the definition they are tested against (tests/test_compiled.py).
What changes is who loops: NumPy pays ~1 µs of Python per array operation and a gate block is a strided slice, while
here a step is a few loops over contiguous rows and one BLAS product each way (``np.dot`` into a buffer: numba calls
BLAS's gemm). Everything is float64; the input projections over all T·N rows stay one NumPy product outside.

Only backend.py imports this module, inside a try (numba is optional: without it the NumPy loops run).
Arguments are C-contiguous float64 arrays and plain ints/bools, always the same types, so each function compiles
once (and numba's on-disk cache, ``cache=True``, serves later processes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

SIGMOID, KERAS2, KERAS3 = 0, 1, 2  # gate activations (gates.py); the sigmoid's rows arrive halved (σ from tanh)

# e^y = 2^k e^r with r = y - k ln 2 in two parts (Cody and Waite), |r| <= ln2 / 2
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10


@njit(cache=True, error_model="numpy", inline="always")
def _tanh1(v: float) -> float:  # pragma: no cover (compiled)
    """tanh(v) within 2 ulp of NumPy's (tested), in arithmetic the loops below vectorize.

    libm's tanh, which numba calls per element, is a call no loop can vectorize (15 ns an element, NumPy's SIMD
    tanh 1 ns); this is arithmetic only, so LLVM runs four elements at a time (1.2 ns). |v| < 0.625: Cephes'
    rational v + v z P(z)/Q(z), z = v²; else (s - 1)/(s + 1), s = e^{2|v|}, e^y from a degree-13 Taylor
    polynomial of e^r (error below 1e-17) times 2^k (exact); from |v| = 21.5 on, tanh rounds to ±1."""
    ax = abs(v)
    z = ax * ax
    p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3
    q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3
    y = 2.0 * ax
    y = y if y < 43.0 else 43.0  # NaN too: its result is chosen below
    k = np.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    e = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0
    e = e * r + 1.0 / 39916800.0
    e = e * r + 1.0 / 3628800.0
    e = e * r + 1.0 / 362880.0
    e = e * r + 1.0 / 40320.0
    e = e * r + 1.0 / 5040.0
    e = e * r + 1.0 / 720.0
    e = e * r + 1.0 / 120.0
    e = e * r + 1.0 / 24.0
    e = e * r + 1.0 / 6.0
    e = e * r + 0.5
    e = e * r + 1.0
    e = e * r + 1.0
    s = e * float(np.int64(1) << np.int64(k))
    # one division for either branch (divisions bound the loop): v + v z P/Q, or (s - 1)/(s + 1)
    small = ax < 0.625
    quotient = (ax * (z * p) if small else s - 1.0) / (q if small else s + 1.0)
    t = np.copysign(ax + quotient if small else quotient, v)
    return t if v == v else v


# contract: the polynomials' multiply-adds as FMAs (within the same 2 ulp, half the time); tanh alone
@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _tanh(x: np.ndarray) -> None:  # pragma: no cover (compiled)
    """x = tanh(x) in place, x 1-D (a separate source array would make LLVM check for overlap and, on finding
    it, run the scalar loop)."""
    for i in range(x.shape[0]):
        x[i] = _tanh1(x[i])


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _tanh_cols(x: np.ndarray, lo: int, width: int) -> None:  # pragma: no cover (compiled)
    """x[:, lo : lo + width] = tanh of itself, x (N, ·), row by row through a 1-D slice: indexing x[n, lo + j]
    directly, LLVM cannot rule out a negative index and runs the loop one element at a time (5× slower)."""
    for n in range(x.shape[0]):
        _tanh(x[n, lo : lo + width])


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _tanh_to(src: np.ndarray, dst: np.ndarray) -> None:  # pragma: no cover (compiled)
    """dst = tanh(src), two distinct (N, H) arrays."""
    for n in range(src.shape[0]):
        a, b = src[n], dst[n]
        for j in range(a.shape[0]):
            b[j] = _tanh1(a[j])


@njit(cache=True, error_model="numpy")
def _hard(a: float, act: int) -> tuple[float, float]:  # pragma: no cover (compiled)
    """A hard sigmoid's value and slope at a (gates.py: the slope is 0 at and outside the kinks)."""
    if act == KERAS3:
        v = min(max(a + 3.0, 0.0), 6.0) / 6.0
        s = 1.0 / 6.0 if -3.0 < a < 3.0 else 0.0
    else:
        v = min(max(0.2 * a + 0.5, 0.0), 1.0)
        s = 0.2 if -2.5 < a < 2.5 else 0.0
    return v, s


@njit(cache=True, error_model="numpy")
def _product(
    a: np.ndarray, W: np.ndarray, parts: np.ndarray, blocks: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """out = a @ W; with ``parts`` (k, H, w) W's column blocks (k > 0), as k products through ``blocks`` (k, N, w)
    (OpenBLAS slows on one thin product past ~1e6 multiply-adds: _ops.SPLIT_MIN_MACS)."""
    k = parts.shape[0]
    if k == 0:
        np.dot(a, W, out)
        return
    w = parts.shape[2]
    for j in range(k):
        np.dot(a, parts[j], blocks[j])
    for n in range(a.shape[0]):
        for j in range(k):
            out[n, j * w : (j + 1) * w] = blocks[j, n]


@njit(cache=True, error_model="numpy")
def _sum_product(
    a: np.ndarray, W: np.ndarray, parts: np.ndarray, blocks: np.ndarray, tmp: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """out = a @ W; with ``parts`` (k, h, H) W's row blocks (k > 0), as Σ_j a[:, block j] @ parts[j] through
    ``blocks`` (k, N, h) and ``tmp`` (N, H)."""
    k = parts.shape[0]
    if k == 0:
        np.dot(a, W, out)
        return
    h = parts.shape[1]
    for n in range(a.shape[0]):
        for j in range(k):
            blocks[j, n] = a[n, j * h : (j + 1) * h]
    np.dot(blocks[0], parts[0], out)
    for j in range(1, k):
        np.dot(blocks[j], parts[j], tmp)
        _add(out, tmp)


@njit(cache=True, error_model="numpy")
def _add(out: np.ndarray, a: np.ndarray) -> None:  # pragma: no cover (compiled)
    """out += a for two (N, H) arrays, as a loop (numba's array += goes through its ufunc machinery)."""
    for n in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[n, j] += a[n, j]


# ------------------------------------------------------------------------------------------------------ RNN
@njit(cache=True, error_model="numpy")
def rnn_forward(h_all: np.ndarray, W_hh_T: np.ndarray, relu: bool) -> None:  # pragma: no cover (compiled)
    """h_all (T+1, N, H): slot 0 holds h0, slots 1..T the input projections (biases added); each becomes h_t."""
    T, N, H = h_all.shape[0] - 1, h_all.shape[1], h_all.shape[2]
    gh = np.empty((N, H))
    for t in range(T):
        np.dot(h_all[t], W_hh_T, gh)
        a = h_all[t + 1]
        for n in range(N):
            for j in range(H):
                a[n, j] += gh[n, j]
        if relu:
            for n in range(N):
                for j in range(H):
                    v = a[n, j]
                    a[n, j] = v if (v > 0.0 or v != v) else 0.0  # np.maximum keeps a NaN
        else:
            _tanh_cols(a, 0, H)


@njit(cache=True, error_model="numpy")
def rnn_backward(
    h_all: np.ndarray,
    W_hh: np.ndarray,
    dhs: np.ndarray,
    relu: bool,
    cut: int,
    into_h0: bool,
    t_stop: int,
    dh_all: np.ndarray,
    dgi: np.ndarray,
    dh0: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """rnn.rnn_back_all's loop from t = T-1 down to ``t_stop``: dh_all, dgi (T, N, H) and dh0 (N, H) filled in
    place. Nothing flows from t into t-1 when t % cut == 0; into h0 only if ``into_h0``."""
    T, N, H = dhs.shape
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        h, dh, da = h_all[t + 1], dh_all[t], dgi[t]
        for n in range(N):
            for j in range(H):
                if relu:
                    d = 1.0 if h[n, j] > 0.0 else 0.0
                else:
                    d = 1.0 - h[n, j] * h[n, j]
                da[n, j] = d * dh[n, j]
        if t == 0:
            if into_h0:
                np.dot(da, W_hh, dh0)
        elif t % cut:
            prev = dh_all[t - 1]
            np.dot(da, W_hh, prev)
            _add(prev, dhs[t - 1])
        else:
            dh_all[t - 1] = dhs[t - 1]


# ------------------------------------------------------------------------------------------------------ LSTM
@njit(cache=True, error_model="numpy")
def lstm_forward(
    gates: np.ndarray,
    h_all: np.ndarray,
    c_all: np.ndarray,
    tanh_c: np.ndarray,
    W_hh_T: np.ndarray,
    parts: np.ndarray,
    act: int,
    slopes: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """gates (T, N, 4H) hold the input projections (biases added; the i, f, o rows halved for the sigmoid) and
    become the activated i, f, g, o; h_all, c_all (T+1, N, H) from slot 0 on; tanh_c (T, N, H). A hard sigmoid's
    σ'(a) goes into slopes (T, N, 4H) (its g block stays as given). ``parts``: see _product."""
    T, N, K = gates.shape
    H = K // 4
    gh, blocks = np.empty((N, K)), np.empty((parts.shape[0], N, H))
    for t in range(T):
        _product(h_all[t], W_hh_T, parts, blocks, gh)
        a, c_prev, c_new, tc, h_new = gates[t], c_all[t], c_all[t + 1], tanh_c[t], h_all[t + 1]
        for n in range(N):
            for j in range(K):
                a[n, j] += gh[n, j]
        if act == SIGMOID:  # σ(a) = tanh(a/2)/2 + 1/2, a/2 being what arrives
            _tanh_cols(a, 0, K)
            for n in range(N):
                for j in range(2 * H):
                    a[n, j] = a[n, j] * 0.5 + 0.5
                for j in range(H):
                    a[n, 3 * H + j] = a[n, 3 * H + j] * 0.5 + 0.5
        else:
            _tanh_cols(a, 2 * H, H)
            s = slopes[t]
            for n in range(N):
                for j in range(2 * H):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
                for j in range(3 * H, K):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
        for n in range(N):
            for j in range(H):
                c = a[n, H + j] * c_prev[n, j]
                c += a[n, j] * a[n, 2 * H + j]
                c_new[n, j] = c
        _tanh_to(c_new, tc)
        for n in range(N):
            for j in range(H):
                h_new[n, j] = a[n, 3 * H + j] * tc[n, j]


@njit(cache=True, error_model="numpy")
def lstm_backward(
    gates: np.ndarray,
    c_all: np.ndarray,
    tanh_c: np.ndarray,
    W_hh: np.ndarray,
    parts: np.ndarray,
    dhs: np.ndarray,
    hard: bool,
    slopes: np.ndarray,
    cut: int,
    into_h0: bool,
    t_stop: int,
    dh_all: np.ndarray,
    dc_all: np.ndarray,
    dgi: np.ndarray,
    dh0: np.ndarray,
    dc0: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """lstm.lstm_back_all's loop (lstm._step_da per step) from t = T-1 down to ``t_stop``, in place.
    ``parts``: see _sum_product."""
    T, N, H = dhs.shape
    dc_next = np.zeros((N, H))
    blocks, tmp = np.empty((parts.shape[0], N, H)), np.empty((N, H))
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        a, dh, dc, da, c_prev, tc = gates[t], dh_all[t], dc_all[t], dgi[t], c_all[t], tanh_c[t]
        for n in range(N):
            for j in range(H):
                i, f, g, o = a[n, j], a[n, H + j], a[n, 2 * H + j], a[n, 3 * H + j]
                if hard:
                    si, sf, so = slopes[t, n, j], slopes[t, n, H + j], slopes[t, n, 3 * H + j]
                else:
                    si, sf, so = (1.0 - i) * i, (1.0 - f) * f, (1.0 - o) * o
                tcj = tc[n, j]
                d = (1.0 - tcj * tcj) * o * dh[n, j] + dc_next[n, j]  # the total ∂L/∂c_t
                dc[n, j] = d
                da[n, j] = si * g * d
                da[n, H + j] = sf * c_prev[n, j] * d
                da[n, 2 * H + j] = (1.0 - g * g) * i * d
                da[n, 3 * H + j] = so * tcj * dh[n, j]
        if t == 0:
            if into_h0:
                _sum_product(da, W_hh, parts, blocks, tmp, dh0)
                for n in range(N):
                    for j in range(H):
                        dc0[n, j] = dc[n, j] * a[n, H + j]
        elif t % cut:
            prev = dh_all[t - 1]
            _sum_product(da, W_hh, parts, blocks, tmp, prev)
            _add(prev, dhs[t - 1])
            for n in range(N):
                for j in range(H):
                    dc_next[n, j] = dc[n, j] * a[n, H + j]
        else:
            dh_all[t - 1] = dhs[t - 1]
            dc_next[:] = 0.0


# ------------------------------------------------------------------------------------------------------ GRU
@njit(cache=True, error_model="numpy")
def gru_forward(
    gates: np.ndarray,
    h_all: np.ndarray,
    hh_n: np.ndarray,
    W_hh_T: np.ndarray,
    parts: np.ndarray,
    W_n_T: np.ndarray,
    b_hn: np.ndarray,
    pytorch: bool,
    act: int,
    slopes: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """gates (T, N, 3H) hold the input projections (b_ih, and b_hh of r and z, added; the r, z rows halved for
    the sigmoid) and become the activated r, z, n; h_all (T+1, N, H) from slot 0 on; hh_n (T, N, H) receives
    W_hn h + b_hn (pytorch) or r ⊙ h (dlfs2). W_hh_T: (H, 3H) for pytorch, (H, 2H) (r and z) for dlfs2; W_n_T
    (H, H); ``parts`` W_hh_T's blocks (_product). A hard sigmoid's σ'(a) of r and z goes into slopes (T, N, 2H)."""
    T, N, K = gates.shape
    H = K // 3
    gh, blocks = np.empty((N, W_hh_T.shape[1])), np.empty((parts.shape[0], N, H))
    g_n = np.empty((N, H))
    for t in range(T):
        _product(h_all[t], W_hh_T, parts, blocks, gh)
        a, m, h, h_new = gates[t], hh_n[t], h_all[t], h_all[t + 1]
        for n in range(N):
            for j in range(2 * H):
                a[n, j] += gh[n, j]
        if act == SIGMOID:
            _tanh_cols(a, 0, 2 * H)
            for n in range(N):
                for j in range(2 * H):
                    a[n, j] = a[n, j] * 0.5 + 0.5
        else:
            s = slopes[t]
            for n in range(N):
                for j in range(2 * H):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
        if pytorch:
            for n in range(N):
                for j in range(H):
                    m[n, j] = gh[n, 2 * H + j] + b_hn[j]
                for j in range(H):
                    a[n, 2 * H + j] += a[n, j] * m[n, j]
        else:
            for n in range(N):
                for j in range(H):
                    m[n, j] = a[n, j] * h[n, j]
            np.dot(m, W_n_T, g_n)
            for n in range(N):
                for j in range(H):
                    a[n, 2 * H + j] += g_n[n, j] + b_hn[j]
        _tanh_cols(a, 2 * H, H)
        for n in range(N):
            for j in range(H):
                z, nv, hp = a[n, H + j], a[n, 2 * H + j], h[n, j]
                if act == SIGMOID:
                    h_new[n, j] = (hp - nv) * z + nv if pytorch else (nv - hp) * z + hp
                else:
                    h_new[n, j] = (1.0 - z) * nv + z * hp if pytorch else (1.0 - z) * hp + z * nv


@njit(cache=True, error_model="numpy")
def gru_backward(
    gates: np.ndarray,
    h_all: np.ndarray,
    hh_n: np.ndarray,
    W_back: np.ndarray,
    parts: np.ndarray,
    W_n: np.ndarray,
    dhs: np.ndarray,
    pytorch: bool,
    hard: bool,
    slopes: np.ndarray,
    cut: int,
    into_h0: bool,
    t_stop: int,
    dh_all: np.ndarray,
    dgi: np.ndarray,
    dgh: np.ndarray,
    dh0: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """gru.gru_back_all's loop (pytorch) or ``step_loop`` over gru_step_back (dlfs2) from t = T-1 down to
    ``t_stop``, in place; for dlfs2 pass dgi's array as dgh too. W_back: W_hh (3H, H) for pytorch, its r and z
    rows (2H, H) for dlfs2, ``parts`` its blocks (_sum_product); W_n (H, H) the n rows."""
    T, N, H = dhs.shape
    blocks, tmp = np.empty((parts.shape[0], N, H)), np.empty((N, H))
    d_rz, d_n, p_n = np.empty((N, 2 * H)), np.empty((N, H)), np.empty((N, H))
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        a, h_prev, m, dh, di, dhh = gates[t], h_all[t], hh_n[t], dh_all[t], dgi[t], dgh[t]
        # gru._backward_coefficients times dh, element by element
        for n in range(N):
            for j in range(H):
                r, z, nv, hp = a[n, j], a[n, H + j], a[n, 2 * H + j], h_prev[n, j]
                if hard:
                    sr, sz = slopes[t, n, j], slopes[t, n, H + j]
                else:
                    sr, sz = (1.0 - r) * r, (1.0 - z) * z
                d = dh[n, j]
                if pytorch:
                    c_n = (1.0 - nv * nv) * (1.0 - z)
                    di[n, j] = sr * m[n, j] * c_n * d
                    di[n, H + j] = (hp - nv) * sz * d
                    di[n, 2 * H + j] = c_n * d
                    dhh[n, j], dhh[n, H + j] = di[n, j], di[n, H + j]
                    dhh[n, 2 * H + j] = di[n, 2 * H + j] * r
                else:
                    d_n[n, j] = d * ((1.0 - nv * nv) * z)
                    di[n, 2 * H + j] = d_n[n, j]
                    di[n, H + j] = d * ((nv - hp) * sz)
                    d_rz[n, H + j] = di[n, H + j]
        if not pytorch:  # ∂L/∂(r ⊙ h) = da_n W_hn, then the r block
            np.dot(d_n, W_n, p_n)
            for n in range(N):
                for j in range(H):
                    r = a[n, j]
                    sr = slopes[t, n, j] if hard else (1.0 - r) * r
                    di[n, j] = p_n[n, j] * (sr * h_prev[n, j])
                    d_rz[n, j] = di[n, j]
        if t == 0 and not into_h0:
            continue
        if t > 0 and t % cut == 0:
            dh_all[t - 1] = dhs[t - 1]
            continue
        out = dh0 if t == 0 else dh_all[t - 1]
        if pytorch:
            _sum_product(dhh, W_back, parts, blocks, tmp, out)
            for n in range(N):
                for j in range(H):
                    out[n, j] += dh[n, j] * a[n, H + j]
        else:
            _sum_product(d_rz, W_back, parts, blocks, tmp, out)
            for n in range(N):
                for j in range(H):
                    out[n, j] += p_n[n, j] * a[n, j]
                    out[n, j] += dh[n, j] * (1.0 - a[n, H + j])
        if t > 0:
            _add(out, dhs[t - 1])
