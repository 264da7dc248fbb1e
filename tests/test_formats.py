"""Keras and ONNX readers (recurrent_core/io/keras.py, onnx.py): each loaded layer's forward against the framework's
own computation on the same weights and inputs, and hostile files refused fast with a ValueError naming the problem.

References: Keras 3 itself (KERAS_BACKEND=torch, float32 tolerances); for Keras 2 files (written here with h5py in
Keras 2's layout) an independent NumPy implementation of Keras 2's equations; onnxruntime for ONNX graphs (exported
by torch.onnx or built with onnx.helper); a trained voice-activity model shipped in the silero-vad wheel.
"""

from __future__ import annotations

import importlib.resources
import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import recurrent_core as rc
from recurrent_core.io.keras import read_keras
from recurrent_core.io.onnx import read_onnx

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is first imported (in the fixture below)
# Keras's torch backend converts tensors with np.array(x) (numpy 2 warns about the copy keyword)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def chain(specs: list[Any], x: np.ndarray) -> np.ndarray:
    """x (T, N, D) through the built layers one after the other (a Keras model's stacked layers)."""
    hs = x.astype(np.float64)
    for spec in specs:
        hs = rc.forward(spec.build(), hs).hs
    return hs


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


# --- Keras 3 --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras() -> Any:
    import keras

    assert keras.backend.backend() == "torch"
    return keras


def keras_model(keras: Any, layers: list[Any], D: int = 3, T: int = 6, seed: int = 0) -> Any:
    model = keras.Sequential([keras.Input((T, D)), *layers])
    rng = np.random.default_rng(seed)
    for v in model.weights:  # random biases too (Keras initialises them to zero, or one for the forget gate)
        v.assign(rng.normal(0.0, 0.5, size=tuple(v.shape)).astype("float32"))
    return model


KERAS3_CASES = {
    # name: (layers, expected (name, kind, bidirectional, formulation) per spec, weights-only activation)
    "simple_rnn": (lambda L: [L.SimpleRNN(4, return_sequences=True, name="simple_rnn")], "tanh"),
    "simple_rnn_relu": (
        lambda L: [L.SimpleRNN(4, activation="relu", return_sequences=True, name="simple_rnn")],
        "relu",
    ),
    "lstm": (lambda L: [L.LSTM(4, return_sequences=True, name="lstm")], "tanh"),
    "gru_reset_after": (lambda L: [L.GRU(4, return_sequences=True, name="gru")], "tanh"),
    "gru_reset_before": (lambda L: [L.GRU(4, reset_after=False, return_sequences=True, name="gru")], "tanh"),
    "bigru_reset_before": (
        lambda L: [L.Bidirectional(L.GRU(3, reset_after=False, return_sequences=True), name="bidirectional")],
        "tanh",
    ),
    "bilstm": (lambda L: [L.Bidirectional(L.LSTM(3, return_sequences=True), name="bidirectional")], "tanh"),
    "stacked": (
        lambda L: [
            L.LSTM(4, return_sequences=True, name="lstm"),
            L.Bidirectional(L.GRU(3, return_sequences=True), name="bidirectional"),
            L.SimpleRNN(2, return_sequences=True, name="simple_rnn"),
        ],
        "tanh",
    ),
    "rnn_of_lstm_cell": (lambda L: [L.RNN(L.LSTMCell(4), return_sequences=True, name="rnn")], "tanh"),
    "lstm_no_bias": (lambda L: [L.LSTM(4, use_bias=False, return_sequences=True, name="lstm")], "tanh"),
    "gru_no_bias": (lambda L: [L.GRU(4, use_bias=False, return_sequences=True, name="gru")], "tanh"),
    # without a bias nor a config, reset_after comes from the argument (see WEIGHTS_ONLY_ARGS)
    "gru_no_bias_reset_before": (
        lambda L: [L.GRU(4, use_bias=False, reset_after=False, return_sequences=True, name="gru")],
        "tanh",
    ),
}
WEIGHTS_ONLY_ARGS = {"gru_no_bias_reset_before": {"reset_after": False}}


@pytest.mark.parametrize("case", sorted(KERAS3_CASES))
def test_keras3_files_match_keras(keras: Any, tmp_path: Path, case: str) -> None:
    make, act = KERAS3_CASES[case]
    model = keras_model(keras, make(keras.layers))
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32")  # Keras: (N, T, D)
    want = keras.ops.convert_to_numpy(model(x)).transpose(1, 0, 2)  # (T, N, ·)
    order = [layer.name for layer in model.layers]
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.h5")  # Keras 3's legacy HDF5: Keras 2's layout, keras_version 3.x
    for file, fmt in (("m.keras", "keras3"), ("m.weights.h5", "keras3"), ("m.h5", "keras3-h5")):
        extra = WEIGHTS_ONLY_ARGS.get(case, {}) if file == "m.weights.h5" else {}
        specs = read_keras(tmp_path / file, activation=act, **extra)
        assert sorted(s.name for s in specs) == sorted(order), file
        specs.sort(key=lambda s: order.index(s.name))  # a weights-only file lists groups by name, not model order
        assert {s.fmt for s in specs} == {fmt}
        got = chain(specs, x.transpose(1, 0, 2))
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=0, err_msg=f"{case} {file}")
        for spec, layer in zip(specs, model.layers, strict=True):
            inner = getattr(layer, "forward_layer", layer)
            assert spec.bidirectional == hasattr(layer, "forward_layer")
            assert inner.cell.units == spec.H
            expected = "dlfs2" if getattr(inner.cell, "reset_after", True) is False else "pytorch"
            assert spec.formulation == expected


