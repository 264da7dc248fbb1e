"""Train the two example LSTMs of examples/ with rc.train and write them as .npz of the PyTorch state dict.

    python scripts/train_examples.py            (one thread; about a minute or two on one core)

Both are LSTMs with H=32 on the adding problem at lag T=100, trained with the lab's optimizer settings for the
same budget from the same seed; they differ only in the forget-gate bias: +2 (gate open: the gradient reaches the
marked steps) and -2 (gate nearly shut). Each file holds weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
fc.weight, fc.bias (float64); examples/README.md records what each achieved.
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
T, H, STEPS, SEED = 100, 32, 3000, 0
EXAMPLES = [
    ("lstm_adding_T100_forget+2.npz", 2.0),
    ("lstm_adding_T100_forget-2.npz", -2.0),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    d = rc.LAB_DEFAULTS
    lines = [
        "# Example models",
        "",
        f"Written by `python scripts/train_examples.py` with `rc.train` (LSTM, H={H}, adding problem, lag T={T}, "
        f"{STEPS} steps of batch {d['batch']}, {d['optimizer']} lr={d['lr']}, clip={d['clip']}, seed {SEED}). "
        "Each `.npz` is the PyTorch state dict of `nn.LSTM(2, 32)` plus `fc.weight`, `fc.bias` of the readout "
        "`nn.Linear(32, 1)` on the last hidden state.",
        "",
        "| file | forget bias | mean loss, last 100 steps | ÷ baseline (1/6) | accuracy (|ŷ − y| < 0.04) | "
        "held-out loss (1000 sequences) |",
        "|---|---|---|---|---|---|",
    ]
    for name, forget_bias in EXAMPLES:
        run = rc.train(
            "lstm", "adding", T, H, STEPS, SEED, batch=d["batch"], optimizer=d["optimizer"], lr=d["lr"],
            clip=d["clip"], forget_bias=forget_bias, record_every=STEPS,
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
        lines.append(
            f"| `{name}` | {forget_bias:+g} | {loss:.4f} | {loss / run.baseline:.3f} | {acc:.2f} | {held_out:.4f} |"
        )
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
