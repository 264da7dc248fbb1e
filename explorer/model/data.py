"""The "Your model" page's data: a loaded recurrent module (or stack) and input settings -> everything it shows.

Pure: no Streamlit. From the file's bytes: the module (``read_state`` + ``from_pytorch``, as a ``Stack`` always),
the inputs (random, or an uploaded ``.npy``/``.csv`` checked here), and per layer and direction: log10 ‖∂L/∂h_t‖
(and ‖∂L/∂c_t‖ for an LSTM) over time, the keep-gate statistics over time (the LSTM's forget gate f, the GRU's
keep gate), the spectral facts of each gate block of W_hh, and the same for a fresh model of the same shape
(PyTorch's default init) on the same inputs.

Time convention as in explorer/shared/curves.py: ``t`` = 0 … T with h_0 the initial state of the layer's own direction
counted in time (for a reverse layer the gradient flows from t = 0 towards t = T: its "first point" is the end of
the sequence), ``back`` = steps from the loss position of the layer's direction. Gate statistics at t = 1 … T.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc
from recurrent_core.io.weights import read_npy_header

from ..shared import work
from ..shared.controls import MEMORY_BUDGET_BYTES, ModelControls, Text, tape_bytes
from ..shared.curves import CurveInfo, FlowView, Trend, overflow_markers, trend
from ..shared.i18n import josa
from ..shared.kinds import KIND_LABELS

MAX_FILE_BYTES = rc.MAX_BYTES  # what the loader accepts (and server.maxUploadSize = 64 MB)
MAX_INPUT_BYTES = 16 * 1024 * 1024  # an uploaded input (.npy/.csv); T ≤ 1000 and N ≤ 64 fit far below this
MAX_T = 1000
MAX_N = 64
DIR_SHORT = {"forward": "fwd", "reverse": "rev"}
# above this hidden size the eigenvalues of every W_hh block are computed only when asked for (0.25 s each at 512)
SPECTRA_AUTO_MAX_H = 128
# a colour (charts.COLOURS key) per layer-direction, in PyTorch's order
COLOUR_KEYS = ("lstm", "rnn", "gru", "matmul", "tanh", "cell", "bound")
_PARAM = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l\d+(_reverse)?")


class InputError(ValueError):
    """An uploaded input the page cannot use; the message says why (shown as is)."""


# ----------------------------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class ModelInfo:
    """What the page says about the file's module (small: kept in the cache instead of the weights)."""

    kind: str
    num_layers: int
    bidirectional: bool
    D: int
    H: int
    n_params: int
    module: str  # the module's prefix in the file ("" for a bare state dict)

    def describe(self, lang: str = "en") -> str:
        name = KIND_LABELS[self.kind]
        where = f" `{self.module}`" if self.module else ""
        if lang == "ko":
            return (
                f"{name}{where}: {self.num_layers}층{', 양방향' if self.bidirectional else ''}, D = {self.D}, "
                f"H = {self.H}, 매개변수 {self.n_params:,}개"
            )
        return (
            f"{name}{where}: {self.num_layers} layer{'s' if self.num_layers > 1 else ''}"
            f"{', bidirectional' if self.bidirectional else ''}, D = {self.D}, H = {self.H}, "
            f"{self.n_params:,} parameters"
        )


