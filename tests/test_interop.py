"""PyTorch state-dict interop (from_pytorch / to_pytorch) and layers through .npz files (rc.save_weights /
rc.load_weights; the hostile-file tests of both formats are in test_weights.py)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from helpers import STATE_KEYS, random_state

import recurrent_core as rc

KINDS = {"rnn": rc.RNNLayer, "lstm": rc.LSTMLayer, "gru": rc.GRULayer}


def torch_shaped(kind, D=3, H=4, seed=0):
    return random_state(np.random.default_rng(seed), kind, D, H, scale=1.0)


def assert_state_equal(a, b):
    assert set(a) == set(b) == set(STATE_KEYS)
    for key in STATE_KEYS:
        assert np.asarray(a[key]).shape == np.asarray(b[key]).shape, key
        assert np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize("H", [1, 4])
@pytest.mark.parametrize("kind", list(KINDS))
def test_round_trip_is_bit_identical(kind, H):
    state = torch_shaped(kind, D=3, H=H, seed=H)
    layer = rc.from_pytorch(state)
    assert type(layer) is KINDS[kind] and layer.kind == kind
    assert (layer.H, layer.D) == (H, 3)
    back = rc.to_pytorch(layer)
    assert_state_equal(back, state)
    for key in STATE_KEYS:
        assert back[key].dtype == np.float64
        # bitwise too (array_equal would treat -0.0 == 0.0)
        assert back[key].tobytes() == state[key].tobytes()
    # and the other way round
    assert_state_equal(rc.to_pytorch(rc.from_pytorch(back)), back)


def test_round_trip_keeps_signed_zeros_and_extremes():
    state = torch_shaped("rnn")
    state["weight_hh_l0"][0, :4] = [-0.0, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308]
    back = rc.to_pytorch(rc.from_pytorch(state))
    assert back["weight_hh_l0"].tobytes() == state["weight_hh_l0"].tobytes()


def test_relu_rnn_round_trip_keeps_nonlinearity():
    state = torch_shaped("rnn")
    layer = rc.from_pytorch(state, nonlinearity="relu")
    assert layer.nonlinearity == "relu"
    assert_state_equal(rc.to_pytorch(layer), state)
    assert rc.from_pytorch(state).nonlinearity == "tanh"


def test_kind_follows_weight_ih_rows():
    H = 3
    for rows, cls in ((H, rc.RNNLayer), (3 * H, rc.GRULayer), (4 * H, rc.LSTMLayer)):
        state = {
            "weight_ih_l0": np.ones((rows, 2)),
            "weight_hh_l0": np.ones((rows, H)),
            "bias_ih_l0": np.ones(rows),
            "bias_hh_l0": np.ones(rows),
        }
        layer = rc.from_pytorch(state)
        assert type(layer) is cls
        if cls is rc.GRULayer:
            assert layer.formulation == "pytorch"


def test_from_pytorch_converts_to_float64_copies():
    state = {k: v.astype(np.float32) for k, v in torch_shaped("gru").items()}
    layer = rc.from_pytorch(state)
    back = rc.to_pytorch(layer)
    for key in STATE_KEYS:
        assert back[key].dtype == np.float64
        np.testing.assert_array_equal(back[key], state[key].astype(np.float64))
    # integer weights are numbers too
    ints = {k: np.round(v * 10).astype(np.int64) for k, v in torch_shaped("lstm").items()}
    assert_state_equal(rc.to_pytorch(rc.from_pytorch(ints)), {k: v.astype(np.float64) for k, v in ints.items()})


def test_layers_do_not_alias_caller_arrays():
    state = torch_shaped("lstm")
    original = {k: v.copy() for k, v in state.items()}
    layer = rc.from_pytorch(state)
    for v in state.values():
        v[...] = 7.0  # caller mutates its dict after building the layer
    assert_state_equal(rc.to_pytorch(layer), original)
    out = rc.to_pytorch(layer)
    for v in out.values():
        v[...] = -1.0  # mutating the exported copy does not change the layer
    assert_state_equal(rc.to_pytorch(layer), original)


def test_to_pytorch_refuses_a_dlfs2_gru():
    state = torch_shaped("gru")
    layer = rc.GRULayer(*(state[k] for k in STATE_KEYS), formulation="dlfs2")
    with pytest.raises(ValueError, match=r"to_pytorch: a GRU in the 'dlfs2' formulation"):
        rc.to_pytorch(layer)
    with pytest.raises(ValueError, match=r"dlfs2"):
        rc.save_weights(layer, io.BytesIO(), fmt="npz")
    # the pytorch formulation of the same weights is fine
    assert_state_equal(rc.to_pytorch(rc.GRULayer(*(state[k] for k in STATE_KEYS))), state)


@pytest.mark.parametrize("bad", [None, {}, "layer", torch_shaped("rnn")], ids=["None", "dict", "str", "state"])
def test_to_pytorch_refuses_non_layers(bad):
    with pytest.raises(ValueError, match=r"layer: expected an RNNLayer, LSTMLayer or GRULayer"):
        rc.to_pytorch(bad)


# --- .npz ---------------------------------------------------------------------------------------------


def save_as_npz(layer, target):
    rc.save_weights(layer, target, fmt=None if isinstance(target, str) else "npz")


@pytest.mark.parametrize("kind", list(KINDS))
def test_npz_round_trip_through_bytesio(kind):
    state = torch_shaped(kind, D=2, H=5, seed=3)
    layer = rc.from_pytorch(state)
    buf = io.BytesIO()
    save_as_npz(layer, buf)
    data = buf.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(data))
    buf.seek(0)
    loaded = rc.load_weights(buf)
    assert type(loaded) is type(layer)
    assert_state_equal(rc.to_pytorch(loaded), state)
    # bytes and bytearray are accepted too
    assert_state_equal(rc.to_pytorch(rc.load_weights(data)), state)
    assert_state_equal(rc.to_pytorch(rc.load_weights(bytearray(data))), state)
    # and a BytesIO that was not rewound
    assert_state_equal(rc.to_pytorch(rc.load_weights(io.BytesIO(data))), state)


def test_npz_round_trip_through_a_path(tmp_path):
    layer = rc.from_pytorch(torch_shaped("rnn"), nonlinearity="relu")
    path = tmp_path / "layer.npz"
    save_as_npz(layer, str(path))
    loaded = rc.load_weights(str(path), nonlinearity="relu")
    assert loaded.nonlinearity == "relu"
    assert_state_equal(rc.to_pytorch(loaded), rc.to_pytorch(layer))
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == sorted(STATE_KEYS)


def test_npz_loaded_layer_computes_the_same_trace():
    layer = rc.from_pytorch(torch_shaped("lstm"))
    buf = io.BytesIO()
    save_as_npz(layer, buf)
    loaded = rc.load_weights(buf.getvalue())
    rng = np.random.default_rng(0)
    x, dhs = rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 2, 4))
    a, b = rc.bptt(layer, x, dhs), rc.bptt(loaded, x, dhs)
    np.testing.assert_array_equal(a.hs, b.hs)
    for key in STATE_KEYS:
        np.testing.assert_array_equal(a.grads[key], b.grads[key])


def npz_bytes(compressed=False, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def test_load_npz_refuses_object_arrays():
    state = torch_shaped("rnn")
    state["bias_hh_l0"] = np.array([1.0, "x", None, 2], dtype=object)  # stored with pickle
    data = npz_bytes(**state)
    with pytest.raises(ValueError, match=r"npz: .*allow_pickle"):
        rc.load_weights(data)
    # an object array that holds plain floats is refused as well (it still needs pickle)
    state = torch_shaped("rnn")
    state["weight_ih_l0"] = state["weight_ih_l0"].astype(object)
    with pytest.raises(ValueError, match=r"npz: .*allow_pickle"):
        rc.load_weights(npz_bytes(**state))


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", b"PK\x03\x04garbage", b"\x93NUMPY\x01\x00"],
    ids=["empty", "text", "zip-magic", "npy-magic"],
)
def test_load_npz_refuses_non_zip_bytes(data):
    with pytest.raises(ValueError, match=r"(weights|npz): .*(empty|neither|not a readable zip|too short)"):
        rc.load_weights(data)
    with pytest.raises(ValueError, match=r"(weights|npz): .*(empty|neither|not a readable zip|too short)"):
        rc.load_weights(io.BytesIO(data))


def test_load_npz_refuses_truncated_archive():
    data = npz_bytes(**torch_shaped("gru"))
    with pytest.raises(ValueError, match=r"npz:"):
        rc.load_weights(data[: len(data) // 2])


def test_load_npz_refuses_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"weights: cannot open the file"):
        rc.load_weights(str(tmp_path / "nope.npz"))


def test_load_npz_refuses_archives_over_max_bytes():
    state = torch_shaped("rnn")
    data = npz_bytes(**state)
    assert_state_equal(rc.to_pytorch(rc.load_weights(data, max_bytes=len(data))), state)  # exactly at the limit
    with pytest.raises(ValueError, match=rf"weights: the file has {len(data)} bytes, over the limit of max_bytes="):
        rc.load_weights(data, max_bytes=len(data) - 1)


def test_load_npz_refuses_a_small_compressed_archive_that_inflates_past_max_bytes():
    H, D = 2, 250_000  # 2 x 250k float64 zeros = 4 MB uncompressed, a few kB compressed
    state = {
        "weight_ih_l0": np.zeros((H, D)),
        "weight_hh_l0": np.zeros((H, H)),
        "bias_ih_l0": np.zeros(H),
        "bias_hh_l0": np.zeros(H),
    }
    data = npz_bytes(compressed=True, **state)
    assert len(data) < 100_000
    with pytest.raises(ValueError, match=r"over the limit of max_bytes=1000000"):
        rc.load_weights(data, max_bytes=1_000_000)
    assert rc.load_weights(data).D == D  # under the default limit it loads


@pytest.mark.parametrize("key", STATE_KEYS)
def test_load_npz_refuses_missing_keys(key):
    state = torch_shaped("lstm")
    del state[key]
    with pytest.raises(ValueError, match=rf"missing \['{key}'\]"):
        rc.load_weights(npz_bytes(**state))


def test_load_npz_refuses_extra_keys_and_bad_arrays():
    state = torch_shaped("lstm")
    with pytest.raises(ValueError, match=r"2-layer .*missing \['weight_hh_l1'"):
        rc.load_weights(npz_bytes(**state, weight_ih_l1=np.zeros((16, 4))))
    bad = dict(state, bias_ih_l0=np.full(16, np.nan))
    with pytest.raises(ValueError, match=r"bias_ih_l0'?: contains NaN or inf"):
        rc.load_weights(npz_bytes(**bad))
    bad = dict(state, weight_hh_l0=np.ones((16, 4), dtype=complex))
    with pytest.raises(ValueError, match=r"weight_hh_l0'?: expected float16, float32 or float64"):
        rc.load_weights(npz_bytes(**bad))
    with pytest.raises(ValueError, match=r"nonlinearity: only an RNN takes one"):
        rc.load_weights(npz_bytes(**state), nonlinearity="relu")


def test_load_npz_refuses_a_zip_with_a_corrupt_member():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for key, value in torch_shaped("rnn").items():
            if key == "weight_hh_l0":
                zf.writestr(key + ".npy", b"\x93NUMPY garbage that is not an npy header")
            else:
                vb = io.BytesIO()
                np.save(vb, value)
                zf.writestr(key + ".npy", vb.getvalue())
    with pytest.raises(ValueError, match=r"npz:"):
        rc.load_weights(buf.getvalue())
