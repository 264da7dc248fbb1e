"""The flow pages' data functions (explorer/flow/data.py) behind the byte-bounded cache and the memory budget
(explorer/shared/work.py), keyed on the small, hashable Settings value (never on arrays), each declaring its tape's
bytes. No Streamlit here."""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

from ..shared import work
from ..shared.controls import Settings, tape_bytes
from . import data


def need(s: Settings) -> int:
    """One run's tape at ``s`` and what a view keeps beside it (the views run their kinds one after another; the
    GRU's view peaked at 1.4 tapes at T = 1000, H = 256)."""
    return 3 * tape_bytes(s.T, s.N, s.H) // 2


def _kind_flow(s: Settings, kind: str) -> data.KindFlow:
    """A kind's curve for Compare: the one its own page left in the cache, else computed (and left there). Called
    inside Compare's computation, so it takes no budget of its own (a nested hold could wait on itself)."""
    key = ("kind_flow", s, kind)
    found, value = work.FLOWS.get(key)
    if not found:
        value = data.kind_flow_at(s, kind)
        work.FLOWS.put(key, value)
    return value  # type: ignore[no-any-return]


def compare(s: Settings, show_open_gates: bool) -> data.CompareResult:
    return work.run(
        ("compare", s, show_open_gates),
        lambda: data.compare(s, show_open_gates, lambda kind: _kind_flow(s, kind)),
        need=need(s),
    )


def seed_band(s: Settings) -> pd.DataFrame:
    return work.run(("seed_band", s), lambda: data.seed_band(s), need=need(s))


def rnn_view(s: Settings) -> data.RNNResult:
    return work.run(("rnn", s), lambda: _leaving_flow(s, "rnn", data.rnn_view(s)), need=need(s))


def book_view() -> pd.DataFrame:
    return work.run(("book",), data.book_view, need=0)


View = TypeVar("View", data.RNNResult, data.GateResult)


def _leaving_flow(s: Settings, kind: str, view: View) -> View:
    """``view``, its ``KindFlow`` left in the cache for Compare (the path's next stop after the three kinds' pages):
    Compare then runs only its opened gates."""
    if view.kind_flow is not None:
        work.FLOWS.put(("kind_flow", s, kind), view.kind_flow)
    return view


def lstm_view(s: Settings) -> data.GateResult:
    return work.run(("lstm", s), lambda: _leaving_flow(s, "lstm", data.lstm_view(s)), need=need(s))


def gru_view(s: Settings) -> data.GateResult:
    return work.run(("gru", s), lambda: _leaving_flow(s, "gru", data.gru_view(s)), need=need(s))
