"""The per-step loops of rnn.py, lstm.py and gru.py compiled with numba: one call runs every step.

The equations, the order of operations and the arrays are those of the NumPy kernels (the module docstrings of
rnn.py, lstm.py, gru.py); ``cell.step_loop`` stays the definition they are tested against (tests/test_compiled.py).
What changes is who loops: NumPy pays ~1 µs of Python per array operation and a gate block is a strided slice, while
here a step is a few loops over contiguous rows and one BLAS product each way (``np.dot`` into a buffer: numba calls
BLAS's gemm). Everything is float64; the input projections over all T·N rows stay one NumPy product outside.

Only backend.py imports this module, inside a try (numba is optional: without it the NumPy loops run).
Arguments are C-contiguous float64 arrays and plain ints/bools, always the same types, so each function compiles
once (and numba's on-disk cache, ``cache=True``, serves later processes). Each is compiled ``nogil``: it touches no
Python object, so it lets other threads run while it does (a whole sequence's loop is one call).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types
from numba.np.linalg import _BLAS

SIGMOID, KERAS2, KERAS3 = 0, 1, 2  # gate activations (gates.py); the sigmoid's rows arrive halved (σ from tanh)

# e^y = 2^k e^r with r = y - k ln 2 in two parts (Cody and Waite), |r| <= ln2 / 2
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
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
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _tanh(x: np.ndarray) -> None:  # pragma: no cover (compiled)
    """x = tanh(x) in place, x 1-D (a separate source array would make LLVM check for overlap and, on finding
    it, run the scalar loop)."""
    for i in range(x.shape[0]):
        x[i] = _tanh1(x[i])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _tanh_cols(x: np.ndarray, lo: int, width: int) -> None:  # pragma: no cover (compiled)
    """x[:, lo : lo + width] = tanh of itself, x (N, ·), row by row through a 1-D slice: indexing x[n, lo + j]
    directly, LLVM cannot rule out a negative index and runs the loop one element at a time (5× slower)."""
    for n in range(x.shape[0]):
        _tanh(x[n, lo : lo + width])


@njit(cache=True, nogil=True, error_model="numpy")
def _hard(a: float, act: int) -> tuple[float, float]:  # pragma: no cover (compiled)
    """A hard sigmoid's value and slope at a (gates.py: the slope is 0 at and outside the kinks)."""
    if act == KERAS3:
        v = min(max(a + 3.0, 0.0), 6.0) / 6.0
        s = 1.0 / 6.0 if -3.0 < a < 3.0 else 0.0
    else:
        v = min(max(0.2 * a + 0.5, 0.0), 1.0)
        s = 0.2 if -2.5 < a < 2.5 else 0.0
    return v, s


# BLAS's dgemm through numba's own entry point (the one its np.dot calls, SciPy's OpenBLAS): resolved by name, so
# the on-disk cache holds; called directly for what np.dot cannot do: accumulate into the result (beta = 1) and read
# or write a gate block of a wider array in place (a row stride larger than the block), without copies.
_BLAS()  # type: ignore[no-untyped-call]  # raises here (so the NumPy loops run) when numba finds no BLAS
_xxgemm: Any = types.ExternalFunction(
    "numba_xxgemm",
    types.intc(
        types.char, types.char, types.char, types.intp, types.intp, types.intp, types.voidptr, types.voidptr,
        types.intp, types.voidptr, types.intp, types.voidptr, types.voidptr, types.intp,
    ),
)  # fmt: skip
_xxgemv: Any = types.ExternalFunction(
    "numba_xxgemv",
    types.intc(
        types.char, types.char, types.intp, types.intp, types.voidptr, types.voidptr, types.intp, types.voidptr,
        types.voidptr, types.voidptr,
    ),
)  # fmt: skip


