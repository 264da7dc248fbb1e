"""One training step's forward and backward, fused for a loss at the last step only, with reused buffers.

The training loop needs less than ``rc.bptt``: one upstream gradient (∂L/∂h_T from the readout), no ∂L/∂x, no
per-step ∂L/∂h_t kept, and only the last truncation block (the gradient never reaches an earlier block when the
loss sits at t = T). :class:`FusedStep` does exactly that in one forward pass and one backward pass over buffers
allocated once per run. Its results equal ``rc.forward`` + ``rc.bptt`` up to rounding (tested to 1e-12, and
the whole training loop against PyTorch to 1e-8); it is the fast path of ``rc.train`` for the RNN, the LSTM and
PyTorch's GRU (the book's GRU goes through ``rc.bptt``: step.py's ``LayerStep``).

Equations (PyTorch's layout; a = pre-activation; h_0 = c_0 = 0)::

    RNN   h_t = φ(a_t),  a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
          da_t = dh_t ⊙ φ'(a_t);  dh_{t-1} = da_t W_hh
    LSTM  [i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
          c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh c_t
          dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o (1 - tanh² c_t)
          [da_i da_f da_g da_o] = [dc_t g i(1-i), dc_t c_{t-1} f(1-f), dc_t i (1-g²), dh_t tanh c_t o(1-o)]
          dh_{t-1} = da W_hh
    GRU   [r z] = σ(W_i[rz] x_t + b_i[rz] + W_h[rz] h_{t-1} + b_h[rz]);  m = W_hn h_{t-1} + b_hn
          n = tanh(W_in x_t + b_in + r ⊙ m);  h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
          da_n = dh_t (1-z)(1-n²);  da_r = da_n m r(1-r);  da_z = dh_t (h_{t-1} - n) z(1-z)
          ∂/∂(input products) = [da_r da_z da_n];  ∂/∂(hidden products) = [da_r da_z da_n ⊙ r]
          dh_{t-1} = dh_t ⊙ z + [da_r da_z da_n ⊙ r] W_hh
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

import numpy as np

from ..cells import backend
from ..cells._ops import column_blocks, row_blocks

Array = np.ndarray


def _log10_norm(a: Array) -> float:
    """log10 of the Frobenius norm of ``a``, scaled so that squaring neither underflows nor overflows."""
    scale = float(np.max(np.abs(a)))
    if scale == 0.0 or not np.isfinite(scale):
        return float(np.log10(scale)) if scale == 0.0 or scale == np.inf else float("nan")
    u = a / scale
    return float(np.log10(scale) + 0.5 * np.log10(np.dot(u.ravel(), u.ravel())))


def _log10_norms(d: Array) -> Array:
    """:func:`_log10_norm` of every d[t] (T,), the same numbers (the same divisions, np.dot and log10 per row),
    in a few calls instead of a few per row."""
    rows = d.reshape(len(d), -1)
    scale = np.max(np.abs(rows), axis=1)
    ok = (scale != 0.0) & np.isfinite(scale)
    u = rows / np.where(ok, scale, 1.0)[:, None]
    dots = np.array([np.dot(r, r) if good else 1.0 for r, good in zip(u, ok, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        special = np.where((scale == 0.0) | (scale == np.inf), np.log10(scale), np.nan)  # 0: -inf, inf, NaN
        out: Array = np.where(ok, np.log10(scale) + 0.5 * np.log10(dots), special)
    return out


class FusedStep:
    """Buffers and code for one kind at fixed (T, N, D, H): ``h_T = step.forward(params, x)``, then
    ``grads = step.backward(dh_T, truncate)`` (the layer's four gradients, keyed like its state dict)."""

    def __init__(self, kind: str, T: int, N: int, D: int, H: int, nonlinearity: str = "tanh") -> None:
        if kind not in ("rnn", "lstm", "gru"):
            raise ValueError(f"kind: expected 'rnn', 'lstm' or 'gru', got {kind!r}")
        self.kind, self.T, self.N, self.D, self.H = kind, T, N, D, H
        self.relu = nonlinearity == "relu"
        k = {"rnn": 1, "lstm": 4, "gru": 3}[kind] * H
        self.k = k
        self.gates = np.empty((T, N, k))  # activations (LSTM, GRU) or h itself (RNN: unused)
        self.h_all = np.zeros((T + 1, N, H))  # h_0 = 0, h_1 … h_T
        self.dgi = np.empty((T, N, k))  # ∂L/∂(input products)
        self.dgh = np.empty((T, N, k)) if kind == "gru" else self.dgi
        self.tmp_k = np.empty((N, k))
        # per-step views of the buffers for the LSTM and GRU loops (see below)
        self.fwd_views: list[tuple[Array, ...]] = []
        self.back_views: list[tuple[Array, ...]] = []
        if kind == "lstm":
            self.c_all = np.zeros((T + 1, N, H))
            self.tanh_c = np.empty((T, N, H))
            self.ig = np.empty((N, H))
            self.coef = np.empty((T, N, k))
            self.dc_dh = np.empty((T, N, H))
            self.tmp_T = np.empty((T, N, H))
            self.dc = np.zeros((N, H))
            self.dh_bufs = (np.empty((N, H)), np.empty((N, H)))
            # every per-step view the loops use, made once: slicing costs as much as a small ufunc call
            g4, c4, d4 = self.gates.reshape(T, N, 4, H), self.coef.reshape(T, N, 4, H), self.dgi.reshape(T, N, 4, H)
            h, c = self.h_all, self.c_all
            self.fwd_views = [
                (self.gates[t], h[t], h[t + 1], c[t], c[t + 1], self.tanh_c[t], *(g4[t, :, j] for j in range(4)))
                for t in range(T)
            ]
            self.back_views = [
                (c4[t, :, :3], c4[t, :, 3], d4[t, :, :3], d4[t, :, 3], self.dgi[t], self.dc_dh[t], g4[t, :, 1])
                for t in range(T)
            ]
        if kind == "gru":
            self.m = np.empty((T, N, H))  # W_hn h + b_hn
            self.tmp_h = np.empty((N, H))
            self.coef = np.empty((T, N, k))
            self.coef_h = np.empty((T, N, k))
            self.tmp_T = np.empty((T, N, H))
            g3 = self.gates.reshape(T, N, 3, H)
            h = self.h_all
            self.fwd_views = [
                (self.gates[t, :, : 2 * H], g3[t, :, 0], g3[t, :, 1], g3[t, :, 2], h[t], h[t + 1], self.m[t])
                for t in range(T)
            ]
            di3, dh3 = self.dgi.reshape(T, N, 3, H), self.dgh.reshape(T, N, 3, H)
            self.back_views = [(di3[t], dh3[t], self.dgh[t], g3[t, :, 1]) for t in range(T)]
            self.dh_bufs = (np.empty((N, H)), np.empty((N, H)))
            self.dh_up = tuple(b[:, None, :] for b in self.dh_bufs)  # (N, 1, H) views for the gate blocks

        # which rows are sigmoid gates (halved) and the affine map from tanh(a/2) to σ(a) (LSTM: i f g o; GRU: r z n)
        blocks = {"rnn": [1.0], "lstm": [0.5, 0.5, 1.0, 0.5], "gru": [0.5, 0.5, 1.0]}[kind]
        self.half = np.repeat(blocks, H)
        self.mul = self.half.copy()
        self.add = np.repeat([0.5 if b == 0.5 else 0.0 for b in blocks], H)
        self.x: Array | None = None
        self.params: Mapping[str, Array] = {}
        self._compiled_bufs: tuple[Array, ...] | None = None  # made on the first compiled backward

    def _buffers(self) -> tuple[Array, ...]:
        """The compiled backward's own buffers: the upstream gradient (zero but at t = T-1), every step's ∂L/∂h_t
        (read for the flow), ∂L/∂c_t (LSTM) and the unused gradients of the initial state."""
        if self._compiled_bufs is None:
            shape, N, H = (self.T, self.N, self.H), self.N, self.H
            self._compiled_bufs = (
                np.zeros(shape),
                np.empty(shape),
                np.empty(shape),
                np.zeros((N, H)),
                np.zeros((N, H)),
            )
        return self._compiled_bufs

    # ------------------------------------------------------------------------------------------ forward
    def forward(self, params: Mapping[str, Array], x: Array) -> Array:
        """Run the layer over x (T, N, D) from zero state; returns h_T (N, H), a view of a reused buffer."""
        self.x, self.params = x, params
        T, N, D, H = self.T, self.N, self.D, self.H
        W_ih, W_hh = params["weight_ih_l0"], params["weight_hh_l0"]
        b_ih, b_hh = params["bias_ih_l0"], params["bias_hh_l0"]
        gates, h_all, tmp = self.gates, self.h_all, self.tmp_k
        if self.kind != "rnn":
            # σ(a) = (1 + tanh(a/2)) / 2: the sigmoid gates' rows are halved (exact, a power of two) so that one
            # tanh over the whole row block gives every gate, then act = tanh · mul + add
            half, mul, add = self.half, self.mul, self.add
            W_ih = W_ih * half[:, None]
            W_hh = W_hh * half[:, None]
            b_ih, b_hh = b_ih * half, b_hh * half
        W_hh_T = np.ascontiguousarray(W_hh.T)
        compiled = backend.kernels()
        if compiled is not None:
            self._forward_compiled(compiled, x, W_ih, W_hh_T, b_ih, b_hh)
            h_last: Array = h_all[T]
            return h_last
        np.matmul(x.reshape(T * N, D), W_ih.T, out=gates.reshape(T * N, self.k))
        with np.errstate(over="ignore", invalid="ignore"):
            if self.kind == "rnn":
                gates += b_ih + b_hh
                for t in range(T):
                    a = np.matmul(h_all[t], W_hh_T, out=h_all[t + 1])
                    a += gates[t]
                    np.maximum(a, 0.0, out=a) if self.relu else np.tanh(a, out=a)
            elif self.kind == "lstm":
                gates += b_ih + b_hh
                ig = self.ig
                for act, h_prev, h, c_prev, c, tanh_c, i, f, g, o in self.fwd_views:
                    act += np.matmul(h_prev, W_hh_T, out=tmp)
                    np.tanh(act, out=act)
                    act *= mul
                    act += add
                    np.multiply(f, c_prev, out=c)
                    c += np.multiply(i, g, out=ig)
                    np.multiply(o, np.tanh(c, out=tanh_c), out=h)
            else:
                # b_hh of r and z joins the input projection; b_hn stays inside the reset product (m below)
                b_in = b_ih.copy()
                b_in[: 2 * H] += b_hh[: 2 * H]
                gates += b_in
                b_hn = b_hh[2 * H :]
                tmp_h = self.tmp_h
                gh_rz, gh_n = tmp[:, : 2 * H], tmp[:, 2 * H :]
                for rz, r, z, n, h_prev, h, m in self.fwd_views:
                    np.matmul(h_prev, W_hh_T, out=tmp)
                    rz += gh_rz
                    np.tanh(rz, out=rz)
                    rz *= 0.5
                    rz += 0.5
                    np.add(gh_n, b_hn, out=m)
                    n += np.multiply(r, m, out=tmp_h)
                    np.tanh(n, out=n)
                    # h = n + z (h_prev - n)
                    np.subtract(h_prev, n, out=h)
                    h *= z
                    h += n
        h_T: Array = h_all[T]
        return h_T

    def _forward_compiled(
        self, compiled: ModuleType, x: Array, W_ih: Array, W_hh_T: Array, b_ih: Array, b_hh: Array
    ) -> None:
        """The forward through the core's compiled loops (cells/_compiled.py), the same equations and buffers."""
        T, N, D, H = self.T, self.N, self.D, self.H
        x2 = x.reshape(T * N, D)
        dummy = np.zeros((1, 1, 1))
        if self.kind == "rnn":
            proj = self.h_all[1:]
            np.matmul(x2, W_ih.T, out=proj.reshape(T * N, H))
            proj += b_ih + b_hh
            compiled.rnn_forward(self.h_all, W_hh_T, self.relu)
            return
        gates = self.gates
        np.matmul(x2, W_ih.T, out=gates.reshape(T * N, self.k))
        if self.kind == "lstm":
            gates += b_ih + b_hh
            parts = column_blocks(W_hh_T, 4, N)
            compiled.lstm_forward(gates, self.h_all, self.c_all, self.tanh_c, W_hh_T, parts, 0, dummy)
            return
        b_in = b_ih.copy()
        b_in[: 2 * H] += b_hh[: 2 * H]
        gates += b_in
        W_n_T = np.ascontiguousarray(W_hh_T[:, 2 * H :])
        b_hn = np.ascontiguousarray(b_hh[2 * H :])
        parts = column_blocks(W_hh_T, 3, N)
        compiled.gru_forward(gates, self.h_all, self.m, W_hh_T, parts, W_n_T, b_hn, True, 0, dummy)

    def _backward_compiled(
        self, compiled: ModuleType, dh_T: Array, truncate: int | None, t0: int, log10_dh: Array | None
    ) -> None:
        """The backward through the core's compiled loops from t = T-1 down to t0, into self.dgi (and dgh)."""
        T, N, H = self.T, self.N, self.H
        dhs, dh_all, dc_all, dh0, dc0 = self._buffers()
        dhs[T - 1] = dh_T
        W_hh = backend.c_array(self.params["weight_hh_l0"])
        cut = T if truncate is None else truncate
        dummy = np.zeros((1, 1, 1))
        if self.kind == "rnn":
            compiled.rnn_backward(self.h_all, W_hh, dhs, self.relu, cut, False, t0, dh_all, self.dgi, dh0)
        elif self.kind == "lstm":
            compiled.lstm_backward(
                self.gates, self.c_all, self.tanh_c, W_hh, row_blocks(W_hh, 4, N), dhs, False, dummy, cut, False, t0,
                dh_all, dc_all, self.dgi, dh0, dc0,
            )  # fmt: skip
        else:
            W_n = np.ascontiguousarray(W_hh[2 * H :])
            compiled.gru_backward(
                self.gates, self.h_all, self.m, W_hh, row_blocks(W_hh, 3, N), W_n, dhs, True, False, dummy, cut,
                False, t0, dh_all, self.dgi, self.dgh, dh0,
            )  # fmt: skip
        if log10_dh is not None:
            log10_dh[t0:] = _log10_norms(dh_all[t0:])

    # ------------------------------------------------------------------------------------------ backward
    def backward(
        self, dh_T: Array, truncate: int | None = None, log10_dh: Array | None = None, grads: bool = True
    ) -> dict[str, Array]:
        """Gradients of L (whose only dependence on the states is through h_T, with ∂L/∂h_T = ``dh_T``) w.r.t.
        the layer's parameters, after the last :meth:`forward`. With ``truncate=k`` only the steps from
        t0 = ⌊(T-1)/k⌋·k on receive gradient, as in ``rc.bptt(truncate=k)`` with an upstream at the last step.

        ``log10_dh`` (T,), if given, receives log10 ‖∂L/∂h_t‖ (Frobenius over the batch) for t = t0 … T-1: the
        total gradient at each state (the direct path and every path through later states). A gradient that
        underflowed to 0 gives -inf, one that overflowed inf. ``grads=False``: the flow alone (returns {})."""
        assert self.x is not None
        T, H = self.T, self.H
        t0 = 0 if truncate is None else ((T - 1) // truncate) * truncate
        W_hh = self.params["weight_hh_l0"]
        h_all, dgi = self.h_all, self.dgi
        r = slice(t0, T)
        with np.errstate(over="ignore", invalid="ignore"):
            compiled = backend.kernels()
            if compiled is not None:
                self._backward_compiled(compiled, dh_T, truncate, t0, log10_dh)
                return self._param_grads(t0) if grads else {}
            if self.kind == "rnn":
                hs = h_all[1:][r]
                if self.relu:
                    coef = (hs > 0).astype(np.float64)
                else:
                    coef = np.multiply(hs, hs)
                    np.subtract(1.0, coef, out=coef)
                dh = dh_T
                for t in range(T - 1, t0 - 1, -1):
                    if log10_dh is not None:
                        log10_dh[t] = _log10_norm(dh)
                    da = np.multiply(dh, coef[t - t0], out=dgi[t])
                    dh = da @ W_hh
            elif self.kind == "lstm":
                self._lstm_coefficients(t0)
                dh, dc = dh_T, self.dc
                dc.fill(0.0)
                dc3 = dc[:, None, :]
                tmp_h, bufs = self.ig, self.dh_bufs
                for t in range(T - 1, t0 - 1, -1):
                    c_ifg, c_o, d_ifg, d_o, da, dc_dh, f = self.back_views[t]
                    if log10_dh is not None:
                        log10_dh[t] = _log10_norm(dh)
                    dc += np.multiply(dh, dc_dh, out=tmp_h)
                    np.multiply(c_ifg, dc3, out=d_ifg)
                    np.multiply(c_o, dh, out=d_o)
                    dh = np.matmul(da, W_hh, out=bufs[t & 1])
                    dc *= f
            else:
                coef_i, coef_h, _ = self._gru_coefficients(t0)
                N = dh_T.shape[0]
                ci3, ch3 = coef_i.reshape(-1, N, 3, H), coef_h.reshape(-1, N, 3, H)
                bufs, ups, tmp_h = self.dh_bufs, self.dh_up, self.tmp_h
                dh = bufs[T & 1]
                dh[...] = dh_T
                for t in range(T - 1, t0 - 1, -1):
                    d_i3, d_h3, dgh_t, z = self.back_views[t]
                    if log10_dh is not None:
                        log10_dh[t] = _log10_norm(dh)
                    j = t - t0
                    up = ups[(t + 1) & 1]  # dh lives in bufs[(t + 1) & 1]
                    np.multiply(ci3[j], up, out=d_i3)
                    np.multiply(ch3[j], up, out=d_h3)
                    dh_prev = np.multiply(dh, z, out=bufs[t & 1])
                    dh_prev += np.matmul(dgh_t, W_hh, out=tmp_h)
                    dh = dh_prev
            return self._param_grads(t0) if grads else {}

    def flow(self, dh_T: Array) -> Array:
        """log10 ‖∂L/∂h_t‖ (T,) for ∂L/∂h_T = ``dh_T`` after the last :meth:`forward` (full BPTT)."""
        row = np.empty(self.T)
        self.backward(dh_T, None, log10_dh=row, grads=False)
        return row

    def _lstm_coefficients(self, t0: int) -> tuple[Array, Array]:
        """Everything of the backward that depends on the forward alone, steps t0 … T-1 at once, in place."""
        H = self.H
        g4 = self.gates[t0:]
        i, g, o = (g4[..., k * H : (k + 1) * H] for k in (0, 2, 3))
        tanh_c = self.tanh_c[t0:]
        coef = self.coef[t0:]
        tmp = self.tmp_T[t0:]
        # σ' = s (1 - s) over the whole 4H block at once (contiguous; the g block is overwritten below), then
        # each sigmoid block times what it multiplies: g (for i), c_{t-1} (for f), tanh c_t (for o)
        np.subtract(1.0, g4, out=coef)
        coef *= g4
        coef[..., :H] *= g
        coef[..., H : 2 * H] *= self.c_all[t0:-1]
        coef[..., 3 * H :] *= tanh_c
        np.multiply(g, g, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.multiply(tmp, i, out=coef[..., 2 * H : 3 * H])
        dc_dh = self.dc_dh[t0:]
        np.multiply(tanh_c, tanh_c, out=dc_dh)
        np.subtract(1.0, dc_dh, out=dc_dh)
        dc_dh *= o
        return coef, dc_dh

    def _gru_coefficients(self, t0: int) -> tuple[Array, Array, Array]:
        """Per unit of dh_t, steps t0 … T-1 at once, in reused buffers: the input products' coefficients
        [r z n], the hidden products' (the same for r and z, ⊙ r for n), and z (the direct path)."""
        H = self.H
        g3 = self.gates[t0:]
        rz = g3[..., : 2 * H]
        rg, z, n = (g3[..., k * H : (k + 1) * H] for k in range(3))
        m, h_prev = self.m[t0:], self.h_all[t0:-1]
        ci, ch, tmp = self.coef[t0:], self.coef_h[t0:], self.tmp_T[t0:]
        cn = ci[..., 2 * H :]  # ∂h/∂a_n = (1 - z)(1 - n²)
        np.multiply(n, n, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.subtract(1.0, z, out=cn)
        cn *= tmp
        np.subtract(1.0, rz, out=ci[..., : 2 * H])  # σ' = s (1 - s) for r and z
        ci[..., : 2 * H] *= rz
        np.multiply(cn, m, out=tmp)  # r: cn m σ'(r)
        ci[..., :H] *= tmp
        np.subtract(h_prev, n, out=tmp)  # z: (h_{t-1} - n) σ'(z)
        ci[..., H : 2 * H] *= tmp
        ch[..., : 2 * H] = ci[..., : 2 * H]
        np.multiply(cn, rg, out=ch[..., 2 * H :])
        return ci, ch, z

    def _param_grads(self, t0: int) -> dict[str, Array]:
        assert self.x is not None
        k, D, H = self.k, self.D, self.H
        dgi = self.dgi[t0:].reshape(-1, k)
        dgh = dgi if self.dgh is self.dgi else self.dgh[t0:].reshape(-1, k)
        x = self.x[t0:].reshape(-1, D)
        h_prev = self.h_all[t0 : self.T].reshape(-1, H)
        db_ih = dgi.sum(axis=0)
        return {
            "weight_ih_l0": dgi.T @ x,
            "weight_hh_l0": dgh.T @ h_prev,
            "bias_ih_l0": db_ih,
            "bias_hh_l0": db_ih.copy() if dgh is dgi else dgh.sum(axis=0),
        }
