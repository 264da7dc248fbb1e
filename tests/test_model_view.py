"""The "Your model" page's data against the core, its claims against their numbers, and hostile uploads.

Everything here calls the pure functions the page calls (explorer/model/data.py, explorer/model/claims.py) with
the bytes an upload would give; tests/test_model_page.py runs the page itself.
"""

from __future__ import annotations

import io
import math
import pickle
import re
import zipfile

import checkers_model
import numpy as np
import pytest
from checkers_flow import log10_of
from claim_registry import check_all
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import recurrent_core as rc
from explorer.model import claims as model_claims
from explorer.model import data as model_view
from explorer.model.data import InputError, InputSpec
from explorer.shared import claims as shared_claims
from explorer.shared.controls import MEMORY_BUDGET_BYTES, tape_bytes

NUMBER = r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)(%?)"


def file_of(stack_or_state, fmt: str = "safetensors", prefix: str = "") -> bytes:
    state = stack_or_state if isinstance(stack_or_state, dict) else rc.to_pytorch(stack_or_state)
    state = {f"{prefix}{k}": v for k, v in state.items()}
    buf = io.BytesIO()
    rc.save_weights(state, buf, fmt=fmt)  # type: ignore[arg-type]
    return buf.getvalue()


def small_stack(kind: str = "lstm", layers: int = 2, bidirectional: bool = True, seed: int = 3, **kw):
    return rc.init_stack(kind, 3, 5, layers, bidirectional, seed, **kw)


# ---------------------------------------------------------------------------------------------- against the core
@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("loss", ["last", "every"])
def test_norms_equal_the_cores_bptt_per_layer_and_direction(kind, loss):
    stack = small_stack(kind, forget_bias=1.0) if kind == "lstm" else small_stack(kind)
    spec = InputSpec(T=9, N=2, scale=0.8, seed=4, loss=loss)
    loaded = model_view.load_model(file_of(stack))
    result = model_view.run(loaded, spec)
    x = model_view.random_inputs(spec, 3)
    dhs, _ = model_view.upstream(spec, 9, 2, 10)
    trace = rc.bptt(stack, x, dhs)
    for k, d in stack.layer_keys():
        key = model_view.label(k, d)
        want = np.log10(np.linalg.norm(trace.dh(k, d).reshape(9, -1), axis=1))
        got = result.model.flow.curve(f"{key}:dh")
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        if kind == "lstm":
            want_c = np.log10(np.linalg.norm(trace.dc(k, d).reshape(9, -1), axis=1))
            np.testing.assert_allclose(result.model.flow.curve(f"{key}:dc"), want_c, atol=1e-9)
        gate = trace.layers[(k, d)].tape
        g = rc.time_ordered(d, gate.gate("f") if kind == "lstm" else gate.keep) if kind != "rnn" else None
        if g is not None:
            assert result.model.gate_means[key] == pytest.approx(float(g.mean()), abs=1e-12)
            rows = result.model.gates[result.model.gates["layer_direction"] == key]
            np.testing.assert_allclose(rows["mean"], g.reshape(9, -1).mean(axis=1), atol=1e-12)


def test_the_log_domain_fallback_agrees_where_float64_holds():
    """An exploding relu stack: where the plain backward is finite the fallback's norms are the same."""
    stack = rc.init_stack("rnn", 2, 4, 1, False, 0, nonlinearity="relu", scheme="identity", scale=1.5)
    x = np.abs(np.random.default_rng(0).standard_normal((40, 1, 2)))
    dhs = np.zeros((40, 1, 4))
    dhs[-1] = 1.0
    plain = model_view.analyse(stack, x, dhs, "model", True)
    trace = rc.bptt(stack, x, dhs)
    want = np.log10(np.linalg.norm(trace.dh(0, "forward").reshape(40, -1), axis=1))
    np.testing.assert_allclose(plain.flow.curve("layer 1 forward:dh"), want, atol=1e-9)


