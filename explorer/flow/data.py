"""From settings to everything the flow pages (compare, RNN, LSTM, GRU) show: curves, their trends, markers and
facts, computed from the core's results for the current settings. Pure: no Streamlit. The curves' conventions are
those of explorer/shared/curves.py."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc

from ..shared.controls import Settings, Text
from ..shared.curves import CurveInfo, FlowView, Trend, collect, frame, make_inputs, make_layer, trend, with_h0
from ..shared.curves import overflow_markers as overflow_markers  # the flow pages' vocabulary, read from here too
from ..shared.curves import steps_below as steps_below
from ..shared.kinds import KIND_LABELS

OPEN_GATE_BIAS = 3.0
SEED_BAND_SEEDS = 10


# ----------------------------------------------------------------------------------------------------- compare
@dataclass(frozen=True)
class CompareResult:
    flow: FlowView
    gate_means: dict[str, float]  # curve id of a gated kind -> mean of the gate on its element-wise path
    open_bias: dict[str, float]  # "lstm"/"gru" -> the bias of its dotted "opened" curve
    cell_path: Trend  # the LSTM's cell path alone (∏ f), over the same steps as ∂L/∂c_t
    lstm_dc: Trend | None = None  # the LSTM's ‖∂L/∂c_t‖ (t = 1 … T): its memory, judged beside ‖∂L/∂h_t‖
    lstm_dc_curve: np.ndarray | None = None  # its log10 norms, t = 1 … T
    open_dc: dict[str, Trend] = field(default_factory=dict)  # "lstm" -> the opened LSTM's ‖∂L/∂c_t‖
    open_dc_curve: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class KindFlow:
    """One kind's full-BPTT curve at the settings as Compare draws it, and what its readings use (the overflow
    steps; the mean of the gate along the element-wise path; the LSTM's ‖∂L/∂c_t‖ and cell path alone). No tape: a
    few KB, so the LSTM's and the GRU's pages leave theirs in the cache for Compare, the path's next stop."""

    dh: np.ndarray  # log10 ‖∂L/∂h_t‖ over the batch, t = 0 … T
    overflow_step: dict[str, int | None]
    forward_overflow: int | None  # the t whose forward state overflowed, or None
    gate_mean: float = math.nan  # f, or the GRU's keep gate (NaN for the RNN)
    dc: np.ndarray | None = None  # the LSTM's log10 ‖∂L/∂c_t‖, t = 1 … T
    path: np.ndarray | None = None  # the LSTM's cell path alone, t = 1 … T


def kind_flow(res: rc.GatePath | rc.FlowNorms, norm: str, gate: np.ndarray | None = None) -> KindFlow:
    """``res`` (rc.flow_norms, or the LSTM's cell path / the GRU's direct path) as Compare reads it; ``gate``: a
    gated kind's f or keep gate when ``res`` is its rc.flow_norms (no path then)."""
    full = res.full if isinstance(res, rc.GatePath) else res
    out = KindFlow(with_h0(full.log10_dh, full.log10_dh0, norm), full.overflow_step, _fwd(full.forward_overflow_step))
    path = None
    if isinstance(res, rc.GatePath):
        gate = res.gate
        path = rc.aggregate(res.path.log10["c"], norm) if res.kind == "lstm" else None
    if gate is None:
        return out
    dc = None if full.log10_dc is None else rc.aggregate(full.log10_dc, norm)
    return replace(out, gate_mean=float(gate.mean()), dc=dc, path=path)


def kind_flow_at(s: Settings, kind: str, with_path: bool = True, **bias: float) -> KindFlow:
    """``kind_flow`` of the settings' layer of ``kind`` (with ``bias``, e.g. forget_bias=3) on their inputs;
    ``with_path=False``: a gated kind without its element-wise path alone (what Compare's opened gates draw)."""
    x, dhs = make_inputs(s)
    layer = make_layer(s, kind, **bias)
    if kind == "lstm" and with_path:
        return kind_flow(rc.lstm_cell_path(layer, x, dhs), s.norm)
    if kind == "gru" and with_path:
        return kind_flow(rc.gru_direct_path(layer, x, dhs), s.norm)
    fn = rc.flow_norms(layer, x, dhs)
    tape: Any = fn.tape
    gate = tape.gate("f") if kind == "lstm" else tape.keep if kind == "gru" else None  # the path's gate, as above
    return kind_flow(fn, s.norm, gate)


