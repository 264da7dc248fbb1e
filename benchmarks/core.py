"""Speed of ``rc.bptt`` (forward + full backward) on both backends of the core's loops (numba's compiled loops and
NumPy's) against PyTorch CPU autograd and JAX (jit-compiled ``lax.scan`` + ``grad``), one thread each.

Run from the repository root::

    python -m benchmarks.core                 # the table (about 2-3 minutes)
    python -m benchmarks.core --breakdown     # also forward vs backward and per-step cost of ours

Why the thread variables are set here, before NumPy is imported: OpenBLAS, OpenMP and MKL read
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS once, when the library is loaded (i.e. on
``import numpy`` / ``import torch``); setting them later has no effect. Pinning both sides to one thread
makes the comparison per core (the small per-step matmuls of a recurrence gain nothing from threads, and
a threaded BLAS on a 2-core VM only adds noise). OPENBLAS_CORETYPE, which forces OpenBLAS's kernel
choice, is left as the environment has it and only printed.

For every kind (RNN tanh, LSTM, GRU in PyTorch's formulation) and shape (T, N, D, H), both sides compute the
same thing from the same float64 data and weights (``rc.to_pytorch`` -> ``load_state_dict``):
the hidden states of the sequence from x and h0 (and c0), then the gradient of ``L = sum_t <dhs[t], h_t>``
with respect to every parameter, x and h0 (and c0). Ours is one ``rc.bptt(layer, x, dhs, h0, c0)`` call;
PyTorch's is ``module(x, h0)`` then ``(out * dhs).sum().backward()`` with x, h0 (c0) requiring grad.
JAX's is ``jax.value_and_grad`` of that loss over ``lax.scan`` (the input projection hoisted out of the scan),
jit-compiled, float64 (``jax_enable_x64``), on XLA's CPU backend limited to one thread; its column reads "–" when
jax is not installed. The gradients are compared once per case (max_rel_err = max over every output of
max|ours - ref| / max|ref|). Times are the median of repeated calls with the garbage collector off, every side
called in turn so that load from elsewhere on the machine hits all alike.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
# XLA's CPU backend: one thread for its own work and its Eigen products, as the other sides
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import contextlib
import ctypes
import dataclasses
import gc
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

import recurrent_core as rc
from recurrent_core.cells import _ops, backend, warmup

try:
    import torch
except ImportError:  # the comparison columns are then left empty
    torch = None
try:
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
except ImportError:  # its column reads "–"
    jax = None

KINDS = ("rnn", "lstm", "gru")
SHAPES = ((20, 2, 3, 3), (100, 1, 8, 64), (100, 16, 32, 128), (500, 8, 32, 256), (1000, 1, 16, 64))
TARGET_RATIO = 0.5
FLOOR_FACTOR = 1.15  # issue 8: every case at most max(0.5 × PyTorch, 1.15 × floor)
GOAL_FLOOR = 1.2  # issue 19: at most JAX's time, and at most 1.2 × floor where the products dominate
PRODUCTS_DOMINATE = 2048  # N·H from which the products dominate (the table in the README)
SEED = 0


# ----------------------------------------------------------------------------------------------- environment
def _openblas_runtime() -> str | None:
    """Core type and thread count from the OpenBLAS that NumPy loaded (what threadpoolctl would report)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            try:
                corename = getattr(lib, f"{prefix}_get_corename{suffix}")
                threads = getattr(lib, f"{prefix}_get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            return f"{os.path.basename(path)}: core {corename().decode()}, {threads()} thread(s)"
    return None


def blas_summary() -> list[str]:
    try:
        from threadpoolctl import threadpool_info

        return [
            " ".join(
                str(v)
                for v in (
                    p.get("internal_api"),
                    p.get("version"),
                    p.get("architecture") and f"core={p['architecture']}",
                    f"threads={p.get('num_threads')}",
                    f"({os.path.basename(p.get('filepath', ''))})",
                )
                if v
            )
            for p in threadpool_info()
        ]
    except ImportError:
        pass
    lines = []
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        lines.append(
            f"numpy built with {blas.get('name')} {blas.get('version')} "
            f"[{blas.get('openblas configuration', '').strip()}]"
        )
    except Exception as exc:  # older NumPy: no mode="dicts"
        lines.append(f"np.show_config summary unavailable ({exc})")
    runtime = _openblas_runtime()
    if runtime:
        lines.append(f"runtime: {runtime}")
    return lines


def print_environment() -> None:
    print("== environment")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__ if torch is not None else 'not importable'}"
    )
    for line in blas_summary():
        print(f"BLAS: {line}")
    print(
        f"machine: {platform.machine()}, platform.processor()={platform.processor()!r}, {_cpu_model()}, "
        f"nproc={os.cpu_count()}"
    )
    print(
        "threads: "
        + ", ".join(f"{v}={os.environ.get(v)}" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))
        + (f", torch.get_num_threads()={torch.get_num_threads()}" if torch is not None else "")
    )
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')!s}")
    print()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "cpu model unknown"