def test_fresh_twin_has_the_shape_and_pytorchs_default_init():
    stack = small_stack("gru", formulation="dlfs2")
    twin = model_view.fresh_twin(stack, 7)
    assert (twin.kind, twin.num_layers, twin.bidirectional, twin.D, twin.H) == ("gru", 2, True, 3, 5)
    assert twin.layers[0].formulation == "dlfs2"
    bound = 1 / math.sqrt(5)
    assert all(np.abs(layer.W_hh).max() <= bound for layer in twin.layers)


def test_fresh_twin_keeps_a_hard_sigmoid_gate():
    stack = small_stack("lstm", gate_activation="hard_sigmoid_keras2")
    twin = model_view.fresh_twin(stack, 7)
    assert [layer.gate_activation for layer in twin.layers] == ["hard_sigmoid_keras2"] * 4


def test_spectral_facts_of_each_block():
    stack = small_stack("lstm")
    facts = model_view.spectral_facts(stack, spectra=False)  # H = 5: computed anyway
    assert len(facts) == 4 * 4
    f = facts[1]  # layer 0 forward, block f
    want = rc.spectral_facts(stack.layer(0, "forward").W_hh[5:10])
    assert (f.block, f.spectral_radius, f.sigma_max) == ("f", want.spectral_radius, want.sigma_max)


def test_big_hidden_size_skips_eigenvalues_unless_asked():
    stack = rc.init_stack("rnn", 2, model_view.SPECTRA_AUTO_MAX_H + 1, 1, False, 0)
    assert model_view.spectral_facts(stack, spectra=False)[0].spectral_radius is None
    assert model_view.spectral_facts(stack, spectra=True)[0].spectral_radius is not None


def test_one_output_unit_and_a_unit_that_does_not_exist():
    dhs, note = model_view.upstream(InputSpec(loss="every", unit=3), 4, 2, 10)
    assert note is None and dhs[:, :, 3].all() and dhs.sum() == 8
    dhs, note = model_view.upstream(InputSpec(loss="last", unit=10), 4, 2, 10)
    assert note is not None and dhs[-1].all() and dhs[:-1].sum() == 0


def test_the_budget_reduces_n_then_t_with_a_notice():
    stack = rc.init_stack("lstm", 2, 256, 2, True, 0)
    x = np.zeros((1000, 8, 2))
    fitted, note = model_view.fit_budget(x, stack)
    assert note is not None and fitted.shape[1] == 1
    assert 4 * tape_bytes(fitted.shape[0], fitted.shape[1], 256) <= MEMORY_BUDGET_BYTES
    small, note = model_view.fit_budget(np.zeros((10, 1, 2)), stack)
    assert note is None and small.shape == (10, 1, 2)


def test_modules_and_prefixes():
    a, b = small_stack("lstm"), rc.init_stack("gru", 4, 2, 1, False, 0)
    state = {f"enc.rnn.{k}": v for k, v in rc.to_pytorch(a).items()}
    state |= {f"dec.{k}": v for k, v in rc.to_pytorch(b).items()}
    state["head.weight"] = np.ones((2, 3))
    for fmt in ("safetensors", "npz"):
        data = file_of(state, fmt)
        assert model_view.modules_in(data) == ["dec", "enc.rnn"]
        assert model_view.load_model(data, "dec").info.kind == "gru"
        assert model_view.load_model(data, "enc.rnn").info.describe().startswith("LSTM `enc.rnn`: 2 layers")
        with pytest.raises(ValueError, match="choose one"):
            model_view.load_model(data)


def test_compute_caches_by_the_files_hash_and_settings():
    data = file_of(small_stack("rnn", 1, False))
    spec = InputSpec(T=5)
    info, first = model_view.compute(data, spec)
    _, again = model_view.compute(bytes(data), spec)
    assert again is first and info.n_params == 5 * 3 + 25 + 10
    _, other = model_view.compute(data, InputSpec(T=6))
    assert other.T == 6


