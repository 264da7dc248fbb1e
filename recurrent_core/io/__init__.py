"""Weights in and out: PyTorch state dicts to layers and back (pytorch.py), ``.safetensors`` and ``.npz`` files read
and written safely (weights.py), and PyTorch's parameter names parsed once (keys.py)."""

from .keys import ParamKey, parse_key
from .pytorch import from_pytorch, to_pytorch
from .weights import (
    MAX_BYTES,
    load_weights,
    read_npy_header,
    read_safetensors_header,
    read_state,
    save_weights,
    write_safetensors,
)

__all__ = [
    "MAX_BYTES",
    "ParamKey",
    "from_pytorch",
    "load_weights",
    "parse_key",
    "read_npy_header",
    "read_safetensors_header",
    "read_state",
    "save_weights",
    "to_pytorch",
    "write_safetensors",
]
