"""ONNX graphs read safely: the ``LSTM``, ``GRU`` and ``RNN`` nodes of a ``.onnx`` file's graph and subgraphs
(an ``If``'s branches), with weights as initializers, ``Constant`` node outputs, or constant subgraphs of
``Identity``/``Unsqueeze``/``Squeeze``/``Concat``/``Slice``/``Reshape``/``Transpose``/``Cast`` folded with NumPy
(how PyTorch exports an LSTMCell's gate reordering). Nothing else of the graph runs. ``onnx`` is imported only
when such a file is read. A stacked model is one node per layer: one spec each, in graph order.

Mapping to PyTorch's layout (onnx/defs/rnn/defs.cc; onnx/reference/ops/op_{lstm,gru,rnn}.py):

- W [dirs, kH, D] and R [dirs, kH, H] are W_ih and W_hh per direction (already rows = gates, as PyTorch).
  B [dirs, 2kH] = [Wb | Rb] gives b_ih and b_hh; no B means zero biases.
- LSTM gates i, o, f, c become i, f, g, o. Non-zero peepholes P are refused by name (the core has none).
- GRU gates z, r, h become r, z, n. ``linear_before_reset=1`` is PyTorch's GRU (h = (1 − z) ⊙ h̃ + z ⊙ h₋₁ in
  both); ``0`` resets before the matmul: the book's ("dlfs2") formulation, whose z updates where ONNX's keeps, so
  the z rows and both z biases are negated (σ(−a) = 1 − σ(a)).
- direction "forward" is one layer, "bidirectional" a one-layer bidirectional stack (Y's direction axis is
  PyTorch's concat), "reverse" a spec with ``reverse=True`` (the layer run on x[::-1]; Y is then its output
  flipped back in time).
- ``activations`` (default Sigmoid, Tanh[, Tanh]) are recorded; HardSigmoid with ONNX's default alpha 0.2 and
  beta 0.5 is Keras 2's hard sigmoid (``hard_sigmoid_keras2``); ``RecurrentSpec.build`` refuses what the core does
  not compute. ``layout=1``, ``clip`` and ``input_forget=1`` are refused by name.

Safety: tensors with external data (``data_location`` EXTERNAL, e.g. a path to /etc/passwd) are refused before any
weight is read, each tensor's declared dims are checked against ``max_bytes`` and against the bytes it really
holds, and a protobuf that does not parse (truncated, claiming more than it holds) is a ValueError.
"""

from __future__ import annotations

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

OPS = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}
_DEFAULT_ACTIVATIONS = {"rnn": ["Tanh"], "gru": ["Sigmoid", "Tanh"], "lstm": ["Sigmoid", "Tanh", "Tanh"]}
_ITEMSIZE = {1: 4, 10: 2, 11: 8, 6: 4, 7: 8}  # FLOAT, FLOAT16, DOUBLE; INT32, INT64 (shapes, axes)
_EXTERNAL = 1  # TensorProto.EXTERNAL
MAX_GRAPH_DEPTH = 32


def read_onnx(source: Source, *, max_bytes: int = MAX_BYTES) -> list[RecurrentSpec]:
    """The ``RNN``/``LSTM``/``GRU`` nodes of an ONNX model, in graph order, then those of subgraphs (named by
    their path, e.g. ``If_0/then_branch/…/LSTM``).

    ``source`` is a path, bytes or a binary file object of at most ``max_bytes``. Every refusal is a ValueError
    naming the problem; an empty list means a readable model without recurrent nodes.
    """
    data = read_source(source, max_bytes, "onnx")
    import onnx
    from google.protobuf.message import DecodeError

    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError, RecursionError) as exc:
        raise ValueError(f"onnx: not a readable ONNX protobuf ({str(exc)[:80]})") from None
    if not model.HasField("graph"):
        raise ValueError("onnx: the protobuf has no graph: not an ONNX model")
    for tensor, where in _all_tensors(model.graph, "graph", 0):
        if tensor.data_location == _EXTERNAL or len(tensor.external_data):
            location = {e.key: e.value for e in tensor.external_data}.get("location", "?")
            raise ValueError(
                f"onnx: tensor {show(tensor.name or where)} keeps its data in an external file {show(location)}; "
                "only the given bytes are read, so it is refused"
            )
    out: list[RecurrentSpec] = []
    try:
        _scan_graph(model.graph, "", None, max_bytes, out, 0)
    except (UnicodeDecodeError, KeyError, TypeError, AttributeError, IndexError, RuntimeError) as exc:
        raise ValueError(f"onnx: malformed model ({type(exc).__name__}: {str(exc)[:80]})") from None
    return out