# -------------------------------------------------------------------------------------------- hostile uploads
def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        header = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (100000000,), }"
        header = header + b" " * (127 - len(header)) + b"\n"
        z.writestr("weight_hh_l0.npy", header + b"\0" * (50 * 2**20))
    return buf.getvalue()


def pickled_pt() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # what torch.save writes: a zip with a pickle inside
        z.writestr("archive/data.pkl", pickle.dumps({"weight_hh_l0": [1.0]}))
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(0).bytes(5000),
        b"",
        pickle.dumps({"weight_ih_l0": np.ones((4, 2))}),
        pickled_pt(),
        zip_bomb(),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ",
        file_of({"something": np.ones(3)}),
    ],
    ids=["random", "empty", "pickle", "pt-zip", "zip-bomb", "bad-header", "no-recurrent-keys"],
)
def test_bad_weight_files_raise_a_value_error_with_a_message(data):
    with pytest.raises(ValueError) as err:
        model_view.modules_in(data, "upload.safetensors")
        model_view.compute(data, InputSpec(T=3))
    assert len(str(err.value)) > 10


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, name, message",
    [
        (npy(np.ones((5, 2))), "x.npy", "D = 3"),
        (npy(np.ones((5,))), "x.npy", "shape"),
        (npy(np.ones((2, 3, 4, 3))), "x.npy", "4 dimensions"),
        (npy(np.array([[1.0, np.nan, 2.0]])), "x.npy", "NaN"),
        (npy(np.array([{"a": 1}], dtype=object)), "x.npy", "dtype"),
        (npy(np.ones((5, 3)))[:-8], "x.npy", "shorter"),
        (b"not an npy", "x.npy", "readable"),
        (b"1,2,3\n4,5\n", "x.csv", "same number of columns"),
        (b"1,2\n3,4\n", "x.csv", "D = 3"),
        (b"a,b,c\n1,x,3\n", "x.csv", "not a number"),
        (b"\xff\xfe\x00", "x.csv", "UTF-8"),
        (b"", "x.csv", "no rows"),
        (npy(np.ones((5, 3))), "x.pkl", ".npy or .csv"),
        (npy(np.ones((1001, 3))), "x.npy", "at most 1000"),
    ],
)
def test_bad_inputs_raise_an_input_error_that_says_why(data, name, message):
    with pytest.raises(InputError, match=re.escape(message)):
        model_view.read_input(data, name, 3)


def test_good_inputs():
    x = model_view.read_input(npy(np.arange(15.0).reshape(5, 3)), "x.npy", 3)
    assert x.shape == (5, 1, 3)
    x = model_view.read_input(npy(np.ones((4, 2, 3), dtype=np.float32)), "x.npy", 3)
    assert x.shape == (4, 2, 3) and x.dtype == np.float64
    x = model_view.read_input(b"a,b,c\n1,2,3\n4,5,6\n", "x.csv", 3)
    np.testing.assert_array_equal(x[:, 0], [[1, 2, 3], [4, 5, 6]])
    data = file_of(small_stack("lstm", 1, False))
    _, r = model_view.compute(data, InputSpec(), input_data=b"1,2,3\n4,5,6\n", input_name="x.csv")
    assert (r.T, r.N) == (2, 1)


# -------------------------------------------------------------------------------------- claims against numbers


