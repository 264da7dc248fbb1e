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
import math
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
from ..shared.controls import MEMORY_BUDGET_BYTES, ModelControls, Text, specs, tape_bytes
from ..shared.curves import CurveInfo, FlowView, Trend, overflow_markers, trend
from ..shared.i18n import josa
from ..shared.kinds import KIND_LABELS

MAX_FILE_BYTES = rc.MAX_BYTES  # what the loader accepts (and server.maxUploadSize = 64 MB)
MAX_INPUT_BYTES = 16 * 1024 * 1024  # an uploaded input (.npy/.csv); T ≤ 1000 and N ≤ 64 fit far below this
MAX_T = 1000
MAX_N = 64
# above this hidden size the eigenvalues of every W_hh block are computed only when asked for (0.25 s each at 512)
SPECTRA_AUTO_MAX_H = 128
# a colour (charts.COLOURS key) per layer-direction, in PyTorch's order
COLOUR_KEYS = ("lstm", "rnn", "gru", "matmul", "tanh", "cell", "bound")


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
    fmt: str = "safetensors"
    activation: str = ""  # an RNN's nonlinearity ("" for an LSTM or GRU)
    activation_stated: bool = False  # True: the file states it (Keras, ONNX); False: the page's choice

    def describe(self, lang: str = "en") -> str:
        name = KIND_LABELS[self.kind]
        where = f" `{self.module}`" if self.module else ""
        if lang == "ko":
            return (
                f"{name}{where}: {self.num_layers}층{', 양방향' if self.bidirectional else ''}, D = {self.D}, "
                f"H = {self.H}, 매개변수 {self.n_params:,}개 ({FORMAT_NAMES.get(self.fmt, self.fmt)})"
            )
        return (
            f"{name}{where}: {self.num_layers} layer{'s' if self.num_layers > 1 else ''}"
            f"{', bidirectional' if self.bidirectional else ''}, D = {self.D}, H = {self.H}, "
            f"{self.n_params:,} parameters ({FORMAT_NAMES.get(self.fmt, self.fmt)})"
        )


@dataclass(frozen=True)
class LoadedModel:
    stack: rc.Stack
    module: str  # the module's prefix in the file ("" for a bare state dict)
    digest: str  # sha256 of the file's bytes
    fmt: str = "safetensors"  # the format it was read as (rc.FoundModule.fmt)
    activation_stated: bool = False  # an RNN whose file states its activation (Keras, ONNX)

    @property
    def kind(self) -> str:
        return self.stack.kind

    @property
    def info(self) -> ModelInfo:
        s = self.stack
        n = sum(a.size for layer in s.layers for a in (layer.W_ih, layer.W_hh, layer.b_ih, layer.b_hh))
        act = getattr(s.layers[0], "nonlinearity", "") if s.kind == "rnn" else ""
        return ModelInfo(s.kind, s.num_layers, s.bidirectional, s.D, s.H, int(n), self.module, self.fmt, act,
                         self.activation_stated)  # fmt: skip


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# what the page reads, by extension (the uploader's list) and in words
WEIGHT_EXTENSIONS = ("safetensors", "npz", "keras", "h5", "hdf5", "onnx")
PICKLE_EXTENSIONS = ("pt", "pth", "ckpt", "bin", "pkl")  # accepted by the uploader only to say how to convert them
READABLE: Text = (
    ".safetensors, .npz, .keras, .weights.h5, .h5/.hdf5 (Keras 2) and .onnx",
    ".safetensors, .npz, .keras, .weights.h5, .h5/.hdf5 (Keras 2), .onnx",
)
FORMAT_NAMES = {"safetensors": "safetensors", "npz": "npz", "keras3": "Keras 3 (.keras)",
                "keras3-h5": "Keras 3 (.weights.h5)", "keras2": "Keras 2 (.h5)", "onnx": "ONNX"}  # fmt: skip
PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class WeightsError(ValueError):
    """A weights file the page cannot use: ``text`` says why in plain words (en, ko); ``convert`` when it is a
    pickle (a PyTorch checkpoint): then the page shows the two lines that convert it."""

    def __init__(self, text: Text, convert: bool = False) -> None:
        super().__init__(text[0])
        self.text = text
        self.convert = convert


