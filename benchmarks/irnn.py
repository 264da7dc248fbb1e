"""Does an IRNN (ReLU, W_hh = I: Le et al. 2015) learn the lab's adding problem where the tanh RNN does not?

    python -m benchmarks.irnn                                   # the README's table (one thread)
    python -m benchmarks.irnn --lrs 0.001 0.002 --seeds 0 1 2   # a quick look
    python -m benchmarks.irnn --record                          # the preset's record: explorer/lab/irnn_preset.json

Every run uses rc.LAB_DEFAULTS (T = 50, H = 32, batch 32, Adam, clipping at norm 1) except the RNN's activation and
init, the learning rate, the steps and the seed. A run is judged as the lab's readings judge it
(explorer/lab/claims.py): "learned" is a mean loss over the last 50 steps ≤ 0.1× the baseline with ≥ 90 % of the
batch solved; "baseline" is ≥ 0.9× the baseline. ``first`` is the first checkpoint (every 100 steps) at which the
mean loss of the last 50 steps is ≤ 0.1× the baseline.
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
from explorer.lab import presets
from explorer.lab.claims import LOSS_WINDOW, first_below, loss_ratio, solved, verdict
from explorer.lab.training import LabSettings, references

MODELS = {
    "IRNN (relu, identity)": {"nonlinearity": "relu", "scheme": "identity"},
    "RNN tanh (pytorch init)": {"nonlinearity": "tanh", "scheme": "pytorch"},
}


def first_checkpoint(run: rc.TrainingRun, every: int, level: float = 0.1) -> int | None:
    """The first step (a multiple of ``every``) whose last-50-step mean loss is ≤ level × baseline."""
    loss = np.asarray(run.loss, dtype=float)
    for s in range(every, run.steps_done + 1, every):
        if np.mean(loss[max(0, s - LOSS_WINDOW) : s]) <= level * run.baseline:
            return s
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.001, 0.002, 0.005, 0.02])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--T", type=int, default=rc.LAB_DEFAULTS["T"])
    parser.add_argument("--H", type=int, default=rc.LAB_DEFAULTS["H"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--json", default=None, help="also write every run's numbers to this file")
    parser.add_argument("--record", action="store_true", help="measure the lab's IRNN preset and write its record")
    parser.add_argument("--machine", nargs=2, default=["this repository's 2-core VM, one thread",
                        "이 저장소의 2코어 VM, 스레드 하나"], help="where it ran: English and Korean")  # fmt: skip
    args = parser.parse_args(argv)
    if args.record:
        write_record(args.seeds, args.machine)
        return
    print(f"adding problem, T = {args.T}, H = {args.H}, {args.steps} steps, seeds {args.seeds}; lab defaults else\n")
    print(
        "| model | lr | loss / baseline per seed (last 50 steps) | solved per seed | learned | first ≤ 0.1× | s/run |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = []
    for name in args.models:
        for lr in args.lrs:
            ratios, solves, verdicts, firsts, secs = [], [], [], [], []
            for seed in args.seeds:
                settings = rc.lab_settings("rnn", T=args.T, H=args.H, steps=args.steps, lr=lr, **MODELS[name])
                start = time.perf_counter()
                run = rc.train("rnn", seed=seed, **settings)
                secs.append(time.perf_counter() - start)
                ratio, got = loss_ratio(run), solved(run)
                ratios.append(ratio)
                solves.append(got)
                verdicts.append(verdict(ratio, run.status, got))
                firsts.append(first_checkpoint(run, 100))
                rows.append({"model": name, "lr": lr, "seed": seed, "ratio": ratio, "solved": got,
                             "verdict": verdicts[-1], "first": firsts[-1], "seconds": secs[-1],
                             "status": run.status, "steps_done": run.steps_done})  # fmt: skip
            learned = sum(v == "learned" for v in verdicts)
            print(
                f"| {name} | {lr:g} | {', '.join(f'{r:.3f}' for r in ratios)} | "
                f"{', '.join('-' if s is None else f'{100 * s:.0f}%' for s in solves)} | {learned}/{len(verdicts)} | "
                f"{', '.join('-' if f is None else str(f) for f in firsts)} | {np.median(secs):.1f} |",
                flush=True,
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


def outcome(run: rc.TrainingRun) -> dict[str, object]:
    """What the preset's reading says of one run (explorer/lab/claims.py's own functions)."""
    ratio, got = loss_ratio(run), solved(run)
    return {"seed": run.settings["seed"], "ratio": ratio, "solved": got, "verdict": verdict(ratio, run.status, got),
            "first": first_below(run)}  # fmt: skip


def write_record(seeds: list[int], machine: list[str]) -> None:
    """Train the lab's IRNN preset (at the lab's defaults otherwise) and the tanh RNN beside it at every seed, time
    the whole lab run (three models and the tanh RNN) at the first seed, and write explorer/lab/irnn_preset.json."""
    base = LabSettings(**presets.IRNN_PRESET)
    irnn, tanh, seconds = [], [], {}
    for seed in seeds:
        s = LabSettings(**{**presets.IRNN_PRESET, "seed": seed})
        ref = references(s)["tanh"]
        kinds = ("rnn", "lstm", "gru") if seed == seeds[0] else ("rnn",)
        for kind in kinds:
            run = rc.train(**s.train_kwargs(kind))
            if kind == "rnn":
                irnn.append(outcome(run))
            if seed == seeds[0]:
                seconds[kind] = run.seconds
        run = rc.train(**ref.train_kwargs("rnn"))
        tanh.append(outcome(run))
        if seed == seeds[0]:
            seconds["tanh"] = run.seconds
        print(f"seed {seed}: IRNN {irnn[-1]}, tanh {tanh[-1]}", flush=True)
    record = {
        "settings": base.caption(),
        "default_lr": LabSettings().lr,
        "seeds": seeds,
        "irnn": irnn,
        "tanh": tanh,
        "seconds": seconds,
        "machine": machine,
    }
    presets.RECORD.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {presets.RECORD}; seconds at seed {seeds[0]}: {seconds}")


if __name__ == "__main__":
    main()
