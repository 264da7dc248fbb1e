"""Which lag tells the story? Train every kind on the adding problem at several lags and seeds, one thread.

    python -m benchmarks.sweep                      # the README's table (about 6–10 min on one core)
    python -m benchmarks.sweep --lags 30 --seeds 2  # a quick look

Every run uses rc.LAB_DEFAULTS except the lag T, the seed and the gate bias of the row. The score of a run is
the mean training loss over its last 100 steps divided by the baseline (1/6, always predicting 1): 1 means it
learned nothing, 0.1 that it explains 90 % of the variance. "learned" counts seeds with a score below 0.2.
Steps/s is the median over the row's seeds (the whole step: batch, forward, BPTT, readout, clipping, Adam).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import time

import numpy as np

import recurrent_core as rc

# (row label, kind, gate-bias options)
ROWS = [
    ("RNN tanh", "rnn", {}),
    ("LSTM forget bias 0", "lstm", {"forget_bias": 0.0}),
    ("LSTM forget bias +1", "lstm", {"forget_bias": 1.0}),
    ("LSTM forget bias +2", "lstm", {"forget_bias": 2.0}),
    ("GRU update bias 0", "gru", {"update_bias": 0.0}),
    ("GRU update bias +1", "gru", {"update_bias": 1.0}),
]
# controls: can the tanh RNN learn the task at all, at short lags or a smaller learning rate?
CONTROLS = [
    ("RNN tanh", "rnn", {}, [5, 10]),
    ("RNN tanh, lr 0.002", "rnn", {"lr": 0.002}, [5, 10, 20, 30]),
]
LEARNED = 0.2
WINDOW = 100


def score(run: rc.TrainingRun) -> float:
    return float(np.mean(run.loss[-WINDOW:]) / run.baseline)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lags", type=int, nargs="+", default=[20, 30, 50, 75])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="default: LAB_DEFAULTS['steps']")
    parser.add_argument("--part", choices=("main", "controls", "all"), default="all")
    parser.add_argument("--json", default=None, help="also write every score to this file")
    args = parser.parse_args(argv)
    steps = args.steps or rc.LAB_DEFAULTS["steps"]
    d = {k: v for k, v in rc.LAB_DEFAULTS.items() if k not in ("gate_bias", "T", "steps", "task", "H")}
    task, H = rc.LAB_DEFAULTS["task"], rc.LAB_DEFAULTS["H"]
    print(
        f"{task} problem, H={H}, batch={d['batch']}, {steps} steps, {d['optimizer']} lr={d['lr']}, "
        f"clip={d['clip']}, seeds 0..{args.seeds - 1}; score = mean loss of the last {WINDOW} steps / baseline"
    )
    results = []
    start = time.perf_counter()
    grid = [(T, label, kind, gate) for T in args.lags for label, kind, gate in ROWS] if args.part != "controls" else []
    if args.part != "main":
        grid += [(T, label, kind, gate) for label, kind, gate, lags in CONTROLS for T in lags]
    for T, label, kind, gate in grid:
        scores, rates = [], []
        for seed in range(args.seeds):
            run = rc.train(kind, task, T, H, steps, seed, **{**d, **gate, "record_every": steps})
            scores.append(score(run) if run.status == "done" else float("nan"))
            rates.append(run.steps_per_second)
        results.append({"T": T, "row": label, "scores": scores, "steps_per_s": float(np.median(rates))})
        print(f"  T={T:<3} {label:<22} " + " ".join(f"{s:6.3f}" for s in scores), flush=True)
    total = time.perf_counter() - start
    print(f"\ntotal {total / 60:.1f} min\n")
    print("| T | model | score per seed (loss / baseline, last 100 steps) | median | learned | steps/s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        s = np.array(r["scores"])
        cells = ", ".join(f"{v:.3f}" for v in s)
        learned = int(np.sum(s < LEARNED))
        print(
            f"| {r['T']} | {r['row']} | {cells} | {np.nanmedian(s):.3f} | {learned}/{len(s)} | {r['steps_per_s']:.0f} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"steps": steps, "defaults": {k: str(v) for k, v in d.items()}, "results": results}, f)


if __name__ == "__main__":
    main()