# ----------------------------------------------------------------------------------------------- the cases
@dataclasses.dataclass
class Case:
    kind: str
    T: int
    N: int
    D: int
    H: int
    layer: object
    x: np.ndarray
    dhs: np.ndarray
    h0: np.ndarray
    c0: np.ndarray | None

    def ours(self):
        return rc.bptt(self.layer, self.x, self.dhs, h0=self.h0, c0=self.c0)

    def on(self, name: str):
        """``ours`` on one backend of the loops ("numba" or "numpy")."""

        def run():
            backend.use(name)
            return self.ours()

        return run


def make_case(kind: str, T: int, N: int, D: int, H: int) -> Case:
    rng = np.random.default_rng([SEED, T, N, D, H, KINDS.index(kind)])
    layer = rc.init_layer(kind, D, H, seed=SEED)  # PyTorch's default init; GRU in PyTorch's formulation
    x = rng.standard_normal((T, N, D))
    dhs = rng.standard_normal((T, N, H))
    h0 = 0.5 * rng.standard_normal((N, H))
    c0 = 0.5 * rng.standard_normal((N, H)) if kind == "lstm" else None
    return Case(kind, T, N, D, H, layer, x, dhs, h0, c0)


class TorchSide:
    """The same computation in PyTorch: a float64 nn.RNN/LSTM/GRU with our weights, x and h0 (c0) as leaves."""

    def __init__(self, case: Case):
        cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[case.kind]
        extra = {"nonlinearity": "tanh"} if case.kind == "rnn" else {}
        self.module = cls(case.D, case.H, num_layers=1, bias=True, batch_first=False, dtype=torch.float64, **extra)
        self.module.load_state_dict({k: torch.from_numpy(v) for k, v in rc.to_pytorch(case.layer).items()})
        self.x = torch.from_numpy(case.x.copy()).requires_grad_(True)
        self.h0 = torch.from_numpy(case.h0[None].copy()).requires_grad_(True)
        self.c0 = torch.from_numpy(case.c0[None].copy()).requires_grad_(True) if case.c0 is not None else None
        self.dhs = torch.from_numpy(case.dhs.copy())
        self.leaves = [self.x, self.h0] + ([self.c0] if self.c0 is not None else [])

    def run(self):
        for leaf in self.leaves:
            leaf.grad = None
        self.module.zero_grad(set_to_none=True)
        hx = (self.h0, self.c0) if self.c0 is not None else self.h0
        out, _ = self.module(self.x, hx)
        (out * self.dhs).sum().backward()
        return out


