"""Everything the Remedies page shows: gradient clipping, truncated BPTT, and initialisation presets. Pure: no
Streamlit.

Every number comes from the core for the current settings: ``rc.clip_global_norm`` (the book's ``clip_grads``),
``rc.clip_elementwise`` (min-char-rnn), ``rc.bptt(..., truncate=k)`` (the book's truncated BPTT) and
``rc.flow_norms`` for the initialisation presets. Time convention as in ``explorer/shared/curves.py``: t = 0 … T,
h_0 the initial state, the loss on h_T ("last") or on every h_t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc

# the page's input rules live with its controls (explorer/shared/controls.py); its readers find them here too
from ..shared.controls import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD
from ..shared.controls import Settings, Text, consistent, layer_kwargs, tape_bytes
from ..shared.controls import safe_block as safe_block
from ..shared.controls import safe_threshold as safe_threshold
from ..shared.curves import CurveInfo, FlowView, Trend, collect, make_inputs, make_layer, trend, with_h0

INIT_PRESETS = ("irnn", "orthogonal", "chrono", "tanh_relu")
# The exploding one-click preset: W_hh = 1.2 I with ReLU, which does not saturate: an active unit passes its gradient
# back ×1.2 per step. The book's matrix with ReLU (seed 3) was the old preset: over seeds 0–29 only 11 explode, 16
# end in dead units (exactly 0). This one grows 2700–6700× over T = 50 at every seed 0–199 (tests/test_remedies.py
# checks seeds 0–99): with H = 16 and N = 2 some unit stays active along the whole chain. The forward state grows
# too, so almost every gradient entry exceeds θ = 1; seed 53 has a few that do not (a unit dead throughout), which
# lets the element-wise clip show both cut and uncut entries.
EXPLODING_PRESET: dict[str, Any] = {
    "T": 50, "H": 16, "N": 2, "seed": 53, "scheme": "identity", "scale": 1.2, "set_rho": False,
    "nonlinearity": "relu", "loss": "last", "norm": "l2", "input_scale": 1.0,
}  # fmt: skip


# --------------------------------------------------------------------------------------------------- clipping
def _norm(g: np.ndarray) -> float:
    """‖g‖ without overflow for finite entries (scaled by the largest |entry|)."""
    with np.errstate(over="ignore", invalid="ignore"):
        m = float(np.max(np.abs(g))) if g.size else 0.0
        if m == 0 or not math.isfinite(m):
            return m
        return m * float(np.sqrt(np.sum((g / m) ** 2)))


def _cosine(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """Cosine between two gradient dicts seen as one long vector (overflow-safe)."""
    va = np.concatenate([g.ravel() for g in a.values()])
    vb = np.concatenate([b[k].ravel() for k in a])
    na, nb = _norm(va), _norm(vb)
    if not (na > 0 and nb > 0 and math.isfinite(na) and math.isfinite(nb)):
        return math.nan
    return float(np.dot(va / na, vb / nb))


@dataclass(frozen=True)
class ClipResult:
    """One run's gradients before and after clipping (both kinds), for the threshold θ."""

    kind: str  # the architecture whose gradients these are
    clip: str  # "global" or "elementwise": the one shown
    threshold: float
    table: pd.DataFrame  # parameter, stage ("before", "global", "elementwise"), norm, log10_norm
    norm_before: float  # global norm ‖g‖
    norm_global: float  # after the global-norm clip
    norm_elementwise: float  # after the element-wise clip
    factor: float  # the global clip's scale factor (1: not clipped)
    cos_global: float  # cosine with the unclipped gradient
    cos_elementwise: float
    fraction_clipped: float  # elements the element-wise clip changed
    finite: bool  # every gradient entry finite (else clipping has nothing meaningful to rescale)
    sum_overflow: bool = False  # entries finite, but the book's sqrt(Σ g²) overflowed float64: clip_grads gives 0


