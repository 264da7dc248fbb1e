"""Bad input is refused with a ValueError that says what was wrong."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import STATE_KEYS, VARIANT_IDS, VARIANTS, make_layer, random_state

import recurrent_core as rc

T, N, D, H = 3, 2, 4, 5


@pytest.fixture(params=VARIANTS, ids=VARIANT_IDS)
def case(request):
    """(layer, x, dhs, h0, c0, kind) valid inputs for one variant."""
    _, kind, option = request.param
    rng = np.random.default_rng(0)
    layer = make_layer(kind, option, random_state(rng, kind, D, H))
    x = rng.normal(size=(T, N, D))
    dhs = rng.normal(size=(T, N, H))
    h0 = rng.normal(size=(N, H))
    c0 = rng.normal(size=(N, H)) if kind == "lstm" else None
    rc.bptt(layer, x, dhs, h0=h0, c0=c0)  # the valid baseline runs
    return layer, x, dhs, h0, c0, kind


def valid_state(kind="rnn"):
    return random_state(np.random.default_rng(1), kind, D, H)


# --- x ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(N, D), (D,), (), (T, N, D, 1), (1, T, N, D)])
def test_x_wrong_ndim(case, shape):
    layer, _, dhs, h0, c0, _ = case
    with pytest.raises(ValueError, match=r"x: expected shape \(T, N, D\)"):
        rc.bptt(layer, np.ones(shape), dhs, h0=h0, c0=c0)
    with pytest.raises(ValueError, match=r"x: expected shape"):
        rc.forward(layer, np.ones(shape), h0, c0)


@pytest.mark.parametrize("bad_D", [D - 1, D + 1, 1])
def test_x_wrong_input_size(case, bad_D):
    layer, _, dhs, h0, c0, _ = case
    with pytest.raises(ValueError, match=rf"x: expected shape \(T, N, {D}\) for this layer's D = {D}"):
        rc.bptt(layer, np.ones((T, N, bad_D)), dhs, h0=h0, c0=c0)


@pytest.mark.parametrize("shape", [(0, N, D), (T, 0, D), (0, 0, D)])
def test_x_empty_time_or_batch(case, shape):
    layer, *_ = case
    with pytest.raises(ValueError, match=r"x: expected T >= 1 and N >= 1"):
        rc.bptt(layer, np.ones(shape), np.ones((shape[0], shape[1], H)))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_x_not_finite(case, value):
    layer, x, dhs, h0, c0, _ = case
    x = x.copy()
    x[1, 0, 2] = value
    with pytest.raises(ValueError, match=r"x: contains NaN or inf"):
        rc.bptt(layer, x, dhs, h0=h0, c0=c0)


BAD_DTYPES = {
    "bool": lambda shape: np.ones(shape, dtype=bool),
    "complex": lambda shape: np.ones(shape, dtype=complex),
    "object": lambda shape: np.ones(shape).astype(object),
    "string": lambda shape: np.full(shape, "1.0"),
    "bytes": lambda shape: np.full(shape, b"1"),
    "datetime": lambda shape: np.ones(shape).astype("datetime64[s]"),
}


@pytest.mark.parametrize("dtype", list(BAD_DTYPES))
def test_bad_dtypes_everywhere(case, dtype):
    layer, x, dhs, h0, c0, kind = case
    make = BAD_DTYPES[dtype]
    with pytest.raises(ValueError, match=r"x: expected a real floating-point array"):
        rc.bptt(layer, make(x.shape), dhs, h0=h0, c0=c0)
    with pytest.raises(ValueError, match=r"dhs: expected a real floating-point array"):
        rc.bptt(layer, x, make(dhs.shape), h0=h0, c0=c0)
    with pytest.raises(ValueError, match=r"h0: expected a real floating-point array"):
        rc.bptt(layer, x, dhs, h0=make(h0.shape), c0=c0)
    if kind == "lstm":
        with pytest.raises(ValueError, match=r"c0: expected a real floating-point array"):
            rc.bptt(layer, x, dhs, h0=h0, c0=make(c0.shape))


def test_x_ragged_or_none(case):
    layer, _, dhs, *_ = case
    with pytest.raises(ValueError, match=r"x: expected a numeric array"):
        rc.bptt(layer, [[[1.0, 2.0]], [[1.0]]], dhs)
    with pytest.raises(ValueError, match=r"x: expected a real floating-point array"):
        rc.bptt(layer, None, dhs)


def test_integer_and_list_inputs_are_accepted_as_float64(case):
    """The contrast: integer arrays and nested lists of numbers are valid and give the float64 result."""
    layer, x, dhs, h0, c0, _ = case
    xi = np.round(x * 3).astype(np.int32)
    ref = rc.bptt(layer, xi.astype(np.float64), dhs, h0=h0, c0=c0)
    got = rc.bptt(layer, xi.tolist(), dhs.tolist(), h0=h0, c0=c0)
    np.testing.assert_array_equal(got.hs, ref.hs)
    np.testing.assert_array_equal(got.dx, ref.dx)
    assert got.dx.dtype == np.float64


# --- dhs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        (N, H),
        (1, N, H),
        (T, 1, H),
        (T, N, 1),
        (T, N, H + 1),
        (T - 1, N, H),
        (T + 1, N, H),
        (T, N, H, 1),
        (T * N * H,),
        (),
    ],
)
def test_dhs_wrong_shape_no_broadcasting(case, shape):
    layer, x, _, h0, c0, _ = case
    with pytest.raises(ValueError, match=rf"dhs: expected shape \({T}, {N}, {H}\)"):
        rc.bptt(layer, x, np.ones(shape), h0=h0, c0=c0)


def test_dhs_of_shape_N_H_fails_even_when_T_is_1(case):
    layer, x, _, h0, c0, _ = case
    with pytest.raises(ValueError, match=r"dhs: expected shape"):
        rc.bptt(layer, x[:1], np.ones((N, H)), h0=h0, c0=c0)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_dhs_not_finite(case, value):
    layer, x, dhs, h0, c0, _ = case
    dhs = dhs.copy()
    dhs[-1, -1, -1] = value
    with pytest.raises(ValueError, match=r"dhs: contains NaN or inf"):
        rc.bptt(layer, x, dhs, h0=h0, c0=c0)


# --- h0 / c0 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(H,), (1, N, H), (N, H + 1), (N + 1, H), (H, N)])
def test_h0_wrong_shape(case, shape):
    layer, x, dhs, _, c0, _ = case
    with pytest.raises(ValueError, match=rf"h0: expected shape \({N}, {H}\)"):
        rc.bptt(layer, x, dhs, h0=np.zeros(shape), c0=c0)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_h0_not_finite(case, value):
    layer, x, dhs, h0, c0, _ = case
    h0 = h0.copy()
    h0[0, 0] = value
    with pytest.raises(ValueError, match=r"h0: contains NaN or inf"):
        rc.bptt(layer, x, dhs, h0=h0, c0=c0)


def test_c0_rules(case):
    layer, x, dhs, h0, c0, kind = case
    if kind == "lstm":
        with pytest.raises(ValueError, match=r"c0: expected shape"):
            rc.bptt(layer, x, dhs, h0=h0, c0=np.zeros((1, N, H)))
        bad = c0.copy()
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match=r"c0: contains NaN or inf"):
            rc.bptt(layer, x, dhs, h0=h0, c0=bad)
    else:
        with pytest.raises(ValueError, match=rf"c0: only an LSTM has a cell state.*{kind}"):
            rc.bptt(layer, x, dhs, h0=h0, c0=np.zeros((N, H)))
        with pytest.raises(ValueError, match=r"c0: only an LSTM"):
            rc.forward(layer, x, h0, np.zeros((N, H)))


# --- layers and weights -------------------------------------------------------------------------------


def test_not_a_layer():
    with pytest.raises(ValueError, match=r"layer: expected an RNNLayer, LSTMLayer or GRULayer"):
        rc.bptt(valid_state(), np.ones((T, N, D)), np.ones((T, N, H)))
    with pytest.raises(ValueError, match=r"layer: expected"):
        rc.forward(None, np.ones((T, N, D)))


@pytest.mark.parametrize("field", ["W_ih", "W_hh", "b_ih", "b_hh"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_weights_not_finite(variant, field, value):
    _, kind, option = variant
    state = random_state(np.random.default_rng(2), kind, D, H)
    key = STATE_KEYS[("W_ih", "W_hh", "b_ih", "b_hh").index(field)]
    state[key] = state[key].copy()
    state[key].flat[0] = value
    with pytest.raises(ValueError, match=rf"{field}: contains NaN or inf"):
        make_layer(kind, option, state)
    if option != "dlfs2":
        with pytest.raises(ValueError, match=rf"{key}: contains NaN or inf"):
            rc.from_pytorch(state, nonlinearity=option if kind == "rnn" else "tanh")


@pytest.mark.parametrize("dtype", list(BAD_DTYPES))
@pytest.mark.parametrize("key", STATE_KEYS)
def test_weights_bad_dtype(key, dtype):
    state = valid_state()
    state[key] = BAD_DTYPES[dtype](state[key].shape)
    with pytest.raises(ValueError, match=rf"{key}: expected a real floating-point array"):
        rc.from_pytorch(state)
    field = ("W_ih", "W_hh", "b_ih", "b_hh")[STATE_KEYS.index(key)]
    with pytest.raises(ValueError, match=rf"{field}: expected a real floating-point array"):
        make_layer("rnn", "tanh", state)


@pytest.mark.parametrize("cls,k", [(rc.RNNLayer, 1), (rc.LSTMLayer, 4), (rc.GRULayer, 3)])
def test_hidden_size_below_one(cls, k):
    with pytest.raises(ValueError, match=r"W_hh: expected shape .* with H >= 1"):
        cls(np.zeros((0, D)), np.zeros((0, 0)), np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match=r"weight_hh_l0: expected shape \(kH, H\) with H >= 1"):
        rc.from_pytorch(
            {
                "weight_ih_l0": np.zeros((0, D)),
                "weight_hh_l0": np.zeros((0, 0)),
                "bias_ih_l0": np.zeros(0),
                "bias_hh_l0": np.zeros(0),
            }
        )


@pytest.mark.parametrize("cls,k", [(rc.RNNLayer, 1), (rc.LSTMLayer, 4), (rc.GRULayer, 3)])
def test_layer_constructor_shapes(cls, k):
    ok = dict(W_ih=np.zeros((k * H, D)), W_hh=np.zeros((k * H, H)), b_ih=np.zeros(k * H), b_hh=np.zeros(k * H))
    layer = cls(**ok)
    assert (layer.H, layer.D) == (H, D)
    wrong_k = 2 if k != 2 else 3
    with pytest.raises(ValueError, match=rf"W_hh: expected shape \({k}\*H, H\)"):
        cls(**{**ok, "W_hh": np.zeros((wrong_k * H, H))})
    with pytest.raises(ValueError, match=r"W_hh: expected shape"):
        cls(**{**ok, "W_hh": np.zeros(k * H)})
    with pytest.raises(ValueError, match=rf"W_ih: expected shape \({k * H}, D\)"):
        cls(**{**ok, "W_ih": np.zeros((k * H + 1, D))})
    with pytest.raises(ValueError, match=r"W_ih: expected shape .* with D >= 1"):
        cls(**{**ok, "W_ih": np.zeros((k * H, 0))})
    with pytest.raises(ValueError, match=r"W_ih: expected shape"):
        cls(**{**ok, "W_ih": np.zeros(k * H)})
    with pytest.raises(ValueError, match=rf"b_ih: expected shape \({k * H},\)"):
        cls(**{**ok, "b_ih": np.zeros(k * H + 1)})
    with pytest.raises(ValueError, match=rf"b_hh: expected shape \({k * H},\)"):
        cls(**{**ok, "b_hh": np.zeros((1, k * H))})


@pytest.mark.parametrize("bad", ["sigmoid", "Tanh", "", None, "gelu"])
def test_bad_nonlinearity(bad):
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of \('tanh', 'relu'\)"):
        rc.from_pytorch(valid_state("rnn"), nonlinearity=bad)
    state = valid_state("rnn")
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of"):
        rc.RNNLayer(*(state[k] for k in STATE_KEYS), nonlinearity=bad)
    with pytest.raises(ValueError, match=r"nonlinearity"):
        rc.init_layer("rnn", D, H, 0, nonlinearity=bad)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("bad", ["relu", "sigmoid"])
def test_nonlinearity_for_a_gated_state(kind, bad):
    with pytest.raises(ValueError, match=rf"nonlinearity: only an RNN takes one; this state is a {kind}"):
        rc.from_pytorch(valid_state(kind), nonlinearity=bad)


@pytest.mark.parametrize("bad", ["foo", "PyTorch", "", None])
def test_bad_gru_formulation(bad):
    state = valid_state("gru")
    with pytest.raises(ValueError, match=r"formulation: expected one of \('pytorch', 'dlfs2'\)"):
        rc.GRULayer(*(state[k] for k in STATE_KEYS), formulation=bad)
    with pytest.raises(ValueError, match=r"formulation: expected one of"):
        rc.init_layer("gru", D, H, 0, formulation=bad)


@pytest.mark.parametrize("bad", [0, -1, -5, 1.5, 2.0, True, False, "2", np.float64(2.0)])
def test_bad_truncate(case, bad):
    layer, x, dhs, h0, c0, _ = case
    with pytest.raises(ValueError, match=r"truncate: expected a whole number of steps >= 1 or None"):
        rc.bptt(layer, x, dhs, h0=h0, c0=c0, truncate=bad)


# --- from_pytorch state dicts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [None, [], ("a", "b"), "weight_ih_l0", np.zeros((3, 3)), 42],
    ids=["None", "list", "tuple", "str", "array", "int"],
)
def test_state_not_a_mapping(state):
    with pytest.raises(ValueError, match=r"state: expected a mapping"):
        rc.from_pytorch(state)


def test_state_as_list_of_pairs_is_refused():
    with pytest.raises(ValueError, match=r"state: expected a mapping"):
        rc.from_pytorch(list(valid_state().items()))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("key", STATE_KEYS)
def test_state_missing_key(kind, key):
    state = valid_state(kind)
    del state[key]
    with pytest.raises(ValueError, match=rf"state: missing \['{key}'\]"):
        rc.from_pytorch(state)


@pytest.mark.parametrize("extra", ["weight_ih_l1", "weight_hh_l0_reverse", "weight_hr_l0", "bias", "1"])
def test_state_extra_key(extra):
    state = valid_state("lstm")
    state[extra] = np.zeros(3)
    with pytest.raises(ValueError, match=rf"state: unexpected keys \['{extra}'\]"):
        rc.from_pytorch(state)


@pytest.mark.parametrize("rows", [0, 2 * H, 5 * H, H + 1, 3 * H - 1, 4 * H + 1])
def test_state_weight_ih_rows_not_H_3H_4H(rows):
    state = valid_state("rnn")
    state["weight_ih_l0"] = np.zeros((rows, D))
    with pytest.raises(
        ValueError, match=rf"weight_ih_l0: expected shape \(H, D\), \(3H, D\) or \(4H, D\) with H = {H}"
    ):
        rc.from_pytorch(state)


def test_state_wrong_shapes():
    base = valid_state("lstm")  # weight_ih (4H, D), weight_hh (4H, H)
    with pytest.raises(ValueError, match=r"weight_ih_l0: expected shape"):
        rc.from_pytorch({**base, "weight_ih_l0": np.zeros(4 * H)})
    with pytest.raises(ValueError, match=r"weight_ih_l0: expected shape"):
        rc.from_pytorch({**base, "weight_ih_l0": np.zeros((4 * H, D, 1))})
    with pytest.raises(ValueError, match=r"weight_hh_l0: expected shape \(kH, H\)"):
        rc.from_pytorch({**base, "weight_hh_l0": np.zeros(4 * H)})
    with pytest.raises(ValueError, match=r"weight_hh_l0: expected shape \(kH, H\)"):
        rc.from_pytorch({**base, "weight_hh_l0": np.zeros((4 * H, H, 1))})
    # weight_hh rows disagree with the kind read from weight_ih
    with pytest.raises(ValueError, match=r"W_hh: expected shape \(4\*H, H\)"):
        rc.from_pytorch({**base, "weight_hh_l0": np.zeros((3 * H, H))})
    # weight_hh with a different H: weight_ih rows no longer fit
    with pytest.raises(ValueError, match=r"weight_ih_l0: expected shape"):
        rc.from_pytorch({**base, "weight_hh_l0": np.zeros((4 * (H + 1), H + 1))})
    with pytest.raises(ValueError, match=r"b_ih: expected shape \(20,\)"):
        rc.from_pytorch({**base, "bias_ih_l0": np.zeros(3 * H)})
    with pytest.raises(ValueError, match=r"b_hh: expected shape \(20,\)"):
        rc.from_pytorch({**base, "bias_hh_l0": np.zeros((4 * H, 1))})
    with pytest.raises(ValueError, match=r"W_ih: expected shape .* with D >= 1"):
        rc.from_pytorch({**base, "weight_ih_l0": np.zeros((4 * H, 0))})


# --- init_layer -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["transformer", "RNN", "", None, "lstm2"])
def test_init_unknown_kind(kind):
    with pytest.raises(ValueError, match=r"kind: expected one of \('rnn', 'lstm', 'gru'\)"):
        rc.init_layer(kind, D, H, 0)


@pytest.mark.parametrize("scheme", ["xavier", "Orthogonal", "", None, "he"])
def test_init_unknown_scheme(scheme):
    with pytest.raises(ValueError, match=r"scheme: expected one of \('pytorch', 'dlfs2', 'gaussian'"):
        rc.init_layer("rnn", D, H, 0, scheme=scheme)


def test_init_bad_numbers():
    with pytest.raises(ValueError, match=r"H: expected a whole number from 1"):
        rc.init_layer("lstm", D, 0, 0)
    with pytest.raises(ValueError, match=r"H: expected a whole number"):
        rc.init_layer("lstm", D, 2.0, 0)
    with pytest.raises(ValueError, match=r"H: expected a whole number"):
        rc.init_layer("lstm", D, True, 0)
    with pytest.raises(ValueError, match=r"D: expected a whole number from 1"):
        rc.init_layer("gru", 0, H, 0)
    with pytest.raises(ValueError, match=r"D: expected a whole number from 1 to 4096"):
        rc.init_layer("gru", 4097, H, 0)
    with pytest.raises(ValueError, match=r"seed: expected a whole number from 0 to 2\*\*32 - 1"):
        rc.init_layer("rnn", D, H, -1)
    with pytest.raises(ValueError, match=r"seed: expected a whole number"):
        rc.init_layer("rnn", D, H, 2**32)
    with pytest.raises(ValueError, match=r"seed: expected a whole number"):
        rc.init_layer("rnn", D, H, 1.0)
    with pytest.raises(ValueError, match=r"scale: expected a finite number >= 0"):
        rc.init_layer("rnn", D, H, 0, scheme="gaussian", scale=-1.0)
    with pytest.raises(ValueError, match=r"scale: expected a finite number >= 0"):
        rc.init_layer("rnn", D, H, 0, scheme="gaussian", scale=np.inf)
    with pytest.raises(ValueError, match=r"give spectral_radius or sigma_max, not both"):
        rc.init_layer("rnn", D, H, 0, spectral_radius=1.0, sigma_max=1.0)
    with pytest.raises(ValueError, match=r"spectral_radius: expected a finite number >= 0"):
        rc.init_layer("rnn", D, H, 0, spectral_radius=-0.5)
    with pytest.raises(ValueError, match=r"spectral_radius: expected a finite number >= 0"):
        rc.init_layer("rnn", D, H, 0, spectral_radius=np.nan)
    with pytest.raises(ValueError, match=r"sigma_max: expected a finite number >= 0"):
        rc.init_layer("lstm", D, H, 0, sigma_max=np.inf)
    with pytest.raises(ValueError, match=r"cannot rescale an all-zero recurrent matrix"):
        rc.init_layer("rnn", D, H, 0, scheme="identity", scale=0.0, spectral_radius=1.0)
    with pytest.raises(ValueError, match=r"forget_bias: expected a finite number"):
        rc.init_layer("lstm", D, H, 0, forget_bias=np.nan)
    with pytest.raises(ValueError, match=r"update_bias: expected a finite number"):
        rc.init_layer("gru", D, H, 0, update_bias=-np.inf)
    for tmax in (2, 1.5, 0, -3, np.nan):
        with pytest.raises(ValueError, match=r"chrono_tmax: expected a finite number > 2"):
            rc.init_layer("lstm", D, H, 0, chrono_tmax=tmax)


# --- gaps found in review: every bad argument gives a ValueError that names it ---------------------------
@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(forget_bias=None), "forget_bias: expected a finite number"),
        (dict(forget_bias="a"), "forget_bias: expected a finite number"),
        (dict(chrono_tmax=float("inf")), "chrono_tmax: expected a finite number > 2"),
        (dict(chrono_tmax="a"), "chrono_tmax: expected a finite number > 2, got 'a'"),
        (dict(update_bias=1.0), "update_bias: not an option of a lstm layer"),
        (dict(nonlinearity="relu"), "nonlinearity: not an option of a lstm layer"),
    ],
)
def test_init_lstm_bad_options(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        rc.init_layer("lstm", 2, 3, **kwargs)


@pytest.mark.parametrize(
    "kind, kwargs",
    [
        ("rnn", dict(forget_bias=1.0)),
        ("rnn", dict(update_bias=1.0)),
        ("rnn", dict(chrono_tmax=10)),
        ("rnn", dict(formulation="dlfs2")),
        ("gru", dict(forget_bias=1.0)),
        ("gru", dict(nonlinearity="relu")),
    ],
)
def test_init_refuses_options_of_another_kind(kind, kwargs):
    with pytest.raises(ValueError, match="not an option of a"):
        rc.init_layer(kind, 2, 3, **kwargs)


def test_init_unhashable_kind():
    with pytest.raises(ValueError, match="kind: expected one of"):
        rc.init_layer(["rnn"], 2, 3)


@pytest.mark.parametrize("bad", [None, 5, 3.5, object()])
def test_load_npz_wrong_argument_type(bad):
    with pytest.raises(ValueError, match="weights: expected a path, bytes or a binary file object"):
        rc.load_weights(bad)


def test_load_npz_accepts_memoryview():
    layer = rc.init_layer("gru", 2, 3, 0)
    buf = io.BytesIO()
    rc.save_weights(layer, buf, fmt="npz")
    loaded = rc.load_weights(memoryview(buf.getvalue()))
    assert np.array_equal(loaded.W_hh, layer.W_hh)


def test_timedelta_and_masked_inputs_refused():
    layer = rc.init_layer("rnn", 2, 3, 0)
    with pytest.raises(ValueError, match="x: expected a real floating-point array, got dtype timedelta64"):
        rc.bptt(layer, np.zeros((2, 1, 2), dtype="timedelta64[s]"), np.zeros((2, 1, 3)))
    x = np.ma.masked_array(np.zeros((2, 1, 2)), mask=[[[True, False]], [[False, False]]])
    with pytest.raises(ValueError, match="x: masked entries have no value"):
        rc.bptt(layer, x, np.zeros((2, 1, 3)))


def test_spectral_targets_are_converted_or_refused():
    """A target given as text is used as its number (as other numeric options are), or refused by name."""
    layer = rc.init_layer("rnn", 2, 4, 0, scheme="gaussian", spectral_radius="2")
    np.testing.assert_allclose(np.max(np.abs(np.linalg.eigvals(layer.W_hh))), 2.0, rtol=1e-12)
    layer = rc.init_layer("rnn", 2, 4, 0, scheme="gaussian", sigma_max="1.5")
    np.testing.assert_allclose(np.linalg.norm(layer.W_hh, 2), 1.5, rtol=1e-12)
    with pytest.raises(ValueError, match="spectral_radius: expected a finite number >= 0"):
        rc.init_layer("rnn", 2, 4, 0, spectral_radius="abc")