class JaxSide:
    """The same computation in JAX: value_and_grad over lax.scan, jit-compiled, float64."""

    def __init__(self, case: Case):
        kind, H = case.kind, case.H
        state = rc.to_pytorch(case.layer)
        self.params = {k: jnp.asarray(v) for k, v in state.items()}
        self.x, self.dhs = jnp.asarray(case.x), jnp.asarray(case.dhs)
        self.h0 = jnp.asarray(case.h0)
        self.c0 = jnp.asarray(case.c0) if case.c0 is not None else jnp.zeros_like(self.h0)

        def loss(params, x, h0, c0):
            W_ih, W_hh = params["weight_ih_l0"], params["weight_hh_l0"]
            b_ih, b_hh = params["bias_ih_l0"], params["bias_hh_l0"]
            gi = x @ W_ih.T + b_ih  # (T, N, kH), hoisted out of the scan

            def step(carry, g):
                h, c = carry
                gh = h @ W_hh.T + b_hh
                if kind == "rnn":
                    h = jnp.tanh(g + gh)
                elif kind == "lstm":
                    a = g + gh
                    i, f = jax.nn.sigmoid(a[:, :H]), jax.nn.sigmoid(a[:, H : 2 * H])
                    gg, o = jnp.tanh(a[:, 2 * H : 3 * H]), jax.nn.sigmoid(a[:, 3 * H :])
                    c = f * c + i * gg
                    h = o * jnp.tanh(c)
                else:
                    r = jax.nn.sigmoid(g[:, :H] + gh[:, :H])
                    z = jax.nn.sigmoid(g[:, H : 2 * H] + gh[:, H : 2 * H])
                    n = jnp.tanh(g[:, 2 * H :] + r * gh[:, 2 * H :])
                    h = (1.0 - z) * n + z * h
                return (h, c), h

            _, hs = jax.lax.scan(step, (h0, c0), gi)
            return jnp.sum(hs * self.dhs), hs

        self.fn = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3), has_aux=True))
        self.run()  # compile

    def run(self):
        out = self.fn(self.params, self.x, self.h0, self.c0)
        jax.block_until_ready(out)
        return out


def jax_rel_err(case: Case, side: JaxSide) -> float:
    """max over every output of max|ours - jax| / max|jax|."""
    trace = case.ours()
    (_, hs), (g_params, g_x, g_h0, g_c0) = side.run()
    pairs = [(trace.hs, hs), (trace.dx, g_x), (trace.dh0, g_h0)]
    if case.c0 is not None:
        pairs.append((trace.dc0, g_c0))
    pairs += [(trace.grads[k], g_params[k]) for k in rc.STATE_KEYS]
    worst = 0.0
    for ours, ref in pairs:
        ref = np.asarray(ref)
        scale = np.max(np.abs(ref))
        worst = max(worst, float(np.max(np.abs(ours - ref)) / (scale if scale > 0 else 1.0)))
    return worst


def max_rel_err(case: Case, side: TorchSide) -> float:
    """max over every output of max|ours - torch| / max|torch| (hidden states and all gradients)."""
    trace = case.ours()
    out = side.run().detach().numpy()
    pairs = [(trace.hs, out), (trace.dx, side.x.grad.numpy()), (trace.dh0, side.h0.grad.numpy()[0])]
    if case.c0 is not None:
        pairs.append((trace.dc0, side.c0.grad.numpy()[0]))
    params = dict(side.module.named_parameters())
    pairs += [(trace.grads[k], params[k].grad.numpy()) for k in rc.STATE_KEYS]
    worst = 0.0
    for ours, ref in pairs:
        scale = np.max(np.abs(ref))
        worst = max(worst, float(np.max(np.abs(ours - ref)) / (scale if scale > 0 else 1.0)))
    return worst


def floor_fn(case: Case):
    """The matrix products BPTT cannot avoid, timed alone on the same shapes (one BLAS call each): the input
    projection (T·N, D) @ (D, kH), T forward recurrent products (N, H) @ (H, kH), T backward ones
    (N, kH) @ (kH, H), the two weight-gradient products (D, T·N) @ (T·N, kH) and (H, T·N) @ (T·N, kH), and the
    input gradient dx = dA W_ih, (T·N, kH) @ (kH, D), which rc.bptt returns (trace.dx). The recurrent products are
    split into gate blocks where that is faster, as the core does (_ops.BlockProduct), and dx is formed as the
    core forms it (trace.backward_with_preactivations: T products (N, kH) @ (kH, D) below D = 128, one above).
    (Until 4 December 2026 the floor left dx out, as the issue's first definition did; the core cannot.)"""
    T, N, D, H = case.T, case.N, case.D, case.H
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[case.kind]
    k = gates * H
    rng = np.random.default_rng(0)
    x2 = rng.standard_normal((T * N, D))
    W_ih_T = rng.standard_normal((D, k))
    W_hh_T = rng.standard_normal((H, k))
    forward_product = _ops.BlockProduct(W_hh_T, gates, N)
    backward_product = _ops.BlockSumProduct(np.ascontiguousarray(W_hh_T.T), gates, N)
    h = rng.standard_normal((T, N, H))
    da = rng.standard_normal((T, N, k))
    gi = np.empty((T * N, k))
    gh = np.empty((N, k))
    dW_ih, dW_hh = np.empty((D, k)), np.empty((H, k))
    x2_T, h2_T, da2 = np.ascontiguousarray(x2.T), np.ascontiguousarray(h.reshape(T * N, H).T), da.reshape(T * N, k)
    W_ih = rng.standard_normal((k, D))
    dx = np.empty((T, N, D))
    dx2 = dx.reshape(T * N, D)

    def run() -> None:
        np.matmul(x2, W_ih_T, out=gi)
        for t in range(T):
            forward_product(h[t], out=gh)
        for t in range(T - 1, -1, -1):
            backward_product(da[t])
        np.matmul(x2_T, da2, out=dW_ih)
        np.matmul(h2_T, da2, out=dW_hh)
        if D >= 128:
            np.matmul(da2, W_ih, out=dx2)
        else:
            np.matmul(da, W_ih, out=dx)

    return run


