"""One training step, ours against PyTorch CPU (float64, one thread each): `python -m benchmarks.train`.

A step is what rc.train does per step: draw the batch (rc.task_batch), forward, readout and loss, backward
(BPTT), clip the global norm, Adam. PyTorch runs the same step on the same batch from the same weights
(nn.LSTM/GRU/RNN + nn.Linear, MSELoss, clip_grad_norm_, torch.optim.Adam). The two are interleaved, step by
step, and the table shows medians. First row of each kind: the lab's default sizes (rc.LAB_DEFAULTS).
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
from recurrent_core.training.fused import FusedStep
from recurrent_core.training.loop import initial_state
from recurrent_core.training.optim import Adam, clip_grads_
from recurrent_core.training.step import loss_and_grads
from recurrent_core.training.tasks import task_spec

torch.set_num_threads(1)
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def bench(kind: str, T: int, N: int, H: int, repeats: int) -> tuple[float, float, float]:
    """(ours ms, torch ms, max relative difference of the losses over the steps)."""
    d = rc.LAB_DEFAULTS
    spec = task_spec("adding")
    gate = d["gate_bias"][kind]
    params = initial_state(kind, spec, H, 0, **gate)
    fused = FusedStep(kind, T, N, spec.D, H)
    opt = Adam(d["lr"])
    clip = d["clip"]

    module = MODULES[kind](spec.D, H, dtype=torch.float64)
    fc = torch.nn.Linear(H, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, p in [*module.named_parameters(), *(("fc." + n, p) for n, p in fc.named_parameters())]:
            p.copy_(torch.from_numpy(params[name]))
    tparams = [*module.parameters(), *fc.parameters()]
    topt = torch.optim.Adam(tparams, lr=d["lr"])
    criterion = torch.nn.MSELoss()

    ours, theirs, diffs = [], [], []
    for step in range(repeats):
        t = time.perf_counter()
        x, y = rc.task_batch("adding", T, N, 0, step)
        result = loss_and_grads(fused, params, x, y, spec, None)
        clip_grads_(result.grads, clip)
        opt.step(params, result.grads)
        ours.append(time.perf_counter() - t)

        t = time.perf_counter()
        x, y = rc.task_batch("adding", T, N, 0, step)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        topt.zero_grad()
        out, _ = module(xt)
        loss = criterion(fc(out[-1]), yt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tparams, clip[1])
        topt.step()
        theirs.append(time.perf_counter() - t)
        diffs.append(abs(loss.item() - result.loss) / abs(loss.item()))
    skip = min(5, repeats // 5)  # warm-up
    # the first 20 steps: a tanh RNN past its exploding threshold trains chaotically, and a rounding-level
    # difference (1e-16) grows about 10x per step after ~40 Adam steps at T=100 (seen); the LSTM and GRU stay ~1e-15
    return float(np.median(ours[skip:]) * 1e3), float(np.median(theirs[skip:]) * 1e3), max(diffs[:20])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args(argv)
    d = rc.LAB_DEFAULTS
    cases = [(d["T"], d["batch"], d["H"]), (100, 32, 32), (50, 32, 64), (100, 16, 128)]
    print("| kind | T | batch | H | ours ms | PyTorch ms | ratio | steps/s ours | loss rel. diff, 20 steps |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in ("rnn", "lstm", "gru"):
        for T, N, H in cases:
            ours, theirs, diff = bench(kind, T, N, H, args.repeats)
            print(
                f"| {kind.upper()} | {T} | {N} | {H} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} "
                f"| {1e3 / ours:.0f} | {diff:.0e} |",
                flush=True,
            )
    print("\nThe default lab run (rc.train(kind, seed=0, **rc.lab_settings(kind)), checkpoints included):\n")
    print("| kind | steps | seconds | steps/s | mean loss of the last 100 steps / baseline |")
    print("|---|---|---|---|---|")
    total = 0.0
    for kind in ("rnn", "lstm", "gru"):
        run = rc.train(kind, seed=0, **rc.lab_settings(kind))
        total += run.seconds
        print(
            f"| {kind.upper()} | {run.steps_done} | {run.seconds:.1f} | {run.steps_per_second:.0f} "
            f"| {run.final_loss(100) / run.baseline:.3f} |",
            flush=True,
        )
    print(f"| all three | | {total:.1f} | | |")


if __name__ == "__main__":
    main()
