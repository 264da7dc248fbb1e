"""The curves every page draws, and what they are: tidy frames of log10 norms, the trend each curve shows, the
markers where a plain computation overflowed, and the layer and inputs a ``Settings`` describes. Pure: no Streamlit.

Time convention of every curve: ``t`` = 0 … T with ``h_0`` the initial state and ``h_T`` the last; the loss
sits on ``h_T`` ("last") or on every ``h_t`` ("every"). ``back`` = T − t counts backward steps from the loss,
the x axis of the book's figure. Gradients of the cell state ``c`` start at t = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc

from .controls import Settings, Text, layer_kwargs
from .kinds import KIND_LABELS

VANISH_LEVEL = -6.0  # "below 10⁻⁶ of its value at the loss"
# A curve vanishes when it keeps at most 1 % of its value at the loss, explodes when it grows at least 100×.
TREND_DECADES = 2.0
# A rate per step is said only over the steady part of a curve: the points nearest the loss are one-off entry
# factors (an LSTM's o ⊙ tanh′(c) into the cell, the power iteration settling on ρ), left out here
STEADY_SKIP = 5  # left out when a curve has more than STEADY_MIN_STEPS steps; 1 when it has 2 … STEADY_MIN_STEPS
STEADY_MIN_STEPS = 7


def steady_skip(steps: int) -> int:
    """How many points nearest the loss the per-step rate leaves out."""
    return STEADY_SKIP if steps > STEADY_MIN_STEPS else (1 if steps >= 2 else 0)


def geometric_tolerance(span: float) -> float:
    """How far (decades) a curve may stray from the line of its rate and still be said to change by that rate per
    step: 0.1 decade, plus 5 % of the decades it spans."""
    return 0.1 + 0.05 * abs(span)


def steady_rate(log10_norm: np.ndarray) -> tuple[float, float, int]:
    """(log10 rate per step over the steady part, the largest deviation of its points from that line in decades,
    the points left out nearest the loss); NaN rate when fewer than two points remain or an end is not finite."""
    skip = steady_skip(len(log10_norm) - 1)
    z = np.asarray(log10_norm[: len(log10_norm) - skip], dtype=float)
    if len(z) < 2 or not np.isfinite(z[[0, -1]]).all():
        return math.nan, math.inf, skip
    rate = float((z[0] - z[-1]) / (len(z) - 1))
    line = z[-1] + rate * np.arange(len(z) - 1, -1, -1)
    with np.errstate(invalid="ignore"):
        dev = float(np.max(np.abs(z - line)))
    return rate, dev if math.isfinite(dev) else math.inf, skip


def make_layer(s: Settings, kind: str, **override: Any) -> Any:
    """The layer of ``kind`` that the settings describe (``override`` changes a control, a gate bias say)."""
    return rc.init_layer(kind, **layer_kwargs(s, kind, **override))


def make_inputs(s: Settings) -> tuple[np.ndarray, np.ndarray]:
    """x (T, N, D) ~ N(0, input_scale²) and dhs (T, N, H): ones at the last step (the book's dh) or at every step.

    The inputs use their own stream of the seed, so every architecture sees the same x.
    """
    rng = np.random.default_rng([s.seed, 1])
    x = rng.standard_normal((s.T, s.N, s.D)) * s.input_scale
    dhs = np.zeros((s.T, s.N, s.H))
    if s.loss == "last":
        dhs[-1] = 1.0
    else:
        dhs[:] = 1.0
    return x, dhs


# ---------------------------------------------------------------------------------------------- curves and trends
@dataclass(frozen=True)
class CurveInfo:
    """What one curve is: its legend label, colour, line role (solid full BPTT, dashed an isolated path, dotted a
    variant of the settings), and which gradient of which architecture it measures."""

    id: str
    label: Text
    colour_key: str
    role: str  # "full" | "path" | "variant"
    kind: str
    quantity: str  # "dh" (∂L/∂h_t), "dc" (∂L/∂c_t), "cell_path", "direct_path", "matmul_only", "tanh_only"


@dataclass(frozen=True)
class Trend:
    """What a curve does from the loss back to its first point, measured on the curve as drawn."""

    curve: str
    kind: str
    quantity: str
    log10_ratio: float  # log10 (norm at the first point / norm at the loss)
    steps: int  # backward steps between those two points
    steps_to_vanish: int | None  # steps back until 10⁻⁶ of the value at the loss (None: never)
    overflow64: int | None = None  # t at which a plain float64 backward held inf/NaN
    overflow32: int | None = None
    forward_overflow: int | None = None  # t at which the forward hidden state itself overflowed (relu)
    log10_rate_steady: float = math.nan  # per step over the steady part (steady_rate)
    steady_deviation: float = math.inf  # the steady part's largest deviation from that rate's line (decades)
    rate_skip: int = 0  # points nearest the loss left out of the steady part

    @property
    def direction(self) -> str:
        """From the measured ratio: "vanishes" (keeps ≤ 1 %), "explodes" (grows ≥ 100×) or "steady";
        "undefined" after a forward overflow."""
        # after a forward overflow, or with a value of exactly 0 at the loss, there is no ratio to speak of
        if self.forward_overflow is not None or np.isnan(self.log10_ratio) or self.log10_ratio == np.inf:
            return "undefined"
        if self.steps == 0:
            return "steady"
        if self.log10_ratio <= -TREND_DECADES:
            return "vanishes"
        if self.log10_ratio >= TREND_DECADES:
            return "explodes"
        return "steady"

    @property
    def log10_rate(self) -> float:
        """log10 of the geometric-mean change per backward step."""
        return self.log10_ratio / self.steps if self.steps else 0.0

    @property
    def steady(self) -> bool:
        """The steady part changes by one rate per step: close to geometric (within geometric_tolerance)."""
        if not math.isfinite(self.log10_rate_steady):
            return False
        span = self.log10_rate_steady * (self.steps - self.rate_skip)
        return self.steady_deviation <= geometric_tolerance(span)


def steps_below(log10_norm: np.ndarray, level: float = VANISH_LEVEL) -> int | None:
    """Backward steps from the last point until the norm first falls ``level`` decades below it."""
    if not np.isfinite(log10_norm[-1]):
        return None
    rel = log10_norm[::-1] - log10_norm[-1]
    below = np.flatnonzero(rel < level)
    return int(below[0]) if below.size else None


def trend(
    info: CurveInfo,
    log10_norm: np.ndarray,
    overflow: dict[str, int | None] | None = None,
    forward_overflow: int | None = None,
) -> Trend:
    """The trend of a curve given by its log10 norms in time order (first point first, the loss last)."""
    ov = overflow or {}
    rate, dev, skip = steady_rate(log10_norm)
    return Trend(
        curve=info.id,
        kind=info.kind,
        quantity=info.quantity,
        log10_ratio=float(log10_norm[0] - log10_norm[-1]),
        steps=len(log10_norm) - 1,
        steps_to_vanish=steps_below(log10_norm),
        overflow64=ov.get("float64"),
        overflow32=ov.get("float32"),
        forward_overflow=forward_overflow,
        log10_rate_steady=rate,
        steady_deviation=dev,
        rate_skip=skip,
    )


def with_h0(per_sample: np.ndarray, into_h0: np.ndarray, norm: str) -> np.ndarray:
    """Aggregated log10 norms at t = 0 … T from per-sample (T, N) values at h_1 … h_T and (N,) at h_0."""
    return rc.aggregate(np.concatenate([into_h0[None], per_sample]), norm)


def frame(info: CurveInfo, t: np.ndarray, log10_norm: np.ndarray, T: int) -> pd.DataFrame:
    return pd.DataFrame({"t": t, "back": T - t, "curve": info.id, "log10_norm": log10_norm})


# How a marker names its curve when one kind has several curves on the chart (the RNN's full BPTT and W_hh alone)
CURVE_SHORT: dict[str, Text] = {
    "dh": ("‖∂L/∂h_t‖", "‖∂L/∂h_t‖"),
    "dc": ("‖∂L/∂c_t‖", "‖∂L/∂c_t‖"),
    "cell_path": ("cell path", "셀 경로"),
    "direct_path": ("direct path", "직접 경로"),
    "matmul_only": ("W_hh only", "W_hh만"),
    "tanh_only": ("φ′ only", "φ′만"),
}


def _curve_name(tr: Trend, several: bool) -> Text:
    name = KIND_LABELS[tr.kind]
    if not several:
        return name, name
    en, ko = CURVE_SHORT.get(tr.quantity, (tr.curve, tr.curve))
    if tr.curve.endswith("_open"):
        en, ko = f"{en}, opened", f"{ko}, 연 것"
    return f"{name} {en}", f"{name} {ko}"


def overflow_markers(trends: list[Trend] | tuple[Trend, ...]) -> list[dict[str, Any]]:
    """Vertical markers where a plain computation overflowed, one per t (labels merged), in time order; a kind with
    several curves names which one overflowed."""
    curves_of: dict[str, set[str]] = {}
    for tr in trends:
        curves_of.setdefault(tr.kind, set()).add(tr.curve)
    by_t: dict[int, list[Text]] = {}
    for tr in trends:
        en, ko = _curve_name(tr, len(curves_of[tr.kind]) > 1)
        kind = KIND_LABELS[tr.kind]
        for t, what, (a, b) in (
            (tr.overflow64, ("float64 overflows", "float64 오버플로"), (en, ko)),
            (tr.overflow32, ("float32 overflows", "float32 오버플로"), (en, ko)),
            (tr.forward_overflow, ("forward overflows", "순전파 오버플로"), (kind, kind)),  # the pass, not a curve
        ):
            if t is not None:
                label = (f"{a}: {what[0]}", f"{b}: {what[1]}")
                if label not in by_t.setdefault(t, []):
                    by_t[t].append(label)
    return [
        {"t": t, "label": (" · ".join(a for a, _ in labels), " · ".join(b for _, b in labels))}
        for t, labels in sorted(by_t.items())
    ]


@dataclass(frozen=True)
class FlowView:
    """Curves of one page (tidy: ``t``, ``back``, ``curve``, ``log10_norm``), what each is, and its trend."""

    curves: pd.DataFrame
    info: tuple[CurveInfo, ...]
    trends: dict[str, Trend]
    markers: list[dict[str, Any]] = field(default_factory=list)

    def curve(self, curve_id: str) -> np.ndarray:
        out: np.ndarray = self.curves.loc[self.curves["curve"] == curve_id, "log10_norm"].to_numpy()
        return out


def collect(parts: list[tuple[CurveInfo, np.ndarray, np.ndarray, Trend]], T: int) -> FlowView:
    frames = [frame(info, t, y, T) for info, t, y, _ in parts]
    trends = {info.id: tr for info, _, _, tr in parts}
    return FlowView(
        curves=pd.concat(frames, ignore_index=True),
        info=tuple(p[0] for p in parts),
        trends=trends,
        markers=overflow_markers(list(trends.values())),
    )