def elementwise_fn(case: Case):
    """The forward's element-wise work alone, on the same shapes, in its tightest NumPy form (buffers reused and
    hot in cache, contiguous gate blocks, no products): per step, adding the recurrent product to the input
    projection, the activations (one tanh over all kH pre-activations, σ from it for the sigmoid gates) and the
    state update. No implementation that calls NumPy per step can skip it, and the backward needs at least as
    many passes again, so floor + this is a lower bound of a NumPy BPTT, not counting the backward's own."""
    T, N, H = case.T, case.N, case.H
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[case.kind]
    rng = np.random.default_rng(1)
    pre = 0.3 * rng.standard_normal((T, gates, N, H))  # the input projections, one contiguous block per gate
    product = 0.3 * rng.standard_normal((gates, N, H))
    h, c, tmp = np.zeros((N, H)), np.zeros((N, H)), np.empty((N, H))
    tanh, mul = np.tanh, np.multiply

    def rnn() -> None:
        for t in range(T):
            tanh(np.add(pre[t, 0], product[0], out=tmp), out=h)

    def lstm() -> None:  # blocks i, f, o, g: the sigmoid ones first
        for t in range(T):
            a = pre[t]
            a += product
            tanh(a, out=a)
            s = a[:3]
            s *= 0.5
            s += 0.5
            mul(a[1], c, out=c)
            np.add(c, mul(a[0], a[3], out=tmp), out=c)
            mul(a[2], tanh(c, out=tmp), out=h)

    def gru() -> None:  # blocks r, z, n
        for t in range(T):
            a = pre[t]
            a[:2] += product[:2]
            s = tanh(a[:2], out=a[:2])
            s *= 0.5
            s += 0.5
            n = a[2]
            n += mul(a[0], product[2], out=tmp)
            tanh(n, out=n)
            np.subtract(h, n, out=tmp)  # h = n + z (h - n)
            np.add(n, mul(tmp, a[1], out=tmp), out=h)

    return {"rnn": rnn, "lstm": lstm, "gru": gru}[case.kind]


# wall time (the default) or the process's CPU time (--clock cpu: every thread of this process, so XLA's too; time
# spent waiting for a core another program holds is not counted, which makes figures on a loaded machine dependable)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter


def _timed(fn) -> float:
    t0 = _clock()
    fn()
    return _clock() - t0


def median_seconds(*fns, budget: float, min_reps: int = 5, max_reps: int = 300) -> list[float]:
    """Median wall time of each of ``fns``: one warm-up each, then as many rounds as fit in ``budget`` seconds,
    a round calling every function once in turn. Interleaving means a burst of load from elsewhere on the
    machine hits both sides of a comparison alike instead of one of them."""
    for fn in fns:
        fn()
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        times = [[_timed(fn)] for fn in fns]
        per_round = sum(t[0] for t in times)
        rounds = int(min(max_reps, max(min_reps, budget / max(per_round, 1e-9))))
        for _ in range(rounds - 1):
            for fn, ts in zip(fns, times, strict=False):
                ts.append(_timed(fn))
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(ts) for ts in times]


