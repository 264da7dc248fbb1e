"""The horizon page's data: for each kind, the gradient horizon log10 ‖∂L_s/∂h_t‖ (the loss at every step, whatever
the sidebar's loss control: with the loss at the last step only its bottom row would be drawn), the LSTM's cell map
‖∂L_s/∂c_t‖, the connectivity log10 ‖∂h_s/∂x_t‖, and the reach of each loss (how many steps back its gradient stays
above 10⁻³ of its value at the loss). Pure: no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import recurrent_core as rc

from ..shared.controls import Settings
from ..shared.curves import make_inputs, make_layer

REACH_DECADES = 3.0
# A page's share of a small shared server: about 0.05 s of work and 16 MB per map (the core's defaults allow 1.5e9
# operations and 64 MB). The app's default settings need at most 2.3e8 operations, so they are never cut; a long
# or wide run is cut to its last steps, and the page says so.
PAGE_BUDGET = 2.5e8
PAGE_MAX_BYTES = 16 * 2**20


@dataclass(frozen=True)
class HorizonResult:
    """One kind's maps at the settings ``s`` and the reach per loss step (rows of ``horizon``)."""

    kind: str
    horizon: rc.HorizonMap
    connectivity: rc.HorizonMap
    cell: rc.HorizonMap | None  # an LSTM's ‖∂L_s/∂c_t‖
    reach: np.ndarray  # (S,) steps back from each loss step s
    connectivity_reach: np.ndarray  # (S,) steps back from each state s

    @property
    def cut(self) -> bool:
        return self.horizon.cut or self.connectivity.cut or (self.cell is not None and self.cell.cut)


def forward_overflow(s: Settings, kind: str) -> int | None:
    """The first t whose forward state h_t is inf or NaN, or None: the maps need finite states. Only a relu RNN's
    can overflow (tanh bounds the RNN's states, and the gates the LSTM's and the GRU's)."""
    if kind != "rnn" or s.nonlinearity != "relu":
        return None
    x, _ = make_inputs(s)
    with np.errstate(over="ignore", invalid="ignore"):
        bad = rc.analysis.first_nonfinite_step(rc.forward(make_layer(s, kind), x).hs)
    return None if bad is None else bad + 1


def horizon_view(s: Settings, kind: str) -> HorizonResult:
    """The maps of ``kind`` for the settings' layer and inputs, the loss at every step (dhs = ones)."""
    x, _ = make_inputs(s)
    layer = make_layer(s, kind)
    dhs = np.ones((s.T, s.N, s.H))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # one call: the maps share their work (an LSTM's two horizons one sweep)
        maps = rc.horizon_maps(layer, x, dhs, norm=s.norm, budget=PAGE_BUDGET, max_bytes=PAGE_MAX_BYTES)
    horizon, connectivity = maps["horizon"], maps["connectivity"]
    cell = maps.get("horizon_c")  # an LSTM only
    return HorizonResult(
        kind=kind,
        horizon=horizon,
        connectivity=connectivity,
        cell=cell,
        reach=rc.horizon_reach(horizon, REACH_DECADES),
        connectivity_reach=rc.horizon_reach(connectivity, REACH_DECADES),
    )
