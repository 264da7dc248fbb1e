"""PyTorch single-layer state dicts held as NumPy arrays, and their safe .npz files."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping

import numpy as np

from .layers import GRULayer, LSTMLayer, RNNLayer, as_float64

STATE_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
_FIELDS = ("W_ih", "W_hh", "b_ih", "b_hh")
MAX_NPZ_BYTES = 64 * 1024 * 1024


def from_pytorch(state: Mapping, nonlinearity: str = "tanh"):
    """A layer from PyTorch's single-layer names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0).

    The kind follows from the rows of weight_ih_l0 against H = weight_hh_l0's columns: H rows is an RNN,
    3H a GRU (PyTorch's formulation), 4H an LSTM. ``nonlinearity`` ("tanh" or "relu") applies to an RNN only.
    """
    if not isinstance(state, Mapping):
        raise ValueError(f"state: expected a mapping of {STATE_KEYS} to arrays, got {type(state).__name__}")
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise ValueError(
            f"state: missing {missing}; expected exactly {list(STATE_KEYS)} "
            "(a single-layer, unidirectional nn.RNN/GRU/LSTM with bias=True)"
        )
    extra = sorted(str(key) for key in state if key not in STATE_KEYS)
    if extra:
        raise ValueError(
            f"state: unexpected keys {extra}; only a single-layer, unidirectional layer without "
            f"projections is supported (expected exactly {list(STATE_KEYS)})"
        )
    arrays = {key: as_float64(key, state[key]) for key in STATE_KEYS}
    W_hh = arrays["weight_hh_l0"]
    if W_hh.ndim != 2 or W_hh.shape[1] < 1:
        raise ValueError(f"weight_hh_l0: expected shape (kH, H) with H >= 1, got {W_hh.shape}")
    H = W_hh.shape[1]
    rows = arrays["weight_ih_l0"].shape[0] if arrays["weight_ih_l0"].ndim == 2 else None
    kinds = {H: RNNLayer, 3 * H: GRULayer, 4 * H: LSTMLayer}
    if rows not in kinds:
        raise ValueError(
            f"weight_ih_l0: expected shape (H, D), (3H, D) or (4H, D) with H = {H} "
            f"(from weight_hh_l0), got {arrays['weight_ih_l0'].shape}"
        )
    cls = kinds[rows]
    if cls is not RNNLayer and nonlinearity != "tanh":
        raise ValueError(
            f"nonlinearity: only an RNN takes one; this state is a {cls.KIND} "
            f"(weight_ih_l0 has {rows} = {rows // H}H rows)"
        )
    fields = {name: arrays[key] for name, key in zip(_FIELDS, STATE_KEYS, strict=False)}
    if cls is RNNLayer:
        return RNNLayer(**fields, nonlinearity=nonlinearity)
    return cls(**fields)


def to_pytorch(layer) -> dict[str, np.ndarray]:
    """The layer's PyTorch state dict (copies), e.g. for ``module.load_state_dict({k: torch.from_numpy(v)})``."""
    if isinstance(layer, GRULayer) and layer.formulation != "pytorch":
        raise ValueError(
            "to_pytorch: a GRU in the 'dlfs2' formulation applies the reset gate before W_hn; "
            "PyTorch's nn.GRU computes a different function with these weights"
        )
    if not isinstance(layer, (RNNLayer, LSTMLayer, GRULayer)):
        raise ValueError(f"layer: expected an RNNLayer, LSTMLayer or GRULayer, got {type(layer).__name__}")
    return {key: getattr(layer, name).copy() for key, name in zip(STATE_KEYS, _FIELDS, strict=False)}


def save_npz(layer, file) -> None:
    """Write the layer's PyTorch state dict to ``file`` (a path or binary file object) as .npz."""
    np.savez(file, **to_pytorch(layer))


def load_npz(file, nonlinearity: str = "tanh", max_bytes: int = MAX_NPZ_BYTES):
    """A layer from an .npz of PyTorch names, read safely: no pickles, at most ``max_bytes`` uncompressed.

    ``file`` is a path, bytes, or a binary file object (e.g. a Streamlit upload).
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        file = io.BytesIO(bytes(file))
    elif not (isinstance(file, (str, os.PathLike)) or hasattr(file, "read")):
        raise ValueError(f"npz: expected a path, bytes or a binary file object, got {type(file).__name__}")
    try:
        with zipfile.ZipFile(file) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > max_bytes:
                raise ValueError(f"{total} bytes uncompressed is over the limit of {max_bytes} bytes")
        if hasattr(file, "seek"):
            file.seek(0)
        with np.load(file, allow_pickle=False) as data:
            state = {key: data[key] for key in data.files}
    except ValueError as exc:
        raise ValueError(f"npz: {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"npz: not a readable .npz archive ({exc})") from None
    return from_pytorch(state, nonlinearity=nonlinearity)
