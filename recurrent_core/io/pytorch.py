"""PyTorch state dicts (arrays, not tensors) to layers and stacks, and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cells.gru import GRULayer
from ..cells.layers import FIELDS, PARAM_NAMES, STATE_KEYS, Layer
from ..cells.lstm import LSTMLayer
from ..cells.rnn import RNNLayer
from ..cells.stack import DIRECTIONS, Stack
from ..validate import as_float64
from .keys import module_key, parse_key


def from_pytorch(state: Mapping[str, Any], nonlinearity: str = "tanh") -> Layer | Stack:
    """A layer, or a ``Stack``, from the ``state_dict`` of an nn.RNN, nn.LSTM or nn.GRU (arrays, not tensors).

    One unidirectional layer (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) gives an RNNLayer, GRULayer or
    LSTMLayer; more layers (``_l1``, ``_l2``, …) or ``_reverse`` keys give a ``Stack`` of ``num_layers · dirs``
    layers. The kind follows from the rows of weight_ih_l0 against H = weight_hh_l0's columns: H rows is an RNN,
    3H a GRU (PyTorch's formulation), 4H an LSTM. ``nonlinearity`` ("tanh" or "relu") applies to an RNN only.
    A ``proj_size > 0`` LSTM (weight_hr_l{k}) and ``bias=False`` modules are refused.
    """
    if not isinstance(state, Mapping):
        raise ValueError(f"state: expected a mapping of {STATE_KEYS} to arrays, got {type(state).__name__}")
    cell = {key: parse_key(key) for key in state}
    if state and all(p is not None and p.cell and p.param != "weight_hr" for p in cell.values()):
        # a cell's state dict (nn.LSTMCell …): the same parameters as a one-layer module's, without _l0
        state = {module_key(p.param): state[key] for key, p in cell.items() if p is not None}
    groups: dict[tuple[int, bool], list[str]] = {}
    extra = []
    projection = False
    for key in state:
        parsed = parse_key(key)
        if parsed is None or parsed.param == "weight_hr":
            extra.append(str(key))
            projection = projection or parsed is not None
        else:
            groups.setdefault((parsed.layer, parsed.reverse), []).append(key)
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise ValueError(
            f"state: missing {missing}; expected exactly {list(STATE_KEYS)} "
            "(a single-layer, unidirectional nn.RNN/GRU/LSTM with bias=True), or those of every layer of a stack"
        )
    if extra:
        why = (
            "weight_hr_l{k} is the projection of an LSTM with proj_size > 0, which is not supported"
            if projection
            else "expected PyTorch's names weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} [+ _reverse]"
        )
        raise ValueError(f"state: unexpected keys {sorted(extra)}; {why}")
    num_layers = max(k for k, _ in groups) + 1
    bidirectional = any(reverse for _, reverse in groups)
    for k in range(num_layers):
        for reverse in (False, True) if bidirectional else (False,):
            suffix = f"_l{k}" + ("_reverse" if reverse else "")
            want = [f"{name}{suffix}" for name in PARAM_NAMES]
            have = groups.get((k, reverse), [])
            where = f"layer {k}{' (reverse)' if reverse else ''}"
            if not have:
                raise ValueError(
                    f"state: missing {want}: {where} is absent, but the keys name layers l0 to l{num_layers - 1}"
                    + (" in both directions" if bidirectional else "")
                )
            if sorted(have) != sorted(want):
                absent = [key for key in want if key not in have]
                raise ValueError(
                    f"state: unexpected keys {sorted(have)} without the rest of {where}: missing {absent}; "
                    "a stack needs all four keys of every layer" + (" and direction" if bidirectional else "")
                )
    if num_layers == 1 and not bidirectional:
        return _layer(state, "_l0", nonlinearity)
    layers = [
        _layer(state, f"_l{k}" + ("_reverse" if d == "reverse" else ""), nonlinearity)
        for k in range(num_layers)
        for d in DIRECTIONS[: 2 if bidirectional else 1]
    ]
    return Stack(tuple(layers), num_layers=num_layers, bidirectional=bidirectional)


def _layer(state: Mapping[str, Any], suffix: str, nonlinearity: str) -> Layer:
    """One layer from the four keys ending in ``suffix`` (e.g. "_l1_reverse")."""
    ih, hh, b_ih, b_hh = (f"{name}{suffix}" for name in PARAM_NAMES)
    arrays = {key: as_float64(key, state[key]) for key in (ih, hh, b_ih, b_hh)}
    W_hh = arrays[hh]
    if W_hh.ndim != 2 or W_hh.shape[1] < 1:
        raise ValueError(f"{hh}: expected shape (kH, H) with H >= 1, got {W_hh.shape}")
    H = W_hh.shape[1]
    rows = arrays[ih].shape[0] if arrays[ih].ndim == 2 else None
    kinds: dict[int | None, type[Layer]] = {H: RNNLayer, 3 * H: GRULayer, 4 * H: LSTMLayer}
    if rows not in kinds:
        raise ValueError(
            f"{ih}: expected shape (H, D), (3H, D) or (4H, D) with H = {H} (from {hh}), got {arrays[ih].shape}"
        )
    cls = kinds[rows]
    assert rows is not None
    if cls is not RNNLayer and nonlinearity != "tanh":
        raise ValueError(
            f"nonlinearity: only an RNN takes one; this state is a {cls.KIND} ({ih} has {rows} = {rows // H}H rows)"
        )
    weights = (arrays[ih], arrays[hh], arrays[b_ih], arrays[b_hh])
    try:
        if cls is RNNLayer:
            return RNNLayer(*weights, nonlinearity=nonlinearity)
        return cls(*weights)
    except ValueError as exc:  # the layer names its fields (b_ih); say which keys they came from
        if suffix == "_l0":
            raise
        message = str(exc)
        for name, key in zip(FIELDS, (ih, hh, b_ih, b_hh), strict=True):
            message = message.replace(f"{name}:", f"{key}:", 1) if message.startswith(f"{name}:") else message
        raise ValueError(message) from None


def to_pytorch(layer: Layer | Stack) -> dict[str, np.ndarray]:
    """The layer's (or stack's) PyTorch state dict (copies), in PyTorch's key order, e.g. for
    ``module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})``. A layer PyTorch's modules
    cannot compute (the book's GRU, a hard-sigmoid gate) is refused by name (ValueError)."""
    if isinstance(layer, Stack):
        state = {}
        for (k, direction), part in zip(layer.layer_keys(), layer.layers, strict=True):
            suffix = f"_l{k}" + ("_reverse" if direction == "reverse" else "")
            state.update({key.replace("_l0", suffix): value for key, value in to_pytorch(part).items()})
        return state
    if isinstance(layer, GRULayer) and layer.formulation != "pytorch":
        raise ValueError(
            "to_pytorch: a GRU in the 'dlfs2' formulation applies the reset gate before W_hn; "
            "PyTorch's nn.GRU computes a different function with these weights"
        )
    if not isinstance(layer, (RNNLayer, LSTMLayer, GRULayer)):
        raise ValueError(f"layer: expected an RNNLayer, LSTMLayer or GRULayer, or a Stack, got {type(layer).__name__}")
    if not isinstance(layer, RNNLayer) and layer.gate_activation != "sigmoid":
        raise ValueError(
            f"to_pytorch: this {layer.kind}'s gates are {layer.gate_activation!r}; PyTorch's nn.{layer.kind.upper()} "
            "computes sigmoid gates only, so its state dict would hold a different function"
        )
    return {key: getattr(layer, name).copy() for key, name in zip(STATE_KEYS, FIELDS, strict=True)}