def check_claim(claim, text: str, lang: str) -> None:
    if isinstance(claim, model_claims.LayerTrendClaim):
        t = claim.trend
        ko = lang == "ko"
        if t.steps > 0 and t.direction != "undefined":
            if t.log10_ratio < 0:
                found = re.findall(NUMBER + "만 남습니다" if ko else "keeps " + NUMBER, text)
            else:
                found = re.findall(NUMBER + "배로 커집니다" if ko else "grows (?:to )?" + NUMBER + "×", text)
            if t.log10_ratio != 0:
                assert found, text
                v, p = found[0]
                assert abs(log10_of(v, p) - t.log10_ratio) < 0.01 * max(1, abs(t.log10_ratio)), text
            assert (("소실" if ko else "vanishes") in text) == (t.direction == "vanishes"), text
            assert (("폭발" if ko else "explodes") in text) == (t.direction == "explodes"), text
            assert str(t.steps) in text
    elif isinstance(claim, model_claims.GateShiftClaim):
        nums = [float(v) for v in re.findall(r"\d\.\d{3}", text)]
        assert nums[:2] == [round(claim.trained, 3), round(claim.fresh, 3)], text
        d = claim.trained - claim.fresh
        opened = ("더 열려" if lang == "ko" else "more open") in text
        closed = ("더 닫혀" if lang == "ko" else "more closed") in text
        assert opened == (d >= model_claims.GATE_SHIFT) and closed == (d <= -model_claims.GATE_SHIFT), text
    elif isinstance(claim, model_claims.TwinClaim):
        h_part = text.split(";")[0] if lang == "en" else text.split(" 기억 셀")[0]
        m, f = claim.model_log10, claim.fresh_log10
        same = abs(m - f) < 1e-9 or shared_claims.pct(m) == shared_claims.pct(f)  # printed equal: "the same"
        more = any(w in h_part for w in (" more ", "ends higher", "더 많이", "더 큽니다"))
        less = any(w in h_part for w in (" less ", "ends lower", "더 적게", "더 작습니다"))
        assert more == (m > f and not same) and less == (m < f and not same), text
        if lang == "en" and not same:  # "keep" only while both kept a share
            assert (" keep " in h_part) == (m <= 0 and f <= 0), text


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["rnn", "lstm", "gru"]),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    H=st.integers(1, 6),
    T=st.integers(1, 25),
    loss=st.sampled_from(["last", "every"]),
    unit=st.integers(-1, 12),
    bias=st.sampled_from([-2.0, 0.0, 3.0]),
    scale=st.sampled_from([0.5, 1.0, 2.5]),
    seed=st.integers(0, 1000),
)
def test_no_model_claim_contradicts_its_numbers(kind, layers, bidirectional, H, T, loss, unit, bias, scale, seed):
    opts = {"lstm": {"forget_bias": bias}, "gru": {"update_bias": bias}, "rnn": {}}[kind]
    stack = rc.init_stack(kind, 2, H, layers, bidirectional, seed, scheme="gaussian", scale=scale, **opts)
    result = model_view.run(model_view.load_model(file_of(stack)), InputSpec(T=T, loss=loss, unit=unit, seed=seed))
    claims = model_claims.model_claims(result)
    assert claims
    for lang in ("en", "ko"):
        for claim, text in zip(claims, model_claims.render(claims, lang), strict=True):
            check_claim(claim, text, lang)


def test_a_safetensors_header_whose_length_starts_like_a_pickle_loads():
    """Found by the property test: a 2-layer bidirectional RNN with H = 3 has a 0x480-byte header (80 04 …),
    which the loader took for a pickle's protocol mark."""
    data = file_of(rc.init_stack("rnn", 2, 3, 2, True, 0))
    assert data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")
    assert model_view.load_model(data).info.num_layers == 2


def test_adding_inputs_mark_one_step_in_each_half_and_need_d_2():
    x = model_view.adding_inputs(InputSpec(T=10, N=5, seed=1))
    assert x.shape == (10, 5, 2) and (x[:, :, 1].sum(axis=0) == 2).all()
    assert (x[:5, :, 1].sum(axis=0) == 1).all() and ((x[:, :, 0] >= 0) & (x[:, :, 0] < 1)).all()
    r = model_view.run(model_view.load_model(file_of(small_stack("lstm", 1, False))), InputSpec(T=4, kind="adding"))
    assert any("D = 2" in n[0] for n in r.notices)


