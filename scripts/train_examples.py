"""Train the two example LSTMs of examples/ with rc.train and write them as .npz of the PyTorch state dict.

    python scripts/train_examples.py            (one thread; about a minute or two on one core)

Both are LSTMs with H=32 and forget bias +2 on the adding problem at lag T=100, trained from the same seed with
the lab's optimizer settings (Adam lr 0.02, clip 1); they differ only in the budget: 2000 steps (learned) and
500 steps (still at the baseline: the same model before its loss dropped). A closed forget gate is not the
contrast here: with Adam, forget bias -2 and -4 also learned T=100 within 1500 steps from seed 0 (seen), ahead
of +2. Each file holds weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, fc.weight, fc.bias (float64);
examples/README.md records what each achieved.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402 (BLAS threads are pinned before NumPy loads)
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recurrent_core as rc  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "examples"
T, H, SEED, FORGET_BIAS = 100, 32, 0, 2.0
EXAMPLES = [
    ("lstm_adding_T100_learned.npz", 2000),
    ("lstm_adding_T100_not_learned.npz", 500),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    d = rc.LAB_DEFAULTS
    lines = [
        "# Example models",
        "",
        f"Written by `python scripts/train_examples.py` with `rc.train` (LSTM, H={H}, forget bias "
        f"{FORGET_BIAS:+g}, adding problem, lag T={T}, batch {d['batch']}, {d['optimizer']} lr={d['lr']}, "
        f"clip={d['clip']}, seed {SEED}). "
        "Each `.npz` is the PyTorch state dict of `nn.LSTM(2, 32)` plus `fc.weight`, `fc.bias` of the readout "
        "`nn.Linear(32, 1)` on the last hidden state.",
        "",
        "| file | steps | mean loss, last 100 steps | ÷ baseline (1/6) | accuracy (error < 0.04) | "
        "held-out loss (1000 sequences) |",
        "|---|---|---|---|---|---|",
    ]
    for name, steps in EXAMPLES:
        run = rc.train(
            "lstm", "adding", T, H, steps, SEED, batch=d["batch"], optimizer=d["optimizer"], lr=d["lr"],
            clip=d["clip"], forget_bias=FORGET_BIAS, record_every=steps,
        )  # fmt: skip
        rc.save_state(run.final, OUT / name)
        # held out: a batch of a seed no training run uses
        x, y = rc.task_batch("adding", T, 1000, 2**32 - 1, 0)
        layer = rc.LSTMLayer(*(run.final[k] for k in rc.STATE_KEYS))
        h_T = rc.forward(layer, x).hs[-1]
        held_out = float(np.mean((h_T @ run.final["fc.weight"].T + run.final["fc.bias"] - y) ** 2))
        loss = run.final_loss(100)
        acc = float(np.mean(run.metric[-100:]))
        size = (OUT / name).stat().st_size
        print(f"{name}: {run.status}, loss {loss:.4f} ({loss / run.baseline:.3f}× baseline), accuracy {acc:.2f}, "
              f"held-out {held_out:.4f}, {run.seconds:.0f} s, {size} bytes")  # fmt: skip
        lines.append(f"| `{name}` | {steps} | {loss:.4f} | {loss / run.baseline:.3f} | {acc:.2f} | {held_out:.4f} |")
    lines += [
        "",
        "The two differ only in their budget: the second is the first model 1500 steps earlier, before its loss "
        "dropped. A closed forget gate was not a reliable contrast at this lag: with Adam, forget bias −2 and −4 "
        "also learned T=100 within 1500 steps from seed 0 (seen while choosing these).",
    ]
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
