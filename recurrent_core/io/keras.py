"""Keras files read safely: Keras 3 ``.keras`` (zip) and ``.weights.h5``, Keras 2 ``.h5``/``.hdf5`` (whole model
or weights only). ``h5py`` is imported only when such a file is read.

Layers: ``SimpleRNN``, ``LSTM``, ``GRU``, ``CuDNNLSTM``, ``CuDNNGRU``, an ``RNN`` wrapping one of their cells, and
``Bidirectional`` around any of them. Mapping to PyTorch's layout (keras/src/layers/rnn/{lstm,gru}.py;
keras 2 layers/cudnn_recurrent.py):

- kernel (D, kH) is W_ihᵀ, recurrent_kernel (H, kH) is W_hhᵀ. LSTM gates i, f, c, o are PyTorch's i, f, g, o.
  One bias (kH) goes to b_ih (b_hh = 0); the cuDNN layers' 8H / 6H bias is [input biases | recurrent biases].
- GRU gates z, r, h become r, z, n. ``reset_after=True`` (bias (2, 3H): input row, recurrent row) is PyTorch's
  GRU: both write h = z ⊙ h₋₁ + (1 − z) ⊙ h̃. ``reset_after=False`` resets before the matmul: the book's ("dlfs2")
  formulation, whose z updates where Keras's keeps, so the z rows and z bias are negated (σ(−a) = 1 − σ(a)).
- ``Bidirectional``: forward_layer, then backward_layer (go_backwards; Keras reverses its outputs back), as
  PyTorch's l0 and l0_reverse. A single ``go_backwards`` layer is a spec with ``reverse=True``.
- Activations come from the file's config. A weights-only file has none: then ``activation`` and
  ``gate_activation`` (and ``reset_after`` for a GRU without bias) come from the arguments. "hard_sigmoid" is
  recorded as ``hard_sigmoid_keras2`` (clip(0.2x + 0.5, 0, 1)) in Keras 2 files and ``hard_sigmoid_keras3``
  (clip(x/6 + 1/2, 0, 1)) in Keras 3 ones (Keras 3's legacy .h5 says keras_version 3.x).

Safety: nothing is executed (a config naming a ``Lambda`` layer or a custom object is refused); HDF5 external or
soft links, virtual datasets and external storage are refused before anything is read; every dataset's declared
size and every zip member's declared size is checked against ``max_bytes`` first; the config's size and nesting
depth are bounded before it is parsed.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._spec import (
    HARD_SIGMOID_KERAS2,
    HARD_SIGMOID_KERAS3,
    MAX_BYTES,
    RecurrentSpec,
    Source,
    blocks,
    check_declared,
    finite64,
    negate_block,
    read_source,
    show,
    spec_shapes,
)

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100  # JSON nesting: a Keras model nests a few levels per layer; 100 bounds recursion, not models
MAX_OBJECTS = 100_000  # HDF5 groups and datasets walked
MAX_ZIP_MEMBERS = 10_000

RECURRENT = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru", "CuDNNLSTM": "lstm", "CuDNNGRU": "gru"}
CELLS = {"SimpleRNNCell": "rnn", "LSTMCell": "lstm", "GRUCell": "gru"}
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def read_keras(
    source: Source,
    *,
    max_bytes: int = MAX_BYTES,
    activation: str = "tanh",
    gate_activation: str = "sigmoid",
    reset_after: bool = True,
) -> list[RecurrentSpec]:
    """The recurrent layers of a Keras file (``.keras``, ``.weights.h5``, Keras 2 ``.h5``), in file order.

    ``source`` is a path, bytes or a binary file object of at most ``max_bytes``. The keyword arguments stand in
    for a config when the file has none (weights only). Every refusal is a ValueError naming the problem; an
    empty list means a readable Keras file without recurrent layers.

    Names: a ``.keras`` or Keras 2 ``.h5`` gives each layer's own name (a Bidirectional's, not its inner
    layer's); a weights-only Keras 3 file has no names, so its groups' (``lstm``, ``lstm_1``, ``bidirectional``
    …, Keras's snake_case class name and counter), listed in HDF5's alphabetical order, not the model's. Stacked
    Keras layers are separate specs (each its own layer or one-layer bidirectional Stack), in model order.
    """
    data = read_source(source, max_bytes, "keras")
    defaults = {"activation": activation, "gate_activation": gate_activation, "reset_after": bool(reset_after)}
    try:
        if data.startswith(ZIP_MAGIC):
            return _read_keras_zip(data, max_bytes, defaults)
        if data.startswith(HDF5_MAGIC):
            return _read_h5(data, None, max_bytes, defaults, fmt=None)
    except (UnicodeDecodeError, KeyError, TypeError, AttributeError, IndexError, OSError, RuntimeError) as exc:
        # a structure no check above foresaw (a group where a dataset belongs, a list where a dict does)
        raise ValueError(f"keras: malformed file ({type(exc).__name__}: {str(exc)[:80]})") from None
    raise ValueError("keras: not a .keras zip or an HDF5 (.h5, .weights.h5) file: its first bytes are neither")


# --- the .keras zip -------------------------------------------------------------------------------------------


def _read_keras_zip(data: bytes, max_bytes: int, defaults: dict[str, Any]) -> list[RecurrentSpec]:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"keras: not a readable .keras zip ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ValueError(f"keras: the zip lists {len(infos)} members, over {MAX_ZIP_MEMBERS}")
        total = 0
        for info in infos:
            if info.file_size > max_bytes:
                raise ValueError(
                    f"keras: zip member {show(info.filename)} claims {info.file_size} bytes uncompressed, over the "
                    f"limit of max_bytes={max_bytes}"
                )
            total += info.file_size
        if total > max_bytes:
            raise ValueError(f"keras: the zip's members claim {total} bytes uncompressed, over max_bytes={max_bytes}")
        names = {info.filename: info for info in infos}
        if "config.json" not in names:
            raise ValueError(f"keras: a .keras zip holds config.json; this one has {sorted(names)[:8]}")
        if "model.weights.h5" not in names:
            other = "model.weights.npz (the npz weights store is not read)" if "model.weights.npz" in names else ""
            raise ValueError(f"keras: no model.weights.h5 in the .keras zip {other}".rstrip())
        config_text = _read_member(archive, names["config.json"], MAX_CONFIG_BYTES)
        weights = _read_member(archive, names["model.weights.h5"], max_bytes)
    config = parse_config(config_text)
    return _read_h5(weights, config, max_bytes, defaults, fmt="keras3")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ValueError(f"keras: zip member {show(info.filename)} claims {info.file_size} bytes, over {limit}")
    try:
        with archive.open(info) as member:
            out = member.read(limit + 1)  # zipfile stops at the declared size and checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ValueError(f"keras: zip member {show(info.filename)} cannot be read ({exc})") from None
    if len(out) > limit:
        raise ValueError(f"keras: zip member {show(info.filename)} is over {limit} bytes")
    return out


def parse_config(text: bytes | str) -> Any:
    """A Keras config (JSON), its size and nesting depth checked before parsing; Lambda layers and custom
    objects refused by name."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("keras: the config is not UTF-8 text") from None
    if len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"keras: the config has {len(text)} characters, over {MAX_CONFIG_BYTES}")
    depth = deepest = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise ValueError(f"keras: the config nests deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"keras: the config is not valid JSON ({str(exc)[:80]})") from None
    for node in _dicts(config):
        cls = node.get("class_name")
        if cls == "Lambda":
            name = node.get("config", {}).get("name", "") if isinstance(node.get("config"), dict) else ""
            raise ValueError(
                f"keras: Lambda layer {show(name)}: it holds Python code, and this reader runs none; refused"
            )
        registered = node.get("registered_name")
        module = node.get("module")
        if (
            isinstance(registered, str)
            and isinstance(cls, str)
            and (not isinstance(module, str) or not module.startswith("keras"))
        ):
            raise ValueError(f"keras: custom object {show(registered)} (class {show(cls)}): not Keras's own; refused")
    return config


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a parsed JSON value (iteratively: the depth is bounded already, but no recursion anyway)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


# --- HDF5: the safe walk --------------------------------------------------------------------------------------


def _open_h5(data: bytes) -> Any:
    import io

    import h5py

    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError) as exc:
        raise ValueError(f"keras: not a readable HDF5 file ({str(exc)[:80]})") from None