def test_keras3_functional_model_with_a_nested_model(keras: Any, tmp_path: Path) -> None:
    """Keras 3 names weight groups by class and counter, not by layer name: a Functional model holding a Dense
    and a nested Sequential is matched to its config; the Dense is applied here in NumPy between the layers."""
    L = keras.layers
    inp = keras.Input((6, 3))
    inner = keras.Sequential(
        [
            keras.Input((6, 5)),
            L.GRU(3, return_sequences=True, reset_after=False, name="g1"),
            L.LSTM(2, return_sequences=True, name="l2"),
        ],
        name="inner",
    )
    model = keras.Model(inp, inner(L.Dense(5, name="proj")(L.LSTM(4, return_sequences=True, name="enc")(inp))))
    rng = np.random.default_rng(21)
    for v in model.weights:
        v.assign(rng.normal(0, 0.5, size=tuple(v.shape)).astype("float32"))
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(model(x)).transpose(1, 0, 2)
    W, b = (keras.ops.convert_to_numpy(w) for w in model.get_layer("proj").weights)
    model.save(tmp_path / "f.keras")
    model.save(tmp_path / "f.h5")
    model.save_weights(tmp_path / "f.weights.h5")
    for file in ("f.keras", "f.h5"):
        specs = {s.name: s for s in read_keras(tmp_path / file)}
        assert sorted(specs) == ["enc", "g1", "l2"]
        h = rc.forward(specs["enc"].build(), x.transpose(1, 0, 2)).hs @ W + b
        h = rc.forward(specs["l2"].build(), rc.forward(specs["g1"].build(), h).hs).hs
        np.testing.assert_allclose(h, want, atol=2e-5, rtol=0, err_msg=file)
    weights_only = [(s.name, s.kind, s.D, s.H) for s in read_keras(tmp_path / "f.weights.h5")]
    assert weights_only == [
        ("lstm", "lstm", 3, 4),
        ("sequential/layers/gru", "gru", 5, 3),
        ("sequential/layers/lstm", "lstm", 3, 2),
    ]


def test_a_spec_is_read_only(keras: Any, tmp_path: Path) -> None:
    keras_model(keras, [keras.layers.LSTM(2, name="lstm")]).save(tmp_path / "m.keras")
    (spec,) = read_keras(tmp_path / "m.keras")
    with pytest.raises(TypeError):
        spec.state["weight_ih_l0"] = np.zeros((8, 3))  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        spec.state["weight_ih_l0"][0, 0] = 1.0
    layer = spec.build()
    layer.W_ih[0, 0] = 5.0  # the layer holds its own copy
    assert spec.state["weight_ih_l0"][0, 0] != 5.0


def test_keras3_bigru_builds_a_stack_with_the_books_formulation(keras: Any, tmp_path: Path) -> None:
    make, _ = KERAS3_CASES["bigru_reset_before"]
    keras_model(keras, make(keras.layers)).save(tmp_path / "m.keras")
    (spec,) = read_keras(tmp_path / "m.keras")
    stack = spec.build()
    assert isinstance(stack, rc.Stack) and stack.bidirectional and stack.kind == "gru"
    assert all(layer.formulation == "dlfs2" for layer in stack.layers)
    assert (spec.kind, spec.D, spec.H, spec.num_layers, spec.activation, spec.gate_activation) == (
        "gru",
        3,
        3,
        1,
        "tanh",
        "sigmoid",
    )