@dataclass(frozen=True)
class FileScan:
    """What a weights file holds: the recurrent modules ``rc.scan_weights`` found, else (a .safetensors / .npz
    without one) its float arrays of 1 or 2 dimensions by name, for the four-array mapping."""

    modules: tuple[rc.FoundModule, ...]
    arrays: dict[str, tuple[int, ...]]


def _named(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name  # the core reads the extension: a .pt is refused as a pickle, .onnx found by name
    return stream


def _ext(name: str) -> str:
    lower = name.lower()
    return lower.rpartition(".")[2] if "." in lower else ""


def refusal(data: bytes, name: str, core_message: str = "") -> WeightsError:
    """Why a file cannot be read, in plain words: what it is not, and which formats the page reads."""
    ext = _ext(name)
    en_ok, ko_ok = READABLE
    if ext in PICKLE_EXTENSIONS or "pickle" in core_message:
        return WeightsError((
            "This is a PyTorch checkpoint (a pickle): a pickle can run code when it is loaded, so this page never "
            "opens one. Convert it once, where you trust it, with these two lines, and upload the .safetensors file:",
            "PyTorch 체크포인트(pickle) 파일입니다. pickle은 불러올 때 코드를 실행할 수 있어 이 페이지는 "
            "열지 않습니다. 믿을 수 있는 곳에서 아래 두 줄로 한 번 변환한 뒤 .safetensors 파일을 올리세요:",
        ), convert=True)  # fmt: skip
    head = data[:8]
    what: Text
    if ext == "npz" and not head.startswith(b"PK"):
        what = ("This .npz file is not a zip archive (what np.savez writes); it may be damaged, or another kind of "
                "file renamed.", "이 .npz 파일은 zip 압축 파일(np.savez가 쓰는 형식)이 아닙니다. 손상되었거나 다른 "
                "종류의 파일의 이름만 바꾼 것일 수 있습니다.")  # fmt: skip
    elif ext in ("h5", "hdf5", "keras") and not (head.startswith(b"\x89HDF") or head.startswith(b"PK")):
        what = (f"This .{ext} file is not an HDF5 file or a Keras zip; it may be damaged, or another kind of file "
                "renamed.", f"이 .{ext} 파일은 HDF5 파일도 Keras zip 파일도 아닙니다. 손상되었거나 다른 종류의 "
                "파일의 이름만 바꾼 것일 수 있습니다.")  # fmt: skip
    elif ext in WEIGHT_EXTENSIONS and core_message:
        shown = core_message[:300]
        what = (f"This .{ext} file cannot be read: {shown}", f"이 .{ext} 파일을 읽을 수 없습니다: {shown}")
    else:
        what = ("This file is in none of the formats this page reads (its first bytes match none of them).",
                "이 파일은 이 페이지가 읽는 형식 중 어느 것도 아닙니다 "
                "(첫 바이트가 어느 형식과도 맞지 않습니다).")  # fmt: skip
    return WeightsError((f"{what[0]} This page reads {en_ok}.", f"{what[1]} 읽을 수 있는 형식: {ko_ok}."))


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise WeightsError((f"The file has {len(data):,} bytes, over this page's limit of {MAX_FILE_BYTES:,}.",
                            f"파일이 {len(data):,}바이트로 이 페이지의 한도 "
                            f"{MAX_FILE_BYTES:,}바이트를 넘습니다."))  # fmt: skip
    if not data:
        raise WeightsError(("The file is empty (0 bytes).", "파일이 비어 있습니다 (0바이트)."))


def arrays_in(data: bytes) -> dict[str, tuple[int, ...]]:
    """The float arrays of a .safetensors or .npz file by name, with their shapes (headers only: no data is read).
    {} for any other file."""
    out: dict[str, tuple[int, ...]] = {}
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if len(infos) > 10_000 or any(i.filename.endswith(".pkl") for i in infos):
                    return {}
                for info in infos:
                    if not info.filename.endswith(".npy"):
                        return {}
                    with archive.open(info) as member:
                        shape, _, dtype = read_npy_header(member)
                    if dtype.kind == "f" and not dtype.hasobject:
                        out[info.filename[:-4]] = tuple(int(d) for d in shape)
        except Exception:  # not a readable archive: no arrays to offer
            return {}
        return out
    try:
        header = rc.read_safetensors_header(data, max_bytes=MAX_FILE_BYTES)
    except ValueError:
        return {}
    for key, info in header.items():
        if key != "__metadata__" and info["dtype"] in ("F16", "BF16", "F32", "F64"):
            out[key] = tuple(int(d) for d in info["shape"])
    return out


def read_array(data: bytes, key: str) -> np.ndarray:
    """One float array of a .safetensors or .npz file as float64 (sizes checked before any data is read)."""
    shapes = arrays_in(data)
    if key not in shapes:
        raise InputError(f"No float array named {key[:60]!r} in the weights file.")
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(key + ".npy")
            if info.file_size > MAX_FILE_BYTES:
                raise InputError(f"The array {key[:60]!r} inflates to {info.file_size:,} bytes, over the limit.")
            with archive.open(info) as member:
                arr = np.lib.format.read_array(member, allow_pickle=False)
    else:
        header = rc.read_safetensors_header(data, max_bytes=MAX_FILE_BYTES)
        n = int(np.frombuffer(data[:8], dtype="<u8")[0])
        begin, end = header[key]["data_offsets"]
        raw = data[8 + n + begin : 8 + n + end]
        dtype = header[key]["dtype"]
        if dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype={"F16": "<f2", "F32": "<f4", "F64": "<f8"}[dtype])
        arr = arr.reshape(shapes[key])
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise InputError(f"The array {key[:60]!r} contains NaN or inf.")
    return out


