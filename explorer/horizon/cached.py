"""The horizon page's data behind the byte-bounded cache and the memory budget, keyed on the settings:
a tape and its maps (at most ``PAGE_MAX_BYTES`` each), as the page's work declares them."""

from __future__ import annotations

from ..shared import work
from ..shared.controls import Settings, tape_bytes
from . import data


def need(s: Settings, kind: str) -> int:
    maps = 3 if kind == "lstm" else 2  # the horizon, the connectivity, an LSTM's cell map: (T, T) at most
    return tape_bytes(s.T, s.N, s.H) + maps * min(8 * s.T * s.T, data.PAGE_MAX_BYTES)


def horizon_view(s: Settings, kind: str) -> data.HorizonResult:
    return work.run(("horizon", s, kind), lambda: data.horizon_view(s, kind), need=need(s, kind))


def forward_overflow(s: Settings, kind: str) -> int | None:
    need = tape_bytes(s.T, s.N, s.H)
    return work.run(("horizon_overflow", s, kind), lambda: data.forward_overflow(s, kind), need=need)