def test_keras3_go_backwards_is_a_reverse_layer(keras: Any, tmp_path: Path) -> None:
    model = keras_model(keras, [keras.layers.LSTM(4, go_backwards=True, return_sequences=True, name="lstm")])
    x = np.random.default_rng(2).normal(size=(2, 6, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(model(x)).transpose(1, 0, 2)
    model.save(tmp_path / "m.keras")
    (spec,) = read_keras(tmp_path / "m.keras")
    assert spec.reverse
    with pytest.raises(ValueError, match="reverse"):
        spec.build()
    got = rc.forward(spec.build(reverse_ok=True), x.transpose(1, 0, 2)[::-1].astype(np.float64)).hs
    np.testing.assert_allclose(got, want, atol=2e-5, rtol=0)


def test_keras3_hard_sigmoid_is_computed_and_activations_the_core_lacks_are_refused_by_name(
    keras: Any, tmp_path: Path
) -> None:
    L = keras.layers
    model = keras_model(
        keras,
        [
            L.LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm"),
            L.GRU(3, activation="relu", return_sequences=True, name="gru"),
        ],
    )
    model.save(tmp_path / "m.keras")
    lstm, gru = read_keras(tmp_path / "m.keras")
    assert lstm.gate_activation == "hard_sigmoid_keras3"  # Keras 3's: clip(x/6 + 1/2, 0, 1)
    layer = lstm.build()
    assert layer.gate_activation == "hard_sigmoid_keras3"
    x = np.random.default_rng(3).normal(size=(2, 6, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(model.layers[0](x)).transpose(1, 0, 2)
    got = rc.forward(layer, x.transpose(1, 0, 2).astype(np.float64)).hs
    np.testing.assert_allclose(got, want, atol=2e-5, rtol=0)
    assert gru.activation == "relu"
    with pytest.raises(ValueError, match="'relu'"):
        gru.build()


# --- Keras 2: the HDF5 layout written with h5py, Keras 2's equations in NumPy -----------------------------------

H2 = 4
D2 = 3


def k2_act(name: str) -> Any:
    return {
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "relu": lambda a: np.maximum(a, 0.0),
        "hard_sigmoid": lambda a: np.clip(0.2 * a + 0.5, 0.0, 1.0),  # Keras 2's backend.hard_sigmoid
    }[name]


def k2_simple_rnn(x: np.ndarray, w: dict[str, np.ndarray], act: str) -> np.ndarray:
    """Keras 2 SimpleRNNCell: h = act(x W + b + h U); x (T, N, D)."""
    W, U, b = w["kernel"], w["recurrent_kernel"], w["bias"]
    h = np.zeros((x.shape[1], U.shape[0]))
    out = []
    for xt in x:
        h = k2_act(act)(xt @ W + b + h @ U)
        out.append(h)
    return np.stack(out)


def k2_lstm(x: np.ndarray, w: dict[str, np.ndarray], act: str, ract: str) -> np.ndarray:
    """Keras 2 LSTMCell (gates i, f, c, o along the columns); CuDNNLSTM adds its two bias halves."""
    W, U, b = w["kernel"], w["recurrent_kernel"], w["bias"]
    Hn = U.shape[0]
    if b.shape == (8 * Hn,):
        b = b[: 4 * Hn] + b[4 * Hn :]
    f_act, f_ract = k2_act(act), k2_act(ract)
    h = np.zeros((x.shape[1], Hn))
    c = np.zeros_like(h)
    out = []
    for xt in x:
        z = xt @ W + h @ U + b
        i, f = f_ract(z[:, :Hn]), f_ract(z[:, Hn : 2 * Hn])
        c = f * c + i * f_act(z[:, 2 * Hn : 3 * Hn])
        o = f_ract(z[:, 3 * Hn :])
        h = o * f_act(c)
        out.append(h)
    return np.stack(out)


def k2_gru(x: np.ndarray, w: dict[str, np.ndarray], act: str, ract: str) -> np.ndarray:
    """Keras 2 GRUCell (gates z, r, h): reset_after when the bias has two rows (or is CuDNNGRU's 6H)."""
    W, U, b = w["kernel"], w["recurrent_kernel"], w["bias"]
    Hn = U.shape[0]
    reset_after = b.shape != (3 * Hn,)
    b_in, b_rec = b.reshape(2, 3 * Hn) if reset_after else (b, np.zeros(3 * Hn))
    f_act, f_ract = k2_act(act), k2_act(ract)
    h = np.zeros((x.shape[1], Hn))
    out = []
    for xt in x:
        xz, xr, xh = np.split(xt @ W + b_in, 3, axis=1)
        if reset_after:
            rz, rr, rh = np.split(h @ U + b_rec, 3, axis=1)
            z, r = f_ract(xz + rz), f_ract(xr + rr)
            hh = f_act(xh + r * rh)
        else:
            z = f_ract(xz + h @ U[:, :Hn])
            r = f_ract(xr + h @ U[:, Hn : 2 * Hn])
            hh = f_act(xh + (r * h) @ U[:, 2 * Hn :])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out)


K2_STEP = {"SimpleRNN": k2_simple_rnn, "LSTM": k2_lstm, "CuDNNLSTM": k2_lstm, "GRU": k2_gru, "CuDNNGRU": k2_gru}


def k2_layer(x: np.ndarray, cls: str, w: dict[str, np.ndarray], cfg: dict[str, Any]) -> np.ndarray:
    w = {key: value.astype(np.float64) for key, value in w.items()}  # the file's float32 values, then float64 math
    if cls == "SimpleRNN":
        return k2_simple_rnn(x, w, cfg["activation"])
    act, ract = cfg.get("activation", "tanh"), cfg.get("recurrent_activation", "sigmoid")
    return K2_STEP[cls](x, w, act, ract)


def k2_weights(rng: np.random.Generator, cls: str, D: int, reset_after: bool = False) -> dict[str, np.ndarray]:
    k = {"SimpleRNN": 1, "LSTM": 4, "CuDNNLSTM": 4, "GRU": 3, "CuDNNGRU": 3}[cls]
    bias_shape: tuple[int, ...] = (k * H2,)
    if cls.startswith("CuDNN"):
        bias_shape = (2 * k * H2,)
    elif cls == "GRU" and reset_after:
        bias_shape = (2, 3 * H2)
    shapes = {"kernel": (D, k * H2), "recurrent_kernel": (H2, k * H2), "bias": bias_shape}
    return {name: rng.normal(0, 0.5, size=shape).astype(np.float32) for name, shape in shapes.items()}


# (layer name, class, config, wrapped in Bidirectional, weight-name style)
K2_LAYERS: list[tuple[str, str, dict[str, Any], bool, str]] = [
    ("simple_rnn_1", "SimpleRNN", {"activation": "relu"}, False, "keras22"),
    ("lstm_1", "LSTM", {"activation": "tanh", "recurrent_activation": "sigmoid"}, False, "keras22"),
    ("gru_1", "GRU", {"activation": "tanh", "recurrent_activation": "sigmoid", "reset_after": False}, False, "keras22"),
    ("gru", "GRU", {"activation": "tanh", "recurrent_activation": "sigmoid", "reset_after": True}, False, "tf"),
    ("cu_dnnlstm_1", "CuDNNLSTM", {}, False, "keras22"),
    ("cu_dnngru_1", "CuDNNGRU", {}, False, "keras22"),
    ("bidirectional", "LSTM", {"activation": "tanh", "recurrent_activation": "sigmoid"}, True, "tf"),
    ("bidirectional_1", "CuDNNGRU", {}, True, "keras22"),
]


def weight_paths(name: str, cls: str, bidirectional: bool, style: str) -> list[tuple[str, str]]:
    """(direction prefix, weight path without the param name) as Keras 2.2 and tf.keras name them."""
    inner = cls.lower()
    cell = f"{inner}_cell" if style == "tf" else ""
    if not bidirectional:
        return [("", "/".join(p for p in (name, cell) if p))]
    return [(side, "/".join(p for p in (name, f"{side}_{inner}", cell) if p)) for side in ("forward", "backward")]


def write_keras2(path: Path, rng: np.random.Generator, with_config: bool = True) -> dict[str, Any]:
    """A Keras 2 .h5 in Keras 2's layout (keras/engine/saving.py): model_config JSON, model_weights/<layer> with
    weight_names; or, weights only, layer_names at the root. Returns the weights and configs to check against."""
    truth: dict[str, Any] = {}
    layer_configs = []
    with h5py.File(path, "w") as f:
        root = f.create_group("model_weights") if with_config else f
        root.attrs["layer_names"] = [n.encode() for n, *_ in K2_LAYERS]
        root.attrs["keras_version"] = b"2.2.4"
        root.attrs["backend"] = b"tensorflow"
        for name, cls, cfg, bi, style in K2_LAYERS:
            group = root.create_group(name)
            names, sides = [], {}
            for side, prefix in weight_paths(name, cls, bi, style):
                w = k2_weights(rng, cls, D2, reset_after=bool(cfg.get("reset_after")))
                sides[side] = w
                for param in ("kernel", "recurrent_kernel", "bias"):
                    key = f"{prefix}/{param}:0"
                    group.create_dataset(key, data=w[param])
                    names.append(key.encode())
            group.attrs["weight_names"] = names
            truth[name] = (cls, cfg, bi, sides)
            layer_cfg = {"class_name": cls, "config": {"name": name, "units": H2, "return_sequences": True, **cfg}}
            if bi:
                layer_cfg = {"class_name": "Bidirectional", "config": {"name": name, "layer": layer_cfg}}
            layer_configs.append(layer_cfg)
        if with_config:
            f.attrs["model_config"] = json.dumps(
                {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layer_configs}}
            ).encode()
            f.attrs["keras_version"] = b"2.2.4"
    return truth


def test_keras2_h5_matches_keras2_equations(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    truth = write_keras2(tmp_path / "model.h5", rng)
    specs = read_keras(tmp_path / "model.h5")
    assert [s.name for s in specs] == [n for n, *_ in K2_LAYERS]
    x = rng.normal(size=(7, 2, D2))
    for spec in specs:
        cls, cfg, bi, sides = truth[spec.name]
        assert (spec.fmt, spec.bidirectional, spec.D, spec.H) == ("keras2", bi, D2, H2)
        want = k2_layer(x, cls, sides[""] if not bi else sides["forward"], cfg)
        if bi:  # Keras runs the backward layer on the reversed sequence and reverses its outputs back
            want = np.concatenate([want, k2_layer(x[::-1], cls, sides["backward"], cfg)[::-1]], axis=-1)
        got = rc.forward(spec.build(), x).hs
        np.testing.assert_allclose(got, want, atol=1e-12, rtol=0, err_msg=spec.name)
    formulation = {s.name: s.formulation for s in specs}
    assert formulation["gru_1"] == "dlfs2" and formulation["gru"] == formulation["cu_dnngru_1"] == "pytorch"


def test_keras2_weights_only_takes_activations_from_the_arguments(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    truth = write_keras2(tmp_path / "weights.h5", rng, with_config=False)
    specs = {s.name: s for s in read_keras(tmp_path / "weights.h5", activation="tanh", gate_activation="sigmoid")}
    x = rng.normal(size=(5, 3, D2))
    for name in ("lstm_1", "gru_1", "gru", "cu_dnnlstm_1"):
        cls, cfg, _, sides = truth[name]
        got = rc.forward(specs[name].build(), x).hs
        np.testing.assert_allclose(got, k2_layer(x, cls, sides[""], cfg), atol=1e-12, rtol=0, err_msg=name)
    assert all("weights only" in " ".join(s.notes) for s in specs.values())


def test_keras2_hard_sigmoid_default_is_recorded_and_computed(tmp_path: Path) -> None:
    w = k2_weights(np.random.default_rng(5), "LSTM", D2)
    with h5py.File(tmp_path / "old.h5", "w") as f:
        f.attrs["model_config"] = json.dumps(
            {"class_name": "Sequential", "config": {"layers": [{"class_name": "LSTM", "config": {"name": "lstm_1"}}]}}
        )
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"lstm_1"]
        layer = g.create_group("lstm_1")
        layer.attrs["weight_names"] = [f"lstm_1/{p}:0".encode() for p in w]
        for p, value in w.items():
            layer.create_dataset(f"lstm_1/{p}:0", data=value)
    (spec,) = read_keras(tmp_path / "old.h5")
    assert spec.gate_activation == "hard_sigmoid_keras2"  # Keras 2.2's default recurrent_activation
    np.testing.assert_array_equal(spec.state["weight_ih_l0"], w["kernel"].T.astype(np.float64))
    x = np.random.default_rng(6).normal(size=(7, 2, D2)) * 3  # large enough that the clip is reached
    cfg = {"activation": "tanh", "recurrent_activation": "hard_sigmoid"}
    got = rc.forward(spec.build(), x).hs
    np.testing.assert_allclose(got, k2_layer(x, "LSTM", w, cfg), atol=1e-12, rtol=0)


# --- ONNX -----------------------------------------------------------------------------------------------------


def ort_run(model: onnx.ModelProto, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> list[Any]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(outputs, feeds)


# torch 2.9+ exports with torch.export (onnxscript) by default; the TorchScript exporter still writes LSTM/GRU/RNN
# nodes, offline, and warns that it is legacy
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning", "ignore::torch.jit.TracerWarning")
@pytest.mark.parametrize(
    "module",
    [
        lambda: torch.nn.LSTM(3, 4),
        lambda: torch.nn.GRU(3, 4, bidirectional=True),
        lambda: torch.nn.RNN(3, 4, nonlinearity="relu"),
        lambda: torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True),
    ],
    ids=["lstm", "bigru", "rnn_relu", "lstm_2_layers_bi"],
)
def test_torch_exported_onnx_matches_torch_and_onnxruntime(module: Any) -> None:
    torch.manual_seed(0)
    net = module().float()  # float32 whatever another test left as torch's default dtype: onnxruntime's LSTM needs it
    x = torch.randn(5, 2, 3, dtype=torch.float32)
    buf = io.BytesIO()
    torch.onnx.export(net, (x,), buf, dynamo=False)
    specs = read_onnx(buf.getvalue())
    assert len(specs) == net.num_layers  # one node per layer; a bidirectional node is a one-layer Stack
    got = chain(specs, x.numpy())
    with torch.no_grad():
        want = net(x)[0].numpy()
    np.testing.assert_allclose(got, want, atol=2e-6, rtol=0)
    (from_ort, *_) = ort_run(onnx.load_from_string(buf.getvalue()), _feeds(buf, x))
    np.testing.assert_allclose(got, from_ort, atol=2e-6, rtol=0)


def _feeds(buf: io.BytesIO, x: torch.Tensor) -> dict[str, np.ndarray]:
    model = onnx.load_from_string(buf.getvalue())
    return {model.graph.input[0].name: x.numpy()}


def onnx_node_model(
    op: str, D: int, H: int, attrs: dict[str, Any], weights: dict[str, np.ndarray], as_constants: bool = False
) -> onnx.ModelProto:
    """One RNN/GRU/LSTM node over X (T, N, D) with the given W, R, B (, P) as initializers or Constant nodes."""
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    names = ["X", "W", "R", "B", "", "", "", "P"][: 8 if "P" in weights else 4]
    nodes, inits = [], []
    for key, value in weights.items():
        tensor = numpy_helper.from_array(value.astype(np.float32), key)
        if as_constants:
            nodes.append(helper.make_node("Constant", [], [key], value=tensor))
        else:
            inits.append(tensor)
    nodes.append(helper.make_node(op, names, ["Y"], name=f"my_{op.lower()}", **attrs))
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "N", D])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["T", dirs, "N", H])],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def onnx_weights(op: str, dirs: int, D: int, H: int, seed: int, peepholes: bool = False) -> dict[str, np.ndarray]:
    k = {"RNN": 1, "GRU": 3, "LSTM": 4}[op]
    rng = np.random.default_rng(seed)
    w = {
        "W": rng.normal(0, 0.5, (dirs, k * H, D)),
        "R": rng.normal(0, 0.5, (dirs, k * H, H)),
        "B": rng.normal(0, 0.5, (dirs, 2 * k * H)),
    }
    if peepholes:
        w["P"] = np.zeros((dirs, 3 * H))
    return {key: value.astype(np.float32) for key, value in w.items()}