def _check_tree(root: Any, max_bytes: int) -> None:
    """Refuse links out of the file (external, soft), virtual datasets, external storage and declared sizes over
    ``max_bytes`` anywhere in the file, before any data is read."""
    import h5py

    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    seen = 0
    while stack:
        group, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"keras: HDF5 groups nest deeper than {MAX_DEPTH} levels at {show(path)}")
        for name in group:
            seen += 1
            if seen > MAX_OBJECTS:
                raise ValueError(f"keras: the HDF5 file holds more than {MAX_OBJECTS} objects")
            where = f"{path}/{name}"
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise ValueError(
                    f"keras: HDF5 external link {show(where)} -> {show(link.filename)}: nothing outside the given "
                    "bytes is read; refused"
                )
            if isinstance(link, h5py.SoftLink):
                raise ValueError(f"keras: HDF5 soft link {show(where)} -> {show(link.path)}: refused")
            obj = group[name]
            if isinstance(obj, h5py.Group):
                stack.append((obj, where, depth + 1))
            elif isinstance(obj, h5py.Dataset):
                if obj.is_virtual:
                    raise ValueError(f"keras: HDF5 dataset {show(where)} is virtual (maps other files); refused")
                if obj.external:
                    raise ValueError(f"keras: HDF5 dataset {show(where)} keeps its data in external files; refused")
                itemsize = obj.dtype.itemsize if obj.dtype.kind in "fiub" else 1
                check_declared(obj.shape or (), itemsize, max_bytes, f"keras: HDF5 dataset {show(where)}")