# ------------------------------------------------------------------------------- issue 16 and issue 18 on this page
def bilstm_result(T: int = 60, loss: str = "last"):
    stack = rc.init_stack("lstm", 3, 8, 2, True, 1)
    return model_view.run(model_view.load_model(file_of(stack)), InputSpec(T=T, loss=loss, seed=2))


def test_a_reverse_layers_reading_is_measured_from_the_losss_end():
    """Issue 16: a 2-layer bidirectional LSTM's lower reverse layer read 'grows … explodes' while its curve falls
    from the loss's end (t = T) to t = 1."""
    r = bilstm_result()
    y = r.model.flow.curve("layer 1 reverse:dh")
    assert y[0] < y[-1] - 2  # the curve falls from t = T to t = 1 by more than two decades
    tr = r.model.flow.trends["layer 1 reverse:dh"]
    assert tr.log10_ratio == pytest.approx(y[0] - y[-1]) and tr.direction == "vanishes" and tr.steps == 59
    claim = next(c for c in model_claims.model_claims(r) if isinstance(c, model_claims.LayerTrendClaim)
                 and c.name[0] == "layer 1 reverse" and not c.fresh)  # fmt: skip
    en, ko = claim.render("en"), claim.render("ko")
    assert "keeps" in en and "vanishes" in en and "grows" not in en and "explodes" not in en
    assert "from t = 60 (the loss's end) to t = 1" in en
    assert "만 남습니다" in ko and "소실" in ko and "폭발" not in ko
    # the top reverse layer with the loss at the last step: the loss reaches one step only
    top = next(c for c in model_claims.model_claims(r) if isinstance(c, model_claims.LayerTrendClaim)
               and c.name[0] == "layer 2 reverse" and not c.fresh)  # fmt: skip
    assert "one step only" in top.render("en")


def test_one_numbering_from_1_everywhere():
    r = bilstm_result(T=5)
    keys = ("layer 1 forward", "layer 1 reverse", "layer 2 forward", "layer 2 reverse")
    assert r.keys == keys
    assert set(r.model.heat["layer_direction"]) == set(keys)
    assert set(model_view.spectral_table(r.model, r.fresh)["layer_direction"]) == set(keys)
    _, names, _ = model_view.gate_series(r)
    assert names["model:layer 2 reverse"] == ("layer 2 reverse", "2층 역방향")
    text = " ".join(model_claims.render(model_claims.model_claims(r), "en"))
    assert "layer 0" not in text and "L0" not in text and "layer 1 forward" in text


def test_exports_are_named_from_the_pages_settings():
    stem = model_view.export_stem("model_dh", "lstm_adding_T250_open_gate.safetensors",
                                  InputSpec(T=250, N=4, kind="adding", seed=7, loss="every"), 250, 4)  # fmt: skip
    assert stem == "model_dh_lstm_adding_T250_open_gate_adding_T250_N4_seed7_loss-every"


def test_a_pt_upload_gets_the_two_conversion_lines():
    for data, name in ((pickled_pt(), "model.pt"), (pickled_pt(), "model.pth"), (pickled_pt(), "model.safetensors"),
                       (pickle.dumps({"a": 1}), "weights.bin")):  # fmt: skip
        with pytest.raises(model_view.WeightsError) as err:
            model_view.scan(data, name)
        assert err.value.convert and "pickle" in err.value.text[0] and "pickle" in err.value.text[1]


def test_a_file_it_cannot_read_says_what_it_is_not_and_which_formats_it_reads():
    junk = np.random.default_rng(0).bytes(5000)
    with pytest.raises(model_view.WeightsError) as err:
        model_view.scan(junk, "x.npz")
    en = err.value.text[0]
    assert "not a zip archive" in en and "header" not in en and "JSON" not in en
    for fmt in (".safetensors", ".npz", ".keras", ".weights.h5", ".h5/.hdf5", ".onnx"):
        assert fmt in en and fmt in err.value.text[1]
    with pytest.raises(model_view.WeightsError) as err:
        model_view.scan(junk, "x.dat")
    assert "none of the formats" in err.value.text[0]
    with pytest.raises(model_view.WeightsError) as err:
        model_view.scan(junk, "x.h5")
    assert "not an HDF5 file" in err.value.text[0]