@pytest.mark.parametrize(
    ("op", "attrs", "formulation"),
    [
        ("GRU", {"direction": "bidirectional", "linear_before_reset": 0}, "dlfs2"),
        ("GRU", {"linear_before_reset": 1}, "pytorch"),
        ("GRU", {}, "dlfs2"),  # linear_before_reset defaults to 0
        ("RNN", {}, "pytorch"),
        ("RNN", {"activations": ["Relu", "Relu"], "direction": "bidirectional"}, "pytorch"),
        ("LSTM", {"direction": "bidirectional"}, "pytorch"),
    ],
)
@pytest.mark.parametrize("as_constants", [False, True], ids=["initializers", "constants"])
def test_onnx_nodes_match_onnxruntime(op: str, attrs: dict[str, Any], formulation: str, as_constants: bool) -> None:
    D, H = 3, 4
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    model = onnx_node_model(
        op, D, H, {"hidden_size": H, **attrs}, onnx_weights(op, dirs, D, H, 6, op == "LSTM"), as_constants
    )
    x = np.random.default_rng(7).normal(size=(6, 2, D)).astype(np.float32)
    (Y,) = ort_run(model, {"X": x})
    want = Y.transpose(0, 2, 1, 3).reshape(6, 2, dirs * H)  # [T, dirs, N, H] -> PyTorch's out (T, N, dirs·H)
    (spec,) = read_onnx(model.SerializeToString())
    assert (spec.name, spec.kind, spec.D, spec.H, spec.bidirectional) == (
        f"my_{op.lower()}",
        op.lower(),
        D,
        H,
        dirs == 2,
    )
    assert spec.formulation == formulation
    np.testing.assert_allclose(rc.forward(spec.build(), x).hs, want, atol=2e-6, rtol=0)