def clipping(s: Settings, kind: str, threshold: float, clip: str = "global") -> ClipResult:
    """The gradients of one BPTT pass of ``kind`` at ``s``, clipped both ways at ``threshold``."""
    x, dhs = make_inputs(s)
    with np.errstate(over="ignore", invalid="ignore"):
        grads = rc.bptt(make_layer(s, kind), x, dhs).grads
        finite = all(bool(np.isfinite(g).all()) for g in grads.values())
        g_clip, total, factor = rc.clip_global_norm(grads, threshold)
        e_clip, fraction = rc.clip_elementwise(grads, threshold)
    rows = []
    for stage, gs in (("before", grads), ("global", g_clip), ("elementwise", e_clip)):
        for name, g in gs.items():
            rows.append({"parameter": name, "stage": stage, "norm": _norm(g)})
        rows.append(
            {"parameter": "global", "stage": stage, "norm": _norm(np.concatenate([g.ravel() for g in gs.values()]))}
        )
    table = pd.DataFrame(rows)
    with np.errstate(divide="ignore"):
        table["log10_norm"] = np.log10(table["norm"].to_numpy(dtype=float))
    glob = table[table["parameter"] == "global"].set_index("stage")["norm"]
    return ClipResult(
        kind=kind,
        clip=clip,
        threshold=float(threshold),
        table=table,
        norm_before=float(glob["before"]),
        norm_global=float(glob["global"]),
        norm_elementwise=float(glob["elementwise"]),
        factor=float(factor),
        cos_global=_cosine(grads, g_clip),
        cos_elementwise=_cosine(grads, e_clip),
        fraction_clipped=float(fraction),
        finite=finite,
        sum_overflow=finite and not math.isfinite(total),
    )


# ----------------------------------------------------------------------------------------------- dead units
def dead_steps(layer: Any, x: np.ndarray) -> tuple[int | None, ...] | None:
    """A ReLU RNN's dead steps: per sample, the last t (1 … T) at which every unit has a_t ≤ 0 (relu′ = 0 for
    all), None for a sample without one; None for any other layer. Backward through such a step passes nothing:
    ∂L/∂h_{t−1} gets nothing from step t on."""
    if layer.kind != "rnn" or layer.nonlinearity != "relu":
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        tape = rc.forward(layer, x)
    # relu′(a_t) = 0 for every unit, at a step whose state is a number (past a forward overflow nothing is dead)
    all_dead = ~np.any(tape.dphi != 0, axis=2) & np.all(np.isfinite(tape.hs), axis=2)  # (T, N)
    out: list[int | None] = []
    for n in range(all_dead.shape[1]):
        steps = np.flatnonzero(all_dead[:, n])
        out.append(int(steps[-1]) + 1 if steps.size else None)
    return tuple(out)


# ----------------------------------------------------------------------------------------------- truncation
@dataclass(frozen=True)
class TruncResult:
    """‖∂L/∂h_t‖ with full and truncated BPTT (block length k), where the gradient is cut, and the memory cost."""

    flow: FlowView  # curves "full" and "truncated", t = 0 … T
    k: int
    T: int
    cuts: tuple[int, ...]  # t at which no gradient flows into h_t from step t+1 (t = k, 2k, …; and t = 0)
    last_block_start: int  # from this t on, truncated = full (measured: the first t after the last cut)
    bytes_full: int  # tape bytes for the whole sequence
    bytes_block: int  # … for one block of k steps
    dh_full: np.ndarray  # (T + 1, N, H) ∂L/∂h_t, t = 0 … T
    dh_trunc: np.ndarray
    zero_before: int | None  # the truncated gradient is exactly 0 for every t below this (None: never)
    loss: str  # where the loss sits ("last", "every"): what the zero_before sentence may say
    dead: tuple[int | None, ...] | None = None  # ReLU RNN: per sample, the last t at which every unit is dead
    forward_overflow: int | None = None  # the first t whose hidden state is not finite (ReLU, gain above 1)


def _row_norms(g: np.ndarray) -> np.ndarray:
    """``_norm`` of every row (last axis) at once: the same operations, the same bits."""
    with np.errstate(over="ignore", invalid="ignore"):
        m = np.max(np.abs(g), axis=-1)
        scaled = (m != 0) & np.isfinite(m)
        safe = np.where(scaled, m, 1.0)
        out: np.ndarray = np.where(scaled, safe * np.sqrt(np.sum((g / safe[..., None]) ** 2, axis=-1)), m)
    return out


def _log10_rows(dh: np.ndarray, norm: str) -> np.ndarray:
    """Aggregated log10 ‖dh_t‖ over the batch, (T + 1,), overflow-safe."""
    per = _row_norms(dh)  # (T + 1, N)
    with np.errstate(divide="ignore"):
        return rc.aggregate(np.log10(per), norm)