def compare(s: Settings, show_open_gates: bool = True, flows: Callable[[str], KindFlow] | None = None) -> CompareResult:
    """‖∂L/∂h_t‖ of the RNN, LSTM and GRU on the same inputs and seed; optionally the gated kinds again with their
    keep gates opened by +3 (forget bias, update bias), dotted. ``flows(kind)``: each kind's ``KindFlow`` at ``s``
    (the cache's, when a kind's own page made it), else computed here. One forward tape is alive at a time."""
    flow_of = flows or (lambda kind: kind_flow_at(s, kind))
    t = np.arange(s.T + 1)
    parts: list[tuple[CurveInfo, np.ndarray, np.ndarray, Trend]] = []
    gate_means: dict[str, float] = {}

    def add(info: CurveInfo, kf: KindFlow) -> None:
        parts.append((info, t, kf.dh, trend(info, kf.dh, kf.overflow_step, kf.forward_overflow)))

    add(CurveInfo("rnn", ("RNN", "RNN"), "rnn", "full", "rnn", "dh"), flow_of("rnn"))
    lstm = flow_of("lstm")
    add(CurveInfo("lstm", ("LSTM", "LSTM"), "lstm", "full", "lstm", "dh"), lstm)
    gate_means["lstm"] = lstm.gate_mean
    assert lstm.path is not None and lstm.dc is not None
    cell_info = CurveInfo(
        "lstm_cell_path",
        chain_label(("LSTM cell path ∏ f", "LSTM 셀 경로 ∏ f"), s),
        "lstm",
        "path",
        "lstm",
        "cell_path",
    )
    cell_path = trend(cell_info, lstm.path)
    dc_info = CurveInfo("lstm_dc", ("LSTM ‖∂L/∂c_t‖", "LSTM ‖∂L/∂c_t‖"), "cell", "full", "lstm", "dc")
    lstm_dc = trend(dc_info, lstm.dc, lstm.overflow_step, lstm.forward_overflow)
    gru = flow_of("gru")
    add(CurveInfo("gru", ("GRU", "GRU"), "gru", "full", "gru", "dh"), gru)
    gate_means["gru"] = gru.gate_mean
    open_bias: dict[str, float] = {}
    open_dc: dict[str, Trend] = {}
    open_dc_curve: dict[str, np.ndarray] = {}
    if show_open_gates:
        for kind, bias in (("lstm", "forget_bias"), ("gru", "update_bias")):
            base = float(getattr(s, bias))
            value = base + OPEN_GATE_BIAS
            open_bias[kind] = value
            name = KIND_LABELS[kind]
            # the toggle says "+3": a label names the bias it reached and, off 0, the step that got it there
            how = "" if base == 0 else f" ({base:+g} {OPEN_GATE_BIAS:+g})"
            info = CurveInfo(
                f"{kind}_open",
                (f"{name}, gate bias {value:+g}{how}", f"{name}, 게이트 편향 {value:+g}{how}"),
                kind,
                "variant",
                kind,
                "dh",
            )
            opened = kind_flow_at(s, kind, with_path=False, **{bias: value})  # its path alone is not drawn
            gate_means[info.id] = opened.gate_mean
            add(info, opened)
            if kind == "lstm" and opened.dc is not None:
                dc_open = CurveInfo("lstm_open_dc", ("LSTM opened ‖∂L/∂c_t‖",) * 2, "cell", "variant", "lstm", "dc")
                open_dc["lstm"] = trend(dc_open, opened.dc, opened.overflow_step, opened.forward_overflow)
                open_dc_curve["lstm"] = opened.dc
    return CompareResult(
        flow=collect(parts, s.T),
        gate_means=gate_means,
        open_bias=open_bias,
        cell_path=cell_path,
        lstm_dc=lstm_dc,
        lstm_dc_curve=lstm.dc,
        open_dc=open_dc,
        open_dc_curve=open_dc_curve,
    )


def _fwd(step: int | None) -> int | None:
    return None if step is None else step + 1


def seed_band(s: Settings, n_seeds: int = SEED_BAND_SEEDS) -> pd.DataFrame:
    """Min–max over ``n_seeds`` seeds (seed, seed+1, …) of each architecture's log10 ‖∂L/∂h_t‖, t = 0 … T."""
    rows = []
    t = np.arange(s.T + 1)
    for kind in ("rnn", "lstm", "gru"):
        runs = []
        for k in range(n_seeds):
            sk = replace(s, seed=(s.seed + k) % (2**31))
            x, dhs = make_inputs(sk)
            fn = rc.flow_norms(make_layer(sk, kind), x, dhs)
            runs.append(with_h0(fn.log10_dh, fn.log10_dh0, s.norm))
        arr = np.array(runs)
        rows.append(
            pd.DataFrame({"t": t, "back": s.T - t, "curve": kind, "lo": arr.min(axis=0), "hi": arr.max(axis=0)})
        )
    return pd.concat(rows, ignore_index=True)


