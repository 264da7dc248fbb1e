"""Weight files from the PyTorch ecosystem, read safely: ``.safetensors`` and ``.npz``, whole models or one module.

NumPy and the standard library only: the ``.safetensors`` format (a little-endian u64 header length N, N bytes of
JSON, then raw little-endian data) is read and written here with ``struct``, ``json`` and ``numpy.frombuffer``,
because NumPy has no bfloat16 and the core may not import the ``safetensors`` package.

Nothing runs on load: no pickle (``.pt``/``.pth`` files are refused), and every size a file declares (header
length, tensor offsets, zip members, ``.npy`` headers) is checked against the file's real size and ``max_bytes``
before anything is read or allocated.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Literal, cast

import numpy as np

from ..cells.layers import Layer
from ..cells.stack import Stack
from ._spec import FoundModule, RecurrentSpec, detect_format, open_source, show
from .keras import read_keras
from .keys import ParamKey, module_key, parse_key
from .onnx import read_onnx
from .pytorch import from_pytorch, to_pytorch

MAX_BYTES = 64 * 1024 * 1024
# A .safetensors JSON header or a zip's central directory parses into Python objects about ten times its size;
# 4 MiB (tens of thousands of tensors) bounds that whatever max_bytes is.
MAX_HEADER_BYTES = 4 * 1024 * 1024

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
Format = Literal["npz", "safetensors"]

# bytes per element of every safetensors dtype; only the floats load as weights
_ST_ITEMSIZE = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "F8_E8M0": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
    "C64": 8,
}
_ST_FLOATS = {"F16": "<f2", "BF16": "<u2", "F32": "<f4", "F64": "<f8"}
_ST_OF_NUMPY = {"float16": "F16", "float32": "F32", "float64": "F64"}

_PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# shown when a pickle is refused: the two lines that turn a trusted .pt into a file this module reads
EXPORT_SNIPPET = (
    "    import torch; from safetensors.torch import save_file\n"
    "    save_file(torch.load('model.pt', weights_only=True), 'model.safetensors')"
)
_EXPORT_HINT = (
    "Export it once where you trust it, with PyTorch (weights_only=True loads tensors only), and load the result:\n"
    f"{EXPORT_SNIPPET}\n"
    "  or for .npz: np.savez('model.npz', "
    "**{k: v.numpy() for k, v in torch.load('model.pt', weights_only=True).items()})"
    "\n  (for a whole checkpoint, pass its state dict, e.g. ckpt['model'])"
)


def _show_list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(show(n) for n in names[:limit])
    return f"[{shown}{f', … {len(names) - limit} more' if len(names) > limit else ''}]"


# --- sources ------------------------------------------------------------------------------------------------


@contextmanager
def _open(source: Source, max_bytes: int) -> Iterator[tuple[IO[bytes], int, str]]:
    """``open_source`` for a weights file, after refusing a PyTorch checkpoint by its name (a pickle)."""
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    if isinstance(name, str) and name.lower().endswith(_PICKLE_SUFFIXES):
        raise _pickle_refusal("weights: a PyTorch .pt/.pth checkpoint is a pickle")
    with open_source(source, max_bytes, "weights", "; expected a .safetensors or .npz file") as opened:
        yield opened


def _pickle_refusal(what: str) -> ValueError:
    return ValueError(f"{what}; a pickle can run code when it is loaded, so it is not read. {_EXPORT_HINT}")


def _read_exact(stream: IO[bytes], n: int, what: str) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise ValueError(f"{what}: truncated: expected {n} bytes, found {len(data)}")
    return data


# --- the container: names, then one tensor at a time ----------------------------------------------------------


@dataclass(frozen=True)
class _Container:
    """The tensor names of a file and a reader of one tensor (as float64, checked)."""

    kind: Format
    names: tuple[str, ...]
    read: Callable[[str], np.ndarray]


def _finite64(name: str, arr: np.ndarray) -> np.ndarray:
    out = arr.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{show(name)}: contains NaN or inf")
    return out


# --- .safetensors ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"safetensors: the header names {show(key)} twice")
        out[key] = value
    return out


def _safetensors_index(stream: IO[bytes], size: int) -> tuple[dict[str, _Entry], dict[str, str], int]:
    """The validated header: entries, metadata and the data's start. Reads the header only."""
    if size < 8:
        raise ValueError(f"safetensors: truncated: {size} bytes, expected at least the 8-byte header length")
    (n,) = struct.unpack("<Q", _read_exact(stream, 8, "safetensors"))
    if n > size - 8:
        raise ValueError(f"safetensors: the header claims {n} bytes but the file has only {size - 8} after its length")
    if n > MAX_HEADER_BYTES:
        raise ValueError(f"safetensors: the header claims {n} bytes, over the limit of {MAX_HEADER_BYTES} for a header")
    if n < 2:
        raise ValueError(f"safetensors: expected a JSON header of at least 2 bytes, found a length of {n}")
    raw = _read_exact(stream, n, "safetensors header")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except _DuplicateKey:
        raise
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, an int of over 4300 digits
        raise ValueError(f"safetensors: the header is not UTF-8 JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ValueError(f"safetensors: expected a JSON object as the header, found {type(header).__name__}")
    metadata = header.pop("__metadata__", None) or {}  # absent or null
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("safetensors: expected __metadata__ to map strings to strings")
    data_len = size - 8 - n
    entries = {name: _entry(name, info, data_len) for name, info in header.items()}
    end = 0  # the data must be covered exactly, in order, with no overlap and no hole (as the format demands)
    for name, e in sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end)):
        if e.begin != end:
            problem = "overlaps the tensor before it" if e.begin < end else f"leaves a hole of {e.begin - end} bytes"
            raise ValueError(
                f"safetensors: {show(name)} at byte {e.begin} {problem} (the data before it ends at byte {end})"
            )
        end = e.end
    if end != data_len:
        raise ValueError(f"safetensors: the tensors cover {end} bytes of data, the file holds {data_len}")
    return entries, metadata, 8 + n


