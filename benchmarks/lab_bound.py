"""How many steps per second the lab's default run could reach at best on this machine, beside what it reaches:
`python -m benchmarks.lab_bound`.

Issue 19 asks for the lab's steps per second at three times the NumPy lab's (RNN 1171, LSTM 244, GRU 225 at its
defaults: T = 50, batch 32, H = 32, the adding problem, Adam, clipping, a checkpoint every 25 steps). A step has
to do some work whatever the code: the matrix products of BPTT, the tanh of every gate (the sigmoid's is a tanh)
and the batch's draws (the documented stream: a generator per step, so that a batch is the same on every backend).
The checkpoints (41 in a run: a forward and a backward on the 64-sequence probe batch) add their own products and
tanh. This script times each of these alone, each in its fastest form on this machine and hot in cache, in the
same run as the lab itself:

    products     BLAS's dgemm called from compiled code, as the core calls it (``_compiled._gemm``): the input
                 projection (T·N, D) @ (D, kH), T forward products (N, H) @ (H, kH), T backward (N, kH) @ (kH, H),
                 the weight gradients (kH, T·N) @ (T·N, H) and (kH, T·N) @ (T·N, D) with their left operand
                 already contiguous (the transposes made before the clock starts)
    tanh         the core's compiled tanh (within 2 ulp of NumPy's) over T·N·H values per tanh block: 1 for the
                 RNN, 5 for the LSTM (i, f, g, o and c), 3 for the GRU (r, z, n)
    draws        the generator calls of one batch (``CompiledRun.draw``)
    checkpoints  the probe's forward and backward products and tanh, times 41 checkpoints ÷ 1000 steps

Their sum leaves out every other pass of a step (the backward's coefficients, the cell update, bias sums, the
readout, the norm, clipping and Adam), so ``1 / sum`` is an upper bound of the steps per second: no float64
implementation of this step that does these products and this tanh at this machine's speed can be faster.
The lab's own run is timed as ``rc.train`` runs it (compiled step, best of ``--runs``). A second, looser bound
follows: every product (the checkpoints' too) at the best rate the step's recurrent products reach on this
machine, their operands held in L1 (a step's operands change every t: its products run from L2 at best).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import time
from collections.abc import Callable

import numpy as np

import recurrent_core as rc
from recurrent_core.cells import backend, warmup
from recurrent_core.training import compiled_step
from recurrent_core.training.loop import initial_state
from recurrent_core.training.optim import Adam
from recurrent_core.training.tasks import task_spec

NUMPY_LAB = {"rnn": 1171, "lstm": 244, "gru": 225}  # issue 19: the NumPy lab's steps/s before the compiled loops
GOAL = 3.0
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
TANH_BLOCKS = {"rnn": 1, "lstm": 5, "gru": 3}


def _kernels():  # type: ignore[no-untyped-def]
    """The compiled timing loops (numba imported only here, after the backend is known to have it)."""
    from numba import njit

    from recurrent_core.cells._compiled import _gemm, _tanh

    @njit(cache=False, nogil=True)
    def products(x2, WiT, gi, h, WhT, g, da, Wh, dh, daT, h2, gW_hh, x2c, gW_ih, weights):  # type: ignore[no-untyped-def]
        sc = np.empty(2)
        T = h.shape[0]
        _gemm(x2, WiT, gi, 0.0, sc)
        for t in range(T):
            _gemm(h[t], WhT, g[t], 1.0, sc)
        for t in range(T - 1, -1, -1):
            _gemm(da[t], Wh, dh[t], 0.0, sc)
        if weights:
            _gemm(daT, h2, gW_hh, 0.0, sc)
            _gemm(daT, x2c, gW_ih, 0.0, sc)

    @njit(cache=False, nogil=True)
    def same_products(h, WhT, g, da, Wh, dh, repeats):  # type: ignore[no-untyped-def]
        sc = np.empty(2)
        for _ in range(repeats):
            _gemm(h, WhT, g, 1.0, sc)
            _gemm(da, Wh, dh, 0.0, sc)

    @njit(cache=False, nogil=True)
    def tanh_all(v):  # type: ignore[no-untyped-def]
        _tanh(v)

    return products, same_products, tanh_all


def best_seconds(fn: Callable[[], object], repeats: int = 7, inner: int = 20) -> float:
    """The fastest of ``repeats`` means over ``inner`` calls (the bound is the machine's best, not its median)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - start) / inner)
    return best


def product_seconds(products, kind: str, T: int, N: int, D: int, H: int, weights: bool) -> float:  # type: ignore[no-untyped-def]
    k = GATES[kind] * H
    rng = np.random.default_rng(0)
    x2 = rng.standard_normal((T * N, D))
    WiT, WhT, Wh = rng.standard_normal((D, k)), rng.standard_normal((H, k)), rng.standard_normal((k, H))
    h = 0.1 * rng.standard_normal((T, N, H))
    da = 0.1 * rng.standard_normal((T, N, k))
    gi, g, dh = np.empty((T * N, k)), np.zeros((T, N, k)), np.empty((T, N, H))
    daT = np.ascontiguousarray(da.reshape(T * N, k).T)
    h2 = np.ascontiguousarray(h.reshape(T * N, H))
    gW_hh, gW_ih = np.empty((k, H)), np.empty((k, D))
    args = (x2, WiT, gi, h, WhT, g, da, Wh, dh, daT, h2, gW_hh, x2, gW_ih, weights)
    return best_seconds(lambda: products(*args))


def product_flops(kind: str, T: int, N: int, D: int, H: int, weights: bool) -> float:
    """The floating-point operations of ``products`` (2 per multiply-add)."""
    k = GATES[kind] * H
    macs = T * N * D * k + 2 * T * N * H * k + (T * N * k * (H + D) if weights else 0)
    return 2.0 * macs


def peak_flops(same_products, kind: str, N: int, H: int) -> float:  # type: ignore[no-untyped-def]
    """FLOP/s of the step's two recurrent products, (N, H) @ (H, kH) and (N, kH) @ (kH, H), on the same operands
    100 times in a row from compiled code: in L1, this machine's best on the step's shapes (a step's operands change
    every t, so its products run from L2 at best)."""
    k = GATES[kind] * H
    rng = np.random.default_rng(2)
    h, WhT, g = rng.standard_normal((N, H)), rng.standard_normal((H, k)), np.zeros((N, k))
    da, Wh, dh = rng.standard_normal((N, k)), rng.standard_normal((k, H)), np.empty((N, H))
    repeats = 100
    return 4.0 * N * H * k * repeats / best_seconds(lambda: same_products(h, WhT, g, da, Wh, dh, repeats))


def tanh_seconds(tanh_all, kind: str, T: int, N: int, H: int) -> float:  # type: ignore[no-untyped-def]
    v = np.random.default_rng(1).standard_normal(T * N * H * TANH_BLOCKS[kind])
    return best_seconds(lambda: tanh_all(v))


def draw_seconds(kind: str, T: int, N: int, H: int) -> float:
    """One batch's draws, as the compiled run draws them (64 at a time)."""
    spec = task_spec("adding")
    config = rc.TrainConfig(kind, "adding", T, H, 64, 0, batch=N, optimizer="adam", lr=0.02)
    run = compiled_step.CompiledRun(compiled_step.kernels(), config, spec, Adam(0.02), initial_state(kind, spec, H, 0))
    return best_seconds(lambda: run.draw(0, compiled_step.CHUNK), repeats=5, inner=3) / compiled_step.CHUNK


def lab_run(kind: str, runs: int) -> rc.TrainingRun:
    best = None
    for _ in range(runs):
        run = rc.train(kind, seed=0, **rc.lab_settings(kind))
        if best is None or run.seconds < best.seconds:
            best = run
    assert best is not None
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="lab runs per kind (the fastest is shown)")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()}")
    print(f"compiled loops ready after {warmup.warm_up():.2f} s")
    backend.use("numba")
    if compiled_step.kernels() is None:
        raise SystemExit("the bound is timed with numba's compiled loops: numba is not available here")
    products, same_products, tanh_all = _kernels()
    print(
        "\n| kind | goal steps/s (3× NumPy lab) | lab run steps/s | bound steps/s | bound ms/step: products "
        "+ tanh + draws + checkpoints | lab run ms/step | goal ÷ bound |"
    )
    print("|---|---|---|---|---|---|---|")
    rates: list[str] = []
    for kind in ("rnn", "lstm", "gru"):
        s = rc.lab_settings(kind)
        T, N, H, steps, every = s["T"], s["batch"], s["H"], s["steps"], s["record_every"]
        D = task_spec("adding").D
        probe_N = rc.TrainConfig.from_mapping({"kind": kind, **s}).probe_batch_size
        checkpoints_per_step = (steps // every + 1) / steps
        parts = {
            "products": product_seconds(products, kind, T, N, D, H, weights=True),
            "tanh": tanh_seconds(tanh_all, kind, T, N, H),
            "draws": draw_seconds(kind, T, N, H),
            "checkpoints": checkpoints_per_step
            * (
                product_seconds(products, kind, T, probe_N, D, H, weights=False)
                + tanh_seconds(tanh_all, kind, T, probe_N, H)
            ),
        }
        bound = sum(parts.values())
        # the same bound with every product (the checkpoints' too) at the recurrent products' own rate
        rate = peak_flops(same_products, kind, N, H)
        flops = product_flops(kind, T, N, D, H, True) + checkpoints_per_step * product_flops(
            kind, T, probe_N, D, H, False
        )
        at_rate = (
            flops / rate
            + parts["tanh"]
            + parts["draws"]
            + checkpoints_per_step * tanh_seconds(tanh_all, kind, T, probe_N, H)
        )
        run = lab_run(kind, args.runs)
        goal = GOAL * NUMPY_LAB[kind]
        detail = " + ".join(f"{v * 1e3:.3f}" for v in parts.values())
        print(
            f"| {kind.upper()} | {goal:.0f} | {run.steps_per_second:.0f} | {1 / bound:.0f} | {bound * 1e3:.3f} = "
            f"{detail} | {1e3 / run.steps_per_second:.3f} | {goal * bound:.2f} |",
            flush=True,
        )
        rates.append(
            f"{kind.upper()}: {flops / 1e6:.1f} MFLOP a step at {rate / 1e9:.0f} GFLOP/s: {1 / at_rate:.0f} steps/s "
            f"(goal ÷ bound {goal * at_rate:.2f})"
        )
    print("\nThe bound with every product (the checkpoints' too) at the step's recurrent products' best rate, in L1:")
    print("\n".join(rates))
    print(f"\nload average {os.getloadavg()}")
    print(
        "goal ÷ bound above 1: the goal is out of reach for any implementation doing these products and this tanh at "
        "this machine's speed; below 1: reachable only if every other pass of a step fits in the difference"
    )


if __name__ == "__main__":
    main()