def test_onnx_reverse_node_is_the_layer_on_the_reversed_sequence() -> None:
    model = onnx_node_model("LSTM", 3, 4, {"hidden_size": 4, "direction": "reverse"}, onnx_weights("LSTM", 1, 3, 4, 8))
    x = np.random.default_rng(9).normal(size=(5, 2, 3)).astype(np.float32)
    (Y,) = ort_run(model, {"X": x})
    (spec,) = read_onnx(model.SerializeToString())
    assert spec.reverse
    with pytest.raises(ValueError, match="reverse"):
        spec.build()
    got = rc.forward(spec.build(reverse_ok=True), x[::-1]).hs[::-1]
    np.testing.assert_allclose(got, Y[:, 0], atol=2e-6, rtol=0)


@pytest.mark.parametrize(
    ("attrs", "peephole", "message"),
    [
        ({"layout": 1}, 0.0, "layout=1"),
        ({"clip": 3.0}, 0.0, "clip=3"),
        ({"input_forget": 1}, 0.0, "input_forget=1"),
        ({}, 0.5, "peepholes"),
    ],
)
def test_onnx_unsupported_attributes_are_refused_by_name(attrs: dict[str, Any], peephole: float, message: str) -> None:
    weights = onnx_weights("LSTM", 1, 3, 4, 10, peepholes=True)
    weights["P"] += peephole
    model = onnx_node_model("LSTM", 3, 4, {"hidden_size": 4, **attrs}, weights)
    with pytest.raises(ValueError, match=message):
        read_onnx(model.SerializeToString())


def test_onnx_hard_sigmoid_is_keras2s_and_matches_onnxruntime() -> None:
    acts = {"activations": ["HardSigmoid", "Tanh"]}  # ONNX HardSigmoid's defaults alpha 0.2, beta 0.5
    model = onnx_node_model("GRU", 3, 4, {"hidden_size": 4, **acts}, onnx_weights("GRU", 1, 3, 4, 11))
    (spec,) = read_onnx(model.SerializeToString())
    assert spec.gate_activation == "hard_sigmoid_keras2"
    layer = spec.build()
    assert layer.gate_activation == "hard_sigmoid_keras2"
    x = (np.random.default_rng(12).normal(size=(6, 2, 3)) * 3).astype(np.float32)
    (want, *_) = ort_run(model, {"X": x})
    got = rc.forward(layer, x.astype(np.float64)).hs
    np.testing.assert_allclose(got, want[:, 0], atol=2e-6, rtol=0)


def test_onnx_weights_computed_from_graph_inputs_are_refused() -> None:
    model = onnx_node_model("RNN", 3, 4, {"hidden_size": 4}, onnx_weights("RNN", 1, 3, 4, 12))
    model.graph.initializer.pop(0)  # W
    model.graph.input.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, [1, 4, 3]))
    with pytest.raises(ValueError, match="computed from the graph's inputs"):
        read_onnx(model.SerializeToString())


# --- a trained model from a public package: Silero VAD's LSTM (the silero-vad wheel ships .onnx files) ---------


@pytest.mark.parametrize(
    ("file", "feeds"),
    [
        (
            "silero_vad_16k_sequence.onnx",
            lambda x: {"input": x, "h": np.zeros((1, 1, 128), np.float32), "c": np.zeros((1, 1, 128), np.float32)},
        ),
        ("silero_vad_openvino_16k.onnx", lambda x: {"input": x[:1], "state": np.zeros((2, 1, 128), np.float32)}),
    ],
)
def test_silero_vad_lstm_matches_onnxruntime(file: str, feeds: Any) -> None:
    """A production voice-activity model: the LSTM's input and output read from onnxruntime as extra graph
    outputs, the LSTM recomputed by the core from the weights the reader found (folded from Slice/Concat of
    constants in the openvino export)."""
    path = importlib.resources.files("silero_vad") / "data" / file
    data = path.read_bytes()
    (spec,) = read_onnx(data)
    assert (spec.kind, spec.D, spec.H, spec.bidirectional) == ("lstm", 128, 128, False)
    model = onnx.load_from_string(data)
    node = next(n for n in model.graph.node if n.op_type == "LSTM")
    model.graph.output.extend(
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in (node.input[0], node.output[0])]
    )
    audio = (np.random.default_rng(13).normal(size=(4, 576)) * 0.1).astype(np.float32)
    X, Y = ort_run(model, feeds(audio), [node.input[0], node.output[0]])
    got = rc.forward(spec.build(), X).hs
    np.testing.assert_allclose(got, Y[:, 0], atol=1e-5, rtol=0)
    assert np.abs(Y).max() > 0.05  # a real signal, not zeros