def _entry(name: str, info: object, data_len: int) -> _Entry:
    where = f"safetensors: {show(name)}"
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"{where}: expected {{'dtype', 'shape', 'data_offsets'}}, found {_describe(info)}")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in _ST_ITEMSIZE:
        shown = show(dtype) if isinstance(dtype, str) else type(dtype).__name__
        raise ValueError(f"{where}: expected a dtype of {sorted(_ST_ITEMSIZE)}, found {shown}")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape) or len(shape) > 32:
        raise ValueError(f"{where}: expected a shape of at most 32 whole numbers >= 0, found {_describe(shape)}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)):
        raise ValueError(f"{where}: expected data_offsets [begin, end] of whole numbers, found {_describe(offsets)}")
    begin, end = offsets
    if begin > end:
        raise ValueError(f"{where}: expected data_offsets [begin, end] with begin <= end, found [{begin}, {end}]")
    if end > data_len:
        raise ValueError(
            f"{where}: its data_offsets [{begin}, {end}] reach past the file's {data_len} bytes of data (truncated?)"
        )
    count = 1
    for d in shape:
        count *= d  # Python ints: an absurd shape cannot overflow, it just fails the next check
    if count * _ST_ITEMSIZE[dtype] != end - begin:
        raise ValueError(
            f"{where}: {dtype} of shape {tuple(shape) if len(shape) <= 8 else '(…)'} needs "
            f"{count * _ST_ITEMSIZE[dtype] if count < 2**64 else 'over 2**64'} bytes, its offsets span {end - begin}"
        )
    return _Entry(dtype, tuple(shape), begin, end)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def _describe(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (list, dict, str, int, float)) else type(value).__name__
    return text if len(text) <= 40 else text[:40] + "…"


def _safetensors_container(stream: IO[bytes], size: int) -> _Container:
    entries, _, start = _safetensors_index(stream, size)

    def read(name: str) -> np.ndarray:
        e = entries[name]
        if e.dtype not in _ST_FLOATS:
            raise ValueError(f"{show(name)}: expected a float tensor (F16, BF16, F32 or F64), found {e.dtype}")
        stream.seek(start + e.begin)
        raw = np.frombuffer(_read_exact(stream, e.end - e.begin, show(name)), dtype=_ST_FLOATS[e.dtype])
        if e.dtype == "BF16":  # bfloat16 is the top half of a float32: widen the bits
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        return _finite64(name, raw.reshape(e.shape))

    return _Container("safetensors", tuple(entries), read)


def read_safetensors_header(source: Source, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """The validated JSON header of a .safetensors file (``{name: {dtype, shape, data_offsets}}`` and
    ``__metadata__``), reading nothing past the header."""
    with _open(source, max_bytes) as (stream, size, _):
        entries, metadata, _ = _safetensors_index(stream, size)
    header: dict[str, Any] = {
        name: {"dtype": e.dtype, "shape": list(e.shape), "data_offsets": [e.begin, e.end]}
        for name, e in entries.items()
    }
    if metadata:
        header["__metadata__"] = metadata
    return header


# --- .npz -----------------------------------------------------------------------------------------------------


def _check_zip_directory(stream: IO[bytes], size: int) -> None:
    """The central directory's declared size, from the end record, before zipfile parses the directory."""
    tail_len = min(size, 22 + 65535)  # the end record and at most a 64 KiB comment
    stream.seek(size - tail_len)
    tail = stream.read(tail_len)
    stream.seek(0)
    # where zipfile looks: the last 22 bytes if they are a record without comment, else the last signature
    end = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00" else tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) - end < 22:
        raise ValueError("npz: not a readable zip archive (no end-of-directory record; truncated?)")
    if end >= 20 and tail[end - 20 : end - 16] == b"PK\x06\x07":  # zip64 (torch.save writes it): its own record
        record = tail[end - 76 : end - 20] if end >= 76 else b""
        if record[:4] != b"PK\x06\x06":
            raise ValueError("npz: not a readable zip archive (its zip64 end record is missing)")
        (directory,) = struct.unpack("<Q", record[40:48])
    else:
        (directory,) = struct.unpack("<I", tail[end + 12 : end + 16])
    if directory > MAX_HEADER_BYTES:
        raise ValueError(f"npz: the zip directory claims {directory} bytes, over the limit of {MAX_HEADER_BYTES}")


def _npz_container(stream: IO[bytes], size: int, max_bytes: int) -> _Container:
    _check_zip_directory(stream, size)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"npz: not a readable zip archive ({exc})") from None
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if any(n.endswith(".pkl") for n in names):
        raise _pickle_refusal("npz: this zip holds a pickle (a PyTorch checkpoint saved by torch.save)")
    if len(set(names)) != len(names):
        raise ValueError("npz: the archive names a member twice")
    odd = [n for n in names if not n.endswith(".npy")]
    if odd:
        raise ValueError(f"npz: expected only .npy members (as np.savez writes), found {_show_list(odd)}")
    total = sum(info.file_size for info in infos)  # declared sizes, before inflating anything
    if total > max_bytes:
        raise ValueError(f"npz: the members inflate to {total} bytes, over the limit of max_bytes={max_bytes}")
    headers = {info.filename[: -len(".npy")]: _npy_header(archive, info) for info in infos}

    def read(name: str) -> np.ndarray:
        info = archive.getinfo(name + ".npy")
        shape, fortran, dtype, offset = headers[name]
        if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
            raise ValueError(f"{show(name)}: expected float16, float32 or float64, found {dtype}")
        try:
            with archive.open(info) as member:
                _read_exact(member, offset, show(name))
                raw = _read_exact(member, info.file_size - offset, show(name))
                if member.read(1):  # reaching the end checks the CRC
                    raise ValueError(f"{show(name)}: more data than the zip declares")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ValueError(f"npz: {show(name)} is corrupt ({exc})") from None
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
        return _finite64(name, arr)

    return _Container("npz", tuple(headers), read)


def read_npy_header(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """(shape, fortran_order, dtype) of a .npy stream at its start, read without its data (ValueError, EOFError or
    SyntaxError when it is not a .npy header); the stream is left at the first byte of the data."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"expected .npy format version 1.0 or 2.0, found {version}")
    return tuple(shape), bool(fortran), np.dtype(dtype)


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """(shape, fortran_order, dtype, header length) of one member, its data size checked against the zip's."""
    where = f"npz: {show(info.filename)}"
    try:
        with archive.open(info) as member:
            shape, fortran, dtype = read_npy_header(member)
            offset = member.tell()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, SyntaxError) as exc:
        raise ValueError(f"{where}: not a readable .npy member ({str(exc)[:80]})") from None
    if dtype.hasobject:
        raise ValueError(f"{where}: an object array needs pickle to load, and allow_pickle=False; it is not read")
    count = 1
    for d in shape:
        count *= d
    if count * dtype.itemsize != info.file_size - offset:
        raise ValueError(
            f"{where}: its header declares {dtype} of shape {shape if len(shape) <= 8 else '(…)'}, "
            f"which is not the {info.file_size - offset} bytes of data the zip declares"
        )
    return shape, fortran, dtype, offset


# --- finding the recurrent module -----------------------------------------------------------------------------


def _container(stream: IO[bytes], size: int, name: str, max_bytes: int) -> _Container:
    head = stream.read(9)
    stream.seek(0)
    if size < 9:
        raise ValueError(f"weights: {size} bytes is too short for a .safetensors or .npz file (truncated?)")
    if head[:2] == b"PK":
        return _npz_container(stream, size, max_bytes)
    # a .safetensors header length may begin with the bytes of a pickle's protocol mark (e.g. 0x280 bytes:
    # 80 02 00 …); its JSON at byte 8 and a length that fits the file tell it apart first
    if head[8:9] == b"{" and 0 < struct.unpack("<Q", head[:8])[0] <= size - 8:
        return _safetensors_container(stream, size)
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise _pickle_refusal("weights: this is a pickle (a legacy torch.save file)")
    if head[8:9] == b"{" or name.lower().endswith(".safetensors"):
        return _safetensors_container(stream, size)
    raise ValueError(
        "weights: expected a .safetensors file (8-byte length, then a JSON header) or a .npz (zip) archive; "
        f"the first bytes are neither ({size} bytes in all)"
    )


def _modules(names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Recurrent parameter keys grouped by module: {module prefix: {param key: full key}}."""
    groups: dict[str, dict[str, str]] = {}
    for full in names:
        head, _, last = full.rpartition(".")
        if parse_key(last) is not None:
            groups.setdefault(head, {})[last] = full
    return groups


def _module_keys(module: str, params: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The module's keys in PyTorch's order, as {key of a module (``weight_ih_l0`` …): its name in the file}, after
    checking what it has against what it needs. A cell's keys (``weight_ih`` …) map to layer 0's."""
    where = f"module {show(module)}" if module else "the state dict"
    if any(k.startswith("weight_hr") for k in params):
        raise ValueError(f"{where}: weight_hr_l* is an LSTM with proj_size > 0 (projected hidden state); not supported")
    cells = {k for k in params if _match(k).cell}
    if cells and len(cells) < len(params):
        raise ValueError(
            f"{where}: a cell's keys ({_show_list(sorted(cells))}) beside a module's; expected one or the other"
        )
    layers = 1 + max(_match(k).layer for k in params)
    directions = ["", "_reverse"] if any(k.endswith("_reverse") for k in params) else [""]
    kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if any(k.startswith("bias") for k in params) else [])
    if cells:
        expected = {module_key(p): p for p in kinds}
    else:
        expected = {
            f"{p}_l{layer}{d}": f"{p}_l{layer}{d}" for layer in range(layers) for d in directions for p in kinds
        }
    missing = [k for k in expected.values() if k not in params]
    prefix = f"{module}." if module else ""
    extra = [
        n
        for n in names
        if n.startswith(prefix) and "." not in n[len(prefix) :] and n[len(prefix) :] not in expected.values()
    ]
    if missing or extra:
        what = (
            "nn.RNNCell/GRUCell/LSTMCell"
            if cells
            else (f"{layers}-layer{', bidirectional' if len(directions) == 2 else ''} nn.RNN/GRU/LSTM")
        )
        raise ValueError(
            f"{where}: expected the keys of a {what} ({', '.join(list(expected.values())[: len(kinds)])}, …); "
            + (f"missing {_show_list(missing)}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unexpected {_show_list(extra)}" if extra else "")
        )
    return expected


def _match(key: str) -> ParamKey:
    parsed = parse_key(key)
    assert parsed is not None
    return parsed


def _check_shapes(module: str, state: dict[str, np.ndarray]) -> None:
    """Shapes of a (multi-layer, bidirectional) module: W_hh (kH, H) with k in 1, 3, 4 fixes the kind."""
    W_hh = state["weight_hh_l0"]
    if W_hh.ndim != 2 or W_hh.shape[1] < 1 or W_hh.shape[0] not in {k * W_hh.shape[1] for k in (1, 3, 4)}:
        raise ValueError(
            f"{show(module + '.weight_hh_l0' if module else 'weight_hh_l0')}: expected shape (H, H), (3H, H) or "
            f"(4H, H) (RNN, GRU, LSTM), found {W_hh.shape}"
        )
    rows, H = W_hh.shape
    directions = 2 if "weight_ih_l0_reverse" in state else 1
    W_ih = state["weight_ih_l0"]
    D = W_ih.shape[1] if W_ih.ndim == 2 and W_ih.shape[1] >= 1 else 0
    for key, value in state.items():
        m = _match(key)
        if m.param == "weight_hh":
            want: tuple[int, ...] = (rows, H)
        elif m.param == "weight_ih":
            want = (rows, D if m.layer == 0 else directions * H)
        else:
            want = (rows,)
        if value.shape != want or D == 0:
            name = f"{module}.{key}" if module else key
            shown = "(kH, D) with D >= 1" if D == 0 else str(want)
            raise ValueError(f"{show(name)}: expected shape {shown} (H = {H} from weight_hh_l0), found {value.shape}")


NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
FORMATS = ("safetensors", "npz", "keras3", "keras3-h5", "keras2", "onnx")


def _named_state(container: _Container, names: object) -> dict[str, np.ndarray]:
    """A one-layer state dict from arrays under any names, ``names={"weight_ih": key, "weight_hh": key, …}``
    (biases optional), in PyTorch's layout and gate order."""
    if not isinstance(names, Mapping):
        raise ValueError(
            f"names: expected a mapping such as {{'weight_ih': 'enc_w_ih', …}}, got {type(names).__name__}"
        )
    unknown = sorted(str(k) for k in names if k not in NAMES)
    if unknown:
        raise ValueError(f"names: unknown parameter {_show_list(unknown)}; expected some of {NAMES}")
    for need in ("weight_ih", "weight_hh"):
        if need not in names:
            raise ValueError(f"names: {need} is needed (biases are optional)")
    state = {}
    for param, key in names.items():
        if not isinstance(key, str) or key not in container.names:
            raise ValueError(
                f"names: {param} -> {show(str(key))} is not an array of this file; it has "
                f"{_show_list(sorted(container.names), 8)}"
            )
        state[module_key(param)] = container.read(key)
    return state


def read_state(
    source: Source, prefix: str | None = None, max_bytes: int = MAX_BYTES, *, names: Mapping[str, str] | None = None
) -> tuple[dict[str, np.ndarray], str]:
    """The recurrent module's state dict in a .safetensors or .npz file, and the module's prefix.

    ``source`` is a path, bytes or a binary file object; a whole model's file is fine. The keys returned are the
    module's own (``weight_ih_l0``, … ``_l1``, ``_reverse``; prefix stripped), as float64 arrays, checked: all
    keys of each layer and direction, consistent shapes, finite values. ``prefix`` (e.g. ``"encoder.lstm"``)
    chooses among several recurrent modules; ``""`` is a bare module's dict. A module built with ``bias=False``
    has no bias keys; a cell's (``lstm_cell.weight_ih`` …) come back as layer 0's. ``names`` maps the four
    parameters to arrays of any other names (then ``prefix`` is not used). Every refusal is a ValueError.
    """
    with _open(source, max_bytes) as (stream, size, name):
        if _other_format(stream, name) is not None:
            raise ValueError(
                "weights: a Keras or ONNX file holds no PyTorch state dict; rc.load_weights and rc.scan_weights read it"
            )
        container = _container(stream, size, name, max_bytes)
        if names is not None:
            if prefix is not None:
                raise ValueError("names: give either names= (full array names) or prefix=, not both")
            state = _named_state(container, names)
            _check_shapes("", state)
            return state, ""
        groups = _modules(container.names)
        if prefix is not None:
            if not isinstance(prefix, str):
                raise ValueError(f"prefix: expected a module name such as 'encoder.lstm', got {type(prefix).__name__}")
            module = prefix[:-1] if prefix.endswith(".") else prefix
            if module not in groups:
                raise ValueError(
                    f"prefix: no recurrent module {show(module)} in this file; "
                    f"found {_show_list(sorted(groups)) if groups else 'none'}"
                )
        elif len(groups) == 1:
            (module,) = groups
        elif not groups:
            raise ValueError(
                f"weights: no recurrent weights (keys ending in weight_ih_l0, weight_hh_l0, …, or a cell's "
                f"weight_ih, weight_hh) among the file's {len(container.names)} tensors "
                f"{_show_list(sorted(container.names), 5)}; name them with names={{'weight_ih': …, 'weight_hh': …}}"
            )
        else:
            raise ValueError(
                f"weights: {len(groups)} recurrent modules in this file, {_show_list(sorted(groups))}; "
                "choose one with prefix="
            )
        keys = _module_keys(module, groups[module], container.names)
        state = {key: container.read(groups[module][name]) for key, name in keys.items()}
    _check_shapes(module, state)
    return state, module


def _other_format(stream: IO[bytes], name: str) -> str | None:
    """ "keras" or "onnx" for a file the format readers take (HDF5, a .keras zip, ONNX), else None; the stream is
    left at 0. A zip is listed (its central directory), not read."""
    head = stream.read(4096)
    stream.seek(0)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(stream) as archive:
                listed = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            listed = set()
        stream.seek(0)
        return "keras" if {"config.json", "model.weights.h5"} <= listed else None
    return detect_format(head, name)


def _specs(
    stream: IO[bytes], fmt: str, max_bytes: int, nonlinearity: str, gate_activation: str = "sigmoid"
) -> list[RecurrentSpec]:
    data = stream.read()
    if fmt == "keras":
        return read_keras(data, max_bytes=max_bytes, activation=nonlinearity, gate_activation=gate_activation)
    return read_onnx(data, max_bytes=max_bytes)


def _zero_biases(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A ``bias=False`` module's state with its zero biases (PyTorch adds nothing: the same function)."""
    for key in [k for k in state if k.startswith("weight_ih")]:
        for b in {"bias_ih" + key[len("weight_ih") :], "bias_hh" + key[len("weight_ih") :]} - set(state):
            state[b] = np.zeros(state[key].shape[0])
    return state


def load_weights(
    source: Source,
    prefix: str | None = None,
    *,
    names: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    nonlinearity: str = "tanh",
    gate_activation: str = "sigmoid",
) -> Any:
    """A layer (or a Stack) from a weights file: ``.safetensors`` / ``.npz`` (PyTorch modules or cells, or any
    names through ``names=``), Keras 3 ``.keras`` / ``.weights.h5``, Keras 2 ``.h5`` / ``.hdf5``, or ONNX.

    The kind (RNN, GRU, LSTM) follows from the shapes; an RNN's nonlinearity ("tanh" or "relu") cannot, so for a
    PyTorch file it is a parameter (a Keras or ONNX file says it; a Keras weights-only file without a config takes
    it from this argument, and its gates' activation from ``gate_activation``: "sigmoid", or "hard_sigmoid_keras2"
    for a model that kept Keras ≤ 2.3's default). ``prefix`` chooses a module by the name :func:`scan_weights`
    gives. A ``bias=False`` module loads with zero biases (the same function). Every refusal is a ValueError.
    """
    with _open(source, max_bytes) as (stream, _, name):
        fmt = _other_format(stream, name)
        if fmt is not None:
            if names is not None:
                raise ValueError("names: only for .safetensors / .npz files (a Keras or ONNX file names its layers)")
            specs = _specs(stream, fmt, max_bytes, nonlinearity, gate_activation)
    if fmt is None:
        state, _ = read_state(source, prefix=prefix, max_bytes=max_bytes, names=names)
        return from_pytorch(_zero_biases(state), nonlinearity=nonlinearity)
    found = [s.name for s in specs]
    if not specs:
        raise ValueError(f"weights: no recurrent layer (RNN, LSTM, GRU) in this {fmt.upper()} file")
    if prefix is not None:
        chosen = [s for s in specs if s.name == prefix]
        if not chosen:
            raise ValueError(f"prefix: no recurrent module {show(str(prefix))} in this file; found {_show_list(found)}")
    elif len(specs) > 1:
        raise ValueError(
            f"weights: {len(specs)} recurrent modules in this file, {_show_list(found)}; choose one with prefix="
        )
    else:
        chosen = specs
    return chosen[0].build()


_KIND_OF_ROWS = {1: "rnn", 3: "gru", 4: "lstm"}


def scan_weights(source: Source, max_bytes: int = MAX_BYTES) -> list[FoundModule]:
    """The recurrent modules in a weights file (every format :func:`load_weights` reads), each with its name (for
    ``prefix=``), kind, D, H, num_layers, bidirectional and format. An empty list when there is none or the file
    cannot be read (``load_weights`` says why)."""
    try:
        with _open(source, max_bytes) as (stream, size, name):
            fmt = _other_format(stream, name)
            if fmt is not None:
                return [spec.found() for spec in _specs(stream, fmt, max_bytes, "tanh")]
            container = _container(stream, size, name, max_bytes)
            found = []
            for module, params in sorted(_modules(container.names).items()):
                try:
                    keys = _module_keys(module, params, container.names)
                    state = {key: container.read(params[name]) for key, name in keys.items()}
                    _check_shapes(module, state)
                except ValueError:
                    continue  # not a loadable module: load_weights(prefix=module) says why
                rows, H = state["weight_hh_l0"].shape
                found.append(
                    FoundModule(
                        module,
                        _KIND_OF_ROWS[rows // H],
                        state["weight_ih_l0"].shape[1],
                        H,
                        1 + max(_match(k).layer for k in state),
                        "weight_ih_l0_reverse" in state,
                        container.kind,
                    )
                )
            return found
    except ValueError:
        return []


# --- writing --------------------------------------------------------------------------------------------------


def _state_of(state_or_layer: object) -> dict[str, np.ndarray]:
    if isinstance(state_or_layer, Mapping):
        state: dict[str, np.ndarray] = {}
        for key, value in state_or_layer.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"state: expected non-empty string keys, found {key!r:.40}")
            arr = np.asarray(value)
            if arr.dtype.name not in _ST_OF_NUMPY:
                raise ValueError(f"{show(key)}: expected float16, float32 or float64, found {arr.dtype}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{show(key)}: contains NaN or inf")
            state[key] = arr
        return state
    return to_pytorch(cast("Layer | Stack", state_or_layer))  # to_pytorch refuses anything else (ValueError)


def write_safetensors(tensors: Mapping[str, np.ndarray], target: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write float16/32/64 arrays as a .safetensors file (readable by ``safetensors.numpy.load_file``)."""
    arrays = _state_of(tensors)
    header: dict[str, Any] = {}
    offset = 0
    for key, arr in arrays.items():
        header[key] = {"dtype": _ST_OF_NUMPY[arr.dtype.name], "shape": list(arr.shape), "data_offsets": []}
        header[key]["data_offsets"] = [offset, offset + arr.nbytes]
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned, as the reference writer pads it

    def write(stream: IO[bytes]) -> None:
        stream.write(struct.pack("<Q", len(raw)))
        stream.write(raw)
        for arr in arrays.values():
            stream.write(np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes())

    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as stream:
            write(stream)
    else:
        write(target)


def save_weights(state_or_layer: object, target: str | os.PathLike[str] | IO[bytes], fmt: Format | None = None) -> None:
    """Write a layer (as its PyTorch state dict, float64) or a state dict of float arrays to ``target``.

    The format follows the path's suffix (``.npz``: ``np.savez``, no pickle; ``.safetensors``) or ``fmt``
    ("npz" or "safetensors"), which a file object needs.
    """
    if fmt is None:
        suffix = os.fspath(target).lower().rpartition(".")[2] if isinstance(target, (str, os.PathLike)) else ""
        if suffix not in ("npz", "safetensors"):
            raise ValueError(
                "save_weights: expected a path ending in .npz or .safetensors, or fmt='npz' / 'safetensors' "
                f"(needed for a file object), got {'suffix ' + repr(suffix) if suffix else 'no suffix'}"
            )
        fmt = "npz" if suffix == "npz" else "safetensors"
    if fmt not in ("npz", "safetensors"):
        raise ValueError(f"fmt: expected 'npz' or 'safetensors', got {fmt!r:.40}")
    state = _state_of(state_or_layer)
    if fmt == "safetensors":
        write_safetensors(state, target)
    elif isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as stream:  # np.savez would append .npz to any other suffix
            np.savez(stream, **state)  # type: ignore[arg-type]
    else:
        np.savez(target, **state)  # type: ignore[arg-type]
