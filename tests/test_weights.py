"""rc.read_state / rc.load_weights / rc.save_weights against independent references: files written and read by
the ``safetensors`` package (NumPy and torch APIs), real torch.nn.RNN/GRU/LSTM state dicts and autograd, and
hand-made hostile files (zip bombs, lying headers, pickles) that must be refused fast, without allocating what
they claim."""

from __future__ import annotations

import io
import json
import pickle
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
import safetensors.numpy as stn
import safetensors.torch as stt
import torch
from helpers import rel_err

import recurrent_core as rc
from recurrent_core.io import weights

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32, "f64": torch.float64}
MODULES = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
LAYERS = {"rnn": rc.RNNLayer, "gru": rc.GRULayer, "lstm": rc.LSTMLayer}


class Model(torch.nn.Module):
    """A whole model: the recurrent module sits under ``encoder.rnn`` beside other weights."""

    def __init__(self, kind: str, D: int = 3, H: int = 4, **kwargs):
        super().__init__()
        self.embed = torch.nn.Embedding(7, D)
        self.encoder = torch.nn.Module()
        self.encoder.rnn = MODULES[kind](D, H, **kwargs)
        self.encoder.norm = torch.nn.BatchNorm1d(H)  # an int64 buffer (num_batches_tracked) among the floats
        self.head = torch.nn.Linear(H, 2)


def module_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().to(torch.float64).numpy() for k, v in module.state_dict().items()}


def st_bytes(state: dict[str, torch.Tensor]) -> bytes:
    return stt.save({k: v.contiguous() for k, v in state.items()})


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def assert_same_state(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> None:
    assert sorted(ours) == sorted(ref)
    for key, value in ref.items():
        assert ours[key].dtype == np.float64
        assert ours[key].shape == value.shape, key
        np.testing.assert_array_equal(ours[key], value, err_msg=key)


# --- files from the PyTorch ecosystem ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize(
    "kind, kwargs",
    [
        ("lstm", {}),
        ("gru", {"num_layers": 2}),
        ("rnn", {"bidirectional": True}),
        ("lstm", {"num_layers": 2, "bidirectional": True}),
    ],
    ids=["lstm", "gru-2layer", "rnn-bidir", "lstm-2layer-bidir"],
)
def test_whole_model_from_safetensors_torch_gives_the_modules_values(kind, kwargs, dtype):
    torch.manual_seed(1)
    model = Model(kind, **kwargs).to(DTYPES[dtype])
    state, prefix = rc.read_state(st_bytes(model.state_dict()))
    assert prefix == "encoder.rnn"
    # widening f16/bf16/f32 to f64 is exact: equal to torch's own conversion, bit for bit
    assert_same_state(state, module_state(model.encoder.rnn))


@pytest.mark.parametrize("np_dtype", [np.float16, np.float32, np.float64])
def test_safetensors_numpy_files_load(np_dtype):
    rng = np.random.default_rng(0)
    ref = {
        "weight_ih_l0": rng.normal(size=(12, 3)),
        "weight_hh_l0": rng.normal(size=(12, 4)),
        "bias_ih_l0": rng.normal(size=12),
        "bias_hh_l0": rng.normal(size=12),
    }
    ref = {k: v.astype(np_dtype) for k, v in ref.items()}
    data = stn.save(ref, metadata={"format": "np"})
    state, prefix = rc.read_state(data)
    assert prefix == ""
    assert_same_state(state, {k: v.astype(np.float64) for k, v in ref.items()})
    layer = rc.load_weights(data)
    assert type(layer) is rc.GRULayer and (layer.D, layer.H) == (3, 4)
    header = rc.read_safetensors_header(data)
    assert header["__metadata__"] == {"format": "np"}
    assert {k: v["shape"] for k, v in header.items() if k != "__metadata__"} == {
        k: list(v.shape) for k, v in ref.items()
    }


def test_bfloat16_bits_are_widened_exactly():
    # bf16 values with known bit patterns: 1.0, -2.5, the smallest subnormal, the largest finite
    values = torch.tensor([1.0, -2.5, 9.183549615799121e-41, 3.3895313892515355e38], dtype=torch.bfloat16)
    state = {
        "weight_ih_l0": values.reshape(4, 1).clone(),
        "weight_hh_l0": values.reshape(4, 1).clone(),
        "bias_ih_l0": values.clone(),
        "bias_hh_l0": values.clone(),
    }
    ours, _ = rc.read_state(st_bytes(state))
    np.testing.assert_array_equal(ours["bias_ih_l0"], [1.0, -2.5, 9.183549615799121e-41, 3.3895313892515355e38])