def chains_are_products(s: Settings) -> bool:
    """Whether the isolated chains (∏ f, ∏ keep, W_hh alone, φ′ alone) are pure products: with a loss at every step,
    each step's own loss enters them as they go back. Their labels, readings and the pages' note follow this."""
    return s.loss != "every"


def chain_label(label: Text, s: Settings) -> Text:
    """A chain's legend label; when the chain is no pure product (chains_are_products) the label says so."""
    if chains_are_products(s):
        return label
    return label[0] + " + each step's loss", label[1] + " + 시각마다의 손실"


# ---------------------------------------------------------------------------------------------------- RNN page
# ------------------------------------------------------------------------------------- per-step contributions
BLOCK_COLOURS = {"a": "rnn", "i": "lstm", "f": "cell", "g": "tanh", "o": "matmul", "r": "matmul", "z": "gru",
                 "n": "tanh"}  # fmt: skip
BLOCK_NAMES: dict[str, Text] = {
    "a": ("W_hh", "W_hh"),
    "i": ("W_hh, input gate block i", "W_hh, 입력 게이트 블록 i"),
    "f": ("W_hh, forget gate block f", "W_hh, 망각 게이트 블록 f"),
    "g": ("W_hh, new memory block g", "W_hh, 새로운 기억 블록 g"),
    "o": ("W_hh, output gate block o", "W_hh, 출력 게이트 블록 o"),
    "r": ("W_hh, reset gate block r", "W_hh, 리셋 게이트 블록 r"),
    "z": ("W_hh, update gate block z", "W_hh, 업데이트 게이트 블록 z"),
    "n": ("W_hh, candidate block n", "W_hh, 후보 블록 n"),
}


@dataclass(frozen=True)
class Contributions:
    """What the weights receive from each step t = 1 … T: ‖h_{t−1}ᵀ ∂L/∂a_t‖ per gate block of W_hh (batch summed
    inside), and ‖∂L/∂x_t‖. Tidy ``curves`` (t, back, curve, log10_norm) with curve ids ``hh_<block>`` and ``dx``."""

    curves: pd.DataFrame
    info: tuple[CurveInfo, ...]
    blocks: tuple[str, ...]
    log10_step: np.ndarray  # (T,) log10 ‖step t's term of ∂L/∂W_hh‖ over all blocks
    log10_whole: float  # log10 ‖∂L/∂W_hh‖ (the sum of the terms)
    log10_dx: np.ndarray  # (T,) log10 ‖∂L/∂x_t‖


