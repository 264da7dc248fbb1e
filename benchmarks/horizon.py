"""Speed of the gradient horizon and the connectivity maps (recurrent_core/horizon.py) against PyTorch autograd.

Run from the repository root::

    python -m benchmarks.horizon            # the table (about a minute)

One BLAS thread on each side (set before NumPy and torch load, as in benchmarks/core.py). For each kind and
shape (T, N, D, H), both sides compute the same maps from the same float64 weights (``rc.to_pytorch``):

- horizon ‖∂L_s/∂h_t‖ (every s, t <= s, loss dhs = ones at every step): ours is ``gradient_horizon`` (its
  method chosen by the cost model); PyTorch's the module run step by step and one ``torch.autograd.grad`` per
  loss step s (what autograd offers for per-loss terms);
- connectivity ‖∂h_s/∂x_t‖: ours is ``connectivity``; PyTorch's ``torch.autograd.functional.jacobian`` of the
  module's output with respect to x (vectorize=True), then per-sample Frobenius norms.

Both run uncut (budget = inf) so that the maps are the same; the agreement is printed as the largest difference
in log10 units. A second table times ours at the app's extremes with the default budget and says what was cut.
Times: median of repeated calls, ours and PyTorch's in turn.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics
import time
from collections.abc import Callable

import numpy as np

import recurrent_core as rc
from recurrent_core.analysis import horizon as hz

try:
    import torch
except ImportError:  # the PyTorch columns are then left empty
    torch = None

KINDS = ("rnn", "lstm", "gru")
SHAPES = ((50, 1, 8, 32), (100, 4, 8, 32), (50, 1, 8, 128))  # (T, N, D, H); the first is the app's default
EXTREMES = ((1000, 1, 8, 32), (1000, 64, 64, 256), (200, 8, 8, 64))


def median_ms(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times)


def torch_module(layer: rc.Layer) -> torch.nn.Module:
    D, H = layer.D, layer.H
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[layer.kind]
    mod = cls(D, H, nonlinearity=layer.nonlinearity) if layer.kind == "rnn" else cls(D, H)  # type: ignore[attr-defined]
    mod = mod.double()
    mod.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in rc.to_pytorch(layer).items()})
    return mod


def torch_horizon(mod: torch.nn.Module, kind: str, x: np.ndarray, dhs: np.ndarray) -> np.ndarray:
    """log10 ‖∂L_s/∂h_t‖ (l2 over the batch) by autograd: a step-by-step unroll, one grad call per s."""
    T, N, _ = x.shape
    H = dhs.shape[2]
    h = torch.zeros(1, N, H, dtype=torch.float64, requires_grad=True)
    state = (h, torch.zeros(1, N, H, dtype=torch.float64)) if kind == "lstm" else h
    xt = torch.from_numpy(x)
    hs = [h]
    for t in range(T):
        _, state = mod(xt[t : t + 1], state)
        hs.append(state[0] if kind == "lstm" else state)
    out = np.full((T, T + 1), np.nan)
    d = torch.from_numpy(dhs)
    with np.errstate(divide="ignore"):
        for s in range(1, T + 1):
            grads = torch.autograd.grad((d[s - 1] * hs[s][0]).sum(), hs[: s + 1], retain_graph=True)
            out[s - 1, : s + 1] = [np.log10(float(g.norm())) for g in grads]
    return out


def torch_connectivity(mod: torch.nn.Module, kind: str, x: np.ndarray) -> np.ndarray:
    """log10 ‖∂h_s/∂x_t‖ (l2 over the batch) by autograd: the whole Jacobian of the output w.r.t. x."""
    T, N, _ = x.shape
    J = torch.autograd.functional.jacobian(lambda v: mod(v)[0], torch.from_numpy(x), vectorize=True)
    J = J.numpy()  # (T, N, H, T, N, D); across samples it is zero
    sq = sum((J[:, n, :, :, n, :] ** 2).sum(axis=(1, 3)) for n in range(N))
    with np.errstate(divide="ignore"):
        out = 0.5 * np.log10(sq)
    out[np.triu_indices(T, 1)] = np.nan
    return np.asarray(out)


def diff(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0


def main() -> None:
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'absent'}, one BLAS thread each")
    print("\nuncut maps, ours against PyTorch autograd (ms, median of 3; |Δ| = max difference in log10 units)")
    print(f"{'kind':5} {'T':>5} {'N':>3} {'D':>3} {'H':>4} | {'horizon':>8} {'method':>8} {'torch':>8} {'|Δ|':>8} | "
          f"{'connect.':>8} {'method':>8} {'torch':>8} {'|Δ|':>8}")  # fmt: skip
    for T, N, D, H in SHAPES:
        for kind in KINDS:
            layer = rc.init_layer(kind, D, H, seed=0)
            x = np.random.default_rng(0).normal(size=(T, N, D))
            dhs = np.ones((T, N, H))
            m = hz.gradient_horizon(layer, x, dhs, budget=1e15)
            c = hz.connectivity(layer, x, budget=1e15)
            ours_h = median_ms(lambda: hz.gradient_horizon(layer, x, dhs, budget=1e15))  # noqa: B023
            ours_c = median_ms(lambda: hz.connectivity(layer, x, budget=1e15))  # noqa: B023
            row = f"{kind:5} {T:5d} {N:3d} {D:3d} {H:4d} | {ours_h:8.1f} {m.method:>8} "
            if torch is not None:
                torch.set_num_threads(1)
                mod = torch_module(layer)
                th = torch_horizon(mod, kind, x, dhs)
                tc = torch_connectivity(mod, kind, x)
                torch_h = median_ms(lambda: torch_horizon(mod, kind, x, dhs), repeat=1)  # noqa: B023
                torch_c = median_ms(lambda: torch_connectivity(mod, kind, x), repeat=1)  # noqa: B023
                row += f"{torch_h:8.1f} {diff(m.log10, th):8.1e} | {ours_c:8.1f} {c.method:>8} {torch_c:8.1f} "
                row += f"{diff(c.log10, tc):8.1e}"
            else:
                row += f"{'':8} {'':8} | {ours_c:8.1f} {c.method:>8}"
            print(row, flush=True)
    print("\nthe app's extremes with the default budget (ms, median of 3): what is computed")
    for T, N, D, H in EXTREMES:
        for kind in KINDS:
            layer = rc.init_layer(kind, D, H, seed=0)
            x = np.random.default_rng(0).normal(size=(T, N, D))
            dhs = np.ones((T, N, H))
            m = hz.gradient_horizon(layer, x, dhs)
            c = hz.connectivity(layer, x)
            ms_h = median_ms(lambda: hz.gradient_horizon(layer, x, dhs))  # noqa: B023
            ms_c = median_ms(lambda: hz.connectivity(layer, x))  # noqa: B023
            print(
                f"{kind:5} T={T:4d} N={N:2d} D={D:2d} H={H:3d} | horizon {ms_h:7.1f} ms, T'={m.T_kept:4d} "
                f"N'={m.N_kept:2d} ({m.method}) | connectivity {ms_c:7.1f} ms, T'={c.T_kept:4d} N'={c.N_kept:2d} "
                f"({c.method})",
                flush=True,
            )


if __name__ == "__main__":
    main()
