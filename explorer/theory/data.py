"""Numbers and source text the Theory page shows: parameter counts for D and H, and the book's cells' source from
``recurrent_core.reference`` (read with ``inspect.getsource``, never copied). Pure: no Streamlit."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pandas as pd

from recurrent_core import reference

GATE_BLOCKS = {"RNN": 1, "LSTM": 4, "GRU": 3}
SOURCES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "rnn": (reference.rnn_forward, reference.rnn_backward),
    "lstm": (reference.lstm_forward, reference.lstm_backward),
    "gru": (reference.gru_forward, reference.gru_backward),
}


def param_counts(D: int, H: int) -> pd.DataFrame:
    """Parameters of one layer per architecture: k gate blocks of W_ih (kH, D), W_hh (kH, H) and biases, with one
    bias (the book's ``b``) and with two (PyTorch's ``bias_ih`` and ``bias_hh``)."""
    rows = []
    for name, k in GATE_BLOCKS.items():
        weights = k * H * (D + H)
        rows.append({"architecture": name, "gate_blocks": k, "W_ih": k * H * D, "W_hh": k * H * H,
                     "book_total": weights + k * H, "pytorch_total": weights + 2 * k * H})  # fmt: skip
    out = pd.DataFrame(rows)
    lstm = out.loc[out["architecture"] == "LSTM", "pytorch_total"].iloc[0]
    out["vs_lstm"] = out["pytorch_total"] / lstm
    return out


def source(kind: str) -> str:
    """The book's forward and backward of ``kind`` as ``recurrent_core.reference`` writes them."""
    return "\n\n".join(inspect.getsource(fn) for fn in SOURCES[kind])