def truncation(s: Settings, kind: str, k: int) -> TruncResult:
    x, dhs = make_inputs(s)
    layer = make_layer(s, kind)
    with np.errstate(over="ignore", invalid="ignore"):
        full = rc.bptt(layer, x, dhs)
        cut = rc.bptt(layer, x, dhs, truncate=k)
    dh_full = np.concatenate([full.dh0[None], full.dh])
    dh_trunc = np.concatenate([cut.dh0[None], cut.dh])
    t = np.arange(s.T + 1)
    yf, yt = _log10_rows(dh_full, s.norm), _log10_rows(dh_trunc, s.norm)
    f_info = CurveInfo("full", ("full BPTT", "전체 BPTT"), kind, "full", kind, "dh")
    t_info = CurveInfo("truncated", (f"truncated BPTT, k = {k}", f"Truncated BPTT, k = {k}"), "bound", "variant",
                       kind, "dh")  # fmt: skip
    parts = [(f_info, t, yf, trend(f_info, yf)), (t_info, t, yt, trend(t_info, yt))]
    if full.dc is not None:  # the LSTM: its memory cell's gradient beside h's (t = 1 … T)
        yc = _log10_rows(np.asarray(full.dc), s.norm)
        c_info = CurveInfo("full_dc", ("full BPTT, ‖∂L/∂c_t‖", "전체 BPTT, ‖∂L/∂c_t‖"), "cell", "path", kind, "dc")
        parts.append((c_info, t[1:], yc, trend(c_info, yc)))
    cuts = tuple(range(0, s.T, k))
    zero = np.flatnonzero(~np.all(dh_trunc == 0, axis=(1, 2)))
    zero_before = int(zero[0]) if zero.size and zero[0] > 0 else None
    # from the data: the first t from which every step's truncated gradient is the full one
    differs = np.flatnonzero(~np.all(dh_trunc == dh_full, axis=(1, 2)))
    last_block_start = int(differs[-1]) + 1 if differs.size else 0
    per_step = tape_bytes(1, s.N, s.H)
    bad = np.flatnonzero(~np.all(np.isfinite(full.hs), axis=(1, 2)))  # h_1 … h_T
    return TruncResult(
        flow=collect(parts, s.T),
        k=k,
        T=s.T,
        cuts=cuts,
        last_block_start=last_block_start,
        bytes_full=per_step * s.T,
        bytes_block=per_step * min(k, s.T),
        dh_full=dh_full,
        dh_trunc=dh_trunc,
        zero_before=zero_before,
        loss=s.loss,
        dead=dead_steps(layer, x),
        forward_overflow=int(bad[0]) + 1 if bad.size else None,
    )