def test_silero_vad_lstms_inside_if_branches_are_found() -> None:
    data = (importlib.resources.files("silero_vad") / "data" / "silero_vad.onnx").read_bytes()
    specs = read_onnx(data)
    assert len(specs) == 4 and all(s.kind == "lstm" and s.H == 128 for s in specs)
    assert all("/then_branch/" in s.name or "/else_branch/" in s.name for s in specs)


@pytest.fixture(scope="module")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """textgenrnn 2.0.0 (a trained character LSTM, Keras 2.1.5 weights) and chars2vec 0.1.7 (Keras 2.2.0 LSTMs):
    fetched with pip as CI can (their sdists, no install: they would pull TensorFlow), extracted here."""
    import subprocess
    import sys
    import tarfile

    where = tmp_path_factory.mktemp("sdists")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--quiet",
            "-d",
            str(where),
            "textgenrnn==2.0.0",
            "chars2vec==0.1.7",
        ],
        check=True,
        timeout=300,
    )
    wanted = ("textgenrnn_weights.hdf5", "textgenrnn_vocab.json", "eng_50/weights.h5")
    for archive in where.glob("*.tar.gz"):
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith(wanted)]
            tar.extractall(where, members=members, filter="data")
    return where


def test_textgenrnn_trained_lstms_match_keras2_equations_on_a_word(sdists: Path) -> None:
    """A trained text-generation model: its two LSTMs (weights only, recurrent_activation='sigmoid' in
    textgenrnn's code) fed the embedding rows of the characters of a word, against Keras 2's equations."""
    (weights,) = sdists.glob("textgenrnn-*/textgenrnn/textgenrnn_weights.hdf5")
    vocab = json.loads(next(sdists.glob("textgenrnn-*/textgenrnn/textgenrnn_vocab.json")).read_text())
    specs = read_keras(weights, activation="tanh", gate_activation="sigmoid")
    assert [(s.name, s.kind, s.D, s.H, s.fmt) for s in specs] == [
        ("rnn_1", "lstm", 100, 128, "keras2"),
        ("rnn_2", "lstm", 128, 128, "keras2"),
    ]
    with h5py.File(weights) as f:
        table = f["embedding/embedding/embeddings:0"][()]
        raw = {
            n: {p: f[f"{n}/{n}/{p}:0"][()] for p in ("kernel", "recurrent_kernel", "bias")} for n in ("rnn_1", "rnn_2")
        }
    x = table[[vocab[c] for c in "recurrent"]][:, None, :].astype(np.float64)  # (T, N=1, 100)
    cfg = {"activation": "tanh", "recurrent_activation": "sigmoid"}
    h1 = rc.forward(specs[0].build(), x).hs
    np.testing.assert_allclose(h1, k2_layer(x, "LSTM", raw["rnn_1"], cfg), atol=1e-12, rtol=0)
    h2 = rc.forward(specs[1].build(), h1).hs
    np.testing.assert_allclose(h2, k2_layer(h1, "LSTM", raw["rnn_2"], cfg), atol=1e-12, rtol=0)
    assert np.abs(h2).max() > 0.1


def test_chars2vec_keras2_weights_map_to_pytorch_layout(sdists: Path) -> None:
    """chars2vec's LSTMs (Keras 2.2.0 weights; its config is in a pickle, never read): kernel ↦ weight_ih
    transposed, one bias ↦ bias_ih; with Keras 2.2's default hard sigmoid gates, the core's layers equal Keras 2's
    equations on a character sequence."""
    (weights,) = sdists.glob("chars2vec-*/chars2vec/trained_models/eng_50/weights.h5")
    specs = read_keras(weights, gate_activation="hard_sigmoid_keras2")
    assert [(s.name, s.kind, s.D, s.H) for s in specs] == [("lstm_1", "lstm", 59, 50), ("lstm_2", "lstm", 50, 50)]
    with h5py.File(weights) as f:
        kernel, bias = f["lstm_1/lstm_1/kernel:0"][()], f["lstm_1/lstm_1/bias:0"][()]
    np.testing.assert_array_equal(specs[0].state["weight_ih_l0"], kernel.T)
    np.testing.assert_array_equal(specs[0].state["bias_ih_l0"], bias)
    assert not specs[0].state["bias_hh_l0"].any()
    with h5py.File(weights) as f:
        raw = {
            n: {p: f[f"{n}/{n}/{p}:0"][()] for p in ("kernel", "recurrent_kernel", "bias")}
            for n in ("lstm_1", "lstm_2")
        }
    x = np.eye(59)[[3, 14, 1, 20, 7, 40, 2]][:, None, :]  # one-hot characters (T, N=1, 59)
    cfg = {"activation": "tanh", "recurrent_activation": "hard_sigmoid"}
    h1 = rc.forward(specs[0].build(), x).hs
    np.testing.assert_allclose(h1, k2_layer(x, "LSTM", raw["lstm_1"], cfg), atol=1e-12, rtol=0)
    h2 = rc.forward(specs[1].build(), h1).hs
    np.testing.assert_allclose(h2, k2_layer(h1, "LSTM", raw["lstm_2"], cfg), atol=1e-12, rtol=0)
    assert np.abs(h2).max() > 0.01


# --- hostile files ---------------------------------------------------------------------------------------------


def refused(call: Any, match: str) -> None:
    """``call()`` raises a ValueError matching ``match``, fast."""
    start = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        call()
    assert time.perf_counter() - start < 2.0


def test_keras_zip_claiming_10_gb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        info = zipfile.ZipInfo("model.weights.h5")
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(b"\0" * 100)
        info.file_size = 10 * 2**30  # the central directory now claims 10 GB (zip64)
    refused(lambda: read_keras(path), r"claims 10737418240 bytes")


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    noise = np.random.default_rng(14).bytes(4096)
    refused(lambda: read_keras(b"\x89HDF\r\n\x1a\n" + noise), "not a readable HDF5")
    refused(lambda: read_keras(noise), "neither")
    refused(lambda: read_onnx(noise), "not a readable ONNX")