def test_the_modules_found_with_their_sizes_and_format():
    a, b = small_stack("lstm"), rc.init_stack("gru", 4, 2, 1, False, 0)
    state = {f"enc.rnn.{k}": v for k, v in rc.to_pytorch(a).items()}
    state |= {f"dec.{k}": v for k, v in rc.to_pytorch(b).items()}
    found = model_view.scan(file_of(state, "npz"), "m.npz")
    assert [(m.name, m.kind, m.D, m.H, m.num_layers, m.bidirectional, m.fmt) for m in found.modules] == [
        ("dec", "gru", 4, 2, 1, False, "npz"), ("enc.rnn", "lstm", 3, 5, 2, True, "npz")]  # fmt: skip


def test_a_pytorch_cell_state_dict_loads():
    layer = rc.init_layer("lstm", D=3, H=4, seed=0)
    state = {f"cell.{k[: -len('_l0')]}": v for k, v in rc.to_pytorch(layer).items()}  # weight_ih, no _l0
    data = file_of(state)
    found = model_view.scan(data, "c.safetensors")
    assert [(m.name, m.kind) for m in found.modules] == [("cell", "lstm")]
    info, r = model_view.compute(data, InputSpec(T=6), "cell", name="c.safetensors")
    assert info.kind == "lstm" and r.keys == ("layer 1 forward",)


def test_arrays_under_any_names_with_their_shapes_checked():
    layer = rc.init_layer("gru", D=3, H=4, seed=0)
    pt = rc.to_pytorch(layer)
    state = {"enc_w_ih": pt["weight_ih_l0"], "enc_w_hh": pt["weight_hh_l0"], "enc_b_ih": pt["bias_ih_l0"],
             "enc_b_hh": pt["bias_hh_l0"], "vocab": np.ones((7, 3))}  # fmt: skip
    data = file_of(state, "npz")
    found = model_view.scan(data, "w.npz")
    assert not found.modules and found.arrays["enc_w_hh"] == (12, 4)
    names = {"weight_ih": "enc_w_ih", "weight_hh": "enc_w_hh", "bias_ih": "enc_b_ih", "bias_hh": "enc_b_hh"}
    kind, lines = model_view.mapping_report(found.arrays, names)
    assert kind == "gru" and "(3H, H) with H = 4: a GRU" in lines[0][0]
    bad, lines = model_view.mapping_report(found.arrays, names | {"weight_hh": "vocab"})
    assert bad is None and "(H, H) for an RNN, (3H, H) for a GRU or (4H, H) for an LSTM" in lines[0][0]
    bad, lines = model_view.mapping_report(found.arrays, names | {"weight_ih": "vocab"})
    assert bad is None and "needs (12, D)" in lines[-1][0]
    spec = InputSpec(T=5, N=2, seed=3)
    _, r = model_view.compute(data, spec, names=names, name="w.npz")
    x = model_view.random_inputs(spec, 3)
    dhs, _ = model_view.upstream(spec, 5, 2, 4)
    want = np.log10(np.linalg.norm(rc.bptt(layer, x, dhs).dh.reshape(5, -1), axis=1))
    np.testing.assert_allclose(r.model.flow.curve("layer 1 forward:dh"), want, atol=1e-9)