def torch_autograd(module, x, dhs, h0, c0=None):
    """hs, dx, dh0, dc0 and parameter grads of L = Σ <dhs, h_t> from torch autograd (float64)."""
    x = torch.tensor(x, requires_grad=True)
    h0 = torch.tensor(h0[None], requires_grad=True)
    if c0 is not None:
        c0 = torch.tensor(c0[None], requires_grad=True)
        out, _ = module(x, (h0, c0))
    else:
        out, _ = module(x, h0)
    (out * torch.tensor(dhs)).sum().backward()
    grads = {k: p.grad.numpy() for k, p in module.named_parameters()}
    return out.detach().numpy(), x.grad.numpy(), h0.grad[0].numpy(), None if c0 is None else c0.grad[0].numpy(), grads


def assert_matches_torch(layer, module, seed=0, T=6, N=2):
    rng = np.random.default_rng(seed)
    x, dhs = rng.normal(size=(T, N, layer.D)), rng.normal(size=(T, N, layer.H))
    h0 = rng.normal(size=(N, layer.H))
    c0 = rng.normal(size=(N, layer.H)) if isinstance(layer, rc.LSTMLayer) else None
    trace = rc.bptt(layer, x, dhs, h0, c0)
    hs, dx, dh0, dc0, grads = torch_autograd(module.double(), x, dhs, h0, c0)
    assert rel_err(trace.hs, hs) < 1e-9
    assert rel_err(trace.dx, dx) < 1e-9
    assert rel_err(trace.dh0, dh0) < 1e-9
    if c0 is not None:
        assert rel_err(trace.dc0, dc0) < 1e-9
    for key, grad in grads.items():
        assert rel_err(trace.grads[key], grad) < 1e-9, key


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
@pytest.mark.parametrize("kind, nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")])
def test_load_weights_end_to_end_equals_torch_autograd(kind, nonlinearity, fmt):
    torch.manual_seed(2)
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    model = Model(kind, D=3, H=5, **extra)  # float32 weights: widening to float64 is exact
    if fmt == "safetensors":
        data = st_bytes(model.state_dict())
    else:
        data = npz_bytes(**{k: v.numpy() for k, v in model.state_dict().items()})
    layer = rc.load_weights(data, nonlinearity=nonlinearity)
    assert type(layer) is LAYERS[kind] and (layer.D, layer.H) == (3, 5)
    if kind == "rnn":
        assert layer.nonlinearity == nonlinearity
    assert_matches_torch(layer, model.encoder.rnn)


@pytest.mark.parametrize("kind", list(MODULES))
def test_bias_false_modules_load_with_zero_biases(kind):
    torch.manual_seed(3)
    module = MODULES[kind](3, 4, bias=False)
    data = st_bytes(module.state_dict())
    state, _ = rc.read_state(data)
    assert sorted(state) == ["weight_hh_l0", "weight_ih_l0"]  # the module's own keys, nothing invented
    layer = rc.load_weights(data)
    assert not layer.b_ih.any() and not layer.b_hh.any()
    assert_matches_torch(layer, module)


def test_several_modules_need_a_prefix():
    torch.manual_seed(4)
    model = torch.nn.Module()
    model.encoder = torch.nn.GRU(3, 4)
    model.decoder = torch.nn.Module()
    model.decoder.lstm = torch.nn.LSTM(4, 6, num_layers=2)
    data = st_bytes(model.state_dict())
    with pytest.raises(ValueError, match=r"2 recurrent modules in this file, \['decoder.lstm', 'encoder'\]; choose"):
        rc.read_state(data)
    state, prefix = rc.read_state(data, prefix="decoder.lstm")
    assert prefix == "decoder.lstm"
    assert_same_state(state, module_state(model.decoder.lstm))
    assert rc.read_state(data, prefix="decoder.lstm.")[1] == "decoder.lstm"  # a trailing dot is fine
    assert type(rc.load_weights(data, prefix="encoder")) is rc.GRULayer
    with pytest.raises(ValueError, match=r"prefix: no recurrent module 'decoder' in this file; found \["):
        rc.read_state(data, prefix="decoder")
    with pytest.raises(ValueError, match=r"prefix: expected a module name"):
        rc.read_state(data, prefix=3)