# ------------------------------------------------------------------------------------------- init presets
PRESET_TEXT: dict[str, tuple[Text, Text]] = {
    "irnn": (
        ("IRNN (Le, Jaitly & Hinton 2015)", "IRNN (Le, Jaitly, Hinton 2015)"),
        (
            "W_hh = I and ReLU instead of tanh: an active unit passes its gradient back with factor exactly 1, "
            "an inactive one (a_t ≤ 0) passes nothing.",
            "W_hh = I, tanh 대신 ReLU: 활성화된 유닛은 기울기를 정확히 1배로 넘기고, 꺼진 유닛(a_t ≤ 0)은 아무것도 "
            "넘기지 않습니다.",
        ),
    ),
    "orthogonal": (
        ("Orthogonal W_hh (Saxe et al. 2014)", "직교 W_hh (Saxe 등 2014)"),
        (
            "Every singular value of W_hh is 1, so the W_hh-only chain keeps its norm exactly; what still shrinks "
            "the full gradient is tanh′.",
            "W_hh의 특잇값이 모두 1이므로 W_hh 행렬 곱만 반복한 곡선은 노름을 정확히 유지합니다. 전체 기울기를 "
            "여전히 줄이는 것은 tanh′입니다.",
        ),
    ),
    "chrono": (
        ("Chrono init (Tallec & Ollivier 2018)", "Chrono 초기화 (Tallec, Ollivier 2018)"),
        (
            "Gate biases b ~ log U[1, T_max − 1] (here T_max = T): the forget gate (LSTM) and the keep gate (GRU) "
            "start more open than at bias 0, the nearer 1 the longer T_max (their measured means are below), so the "
            "element-wise path can keep more of the gradient. For the LSTM both ‖∂L/∂h_t‖ and the memory cell's "
            "‖∂L/∂c_t‖ are drawn.",
            "게이트 편향 b ~ log U[1, T_max − 1] (여기서 T_max = T): 망각 게이트(LSTM)와 "
            "이전 상태를 넘기는 비율(GRU)이 편향 0일 때보다 더 열린 채로 시작하고, T_max가 길수록 1에 가깝습니다 "
            "(측정한 평균은 아래에). 그래서 원소별 경로가 기울기를 더 많이 간직할 수 있습니다. LSTM은 ‖∂L/∂h_t‖와 "
            "기억 셀의 ‖∂L/∂c_t‖를 함께 그립니다.",
        ),
    ),
    "tanh_relu": (
        ("tanh vs ReLU at the same ρ", "같은 ρ에서 tanh와 ReLU"),
        (
            "The same W_hh rescaled to the sidebar's ρ, once with tanh and once with ReLU: tanh′ ≤ 1 shrinks at "
            "every step, ReLU′ is 1 or 0.",
            "같은 W_hh를 사이드바의 ρ로 맞추고 tanh와 ReLU로 한 번씩 계산합니다. tanh′ ≤ 1은 매 시각 줄이고, ReLU′은 "
            "1 아니면 0입니다.",
        ),
    ),
}
# What each preset moves in the sidebar (None: it is a comparison on this page only)
PRESET_CONTROLS: dict[str, dict[str, Any] | None] = {
    "irnn": {"scheme": "identity", "scale": 1.0, "nonlinearity": "relu", "set_rho": False},
    "orthogonal": {"scheme": "orthogonal", "scale": 1.0, "nonlinearity": "tanh", "set_rho": False},
    "chrono": None,
    "tanh_relu": {"set_rho": True},
}


@dataclass(frozen=True)
class PresetResult:
    """The current settings' curve(s) beside the preset's, and the trends of each (id -> Trend)."""

    preset: str
    flow: FlowView
    pairs: tuple[tuple[str, str], ...]  # (current curve id, preset curve id)
    linear_chain_log10_ratio: float | None  # orthogonal: log10 ‖W_hh-only chain after T steps‖ / ‖start‖
    gate_means: dict[str, float]  # chrono: mean forget (LSTM) / keep (GRU) gate, current and chrono
    dead: dict[str, tuple[int | None, ...]] = field(default_factory=dict)  # ReLU curves: dead_steps per curve id
    loss: str = "last"  # where the loss sits
    cells: tuple[tuple[str, str], ...] = ()  # chrono: (‖∂L/∂h_t‖ curve id, its ‖∂L/∂c_t‖ curve id), LSTM


def linear_chain_log10(W_hh: np.ndarray, T: int, N: int) -> float:
    """log10 of ‖ones(N, H) W_hh^T‖ after T multiplications by W_hh (PyTorch layout: dh_{t-1} = dh_t W_hh) over
    ‖ones‖, renormalised every step so it never overflows."""
    v = np.ones((N, W_hh.shape[0]))
    total = 0.0
    for _ in range(T):
        v = v @ W_hh
        n = _norm(v)
        if n == 0:
            return -math.inf
        total += math.log10(n)
        v = v / n
    return total - math.log10(_norm(np.ones((N, W_hh.shape[0]))))