def scan(data: bytes, name: str = "") -> FileScan:
    """The modules of a weights file (``rc.scan_weights``), or its arrays for the four-array mapping when it has
    none. WeightsError in plain words for a file the page cannot use."""
    _check_size(data)
    if _ext(name) in PICKLE_EXTENSIONS:
        raise refusal(data, name)
    found = rc.scan_weights(_named(data, name), max_bytes=MAX_FILE_BYTES)
    if found:
        return FileScan(tuple(found), {})
    try:
        rc.load_weights(_named(data, name), max_bytes=MAX_FILE_BYTES)
        core = ""
    except ValueError as exc:
        core = str(exc)
    arrays = {k: v for k, v in arrays_in(data).items() if len(v) in (1, 2)}
    if sum(len(v) == 2 for v in arrays.values()) >= 2 and "pickle" not in core:
        return FileScan((), arrays)
    if ("no recurrent" in core or "expected the keys" in core) and _ext(name) in (*WEIGHT_EXTENSIONS, ""):
        shown = core[:300]
        raise WeightsError((f"No recurrent module this page can load in this file: {shown}",
                            f"이 파일에는 이 페이지가 불러올 수 있는 순환 모듈이 없습니다: {shown}"))  # fmt: skip
    raise refusal(data, name, core)


def modules_in(data: bytes, name: str = "") -> list[str]:
    """The recurrent modules' names (``prefix=``) in a weights file; ValueError (WeightsError) when there is none."""
    found = scan(data, name)
    if not found.modules:
        raise refusal(data, name, "no recurrent module")
    return [m.name for m in found.modules]


def mapping_report(shapes: dict[str, tuple[int, ...]], names: dict[str, str]) -> tuple[str | None, list[Text]]:
    """Whether four arrays (PyTorch's layout and gate order) make a one-layer RNN, GRU or LSTM: the kind (None when
    they do not fit) and what fits, in words. ``names``: parameter -> array name (biases may be left out)."""
    lines: list[Text] = []
    w_hh = shapes.get(names.get("weight_hh", ""))
    w_ih = shapes.get(names.get("weight_ih", ""))
    if w_hh is None or w_ih is None:
        return None, [("Choose weight_ih and weight_hh (the biases are optional).",
                       "weight_ih와 weight_hh를 고르세요 (편향은 없어도 됩니다).")]  # fmt: skip
    if len(w_hh) != 2 or w_hh[1] < 1 or w_hh[0] not in (w_hh[1], 3 * w_hh[1], 4 * w_hh[1]):
        return None, [(f"weight_hh {w_hh} does not fit: it must be (H, H) for an RNN, (3H, H) for a GRU or (4H, H) "
                       "for an LSTM.", f"weight_hh {w_hh}: 맞지 않습니다. RNN은 (H, H), GRU는 (3H, H), LSTM은 "
                       "(4H, H)여야 합니다.")]  # fmt: skip
    H = w_hh[1]
    k = w_hh[0] // H
    kind = {1: "rnn", 3: "gru", 4: "lstm"}[k]
    rows = f"{k}H" if k > 1 else "H"
    lines.append((f"weight_hh {w_hh} = ({rows}, H) with H = {H}: a {KIND_LABELS[kind]}.",
                  f"weight_hh {w_hh} = ({rows}, H), H = {H}: {KIND_LABELS[kind]}입니다."))  # fmt: skip
    if len(w_ih) != 2 or w_ih[0] != w_hh[0] or w_ih[1] < 1:
        lines.append((f"weight_ih {w_ih} does not fit: a {KIND_LABELS[kind]} with H = {H} needs ({w_hh[0]}, D).",
                       f"weight_ih {w_ih}: 맞지 않습니다. H = {H}인 {KIND_LABELS[kind]}에는 ({w_hh[0]}, D)가 "
                       "필요합니다."))  # fmt: skip
        return None, lines
    lines.append((f"weight_ih {w_ih} = ({rows}, D) with D = {w_ih[1]}.",
                  f"weight_ih {w_ih} = ({rows}, D), D = {w_ih[1]}."))  # fmt: skip
    for b in ("bias_ih", "bias_hh"):
        if names.get(b):
            shape = shapes.get(names[b])
            if shape != (w_hh[0],):
                lines.append((f"{b} {shape} does not fit: expected ({w_hh[0]},).",
                              f"{b} {shape}: 맞지 않습니다. ({w_hh[0]},)이어야 합니다."))  # fmt: skip
                return None, lines
    return kind, lines