def test_token_ids_as_rows_of_a_table_or_one_hot():
    assert model_view.parse_ids(" 3 17,5 ") == (3, 17, 5)
    for text, message in (("", "Type the ids"), ("3 x", "'x' is not"), ("-1", "'-1' is not"),
                          (" ".join(["1"] * 1001), "at most 1000")):  # fmt: skip
        with pytest.raises(InputError, match=re.escape(message)):
            model_view.parse_ids(text)
    x = model_view.id_inputs(InputSpec(ids=(2, 0)), 4)
    np.testing.assert_array_equal(x[:, 0], [[0, 0, 1, 0], [1, 0, 0, 0]])
    with pytest.raises(InputError, match="ids 0 … 3"):
        model_view.id_inputs(InputSpec(ids=(4,)), 4)
    table = np.arange(12.0).reshape(4, 3)
    x = model_view.id_inputs(InputSpec(ids=(3, 1), table="emb"), 3, table)
    np.testing.assert_array_equal(x[:, 0], [[9, 10, 11], [3, 4, 5]])
    with pytest.raises(InputError, match="4 rows"):
        model_view.id_inputs(InputSpec(ids=(4,), table="emb"), 3, table)
    # through the page's one call, with the table read from the weights file
    stack = small_stack("lstm", 1, False)
    state = {f"rnn.{k}": v for k, v in rc.to_pytorch(stack).items()} | {"embedding.weight": table}
    for fmt in ("safetensors", "npz"):
        data = file_of(state, fmt)
        assert model_view.tables_for(model_view.arrays_in(data), 3)[0] == "embedding.weight"
        np.testing.assert_array_equal(model_view.read_array(data, "embedding.weight"), table)
        _, r = model_view.compute(data, InputSpec(kind="rows", ids=(3, 1, 0), table="embedding.weight"), "rnn")
        assert (r.T, r.N) == (3, 1)


def test_an_rnns_activation_is_said_assumed_and_an_lstm_ignores_the_control():
    stack = rc.init_stack("rnn", 2, 3, 1, False, 0, nonlinearity="relu")
    data = file_of(stack)
    info, r = model_view.compute(data, InputSpec(T=4), None, "relu")
    x = model_view.random_inputs(InputSpec(T=4), 2)
    dhs, _ = model_view.upstream(InputSpec(T=4), 4, 1, 3)
    want = np.log10(np.linalg.norm(rc.bptt(stack, x, dhs).dh(0, "forward").reshape(4, -1), axis=1))
    np.testing.assert_allclose(r.model.flow.curve("layer 1 forward:dh"), want, atol=1e-9)
    claims = model_claims.model_claims(r, info)
    first = claims[0]
    assert isinstance(first, model_claims.ActivationClaim)
    assert "**relu**, assumed" in first.render("en") and "가정" in first.render("ko")
    info, _ = model_view.compute(file_of(small_stack("lstm", 1, False)), InputSpec(T=3), None, "relu")
    assert info.kind == "lstm" and info.activation == ""


def test_the_shipped_open_gate_lstm_is_judged_by_its_cell_and_never_kept_above_one():
    """Session 8's browser review: the example LSTM (T = 250, forget gate opened by training) at T = 400, loss at
    every step, read 'these weights keep less of the gradient than a fresh init: 1.07 against 1.18' while its
    memory cell grew 27.7× against 2.32×. Now no ratio above 1 is "kept", and the twin reading has the cell too."""
    data, name = model_view.example_bytes("T250_open")
    info, result = model_view.compute(data, InputSpec(T=400, kind="random", loss="every"), name=name)
    twins = [c for c in model_claims.model_claims(result, info) if isinstance(c, model_claims.TwinClaim)]
    assert twins and all(c.cell is not None for c in twins)  # an LSTM: its ‖∂L/∂c_t‖ beside ‖∂L/∂h_t‖
    assert check_all(twins, checkers_model.ModelContext(result, info, "")) == 2 * len(twins)
    for c in twins:
        assert all("‖∂L/∂c_t‖" in c.render(lang) for lang in ("en", "ko"))
        en = c.render("en")
        if c.model_log10 > 0 or c.fresh_log10 > 0:
            assert " keep " not in en.split(";")[0], en