def test_multi_layer_module_from_npz_of_a_whole_model():
    torch.manual_seed(5)
    model = Model("gru", num_layers=3, bidirectional=True)
    data = npz_bytes(**{k: v.numpy() for k, v in model.state_dict().items()})
    state, prefix = rc.read_state(data)
    assert prefix == "encoder.rnn"
    assert_same_state(state, module_state(model.encoder.rnn))
    assert len(state) == 3 * 2 * 4
    stack = rc.load_weights(data)  # the whole 3-layer bidirectional module, as a Stack
    assert isinstance(stack, rc.Stack) and stack.kind == "gru"
    assert stack.num_layers == 3 and stack.bidirectional
    back = rc.to_pytorch(stack)
    assert list(back) == list(module_state(model.encoder.rnn))  # PyTorch's key order
    for key, value in module_state(model.encoder.rnn).items():
        np.testing.assert_array_equal(back[key], np.asarray(value, dtype=np.float64))


@pytest.mark.parametrize("how", ["path", "pathlib", "bytearray", "memoryview", "bytesio-not-rewound", "unseekable"])
def test_sources(how, tmp_path):
    torch.manual_seed(6)
    module = torch.nn.LSTM(2, 3)
    data = st_bytes(module.state_dict())
    path = tmp_path / "w.safetensors"
    path.write_bytes(data)

    class Unseekable(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def read(self, n=-1):  # a trickle, as a pipe may give: at most 7 bytes a call
            return self.inner.read(7 if n < 0 else min(n, 7))

    source = {
        "path": str(path),
        "pathlib": path,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
        "bytesio-not-rewound": io.BytesIO(data),
        "unseekable": Unseekable(data),
    }[how]
    if how == "bytesio-not-rewound":
        source.seek(0, io.SEEK_END)  # e.g. an upload that was read once already
    assert_same_state(rc.read_state(source)[0], module_state(module))


# --- our writer, read by the references -------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MODULES))
def test_saved_layer_loads_in_safetensors_and_torch(kind, tmp_path):
    torch.manual_seed(7)
    module = MODULES[kind](3, 4).double()
    layer = rc.load_weights(st_bytes(module.state_dict()))
    path = tmp_path / "layer.safetensors"
    rc.save_weights(layer, path)
    ref = module_state(module)
    loaded = stn.load_file(str(path))
    assert_same_state(loaded, ref)
    tensors = stt.load_file(str(path))
    fresh = MODULES[kind](3, 4).double()
    fresh.load_state_dict(tensors, strict=True)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    np.testing.assert_array_equal(fresh(x)[0].detach().numpy(), module(x)[0].detach().numpy())
    # a file object needs fmt=
    buf = io.BytesIO()
    rc.save_weights(layer, buf, fmt="safetensors")
    assert buf.getvalue() == path.read_bytes()


def test_saved_state_dict_keeps_dtypes_and_multi_layer_keys(tmp_path):
    torch.manual_seed(8)
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    state["weight_hh_l1"] = state["weight_hh_l1"].astype(np.float16)
    path = tmp_path / "m.safetensors"
    rc.save_weights(state, path)
    loaded = stn.load_file(str(path))
    assert {k: v.dtype for k, v in loaded.items()} == {k: v.dtype for k, v in state.items()}
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key], value)
    fresh = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    fresh.load_state_dict(stt.load_file(str(path)), strict=True)
    # the header is 8-byte aligned, as the reference writer's
    (n,) = struct.unpack("<Q", path.read_bytes()[:8])
    assert n % 8 == 0


def test_saved_npz_round_trip(tmp_path):
    torch.manual_seed(9)
    layer = rc.load_weights(st_bytes(torch.nn.RNN(2, 3, nonlinearity="relu").state_dict()), nonlinearity="relu")
    path = tmp_path / "w.npz"
    rc.save_weights(layer, path)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["bias_hh_l0", "bias_ih_l0", "weight_hh_l0", "weight_ih_l0"]
        np.testing.assert_array_equal(data["weight_hh_l0"], layer.W_hh)
    again = rc.load_weights(path, nonlinearity="relu")
    assert again.nonlinearity == "relu"
    np.testing.assert_array_equal(again.W_ih, layer.W_ih)
    weird = tmp_path / "w.weights"
    rc.save_weights(layer, weird, fmt="npz")  # the name is kept (np.savez alone would append .npz)
    assert weird.exists() and zipfile.is_zipfile(weird)


