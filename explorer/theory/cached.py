"""The Theory page's measured data (explorer/theory/data.py) behind the shared cache and lock
(explorer/shared/work.py), keyed on small hashable values. No Streamlit here."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from ..shared import work
from ..shared.controls import Settings
from . import data

T = TypeVar("T")


def relu_vs_tanh(
    s: Settings = data.ACTIVATION_SETTINGS,
    n_seeds: int = data.ACTIVATION_SEEDS,
    rhos: tuple[float, ...] = data.ACTIVATION_RHOS,
) -> data.ActivationResult:
    key = ("relu_vs_tanh", s, n_seeds, rhos)
    return work.run(key, lambda: data.relu_vs_tanh(s, n_seeds, rhos), work.CONSTANTS)


def constant(key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per process for ``key``: what depends on no setting but the language (the page's fixed
    charts and readings). Shared by every session as it is: nobody mutates it (the chart's exports copy)."""
    return work.run(("theory", key), build, work.CONSTANTS, need=0)