def load_model(
    data: bytes,
    prefix: str | None = None,
    nonlinearity: str = "tanh",
    names: dict[str, str] | None = None,
    name: str = "",
) -> LoadedModel:
    """The module in ``data`` as a Stack (a single layer becomes a 1-layer stack), read by ``rc.load_weights``
    (every format it reads; ``names`` maps the four arrays). ValueError on any refusal."""
    _check_size(data)
    if _ext(name) in PICKLE_EXTENSIONS:
        raise refusal(data, name)
    found = [] if names else rc.scan_weights(_named(data, name), max_bytes=MAX_FILE_BYTES)
    chosen = [m for m in found if m.name == prefix] if prefix is not None else found[:1] if len(found) == 1 else []
    kind = chosen[0].kind if chosen else mapping_report(arrays_in(data), names)[0] if names else None
    if kind != "rnn":
        nonlinearity = "tanh"  # only an RNN takes one (the control keeps its value for the next RNN)
    model = rc.load_weights(_named(data, name), prefix, names=names, max_bytes=MAX_FILE_BYTES,
                            nonlinearity=nonlinearity)  # fmt: skip
    if not isinstance(model, rc.Stack):
        model = rc.Stack((model,), num_layers=1, bidirectional=False)
    module = chosen[0].name if chosen else (prefix or "")
    fmt = chosen[0].fmt if chosen else ("npz" if data[:2] == b"PK" else "safetensors")
    stated = False
    if model.kind == "rnn" and fmt not in ("safetensors", "npz"):
        # a Keras or ONNX file states its activation: loading it with the other one gives the same layer
        other = "relu" if nonlinearity == "tanh" else "tanh"
        again = rc.load_weights(_named(data, name), prefix, max_bytes=MAX_FILE_BYTES, nonlinearity=other)
        again_act = getattr(again.layers[0] if isinstance(again, rc.Stack) else again, "nonlinearity", None)
        stated = again_act == model.layers[0].nonlinearity  # type: ignore[union-attr]
    return LoadedModel(stack=model, module=module, digest=digest(data), fmt=fmt, activation_stated=stated)


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
    kind: str = "random"  # "random" | "adding" (the adding problem, D = 2) | "file" | "rows" | "onehot"
    scale: float = 1.0
    seed: int = 0
    loss: str = "last"  # "last" | "every"
    unit: int = -1  # -1: every output unit; else one index into the output (T, N, dirs·H)
    spectra: bool = False  # the eigenvalues of every W_hh block even when H is large
    ids: tuple[int, ...] = ()  # "rows" and "onehot": the token ids, one per step
    table: str = ""  # "rows": the name of the 2-D array (an embedding table) in the weights file


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


