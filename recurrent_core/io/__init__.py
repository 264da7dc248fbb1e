"""Weights in and out: PyTorch state dicts to layers and back (pytorch.py), ``.safetensors`` and ``.npz`` files read
and written safely and every format found and loaded (weights.py), Keras and ONNX files read (keras.py, onnx.py,
importing h5py / onnx only when such a file is read), and PyTorch's parameter names parsed once (keys.py)."""

from ._spec import FoundModule
from .keys import ParamKey, parse_key
from .pytorch import from_pytorch, to_pytorch
from .weights import (
    MAX_BYTES,
    load_weights,
    read_npy_header,
    read_safetensors_header,
    read_state,
    save_weights,
    scan_weights,
    write_safetensors,
)

__all__ = [
    "MAX_BYTES",
    "FoundModule",
    "ParamKey",
    "from_pytorch",
    "load_weights",
    "parse_key",
    "read_npy_header",
    "read_safetensors_header",
    "read_state",
    "save_weights",
    "scan_weights",
    "to_pytorch",
    "write_safetensors",
]