def _scan_graph(
    graph: Any, prefix: str, parent: _Scope | None, max_bytes: int, out: list[RecurrentSpec], depth: int
) -> None:
    """The recurrent nodes of a graph, then of its subgraphs (an If's branches: real exports put their LSTMs
    there), each named by its path."""
    if depth > MAX_GRAPH_DEPTH:
        raise ValueError(f"onnx: subgraphs nest deeper than {MAX_GRAPH_DEPTH} levels")
    scope = _Scope(graph, parent, max_bytes)
    used = {spec.name for spec in out}
    for i, node in enumerate(graph.node):
        if node.op_type in OPS and node.domain in ("", "ai.onnx"):
            name = prefix + (node.name or f"{node.op_type}_{i}")
            if name in used:
                name = f"{name}_{i}"
            used.add(name)
            out.append(_node_spec(node, name, scope, max_bytes))
        for attr in node.attribute:
            subgraphs = ([attr.g] if attr.HasField("g") else []) + list(attr.graphs)
            for j, sub in enumerate(subgraphs):
                label = attr.name if len(subgraphs) == 1 else f"{attr.name}[{j}]"
                _scan_graph(sub, f"{prefix}{node.name or node.op_type}/{label}/", scope, max_bytes, out, depth + 1)


# Constant subgraphs folded with NumPy: exporters reorder gates with Slice/Concat/Unsqueeze of constants
# (PyTorch's LSTMCell export); nothing else of the graph is run.
FOLDABLE = ("Identity", "Unsqueeze", "Squeeze", "Concat", "Slice", "Reshape", "Transpose", "Cast")
MAX_FOLDS = 10_000


class _Scope:
    """The constants of one graph (initializers, Constant nodes, foldable nodes), falling back to the enclosing
    graph's, as ONNX's scoping of subgraphs allows."""

    def __init__(self, graph: Any, parent: _Scope | None, max_bytes: int) -> None:
        self.tensors: dict[str, Any] = {t.name: t for t in graph.initializer}
        self.producers: dict[str, Any] = {}
        for node in graph.node:
            if node.op_type == "Constant" and len(node.output) == 1:
                for attr in node.attribute:
                    if attr.name == "value" and attr.HasField("t"):
                        self.tensors[node.output[0]] = attr.t
            elif node.op_type in FOLDABLE and node.domain in ("", "ai.onnx"):
                for output in node.output:
                    self.producers[output] = node
        self.parent = parent
        self.max_bytes = max_bytes
        self.cache: dict[str, np.ndarray] = {}
        self.folds: list[int] = parent.folds if parent is not None else [0]  # one count for the whole model

    def value(self, key: str, what: str, depth: int = 0) -> np.ndarray | None:
        """The constant array named ``key``, or None when the graph computes it from its inputs."""
        if key in self.cache:
            return self.cache[key]
        if key in self.tensors:
            arr = _array(self.tensors[key], f"{what} ({show(key)})", self.max_bytes)
        elif key in self.producers:
            if depth > MAX_GRAPH_DEPTH:
                return None
            self.folds[0] += 1
            if self.folds[0] > MAX_FOLDS:
                raise ValueError(f"onnx: more than {MAX_FOLDS} constant nodes to fold")
            folded = _fold(self.producers[key], self, what, depth + 1)
            if folded is None:
                return None
            arr = folded
            check_declared(arr.shape, arr.dtype.itemsize, self.max_bytes, f"onnx: {what} ({show(key)})")
        elif self.parent is not None:
            return self.parent.value(key, what, depth)
        else:
            return None
        self.cache[key] = arr
        return arr


