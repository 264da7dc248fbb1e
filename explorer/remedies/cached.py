"""The Remedies page's data functions (explorer/remedies/data.py) behind the shared cache and memory
budget (explorer/shared/work.py), keyed on Settings and the page's own small values, each declaring its tape's bytes
(truncation holds two). No Streamlit here."""

from __future__ import annotations

from ..shared import work
from ..shared.controls import Settings, tape_bytes
from . import data


def clipping(s: Settings, kind: str, threshold: float) -> data.ClipResult:
    return work.run(
        ("clipping", s, kind, threshold), lambda: data.clipping(s, kind, threshold), need=tape_bytes(s.T, s.N, s.H)
    )


def truncation(s: Settings, kind: str, k: int) -> data.TruncResult:
    return work.run(("truncation", s, kind, k), lambda: data.truncation(s, kind, k), need=2 * tape_bytes(s.T, s.N, s.H))


def init_preset(s: Settings, preset: str) -> data.PresetResult:
    return work.run(("init_preset", s, preset), lambda: data.init_preset(s, preset), need=tape_bytes(s.T, s.N, s.H))
