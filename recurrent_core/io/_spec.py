"""What the Keras and ONNX readers return: one found recurrent module, in PyTorch's layout, and how to build it.

NumPy and the standard library only; the readers (keras.py, onnx.py) import h5py and onnx lazily. Shared here:
the ``RecurrentSpec`` record, reading a source into bounded bytes, the declared-size check, untrusted names in
messages, and the gate-block reorderings.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import IO, Any

import numpy as np

from ..cells.gates import GATE_ACTIVATIONS
from ..cells.gru import GRULayer
from ..cells.stack import Stack
from .pytorch import from_pytorch

MAX_BYTES = 64 * 1024 * 1024
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

KINDS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
# the activations the core computes; any other name is recorded and refused by name at build (see RecurrentSpec)
CORE_ACTIVATIONS = {"rnn": ("tanh", "relu"), "lstm": ("tanh",), "gru": ("tanh",)}
CORE_GATE_ACTIVATIONS = GATE_ACTIVATIONS  # sigmoid and the two hard sigmoids (cells/gates.py)
# Keras 2 (and ONNX HardSigmoid's defaults): clip(0.2 x + 0.5, 0, 1); Keras 3 and torch.nn.Hardsigmoid:
# clip(x / 6 + 1/2, 0, 1). Two names, because one word "hard_sigmoid" means either depending on the file's era.
HARD_SIGMOID_KERAS2 = "hard_sigmoid_keras2"
HARD_SIGMOID_KERAS3 = "hard_sigmoid_keras3"


def show(text: object, limit: int = 40) -> str:
    """An untrusted name for a message: repr, cut to ``limit`` characters."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


@dataclass(frozen=True)
class FoundModule:
    """One recurrent module of a file, as ``rc.scan_weights`` lists it (also readable as a mapping:
    ``m["kind"]``). ``name`` is what to pass as ``prefix=``; ``fmt`` the format it was read as."""

    name: str
    kind: str
    D: int
    H: int
    num_layers: int
    bidirectional: bool
    fmt: str

    def __getitem__(self, key: str) -> Any:
        if key not in FOUND_FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        return FOUND_FIELDS

    def found(self) -> FoundModule:
        """Just what scan_weights lists (a spec without its arrays)."""
        return FoundModule(*(getattr(self, k) for k in FOUND_FIELDS))


FOUND_FIELDS = ("name", "kind", "D", "H", "num_layers", "bidirectional", "fmt")


