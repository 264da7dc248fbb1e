"""PyTorch's names for a recurrent module's parameters, parsed in one place.

``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` with ``_reverse`` for the second direction,
and ``weight_hr_l{k}`` (the projection of an LSTM with proj_size > 0, recognised so that it can be refused); a cell
(``nn.RNNCell``/``LSTMCell``/``GRUCell``) names the same four without ``_l{k}``: one layer, one direction.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# at most 4 digits of layer index: a file cannot make a reader expect 10^100 layers
_KEY = re.compile(
    r"(?P<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
    r"(?:_l(?P<layer>0|[1-9][0-9]{0,3})(?P<rev>_reverse)?)?"
)


class ParamKey(NamedTuple):
    """One parsed key: ``param`` (weight_ih, weight_hh, bias_ih, bias_hh or weight_hr), layer ``k``, direction, and
    whether it is a cell's key (no ``_l{k}``: layer 0, forward)."""

    param: str
    layer: int
    reverse: bool
    cell: bool = False


def parse_key(key: object) -> ParamKey | None:
    """``"weight_hh_l1_reverse"`` -> ParamKey("weight_hh", 1, True); ``"weight_hh"`` (a cell's) ->
    ParamKey("weight_hh", 0, False, cell=True); None for anything else (other names, non-str)."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        return None
    if match["layer"] is None:
        return ParamKey(match["param"], 0, False, cell=True)
    return ParamKey(match["param"], int(match["layer"]), match["rev"] is not None)


def module_key(param: str, layer: int = 0, reverse: bool = False) -> str:
    """The key of a module's parameter: ``module_key("bias_hh", 1, True)`` -> ``"bias_hh_l1_reverse"``."""
    return f"{param}_l{layer}{'_reverse' if reverse else ''}"