@dataclass(frozen=True)
class LoadedModel:
    stack: rc.Stack
    module: str  # the module's prefix in the file ("" for a bare state dict)
    digest: str  # sha256 of the file's bytes

    @property
    def kind(self) -> str:
        return self.stack.kind

    @property
    def info(self) -> ModelInfo:
        s = self.stack
        n = sum(a.size for layer in s.layers for a in (layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh))
        return ModelInfo(s.kind, s.num_layers, s.bidirectional, s.D, s.H, int(n), self.module)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def modules_in(data: bytes, name: str = "") -> list[str]:
    """The recurrent modules' prefixes in a .safetensors or .npz file (names only: no tensor is read).
    ValueError for a file of another kind (a pickle, random bytes)."""
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"weights: the file has {len(data)} bytes, over the limit of {MAX_FILE_BYTES}")
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n[:-4] if n.endswith(".npy") else n for n in archive.namelist()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ValueError(f"weights: not a readable .npz archive ({type(exc).__name__})") from None
        if "data.pkl" in {n.rpartition("/")[2] for n in names}:
            rc.read_state(data, max_bytes=MAX_FILE_BYTES)  # the loader's own refusal of a pickle
    else:
        names = list(rc.read_safetensors_header(data, max_bytes=MAX_FILE_BYTES))
    names = [n for n in names if n != "__metadata__"]
    groups = sorted({n.rpartition(".")[0] for n in names if _PARAM.fullmatch(n.rpartition(".")[2])})
    if not groups:
        rc.read_state(data, max_bytes=MAX_FILE_BYTES)  # raises the loader's message about what is missing
    return groups


def load_model(data: bytes, prefix: str | None = None, nonlinearity: str = "tanh") -> LoadedModel:
    """The module in ``data`` as a Stack (a single layer becomes a 1-layer stack). ValueError on any refusal."""
    state, module = rc.read_state(data, prefix=prefix, max_bytes=MAX_FILE_BYTES)
    for key in [k for k in state if k.startswith("weight_ih")]:
        for b in ("bias_ih" + key[len("weight_ih") :], "bias_hh" + key[len("weight_ih") :]):
            if b not in state:  # bias=False: zero biases
                state[b] = np.zeros(state[key].shape[0])
    model = rc.from_pytorch(state, nonlinearity=nonlinearity)
    if not isinstance(model, rc.Stack):
        model = rc.Stack((model,), num_layers=1, bidirectional=False)
    return LoadedModel(stack=model, module=module, digest=digest(data))


def fresh_twin(stack: rc.Stack, seed: int) -> rc.Stack:
    """A freshly initialised stack of the same kind, shape and gate activation, PyTorch's default init (U(±1/√H),
    gate bias 0)."""
    first = stack.layers[0]
    options: dict[str, Any] = {"scheme": "pytorch"}
    if stack.kind == "rnn":
        options["nonlinearity"] = first.nonlinearity  # type: ignore[union-attr]
    if stack.kind == "gru":
        options["formulation"] = first.formulation  # type: ignore[union-attr]
    if stack.kind != "rnn":  # a hard-sigmoid model's twin has the same gates
        options["gate_activation"] = first.gate_activation  # type: ignore[union-attr]
    return rc.init_stack(stack.kind, stack.D, stack.H, stack.num_layers, stack.bidirectional, seed, **options)


# ----------------------------------------------------------------------------------------------------- the input
@dataclass(frozen=True)
class InputSpec:
    """The page's input settings (small and hashable: a cache key with the file's digest)."""

    T: int = 100
    N: int = 1
    kind: str = "random"  # "random" | "adding" (the adding problem, D = 2) | "file"
    scale: float = 1.0
    seed: int = 0
    loss: str = "last"  # "last" | "every"
    unit: int = -1  # -1: every output unit; else one index into the output (T, N, dirs·H)
    spectra: bool = False  # the eigenvalues of every W_hh block even when H is large


def input_spec(c: ModelControls) -> InputSpec:
    """The input settings of the page's own controls."""
    return InputSpec(
        T=c.T,
        N=c.N,
        kind=c.input,
        scale=c.input_scale,
        seed=c.seed,
        loss=c.loss,
        unit=c.unit,
        spectra=c.spectra,
    )


def random_inputs(spec: InputSpec, D: int) -> np.ndarray:
    """x (T, N, D) ~ N(0, scale²) from the page's seed."""
    return np.random.default_rng([spec.seed, 11]).standard_normal((spec.T, spec.N, D)) * spec.scale


