"""The flow pages' data functions (explorer/flow/data.py) behind the byte-bounded cache and the one-at-a-time lock
(explorer/shared/work.py), keyed on the small, hashable Settings value (never on arrays). No Streamlit here."""

from __future__ import annotations

import pandas as pd

from ..shared import work
from ..shared.controls import Settings
from . import data


def compare(s: Settings, show_open_gates: bool) -> data.CompareResult:
    return work.run(("compare", s, show_open_gates), lambda: data.compare(s, show_open_gates))


def seed_band(s: Settings) -> pd.DataFrame:
    return work.run(("seed_band", s), lambda: data.seed_band(s))


def rnn_view(s: Settings) -> data.RNNResult:
    return work.run(("rnn", s), lambda: data.rnn_view(s))


def book_view() -> pd.DataFrame:
    return work.run(("book",), data.book_view)


def lstm_view(s: Settings) -> data.GateResult:
    return work.run(("lstm", s), lambda: data.lstm_view(s))


def gru_view(s: Settings) -> data.GateResult:
    return work.run(("gru", s), lambda: data.gru_view(s))