def _ints(arr: np.ndarray | None) -> list[int] | None:
    return None if arr is None else [int(v) for v in np.asarray(arr).ravel()]


def _fold(node: Any, scope: _Scope, what: str, depth: int) -> np.ndarray | None:
    """One foldable node on constant inputs (None when an input is not constant)."""
    attrs = _attributes(node)
    args: list[np.ndarray | None] = []
    for key in node.input:
        if not key:
            args.append(None)
            continue
        arr = scope.value(key, what, depth)
        if arr is None:
            return None
        args.append(arr)
    x = args[0] if args else None
    if x is None:
        return None
    op = node.op_type
    try:
        if op == "Identity":
            return x
        if op in ("Unsqueeze", "Squeeze"):
            axes = _ints(args[1]) if len(args) > 1 else attrs.get("axes")
            if op == "Squeeze":
                return np.squeeze(x, axis=None if axes is None else tuple(axes))
            out = x
            for axis in sorted(int(a) % (x.ndim + len(axes or [])) for a in axes or []):
                out = np.expand_dims(out, axis)
            return out
        if op == "Concat":
            if any(a is None for a in args):
                return None
            parts = [a for a in args if a is not None]
            check_declared((sum(a.nbytes for a in parts),), 1, scope.max_bytes, f"onnx: {what}: Concat")  # before
            return np.concatenate(parts, axis=int(attrs.get("axis", 0)))
        if op == "Slice":
            if len(args) > 1:
                starts, ends = _ints(args[1]), _ints(args[2])
                axes = _ints(args[3]) if len(args) > 3 else None
                steps = _ints(args[4]) if len(args) > 4 else None
            else:
                starts, ends, axes, steps = attrs.get("starts"), attrs.get("ends"), attrs.get("axes"), None
            if starts is None or ends is None:
                return None
            axes = axes or list(range(len(starts)))
            steps = steps or [1] * len(starts)
            index = [slice(None)] * x.ndim
            for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
                if step == 0:
                    raise ValueError("a Slice step of 0")
                index[int(axis) % x.ndim] = slice(int(start), int(end), int(step))
            return x[tuple(index)]
        if op == "Reshape":
            shape = _ints(args[1]) if len(args) > 1 else None
            if shape is None:
                return None
            if not attrs.get("allowzero", 0):
                shape = [x.shape[i] if s == 0 and i < x.ndim else s for i, s in enumerate(shape)]
            return x.reshape(shape)
        if op == "Transpose":
            perm = attrs.get("perm")
            return np.transpose(x, None if perm is None else [int(p) for p in perm])
        if op == "Cast":
            to = int(attrs.get("to", 0))
            if to not in _ITEMSIZE:
                return None
            check_declared(x.shape, 8, scope.max_bytes, f"onnx: {what}: Cast")
            return x.astype({1: np.float32, 10: np.float16, 11: np.float64, 6: np.int32, 7: np.int64}[to])
    except (ValueError, IndexError, TypeError) as exc:
        raise ValueError(
            f"onnx: {what}: folding {node.op_type} node {show(node.name)} failed ({str(exc)[:60]})"
        ) from None
    return None


def _all_tensors(graph: Any, where: str, depth: int) -> Any:
    """Every TensorProto of a graph: initializers and node attributes, in subgraphs too (depth bounded)."""
    if depth > MAX_GRAPH_DEPTH:
        raise ValueError(f"onnx: subgraphs nest deeper than {MAX_GRAPH_DEPTH} levels")
    for tensor in graph.initializer:
        yield tensor, f"{where} initializer"
    for sparse in graph.sparse_initializer:
        yield sparse.values, f"{where} sparse initializer"
        yield sparse.indices, f"{where} sparse initializer"
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t, f"{where} node {node.name or node.op_type}"
            for tensor in attr.tensors:
                yield tensor, f"{where} node {node.name or node.op_type}"
            subgraphs = ([attr.g] if attr.HasField("g") else []) + list(attr.graphs)
            for sub in subgraphs:
                yield from _all_tensors(sub, f"{where}/{node.name or node.op_type}", depth + 1)