def test_save_weights_refusals(tmp_path):
    layer = rc.init_layer("gru", 2, 3, seed=0)
    with pytest.raises(ValueError, match=r"save_weights: expected a path ending in .npz or .safetensors"):
        rc.save_weights(layer, tmp_path / "w.bin")
    with pytest.raises(ValueError, match=r"save_weights: .*no suffix"):
        rc.save_weights(layer, io.BytesIO())
    with pytest.raises(ValueError, match=r"fmt: expected 'npz' or 'safetensors'"):
        rc.save_weights(layer, io.BytesIO(), fmt="pt")
    with pytest.raises(ValueError, match=r"'w': expected float16, float32 or float64, found int64"):
        rc.save_weights({"w": np.arange(3)}, io.BytesIO(), fmt="safetensors")
    with pytest.raises(ValueError, match=r"'w': contains NaN or inf"):
        rc.save_weights({"w": np.array([np.inf])}, io.BytesIO(), fmt="npz")
    with pytest.raises(ValueError, match=r"layer: expected an RNNLayer"):
        rc.save_weights("not a layer", io.BytesIO(), fmt="npz")


# --- refusals -------------------------------------------------------------------------------------------------


def gru_state(H=2, D=3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "weight_ih_l0": rng.normal(size=(3 * H, D)),
        "weight_hh_l0": rng.normal(size=(3 * H, H)),
        "bias_ih_l0": rng.normal(size=3 * H),
        "bias_hh_l0": rng.normal(size=3 * H),
    }


def hand_safetensors(header: dict, data: bytes = b"", length: int | None = None) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", r"the file is empty \(0 bytes\)"),
        (b"\x00\x01\x02\x03", r"4 bytes is too short for a .safetensors or .npz file \(truncated\?\)"),
        (np.random.default_rng(0).bytes(5000), r"expected a .safetensors file .* or a .npz \(zip\) archive"),
        (b"PK\x03\x04garbage", r"npz: not a readable zip archive"),
        (b"\x80\x04\x95garbage", r"(?s)a pickle \(a legacy torch.save file\).*save_file\(torch.load\("),
    ],
    ids=["empty", "short", "random", "zip-magic", "pickle"],
)
def test_refuses_non_weight_files(data, message):
    with pytest.raises(ValueError, match=message):
        rc.read_state(data)


def test_refuses_torch_save_files_with_the_export_snippet(tmp_path):
    module = torch.nn.LSTM(2, 3)
    path = tmp_path / "model.pt"
    torch.save(module.state_dict(), path)
    with pytest.raises(ValueError, match=r"pickle") as info:
        rc.load_weights(path)
    assert weights.EXPORT_SNIPPET in str(info.value)
    # the snippet runs: it turns the refused file into one that loads to the module's values
    import torch as torch_  # the snippet's own names  # noqa: F401

    snippet = weights.EXPORT_SNIPPET.replace("'model.pt'", repr(str(path)))
    snippet = snippet.replace("'model.safetensors'", repr(str(tmp_path / "model.safetensors")))
    exec(compile("\n".join(line.strip() for line in snippet.splitlines()), "snippet", "exec"), {})
    assert_same_state(rc.read_state(tmp_path / "model.safetensors")[0], module_state(module))
    assert "np.savez('model.npz'" in str(info.value)
    # renamed, the content still gives it away: torch.save writes a zip holding data.pkl
    with pytest.raises(ValueError, match=r"holds a pickle \(a PyTorch checkpoint saved by torch.save\)"):
        rc.load_weights(path.read_bytes())
    legacy = io.BytesIO()
    torch.save(module.state_dict(), legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match=r"a pickle \(a legacy torch.save file\)"):
        rc.load_weights(legacy.getvalue())
    with pytest.raises(ValueError, match=r"\.pt/\.pth checkpoint is a pickle"):
        rc.load_weights(tmp_path / "missing.pth")


