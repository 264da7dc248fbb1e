"""rc.scan_weights and rc.load_weights on what people have: PyTorch cells (nn.LSTMCell … state dicts, no _l0),
arrays under their own names (names=), several modules in one file, Keras and ONNX files through the same two
calls; each loaded layer against the framework's own computation on the same weights and inputs."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.numpy import save as st_save

import recurrent_core as rc

os.environ.setdefault("KERAS_BACKEND", "torch")
pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
    # torch.onnx's legacy (TorchScript) exporter, the one that works offline, warns about itself and its tracing
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
]

T, N, D, H = 7, 3, 4, 5


def as_numpy(module: torch.nn.Module, prefix: str = "") -> dict[str, np.ndarray]:
    return {prefix + k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def cell_loop(cell: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """The PyTorch cell stepped over t = 1 … T from zero states (float64): the reference a cell file must meet."""
    xs = torch.from_numpy(x)
    h = torch.zeros(x.shape[1], cell.hidden_size, dtype=torch.float64)
    c = torch.zeros_like(h)
    out = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            if isinstance(cell, torch.nn.LSTMCell):
                h, c = cell(xs[t], (h, c))
            else:
                h = cell(xs[t], h)
            out.append(h.numpy().copy())
    return np.stack(out)


CELLS = {
    "lstm": lambda: torch.nn.LSTMCell(D, H),
    "gru": lambda: torch.nn.GRUCell(D, H),
    "rnn_tanh": lambda: torch.nn.RNNCell(D, H),
    "rnn_relu": lambda: torch.nn.RNNCell(D, H, nonlinearity="relu"),
}


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
@pytest.mark.parametrize("case", sorted(CELLS))
def test_a_pytorch_cell_in_a_whole_model_loads_and_steps_as_the_cell(case: str, fmt: str) -> None:
    torch.manual_seed(1)
    cell = CELLS[case]().double()
    arrays = {
        **as_numpy(cell, "decoder.cell."),
        "decoder.fc.weight": np.ones((2, H)),
        "embedding.weight": np.ones((9, D)),
    }
    data = st_save(arrays) if fmt == "safetensors" else npz_bytes(arrays)
    nonlinearity = "relu" if case == "rnn_relu" else "tanh"
    (found,) = rc.scan_weights(data)
    kind = case.split("_")[0]
    assert (found.name, found.kind, found.D, found.H, found.num_layers, found.bidirectional, found.fmt) == (
        "decoder.cell",
        kind,
        D,
        H,
        1,
        False,
        fmt,
    )
    assert found["kind"] == kind and dict(found)["H"] == H  # readable as a mapping too
    layer = rc.load_weights(data, nonlinearity=nonlinearity)
    x = np.random.default_rng(0).normal(size=(T, N, D))
    np.testing.assert_allclose(rc.forward(layer, x).hs, cell_loop(cell, x), rtol=1e-9, atol=1e-12)


def test_a_cell_without_biases_loads_with_zero_biases() -> None:
    cell = torch.nn.GRUCell(D, H, bias=False).double()
    layer = rc.load_weights(st_save(as_numpy(cell)))
    x = np.random.default_rng(2).normal(size=(T, N, D))
    np.testing.assert_allclose(rc.forward(layer, x).hs, cell_loop(cell, x), rtol=1e-9, atol=1e-12)


def test_from_pytorch_takes_a_cells_state_dict() -> None:
    cell = torch.nn.LSTMCell(D, H).double()
    layer = rc.from_pytorch(as_numpy(cell))
    np.testing.assert_array_equal(layer.W_hh, cell.weight_hh.detach().numpy())


def test_a_cells_keys_beside_a_modules_are_refused() -> None:
    cell = as_numpy(torch.nn.LSTMCell(D, H), "m.")
    cell["m.weight_hh_l0"] = cell["m.weight_hh"]
    with pytest.raises(ValueError, match="a cell's keys"):
        rc.load_weights(st_save(cell))
    assert rc.scan_weights(st_save(cell)) == []


# --- any names ------------------------------------------------------------------------------------------------
def test_arrays_under_their_own_names_load_with_names() -> None:
    torch.manual_seed(3)
    lstm = torch.nn.LSTM(D, H).double()
    sd = as_numpy(lstm)
    arrays = {"enc_w_ih": sd["weight_ih_l0"], "enc_w_hh": sd["weight_hh_l0"], "enc_b_ih": sd["bias_ih_l0"],
              "enc_b_hh": sd["bias_hh_l0"], "vocab": np.arange(6.0)}  # fmt: skip
    data = npz_bytes(arrays)
    assert rc.scan_weights(data) == []  # no module by PyTorch's names: the page offers the mapping
    with pytest.raises(ValueError, match="names="):
        rc.load_weights(data)
    names = {"weight_ih": "enc_w_ih", "weight_hh": "enc_w_hh", "bias_ih": "enc_b_ih", "bias_hh": "enc_b_hh"}
    layer = rc.load_weights(data, names=names)
    x = np.random.default_rng(0).normal(size=(T, N, D))
    with torch.no_grad():
        want = lstm(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(rc.forward(layer, x).hs, want, rtol=1e-9, atol=1e-12)
    # biases are optional: without them the layer has zero biases
    plain = rc.load_weights(data, names={"weight_ih": "enc_w_ih", "weight_hh": "enc_w_hh"})
    assert not plain.b_ih.any() and not plain.b_hh.any()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"weight_ih": "enc_w_ih"}, "weight_hh is needed"),
        ({"weight_ih": "enc_w_ih", "weight_hh": "nope"}, "not an array of this file"),
        ({"weight_ih": "enc_w_ih", "weight_hh": "enc_w_hh", "W": "enc_w_hh"}, "unknown parameter"),
        ({"weight_ih": "enc_w_ih", "weight_hh": "enc_w_ih"}, "expected shape"),
        (["weight_ih"], "expected a mapping"),
    ],
)
def test_names_that_do_not_fit_are_refused_by_name(names: Any, message: str) -> None:
    arrays = {"enc_w_ih": np.ones((4 * H, D)), "enc_w_hh": np.ones((4 * H, H))}
    with pytest.raises(ValueError, match=message):
        rc.load_weights(npz_bytes(arrays), names=names)


# --- several modules, every format ------------------------------------------------------------------------------
def test_scan_lists_every_module_of_a_whole_model() -> None:
    torch.manual_seed(4)
    arrays = {
        **as_numpy(torch.nn.LSTM(D, H, num_layers=2, bidirectional=True), "encoder.rnn."),
        **as_numpy(torch.nn.GRUCell(2 * H, 3), "decoder.cell."),
        **as_numpy(torch.nn.RNN(3, 2), "head."),
    }
    found = {(m.name, m.kind, m.D, m.H, m.num_layers, m.bidirectional) for m in rc.scan_weights(st_save(arrays))}
    assert found == {
        ("encoder.rnn", "lstm", D, H, 2, True),
        ("decoder.cell", "gru", 2 * H, 3, 1, False),
        ("head", "rnn", 3, 2, 1, False),
    }
    for m in rc.scan_weights(st_save(arrays)):  # each name loads as prefix=
        loaded = rc.load_weights(st_save(arrays), prefix=m.name)
        assert loaded.H == m.H


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 100, os.urandom(5000), b"\x80\x04\x95" + b"\x00" * 64, b"PK\x03\x04garbage"],
    ids=["empty", "zeros", "random", "pickle", "broken-zip"],
)
def test_scan_of_what_is_not_a_weights_file_is_an_empty_list(data: bytes) -> None:
    assert rc.scan_weights(data) == []


def test_onnx_and_keras_files_go_through_the_same_two_calls(tmp_path: Path) -> None:
    import keras

    torch.manual_seed(5)
    net = torch.nn.LSTM(3, 4).float()
    x = torch.randn(6, 2, 3, dtype=torch.float32)  # whatever default dtype another test left
    buf = io.BytesIO()
    torch.onnx.export(net, (x,), buf, dynamo=False)
    (m,) = rc.scan_weights(buf.getvalue())
    assert (m.kind, m.D, m.H, m.fmt) == ("lstm", 3, 4, "onnx")
    layer = rc.load_weights(buf.getvalue(), prefix=m.name)
    with torch.no_grad():
        np.testing.assert_allclose(rc.forward(layer, x.double().numpy()).hs, net(x)[0].numpy(), atol=2e-6)

    model = keras.Sequential(
        [keras.Input((6, 3)), keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True), name="bigru")]
    )
    path = tmp_path / "m.keras"
    model.save(path)
    (k,) = rc.scan_weights(path)
    assert (k.kind, k.D, k.H, k.bidirectional, k.fmt) == ("gru", 3, 4, True, "keras3")
    stack = rc.load_weights(path.read_bytes())
    xs = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")
    want = np.asarray(model(xs).detach().cpu()).transpose(1, 0, 2)
    np.testing.assert_allclose(rc.forward(stack, xs.transpose(1, 0, 2).astype(np.float64)).hs, want, atol=2e-5)
    with pytest.raises(ValueError, match="names: only for"):
        rc.load_weights(path, names={"weight_ih": "a", "weight_hh": "b"})
    with pytest.raises(ValueError, match="Keras or ONNX"):
        rc.read_state(path)
