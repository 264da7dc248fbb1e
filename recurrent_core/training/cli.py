"""The command line, ``python -m recurrent_core.train``: every flag is a field of TrainConfig (its metadata gives
the flag, help, choices and default), except clipping's three (``--clip-norm``, ``--clip-value``, ``--no-clip``
for the one ``clip`` field) and ``--out``/``--quiet``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .config import LAB_DEFAULTS, TrainConfig
from .files import save_run
from .loop import train_iter

_TYPES = {"int": int, "float": float, "str": str}


def _cli_fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(TrainConfig) if f.metadata["flag"]]


def _default(f: dataclasses.Field[Any]) -> Any:
    """The flag's default: its own, None for a gate bias (then the lab's for the kind), the lab's, the field's."""
    meta = f.metadata
    if meta["cli_default"] is not dataclasses.MISSING:
        return meta["cli_default"]
    if meta["lab_gate"] is not None:
        return None
    if meta["lab"] is not dataclasses.MISSING:
        return meta["lab"]
    return f.default


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m recurrent_core.train",
        description="Train an RNN, LSTM or GRU and a linear readout on a long-lag task (NumPy, exact BPTT).",
    )
    for f in _cli_fields():
        meta = f.metadata
        options: dict[str, Any] = {"dest": f.name, "type": _TYPES[str(f.type).split(" ")[0]], "default": _default(f)}
        if meta["choices"]:
            options["choices"] = meta["choices"]
        if meta["help"]:
            options["help"] = meta["help"]
        p.add_argument(meta["flag"], **options)
    clip = LAB_DEFAULTS["clip"]
    p.add_argument("--clip-norm", type=float, default=clip[1] if clip and clip[0] == "norm" else None)
    p.add_argument("--clip-value", type=float, default=None, help="clip each element instead of the norm")
    p.add_argument("--no-clip", action="store_true")
    p.add_argument("--out", default=None, help="directory for curves.csv, flow.csv, run.json, *.npz")
    p.add_argument("--quiet", action="store_true")
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run the parsed flags ask for (ValueError if it is not a valid one)."""
    values = {f.name: getattr(args, f.name) for f in _cli_fields()}
    lab_gate = LAB_DEFAULTS["gate_bias"][args.kind]
    for f in _cli_fields():  # a gate bias not given: the lab's for this kind, if it has one, else the field's
        if f.metadata["lab_gate"] is not None and values[f.name] is None:
            if f.name in lab_gate:
                values[f.name] = lab_gate[f.name]
            else:
                del values[f.name]
    if args.no_clip:
        values["clip"] = None
    elif args.clip_value is not None:
        values["clip"] = ("value", args.clip_value)
    elif args.clip_norm is not None:
        values["clip"] = ("norm", args.clip_norm)
    else:
        values["clip"] = None
    if args.steps >= 1:
        values["record_every"] = min(args.record_every, args.steps)
    return TrainConfig(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m recurrent_core.train --kind lstm --task adding --T 100 …``: train, print progress, save."""
    args = _parser().parse_args(argv)
    try:
        runs = train_iter(config_from_args(args))
        run = None
        for run in runs:
            if not args.quiet and run.steps_done > 0:
                window = min(run.steps_done, 50)
                recent = float(np.mean(run.loss[-window:]))
                print(
                    f"step {run.steps_done:>6}/{run.steps}  loss {recent:.4f} ({recent / run.baseline:.3f}× baseline)"
                    f"  {run.metric_name} {float(np.mean(run.metric[-window:])):.3f}"
                    f"  log10‖∂L/∂h_1‖ {run.flow[-1, 0]:.2f}  {run.steps_per_second:.0f} steps/s",
                    flush=True,
                )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    assert run is not None
    print(
        f"{run.status}: {run.steps_done} steps in {run.seconds:.1f} s ({run.steps_per_second:.0f} steps/s); "
        f"mean loss of the last 50 steps {run.final_loss(50):.4f}, baseline {run.baseline:.4f}"
    )
    if args.out is not None:
        files = save_run(run, args.out)
        print("wrote " + ", ".join(str(p) for p in files.values()))
    return 0