@dataclass(frozen=True, eq=False)
class RecurrentSpec(FoundModule):
    """One recurrent module found in a Keras or ONNX file, in PyTorch's layout.

    ``state`` holds float64 arrays under PyTorch's keys (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
    ``bias_hh_l0``, ``_l1`` …, ``_reverse``), gate rows LSTM i, f, g, o and GRU r, z, n. ``formulation`` is the
    GRU's: "pytorch" (reset after W_hn: Keras ``reset_after=True``, cuDNN, ONNX ``linear_before_reset=1``) or
    "dlfs2" (reset before W_hn, the book's; its z rows and z biases are already negated, since Keras/ONNX z keeps
    where the book's z updates: σ(-a) = 1 - σ(a), and both hard sigmoids share that symmetry). ``activation`` is
    the candidate/output function (tanh, or relu for an RNN), ``gate_activation`` the gates' (None for an RNN).
    ``reverse`` is a single layer that reads the sequence backwards (Keras ``go_backwards``, ONNX
    ``direction="reverse"``): it is the built layer run on ``x[::-1]``. ``notes`` say what the file held that the
    core leaves out (merge_mode, stateful, initial states …).
    """

    activation: str
    gate_activation: str | None
    formulation: str
    state: Mapping[str, np.ndarray] = field(repr=False)
    reverse: bool = False
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # a frozen record: read-only arrays in a read-only mapping (build() copies them into the layer)
        state = {}
        for key, value in self.state.items():
            arr = np.array(value, dtype=np.float64)
            arr.flags.writeable = False
            state[key] = arr
        object.__setattr__(self, "state", MappingProxyType(state))

    def build(self, *, reverse_ok: bool = False) -> Any:
        """The core layer (``rc.RNNLayer``/``LSTMLayer``/``GRULayer``) or ``rc.Stack`` of these weights.

        A hard-sigmoid gate becomes the layers' ``gate_activation``. ValueError naming the activation when the core
        does not compute it, and for a ``reverse`` layer unless ``reverse_ok=True`` (then feed it ``x[::-1]``).
        """
        where = f"{self.fmt} module {show(self.name)}"
        if self.activation not in CORE_ACTIVATIONS[self.kind]:
            raise ValueError(
                f"{where}: activation {show(self.activation)} is not computed by the core for a {self.kind} "
                f"(supported: {', '.join(CORE_ACTIVATIONS[self.kind])})"
            )
        if self.kind != "rnn" and self.gate_activation not in CORE_GATE_ACTIVATIONS:
            raise ValueError(
                f"{where}: gate (recurrent) activation {show(self.gate_activation)} is not computed by the core "
                f"(supported: {', '.join(CORE_GATE_ACTIVATIONS)})"
            )
        if self.reverse and not reverse_ok:
            raise ValueError(
                f"{where}: direction reverse (go_backwards): the layer reads the sequence from its end; "
                "build(reverse_ok=True) gives the layer to run on x[::-1]"
            )
        if self.formulation == "pytorch":
            if self.kind == "rnn":
                return from_pytorch(dict(self.state), nonlinearity=self.activation)
            model = from_pytorch(dict(self.state))
            if self.gate_activation == "sigmoid":
                return model
            if isinstance(model, Stack):
                gated = tuple(layer.replace(gate_activation=self.gate_activation) for layer in model.layers)
                return Stack(gated, num_layers=model.num_layers, bidirectional=model.bidirectional)
            return model.replace(gate_activation=self.gate_activation)
        layers = []
        for k in range(self.num_layers):
            for suffix in ("", "_reverse")[: 2 if self.bidirectional else 1]:
                s = f"_l{k}{suffix}"
                layers.append(
                    GRULayer(
                        W_ih=self.state[f"weight_ih{s}"],
                        W_hh=self.state[f"weight_hh{s}"],
                        b_ih=self.state[f"bias_ih{s}"],
                        b_hh=self.state[f"bias_hh{s}"],
                        formulation="dlfs2",
                        gate_activation=self.gate_activation or "sigmoid",
                    )
                )
        if len(layers) == 1:
            return layers[0]
        return Stack(tuple(layers), num_layers=self.num_layers, bidirectional=self.bidirectional)


@contextmanager
def open_source(source: Source, max_bytes: int, what: str, expected: str = "") -> Iterator[tuple[IO[bytes], int, str]]:
    """(seekable stream at 0, size in bytes, name) of a path, bytes or binary file object, its size checked against
    ``max_bytes`` before anything is read (an unseekable stream: read one byte past it at most). Messages start with
    ``what``; ``expected`` follows the one for an empty file."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1:
        raise ValueError(f"max_bytes: expected a whole number of bytes >= 1, got {max_bytes!r:.40}")
    max_bytes = int(max_bytes)
    if isinstance(source, (bytes, bytearray, memoryview)):
        size = memoryview(source).nbytes
        _check_size(size, max_bytes, what, expected)
        yield io.BytesIO(source if isinstance(source, bytes) else bytes(source)), size, ""
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            stream = open(name, "rb")  # noqa: SIM115 (closed below, after the caller's block)
        except OSError as exc:
            raise ValueError(f"{what}: cannot open the file ({exc.strerror or exc})") from None
        with stream:
            size = os.fstat(stream.fileno()).st_size
            _check_size(size, max_bytes, what, expected)
            yield stream, size, name
    elif hasattr(source, "read"):
        name = getattr(source, "name", "")
        name = name if isinstance(name, str) else ""
        seekable = getattr(source, "seekable", None)
        if callable(seekable) and seekable():
            size = source.seek(0, io.SEEK_END)  # the whole stream, wherever it was left (an upload, re-read)
            _check_size(size, max_bytes, what, expected)
            source.seek(0)
            yield source, size, name
        else:
            data = _read_at_most(source, max_bytes + 1, what)  # one byte more than allowed tells "too large"
            _check_size(len(data), max_bytes, what, expected)
            yield io.BytesIO(data), len(data), name
    else:
        raise ValueError(f"{what}: expected a path, bytes or a binary file object, got {type(source).__name__}")


def _read_at_most(stream: IO[bytes], n: int, what: str) -> bytes:
    """Up to n bytes, in chunks: a raw stream (a pipe, a socket) may return fewer than asked per read."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(n - len(buf), 1 << 20))
        if not isinstance(chunk, (bytes, bytearray)):
            raise ValueError(f"{what}: expected a binary file object, its read() gave {type(chunk).__name__}")
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def _check_size(size: int, max_bytes: int, what: str, expected: str) -> None:
    if size == 0:
        raise ValueError(f"{what}: the file is empty (0 bytes){expected}")
    if size > max_bytes:
        raise ValueError(f"{what}: the file has {size} bytes, over the limit of max_bytes={max_bytes}")


