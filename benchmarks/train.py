"""One training step, ours against PyTorch CPU (float64, one thread each): `python -m benchmarks.train`.

A step is what rc.train does per step: draw the batch (rc.task_batch), forward, readout and loss, backward
(BPTT), clip the global norm, Adam. Ours runs three ways: the whole step compiled (training/_compiled.py, what
rc.train runs on the numba backend: one step per call here), the NumPy step over numba's compiled loops (the step
before it) and the NumPy step over NumPy's loops (RC_BACKEND=numpy, the definition); PyTorch runs the same step on
the same batch from the same weights (nn.LSTM/GRU/RNN + nn.Linear, MSELoss, clip_grad_norm_, torch.optim.Adam).
The four are interleaved, step by step, and the table shows medians. First row of each kind: the lab's default
sizes (rc.LAB_DEFAULTS). The lab's whole default run follows, on each backend (runs alternated, best of
``--runs``; checkpoints included). The load average is printed before and after.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import time

import numpy as np
import torch

import recurrent_core as rc
from recurrent_core.cells import backend, warmup
from recurrent_core.training import compiled_step
from recurrent_core.training.fused import FusedStep
from recurrent_core.training.loop import initial_state
from recurrent_core.training.optim import Adam, clip_grads_
from recurrent_core.training.step import loss_and_grads
from recurrent_core.training.tasks import task_spec

torch.set_num_threads(1)
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def bench(kind: str, T: int, N: int, H: int, repeats: int) -> tuple[float, float, float, float, float]:
    """(ours ms compiled step, ours ms NumPy step on numba's loops, ours ms on NumPy, torch ms, max relative
    difference of the losses over the first 20 steps)."""
    d = rc.LAB_DEFAULTS
    spec = task_spec("adding")
    gate = d["gate_bias"][kind]
    initial = initial_state(kind, spec, H, 0, **gate)
    clip = d["clip"]
    ours = {
        name: (FusedStep(kind, T, N, spec.D, H), {k: v.copy() for k, v in initial.items()}, Adam(d["lr"]))
        for name in ("numba", "numpy")
    }
    backend.use("numba")
    config = rc.TrainConfig(kind, "adding", T, H, repeats, 0, batch=N, optimizer="adam", lr=d["lr"], clip=clip, **gate)
    module = compiled_step.kernels()
    assert module is not None, "the compiled step needs numba"
    compiled = compiled_step.CompiledRun(module, config, spec, Adam(d["lr"]), {k: v.copy() for k, v in initial.items()})
    c_loss, c_metric, c_gnorm = np.empty(repeats), np.empty(repeats), np.empty(repeats)

    module = MODULES[kind](spec.D, H, dtype=torch.float64)
    fc = torch.nn.Linear(H, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, p in [*module.named_parameters(), *(("fc." + n, p) for n, p in fc.named_parameters())]:
            p.copy_(torch.from_numpy(initial[name]))
    tparams = [*module.parameters(), *fc.parameters()]
    topt = torch.optim.Adam(tparams, lr=d["lr"])
    criterion = torch.nn.MSELoss()

    times: dict[str, list[float]] = {"compiled": [], "numba": [], "numpy": [], "torch": []}
    diffs = []
    for step in range(repeats):
        losses = {}
        backend.use("numba")
        t = time.perf_counter()
        compiled.run(step, 1, c_loss, c_metric, c_gnorm)
        times["compiled"].append(time.perf_counter() - t)
        losses["compiled"] = float(c_loss[step])
        for name, (fused, params, opt) in ours.items():
            backend.use(name)
            t = time.perf_counter()
            x, y = rc.task_batch("adding", T, N, 0, step)
            result = loss_and_grads(fused, params, x, y, spec, None)
            clip_grads_(result.grads, clip)
            opt.step(params, result.grads)
            times[name].append(time.perf_counter() - t)
            losses[name] = result.loss
        backend.use(None)

        t = time.perf_counter()
        x, y = rc.task_batch("adding", T, N, 0, step)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        topt.zero_grad()
        out, _ = module(xt)
        loss = criterion(fc(out[-1]), yt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tparams, clip[1])
        topt.step()
        times["torch"].append(time.perf_counter() - t)
        diffs.append(max(abs(loss.item() - v) / abs(loss.item()) for v in losses.values()))
    skip = min(5, repeats // 5)  # warm-up
    # the first 20 steps: a tanh RNN past its exploding threshold trains chaotically, and a rounding-level
    # difference (1e-16) grows about 10x per step after ~40 Adam steps at T=100 (seen); the LSTM and GRU stay ~1e-15
    ms = {name: float(np.median(ts[skip:]) * 1e3) for name, ts in times.items()}
    return ms["compiled"], ms["numba"], ms["numpy"], ms["torch"], max(diffs[:20])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2, help="lab runs per kind and backend (best one shown)")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()}")
    print(f"compiled loops ready after {warmup.warm_up():.2f} s")
    d = rc.LAB_DEFAULTS
    cases = [(d["T"], d["batch"], d["H"]), (100, 32, 32), (50, 32, 64), (100, 16, 128)]
    print(
        "| kind | T | batch | H | compiled step ms | NumPy step on numba loops ms | NumPy ms | PyTorch ms "
        "| NumPy ÷ compiled | compiled ÷ PyTorch | steps/s compiled | loss rel. diff, 20 steps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in ("rnn", "lstm", "gru"):
        for T, N, H in cases:
            whole, loops, slow, theirs, diff = bench(kind, T, N, H, args.repeats)
            print(
                f"| {kind.upper()} | {T} | {N} | {H} | {whole:.2f} | {loops:.2f} | {slow:.2f} | {theirs:.2f} "
                f"| {slow / whole:.2f} | {whole / theirs:.2f} | {1e3 / whole:.0f} | {diff:.0e} |",
                flush=True,
            )
    print(f"\nload average {os.getloadavg()}")
    print("\nThe default lab run (rc.train(kind, seed=0, **rc.lab_settings(kind)), checkpoints included):\n")
    print(
        "| kind | steps | steps/s numba | steps/s NumPy | × | ms/step numba | ms/step NumPy "
        "| mean loss of the last 100 steps / baseline (numba, NumPy) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("rnn", "lstm", "gru"):
        best: dict[str, rc.TrainingRun] = {}
        for _ in range(args.runs):
            for name in ("numba", "numpy"):
                backend.use(name)
                run = rc.train(kind, seed=0, **rc.lab_settings(kind))
                if name not in best or run.seconds < best[name].seconds:
                    best[name] = run
        backend.use(None)
        fast, slow = best["numba"], best["numpy"]
        print(
            f"| {kind.upper()} | {fast.steps_done} | {fast.steps_per_second:.0f} | {slow.steps_per_second:.0f} "
            f"| {fast.steps_per_second / slow.steps_per_second:.2f} | {1e3 / fast.steps_per_second:.2f} "
            f"| {1e3 / slow.steps_per_second:.2f} | {fast.final_loss(100) / fast.baseline:.3f}, "
            f"{slow.final_loss(100) / slow.baseline:.3f} |",
            flush=True,
        )
    print(f"\nload average {os.getloadavg()}")


if __name__ == "__main__":
    main()
