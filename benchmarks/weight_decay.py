"""What weight decay does in the training lab: ρ(W_hh), the reach of the gradient and the loss, at the lab's defaults.

    python -m benchmarks.weight_decay                          # the README's table (one thread)
    python -m benchmarks.weight_decay --decays 0 1e-2 --seeds 0

Every run is the lab's default run (rc.lab_settings(kind): adding problem, T = 50, H = 32, batch 32, 1000 Adam
steps at lr 0.02, clipping at norm 1, forget/keep bias +1) with weight decay λ: L2, λ·w added to the gradient before
Adam's step (torch.optim.Adam's weight_decay; not AdamW). ρ is that of the RNN's W_hh and of the block that feeds the
LSTM's new memory g (W_hg) and the GRU's candidate n (W_hn), at step 0 and at the end; the reach is how many steps
back ‖∂L/∂h_t‖ (and the LSTM's ‖∂L/∂c_t‖) stays above 10⁻³ of its value at the loss on the probe batch, at the end;
the loss is the mean of the last 50 steps over the baseline, judged as the lab's readings judge it.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json

import recurrent_core as rc
from explorer.lab.claims import ended
from explorer.lab.training import RHO_NAME


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decays", type=float, nargs="+", default=[0.0, 1e-3, 1e-2])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--kinds", nargs="+", default=["rnn", "lstm", "gru"])
    parser.add_argument("--json", default=None, help="also write every run's numbers to this file")
    args = parser.parse_args(argv)
    print("| model | λ | ρ at step 0 → end, per seed | reach of ‖∂L/∂h_t‖ at the end | reach of ‖∂L/∂c_t‖ | "
          "loss / baseline (verdict) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    rows = []
    for kind in args.kinds:
        for decay in args.decays:
            got = []
            for seed in args.seeds:
                run = rc.train(kind, seed=seed, **rc.lab_settings(kind, weight_decay=decay))
                e = ended(run)
                assert e is not None
                got.append(e)
                rows.append({"kind": kind, "decay": decay, "seed": seed, **e.__dict__})
            rho = ", ".join(f"{e.rho_start:.2f} → {e.rho_end:.2f}" for e in got)
            reach = ", ".join(str(e.reach) for e in got)
            cell = ", ".join(str(e.cell_reach) for e in got) if kind == "lstm" else "–"
            loss = ", ".join(f"{e.ratio:.3f} ({e.verdict})" for e in got)
            print(f"| {kind.upper()} ρ({RHO_NAME[kind]}) | {decay:g} | {rho} | {reach} | {cell} | {loss} |", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
