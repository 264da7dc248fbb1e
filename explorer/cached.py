"""The data functions behind ``st.cache_data``, keyed on the small Settings value (never on arrays).

BLAS runs on one thread here: the backward's per-step products are small, and OpenBLAS's thread hand-off
costs more than it saves on them (a (6, 1024) × (1024, 256) product took ~10× longer on two threads).
"""
from __future__ import annotations

import functools

import streamlit as st
from threadpoolctl import threadpool_limits

from . import data
from .settings import Settings

CACHE = dict(max_entries=16, show_spinner=False)


def _one_blas_thread(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper


@st.cache_data(**CACHE)
def compare(s: Settings, show_open_gates: bool) -> data.CompareResult:
    return _one_blas_thread(data.compare)(s, show_open_gates)


@st.cache_data(max_entries=4, show_spinner=False)
def seed_band(s: Settings, n_seeds: int):
    return _one_blas_thread(data.seed_band)(s, n_seeds)


@st.cache_data(**CACHE)
def rnn_view(s: Settings) -> data.RNNResult:
    return _one_blas_thread(data.rnn_view)(s)


@st.cache_data(max_entries=2, show_spinner=False)
def book_view():
    return data.book_view()


@st.cache_data(**CACHE)
def lstm_view(s: Settings) -> data.GateResult:
    return _one_blas_thread(data.lstm_view)(s)


@st.cache_data(**CACHE)
def gru_view(s: Settings) -> data.GateResult:
    return _one_blas_thread(data.gru_view)(s)
