"""From settings to the tidy DataFrames and numbers each page shows. Pure: no Streamlit import.

Every number a page prints comes from here, computed from the core's results for the current settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

import recurrent_core as rc
from recurrent_core import analysis as an

from .settings import Settings

KIND_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
OPEN_GATE_BIAS = 3.0
VANISH_LEVEL = -6.0  # "below 1e-6 of its start"


def make_layer(s: Settings, kind: str, **override):
    """The layer of ``kind`` that the settings describe (``override`` changes a gate bias, say)."""
    p = s.as_dict() | override
    own = {
        "rnn": {"nonlinearity": p["act"]},
        "lstm": {"forget_bias": p["forget_bias"]},
        "gru": {"update_bias": p["update_bias"], "formulation": p["gru_form"]},
    }[kind]
    return rc.init_layer(
        kind,
        p["D"],
        p["H"],
        p["seed"],
        scheme=p["scheme"],
        scale=p["scale"],
        spectral_radius=p["rho"] if p["set_rho"] else None,
        **own,
    )


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


def _curve(steps, log10_norm, label: str, colour_key: str, dash: str = "solid", **extra) -> pd.DataFrame:
    return pd.DataFrame(
        {"step": steps, "curve": label, "colour_key": colour_key, "dash": dash, "log10_norm": log10_norm, **extra}
    )


def steps_below(log10_norm: np.ndarray, level: float = VANISH_LEVEL) -> int | None:
    """Backward steps from the last step until the norm first falls ``level`` decades below its start."""
    rel = log10_norm[::-1] - log10_norm[-1]
    below = np.flatnonzero(rel < level)
    return int(below[0]) if below.size else None


@dataclass(frozen=True)
class KindSummary:
    kind: str
    log10_ratio: float  # log10 ‖dh_1‖ / ‖dh_T‖ (first step against the last)
    steps_to_vanish: int | None  # steps back until 1e-6 of the start
    overflow64: int | None
    overflow32: int | None
    forward_overflow: int | None


def _summary(kind: str, agg: np.ndarray, overflow_step: dict, forward_overflow: int | None) -> KindSummary:
    """What the readings say of one curve: ``agg`` its aggregated log10 norms, the overflow steps of its chain."""
    return KindSummary(
        kind=kind,
        log10_ratio=float(agg[0] - agg[-1]),
        steps_to_vanish=steps_below(agg),
        overflow64=overflow_step["float64"],
        overflow32=overflow_step["float32"],
        forward_overflow=forward_overflow,
    )


def overflow_markers(summaries) -> list[dict]:
    """Vertical markers where a plain computation overflowed, one per step (labels merged)."""
    by_step: dict[int, list[str]] = {}
    for sm in summaries:
        for step, what in (
            (sm.overflow64, "float64 overflows"),
            (sm.overflow32, "float32 overflows"),
            (sm.forward_overflow, "forward overflows"),
        ):
            if step is not None:
                by_step.setdefault(step, []).append(f"{KIND_LABELS[sm.kind]}: {what}")
    return [{"step": step, "label": "<br>".join(labels)} for step, labels in sorted(by_step.items())]


@dataclass(frozen=True)
class CompareResult:
    curves: pd.DataFrame
    summaries: dict[str, KindSummary]
    open_summaries: dict[str, KindSummary]
    cell_path_log10_kept: float  # log10 of what the LSTM's cell path alone keeps over the whole sequence


def compare(s: Settings, show_open_gates: bool = True) -> CompareResult:
    """‖∂L/∂h_t‖ of the RNN, LSTM and GRU on the same inputs and seed; optionally the gated kinds again with
    their keep gates opened by +3 (forget bias, keep bias), dashed. One forward tape is alive at a time."""
    x, dhs = make_inputs(s)
    steps = np.arange(s.T)
    frames, summaries, open_summaries = [], {}, {}

    def add(kind: str, fn: an.FlowNorms, label: str, dash: str, variant: str) -> KindSummary:
        agg = rc.aggregate(fn.log10_dh, s.norm)
        frames.append(_curve(steps, agg, label, kind, dash, kind=kind, variant=variant))
        return _summary(kind, agg, fn.overflow_step, fn.forward_overflow_step)

    summaries["rnn"] = add("rnn", rc.flow_norms(make_layer(s, "rnn"), x, dhs), "RNN", "solid", "as set")
    cell = rc.lstm_cell_path(make_layer(s, "lstm"), x, dhs)
    summaries["lstm"] = add("lstm", cell.full, "LSTM", "solid", "as set")
    path = rc.aggregate(cell.path.log10["c"], s.norm)
    del cell  # its tape
    summaries["gru"] = add("gru", rc.flow_norms(make_layer(s, "gru"), x, dhs), "GRU", "solid", "as set")
    if show_open_gates:
        for kind, bias in (("lstm", "forget_bias"), ("gru", "update_bias")):
            value = getattr(s, bias) + OPEN_GATE_BIAS
            fn = rc.flow_norms(make_layer(s, kind, **{bias: value}), x, dhs)
            open_summaries[kind] = add(
                kind, fn, f"{KIND_LABELS[kind]}, gate bias {value:+g}", "dash", f"{bias}={value:g}"
            )
            del fn
    return CompareResult(
        curves=pd.concat(frames, ignore_index=True),
        summaries=summaries,
        open_summaries=open_summaries,
        cell_path_log10_kept=float(path[0] - path[-1]),
    )


def seed_band(s: Settings, n_seeds: int) -> pd.DataFrame:
    """Min–max over ``n_seeds`` seeds (seed, seed+1, …) of each architecture's log10 ‖∂L/∂h_t‖."""
    rows = []
    for kind in ("rnn", "lstm", "gru"):
        runs = []
        for k in range(n_seeds):
            sk = replace(s, seed=(s.seed + k) % (2**31))
            x, dhs = make_inputs(sk)
            runs.append(rc.aggregate(rc.flow_norms(make_layer(sk, kind), x, dhs).log10_dh, s.norm))
        runs = np.array(runs)
        rows.append(
            pd.DataFrame(
                {
                    "step": np.arange(s.T),
                    "curve": KIND_LABELS[kind],
                    "colour_key": kind,
                    "lo": runs.min(axis=0),
                    "hi": runs.max(axis=0),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


@dataclass(frozen=True)
class RNNResult:
    chains: pd.DataFrame
    gains: pd.DataFrame
    eigenvalues: pd.DataFrame
    spectrum: pd.DataFrame
    facts: an.SpectralFacts
    rate_matmul: float  # measured geometric-mean gain per step of the matmul-only chain
    rate_full: float  # … of the full BPTT chain
    summary: KindSummary
    matmul_overflow64: int | None
    matmul_overflow32: int | None


def rnn_view(s: Settings) -> RNNResult:
    x, dhs = make_inputs(s)
    layer = make_layer(s, "rnn")
    dec = rc.rnn_decomposition(layer, x, dhs)
    steps = np.arange(s.T)
    agg = {
        name: rc.aggregate(chain.log10["h"], s.norm)
        for name, chain in (("full", dec.full), ("matmul", dec.matmul_only), ("tanh", dec.tanh_only))
    }
    act = s.act
    chains = pd.concat(
        [
            _curve(steps, agg["full"], f"full BPTT ({act}' and W_hh)", "rnn", chain="full"),
            _curve(steps, agg["matmul"], "W_hh matmul only (the book's chain)", "matmul", "dash", chain="matmul_only"),
            _curve(steps, agg["tanh"], f"{act}' only (W_hh = I)", "tanh", "dot", chain="tanh_only"),
        ],
        ignore_index=True,
    )
    gains = pd.concat(
        [
            pd.DataFrame(
                {"step": steps, "factor": "tanh", "label": f"{act}' factor", "log10_gain": dec.log10_gain_tanh}
            ),
            pd.DataFrame(
                {"step": steps, "factor": "matmul", "label": "W_hh factor", "log10_gain": dec.log10_gain_matmul}
            ),
            pd.DataFrame(
                {"step": steps, "factor": "rnn", "label": "total (their product)", "log10_gain": dec.log10_gain_total}
            ),
        ],
        ignore_index=True,
    )
    facts = rc.spectral_facts(layer.W_hh, s.act)
    eig = facts.eigenvalues
    eigenvalues = pd.DataFrame({"real": eig.real, "imag": eig.imag, "modulus": np.abs(eig)})
    idx = np.arange(1, s.H + 1)
    spectrum = pd.concat(
        [
            pd.DataFrame({"index": idx, "quantity": "σ_i", "value": facts.singular_values}),
            pd.DataFrame({"index": idx, "quantity": "|λ_i|", "value": np.abs(eig)}),
        ],
        ignore_index=True,
    )
    skip = min(5, max(0, s.T - 3))  # the first steps back are transients, not the long-run rate
    return RNNResult(
        chains=chains,
        gains=gains,
        eigenvalues=eigenvalues,
        spectrum=spectrum,
        facts=facts,
        rate_matmul=rc.long_run_rate(agg["matmul"], skip=skip),
        rate_full=rc.long_run_rate(agg["full"], skip=skip),
        summary=_summary("rnn", agg["full"], dec.full.overflow_step, dec.forward_overflow_step),
        matmul_overflow64=dec.matmul_only.overflow_step["float64"],
        matmul_overflow32=dec.matmul_only.overflow_step["float32"],
    )


def book_view(scales=(1.0, 0.5)) -> pd.DataFrame:
    """The book's figure, exactly: norms after each of the 20 steps for Wh and Wh × 0.5."""
    frames = []
    for scale, key in zip(scales, ("rnn", "matmul"), strict=False):
        b = rc.book_experiment(scale)
        label = "Wh = randn(3, 3)" if scale == 1.0 else f"Wh = randn(3, 3) × {scale:g}"
        frames.append(
            pd.DataFrame(
                {
                    "step": np.arange(1, len(b.norms) + 1),
                    "curve": label,
                    "colour_key": key,
                    "scale": scale,
                    "norm": b.norms,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def gate_frame(gate: np.ndarray, sample: int = 0) -> pd.DataFrame:
    """Tidy (step, unit, value) of one sample's gate values, shape (T, N, H)."""
    T, _, H = gate.shape
    g = gate[:, sample, :]
    return pd.DataFrame({"step": np.repeat(np.arange(T), H), "unit": np.tile(np.arange(H), T), "value": g.reshape(-1)})


@dataclass(frozen=True)
class GateResult:
    curves: pd.DataFrame
    heatmap: pd.DataFrame
    summary: KindSummary
    gate_mean: float  # mean of the gate along the path (f, or the GRU's keep gate)
    path_log10_kept: float  # log10 of what the element-wise path alone keeps from t=T-1 to 0
    full_log10_kept: float


def lstm_view(s: Settings) -> GateResult:
    x, dhs = make_inputs(s)
    res = rc.lstm_cell_path(make_layer(s, "lstm"), x, dhs)
    steps = np.arange(s.T)
    dh = rc.aggregate(res.full.log10_dh, s.norm)
    dc = rc.aggregate(res.full.log10_dc, s.norm)
    path = rc.aggregate(res.path.log10["c"], s.norm)
    curves = pd.concat(
        [
            _curve(steps, dh, "‖∂L/∂h_t‖", "lstm", "dot", quantity="dh"),
            _curve(steps, dc, "‖∂L/∂c_t‖ (full)", "lstm", quantity="dc"),
            _curve(steps, path, "cell path alone: ∏ f", "tanh", "dash", quantity="cell_path"),
        ],
        ignore_index=True,
    )
    summary = _summary("lstm", dh, res.full.overflow_step, res.full.forward_overflow_step)
    return GateResult(
        curves=curves,
        heatmap=gate_frame(res.gate),
        summary=summary,
        gate_mean=float(res.gate.mean()),
        path_log10_kept=float(path[0] - path[-1]),
        full_log10_kept=float(dc[0] - dc[-1]),
    )


def gru_view(s: Settings) -> GateResult:
    x, dhs = make_inputs(s)
    res = rc.gru_direct_path(make_layer(s, "gru"), x, dhs)
    steps = np.arange(s.T)
    dh = rc.aggregate(res.full.log10_dh, s.norm)
    path = rc.aggregate(res.path.log10["h"], s.norm)
    keep = "z" if s.gru_form == "pytorch" else "1 - z"
    curves = pd.concat(
        [
            _curve(steps, dh, "‖∂L/∂h_t‖ (full)", "gru", quantity="dh"),
            _curve(steps, path, f"direct path alone: ∏ ({keep})", "tanh", "dash", quantity="direct_path"),
        ],
        ignore_index=True,
    )
    summary = _summary("gru", dh, res.full.overflow_step, res.full.forward_overflow_step)
    return GateResult(
        curves=curves,
        heatmap=gate_frame(res.update_gate),
        summary=summary,
        gate_mean=float(res.gate.mean()),
        path_log10_kept=float(path[0] - path[-1]),
        full_log10_kept=float(dh[0] - dh[-1]),
    )