def _array(tensor: Any, what: str, max_bytes: int) -> np.ndarray:
    """A weight tensor as float64, its declared size checked against ``max_bytes`` and against its real bytes."""
    from onnx import numpy_helper

    dims = tuple(int(d) for d in tensor.dims)
    itemsize = _ITEMSIZE.get(tensor.data_type)
    if itemsize is None:
        raise ValueError(f"onnx: {what} has data type {tensor.data_type}, expected float, float16, double or int")
    size = check_declared(dims, itemsize, max_bytes, f"onnx: {what}")
    count = size // itemsize
    if tensor.HasField("raw_data"):
        held = len(tensor.raw_data)
        if held != size:
            raise ValueError(f"onnx: {what} declares shape {dims} = {size} bytes but holds {held} bytes")
    else:
        field = {
            1: tensor.float_data,
            10: tensor.int32_data,
            11: tensor.double_data,
            6: tensor.int32_data,
            7: tensor.int64_data,
        }[tensor.data_type]
        if len(field) != count:
            raise ValueError(f"onnx: {what} declares shape {dims} = {count} values but holds {len(field)}")
    try:
        arr = numpy_helper.to_array(tensor)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ValueError(f"onnx: {what} cannot be read ({str(exc)[:80]})") from None
    return np.asarray(arr)


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}


