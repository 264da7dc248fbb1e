"""The three layer kinds as one type, and PyTorch's names for their weights.

``Layer`` is any of ``RNNLayer``, ``LSTMLayer``, ``GRULayer`` (each in the module of its kernels); ``Tape`` any of
their forward tapes. A single layer's state dict is keyed ``STATE_KEYS``; a stack's by ``state_key``.
"""

from __future__ import annotations

from .gru import GRULayer, GRUTape
from .lstm import LSTMLayer, LSTMTape
from .rnn import RNNLayer, RNNTape

Layer = RNNLayer | LSTMLayer | GRULayer
"""One recurrent layer of any kind; each implements ``cell.Cell`` with its own tape."""
Tape = RNNTape | LSTMTape | GRUTape
"""The forward tape of any kind (see rnn.py, lstm.py, gru.py)."""
LAYER_TYPES = (RNNLayer, LSTMLayer, GRULayer)

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # PyTorch's, before the _l{k}[_reverse] suffix
FIELDS = ("W_ih", "W_hh", "b_ih", "b_hh")  # the layer's attribute for each of PARAM_NAMES
STATE_KEYS = tuple(f"{name}_l0" for name in PARAM_NAMES)  # a single layer's state dict


def state_key(name: str, k: int, direction: str) -> str:
    """PyTorch's state_dict key: ``state_key("weight_hh", 1, "reverse") == "weight_hh_l1_reverse"``."""
    return f"{name}_l{k}" + ("_reverse" if direction == "reverse" else "")


def layer_options(layer: Layer) -> dict[str, str]:
    """A kind's own string options (nonlinearity, formulation) and their values."""
    return {name: getattr(layer, name) for name in layer.OPTIONS}