def parse_ids(text: str) -> tuple[int, ...]:
    """Token ids typed by the user ("3 17 5" or "3, 17, 5"): whole numbers >= 0, at most MAX_T of them."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts:
        raise InputError("Type the ids of the tokens, one per step, e.g. 3 17 5.")
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise InputError(f"Ids are whole numbers >= 0; {bad[0][:20]!r} is not.")
    if len(parts) > MAX_T:
        raise InputError(f"{len(parts)} ids; this page takes at most {MAX_T} steps.")
    return tuple(int(p) for p in parts)


def id_inputs(spec: InputSpec, D: int, table: np.ndarray | None = None) -> np.ndarray:
    """x (T = number of ids, 1, D): the rows of ``table`` (an embedding table (V, D)) at the ids, or one-hot
    vectors of length D ("onehot": D is the vocabulary size). InputError for an id past the table."""
    ids = np.asarray(spec.ids, dtype=np.int64)
    if ids.size == 0:
        raise InputError("Type the ids of the tokens, one per step, e.g. 3 17 5.")
    if table is None:
        if ids.max() >= D:
            raise InputError(
                f"Id {int(ids.max())} is past the vocabulary: one-hot vectors of D = {D} take ids 0 … {D - 1}."
            )
        return np.eye(D)[ids][:, None, :]
    if table.ndim != 2 or table.shape[1] != D:
        raise InputError(f"The table {spec.table[:60]!r} has shape {table.shape}; its rows must have D = {D} values.")
    if ids.max() >= table.shape[0]:
        raise InputError(
            f"Id {int(ids.max())} is past the table's {table.shape[0]} rows (ids 0 … {table.shape[0] - 1})."
        )
    return table[ids][:, None, :].astype(np.float64)


def tables_for(arrays: dict[str, tuple[int, ...]], D: int) -> list[str]:
    """The 2-D arrays of a file whose rows have D values: candidate embedding tables (named "emb…" first)."""
    found = [k for k, v in arrays.items() if len(v) == 2 and v[1] == D and v[0] >= 1]
    return sorted(found, key=lambda k: ("emb" not in k.lower(), found.index(k)))  # embeddings first


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
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # curve id -> reached (first, last) t


@dataclass(frozen=True)
class ModelResult:
    model: Analysis
    fresh: Analysis
    kind: str
    T: int
    N: int
    keys: tuple[str, ...]  # layer_direction labels, PyTorch's order
    notices: list[Text] = field(default_factory=list)
    formulation: str = "pytorch"  # a GRU's: "pytorch" (keep gate z) or "dlfs2" (the book's: keep gate 1 − z)


def label(k: int, direction: str) -> str:
    """The one name of a layer-direction everywhere (curves, heatmap rows, tables, readings): 1-based,
    "layer 1 forward" (PyTorch's ``_l0``)."""
    return f"layer {k + 1} {direction}"


def label_ko(key: str) -> str:
    """'layer 2 reverse' -> '2층 역방향'."""
    _, k, d = key.split(" ")
    return f"{k}층 {'순방향' if d == 'forward' else '역방향'}"


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
    spans: dict[str, tuple[int, int]] = {}
    t = np.arange(1, T + 1)
    for i, (k, d) in enumerate(stack.layer_keys()):
        lab, colour = label(k, d), COLOUR_KEYS[i % len(COLOUR_KEYS)]
        name = lab
        if log_flow is None:
            dh = _log10_rows(trace.dh(k, d))  # t = 1 … T (time order)
            dc = _log10_rows(trace.dc(k, d)) if stack.HAS_CELL else None  # type: ignore[arg-type]
            overflow: dict[str, int | None] = {}
        else:
            fn = log_flow[(k, d)]
            dh = rc.time_ordered(d, rc.aggregate(fn.log10_dh, "l2"))
            dc = None if fn.log10_dc is None else rc.time_ordered(d, rc.aggregate(fn.log10_dc, "l2"))
            overflow = {"float64": None}
        info = CurveInfo(f"{lab}:dh", (f"{name} ‖∂L/∂h_t‖", f"{label_ko(lab)} ‖∂L/∂h_t‖"), colour, "full", stack.kind,
                         "dh")  # fmt: skip
        parts.append((info, t, dh, trend(info, flow_order(d, dh), overflow)))
        spans[info.id] = reached(d, dh)
        heat_frames.append(pd.DataFrame({"layer_direction": lab, "t": t, "log10_norm": dh}))
        if dc is not None:
            c_label = (f"{name} ‖∂L/∂c_t‖", f"{label_ko(lab)} ‖∂L/∂c_t‖")
            cinfo = CurveInfo(f"{lab}:dc", c_label, colour, "path", "lstm", "dc")
            parts.append((cinfo, t, dc, trend(cinfo, flow_order(d, dc), overflow)))
            spans[cinfo.id] = reached(d, dc)
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
                    spectral=spectral_facts(stack, spectra), spans=spans)  # fmt: skip


