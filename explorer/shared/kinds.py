"""The three architectures as every page names them."""

from __future__ import annotations

KINDS = ("rnn", "lstm", "gru")
KIND_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