def _log10(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.log10(np.asarray(a, dtype=float))
    return out


def step_view(layer: Any, x: np.ndarray, dhs: np.ndarray, tape: Any = None, flow: Any = None) -> Contributions:
    """Per-step contributions (``rc.step_contributions``) of one run, as curves; ``tape``: the run's forward tape,
    ``flow``: its ``rc.flow_norms`` (forward and backward), when the page's analysis made them already."""
    with np.errstate(over="ignore", invalid="ignore"):
        sc = rc.step_contributions(layer, x, dhs, tape=tape, flow=flow)
        whole = float(np.linalg.norm(sc.trace.grads["weight_hh_l0"]))
    T = len(sc.dx)
    t = np.arange(1, T + 1)
    frames, info = [], []
    for j, block in enumerate(sc.blocks):
        ci = CurveInfo(f"hh_{block}", BLOCK_NAMES[block], BLOCK_COLOURS[block], "full", sc.kind, "contribution")
        info.append(ci)
        frames.append(frame(ci, t, _log10(sc.W_hh[:, j]), T))
    dx = CurveInfo("dx", ("‖∂L/∂x_t‖", "‖∂L/∂x_t‖"), "bound", "path", sc.kind, "dx")
    info.append(dx)
    frames.append(frame(dx, t, _log10(sc.dx), T))
    return Contributions(
        curves=pd.concat(frames, ignore_index=True),
        info=tuple(info),
        blocks=tuple(sc.blocks),
        log10_step=_log10(sc.W_hh_total),
        log10_whole=float(_log10(np.array(whole))),
        log10_dx=_log10(sc.dx),
    )


@dataclass(frozen=True)
class RNNResult:
    flow: FlowView  # full BPTT, W_hh alone (the book's chain), φ′ alone
    gains: pd.DataFrame  # t (the step h_t -> h_{t-1}), back, factor, log10_gain
    eigenvalues: pd.DataFrame
    spectrum: pd.DataFrame
    spectral_radius: float
    sigma_max: float
    log10_bound: float | None  # log10 of Pascanu's per-step bound σ_max·γ (None for W_hh = 0)
    log10_rho: float | None
    log10_rate_matmul: float  # measured long-run change per step of the W_hh-only chain (log10)
    log10_rate_full: float  # … of the full BPTT
    log10_gain_phi: float  # mean log10 gain of the φ′ factor per step
    activation: str  # "tanh" or "relu": the φ of φ′
    contributions: Contributions | None = None  # what the weights receive from each step
    kind_flow: KindFlow | None = None  # the full curve as Compare reads it (explorer/flow/cached.py)


def rnn_view(s: Settings) -> RNNResult:
    x, dhs = make_inputs(s)
    layer = make_layer(s, "rnn")
    fn = rc.flow_norms(layer, x, dhs)  # one forward and backward pass serve the contributions and the decomposition
    contributions = step_view(layer, x, dhs, flow=fn)
    dec = rc.rnn_decomposition(layer, x, dhs, flow=fn)
    kf = kind_flow(fn, s.norm)  # Compare's RNN curve: the same flow (kind_flow_at's for the RNN)
    del fn
    act = s.nonlinearity
    t = np.arange(s.T + 1)
    fwd = _fwd(dec.forward_overflow_step)
    full_y = with_h0(dec.full.log10["h"], dec.full.log10_into_h0, s.norm)
    tanh_y = with_h0(dec.tanh_only.log10["h"], dec.tanh_only.log10_into_h0, s.norm)
    # the book's norm_list: the norm after each of the T multiplications, t = T−1 … 0 (the loss's own point left out)
    matmul_y = with_h0(dec.matmul_only.log10["h"], dec.matmul_only.log10_into_h0, s.norm)[:-1]
    full = CurveInfo("full", (f"full BPTT ({act}′ and W_hh)", f"전체 BPTT ({act}′과 W_hh)"), "rnn", "full", "rnn", "dh")
    matmul = CurveInfo(
        "matmul_only",
        chain_label(("W_hh matmul only (the book's chain)", "W_hh 행렬 곱만 반복 (책의 실험)"), s),
        "matmul",
        "path",
        "rnn",
        "matmul_only",
    )
    phi = CurveInfo(
        "tanh_only",
        chain_label((f"{act}′ only (W_hh = I)", f"{act}′만 (W_hh = I)"), s),
        "tanh",
        "path",
        "rnn",
        "tanh_only",
    )
    parts = [
        (full, t, full_y, trend(full, full_y, dec.full.overflow_step, fwd)),
        (
            matmul,
            t[:-1],
            matmul_y,
            trend(matmul, np.append(matmul_y, full_y[-1]), dec.matmul_only.overflow_step),
        ),
        (phi, t, tanh_y, trend(phi, tanh_y, dec.tanh_only.overflow_step, fwd)),
    ]
    steps = np.arange(s.T, 0, -1)  # gain of the step h_t -> h_{t-1}, from the loss backwards
    rev = slice(None, None, -1)
    gains = pd.concat(
        [
            pd.DataFrame({"t": steps, "factor": "phi", "log10_gain": dec.log10_gain_tanh[rev]}),
            pd.DataFrame({"t": steps, "factor": "matmul", "log10_gain": dec.log10_gain_matmul[rev]}),
            pd.DataFrame({"t": steps, "factor": "total", "log10_gain": dec.log10_gain_total[rev]}),
        ],
        ignore_index=True,
    )
    gains["back"] = s.T - gains["t"] + 1
    facts = rc.spectral_facts(layer.W_hh)
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
    with np.errstate(divide="ignore", invalid="ignore"):
        phi_gain = dec.log10_gain_tanh[np.isfinite(dec.log10_gain_tanh)]
        mean_phi = float(phi_gain.mean()) if phi_gain.size else float("nan")
    flow = collect(parts, s.T)
    return RNNResult(
        flow=flow,
        gains=gains,
        eigenvalues=eigenvalues,
        spectrum=spectrum,
        spectral_radius=facts.spectral_radius,
        sigma_max=facts.sigma_max,
        log10_bound=_log10_or_none(facts.pascanu_bound),
        log10_rho=_log10_or_none(facts.spectral_radius),
        # one computation with the trends' per-step rates (the sentences print one number per chain)
        log10_rate_matmul=flow.trends["matmul_only"].log10_rate_steady,
        log10_rate_full=flow.trends["full"].log10_rate_steady,
        log10_gain_phi=mean_phi,
        activation=act,
        contributions=contributions,
        kind_flow=kf,
    )


def _log10_or_none(v: float) -> float | None:
    return float(np.log10(v)) if v > 0 and np.isfinite(v) else None


BOOK_SCALES = (1.0, 0.5)


# The book's experiment starts from dh = ones((N, H)) = ones((2, 3)): its norm √Σdh² / N at the loss
BOOK_START = float(np.sqrt(2 * 3) / 2)


def book_spectra() -> dict[float, tuple[float, float]]:
    """ρ and σ_max of the book's Wh and Wh × 0.5 (scale -> (ρ, σ_max))."""
    out = {}
    for scale in BOOK_SCALES:
        Wh = rc.book_experiment(scale).Wh
        out[scale] = (float(np.abs(np.linalg.eigvals(Wh)).max()), float(np.linalg.svd(Wh, compute_uv=False)[0]))
    return out


def book_view() -> pd.DataFrame:
    """The book's figure, exactly: its 20 norms after k = 1 … 20 backward steps, for Wh and Wh × 0.5."""
    frames = []
    for scale in BOOK_SCALES:
        b = rc.book_experiment(scale)
        frames.append(pd.DataFrame({"back": np.arange(1, len(b.norms) + 1), "scale": scale, "norm": b.norms}))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------------------------- LSTM / GRU
def gate_frame(gate: np.ndarray, sample: int = 0) -> pd.DataFrame:
    """Tidy (t, unit, value) of one sample's gate values, shape (T, N, H) (or one sample's (T, H)); t = 1 … T (the
    step that made h_t). Built for a CSV when it is downloaded: three columns of T·H rows (6 MB at T = 1000,
    H = 256), where the view keeps the (T, H) grid."""
    g = gate if gate.ndim == 2 else gate[:, sample, :]
    T, H = g.shape
    return pd.DataFrame(
        {"t": np.repeat(np.arange(1, T + 1), H), "unit": np.tile(np.arange(H), T), "value": g.reshape(-1)}
    )


@dataclass(frozen=True)
class GateResult:
    flow: FlowView
    heatmap: np.ndarray  # (T, H) of sample 1: the gate as the formulation writes it (f, or the GRU's z)
    gate_mean: float  # mean of the gate along the element-wise path (f, or the GRU's keep gate)
    keep_symbol: str  # "f", "z" or "1 − z": the factor of the element-wise path
    gate_stats: pd.DataFrame | None = None  # t, gate, mean, lo, hi (10th and 90th percentiles over samples, units)
    gate_maps: dict[str, np.ndarray] | None = None  # gate -> (T, 1, H) float32 values of sample 1, for heatmaps
    contributions: Contributions | None = None
    gate_summary: dict[str, tuple[float, float, float]] | None = None  # gate -> mean, 10th and 90th percentile
    kind_flow: KindFlow | None = None  # what Compare reads of this run (explorer/flow/cached.py keeps it for it)


def summarise_gates(gates: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name, g in gates.items():
        lo, hi = np.percentile(g, [10, 90])
        out[name] = (float(g.mean()), float(lo), float(hi))
    return out


GATE_ORDER = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z")}


def row_percentiles(a: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """``np.percentile(a, qs, axis=1)`` (its "linear" method, the same bits), from one sort of the rows: NumPy's
    row sort is ~7× faster than the partitions behind percentile (T = 1000, 256 units: 1.5 against 10 ms)."""
    s = np.sort(a, axis=1)
    n = s.shape[1]
    out = []
    for q in qs:
        pos = q / 100 * (n - 1)
        lo = math.floor(pos)
        t = pos - lo
        below, above = s[:, lo], s[:, min(lo + 1, n - 1)]
        gap = above - below
        out.append(above - gap * (1 - t) if t >= 0.5 else below + gap * t)  # NumPy's _lerp, from the nearer end
    return out


def gate_stats(gates: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per step t = 1 … T and gate: the mean and the 10th/90th percentiles over samples and units."""
    frames = []
    for name, g in gates.items():
        T = g.shape[0]
        flat = g.reshape(T, -1)
        lo, hi = row_percentiles(flat, (10, 90))
        frames.append(pd.DataFrame({"t": np.arange(1, T + 1), "gate": name, "mean": flat.mean(axis=1), "lo": lo,
                                    "hi": hi}))  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    out["back"] = out["t"].max() - out["t"]
    return out


def lstm_view(s: Settings) -> GateResult:
    x, dhs = make_inputs(s)
    layer = make_layer(s, "lstm")
    res = rc.lstm_cell_path(layer, x, dhs)
    t = np.arange(s.T + 1)
    kf = kind_flow(res, s.norm)  # the curves, once: Compare reads the same (explorer/flow/cached.py)
    assert kf.dc is not None and kf.path is not None
    dh, dc, path = kf.dh, kf.dc, kf.path
    dh_info = CurveInfo("dh", ("‖∂L/∂h_t‖ (full BPTT)", "‖∂L/∂h_t‖ (전체 BPTT)"), "lstm", "full", "lstm", "dh")
    dc_info = CurveInfo("dc", ("‖∂L/∂c_t‖ (full BPTT)", "‖∂L/∂c_t‖ (전체 BPTT)"), "cell", "full", "lstm", "dc")
    path_info = CurveInfo(
        "cell_path", chain_label(("cell path alone: ∏ f", "셀 경로만: ∏ f"), s), "tanh", "path", "lstm", "cell_path"
    )
    ov, fwd = kf.overflow_step, kf.forward_overflow
    parts = [
        (dh_info, t, dh, trend(dh_info, dh, ov, fwd)),
        (dc_info, t[1:], dc, trend(dc_info, dc, ov, fwd)),
        (path_info, t[1:], path, trend(path_info, path)),
    ]
    tape: Any = res.full.tape  # the LSTM tape (the core types it as any kind's)
    gates = {name: tape.gate(name) for name in GATE_ORDER["lstm"]}
    out = dict(
        flow=collect(parts, s.T),
        heatmap=res.gate[:, 0, :].copy(),  # a copy: a view would keep every sample's gates
        gate_mean=kf.gate_mean,
        keep_symbol="f",
        gate_stats=gate_stats(gates),
        gate_maps={k: v[:, :1, :].astype(np.float32) for k, v in gates.items()},  # heatmap colours only
        gate_summary=summarise_gates(gates),
        kind_flow=kf,
    )
    full = res.full
    del res, gates  # the analysis's forward and backward passes stay: the contributions reuse both
    return GateResult(**out, contributions=step_view(layer, x, dhs, flow=full))


def gru_view(s: Settings) -> GateResult:
    x, dhs = make_inputs(s)
    layer = make_layer(s, "gru")
    res = rc.gru_direct_path(layer, x, dhs)
    t = np.arange(s.T + 1)
    kf = kind_flow(res, s.norm)  # the curve, once: Compare reads the same (explorer/flow/cached.py)
    dh = kf.dh
    path = with_h0(res.path.log10["h"], res.path.log10_into_h0, s.norm)
    keep = "z" if s.formulation == "pytorch" else "1 − z"
    dh_info = CurveInfo("dh", ("‖∂L/∂h_t‖ (full BPTT)", "‖∂L/∂h_t‖ (전체 BPTT)"), "gru", "full", "gru", "dh")
    path_info = CurveInfo(
        "direct_path",
        chain_label((f"direct path alone: ∏ ({keep})", f"직접 경로만: ∏ ({keep})"), s),
        "tanh",
        "path",
        "gru",
        "direct_path",
    )
    ov, fwd = kf.overflow_step, kf.forward_overflow
    parts = [(dh_info, t, dh, trend(dh_info, dh, ov, fwd)), (path_info, t, path, trend(path_info, path))]
    assert res.update_gate is not None
    gru_tape: Any = res.full.tape  # the GRU tape
    gates = {"r": gru_tape.r, "z": res.update_gate}
    out = dict(
        flow=collect(parts, s.T),
        heatmap=res.update_gate[:, 0, :].copy(),
        gate_mean=kf.gate_mean,
        keep_symbol=keep,
        gate_stats=gate_stats(gates),
        gate_maps={k: v[:, :1, :].astype(np.float32) for k, v in gates.items()},  # heatmap colours only
        gate_summary=summarise_gates(gates),
        kind_flow=kf,
    )
    full = res.full
    del res, gates  # the analysis's forward and backward passes stay: the contributions reuse both
    return GateResult(**out, contributions=step_view(layer, x, dhs, flow=full))