def _attr(obj: Any, name: str, limit: int = MAX_CONFIG_BYTES) -> Any:
    """An attribute (None when absent), its stored size checked before reading."""
    import h5py

    if name not in obj.attrs:
        return None
    try:
        size = h5py.h5a.open(obj.id, name.encode()).get_storage_size()
    except RuntimeError:  # HDF5 reports an empty attribute (a layer without weights) as an error
        size = 0
    if size > limit:
        raise ValueError(f"keras: HDF5 attribute {show(name)} holds {size} bytes, over {limit}")
    value = obj.attrs[name]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _names_attr(obj: Any, name: str) -> list[str] | None:
    """A list-of-names attribute as Keras writes it: whole, or chunked into name0, name1, … when large."""
    value = _attr(obj, name)
    if value is None and f"{name}0" in obj.attrs:
        parts = []
        i = 0
        while f"{name}{i}" in obj.attrs and i < MAX_OBJECTS:
            parts.extend(list(_attr(obj, f"{name}{i}")))
            i += 1
        value = parts
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(np.asarray(value).ravel())
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]


def _dataset(obj: Any, what: str, max_bytes: int) -> np.ndarray:
    import h5py

    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"keras: {what} is not a dataset in the file")
    if obj.dtype.kind != "f":
        raise ValueError(f"keras: {what} has dtype {obj.dtype}, expected floating-point weights")
    check_declared(obj.shape or (), obj.dtype.itemsize, max_bytes, f"keras: {what}")
    try:
        arr = obj[()]
    except (OSError, ValueError) as exc:
        raise ValueError(f"keras: {what} cannot be read ({str(exc)[:80]})") from None
    return finite64(f"keras: {what}", np.asarray(arr))


