"""The "Your model" page's whole computation on a big model, one BLAS thread, against PyTorch autograd's BPTT.

Run from the repository root::

    python -m benchmarks.model             # 2-layer bidirectional LSTM, H = 512, T = 200, D = 64, N = 1
    python -m benchmarks.model --runs 3

Ours: load the module from its .safetensors bytes (float32, as a PyTorch checkpoint is saved; about 6.3 M
parameters, 35 MB) + ``model_view.run`` (forward and exact BPTT of the model *and* of its fresh twin, norms per
layer and direction, gate statistics, spectral facts as the page computes them by default) + the charts the page
builds. PyTorch: the BPTT part alone (forward + backward of ``L = Σ <dhs, out>`` with autograd, the same weights),
float32 (how such a model runs in PyTorch) and float64 (what ours computes), times two (model and twin).
Medians of ``--runs`` runs.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import charts
import recurrent_core as rc
from charts.model import gate_stats_chart, norm_heatmap
from explorer.model import claims as model_claims
from explorer.model import data as model_view


def median_time(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_charts(r: model_view.ModelResult) -> None:
    """The figures (and the claims) the page builds from a result."""
    cap = {"model": "bench", "T": r.T}
    for a in (r.model, r.fresh):
        norm_heatmap(a.heat, r.keys, "heat", cap)
    for q in ("dh", "dc"):
        curves, infos = model_view.side_by_side(r, q)
        info = [{"id": c.id, "name": c.label[0], "colour_key": c.colour_key, "role": c.role} for c in infos]
        charts.norm_chart(curves, info, q, cap)
    gates, names, colours = model_view.gate_series(r)
    gate_stats_chart(gates, {k: v[0] for k, v in names.items()}, colours, "gates", cap)
    model_view.spectral_table(r.model, r.fresh)
    model_claims.render(model_claims.model_claims(r), "en")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--H", type=int, default=512)
    p.add_argument("--T", type=int, default=200)
    p.add_argument("--D", type=int, default=64)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    stack = rc.init_stack("lstm", args.D, args.H, args.layers, True, 0, forget_bias=1.0)
    state32 = {k: v.astype(np.float32) for k, v in rc.to_pytorch(stack).items()}
    buf = io.BytesIO()
    rc.save_weights(state32, buf, fmt="safetensors")
    data = buf.getvalue()
    n_params = sum(v.size for v in state32.values())
    spec = model_view.InputSpec(T=args.T, N=1)
    print(f"2-layer bidirectional LSTM, D={args.D}, H={args.H}, T={args.T}, N=1: {n_params:,} parameters, "
          f"{len(data) / 2**20:.1f} MiB .safetensors (float32); one BLAS thread; median of {args.runs}")  # fmt: skip

    loaded = model_view.load_model(data)
    result = model_view.run(loaded, spec)
    t_load = median_time(lambda: model_view.load_model(data), args.runs)
    t_run = median_time(lambda: model_view.run(loaded, spec), args.runs)
    t_charts = median_time(lambda: build_charts(result), args.runs)
    x = model_view.random_inputs(spec, args.D)
    dhs, _ = model_view.upstream(spec, args.T, 1, 2 * args.H)
    t_bptt = median_time(lambda: rc.bptt(loaded.stack, x, dhs), args.runs)
    t_spectra = median_time(lambda: model_view.spectral_facts(loaded.stack, True), 1)

    import torch

    torch.set_num_threads(1)

    def torch_bptt(dtype: Any) -> Callable[[], Any]:
        lstm = torch.nn.LSTM(args.D, args.H, num_layers=args.layers, bidirectional=True, dtype=dtype)
        lstm.load_state_dict({k: torch.from_numpy(v).to(dtype) for k, v in state32.items()})
        tx = torch.from_numpy(x).to(dtype)
        tdhs = torch.from_numpy(dhs).to(dtype)

        def go() -> None:
            lstm.zero_grad()
            out, _ = lstm(tx)
            (out * tdhs).sum().backward()

        return go

    t_torch32 = median_time(torch_bptt(torch.float32), args.runs)
    t_torch64 = median_time(torch_bptt(torch.float64), args.runs)
    total = t_load + t_run + t_charts
    rows = [
        ("load (.safetensors bytes -> Stack)", t_load),
        ("analyses: model + fresh twin (model_view.run)", t_run),
        ("  of which one exact BPTT of the stack (rc.bptt)", t_bptt),
        ("charts and claims", t_charts),
        ("TOTAL load + analyses + charts", total),
        ("eigenvalues of all 16 W_hh blocks (optional, x2 with the twin)", t_spectra),
        ("PyTorch autograd BPTT, float32 (x2: model + twin)", 2 * t_torch32),
        ("PyTorch autograd BPTT, float64 (x2: model + twin)", 2 * t_torch64),
        ("ours: 2 x rc.bptt, float64", 2 * t_bptt),
    ]
    for name, secs in rows:
        print(f"{name:<68} {secs * 1000:8.0f} ms")
    print(f"target <= 2 s for load + analyses + charts: {'met' if total <= 2.0 else 'NOT met'} ({total:.2f} s)")


if __name__ == "__main__":
    main()