def reached(direction: str, y: np.ndarray) -> tuple[int, int]:
    """(first, last) t (1-based, time order) of the part of a layer's curve the gradient has reached, whose last
    point is the loss's end (t = T, or the last step any gradient enters a forward layer). A forward layer's
    recurrence carries the gradient from late steps to early ones, so steps after the last one it enters at
    (exactly 0) are left out; a reverse layer's carries it from early steps to late ones, so steps before the first
    one it enters at are. Nothing reached: (T, T)."""
    finite = np.flatnonzero(np.isfinite(y))
    T = len(y)
    if not finite.size:
        return T, T
    if direction == "forward":
        return 1, int(finite[-1]) + 1
    return int(finite[0]) + 1, T


def flow_order(direction: str, y: np.ndarray) -> np.ndarray:
    """A layer's curve (time order, t = 1 … T) as its trend reads it: the far end first and the loss's end last,
    for a forward and a reverse layer alike (the loss sits at the sequence's end; a reverse layer's ratio is
    measured from the same end, so "falls" and "keeps" describe the curve as drawn). Only the reached part
    (``reached``); all zero: [-inf]."""
    first, last = reached(direction, y)
    if not np.isfinite(y).any():
        return y[-1:]
    return y[first - 1 : last]


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
    formulation = str(getattr(stack.layers[0], "formulation", "pytorch"))
    return ModelResult(model=model, fresh=fresh, kind=stack.kind, T=T, N=N, keys=keys, notices=notices,
                       formulation=formulation)  # fmt: skip


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
            fresh = ("", "") if a.which == "model" else (" (fresh init)", " (새로 초기화)")
            names[f"{a.which}:{key}"] = (f"{key}{fresh[0]}", f"{label_ko(key)}{fresh[1]}")
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


# what each example was trained on (examples/README.md): the page opens it on that input and length
EXAMPLE_TRAINING = {"T150_open": ("adding", 150), "T150_default": ("adding", 150), "T250_open": ("adding", 250)}
# the input kinds of the page (ModelControls.input's options and labels, declared once in the controls)
_INPUT_SPEC = next(c for c in specs(ModelControls) if c.name == "input")
INPUT_KINDS: tuple[str, ...] = _INPUT_SPEC.options
INPUT_LABELS: dict[str, Text] = dict(_INPUT_SPEC.option_labels)


def export_stem(name: str, model: str, spec: InputSpec, T: int, N: int) -> str:
    """A download's file name from the page's own settings (not the sidebar's): what it is, the model, the input."""
    model_stem = Path(model).name.split(".")[0] or "model"
    stem = f"{name}_{model_stem}_{spec.kind}_T{T}_N{N}_seed{spec.seed}_loss-{spec.loss}"
    if spec.unit >= 0:
        stem += f"_unit{spec.unit}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)[:150]


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
    names: dict[str, str] | None = None,
    name: str = "",
) -> tuple[ModelInfo, ModelResult]:
    """Everything the page shows, through the byte-bounded cache and the memory budget (explorer/shared/work.py),
    keyed by the sha256 of the file (and of an uploaded input) and the small settings. ValueError (InputError for
    the input) with a message on any refusal."""
    mapping = None if names is None else tuple(sorted(names.items()))
    key = ("model", digest(data), name, prefix, mapping, nonlinearity, spec,
           None if input_data is None else digest(input_data))  # fmt: skip

    def run_all() -> tuple[ModelInfo, ModelResult]:
        loaded = load_model(data, prefix, nonlinearity, names, name)
        D = loaded.stack.D
        x = None
        if spec.kind == "rows":
            x = id_inputs(spec, D, read_array(data, spec.table))
        elif spec.kind == "onehot":
            x = id_inputs(spec, D)
        elif input_data is not None:
            x = read_input(input_data, input_name, D)
        return loaded.info, run(loaded, spec, x)

    # the bytes it may hold: the loaded weights, and a tape (fit_budget caps it), with H read off the file's size
    # (float32 weights of an RNN, about 2·H² of them, give the largest H a file of this size may hold)
    h = max(1, math.isqrt(len(data) // 8))
    need = min(MEMORY_BUDGET_BYTES, tape_bytes(spec.T, spec.N, h)) + 4 * len(data)
    return work.run(key, run_all, need=need)
