"""A run on disk: its curves as CSV, its settings and summary as JSON, its weights as ``.npz`` and ``.safetensors``."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..io.weights import save_weights
from .loop import TrainingRun

Array = np.ndarray


def save_state(state: Mapping[str, Array], path: str | os.PathLike[str]) -> Path:
    """Write a state dict (PyTorch names to arrays) to ``path``: ``.npz`` (``np.savez``, no pickle) or
    ``.safetensors``, by its suffix (``rc.save_weights`` does the writing)."""
    path = Path(path)
    if path.suffix not in (".npz", ".safetensors"):
        raise ValueError(f"path: expected a .npz or .safetensors file name, got {str(path)!r}")
    save_weights({k: np.asarray(v, dtype=np.float64) for k, v in state.items()}, path)
    return path


def save_run(run: TrainingRun, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write a run to ``directory``: ``curves.csv`` (step, loss, metric, grad_norm), ``flow.csv`` (step, t,
    log10 ‖∂L/∂h_t‖), ``run.json`` (settings and summary), and the state dicts ``initial`` and ``final`` as both
    ``.npz`` and ``.safetensors`` (either loads into PyTorch's ``load_state_dict`` and on the "Your model" page)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = (
        "curves.csv",
        "flow.csv",
        "run.json",
        "initial.npz",
        "final.npz",
        "initial.safetensors",
        "final.safetensors",
    )
    files = {name: out / name for name in names}
    with open(files["curves.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "loss", "metric", "grad_norm"])
        for s in range(run.steps_done):
            writer.writerow([s, repr(float(run.loss[s])), repr(float(run.metric[s])), repr(float(run.grad_norm[s]))])
    with open(files["flow.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "t", "log10_dh", "probe_loss"])
        for c, step in enumerate(run.checkpoints):
            for t, value in enumerate(run.flow[c]):
                writer.writerow([int(step), t, repr(float(value)), repr(float(run.probe_loss[c]))])
    summary = {
        "settings": run.settings,
        "steps_done": run.steps_done,
        "status": run.status,
        "seconds": run.seconds,
        "steps_per_second": run.steps_per_second,
        "baseline": run.baseline,
        "metric_name": run.metric_name,
        "final_loss_last_50": run.final_loss(50),
        "final_metric_last_50": float(np.mean(run.metric[-50:])) if run.steps_done else None,
    }
    files["run.json"].write_text(json.dumps(summary, indent=2, allow_nan=True) + "\n")
    for which, state in (("initial", run.initial), ("final", run.final)):
        for suffix in (".npz", ".safetensors"):
            save_state(state, files[which + suffix])
    return files