def adding_inputs(spec: InputSpec) -> np.ndarray:
    """x (T, N, 2) of the adding problem (the examples' task): channel 0 ~ U[0, 1), channel 1 marks one step in
    each half (one step when T = 1)."""
    rng = np.random.default_rng([spec.seed, 12])
    T, N = spec.T, spec.N
    x = np.zeros((T, N, 2))
    x[:, :, 0] = rng.random((T, N))
    half = max(1, T // 2)
    cols = np.arange(N)
    x[rng.integers(0, half, size=N), cols, 1] = 1.0
    x[rng.integers(min(half, T - 1), T, size=N), cols, 1] = 1.0
    return x


def read_input(data: bytes, name: str, D: int) -> np.ndarray:
    """An uploaded input as x (T, N, D) float64: a ``.npy`` of shape (T, D) or (T, N, D) (no pickle; the header
    is checked before the data is read) or a ``.csv`` of T rows and D numeric columns (a header row is
    skipped). InputError with a message for anything else."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"The input file has {len(data):,} bytes; at most {MAX_INPUT_BYTES:,} are read.")
    lower = name.lower()
    if lower.endswith(".npy"):
        x = _read_npy(data)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        x = _read_csv(data)
    else:
        raise InputError(f"Expected a .npy or .csv file, got {name[-40:]!r}.")
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3:
        raise InputError(f"Expected an array of shape (T, D) or (T, N, D), got {x.ndim} dimensions {x.shape}.")
    T, N, d = x.shape
    if T < 1 or N < 1 or d < 1:
        raise InputError(f"Expected T, N, D ≥ 1, got shape {x.shape}.")
    if d != D:
        raise InputError(
            f"The model reads D = {D} values per step; the input has {d} (shape {x.shape}, read as (T, N, D))."
        )
    if not np.all(np.isfinite(x)):
        raise InputError("The input contains NaN or inf.")
    if T > MAX_T:
        raise InputError(f"The input has T = {T} steps; this page takes at most {MAX_T}.")
    if N > MAX_N:
        raise InputError(f"The input has N = {N} sequences; this page takes at most {MAX_N}.")
    return x


def _read_npy(data: bytes) -> np.ndarray:
    stream = io.BytesIO(data)
    try:
        shape, _fortran, dtype = read_npy_header(stream)  # the core's .npz reader checks its members the same way
    except Exception as exc:
        raise InputError(f"Not a readable .npy file ({str(exc)[:80] or type(exc).__name__}).") from None
    if dtype.hasobject or dtype.kind not in "iuf":
        raise InputError(f"Expected a numeric .npy array, got dtype {dtype}.")
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if need > len(data) - stream.tell():
        raise InputError(f"The .npy header declares shape {shape} ({need:,} bytes) but the file is shorter.")
    try:
        stream.seek(0)
        arr = np.load(stream, allow_pickle=False)
    except Exception as exc:
        raise InputError(f"Not a readable .npy file ({type(exc).__name__}).") from None
    return np.asarray(arr, dtype=np.float64)


def _read_csv(data: bytes) -> np.ndarray:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The .csv file is not UTF-8 text.") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    rows = [r for r in rows if not r[0].lstrip().startswith("#")]
    if rows:
        try:
            [float(c) for c in rows[0]]
        except ValueError:
            rows = rows[1:]  # a header row
    if not rows:
        raise InputError("The .csv file has no rows of numbers.")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise InputError(f"Every .csv row needs the same number of columns (D); found {sorted(widths)[:5]}.")
    try:
        return np.array([[float(c) for c in r] for r in rows], dtype=np.float64)
    except ValueError as exc:
        raise InputError(f"The .csv file holds a value that is not a number ({str(exc)[:60]}).") from None


def fit_budget(x: np.ndarray, stack: rc.Stack) -> tuple[np.ndarray, Text | None]:
    """x with fewer sequences (then fewer steps) so that one run's tape fits the memory budget, and a notice."""
    T, N, _ = x.shape
    per = len(stack.layers)

    def need(t: int, n: int) -> int:
        return per * tape_bytes(t, n, stack.H)

    if need(T, N) <= MEMORY_BUDGET_BYTES:
        return x, None
    mb, budget = need(T, N) / 2**20, MEMORY_BUDGET_BYTES / 2**20
    n = N
    while n > 1 and need(T, n) > MEMORY_BUDGET_BYTES:
        n -= 1
    t = T
    if need(T, n) > MEMORY_BUDGET_BYTES:
        t = max(1, MEMORY_BUDGET_BYTES // need(1, 1))
    return x[:t, :n], (
        f"T={T}, N={N} would need about {mb:.0f} MB for this model, over this app's budget of {budget:.0f} MB: "
        f"using T={t}, N={n}.",
        f"T={T}, N={N}이면 이 모델에 약 {mb:.0f} MB가 필요해 이 앱의 한도 {budget:.0f} MB를 넘습니다. "
        f"{josa(f'T={t}, N={n}', '으로/로')} 계산합니다.",
    )


def upstream(spec: InputSpec, T: int, N: int, width: int) -> tuple[np.ndarray, Text | None]:
    """dhs (T, N, dirs·H): ones at the last step or at every step, on every output unit or on one."""
    dhs = np.zeros((T, N, width))
    note: Text | None = None
    cols: slice | int = slice(None)
    if spec.unit >= 0:
        if spec.unit < width:
            cols = spec.unit
        else:
            note = (
                f"Output unit {spec.unit} does not exist (the output has {width} units, 0 … {width - 1}): "
                "the loss is on every unit.",
                f"출력 유닛 {spec.unit}번은 없습니다 (출력 유닛은 0 … {width - 1}, {width}개). "
                "모든 유닛에 손실을 둡니다.",
            )
    if spec.loss == "last":
        dhs[-1, :, cols] = 1.0
    else:
        dhs[:, :, cols] = 1.0
    return dhs, note


# -------------------------------------------------------------------------------------------------- the analysis
@dataclass(frozen=True)
class Spectral:
    """Facts of one gate block of one layer-direction's W_hh."""

    layer: int
    direction: str
    block: str
    spectral_radius: float | None  # None when not computed (large H, not asked for)
    sigma_max: float | None


@dataclass(frozen=True)
class Analysis:
    """One model's analyses on one input (the loaded model's or its fresh twin's)."""

    which: str  # "model" | "fresh"
    flow: FlowView  # curves "L{k}-{fwd|rev}:dh" (and ":dc"), t = 0 … T in the direction's own time
    heat: pd.DataFrame  # layer_direction, t, back, log10_norm: ‖∂L/∂h_t‖ for the heatmap
    gates: pd.DataFrame  # layer_direction, t, mean, std, p10, p90 (LSTM f, GRU keep gate); empty for an RNN
    gate_means: dict[str, float]  # layer_direction -> mean over all steps, samples and units
    spectral: tuple[Spectral, ...]


@dataclass(frozen=True)
class ModelResult:
    model: Analysis
    fresh: Analysis
    kind: str
    T: int
    N: int
    keys: tuple[str, ...]  # layer_direction labels, PyTorch's order
    notices: list[Text] = field(default_factory=list)


def label(k: int, direction: str) -> str:
    return f"L{k}-{DIR_SHORT[direction]}"


def _log10_rows(a: np.ndarray) -> np.ndarray:
    """log10 of the Frobenius norm over (N, H) of each step of a (T, N, H) array, overflow-safe."""
    flat = a.reshape(len(a), -1)
    scale = np.max(np.abs(flat), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(scale > 0, scale, 1.0)
        norms = np.linalg.norm(flat / safe[:, None], axis=1)
        return np.where(scale > 0, np.log10(safe) + np.log10(norms), -np.inf)


def analyse(stack: rc.Stack, x: np.ndarray, dhs: np.ndarray, which: str, spectra: bool) -> Analysis:
    """Per layer-direction norms, gate statistics and spectral facts of ``stack`` on ``x`` with upstream ``dhs``.

    Uses the exact float64 stack backward; where a plain float64 backward overflows (inf/NaN) the norms are
    recomputed in the log domain by ``rc.flow_norms`` (slower, overflow-safe)."""
    T = len(x)
    trace = rc.bptt(stack, x, dhs)
    finite = all(np.isfinite(trace.dh(k, d)).all() for k, d in stack.layer_keys())
    log_flow = rc.flow_norms(stack, x, dhs) if not finite else None
    parts: list[tuple[CurveInfo, np.ndarray, np.ndarray, Trend]] = []
    heat_frames = []
    gate_frames = []
    gate_means: dict[str, float] = {}
    t = np.arange(1, T + 1)
    for i, (k, d) in enumerate(stack.layer_keys()):
        lab, colour = label(k, d), COLOUR_KEYS[i % len(COLOUR_KEYS)]
        name = f"layer {k + 1} {'forward' if d == 'forward' else 'reverse'}"
        if log_flow is None:
            dh = _log10_rows(trace.dh(k, d))  # t = 1 … T (time order)
            dc = _log10_rows(trace.dc(k, d)) if stack.HAS_CELL else None  # type: ignore[arg-type]
            overflow: dict[str, int | None] = {}
        else:
            fn = log_flow[(k, d)]
            dh = rc.time_ordered(d, rc.aggregate(fn.log10_dh, "l2"))
            dc = None if fn.log10_dc is None else rc.time_ordered(d, rc.aggregate(fn.log10_dc, "l2"))
            overflow = {"float64": None}
        info = CurveInfo(f"{lab}:dh", (f"{name} ‖∂L/∂h_t‖", f"{_ko(k, d)} ‖∂L/∂h_t‖"), colour, "full", stack.kind, "dh")
        parts.append((info, t, dh, trend(info, flow_order(d, dh), overflow)))
        heat_frames.append(pd.DataFrame({"layer_direction": lab, "t": t, "log10_norm": dh}))
        if dc is not None:
            c_label = (f"{name} ‖∂L/∂c_t‖", f"{_ko(k, d)} ‖∂L/∂c_t‖")
            cinfo = CurveInfo(f"{lab}:dc", c_label, colour, "path", "lstm", "dc")
            parts.append((cinfo, t, dc, trend(cinfo, flow_order(d, dc), overflow)))
        tape = trace.layers[(k, d)].tape
        gate = _keep_gate(tape)
        if gate is not None:
            g = rc.time_ordered(d, gate).reshape(T, -1)
            gate_means[lab] = float(g.mean())
            q = np.percentile(g, [10, 90], axis=1)
            gate_frames.append(
                pd.DataFrame(
                    {"layer_direction": lab, "t": np.arange(1, T + 1), "mean": g.mean(axis=1), "std": g.std(axis=1),
                     "p10": q[0], "p90": q[1]}
                )
            )  # fmt: skip
    del trace, log_flow
    frames = [pd.DataFrame({"t": t, "curve": info.id, "log10_norm": y}) for info, t, y, _ in parts]
    curves = pd.concat(frames, ignore_index=True)
    curves.insert(1, "back", T - curves["t"])
    heat = pd.concat(heat_frames, ignore_index=True)
    heat.insert(2, "back", T - heat["t"])
    trends = {info.id: tr for info, _, _, tr in parts}
    flow = FlowView(curves=curves, info=tuple(p[0] for p in parts), trends=trends,
                    markers=overflow_markers(list(trends.values())))  # fmt: skip
    gates = pd.concat(gate_frames, ignore_index=True) if gate_frames else pd.DataFrame(
        columns=["layer_direction", "t", "mean", "std", "p10", "p90"])  # fmt: skip
    return Analysis(which=which, flow=flow, heat=heat, gates=gates, gate_means=gate_means,
                    spectral=spectral_facts(stack, spectra))  # fmt: skip


def flow_order(direction: str, y: np.ndarray) -> np.ndarray:
    """A layer's curve (time order, t = 1 … T) in the order its gradient flows, ending where it enters: for a forward
    layer t = 1 … T, for a reverse one t = T … 1; steps at the end that no gradient has reached yet (exactly 0) are
    left out, so a trend runs from the first step the gradient enters back to the far end. All zero: [-inf]."""
    own = y if direction == "forward" else y[::-1]
    finite = np.flatnonzero(np.isfinite(own))
    return own[: finite[-1] + 1] if finite.size else own[:1]


def _ko(k: int, direction: str) -> str:
    return f"{k + 1}층 {'순방향' if direction == 'forward' else '역방향'}"


def _keep_gate(tape: Any) -> np.ndarray | None:
    """(T, N, H) the gate on the element-wise path in the layer's own step order: LSTM f, GRU keep gate."""
    if hasattr(tape, "gate"):
        return tape.gate("f")  # type: ignore[no-any-return]
    if hasattr(tape, "keep"):
        return tape.keep  # type: ignore[no-any-return]
    return None


BLOCKS = {"rnn": ("h",), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}


def spectral_facts(stack: rc.Stack, spectra: bool) -> tuple[Spectral, ...]:
    """ρ and σ_max of each gate block of each layer-direction's W_hh, when H is small or ``spectra`` asks for them
    (at H = 512 the eigenvalues of one block take about 0.25 s); None otherwise."""
    H = stack.H
    with_rho = spectra or H <= SPECTRA_AUTO_MAX_H
    out = []
    for k, d in stack.layer_keys():
        W = stack.layer(k, d).W_hh
        for j, block in enumerate(BLOCKS[stack.kind]):
            Wb = W[j * H : (j + 1) * H]
            if with_rho:
                facts = rc.spectral_facts(Wb)
                rho: float | None = facts.spectral_radius
                sigma = facts.sigma_max
            else:
                rho, sigma = None, None
            out.append(Spectral(k, d, block, rho, sigma))
    return tuple(out)


def spectral_table(model: Analysis, fresh: Analysis) -> pd.DataFrame:
    """One row per block: layer_direction, block, and ρ, σ_max of the model and of the fresh twin."""
    rows = []
    for a, b in zip(model.spectral, fresh.spectral, strict=True):
        rows.append(
            {"layer_direction": label(a.layer, a.direction), "block": a.block,
             "rho_model": a.spectral_radius, "rho_fresh": b.spectral_radius,
             "sigma_max_model": a.sigma_max, "sigma_max_fresh": b.sigma_max}
        )  # fmt: skip
    return pd.DataFrame(rows)


def run(loaded: LoadedModel, spec: InputSpec, x_upload: np.ndarray | None = None) -> ModelResult:
    """The page's whole computation: inputs (random or uploaded, fitted to the budget), then the analyses of the
    model and of its fresh twin on the same inputs and upstream gradient."""
    stack = loaded.stack
    notices: list[Text] = []
    if x_upload is not None:
        x = x_upload
    elif spec.kind == "adding" and stack.D == 2:
        x = adding_inputs(spec)
    else:
        if spec.kind == "adding":
            notices.append((
                f"The adding problem has D = 2 inputs per step; this model reads D = {stack.D}: random inputs instead.",
                f"덧셈 문제의 입력은 시각마다 D = 2개인데 이 모델은 D = {stack.D}개를 읽습니다. 무작위 입력을 씁니다.",
            ))  # fmt: skip
        x = random_inputs(spec, stack.D)
    x, note = fit_budget(x, stack)
    if note:
        notices.append(note)
    T, N, _ = x.shape
    dhs, note = upstream(spec, T, N, stack.dirs * stack.H)
    if note:
        notices.append(note)
    model = analyse(stack, x, dhs, "model", spec.spectra)
    fresh = analyse(fresh_twin(stack, spec.seed), x, dhs, "fresh", spec.spectra)
    keys = tuple(label(k, d) for k, d in stack.layer_keys())
    return ModelResult(model=model, fresh=fresh, kind=stack.kind, T=T, N=N, keys=keys, notices=notices)


def side_by_side(r: ModelResult, quantity: str = "dh") -> tuple[pd.DataFrame, list[CurveInfo]]:
    """The model's curves (solid) and the fresh twin's (dotted) of one quantity in one tidy table."""
    frames, infos = [], []
    for a in (r.model, r.fresh):
        for info in a.flow.info:
            if info.quantity != quantity:
                continue
            cid = f"{a.which}:{info.id}"
            part = a.flow.curves[a.flow.curves["curve"] == info.id].assign(curve=cid)
            frames.append(part)
            suffix = ("", "") if a.which == "model" else (" (fresh init)", " (새로 초기화)")
            infos.append(replace(info, id=cid, label=(info.label[0] + suffix[0], info.label[1] + suffix[1]),
                                 role="full" if a.which == "model" else "variant"))  # fmt: skip
    return pd.concat(frames, ignore_index=True), infos


def log10_ratio(a: Analysis, key: str) -> float:
    return a.flow.trends[f"{key}:dh"].log10_ratio


def colour_keys(r: ModelResult) -> dict[str, str]:
    """layer_direction -> its colour key (charts.COLOURS), as the curves use it."""
    return {key: COLOUR_KEYS[i % len(COLOUR_KEYS)] for i, key in enumerate(r.keys)}


def gate_series(r: ModelResult) -> tuple[pd.DataFrame, dict[str, Text], dict[str, str]]:
    """The gate statistics of the model (solid) and the fresh twin (dotted) in one tidy table with a ``series`` id,
    the series' labels (en, ko) and colour keys."""
    frames, names, colours = [], {}, {}
    ck = colour_keys(r)
    for a in (r.model, r.fresh):
        if a.gates.empty:
            continue
        part = a.gates.copy()
        part.insert(0, "series", a.which + ":" + part["layer_direction"])
        part.insert(1, "which", a.which)
        part.insert(4, "back", r.T - part["t"])
        part["dash"] = "solid" if a.which == "model" else "dot"
        frames.append(part)
        for key in r.keys:
            k, d = int(key[1:].split("-")[0]), key.split("-")[1]
            fresh = ("", "") if a.which == "model" else (" (fresh init)", " (새로 초기화)")
            names[f"{a.which}:{key}"] = (
                f"layer {k + 1} {'forward' if d == 'fwd' else 'reverse'}{fresh[0]}",
                f"{k + 1}층 {'순방향' if d == 'fwd' else '역방향'}{fresh[1]}",
            )
            colours[f"{a.which}:{key}"] = ck[key]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, names, colours


# ------------------------------------------------------------------------------------------- the page's one call
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = {  # ModelControls.source option -> file in examples/ (made by scripts/make_example_models.py)
    "T150_open": "lstm_adding_T150_open_gate.safetensors",
    "T150_default": "lstm_adding_T150_default_init.safetensors",
    "T250_open": "lstm_adding_T250_open_gate.safetensors",
}


def example_bytes(source: str) -> tuple[bytes, str]:
    """The bytes and file name of an example model."""
    name = EXAMPLES[source]
    return (EXAMPLES_DIR / name).read_bytes(), name


def compute(
    data: bytes,
    spec: InputSpec,
    prefix: str | None = None,
    nonlinearity: str = "tanh",
    input_data: bytes | None = None,
    input_name: str = "",
) -> tuple[ModelInfo, ModelResult]:
    """Everything the page shows, through the byte-bounded cache and the one-at-a-time lock (explorer/shared/work.py),
    keyed by the sha256 of the file (and of an uploaded input) and the small settings. ValueError (InputError for
    the input) with a message on any refusal."""
    key = ("model", digest(data), prefix, nonlinearity, spec, None if input_data is None else digest(input_data))

    def run_all() -> tuple[ModelInfo, ModelResult]:
        loaded = load_model(data, prefix, nonlinearity)
        x = None if input_data is None else read_input(input_data, input_name, loaded.stack.D)
        return loaded.info, run(loaded, spec, x)

    return work.run(key, run_all)