def test_hdf5_external_link_is_refused(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "link.h5", "w") as f:
        f.attrs["layer_names"] = [b"lstm"]
        g = f.create_group("lstm")
        g.attrs["weight_names"] = [b"lstm/kernel:0"]
        g["lstm/kernel:0"] = h5py.ExternalLink("/etc/passwd", "/data")
    refused(lambda: read_keras(tmp_path / "link.h5"), "external link")


def test_hdf5_virtual_and_externally_stored_datasets_are_refused(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "external.h5", "w") as f:
        f.create_dataset("lstm/kernel:0", shape=(3, 16), dtype="f4", external=[("/etc/passwd", 0, 192)])
    refused(lambda: read_keras(tmp_path / "external.h5"), "external files")
    layout = h5py.VirtualLayout(shape=(3, 16), dtype="f4")
    layout[:] = h5py.VirtualSource("/etc/passwd.h5", "data", shape=(3, 16))
    with h5py.File(tmp_path / "virtual.h5", "w") as f:
        f.create_virtual_dataset("lstm/kernel:0", layout)
    refused(lambda: read_keras(tmp_path / "virtual.h5"), "virtual")


def test_hdf5_dataset_declaring_2_to_the_40_elements_is_refused(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "huge.h5", "w") as f:
        f.attrs["layer_names"] = [b"lstm"]
        g = f.create_group("lstm")
        g.attrs["weight_names"] = [b"lstm/kernel:0"]
        g.create_dataset("lstm/kernel:0", shape=(2**20, 2**20), dtype="f4", chunks=(1, 1024))  # nothing stored
    assert (tmp_path / "huge.h5").stat().st_size < 100_000
    refused(lambda: read_keras(tmp_path / "huge.h5"), r"declares shape \(1048576, 1048576\)")


def test_onnx_external_data_is_refused_before_anything_is_read() -> None:
    model = onnx_node_model("RNN", 3, 4, {"hidden_size": 4}, onnx_weights("RNN", 1, 3, 4, 15))
    w = model.graph.initializer[0]
    w.ClearField("raw_data")
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="/etc/passwd")
    w.external_data.add(key="length", value="48")
    refused(lambda: read_onnx(model.SerializeToString()), "external file '/etc/passwd'")


