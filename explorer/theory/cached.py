"""The Theory page's measured data (explorer/theory/data.py) behind the shared cache and lock
(explorer/shared/work.py), keyed on small hashable values. No Streamlit here."""

from __future__ import annotations

from ..shared import work
from ..shared.controls import Settings
from . import data


def relu_vs_tanh(
    s: Settings = data.ACTIVATION_SETTINGS,
    n_seeds: int = data.ACTIVATION_SEEDS,
    rhos: tuple[float, ...] = data.ACTIVATION_RHOS,
) -> data.ActivationResult:
    return work.run(("relu_vs_tanh", s, n_seeds, rhos), lambda: data.relu_vs_tanh(s, n_seeds, rhos))