# ----------------------------------------------------------------------------------------------- memory
def trace_bytes(trace) -> int:
    """Bytes of the arrays the trace holds: hs, dh, dc, dx, dh0, dc0 and every array of its tape (no double
    counting of an array held twice, e.g. trace.hs is tape.hs). Parameter gradients (O(H^2)) are left out."""
    arrays = [trace.hs, trace.dh, trace.dc, trace.dx, trace.dh0, trace.dc0]
    arrays += [getattr(trace.tape, f.name) for f in dataclasses.fields(trace.tape)]
    seen, total = set(), 0
    for a in arrays:
        if isinstance(a, np.ndarray) and id(a) not in seen:
            seen.add(id(a))
            total += a.nbytes
    return total


def print_memory(shape) -> None:
    T, N, D, H = shape
    print(
        f"== tape memory for the largest case (T, N, D, H) = {shape}: "
        "arrays held by the trace (hs, dh, dc, dx + tape), and peak allocation during one bptt call"
    )
    print(f"{'kind':<5} {'MiB':>8} {'/ (8*T*N*H)':>12} {'MiB at T/2':>11} {'T:T/2 ratio':>12} {'peak MiB':>9}")
    for kind in KINDS:
        full, half = make_case(kind, T, N, D, H), make_case(kind, T // 2, N, D, H)
        b_full, b_half = trace_bytes(full.ours()), trace_bytes(half.ours())
        gc.collect()
        tracemalloc.start()
        trace = full.ours()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del trace
        print(
            f"{kind:<5} {b_full / 2**20:>8.1f} {b_full / (8 * T * N * H):>12.2f} {b_half / 2**20:>11.1f} "
            f"{b_full / b_half:>12.3f} {peak / 2**20:>9.1f}"
        )
    print(
        "(bytes / (8*T*N*H) is the number of (T, N, H) float64 arrays held; it stays fixed and halving T "
        "halves the bytes: O(T*N*(H + D)), nothing quadratic. Peak adds bptt's transient dgi/dgh.)"
    )
    print()


# ----------------------------------------------------------------------------------------------- breakdown
def print_breakdown(budget: float) -> None:
    """Forward alone vs the whole call, and ours per recurrent step."""
    print("== breakdown of ours: forward (rc.forward) vs backward (bptt - forward), per step")
    print(
        f"{'kind':<5} {'T':>5} {'N':>3} {'D':>3} {'H':>4} {'fwd_ms':>9} {'bwd_ms':>9} {'fwd_us/step':>12} "
        f"{'bwd_us/step':>12}"
    )
    for kind in KINDS:
        for shape in SHAPES:
            case = make_case(kind, *shape)
            t_all, t_fwd = median_seconds(
                case.ours, lambda case=case: rc.forward(case.layer, case.x, case.h0, case.c0), budget=budget
            )
            T = shape[0]
            print(
                f"{kind:<5} {shape[0]:>5} {shape[1]:>3} {shape[2]:>3} {shape[3]:>4} {t_fwd * 1e3:>9.3f} "
                f"{(t_all - t_fwd) * 1e3:>9.3f} {t_fwd / T * 1e6:>12.2f} {(t_all - t_fwd) / T * 1e6:>12.2f}"
            )
    print()


# ----------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--budget",
        type=float,
        default=8.0,
        help="seconds of interleaved repeats per case (min 5, max 300 rounds); default 8 (about 2 minutes in all)",
    )
    parser.add_argument("--breakdown", action="store_true", help="also time forward vs backward of ours")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="what is timed: wall time (default) or this process's CPU time (steadier on a loaded machine)",
    )
    args = parser.parse_args(argv)
    global _clock
    _clock = CLOCKS[args.clock]

    if torch is not None:
        torch.set_num_threads(1)
        with contextlib.suppress(RuntimeError):  # only settable before any inter-op work
            torch.set_num_interop_threads(1)
    print_environment()

    ready = warmup.warm_up()
    print(f"compiled loops ({backend.name()}) ready after {ready:.2f} s; jax {jax.__version__ if jax else '–'}")
    header = (
        f"{'kind':<5} {'T':>5} {'N':>3} {'D':>3} {'H':>4} {'numba_ms':>9} {'numpy_ms':>9} {'torch_ms':>9} "
        f"{'jax_ms':>8} {'floor_ms':>9} {'ew_ms':>7} {'/numpy':>7} {'/torch':>7} {'/jax':>6} {'/floor':>7} "
        f"{'err_torch':>9} {'err_jax':>8}  goal"
    )
    print(f"== forward + backward, median {args.clock} time, one thread each; ours on both backends of its loops")
    print("   /numpy, /torch, /jax, /floor: the numba backend's time divided by that column's")
    print(
        "   floor = the matrix products the core must do, alone, dx's included (see floor_fn); "
        "ew = the forward's element-wise work alone"
    )
    print(
        f"   goal (issue 19): numba <= jax, and <= {GOAL_FLOOR} floor where the products dominate "
        f"(N·H >= {PRODUCTS_DOMINATE}); issue 8's target max({TARGET_RATIO} torch, {FLOOR_FACTOR} floor) after it"
    )
    print(header)
    print("-" * len(header))
    ratios, verdicts, goals = [], [], []
    started = time.perf_counter()

    def cell(v: float | None, fmt: str, width: int) -> str:
        return f"{'–':>{width}}" if v is None else f"{v:>{width}{fmt}}"

    for kind in KINDS:
        for shape in SHAPES:
            case = make_case(kind, *shape)
            fns = [case.on("numba"), case.on("numpy"), floor_fn(case), elementwise_fn(case)]
            tside = TorchSide(case) if torch is not None else None
            jside = JaxSide(case) if jax is not None else None
            if tside is not None:
                fns.append(tside.run)
            if jside is not None:
                fns.append(jside.run)
            err_t = max_rel_err(case, tside) if tside is not None else None
            err_j = jax_rel_err(case, jside) if jside is not None else None
            times = median_seconds(*fns, budget=args.budget)
            backend.use(None)
            fast, slow, floor, ew = times[:4]
            theirs = times[4] if tside is not None else None
            jx = times[-1] if jside is not None else None
            T, N, D, H = shape
            goal_ok = (jx is None or fast <= jx) and (N * H < PRODUCTS_DOMINATE or fast <= GOAL_FLOOR * floor)
            goals.append(goal_ok)
            verdict = ""
            if theirs is not None:
                ratios.append(fast / theirs)
                target = max(TARGET_RATIO * theirs, FLOOR_FACTOR * floor)
                verdict = "met" if fast <= target else ("below reach" if floor + ew > target else "not met")
                verdicts.append(verdict)
            ms = 1e3
            print(
                f"{kind:<5} {T:>5} {N:>3} {D:>3} {H:>4} {fast * ms:>9.3f} {slow * ms:>9.3f} "
                f"{cell(theirs and theirs * ms, '.3f', 9)} {cell(jx and jx * ms, '.3f', 8)} {floor * ms:>9.3f} "
                f"{ew * ms:>7.3f} {fast / slow:>7.2f} {cell(theirs and fast / theirs, '.2f', 7)} "
                f"{cell(jx and fast / jx, '.2f', 6)} {fast / floor:>7.2f} {cell(err_t, '.1e', 9)} "
                f"{cell(err_j, '.1e', 8)}  {'met' if goal_ok else 'not met'}; {verdict}",
                flush=True,
            )
    print(f"({time.perf_counter() - started:.0f} s)")
    print()

    print_memory(max(SHAPES, key=lambda s: s[0] * s[1] * s[3]))
    if args.breakdown:
        print_breakdown(args.budget)

    if torch is None:
        print("target: not checked (torch is not importable)")
    else:
        n_ok = sum(r <= TARGET_RATIO for r in ratios)
        verdict = "MET" if n_ok == len(ratios) else "NOT MET"
        print(
            f"target ours/torch <= {TARGET_RATIO} for every case: {verdict} ({n_ok}/{len(ratios)} cases; "
            f"worst ratio {max(ratios):.2f}, best {min(ratios):.2f})"
        )
        print(
            f"goal of issue 19 (numba <= jax, <= {GOAL_FLOOR} floor where products dominate): "
            f"{sum(goals)} of {len(goals)}"
        )
        counts = {v: verdicts.count(v) for v in ("met", "not met", "below reach")}
        print(
            f"target max({TARGET_RATIO} torch, {FLOOR_FACTOR} floor): met {counts['met']}, not met "
            f"{counts['not met']}, below reach (floor + ew alone above it) {counts['below reach']} of {len(verdicts)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
