"""Train the two example models the "Your model" page ships: 1-layer LSTMs on the adding problem, NumPy only.

    OPENBLAS_NUM_THREADS=1 python scripts/make_example_models.py        # about 1-2 minutes, writes examples/

The adding problem (Hochreiter & Schmidhuber 1997): x (T, N, 2), channel 0 ~ U[0, 1), channel 1 marks one step
in each half of the sequence; the target is the sum of the two marked values. A linear readout on the last hidden
state, mean squared error. Predicting the mean (1.0) gives MSE ≈ 1/6 ≈ 0.167: a model that learned nothing sits
there. Trained by ``rc.train_iter`` (the core's training loop, exact against PyTorch): Adam with the global gradient
norm clipped to 1, batches from ``rc.task_batch``, held-out losses on ``rc.probe_batch``.

Three runs with the same seed, steps and learning rate: at T = 150 with the forget-gate bias at initialisation +3
(the gate starts open) and 0 (PyTorch's default), and at T = 250 with +3. Whether each learned is measured, not
assumed: the held-out losses go to examples/README.md.
Each file holds the LSTM under ``lstm.`` and the readout under ``head.`` (as a whole model's state_dict would),
float32 like a PyTorch checkpoint. The final losses are measured on a fixed held-out batch and written to
examples/README.md together with the settings, so the README says what this run actually did.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import recurrent_core as rc  # noqa: E402

OUT = ROOT / "examples"


def loss_of(state: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """The readout's mean squared error on (x, y) for a state dict of rc.train (the LSTM's keys, fc.weight, fc.bias)."""
    layer = rc.from_pytorch({k: state[k] for k in rc.STATE_KEYS})
    pred = rc.forward(layer, x).hs[-1] @ state["fc.weight"].T + state["fc.bias"]
    return float(np.mean((pred - y) ** 2))


RUNS = (  # (file name, T, forget bias at init)
    ("lstm_adding_T150_open_gate", 150, 3.0),
    ("lstm_adding_T150_default_init", 150, 0.0),
    ("lstm_adding_T250_open_gate", 250, 3.0),
)


def train(forget_bias: float, args: argparse.Namespace) -> tuple[dict[str, np.ndarray], list[float], float]:
    """(final state dict, held-out losses every ``args.eval_every`` steps, seconds), trained by ``rc.train_iter``."""
    x_val, y_val = rc.probe_batch("adding", args.T, 256, args.seed)  # never a training batch
    history: list[float] = []
    run = None
    for run in rc.train_iter("lstm", "adding", args.T, args.H, args.steps, args.seed, batch=args.N,
                             optimizer="adam", lr=args.lr, clip=("norm", 1.0), forget_bias=forget_bias,
                             record_every=args.eval_every):  # fmt: skip
        history.append(loss_of(run.final, x_val, y_val))
        print(f"  bias {forget_bias:+g} step {run.steps_done:5d}: held-out MSE {history[-1]:.4f}", flush=True)
    assert run is not None
    return dict(run.final), history, run.seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--H", type=int, default=32)
    p.add_argument("--N", type=int, default=32, help="batch size")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=100)
    args = p.parse_args()
    OUT.mkdir(exist_ok=True)
    rows = []
    for name, T, bias in RUNS:
        args.T = T
        print(f"{name}: forget bias {bias:+g}, T={args.T}, H={args.H}, N={args.N}, {args.steps} Adam steps")
        final, history, seconds = train(bias, args)
        # as a whole model's state_dict would hold them: the LSTM under "lstm.", the readout under "head."
        state = {(k.replace("fc.", "head.") if k.startswith("fc.") else f"lstm.{k}"): v.astype(np.float32)
                 for k, v in final.items()}  # fmt: skip
        # the loss of the weights as saved (float32), not of the float64 ones in memory
        x_val, y_val = rc.probe_batch("adding", args.T, 256, args.seed)
        history[-1] = loss_of({k: v.astype(np.float32).astype(np.float64) for k, v in final.items()}, x_val, y_val)
        path = OUT / f"{name}.safetensors"
        rc.save_weights(state, path)
        rows.append((name, T, bias, history, seconds, path.stat().st_size))
    write_readme(rows, args)


def write_readme(rows: list[tuple[str, int, float, list[float], float, int]], args: argparse.Namespace) -> None:
    lines = [
        '# Example models for the "Your model" page',
        "",
        "Made by `scripts/make_example_models.py` (NumPy and this repository's `recurrent_core` only; rerun it with",
        "`OPENBLAS_NUM_THREADS=1 python scripts/make_example_models.py`, same numbers on the same NumPy/BLAS).",
        "",
        f"Each is a 1-layer LSTM (D = 2, H = {args.H}) with a linear readout on the last hidden state, trained on",
        "the **adding problem** (x (T, N, 2): values U[0, 1) and a marker in each half; target = the sum of the two",
        f"marked values; MSE) for {args.steps} Adam steps (lr {args.lr:g}, batch {args.N}, global gradient norm",
        f"clipped to 1, seed {args.seed}) by `rc.train` (checked against PyTorch). The runs differ only in the",
        "sequence length T and **the forget-gate bias at initialisation** (+3: open; 0: PyTorch's default).",
        "Predicting the mean gives MSE ≈ 0.167 (about 0.13–0.18 on a finite batch): the level of a model that",
        "learned nothing.",
        "The losses below are on a fixed held-out batch of 256 sequences, measured by the run that wrote the files",
        "(the last one on the float32 weights as saved).",
        "",
        "| file | T | forget bias at init | held-out MSE at start | at the end | learned? | training time | size |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, T, bias, history, seconds, size in rows:
        learned = "yes" if history[-1] < 0.05 else "no"
        lines.append(
            f"| `{name}.safetensors` | {T} | {bias:+g} | {history[0]:.4f} | **{history[-1]:.4f}** | {learned} | "
            f"{seconds:.0f} s | {size / 1024:.0f} KB |"
        )
    lines += [
        "",
        "Held-out MSE every " + str(args.eval_every) + " steps:",
        "",
    ]
    for name, _, _, history, _, _ in rows:
        lines.append(f"- `{name}`: " + ", ".join(f"{v:.3f}" for v in history))
    lines += [
        "",
        "Each file holds the LSTM under `lstm.` (`lstm.weight_ih_l0`, …) and the readout under `head.` (`head.weight`,",
        "`head.bias`), float32, as a whole model's `state_dict` saved with `safetensors` would. These are small toy",
        "models trained for a minute or so each on a quiet machine, not tuned: what they show is how the gradient",
        "flows in *these*",
        'weights. "Learned?" is yes when the final held-out MSE is below 0.05 (a third of the baseline\'s).',
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print((OUT / "README.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