def _read_h5(
    data: bytes, config: Any, max_bytes: int, defaults: dict[str, Any], fmt: str | None
) -> list[RecurrentSpec]:
    with _open_h5(data) as root:
        _check_tree(root, max_bytes)
        if fmt == "keras3" or ("layers" in root and "layer_names" not in root.attrs and "model_weights" not in root):
            return _read_keras3(root, config, max_bytes, defaults)
        group = root.get("model_weights", root)
        if _names_attr(group, "layer_names") is None:
            raise ValueError("keras: an HDF5 file without Keras's layout (no layer_names, no layers group)")
        model_config = _attr(root, "model_config")
        version = str(_attr(group, "keras_version") or _attr(root, "keras_version") or "")
        cfg = parse_config(model_config) if isinstance(model_config, str) else None
        era = "keras3" if version.startswith("3") else "keras2"
        return _read_keras2(group, cfg, max_bytes, defaults, era)


# --- activations and configs ----------------------------------------------------------------------------------


def _activation(value: Any, era: str) -> str:
    """A config's activation as a name: Keras 3 writes a string or {"class_name": "function", "config": name}."""
    if isinstance(value, dict):
        value = value.get("config") if value.get("class_name") == "function" else value.get("class_name")
    if value is None:
        return "linear"
    name = str(value)
    if name == "hard_sigmoid":
        return HARD_SIGMOID_KERAS3 if era == "keras3" else HARD_SIGMOID_KERAS2
    return name