def init_preset(s: Settings, preset: str) -> PresetResult:
    if preset not in INIT_PRESETS:
        raise ValueError(f"preset: expected one of {INIT_PRESETS}, got {preset!r}")
    x, dhs = make_inputs(s)
    t = np.arange(s.T + 1)
    parts: list[tuple[CurveInfo, np.ndarray, np.ndarray, Trend]] = []
    pairs: list[tuple[str, str]] = []
    means: dict[str, float] = {}
    dead: dict[str, tuple[int | None, ...]] = {}
    cells: list[tuple[str, str]] = []

    def add(info: CurveInfo, layer: Any, cell: CurveInfo | None = None) -> None:
        fn = rc.flow_norms(layer, x, dhs)
        y = with_h0(fn.log10_dh, fn.log10_dh0, s.norm)
        fwd = None if fn.forward_overflow_step is None else fn.forward_overflow_step + 1
        parts.append((info, t, y, trend(info, y, dict(fn.overflow_step), fwd)))
        d = dead_steps(layer, x)
        if d is not None:
            dead[info.id] = d
        if cell is not None and fn.log10_dc is not None:  # ‖∂L/∂c_t‖, t = 1 … T
            yc = rc.aggregate(fn.log10_dc, s.norm)
            parts.append((cell, t[1:], yc, trend(cell, yc)))
            cells.append((info.id, cell.id))

    chain = None
    if preset in ("irnn", "orthogonal"):
        name = "IRNN" if preset == "irnn" else ("orthogonal", "직교")
        label: Text = (name, name) if isinstance(name, str) else name
        add(CurveInfo("current", ("RNN, your settings", "RNN, 현재 설정"), "rnn", "full", "rnn", "dh"),
            make_layer(s, "rnn"))  # fmt: skip
        controls = PRESET_CONTROLS[preset]
        assert controls is not None
        layer = make_layer(replace(s, **controls), "rnn")
        add(CurveInfo("preset", (f"RNN, {label[0]}", f"RNN, {label[1]}"), "matmul", "variant", "rnn", "dh"), layer)
        pairs.append(("current", "preset"))
        if preset == "orthogonal":
            chain = linear_chain_log10(layer.W_hh, s.T, s.N)
    elif preset == "tanh_relu":
        for act, colour, role in (("tanh", "rnn", "full"), ("relu", "matmul", "variant")):
            # a target ρ cannot be set for W_hh = 0 (scale 0): then both run at W_hh = 0, the same ρ too
            sa, dropped = consistent(replace(s, set_rho=True, nonlinearity=act))
            rho = "W_hh = 0" if dropped else f"ρ = {s.rho:g}"
            add(CurveInfo(act, (f"RNN {act}, {rho}", f"RNN {act}, {rho}"), colour, role, "rnn", "dh"),
                make_layer(sa, "rnn"))  # fmt: skip
        pairs.append(("tanh", "relu"))
    else:
        for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
            current = make_layer(s, kind)
            chrono = rc.init_layer(kind, **_chrono_kwargs(s, kind))
            cell = None if kind != "lstm" else CurveInfo(f"{kind}_dc", (f"{name} ‖∂L/∂c_t‖, your settings",
                f"{name} ‖∂L/∂c_t‖, 현재 설정"), "cell", "path", kind, "dc")  # fmt: skip
            cell_chrono = None if kind != "lstm" else CurveInfo(f"{kind}_chrono_dc", (f"{name} ‖∂L/∂c_t‖, chrono init",
                f"{name} ‖∂L/∂c_t‖, chrono 초기화"), "cell", "variant", kind, "dc")  # fmt: skip
            add(CurveInfo(kind, (f"{name}, your settings", f"{name}, 현재 설정"), kind, "full", kind, "dh"), current,
                cell)  # fmt: skip
            add(CurveInfo(f"{kind}_chrono", (f"{name}, chrono init", f"{name}, chrono 초기화"), kind, "variant", kind,
                          "dh"), chrono, cell_chrono)  # fmt: skip
            pairs.append((kind, f"{kind}_chrono"))
            means[kind] = _keep_gate_mean(current, x)
            means[f"{kind}_chrono"] = _keep_gate_mean(chrono, x)
    return PresetResult(preset=preset, flow=collect(parts, s.T), pairs=tuple(pairs), linear_chain_log10_ratio=chain,
                        gate_means=means, dead=dead, loss=s.loss, cells=tuple(cells))  # fmt: skip


def _chrono_kwargs(s: Settings, kind: str) -> dict[str, Any]:

    kw = layer_kwargs(s, kind)
    kw["chrono_tmax"] = float(max(s.T, 3))
    return kw


def _keep_gate_mean(layer: Any, x: np.ndarray) -> float:
    """Mean over steps, samples and units of the gate on the element-wise path (LSTM f, GRU keep gate)."""
    tape = rc.forward(layer, x)
    if layer.kind == "lstm":
        return float(tape.gate("f").mean())
    return float(tape.keep.mean())