@njit(cache=True, nogil=True, error_model="numpy")
def _gemm(a: np.ndarray, b: np.ndarray, c: np.ndarray, beta: float, sc: np.ndarray) -> None:  # pragma: no cover
    """c = a @ b + beta c, one dgemm: a (M, K), b (K, N), c (M, N) 2-D views whose rows are contiguous (any row
    stride, e.g. a gate block of a (N, kH) array); ``sc`` a scratch (2,) for alpha and beta. Row-major as BLAS's
    column-major: c^T = b^T a^T."""
    M, K = a.shape
    N = b.shape[1]
    sc[0], sc[1] = 1.0, beta
    lda, ldb, ldc = max(a.strides[0] // 8, K), max(b.strides[0] // 8, N), max(c.strides[0] // 8, N)
    alpha, beta_ = sc.ctypes, sc[1:].ctypes
    if M == 1:  # one row: gemv, as np.dot calls it (numba's and NumPy's alike), so the results are NumPy's bits
        _xxgemv(ord("d"), ord("n"), N, K, alpha, b.ctypes, ldb, a.ctypes, beta_, c.ctypes)
        return
    _xxgemm(ord("d"), ord("n"), ord("n"), N, M, K, alpha, b.ctypes, ldb, a.ctypes, lda, beta_, c.ctypes, ldc)


@njit(cache=True, nogil=True, error_model="numpy")
def _product(
    a: np.ndarray, W: np.ndarray, parts: np.ndarray, out: np.ndarray, beta: float, sc: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """out = a @ W + beta out, out (N, ·) possibly a column block of a wider array; with ``parts`` (k, H, w) W's
    column blocks (k > 0), as k products, each straight into its block of out (OpenBLAS slows on one thin product
    past ~1e6 multiply-adds: _ops.SPLIT_MIN_MACS)."""
    k = parts.shape[0]
    if k == 0:
        _gemm(a, W, out, beta, sc)
        return
    w = parts.shape[2]
    for j in range(k):
        _gemm(a, parts[j], out[:, j * w : (j + 1) * w], beta, sc)


@njit(cache=True, nogil=True, error_model="numpy")
def _sum_product(
    a: np.ndarray, W: np.ndarray, parts: np.ndarray, out: np.ndarray, beta: float, sc: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """out = a @ W + beta out; with ``parts`` (k, h, H) W's row blocks (k > 0), as Σ_j a[:, block j] @ parts[j],
    each product added into out by BLAS (a's column blocks read in place)."""
    k = parts.shape[0]
    if k == 0:
        _gemm(a, W, out, beta, sc)
        return
    h = parts.shape[1]
    for j in range(k):
        _gemm(a[:, j * h : (j + 1) * h], parts[j], out, beta if j == 0 else 1.0, sc)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _sigmoid_from_half(x: np.ndarray) -> None:  # pragma: no cover (compiled)
    """x = σ(2x) = tanh(x)/2 + 1/2 in place, x 1-D (the sigmoid's rows arrive halved)."""
    for i in range(x.shape[0]):
        x[i] = _tanh1(x[i]) * 0.5 + 0.5


@njit(cache=True, nogil=True, error_model="numpy")
def _add(out: np.ndarray, a: np.ndarray) -> None:  # pragma: no cover (compiled)
    """out += a for two (N, H) arrays, row by row (numba's array += goes through its ufunc machinery)."""
    for n in range(out.shape[0]):
        o, x = out[n], a[n]
        for j in range(o.shape[0]):
            o[j] += x[j]


# ------------------------------------------------------------------------------------------------------ RNN
@njit(cache=True, nogil=True, error_model="numpy")
def rnn_forward(h_all: np.ndarray, W_hh_T: np.ndarray, relu: bool) -> None:  # pragma: no cover (compiled)
    """h_all (T+1, N, H): slot 0 holds h0, slots 1..T the input projections (biases added); each becomes h_t."""
    T, N, H = h_all.shape[0] - 1, h_all.shape[1], h_all.shape[2]
    sc = np.empty(2)
    for t in range(T):
        a = h_all[t + 1]
        _gemm(h_all[t], W_hh_T, a, 1.0, sc)  # a += h_{t-1} W_hh^T, by BLAS
        if relu:
            for n in range(N):
                row = a[n]
                for j in range(H):
                    v = row[j]
                    row[j] = v if (v > 0.0 or v != v) else 0.0  # np.maximum keeps a NaN
        else:
            _tanh_cols(a, 0, H)


@njit(cache=True, nogil=True, error_model="numpy")
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
    sc = np.empty(2)
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        h, dh, da = h_all[t + 1], dh_all[t], dgi[t]
        for n in range(N):
            hr, dr, ar = h[n], dh[n], da[n]
            for j in range(H):
                if relu:
                    d = 1.0 if hr[j] > 0.0 else 0.0
                else:
                    d = 1.0 - hr[j] * hr[j]
                ar[j] = d * dr[j]
        if t == 0:
            if into_h0:
                _gemm(da, W_hh, dh0, 0.0, sc)
        elif t % cut:
            prev = dh_all[t - 1]
            _gemm(da, W_hh, prev, 0.0, sc)
            _add(prev, dhs[t - 1])  # dh_{t-1} = da W_hh + dhs[t-1], in the NumPy loop's order
        else:
            dh_all[t - 1] = dhs[t - 1]


# ------------------------------------------------------------------------------------------------------ LSTM
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _lstm_cell(
    a: np.ndarray, c_prev: np.ndarray, c_new: np.ndarray, tc: np.ndarray, h_new: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """c_t = f c_{t-1} + i g, tanh c_t, h_t = o tanh c_t for one step's activated gates a (N, 4H), row by row."""
    N, H = c_new.shape
    for n in range(N):
        ar, cp, cn = a[n], c_prev[n], c_new[n]
        i, f, g = ar[:H], ar[H : 2 * H], ar[2 * H : 3 * H]
        for j in range(H):
            cn[j] = f[j] * cp[j] + i[j] * g[j]
        tr = tc[n]
        for j in range(H):
            tr[j] = _tanh1(cn[j])
        o, hr = ar[3 * H :], h_new[n]
        for j in range(H):
            hr[j] = o[j] * tr[j]


@njit(cache=True, nogil=True, error_model="numpy")
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
    sc = np.empty(2)
    for t in range(T):
        a = gates[t]
        _product(h_all[t], W_hh_T, parts, a, 1.0, sc)  # a += h_{t-1} W_hh^T, by BLAS, block by block
        if act == SIGMOID:  # σ(a) = tanh(a/2)/2 + 1/2, a/2 being what arrives
            for n in range(N):
                _sigmoid_from_half(a[n, : 2 * H])
                _tanh(a[n, 2 * H : 3 * H])
                _sigmoid_from_half(a[n, 3 * H :])
        else:
            _tanh_cols(a, 2 * H, H)
            s = slopes[t]
            for n in range(N):
                for j in range(2 * H):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
                for j in range(3 * H, K):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
        _lstm_cell(a, c_all[t], c_all[t + 1], tanh_c[t], h_all[t + 1])


@njit(cache=True, nogil=True, error_model="numpy")
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
    sc = np.empty(2)
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        a, dh, dc, da, c_prev, tc = gates[t], dh_all[t], dc_all[t], dgi[t], c_all[t], tanh_c[t]
        for n in range(N):
            ar, dar, s = a[n], da[n], slopes[t, n] if hard else a[n]
            i, f, g, o = ar[:H], ar[H : 2 * H], ar[2 * H : 3 * H], ar[3 * H :]
            d_i, d_f, d_g, d_o = dar[:H], dar[H : 2 * H], dar[2 * H : 3 * H], dar[3 * H :]
            s_i, s_f, s_o = s[:H], s[H : 2 * H], s[3 * H :]
            tr, dhr, dcr, dnr, cp = tc[n], dh[n], dc[n], dc_next[n], c_prev[n]
            # one pass per result: a loop writing five arrays and reading eight needs more overlap checks than LLVM
            # makes before it vectorizes (it then runs element by element); each of these reads at most four
            for j in range(H):
                dcr[j] = (1.0 - tr[j] * tr[j]) * o[j] * dhr[j] + dnr[j]  # the total ∂L/∂c_t
            for j in range(H):
                si = s_i[j] if hard else (1.0 - i[j]) * i[j]
                d_i[j] = si * g[j] * dcr[j]
            for j in range(H):
                sf = s_f[j] if hard else (1.0 - f[j]) * f[j]
                d_f[j] = sf * cp[j] * dcr[j]
            for j in range(H):
                d_g[j] = (1.0 - g[j] * g[j]) * i[j] * dcr[j]
            for j in range(H):
                so = s_o[j] if hard else (1.0 - o[j]) * o[j]
                d_o[j] = so * tr[j] * dhr[j]
        if t == 0:
            if into_h0:
                _sum_product(da, W_hh, parts, dh0, 0.0, sc)
                for n in range(N):
                    for j in range(H):
                        dc0[n, j] = dc[n, j] * a[n, H + j]
        elif t % cut:
            prev = dh_all[t - 1]
            _sum_product(da, W_hh, parts, prev, 0.0, sc)
            _add(prev, dhs[t - 1])  # dh_{t-1} = da W_hh + dhs[t-1], in the NumPy loop's order
            for n in range(N):
                dcr, f, dnr = dc[n], a[n, H : 2 * H], dc_next[n]
                for j in range(H):
                    dnr[j] = dcr[j] * f[j]
        else:
            dh_all[t - 1] = dhs[t - 1]
            dc_next[:] = 0.0


# ------------------------------------------------------------------------------------------------------ GRU
@njit(cache=True, nogil=True, error_model="numpy")
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
    k = parts.shape[0]
    g_n = np.empty((N, H))
    sc = np.empty(2)
    for t in range(T):
        a, m, h, h_new = gates[t], hh_n[t], h_all[t], h_all[t + 1]
        # r and z: a += h W^T (by BLAS, into a's first 2H columns); pytorch's n block: m = h W_hn^T
        if k == 0:
            _gemm(h, W_hh_T[:, : 2 * H], a[:, : 2 * H], 1.0, sc)
            if pytorch:
                _gemm(h, W_hh_T[:, 2 * H :], m, 0.0, sc)
        else:
            _gemm(h, parts[0], a[:, :H], 1.0, sc)
            _gemm(h, parts[1], a[:, H : 2 * H], 1.0, sc)
            if pytorch:
                _gemm(h, parts[2], m, 0.0, sc)
        if act == SIGMOID:
            for n in range(N):
                _sigmoid_from_half(a[n, : 2 * H])
        else:
            s = slopes[t]
            for n in range(N):
                for j in range(2 * H):
                    a[n, j], s[n, j] = _hard(a[n, j], act)
        if pytorch:
            for n in range(N):
                mr, ar = m[n], a[n]
                r, nr = ar[:H], ar[2 * H :]
                for j in range(H):
                    v = mr[j] + b_hn[j]
                    mr[j] = v
                    nr[j] += r[j] * v
        else:
            for n in range(N):
                mr, hr, r = m[n], h[n], a[n, :H]
                for j in range(H):
                    mr[j] = r[j] * hr[j]
            _gemm(m, W_n_T, g_n, 0.0, sc)
            for n in range(N):
                gr, nr = g_n[n], a[n, 2 * H :]
                for j in range(H):
                    nr[j] += gr[j] + b_hn[j]
        for n in range(N):
            _tanh(a[n, 2 * H :])
            ar, hr, hn = a[n], h[n], h_new[n]
            z, nv = ar[H : 2 * H], ar[2 * H :]
            for j in range(H):
                if act == SIGMOID:
                    hn[j] = (hr[j] - nv[j]) * z[j] + nv[j] if pytorch else (nv[j] - hr[j]) * z[j] + hr[j]
                else:
                    hn[j] = (1.0 - z[j]) * nv[j] + z[j] * hr[j] if pytorch else (1.0 - z[j]) * hr[j] + z[j] * nv[j]


@njit(cache=True, nogil=True, error_model="numpy")
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
    p_n = np.empty((N, H))
    sc = np.empty(2)
    dh_all[T - 1] = dhs[T - 1]
    for t in range(T - 1, t_stop - 1, -1):
        a, h_prev, m, dh, di, dhh = gates[t], h_all[t], hh_n[t], dh_all[t], dgi[t], dgh[t]
        # gru._backward_coefficients times dh, element by element
        for n in range(N):
            ar, hr, mr, dr, dir_, dhr = a[n], h_prev[n], m[n], dh[n], di[n], dhh[n]
            r, z, nv = ar[:H], ar[H : 2 * H], ar[2 * H :]
            d_r, d_z, d_n = dir_[:H], dir_[H : 2 * H], dir_[2 * H :]
            s = slopes[t, n] if hard else ar
            s_r, s_z = s[:H], s[H : 2 * H]
            if pytorch:  # one pass per result, each reading at most four arrays (see lstm_backward)
                e_rz, e_n = dhr[: 2 * H], dhr[2 * H :]
                for j in range(H):
                    d_n[j] = (1.0 - nv[j] * nv[j]) * (1.0 - z[j])  # c_n, times dh below
                for j in range(H):
                    sr = s_r[j] if hard else (1.0 - r[j]) * r[j]
                    d_r[j] = sr * mr[j] * d_n[j] * dr[j]
                for j in range(H):
                    sz = s_z[j] if hard else (1.0 - z[j]) * z[j]
                    d_z[j] = (hr[j] - nv[j]) * sz * dr[j]
                for j in range(H):
                    d_n[j] *= dr[j]
                rz = dir_[: 2 * H]
                for j in range(2 * H):
                    e_rz[j] = rz[j]
                for j in range(H):
                    e_n[j] = d_n[j] * r[j]
            else:
                for j in range(H):
                    sz = s_z[j] if hard else (1.0 - z[j]) * z[j]
                    d = dr[j]
                    d_n[j] = d * ((1.0 - nv[j] * nv[j]) * z[j])
                    d_z[j] = d * ((nv[j] - hr[j]) * sz)
        if not pytorch:  # ∂L/∂(r ⊙ h) = da_n W_hn, then the r block
            _gemm(di[:, 2 * H :], W_n, p_n, 0.0, sc)
            for n in range(N):
                r, pr, hr, d_r = a[n, :H], p_n[n], h_prev[n], di[n, :H]
                s_r = slopes[t, n, :H] if hard else r
                for j in range(H):
                    sr = s_r[j] if hard else (1.0 - r[j]) * r[j]
                    d_r[j] = pr[j] * (sr * hr[j])
        if t == 0 and not into_h0:
            continue
        if t > 0 and t % cut == 0:
            dh_all[t - 1] = dhs[t - 1]
            continue
        out = dh0 if t == 0 else dh_all[t - 1]
        # out = the products (by BLAS), + dh ⊙ z (pytorch) or + p_n ⊙ r + dh ⊙ (1 - z) (dlfs2), + dhs[t-1]: the
        # NumPy loops' order of additions
        _sum_product(dhh if pytorch else di[:, : 2 * H], W_back, parts, out, 0.0, sc)
        for n in range(N):
            o, dr, z = out[n], dh[n], a[n, H : 2 * H]
            if pytorch:
                for j in range(H):
                    o[j] += dr[j] * z[j]
            else:
                pr, r = p_n[n], a[n, :H]
                for j in range(H):
                    o[j] += pr[j] * r[j]
                    o[j] += dr[j] * (1.0 - z[j])
            if t > 0:
                up = dhs[t - 1, n]
                for j in range(H):
                    o[j] += up[j]
