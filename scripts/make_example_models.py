"""Train the two example models the "Your model" page ships: 1-layer LSTMs on the adding problem, NumPy only.

    OPENBLAS_NUM_THREADS=1 python scripts/make_example_models.py        # about 1-2 minutes, writes examples/

The adding problem (Hochreiter & Schmidhuber 1997): x (T, N, 2), channel 0 ~ U[0, 1), channel 1 marks one step
in each half of the sequence; the target is the sum of the two marked values. A linear readout on the last hidden
state, mean squared error. Predicting the mean (1.0) gives MSE ≈ 1/6 ≈ 0.167: a model that learned nothing sits
there. The gradient comes from this repository's exact BPTT (``rc.bptt``), the update is Adam with the global
gradient norm clipped to 1.

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
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import recurrent_core as rc  # noqa: E402

OUT = ROOT / "examples"
BASELINE = 1.0 / 6.0


def adding_batch(rng: np.random.Generator, T: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    """x (T, N, 2) and the targets (N,): values U[0, 1), one marker in each half, target = the marked sum."""
    x = np.zeros((T, N, 2))
    x[:, :, 0] = rng.random((T, N))
    half = T // 2
    first = rng.integers(0, half, size=N)
    second = rng.integers(half, T, size=N)
    cols = np.arange(N)
    x[first, cols, 1] = 1.0
    x[second, cols, 1] = 1.0
    return x, x[first, cols, 0] + x[second, cols, 0]


class Adam:
    def __init__(self, params: dict[str, np.ndarray], lr: float) -> None:
        self.lr, self.b1, self.b2, self.eps, self.k = lr, 0.9, 0.999, 1e-8, 0
        self.m = {n: np.zeros_like(p) for n, p in params.items()}
        self.v = {n: np.zeros_like(p) for n, p in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.k += 1
        for n, g in grads.items():
            self.m[n] = self.b1 * self.m[n] + (1 - self.b1) * g
            self.v[n] = self.b2 * self.v[n] + (1 - self.b2) * g * g
            m_hat = self.m[n] / (1 - self.b1**self.k)
            v_hat = self.v[n] / (1 - self.b2**self.k)
            params[n] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def loss_of(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    layer = rc.from_pytorch({k: params[k] for k in rc.STATE_KEYS})
    h_T = rc.forward(layer, x).hs[-1]
    pred = h_T @ params["head.weight"] + params["head.bias"]
    return float(np.mean((pred - y) ** 2))


RUNS = (  # (file name, T, forget bias at init)
    ("lstm_adding_T150_open_gate", 150, 3.0),
    ("lstm_adding_T150_default_init", 150, 0.0),
    ("lstm_adding_T250_open_gate", 250, 3.0),
)


def train(forget_bias: float, args: argparse.Namespace) -> tuple[dict[str, np.ndarray], list[float], float]:
    """(parameters, held-out losses every ``args.eval_every`` steps, seconds)."""
    layer = rc.init_layer("lstm", 2, args.H, args.seed, forget_bias=forget_bias)
    params: dict[str, np.ndarray] = dict(rc.to_pytorch(layer))
    head_rng = np.random.default_rng([args.seed, 7])
    params["head.weight"] = head_rng.uniform(-1, 1, args.H) / np.sqrt(args.H)
    params["head.bias"] = np.array(1.0)  # starts at the mean target
    opt = Adam(params, args.lr)
    data_rng = np.random.default_rng([args.seed, 1])  # the same batches for both runs
    x_val, y_val = adding_batch(np.random.default_rng([args.seed, 2]), args.T, 256)
    history = [loss_of(params, x_val, y_val)]
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = adding_batch(data_rng, args.T, args.N)
        layer = rc.from_pytorch({k: params[k] for k in rc.STATE_KEYS})
        tape_h = rc.forward(layer, x).hs[-1]
        err = tape_h @ params["head.weight"] + params["head.bias"] - y  # (N,)
        dhs = np.zeros((args.T, args.N, args.H))
        dhs[-1] = (2.0 / args.N) * err[:, None] * params["head.weight"][None, :]
        trace = rc.bptt(layer, x, dhs)
        grads = {k: trace.grads[k] for k in rc.STATE_KEYS}
        grads["head.weight"] = (2.0 / args.N) * (tape_h.T @ err)
        grads["head.bias"] = np.array((2.0 / args.N) * err.sum())
        total = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        if total > 1.0:  # clipping by global norm (Pascanu et al., Alg. 1)
            grads = {k: g / total for k, g in grads.items()}
        opt.step(params, grads)
        if step % args.eval_every == 0:
            history.append(loss_of(params, x_val, y_val))
            print(f"  bias {forget_bias:+g} step {step:5d}: held-out MSE {history[-1]:.4f}", flush=True)
    return params, history, time.perf_counter() - start


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
        params, history, seconds = train(bias, args)
        state = {k if k.startswith("head.") else f"lstm.{k}": v.astype(np.float32) for k, v in params.items()}
        # the loss of the weights as saved (float32), not of the float64 ones in memory
        x_val, y_val = adding_batch(np.random.default_rng([args.seed, 2]), args.T, 256)
        history[-1] = loss_of({k: v.astype(np.float32).astype(np.float64) for k, v in params.items()}, x_val, y_val)
        state["head.bias"] = state["head.bias"].reshape(1)
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
        f"clipped to 1, seed {args.seed}), with the exact BPTT of `rc.bptt`. The runs differ only in the sequence",
        "length T and **the forget-gate bias at initialisation** (+3: open; 0: PyTorch's default). Predicting the",
        "mean gives MSE ≈ 0.167 (about 0.13–0.18 on a finite batch): the level of a model that learned nothing.",
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