def test_refuses_unreadable_paths(tmp_path):
    with pytest.raises(ValueError, match=r"weights: cannot open the file"):
        rc.read_state(tmp_path / "nope.safetensors")
    with pytest.raises(ValueError, match=r"weights: expected a path, bytes or a binary file object, got int"):
        rc.read_state(3)
    with pytest.raises(ValueError, match=r"max_bytes: expected a whole number of bytes >= 1"):
        rc.read_state(b"x", max_bytes=0)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_refuses_truncated_files(fmt):
    state = gru_state()
    data = stn.save(state) if fmt == "safetensors" else npz_bytes(**state)
    for cut in (1, 8, 20, len(data) // 2, len(data) - 1):
        with pytest.raises(
            ValueError, match=r"truncated|too short|not a readable|the file has only|holds|corrupt|cover"
        ):
            rc.read_state(data[:cut])


def test_refuses_object_arrays_in_npz():
    state = {k: v.astype(object) if k == "bias_ih_l0" else v for k, v in gru_state().items()}
    with pytest.raises(ValueError, match=r"'bias_ih_l0.npy': an object array needs pickle to load, and allow_pickle"):
        rc.read_state(npz_bytes(**state))
    # a pickle in an unrelated member refuses the file too: nothing in it is unpickled
    with pytest.raises(ValueError, match=r"'other.npy': an object array needs pickle"):
        rc.read_state(npz_bytes(other=np.array([{"a": 1}], dtype=object), **gru_state()))


def patched_zip_sizes(data: bytes, size: int) -> bytes:
    """The archive with every member's declared uncompressed size in the central directory set to ``size``."""
    out = bytearray(data)
    start = 0
    while (i := out.find(b"PK\x01\x02", start)) >= 0:
        struct.pack_into("<I", out, i + 24, size)
        start = i + 4
    return bytes(out)


def assert_fast_and_small(call, message, seconds=1.0, peak_bytes=4_000_000):
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=message):
            call()
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < peak_bytes, f"peak {peak} bytes"


def test_refuses_zip_bombs_by_declared_sizes():
    # each of three members claims ~4 GB: 12 GB in all, in a file of a few hundred bytes
    bomb = patched_zip_sizes(npz_bytes(**gru_state()), 0xF0000000)
    assert len(bomb) < 2000
    assert_fast_and_small(lambda: rc.read_state(bomb), r"npz: the members inflate to 16106127360 bytes, over")
    # a real deflate bomb: 4 MB of zeros in a few kB
    buf = io.BytesIO()
    np.savez_compressed(buf, weight_ih_l0=np.zeros((2, 500_000)), weight_hh_l0=np.zeros((2, 2)))
    assert len(buf.getvalue()) < 20_000
    assert_fast_and_small(
        lambda: rc.read_state(buf.getvalue(), max_bytes=1_000_000), r"inflate to \d+ bytes, over the limit"
    )


def test_refuses_an_npy_header_that_claims_more_than_the_zip_holds():
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
    member.write(b"\x00" * 16)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("weight_ih_l0.npy", member.getvalue())
    assert_fast_and_small(
        lambda: rc.read_state(buf.getvalue()), r"header declares float64 of shape \(1099511627776,\), which is not"
    )


def test_refuses_a_safetensors_header_that_claims_absurd_sizes():
    assert_fast_and_small(
        lambda: rc.read_state(struct.pack("<Q", 2**60) + b'{"a": 1}'),
        r"the header claims 1152921504606846976 bytes but the file has only 8",
    )
    huge_shape = {"weight_ih_l0": {"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 8]}}
    assert_fast_and_small(
        lambda: rc.read_state(hand_safetensors(huge_shape, b"\x00" * 8)),
        r"F32 of shape \(1099511627776, 1099511627776\) needs over 2\*\*64 bytes, its offsets span 8",
    )
    far = {"weight_ih_l0": {"dtype": "F32", "shape": [2**58], "data_offsets": [0, 2**60]}}
    assert_fast_and_small(
        lambda: rc.read_state(hand_safetensors(far, b"\x00" * 8)),
        r"'weight_ih_l0': its data_offsets \[0, 1152921504606846976\] reach past the file's 8 bytes of data",
    )


@pytest.mark.parametrize(
    "header, data, message",
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2],
          "data_offsets": [4, 12]}}, 12, r"'b' at byte 4 overlaps the tensor before it"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8, r"'a' at byte 4 leaves a hole of 4 bytes"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 8, r"cover 4 bytes of data, the file holds 8"),
        ({"a": {"dtype": "X99", "shape": [1], "data_offsets": [0, 4]}}, 4, r"'a': expected a dtype of .*found 'X99'"),
        ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, 4, r"'a': expected a shape"),
        ({"a": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, 4, r"'a': expected a shape"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}, 4, r"'a': expected data_offsets"),
        ({"a": {"dtype": "F32", "shape": [1]}}, 4, r"'a': expected \{'dtype', 'shape', 'data_offsets'\}"),
        ({"a": [1, 2]}, 4, r"'a': expected \{'dtype'"),
        ({"__metadata__": {"k": 1}}, 0, r"expected __metadata__ to map strings to strings"),
    ],
    ids=["overlap", "hole", "short-cover", "dtype", "negative-dim", "bool-dim", "offsets", "keys", "not-dict", "meta"],
)  # fmt: skip
def test_refuses_inconsistent_safetensors_headers(header, data, message):
    with pytest.raises(ValueError, match=message):
        rc.read_state(hand_safetensors(header, b"\x00" * data))