def test_onnx_protobuf_claiming_more_than_it_holds_is_refused() -> None:
    model = onnx_node_model("GRU", 3, 4, {"hidden_size": 4}, onnx_weights("GRU", 1, 3, 4, 16))
    data = model.SerializeToString()
    refused(lambda: read_onnx(data[: len(data) // 2]), "not a readable ONNX")  # truncated: fields run past the end
    w = model.graph.initializer[0]
    del w.dims[:]
    w.dims.extend([1, 12000, 3000])  # 144 MB declared, 144 bytes held
    refused(lambda: read_onnx(model.SerializeToString(), max_bytes=2**30), "declares shape .* but holds 144 bytes")
    refused(lambda: read_onnx(model.SerializeToString()), "over the limit of max_bytes")


def keras_zip(config: str, weights: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", weights)
    return buf.getvalue()


def test_deeply_nested_keras_config_is_refused() -> None:
    deep = '{"a": ' * 50_000 + "1" + "}" * 50_000
    refused(lambda: read_keras(keras_zip(deep)), "nests deeper than 100 levels")


def test_keras_lambda_layer_is_refused_without_running_it(keras: Any, tmp_path: Path) -> None:
    model = keras.Sequential(
        [keras.Input((4, 3)), keras.layers.Lambda(lambda t: t * 2, name="double"), keras.layers.LSTM(2)]
    )
    model.save(tmp_path / "lambda.keras")
    refused(lambda: read_keras(tmp_path / "lambda.keras"), "Lambda layer 'double'")


def test_keras_custom_object_is_refused() -> None:
    config = {
        "module": None,
        "class_name": "Sequential",
        "config": {
            "layers": [{"module": "mypkg", "class_name": "MyRNN", "registered_name": "mypkg>MyRNN", "config": {}}]
        },
    }
    refused(lambda: read_keras(keras_zip(json.dumps(config))), "custom object 'mypkg>MyRNN'")


# --- bad input: a ValueError or a list, never another exception -------------------------------------------------


def k3_config(layers: Any) -> str:
    return json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": layers}})


@pytest.mark.parametrize(
    "config",
    [
        "[]",
        "3",
        '{"config": []}',
        k3_config({"a": 1}),
        k3_config([1, "x", None, {"class_name": 5}, {"class_name": "LSTM", "config": []}]),
        k3_config([{"class_name": "Bidirectional", "config": {"layer": 7}}]),
        k3_config([{"class_name": "Bidirectional", "config": []}]),
        k3_config([{"class_name": "RNN", "config": {"cell": {"class_name": "LSTMCell", "config": 3}}}]),
        k3_config([{"class_name": "LSTM", "config": {"name": ["x"], "activation": {"class_name": []}}}]),
    ],
)
def test_malformed_keras_configs_give_a_value_error_or_nothing(keras: Any, tmp_path: Path, config: str) -> None:
    model = keras_model(
        keras,
        [keras.layers.LSTM(2, return_sequences=True, name="lstm"), keras.layers.Bidirectional(keras.layers.GRU(2))],
    )
    model.save_weights(tmp_path / "w.weights.h5")
    data = keras_zip(config, (tmp_path / "w.weights.h5").read_bytes())
    try:
        specs = read_keras(data)
    except ValueError as exc:
        assert str(exc).startswith("keras:")
    else:
        assert isinstance(specs, list)


def test_keras2_weight_names_pointing_nowhere_are_refused(tmp_path: Path) -> None:
    write_keras2(tmp_path / "m.h5", np.random.default_rng(17))
    with h5py.File(tmp_path / "m.h5", "a") as f:
        f["model_weights/lstm_1"].attrs["weight_names"] = [
            b"lstm_1/kernel:0",
            b"lstm_1/recurrent_kernel:0",
            b"x/bias:0",
        ]
        del f["model_weights/lstm_1/lstm_1/recurrent_kernel:0"]
        f["model_weights/lstm_1/lstm_1/recurrent_kernel:0"] = np.zeros(3)  # right name, wrong shape
    refused(lambda: read_keras(tmp_path / "m.h5"), "lstm_1.*recurrent_kernel")


def test_onnx_with_flipped_bytes_gives_a_value_error_or_a_list() -> None:
    model = onnx_node_model(
        "LSTM", 3, 4, {"hidden_size": 4, "direction": "bidirectional"}, onnx_weights("LSTM", 2, 3, 4, 18)
    )
    data = bytearray(model.SerializeToString())
    rng = np.random.default_rng(19)
    for _ in range(200):
        broken = bytearray(data)
        for i in rng.integers(0, len(data), size=3):
            broken[i] = int(rng.integers(0, 256))
        try:
            specs = read_onnx(bytes(broken))
        except ValueError as exc:
            assert str(exc).startswith("onnx:")
        else:
            assert isinstance(specs, list)


def test_detect_format_tells_keras_and_onnx_from_npz_and_safetensors(keras: Any, tmp_path: Path) -> None:
    from recurrent_core.io._spec import detect_format

    model = keras_model(keras, [keras.layers.GRU(2, name="gru")])
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    assert detect_format((tmp_path / "m.keras").read_bytes()) == "keras"
    assert detect_format((tmp_path / "m.weights.h5").read_bytes()) == "keras"
    onnx_bytes = onnx_node_model("RNN", 3, 4, {"hidden_size": 4}, onnx_weights("RNN", 1, 3, 4, 20)).SerializeToString()
    assert detect_format(onnx_bytes) == "onnx"
    assert detect_format((importlib.resources.files("silero_vad") / "data" / "silero_vad.onnx").read_bytes()) == "onnx"
    npz = io.BytesIO()
    np.savez(npz, weight_ih_l0=np.zeros((2, 3)))
    assert detect_format(npz.getvalue()) is None
    safetensors = io.BytesIO()
    rc.write_safetensors({"weight_ih_l0": np.zeros((8, 3))}, safetensors)
    assert detect_format(safetensors.getvalue()) is None


def test_the_readers_import_h5py_and_onnx_only_when_a_file_is_read() -> None:
    import subprocess
    import sys

    code = (
        "import sys, recurrent_core, recurrent_core.io.keras, recurrent_core.io.onnx\n"
        "print(sorted(m for m in ('h5py', 'onnx', 'google.protobuf', 'keras', 'torch') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"


def test_keras2_chunked_name_attributes_are_joined(tmp_path: Path) -> None:
    """Keras splits a list attribute over HDF5's 64 KiB header limit into layer_names0, layer_names1, …"""
    truth = write_keras2(tmp_path / "m.h5", np.random.default_rng(22), with_config=False)
    with h5py.File(tmp_path / "m.h5", "a") as f:
        names = list(f.attrs["layer_names"])
        del f.attrs["layer_names"]
        f.attrs["layer_names0"], f.attrs["layer_names1"] = names[:3], names[3:]
    assert [s.name for s in read_keras(tmp_path / "m.h5")] == list(truth)


# --- hard-sigmoid gates: the core's layers against Keras 3 itself and Keras 2's equations ---------------------


def test_keras3_hard_sigmoid_models_match_keras(keras: Any, tmp_path: Path) -> None:
    L = keras.layers
    for layer in (
        L.LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm"),
        L.GRU(4, recurrent_activation="hard_sigmoid", reset_after=False, return_sequences=True, name="gru"),
        L.GRU(4, recurrent_activation="hard_sigmoid", return_sequences=True, name="gru"),
        L.Bidirectional(L.LSTM(3, recurrent_activation="hard_sigmoid", return_sequences=True), name="bidirectional"),
    ):
        model = keras_model(keras, [layer], seed=23)
        x = np.random.default_rng(24).normal(size=(2, 6, 3)).astype("float32")
        want = keras.ops.convert_to_numpy(model(x)).transpose(1, 0, 2)
        model.save(tmp_path / "m.keras")
        (spec,) = read_keras(tmp_path / "m.keras")
        assert spec.gate_activation == "hard_sigmoid_keras3"
        got = rc.forward(spec.build(), x.transpose(1, 0, 2).astype(np.float64)).hs
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=0, err_msg=f"{layer.name} {spec.formulation}")


def test_keras2_hard_sigmoid_gru_matches_keras2_equations(tmp_path: Path) -> None:
    """Keras 2.0's GRU (reset before the matmul, hard_sigmoid gates; Shakkala's, say): the negated z rows give
    1 - z also for clip(0.2x + 0.5, 0, 1), which is symmetric about 0 like the sigmoid."""
    w = k2_weights(np.random.default_rng(25), "GRU", D2)
    with h5py.File(tmp_path / "gru.h5", "w") as f:
        layers = [{"class_name": "GRU", "config": {"name": "gru_1", "recurrent_activation": "hard_sigmoid"}}]
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": layers})  # Keras 2.0: a list
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"gru_1"]
        layer = g.create_group("gru_1")
        layer.attrs["weight_names"] = [f"gru_1/{p}:0".encode() for p in w]
        for p, value in w.items():
            layer.create_dataset(f"gru_1/{p}:0", data=value)
    (spec,) = read_keras(tmp_path / "gru.h5")
    assert (spec.formulation, spec.gate_activation) == ("dlfs2", "hard_sigmoid_keras2")
    x = np.random.default_rng(26).normal(size=(6, 2, D2)) * 3  # large enough that the clip is reached
    cfg = {"activation": "tanh", "recurrent_activation": "hard_sigmoid"}
    np.testing.assert_allclose(rc.forward(spec.build(), x).hs, k2_layer(x, "GRU", w, cfg), atol=1e-12, rtol=0)


def test_load_weights_gives_a_weights_only_keras2_file_the_gate_activation_asked_for(tmp_path: Path) -> None:
    """A weights-only file has no config: rc.load_weights takes the gates' activation from its argument."""
    rng = np.random.default_rng(6)
    truth = write_keras2(tmp_path / "weights.h5", rng, with_config=False)
    cls, cfg, _, sides = truth["lstm_1"]
    x = rng.normal(size=(5, 3, D2))
    for gate in ("sigmoid", "hard_sigmoid_keras2"):
        layer = rc.load_weights(tmp_path / "weights.h5", "lstm_1", gate_activation=gate)
        assert layer.gate_activation == gate
        want = k2_layer(x, cls, sides[""], {**cfg, "recurrent_activation": gate.replace("_keras2", "")})
        np.testing.assert_allclose(rc.forward(layer, x).hs, want, atol=1e-12, rtol=0, err_msg=gate)
