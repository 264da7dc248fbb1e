"""Speed of ``rc.bptt`` on a ``Stack`` (num_layers, bidirectional) against PyTorch CPU autograd, one thread each.

Run from the repository root::

    python -m benchmarks.stack              # the table (about 3 minutes)
    python -m benchmarks.stack --budget 1   # quicker, noisier

Both sides compute, from the same float64 weights (``rc.to_pytorch(stack)`` -> ``load_state_dict``), data and
initial states, the module's output and the gradient of ``L = sum_t <dhs[t], out[t]>`` with respect to every
parameter, x, h0 (and c0). Times are medians of interleaved calls (see benchmarks/core.py); the gradients are
compared once per case. Then the memory the trace holds, per step, sample, unit and layer-direction.
"""

from __future__ import annotations

import os

# one BLAS thread: read once when NumPy/torch load, so set before importing them (see benchmarks/core.py)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import sys
import time

import numpy as np

import recurrent_core as rc
from benchmarks import core

torch = core.torch

KINDS = ("rnn", "lstm", "gru")
LAYOUTS = ((2, False), (2, True), (3, True))  # (num_layers, bidirectional)
SHAPES = ((20, 2, 3, 8), (100, 1, 8, 64), (100, 16, 32, 128), (200, 8, 32, 256))  # (T, N, D, H)
SEED = 0


class Case:
    def __init__(self, kind: str, num_layers: int, bidirectional: bool, T: int, N: int, D: int, H: int):
        torch.manual_seed(SEED)
        cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
        self.module = cls(D, H, num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64)
        self.stack = rc.from_pytorch({k: v.numpy().copy() for k, v in self.module.state_dict().items()})
        dirs = 2 if bidirectional else 1
        rng = np.random.default_rng([SEED, T, N, D, H, num_layers, dirs])
        self.x = rng.standard_normal((T, N, D))
        self.dhs = rng.standard_normal((T, N, dirs * H))
        self.h0 = 0.5 * rng.standard_normal((num_layers * dirs, N, H))
        self.c0 = 0.5 * rng.standard_normal((num_layers * dirs, N, H)) if kind == "lstm" else None
        self.tx = torch.from_numpy(self.x.copy()).requires_grad_(True)
        self.th0 = torch.from_numpy(self.h0.copy()).requires_grad_(True)
        self.tc0 = torch.from_numpy(self.c0.copy()).requires_grad_(True) if self.c0 is not None else None
        self.tdhs = torch.from_numpy(self.dhs.copy())
        self.leaves = [self.tx, self.th0] + ([self.tc0] if self.tc0 is not None else [])

    def ours(self) -> rc.StackTrace:
        return rc.bptt(self.stack, self.x, self.dhs, self.h0, self.c0)

    def theirs(self):
        for leaf in self.leaves:
            leaf.grad = None
        self.module.zero_grad(set_to_none=True)
        hx = (self.th0, self.tc0) if self.tc0 is not None else self.th0
        out, _ = self.module(self.tx, hx)
        (out * self.tdhs).sum().backward()
        return out

    def max_rel_err(self) -> float:
        trace, out = self.ours(), self.theirs().detach().numpy()
        pairs = [(trace.hs, out), (trace.dx, self.tx.grad), (trace.dh0, self.th0.grad)]
        if self.tc0 is not None:
            pairs.append((trace.dc0, self.tc0.grad))
        pairs += [(trace.grads[k], p.grad) for k, p in self.module.named_parameters()]
        worst = 0.0
        for ours, ref in pairs:
            ref = np.asarray(ref)
            worst = max(worst, float(np.max(np.abs(ours - ref)) / max(float(np.max(np.abs(ref))), 1e-300)))
        return worst


def trace_bytes(trace: rc.StackTrace) -> int:
    """Bytes of every array the stack trace holds (its output, dx, dh0, the per-layer traces, tapes, upstreams
    and layer inputs), each array counted once; parameter gradients (O(H²)) left out."""
    arrays: list[object] = [trace.hs, trace.dx, trace.dh0, trace.dc0]
    arrays += list(trace.upstream.values()) + list(trace.tape.inputs.values())
    for layer_trace in trace.layers.values():
        arrays += [layer_trace.hs, layer_trace.dh, layer_trace.dc, layer_trace.dx, layer_trace.dh0, layer_trace.dc0]
        arrays += list(vars(layer_trace.tape).values())
    seen: set[int] = set()
    total = 0
    for a in arrays:
        if isinstance(a, np.ndarray) and id(a) not in seen:
            seen.add(id(a))
            total += a.nbytes
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of interleaved repeats per case")
    args = parser.parse_args(argv)
    if torch is None:
        print("torch is not importable: nothing to compare against")
        return 1
    torch.set_num_threads(1)
    core.print_environment()
    header = (
        f"{'kind':<5} {'L':>2} {'bi':>3} {'T':>5} {'N':>3} {'D':>3} {'H':>4} {'ours_ms':>10} {'torch_ms':>10} "
        f"{'ratio':>7} {'max_rel_err':>12}"
    )
    print("== stack forward + backward, median wall time, one thread each (ratio = ours / torch)")
    print(header)
    print("-" * len(header))
    started = time.perf_counter()
    for kind in KINDS:
        for num_layers, bidirectional in LAYOUTS:
            for T, N, D, H in SHAPES:
                case = Case(kind, num_layers, bidirectional, T, N, D, H)
                err = case.max_rel_err()
                ours, theirs = core.median_seconds(case.ours, case.theirs, budget=args.budget)
                print(
                    f"{kind:<5} {num_layers:>2} {'yes' if bidirectional else 'no':>3} {T:>5} {N:>3} {D:>3} {H:>4} "
                    f"{ours * 1e3:>10.3f} {theirs * 1e3:>10.3f} {ours / theirs:>7.2f} {err:>12.2e}",
                    flush=True,
                )
    print(f"({time.perf_counter() - started:.0f} s)")
    print()
    T, N, D, H = 200, 8, 32, 256
    print(f"== trace memory at (T, N, D, H) = {(T, N, D, H)}: bytes / (T·N·H·layers·dirs)")
    for kind in KINDS:
        for num_layers, bidirectional in LAYOUTS:
            case = Case(kind, num_layers, bidirectional, T, N, D, H)
            nbytes = trace_bytes(case.ours())
            units = T * N * H * num_layers * (2 if bidirectional else 1)
            print(
                f"{kind:<5} L={num_layers} bi={'yes' if bidirectional else 'no ':<3} {nbytes / 2**20:>8.1f} MiB "
                f"{nbytes / units:>6.1f} bytes per step·sample·unit·layer-direction"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