def test_refuses_safetensors_headers_that_are_not_json_objects(tmp_path):
    for raw, message in [
        (b"{not json}", r"the header is not UTF-8 JSON"),
        (b"{\xff\xfe}", r"the header is not UTF-8 JSON"),
        (b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", r"the header is not UTF-8 JSON"),
        (b'{"a": 1, "a": 2}', r"the header names 'a' twice"),
        (b'{"a": ' + b"9" * 5000 + b"}", r"the header is not UTF-8 JSON"),
    ]:
        data = struct.pack("<Q", len(raw)) + raw
        with pytest.raises(ValueError, match=message):
            rc.read_state(data, max_bytes=10**6)
    path = tmp_path / "list.safetensors"  # the suffix says safetensors where the first bytes cannot
    path.write_bytes(struct.pack("<Q", 2) + b"[]")
    with pytest.raises(ValueError, match=r"expected a JSON object as the header, found list"):
        rc.read_state(path)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_refuses_nan_and_inf(fmt, bad):
    state = gru_state()
    state["weight_hh_l0"][1, 1] = bad
    data = stn.save(state) if fmt == "safetensors" else npz_bytes(**state)
    with pytest.raises(ValueError, match=r"'weight_hh_l0': contains NaN or inf"):
        rc.read_state(data)
    # float16 overflows to inf too
    with np.errstate(over="ignore"):
        big = {k: (v * 1e6).astype(np.float16) for k, v in gru_state().items()}
    with pytest.raises(ValueError, match=r"contains NaN or inf"):
        rc.read_state(stn.save(big) if fmt == "safetensors" else npz_bytes(**big))


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_refuses_missing_extra_keys_and_wrong_shapes(fmt):
    def save(state):
        return stn.save(state) if fmt == "safetensors" else npz_bytes(**state)

    state = gru_state()
    del state["bias_hh_l0"]
    with pytest.raises(ValueError, match=r"the state dict: expected the keys of a 1-layer .*missing \['bias_hh_l0'\]"):
        rc.read_state(save(state))
    state = {"enc." + k: v for k, v in gru_state().items()} | {"enc.weight_ih_l1": np.zeros((6, 2))}
    with pytest.raises(ValueError, match=r"module 'enc': expected the keys of a 2-layer .*missing \['weight_hh_l1'"):
        rc.read_state(save(state))
    state = gru_state() | {"weight_ih_l0_reverse": np.zeros((6, 3))}
    with pytest.raises(ValueError, match=r"bidirectional .*missing \['weight_hh_l0_reverse', 'bias_ih_l0_reverse'"):
        rc.read_state(save(state))
    state = gru_state() | {"scale": np.ones(2)}
    with pytest.raises(ValueError, match=r"unexpected \['scale'\]"):
        rc.read_state(save(state))
    for key, shape, message in [
        ("weight_hh_l0", (5, 2), r"'weight_hh_l0': expected shape \(H, H\), \(3H, H\) or \(4H, H\)"),
        (
            "weight_ih_l0",
            (5, 3),
            r"'weight_ih_l0': expected shape \(6, 3\) \(H = 2 from weight_hh_l0\), found \(5, 3\)",
        ),
        ("bias_ih_l0", (6, 1), r"'bias_ih_l0': expected shape \(6,\)"),
        ("weight_ih_l0", (6, 0), r"'weight_ih_l0': expected shape \(kH, D\) with D >= 1"),
    ]:
        state = gru_state() | {key: np.zeros(shape)}
        with pytest.raises(ValueError, match=message):
            rc.read_state(save(state))
    two = torch.nn.GRU(3, 2, num_layers=2).state_dict()
    state = {k: v.numpy() for k, v in two.items()} | {"weight_ih_l1": np.zeros((6, 3))}
    with pytest.raises(ValueError, match=r"'weight_ih_l1': expected shape \(6, 2\)"):
        rc.read_state(save(state))


def test_refuses_files_without_recurrent_weights_or_with_projections():
    data = st_bytes(torch.nn.Linear(3, 2).state_dict())
    with pytest.raises(ValueError, match=r"no recurrent weights .* among the file's 2 tensors \['bias', 'weight'\]"):
        rc.read_state(data)
    data = st_bytes(torch.nn.LSTM(3, 4, proj_size=2).state_dict())
    with pytest.raises(ValueError, match=r"weight_hr_l\* is an LSTM with proj_size > 0"):
        rc.read_state(data)
    ints = {k: np.ones(v.shape, dtype=np.int32) for k, v in gru_state().items()}
    with pytest.raises(
        ValueError, match=r"'weight_ih_l0': expected a float tensor \(F16, BF16, F32 or F64\), found I32"
    ):
        rc.read_state(stn.save(ints))
    with pytest.raises(ValueError, match=r"'weight_ih_l0': expected float16, float32 or float64, found int32"):
        rc.read_state(npz_bytes(**ints))


def test_refuses_files_over_max_bytes(tmp_path):
    data = stn.save(gru_state())
    assert rc.read_state(data, max_bytes=len(data))[0]  # exactly at the limit
    path = tmp_path / "w.safetensors"
    path.write_bytes(data)
    message = rf"the file has {len(data)} bytes, over the limit of max_bytes={len(data) - 1}"
    for source in (data, path, io.BytesIO(data)):
        with pytest.raises(ValueError, match=message):
            rc.read_state(source, max_bytes=len(data) - 1)
    with pytest.raises(ValueError, match=rf"the file has {len(data)} bytes, over"):  # an unseekable stream stops early
        rc.read_state(io.BufferedReader(io.BytesIO(data)), max_bytes=len(data) - 1)


def test_messages_cut_untrusted_names():
    long = "x" * 10_000
    state = {f"{long}{i}.weight_ih_l0": np.zeros((2, 1)) for i in range(50)}
    with pytest.raises(ValueError) as info:
        rc.read_state(stn.save(state))
    assert "50 recurrent modules" in str(info.value) and "… 42 more" in str(info.value)
    assert len(str(info.value)) < 600
    header = {long: {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}
    with pytest.raises(ValueError) as info:
        rc.read_state(hand_safetensors(header, b"\x00" * 8))
    assert len(str(info.value)) < 300


def test_pickle_is_never_called():
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("unpickled!",))

    data = npz_bytes(weight_ih_l0=np.array([Boom()], dtype=object))
    with pytest.raises(ValueError, match=r"allow_pickle=False"):
        rc.read_state(data)
    with pytest.raises(ValueError, match=r"a pickle"):
        rc.read_state(pickle.dumps(Boom(), protocol=4))


def test_refuses_headers_and_zip_directories_over_the_header_cap():
    n = weights.MAX_HEADER_BYTES + 8
    data = struct.pack("<Q", n) + b"{" + b" " * (n - 1)
    with pytest.raises(ValueError, match=rf"the header claims {n} bytes, over the limit of 4194304 for a header"):
        rc.read_state(data)
    # a zip whose end record claims a 16 MB central directory (zipfile would parse it into ~10x the objects)
    out = bytearray(npz_bytes(**gru_state()))
    end = out.rfind(b"PK\x05\x06")
    struct.pack_into("<I", out, end + 12, 16_000_000)
    with pytest.raises(ValueError, match=r"npz: the zip directory claims 16000000 bytes, over the limit of 4194304"):
        rc.read_state(bytes(out))
    # torch.save's zip64 archives are parsed as far as their directory, to say what they are
    buf = io.BytesIO()
    torch.save(torch.nn.GRU(2, 3).state_dict(), buf)
    out = bytearray(buf.getvalue())
    locator = out.rfind(b"PK\x06\x07")
    struct.pack_into("<Q", out, locator - 56 + 40, 2**40)
    with pytest.raises(ValueError, match=r"npz: the zip directory claims 1099511627776 bytes"):
        rc.read_state(bytes(out))
    del out[locator - 56 : locator - 52]  # no zip64 record where the locator says
    with pytest.raises(ValueError, match=r"npz: not a readable zip archive"):
        rc.read_state(bytes(out))