def read_source(source: Source, max_bytes: int, what: str) -> bytes:
    """The bytes of a path, bytes or binary file object (``open_source``'s checks: nothing over ``max_bytes``)."""
    with open_source(source, max_bytes, what) as (stream, _, _):
        return stream.read()


def check_declared(shape: tuple[int, ...], itemsize: int, max_bytes: int, what: str) -> int:
    """The byte size a shape declares, refused (ValueError) when negative or over ``max_bytes``; Python ints, so
    a declared 2**40 × 2**40 does not wrap around."""
    if any(int(n) < 0 for n in shape):
        raise ValueError(f"{what}: a negative dimension in the declared shape {tuple(shape)}")
    size = int(itemsize)
    for n in shape:
        size *= int(n)
    if size > max_bytes:
        raise ValueError(
            f"{what}: declares shape {tuple(int(n) for n in shape)} = {size} bytes, over the limit of "
            f"max_bytes={max_bytes}"
        )
    return size


def finite64(what: str, arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{what}: expected floating-point weights, got dtype {arr.dtype}")
    out = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what}: contains NaN or inf")
    return out


def blocks(a: np.ndarray, order: tuple[int, ...], H: int, axis: int = 0) -> np.ndarray:
    """The H-sized gate blocks of ``a`` along ``axis`` rearranged: block j of the result is block order[j]."""
    parts = [np.take(a, np.arange(i * H, (i + 1) * H), axis=axis) for i in order]
    return np.concatenate(parts, axis=axis)


def negate_block(a: np.ndarray, i: int, H: int) -> np.ndarray:
    """A copy of ``a`` with its i-th H-row block negated (a GRU's z, when the file's z keeps and the core's
    updates)."""
    out = a.copy()
    out[i * H : (i + 1) * H] *= -1.0
    return out


def state_suffix(k: int, reverse: bool) -> str:
    return f"_l{k}" + ("_reverse" if reverse else "")


def spec_shapes(state: Mapping[str, np.ndarray], kind: str, what: str) -> tuple[int, int]:
    """(D, H) of a state dict's layer 0, every layer's shapes checked against PyTorch's for ``kind``."""
    k = GATES[kind]
    W_hh = state["weight_hh_l0"]
    H = int(W_hh.shape[1]) if W_hh.ndim == 2 else 0
    D = int(state["weight_ih_l0"].shape[1]) if state["weight_ih_l0"].ndim == 2 else 0
    for key, value in state.items():
        layer0 = "_l0" in key
        want: tuple[int, ...]
        if key.startswith("weight_ih"):
            want = (k * H, D if layer0 else -1)
        elif key.startswith("weight_hh"):
            want = (k * H, H)
        else:
            want = (k * H,)
        if value.ndim != len(want) or any(w not in (-1, s) for w, s in zip(want, value.shape, strict=True)):
            raise ValueError(
                f"{what}: {key} has shape {value.shape}, expected {tuple('·' if w == -1 else w for w in want)} "
                f"for a {kind} with D = {D}, H = {H}"
            )
    if H < 1 or D < 1:
        raise ValueError(f"{what}: empty weights (D = {D}, H = {H})")
    return D, H


def detect_format(data: bytes, name: str = "") -> str | None:
    """ "keras" or "onnx" when ``data`` (a file's bytes, or its first few KiB plus, for a zip, the whole file)
    is one this package reads, else None (a .npz or .safetensors is left to recurrent_core.weights).

    HDF5's magic bytes mean Keras (.h5, .weights.h5); a zip is a .keras when it lists config.json and
    model.weights.h5 (a .npz lists .npy members); ONNX has no magic: the name ``*.onnx``, or a protobuf whose
    first field is ModelProto's ir_version (tag 0x08) and whose bytes 8.. do not start a safetensors JSON header.
    """
    if data.startswith(b"\x89HDF\r\n\x1a\n"):
        return "keras"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return None
        return "keras" if {"config.json", "model.weights.h5"} <= names else None
    if name.lower().endswith(".onnx"):
        return "onnx"
    if len(data) > 9 and data[0] == 0x08 and data[8:9] != b"{" and data[1] < 0x80:
        return "onnx"
    return None
