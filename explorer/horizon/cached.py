"""The horizon page's data behind the byte-bounded cache and the one-at-a-time lock, keyed on the settings."""

from __future__ import annotations

from ..shared import work
from ..shared.controls import Settings
from . import data


def horizon_view(s: Settings, kind: str) -> data.HorizonResult:
    return work.run(("horizon", s, kind), lambda: data.horizon_view(s, kind))