def _activation_names(kind: str, attrs: dict[str, Any], dirs: int, where: str) -> tuple[str, str | None]:
    """(activation, gate activation) of a node, the same in every direction, as the spec records them."""
    raw = attrs.get("activations")
    names = [a.decode() if isinstance(a, bytes) else str(a) for a in raw] if raw else _DEFAULT_ACTIVATIONS[kind] * dirs
    per = len(_DEFAULT_ACTIVATIONS[kind])
    if len(names) != per * dirs:
        raise ValueError(f"{where}: activations lists {len(names)} functions, expected {per * dirs}")
    alphas = list(attrs.get("activation_alpha") or [])
    betas = list(attrs.get("activation_beta") or [])
    spelled = []
    for i, name in enumerate(names):
        if name == "HardSigmoid":
            alpha = alphas[i] if len(alphas) == len(names) else (0.2 if not alphas else None)
            beta = betas[i] if len(betas) == len(names) else (0.5 if not betas else None)
            if alpha is None or beta is None:
                raise ValueError(
                    f"{where}: activation_alpha/activation_beta: cannot tell which values HardSigmoid takes"
                )
            if np.isclose(alpha, 0.2) and np.isclose(beta, 0.5):
                spelled.append(HARD_SIGMOID_KERAS2)
            elif np.isclose(alpha, 1 / 6) and np.isclose(beta, 0.5):
                spelled.append(HARD_SIGMOID_KERAS3)
            else:
                spelled.append(f"HardSigmoid(alpha={alpha:g}, beta={beta:g})")
        else:
            spelled.append({"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}.get(name, name))
    if dirs == 2 and spelled[:per] != spelled[per:]:
        raise ValueError(f"{where}: the two directions use different activations {spelled}")
    if kind == "rnn":
        return spelled[0], None
    if kind == "lstm" and spelled[1] != spelled[2]:
        return f"g={spelled[1]}, h={spelled[2]}", spelled[0]
    return spelled[1], spelled[0]


def _node_spec(node: Any, name: str, scope: _Scope, max_bytes: int) -> RecurrentSpec:
    kind = OPS[node.op_type]
    where = f"onnx: {node.op_type} node {show(name)}"
    attrs = _attributes(node)
    if int(attrs.get("layout", 0)) != 0:
        raise ValueError(f"{where}: layout={attrs['layout']} (batch-first inputs) is not supported")
    if "clip" in attrs:
        raise ValueError(f"{where}: clip={attrs['clip']:g} (clipped pre-activations) is not supported")
    if int(attrs.get("input_forget", 0)) != 0:
        raise ValueError(f"{where}: input_forget=1 (coupled input and forget gates) is not supported")
    direction = attrs.get("direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else str(direction)
    if direction not in ("forward", "reverse", "bidirectional"):
        raise ValueError(f"{where}: direction {show(direction)} is not forward, reverse or bidirectional")
    dirs = 2 if direction == "bidirectional" else 1
    inputs = list(node.input) + [""] * 8

    def weight(i: int, label: str) -> np.ndarray | None:
        key = inputs[i]
        if not key:
            return None
        arr = scope.value(key, f"{node.op_type} node {show(name)} {label}")
        if arr is None:
            raise ValueError(
                f"{where}: its {label} input {show(key)} is computed from the graph's inputs, not from constants; "
                "it cannot be read without running the graph"
            )
        if arr.dtype.kind != "f":
            raise ValueError(f"{where}: its {label} input has dtype {arr.dtype}, expected floating-point weights")
        return finite64(f"{where} {label}", arr)

    W, R, B = weight(1, "W"), weight(2, "R"), weight(3, "B")
    if W is None or R is None:
        raise ValueError(f"{where}: W and R are required inputs")
    k = _GATES[kind]
    if R.ndim != 3 or R.shape[0] != dirs or R.shape[1] != k * R.shape[2] or R.shape[2] < 1:
        raise ValueError(f"{where}: R has shape {R.shape}, expected [{dirs}, {k}H, H] for direction {direction}")
    H = R.shape[2]
    if "hidden_size" in attrs and int(attrs["hidden_size"]) != H:
        raise ValueError(f"{where}: hidden_size={attrs['hidden_size']} but R has H = {H}")
    if W.ndim != 3 or W.shape[:2] != (dirs, k * H) or W.shape[2] < 1:
        raise ValueError(f"{where}: W has shape {W.shape}, expected [{dirs}, {k * H}, D]")
    if B is None:
        B = np.zeros((dirs, 2 * k * H))
    if B.shape != (dirs, 2 * k * H):
        raise ValueError(f"{where}: B has shape {B.shape}, expected [{dirs}, {2 * k * H}]")
    notes = []
    if kind == "lstm":
        P = weight(7, "P")
        if P is not None and np.any(P != 0):
            raise ValueError(f"{where}: non-zero peepholes P (the core's LSTM has none)")
    if inputs[4]:
        notes.append("sequence_lens: every sequence runs its full length here")
    if inputs[5] or (kind == "lstm" and inputs[6]):
        notes.append("initial_h/initial_c of the graph are not used; h0 (and c0) default to zeros")
    activation, gate = _activation_names(kind, attrs, dirs, where)
    formulation = "pytorch"
    if kind == "gru" and int(attrs.get("linear_before_reset", 0)) == 0:
        formulation = "dlfs2"
    order = {"rnn": (0,), "lstm": (0, 2, 3, 1), "gru": (1, 0, 2)}[kind]  # i o f c -> i f g o; z r h -> r z n
    state: dict[str, np.ndarray] = {}
    for d in range(dirs):
        params = [blocks(a, order, H) for a in (W[d], R[d], B[d][: k * H], B[d][k * H :])]
        if formulation == "dlfs2":  # the book's z is ONNX's 1 - z
            params = [negate_block(a, 1, H) for a in params]
        suffix = "_l0_reverse" if d == 1 else "_l0"
        for key, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), params, strict=True):
            state[f"{key}{suffix}"] = value
    D, _ = spec_shapes(state, kind, where)
    return RecurrentSpec(
        name=name,
        kind=kind,
        D=D,
        H=H,
        num_layers=1,
        bidirectional=dirs == 2,
        fmt="onnx",
        activation=activation,
        gate_activation=gate,
        formulation=formulation,
        state=state,
        reverse=direction == "reverse",
        notes=tuple(notes),
    )