def _layer_options(cls: str, cfg: dict[str, Any] | None, era: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """activation, gate_activation, reset_after, go_backwards and notes of a recurrent layer's config."""
    if cfg is None:
        return {
            "activation": defaults["activation"],
            "gate_activation": defaults["gate_activation"],
            "reset_after": None,
            "reset_default": defaults["reset_after"],
            "go_backwards": False,
            "notes": (
                f"weights only: activation {defaults['activation']!r} and gate activation "
                f"{defaults['gate_activation']!r} from the arguments, not the file (Keras <= 2.3 defaulted to "
                "hard_sigmoid gates)",
            ),
        }
    if cls.startswith("CuDNN"):  # cuDNN computes tanh and sigmoid only; the config has no activations
        act, gate = "tanh", "sigmoid"
    else:
        act = _activation(cfg.get("activation", "tanh"), era)
        gate = _activation(cfg.get("recurrent_activation", "sigmoid" if era == "keras3" else "hard_sigmoid"), era)
    notes = []
    if cfg.get("stateful"):
        notes.append("stateful: the state carried between batches is not in the file; h0 starts at zero")
    if cfg.get("use_bias") is False:
        notes.append("use_bias=False: zero biases")
    return {
        "activation": act,
        "gate_activation": gate,
        "reset_after": cfg.get("reset_after", None) if cls == "GRU" else True,
        "reset_default": defaults["reset_after"] if era == "keras3" else False,  # Keras 2.x's GRU default
        "go_backwards": bool(cfg.get("go_backwards", False)),
        "notes": tuple(notes),
    }


def _to_pytorch(
    kind: str,
    cls: str,
    kernel: np.ndarray,
    recurrent: np.ndarray,
    bias: np.ndarray | None,
    reset_after: bool | None,
    reset_default: bool,
    what: str,
) -> tuple[dict[str, np.ndarray], str]:
    """One direction's (W_ih, W_hh, b_ih, b_hh) in PyTorch's layout, and the GRU formulation."""
    if kernel.ndim != 2 or recurrent.ndim != 2:
        raise ValueError(f"keras: {what}: kernel {kernel.shape} and recurrent_kernel {recurrent.shape} must be 2-D")
    H = recurrent.shape[0]
    k = _GATES[kind]
    if recurrent.shape != (H, k * H) or kernel.shape[1] != k * H or H < 1:
        raise ValueError(
            f"keras: {what}: a {cls} has kernel (D, {k}H) and recurrent_kernel (H, {k}H); got {kernel.shape} and "
            f"{recurrent.shape}"
        )
    zeros = np.zeros(k * H)
    b_ih, b_hh = zeros, zeros.copy()
    two_rows = False
    if bias is not None:
        if bias.shape == (k * H,):
            b_ih = bias
        elif bias.shape == (2 * k * H,) and kind != "rnn":  # cuDNN: [input biases | recurrent biases]
            b_ih, b_hh, two_rows = bias[: k * H], bias[k * H :], True
        elif bias.shape == (2, k * H) and kind == "gru":  # GRU reset_after: rows input, recurrent
            b_ih, b_hh, two_rows = bias[0], bias[1], True
        else:
            raise ValueError(f"keras: {what}: bias shape {bias.shape} does not fit a {cls} with H = {H}")
    W_ih, W_hh = kernel.T.copy(), recurrent.T.copy()
    formulation = "pytorch"
    if kind == "gru":
        after = two_rows if bias is not None else (reset_default if reset_after is None else bool(reset_after))
        if bias is not None and reset_after is not None and bool(reset_after) != two_rows:
            raise ValueError(f"keras: {what}: config reset_after={reset_after} but the bias has shape {bias.shape}")
        order = (1, 0, 2)  # z, r, h -> r, z, n
        W_ih, W_hh = blocks(W_ih, order, H), blocks(W_hh, order, H)
        b_ih, b_hh = blocks(b_ih, order, H), blocks(b_hh, order, H)
        if not after:  # the book's formulation: its z is Keras's 1 - z
            formulation = "dlfs2"
            W_ih, W_hh, b_ih = negate_block(W_ih, 1, H), negate_block(W_hh, 1, H), negate_block(b_ih, 1, H)
    return {"weight_ih": W_ih, "weight_hh": W_hh, "bias_ih": b_ih, "bias_hh": b_hh}, formulation


def _spec(
    name: str,
    kind: str,
    fmt: str,
    options: dict[str, Any],
    directions: list[tuple[dict[str, np.ndarray], str]],
    reverse: bool,
    notes: tuple[str, ...],
) -> RecurrentSpec:
    state: dict[str, np.ndarray] = {}
    for (params, _), suffix in zip(directions, ("_l0", "_l0_reverse"), strict=False):
        state.update({f"{key}{suffix}": value for key, value in params.items()})
    formulations = {f for _, f in directions}
    if len(formulations) != 1:
        raise ValueError(f"keras: {show(name)}: the two directions differ in GRU formulation")
    D, H = spec_shapes(state, kind, f"keras: {show(name)}")
    return RecurrentSpec(
        name=name,
        kind=kind,
        D=D,
        H=H,
        num_layers=1,
        bidirectional=len(directions) == 2,
        fmt=fmt,
        activation=options["activation"],
        gate_activation=None if kind == "rnn" else options["gate_activation"],
        formulation=formulations.pop(),
        state=state,
        reverse=reverse,
        notes=notes,
    )


# --- Keras 3: layers/<snake_case class>[_n]/cell/vars/0..2 -----------------------------------------------------


def _snake(name: str) -> str:
    """keras.src.utils.naming.to_snake_case: how Keras 3 names a layer's group in the weights file."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _k3_cell(group: Any, what: str, max_bytes: int) -> list[np.ndarray] | None:
    """The variables 0, 1[, 2] of a Keras 3 recurrent layer group (``cell/vars``), or None when it has none."""
    import h5py

    if not isinstance(group, h5py.Group) or not isinstance(group.get("cell"), h5py.Group):
        return None
    vars_ = group["cell"].get("vars")
    if not isinstance(vars_, h5py.Group):
        return None
    keys = sorted(vars_.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    if keys not in (["0", "1"], ["0", "1", "2"]):
        raise ValueError(
            f"keras: {what}: expected variables 0, 1[, 2] (kernel, recurrent_kernel, bias), got {keys[:6]}"
        )
    return [_dataset(vars_[k], f"{what}/cell/vars/{k}", max_bytes) for k in keys]


def _kind_of_shapes(arrays: list[np.ndarray], what: str) -> str:
    recurrent = arrays[1]
    if recurrent.ndim == 2 and recurrent.shape[0] >= 1 and recurrent.shape[1] % recurrent.shape[0] == 0:
        k = recurrent.shape[1] // recurrent.shape[0]
        for kind, gates in _GATES.items():
            if gates == k:
                return kind
    raise ValueError(f"keras: {what}: recurrent_kernel shape {recurrent.shape} is not (H, H), (H, 3H) or (H, 4H)")


def _read_keras3(root: Any, config: Any, max_bytes: int, defaults: dict[str, Any]) -> list[RecurrentSpec]:
    out: list[RecurrentSpec] = []
    if config is not None:
        layers = config.get("config", {}).get("layers") if isinstance(config, dict) else None
        if isinstance(layers, list) and "layers" in root:
            _k3_walk(layers, root["layers"], "layers", max_bytes, defaults, out, 0)
        elif isinstance(config, dict) and config.get("class_name") in (*RECURRENT, "Bidirectional", "RNN"):
            _k3_layer(config, root, config.get("config", {}).get("name", "layer"), max_bytes, defaults, out)
        return out
    _k3_scan(root, "", max_bytes, defaults, out, 0)
    return out


def _k3_walk(
    layers: list[Any],
    group: Any,
    path: str,
    max_bytes: int,
    defaults: dict[str, Any],
    out: list[RecurrentSpec],
    depth: int,
) -> None:
    """Config layers matched to the groups Keras 3 named by snake_case class name and a per-class counter."""
    if depth > MAX_DEPTH:
        raise ValueError("keras: models nest too deeply")
    used: dict[str, int] = {}
    for layer in layers:
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            continue
        snake = _snake(layer["class_name"])
        used[snake] = used.get(snake, -1) + 1
        key = snake if used[snake] == 0 else f"{snake}_{used[snake]}"
        sub = group.get(key)
        if sub is None:
            continue
        cfg = _config_of(layer)
        inner = cfg.get("layers")
        if isinstance(inner, list) and "layers" in sub:  # a nested Sequential/Functional model
            _k3_walk(inner, sub["layers"], f"{path}/{key}/layers", max_bytes, defaults, out, depth + 1)
        else:
            _k3_layer(layer, sub, str(cfg.get("name", key)), max_bytes, defaults, out)


def _config_of(layer: dict[str, Any]) -> dict[str, Any]:
    cfg = layer.get("config")
    return cfg if isinstance(cfg, dict) else {}


def _k3_kind(layer: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, class name, config) of a recurrent layer config (an RNN wrapping a known cell counts), else None."""
    cls = layer.get("class_name")
    cfg = _config_of(layer)
    if not isinstance(cls, str):
        return None
    if cls in RECURRENT:
        return RECURRENT[cls], cls, cfg
    if cls == "RNN" and isinstance(cfg.get("cell"), dict) and cfg["cell"].get("class_name") in CELLS:
        cell = cfg["cell"]
        merged = dict(cell.get("config") or {})
        merged.update({k: cfg[k] for k in ("go_backwards", "stateful") if k in cfg})
        kind = CELLS[cell["class_name"]]
        return kind, {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind], merged
    return None


def _k3_layer(
    layer: dict[str, Any], group: Any, name: str, max_bytes: int, defaults: dict[str, Any], out: list[RecurrentSpec]
) -> None:
    if layer.get("class_name") == "Bidirectional":
        cfg = _config_of(layer)
        found = []
        for side, key in (("forward_layer", "layer"), ("backward_layer", "backward_layer")):
            sub_cfg = cfg.get(key) or cfg.get("layer")
            known = _k3_kind(sub_cfg) if isinstance(sub_cfg, dict) else None
            arrays = _k3_cell(group[side], f"{name}/{side}", max_bytes) if side in group else None
            if known is None or arrays is None:
                return
            found.append((known, arrays))
        (kind, cls, fcfg), _ = found[0]
        if found[1][0][0] != kind:
            raise ValueError(f"keras: Bidirectional {show(name)}: forward and backward layers differ in kind")
        options = _layer_options(cls, fcfg, "keras3", defaults)
        back = _layer_options(found[1][0][1], found[1][0][2], "keras3", defaults)
        if (options["activation"], options["gate_activation"]) != (back["activation"], back["gate_activation"]):
            raise ValueError(f"keras: Bidirectional {show(name)}: the directions differ in activations")
        directions = [
            _directions(kind, c, arr, o, f"{name}/{s}")
            for ((kind, c, _), arr), o, s in zip(
                found, (options, back), ("forward_layer", "backward_layer"), strict=True
            )
        ]
        notes = (*options["notes"], f"merge_mode={cfg.get('merge_mode', 'concat')!s}: the stack's output is the concat")
        out.append(_spec(name, kind, "keras3", options, directions, False, notes))
        return
    known = _k3_kind(layer)
    if known is None:
        return
    kind, cls, cfg = known
    arrays = _k3_cell(group, name, max_bytes)
    if arrays is None:
        return
    options = _layer_options(cls, cfg, "keras3", defaults)
    direction = _directions(kind, cls, arrays, options, name)
    out.append(_spec(name, kind, "keras3", options, [direction], options["go_backwards"], options["notes"]))


def _directions(
    kind: str, cls: str, arrays: list[np.ndarray], options: dict[str, Any], what: str
) -> tuple[dict[str, np.ndarray], str]:
    if _kind_of_shapes(arrays, what) != kind:
        raise ValueError(
            f"keras: {what}: the config says {cls} but the weights' shapes are a {_kind_of_shapes(arrays, what)}"
        )
    bias = arrays[2] if len(arrays) == 3 else None
    return _to_pytorch(kind, cls, arrays[0], arrays[1], bias, options["reset_after"], options["reset_default"], what)


def _k3_scan(
    group: Any, path: str, max_bytes: int, defaults: dict[str, Any], out: list[RecurrentSpec], depth: int
) -> None:
    """A weights-only Keras 3 file: recurrent layers recognised by their groups (cell/vars, or forward_layer and
    backward_layer) and kinds by their shapes."""
    import h5py

    if depth > MAX_DEPTH:
        return
    for key in group:
        sub = group[key]
        if not isinstance(sub, h5py.Group):
            continue
        where = f"{path}/{key}" if path else key
        name = where.removeprefix("layers/")
        if "forward_layer" in sub and "backward_layer" in sub:
            fwd = _k3_cell(sub["forward_layer"], f"{name}/forward_layer", max_bytes)
            bwd = _k3_cell(sub["backward_layer"], f"{name}/backward_layer", max_bytes)
            if fwd is not None and bwd is not None:
                kind = _kind_of_shapes(fwd, name)
                options = _layer_options("", None, "keras3", defaults)
                cls = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
                directions = [_directions(kind, cls, a, options, name) for a in (fwd, bwd)]
                out.append(_spec(name, kind, "keras3", options, directions, False, options["notes"]))
                continue
        arrays = _k3_cell(sub, name, max_bytes) if key != "cell" else None
        if arrays is not None:
            kind = _kind_of_shapes(arrays, name)
            options = _layer_options("", None, "keras3", defaults)
            cls = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
            out.append(
                _spec(
                    name,
                    kind,
                    "keras3",
                    options,
                    [_directions(kind, cls, arrays, options, name)],
                    False,
                    options["notes"],
                )
            )
            continue
        _k3_scan(sub, where, max_bytes, defaults, out, depth + 1)


# --- Keras 2 (and Keras 3's legacy .h5): layer_names, weight_names, <layer>/<weight path> ------------------------


def _config_index(config: Any) -> dict[str, dict[str, Any]]:
    """Every layer config by name (nested models and Bidirectional's inner layers included)."""
    index: dict[str, dict[str, Any]] = {}
    for node in _dicts(config):
        cfg = node.get("config")
        if isinstance(node.get("class_name"), str) and isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            index.setdefault(cfg["name"], node)
    return index


def _read_keras2(group: Any, config: Any, max_bytes: int, defaults: dict[str, Any], era: str) -> list[RecurrentSpec]:
    fmt = "keras2" if era == "keras2" else "keras3-h5"
    index = _config_index(config) if config is not None else {}
    out: list[RecurrentSpec] = []
    for layer_name in _names_attr(group, "layer_names") or []:
        if layer_name not in group:
            raise ValueError(f"keras: layer_names lists {show(layer_name)} but the file has no such group")
        layer_group = group[layer_name]
        weight_names = _names_attr(layer_group, "weight_names") or []
        # cells: weights grouped by their path without the last part (".../lstm_cell/kernel:0")
        cells: dict[str, dict[str, str]] = {}
        for weight in weight_names:
            parent, _, base = weight.rpartition("/")
            cells.setdefault(parent, {})[base.split(":")[0]] = weight
        pending: dict[str, list[tuple[str, dict[str, str]]]] = {}
        for parent, params in cells.items():
            if "kernel" not in params or "recurrent_kernel" not in params:
                continue
            owner, side = _owner(parent, layer_name)
            pending.setdefault(owner, []).append((side, params))
            pending[owner].sort(key=lambda item: item[0] == "backward")
        for owner, sides in pending.items():
            out.append(_k2_module(owner, sides, layer_group, index, layer_name, max_bytes, defaults, era, fmt))
    return out


def _owner(parent: str, layer_name: str) -> tuple[str, str]:
    """The layer a cell's weights belong to, and its side ("forward"/"backward" in a Bidirectional, else "").

    Keras 2.2 writes ``lstm_1/kernel:0``, tf.keras ``lstm/lstm_cell/kernel:0`` and
    ``bidirectional/forward_lstm/lstm_cell/kernel:0``, Keras 3's legacy .h5 ``sequential/lstm/lstm_cell/kernel``.
    """
    parts = [p for p in parent.split("/") if p] or [layer_name]
    for i, part in enumerate(parts):
        if i > 0 and part.startswith(("forward_", "backward_")):
            return parts[i - 1], part.split("_", 1)[0]
    if len(parts) >= 2 and parts[-1].endswith("_cell"):
        return parts[-2], ""
    return parts[-1], ""


def _k2_module(
    owner: str,
    sides: list[tuple[str, dict[str, str]]],
    layer_group: Any,
    index: dict[str, dict[str, Any]],
    layer_name: str,
    max_bytes: int,
    defaults: dict[str, Any],
    era: str,
    fmt: str,
) -> RecurrentSpec:
    name = owner
    node = index.get(name)
    cls_cfg: tuple[str, dict[str, Any] | None] = ("", None)
    if node is not None:
        cls = node.get("class_name")
        if cls == "Bidirectional":
            inner = node["config"].get("layer")
            known = _k3_kind(inner) if isinstance(inner, dict) else None
            if known is not None:
                cls_cfg = (known[1], known[2])
        else:
            known = _k3_kind(node)
            if known is not None:
                cls_cfg = (known[1], known[2])
    cls, cfg = cls_cfg
    bidirectional = [s for s, _ in sides] == ["forward", "backward"]
    if len(sides) != 1 and not bidirectional:
        raise ValueError(f"keras: {show(owner)}: expected one cell or a forward and a backward one")
    directions = []
    options = _layer_options(cls or "LSTM", cfg, era, defaults)
    kind = ""
    for _, params in sides:
        arrays = [
            _dataset(layer_group.get(params[p]), f"{layer_name}/{params[p]}", max_bytes)
            for p in ("kernel", "recurrent_kernel", "bias")
            if p in params
        ]
        kind = _kind_of_shapes(arrays, owner)
        if cls and RECURRENT.get(cls) != kind:
            raise ValueError(f"keras: {show(owner)}: the config says {cls} but the weights' shapes are a {kind}")
        directions.append(
            _to_pytorch(
                kind,
                cls or kind,
                arrays[0],
                arrays[1],
                arrays[2] if len(arrays) == 3 else None,
                options["reset_after"],
                options["reset_default"],
                owner,
            )
        )
    reverse = options["go_backwards"] and not bidirectional
    return _spec(name, kind, fmt, options, directions, reverse, options["notes"])
