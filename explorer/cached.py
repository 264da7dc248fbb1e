"""The data functions behind ``st.cache_data``, keyed on the small Settings value (never on arrays).

BLAS runs on one thread in the app's process: the backward's per-step products are small, and OpenBLAS's
thread hand-off costs more than it saves on them (a (6, 1024) × (1024, 256) product took ~10× longer on two
threads). Set once for the process, not per call: the limit is process-wide, and sessions run in threads.
"""

from __future__ import annotations

import streamlit as st
from threadpoolctl import threadpool_limits

from . import data
from .settings import Settings

CACHE = dict(max_entries=16, show_spinner=False)
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


@st.cache_data(**CACHE)
def compare(s: Settings, show_open_gates: bool) -> data.CompareResult:
    return data.compare(s, show_open_gates)


@st.cache_data(max_entries=4, show_spinner=False)
def seed_band(s: Settings, n_seeds: int):
    return data.seed_band(s, n_seeds)


@st.cache_data(**CACHE)
def rnn_view(s: Settings) -> data.RNNResult:
    return data.rnn_view(s)


@st.cache_data(max_entries=2, show_spinner=False)
def book_view():
    return data.book_view()


@st.cache_data(**CACHE)
def lstm_view(s: Settings) -> data.GateResult:
    return data.lstm_view(s)


@st.cache_data(**CACHE)
def gru_view(s: Settings) -> data.GateResult:
    return data.gru_view(s)
