"""Unit tests of the app's non-UI logic: explorer.settings, explorer.data and explorer.text.

The numbers a page shows must be the numbers the core computes: the data tests recompute them with
recurrent_core directly (layers built by rc.init_layer, inputs drawn here) and compare.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import charts
import recurrent_core as rc
from explorer import data, text
from explorer import settings as S
from explorer.settings import CONTROLS, MEMORY_BUDGET_BYTES, Settings

BOOK_PRESET = dict(
    T=20, H=3, N=2, seed=3, scheme="book", scale=1.0, set_rho=False, act="tanh", loss="last", norm="book"
)
EXPLODING = Settings(scheme="orthogonal", set_rho=True, rho=3.0, T=1000, H=16, input_scale=0.0)


# ============================================================================================== settings
def valid(control: S.Control, value) -> bool:
    """``value`` is of the control's type and inside its range/options."""
    if control.options:
        return isinstance(value, str) and value in control.options
    if isinstance(control.default, bool):
        return isinstance(value, bool)
    if control.is_int:
        return type(value) is int and control.lo <= value <= control.hi
    return isinstance(value, float) and math.isfinite(value) and control.lo <= value <= control.hi


def quoted(notice: str) -> str:
    """The part of a notice between its two backticks (the quoted, untrusted text)."""
    assert notice.count("`") == 2, notice
    return notice.split("`")[1]


def test_settings_defaults_match_controls():
    s = Settings()
    assert [f.name for f in dataclasses.fields(Settings)] == [c.key for c in CONTROLS]
    for c in CONTROLS:
        assert getattr(s, c.key) == c.default
        assert type(getattr(s, c.key)) is type(c.default)
        assert valid(c, c.default), c.key
        if c.options:
            assert c.default in c.options
    assert s.as_dict() == {c.key: c.default for c in CONTROLS}
    assert S.BY_KEY["scheme"].options == rc.SCHEMES


def test_from_values_fills_defaults_and_ignores_unknown_keys():
    s = S.from_values({"T": 7, "scheme": "identity", "bogus": 1})
    assert s == dataclasses.replace(Settings(), T=7, scheme="identity")


@pytest.mark.parametrize(
    "raw",
    [
        "-5",
        "abc",
        "1e99",
        "-1e99",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "",
        "  ",
        "1e400",
        "<script>alert(1)</script>",
        "`rm -rf`",
        "0x10",
        "1,5",
        "2.5",
        "3.7",
        "\x00",
        ["1", "2"],
        [],
        ["<b>x</b>"],
        ("7",),
        None,
        12,
        -3.5,
        True,
    ],
)
def test_parse_params_garbage_gives_valid_values_and_safe_notices(raw):
    params = {c.key: raw for c in CONTROLS}
    values, notices = S.parse_params(params)
    assert set(values) == set(params)
    for c in CONTROLS:
        assert valid(c, values[c.key]), (c.key, raw, values[c.key])
    for notice in notices:
        inside = quoted(notice)
        assert not set(inside) & set("<>`\\"), notice
        key = inside.split("=")[0]
        assert key in S.BY_KEY
        assert len(inside) <= len(key) + 1 + 41
    # each notice names its key; a key without a notice kept the raw value unchanged
    noted = {quoted(n).split("=")[0] for n in notices}
    assert len(noted) == len(notices)
    for c in CONTROLS:
        if c.key not in noted:
            last = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
            text_raw = str(last).strip()
            if c.options:
                assert values[c.key] == text_raw
            elif isinstance(c.default, bool):
                assert str(values[c.key]).lower() == text_raw.lower() or text_raw.lower() in (
                    "1",
                    "0",
                    "yes",
                    "no",
                    "on",
                    "off",
                )
            else:
                assert float(text_raw) == values[c.key]


@pytest.mark.parametrize(
    "raw, expected, note",
    [
        ("-5", 1, "outside 1–1000"),
        ("1e99", 1000, "outside 1–1000"),
        ("inf", 1000, "outside"),
        ("-inf", 1, "outside"),
        ("abc", 50, "not a number"),
        ("nan", 50, "not a number"),
        ("", 50, "not a number"),
        ("100", 100, None),
        (" 100 ", 100, None),
        ("100.0", 100, None),
        (["3", "200"], 200, None),  # a repeated URL key: the last one counts
    ],
)
def test_parse_params_int_control(raw, expected, note):
    values, notices = S.parse_params({"T": raw})
    assert values == {"T": expected} and type(values["T"]) is int
    if note is None:
        assert notices == []
    else:
        assert len(notices) == 1 and "T=" in notices[0] and note in notices[0]
        assert f"using {expected}" in notices[0] or f"default {expected}" in notices[0]


def test_parse_params_rounds_whole_number_controls():
    values, notices = S.parse_params({"T": "2.6", "H": "3.0"})
    assert values == {"T": 3, "H": 3} and type(values["T"]) is int
    assert len(notices) == 1 and "T=2.6" in notices[0] and "using 3" in notices[0]


def test_parse_params_rounding_notice_does_not_claim_out_of_range():
    _, notices = S.parse_params({"T": "2.6"})
    assert "outside" not in notices[0]


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("input_scale", "9", 5.0),
        ("input_scale", "-1", 0.0),
        ("input_scale", "2.5", 2.5),
        ("rho", "0", 0.05),
        ("rho", "1e99", 3.0),
        ("forget_bias", "-100", -3.0),
        ("update_bias", "6", 6.0),
        ("scale", "abc", 1.0),
    ],
)
def test_parse_params_float_control(key, raw, expected):
    values, _ = S.parse_params({key: raw})
    assert values[key] == expected and isinstance(values[key], float)


def test_parse_params_script_tags_are_not_echoed():
    values, notices = S.parse_params(
        {"scheme": "<script>alert(1)</script>", "T": "<img src=x onerror=1>", "<script>": "1"}
    )
    assert values == {"scheme": "pytorch", "T": 50}
    assert len(notices) == 3
    for notice in notices:
        assert "<" not in quoted(notice) and ">" not in quoted(notice)
    assert "scheme=scriptalert(1)/script" in notices[0] and "pytorch, dlfs2" in notices[0]


def test_parse_params_unknown_keys_are_ignored_with_a_notice():
    values, notices = S.parse_params({"bogus": "1", "x" * 100: "2", "T": "10"})
    assert values == {"T": 10}
    assert len(notices) == 2
    assert "unknown URL parameter `bogus`" in notices[0]
    assert quoted(notices[1]) == "x" * 20 + "…"


def test_parse_params_valid_values_need_no_notice():
    params = {
        "T": "100",
        "H": "16",
        "seed": "2147483647",
        "input_scale": "0",
        "scheme": "orthogonal",
        "scale": "0.5",
        "set_rho": "true",
        "rho": "2.5",
        "act": "relu",
        "forget_bias": "-1.5",
        "gru_form": "dlfs2",
        "loss": "every",
        "norm": "mean",
    }
    values, notices = S.parse_params(params)
    assert notices == []
    assert values == {
        "T": 100,
        "H": 16,
        "seed": 2**31 - 1,
        "input_scale": 0.0,
        "scheme": "orthogonal",
        "scale": 0.5,
        "set_rho": True,
        "rho": 2.5,
        "act": "relu",
        "forget_bias": -1.5,
        "gru_form": "dlfs2",
        "loss": "every",
        "norm": "mean",
    }
    s = S.from_values(values)
    assert s.T == 100 and s.set_rho is True and s.scheme == "orthogonal"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("true", True),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("ON", True),
        (" on ", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("no", False),
        ("off", False),
        (["false", "true"], True),
    ],
)
def test_coerce_bool(raw, expected):
    assert S.coerce(S.BY_KEY["set_rho"], raw) == (expected, None)


@pytest.mark.parametrize("raw", ["maybe", "2", "", "<b>", [], "truee"])
def test_coerce_bool_garbage_uses_default(raw):
    value, note = S.coerce(S.BY_KEY["set_rho"], raw)
    assert value is False
    assert note is not None and "set_rho" in note and "not true or false" in note
    assert not set(quoted(note)) & set("<>`")


def test_coerce_options_are_exact():
    c = S.BY_KEY["act"]
    assert S.coerce(c, "relu") == ("relu", None)
    value, note = S.coerce(c, "RELU")
    assert value == "tanh" and "act=RELU" in note and "tanh, relu" in note


URL_TEXT = st.text(max_size=60)
URL_KEYS = st.one_of(st.sampled_from([c.key for c in CONTROLS]), st.text(max_size=30))
URL_VALUES = st.one_of(
    URL_TEXT,
    st.lists(URL_TEXT, max_size=3),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(URL_KEYS, URL_VALUES, max_size=20))
def test_parse_params_never_raises_and_stays_in_range(params):
    values, notices = S.parse_params(params)
    known = {**S.BY_KEY, S.LANG.key: S.LANG}
    assert set(values) == {k for k in params if k in known}
    for key, value in values.items():
        assert valid(known[key], value), (key, params[key], value)
    unknown = [k for k in params if k not in known]
    assert sum("unknown URL parameter" in n for n in notices) == len(unknown)
    for notice in notices:
        assert isinstance(notice, str)
        assert not set(quoted(notice)) & set("<>`\\\n")
    s = S.from_values({k: v for k, v in values.items() if k in S.BY_KEY})
    fitted, _ = S.within_budget(s)
    assert S.tape_bytes(fitted.T, fitted.N, fitted.H) <= MEMORY_BUDGET_BYTES


def test_within_budget_reduces_the_batch():
    big = Settings(T=1000, H=256, N=64)
    fitted, note = S.within_budget(big)
    assert fitted.N < 64 and fitted.N >= 1
    assert S.tape_bytes(fitted.T, fitted.N, fitted.H) <= MEMORY_BUDGET_BYTES
    assert S.tape_bytes(fitted.T, fitted.N + 1, fitted.H) > MEMORY_BUDGET_BYTES  # the largest batch that fits
    assert dataclasses.replace(fitted, N=64) == big  # nothing else changed
    assert note is not None and "N=64" in note and f"N={fitted.N}" in note and "MB" in note


def test_within_budget_leaves_small_runs_alone():
    s = Settings()
    assert S.within_budget(s) == (s, None)


@hsettings(max_examples=200, deadline=None)
@given(T=st.integers(1, 1000), H=st.integers(1, 256), N=st.integers(1, 64))
def test_within_budget_always_fits(T, H, N):
    fitted, note = S.within_budget(Settings(T=T, H=H, N=N))
    assert S.tape_bytes(fitted.T, fitted.N, fitted.H) <= MEMORY_BUDGET_BYTES
    assert 1 <= fitted.N <= N
    assert (note is None) == (fitted.N == N)


def test_caption_keys():
    base = ["T", "H", "N", "D", "seed", "x_scale", "init", "act", "b_f", "b_keep", "gru", "loss", "norm"]
    cap = Settings().caption()
    assert list(cap) == base
    assert cap["init"] == "pytorch" and cap["x_scale"] == 1.0 and cap["b_f"] == 0.0
    cap = Settings(scheme="orthogonal", scale=1.5, set_rho=True, rho=0.9, forget_bias=1.0).caption()
    assert list(cap) == [*base[:7], "rho", *base[7:]]
    assert cap["init"] == "orthogonal×1.5" and cap["rho"] == 0.9 and cap["b_f"] == 1.0
    assert Settings(scheme="dlfs2", scale=2.0).caption()["init"] == "dlfs2"  # scale does not apply


# ================================================================================================== data
def core_layer(s: Settings, kind: str, **override):
    """The layer built straight from recurrent_core, independent of explorer.data.make_layer."""
    p = s.as_dict() | override
    own = {
        "rnn": dict(nonlinearity=p["act"]),
        "lstm": dict(forget_bias=p["forget_bias"]),
        "gru": dict(update_bias=p["update_bias"], formulation=p["gru_form"]),
    }[kind]
    return rc.init_layer(
        kind,
        p["D"],
        p["H"],
        p["seed"],
        scheme=p["scheme"],
        scale=p["scale"],
        spectral_radius=p["rho"] if p["set_rho"] else None,
        **own,
    )


def core_inputs(s: Settings):
    rng = np.random.default_rng([s.seed, 1])
    x = rng.standard_normal((s.T, s.N, s.D)) * s.input_scale
    dhs = np.zeros((s.T, s.N, s.H))
    if s.loss == "last":
        dhs[-1] = 1.0
    else:
        dhs[:] = 1.0
    return x, dhs


@pytest.fixture(scope="module")
def default_compare():
    return data.compare(Settings())


@pytest.fixture(scope="module")
def exploding_compare():
    return data.compare(EXPLODING)


def test_make_inputs_shapes_and_loss_placement():
    s = Settings(T=6, N=3, D=5, H=4)
    x, dhs = data.make_inputs(s)
    assert x.shape == (6, 3, 5) and dhs.shape == (6, 3, 4)
    assert np.all(dhs[-1] == 1.0) and np.all(dhs[:-1] == 0.0)
    _, every = data.make_inputs(dataclasses.replace(s, loss="every"))
    assert np.all(every == 1.0)
    x0, _ = data.make_inputs(dataclasses.replace(s, input_scale=0.0))
    assert np.all(x0 == 0.0)
    x2, _ = data.make_inputs(dataclasses.replace(s, input_scale=2.0))
    np.testing.assert_allclose(x2, 2.0 * x)
    cx, cd = core_inputs(s)
    np.testing.assert_array_equal(x, cx)
    np.testing.assert_array_equal(dhs, cd)


def test_same_seed_same_inputs_and_layers():
    s = Settings(T=9, N=2, H=5, seed=11)
    x1, d1 = data.make_inputs(s)
    x2, d2 = data.make_inputs(dataclasses.replace(s))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(d1, d2)
    # the inputs do not depend on the kind or the hidden size: every architecture sees the same x
    x3, _ = data.make_inputs(dataclasses.replace(s, H=7, act="relu", gru_form="dlfs2"))
    np.testing.assert_array_equal(x1, x3)
    x4, _ = data.make_inputs(dataclasses.replace(s, seed=12))
    assert not np.array_equal(x1, x4)
    for kind in ("rnn", "lstm", "gru"):
        a, b = data.make_layer(s, kind), data.make_layer(s, kind)
        np.testing.assert_array_equal(a.W_hh, b.W_hh)
        np.testing.assert_array_equal(a.W_ih, b.W_ih)
    r1, r2 = data.compare(s), data.compare(s)
    pd.testing.assert_frame_equal(r1.curves, r2.curves)


def test_compare_has_all_curves(default_compare):
    s = Settings()
    curves = default_compare.curves
    labels = ["RNN", "LSTM", "GRU", "LSTM, gate bias +3", "GRU, gate bias +3"]
    assert list(curves["curve"].unique()) == labels
    assert len(curves) == len(labels) * s.T
    styles = curves.groupby("curve", sort=False)[["colour_key", "dash", "kind"]].first()
    assert styles.loc["RNN"].tolist() == ["rnn", "solid", "rnn"]
    assert styles.loc["LSTM"].tolist() == ["lstm", "solid", "lstm"]
    assert styles.loc["GRU"].tolist() == ["gru", "solid", "gru"]
    assert styles.loc["LSTM, gate bias +3"].tolist() == ["lstm", "dash", "lstm"]
    assert styles.loc["GRU, gate bias +3"].tolist() == ["gru", "dash", "gru"]
    for _, part in curves.groupby("curve"):
        np.testing.assert_array_equal(part["step"].to_numpy(), np.arange(s.T))
    assert set(default_compare.summaries) == {"rnn", "lstm", "gru"}
    assert set(default_compare.open_summaries) == {"lstm", "gru"}


def test_compare_without_open_gates():
    r = data.compare(Settings(T=10, H=4), show_open_gates=False)
    assert list(r.curves["curve"].unique()) == ["RNN", "LSTM", "GRU"]
    assert r.open_summaries == {}
    assert (r.curves["dash"] == "solid").all()


@pytest.mark.parametrize(
    "s",
    [
        Settings(),
        Settings(
            T=30,
            H=6,
            N=3,
            D=4,
            seed=5,
            loss="every",
            norm="mean",
            gru_form="dlfs2",
            forget_bias=1.0,
            update_bias=-0.5,
            act="relu",
        ),
        Settings(T=25, H=5, N=4, seed=2, scheme="gaussian", scale=1.3, set_rho=True, rho=0.8, norm="book"),
    ],
    ids=["defaults", "every-mean-dlfs2", "gaussian-rho-book"],
)
def test_compare_numbers_are_the_core_numbers(s):
    r = data.compare(s)
    x, dhs = core_inputs(s)
    expected = {
        "RNN": core_layer(s, "rnn"),
        "LSTM": core_layer(s, "lstm"),
        "GRU": core_layer(s, "gru"),
        f"LSTM, gate bias {s.forget_bias + 3:+g}": core_layer(s, "lstm", forget_bias=s.forget_bias + 3),
        f"GRU, gate bias {s.update_bias + 3:+g}": core_layer(s, "gru", update_bias=s.update_bias + 3),
    }
    assert list(r.curves["curve"].unique()) == list(expected)
    for label, layer in expected.items():
        fn = rc.flow_norms(layer, x, dhs)
        want = rc.aggregate(fn.log10_dh, s.norm)
        got = r.curves.loc[r.curves["curve"] == label, "log10_norm"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        sm = (r.summaries if "bias" not in label else r.open_summaries)[layer.kind]
        assert sm.log10_ratio == pytest.approx(want[0] - want[-1], abs=1e-12)
        assert sm.steps_to_vanish == data.steps_below(want)
        assert sm.overflow64 == fn.overflow_step["float64"] and sm.overflow32 == fn.overflow_step["float32"]
    path = rc.aggregate(rc.lstm_cell_path(core_layer(s, "lstm"), x, dhs).path.log10["c"], s.norm)
    assert r.cell_path_log10_kept == pytest.approx(path[0] - path[-1], abs=1e-12)


def test_default_gated_kinds_vanish_unless_gates_open(default_compare):
    """FACTS.md: at gate bias 0 (f ≈ z ≈ 0.5) LSTM and GRU vanish like the RNN; opened by +3 they keep it."""
    sm, opened = default_compare.summaries, default_compare.open_summaries
    assert sm["rnn"].log10_ratio < -6
    assert sm["lstm"].log10_ratio < -6 and sm["gru"].log10_ratio < -6
    assert opened["lstm"].log10_ratio > -3 and opened["gru"].log10_ratio > -3
    assert sm["lstm"].steps_to_vanish is not None and opened["lstm"].steps_to_vanish is None
    assert all(v.overflow64 is None and v.forward_overflow is None for v in sm.values())


def test_steps_below():
    assert data.steps_below(np.array([-10.0, -7.0, -5.0, -3.0, 0.0])) == 3
    assert data.steps_below(np.array([-6.0, -3.0, 0.0])) is None  # exactly 6 decades is not below
    assert data.steps_below(np.array([-6.01, -3.0, 0.0])) == 2
    assert data.steps_below(np.array([1.0, 2.0, 3.0])) is None
    assert data.steps_below(np.array([5.0])) is None
    assert data.steps_below(np.array([-4.0, -1.0, 2.0]), level=-2.0) == 1
    assert data.steps_below(np.array([-np.inf, 0.0, 0.0])) == 2  # an exact zero is below any level


def summary(kind, o64=None, o32=None, fwd=None):
    return data.KindSummary(
        kind=kind, log10_ratio=0.0, steps_to_vanish=None, overflow64=o64, overflow32=o32, forward_overflow=fwd
    )


def test_overflow_markers_merge_and_sort():
    markers = data.overflow_markers(
        [summary("rnn", 354, 920), summary("lstm", None, 596), summary("gru", None, 596, 10)]
    )
    assert markers == [
        {"step": 10, "label": "GRU: forward overflows"},
        {"step": 354, "label": "RNN: float64 overflows"},
        {"step": 596, "label": "LSTM: float32 overflows<br>GRU: float32 overflows"},
        {"step": 920, "label": "RNN: float32 overflows"},
    ]
    assert data.overflow_markers([summary("rnn"), summary("lstm")]) == []
    assert data.overflow_markers([summary("rnn", 0, 0)]) == [
        {"step": 0, "label": "RNN: float64 overflows<br>RNN: float32 overflows"}
    ]


def test_exploding_setting_overflows_and_stays_finite(exploding_compare):
    r, s = exploding_compare, EXPLODING
    rnn = r.summaries["rnn"]
    assert rnn.log10_ratio > 308  # past float64's range, computed in the log domain
    assert rnn.overflow64 is not None and rnn.overflow32 is not None
    assert rnn.overflow32 > rnn.overflow64  # float32 overflows after fewer steps back (t counts down)
    assert rnn.steps_to_vanish is None and rnn.forward_overflow is None
    assert np.isfinite(r.curves["log10_norm"]).all()
    markers = data.overflow_markers(r.summaries.values())
    labels = " ".join(m["label"] for m in markers)
    assert "RNN: float64 overflows" in labels and "RNN: float32 overflows" in labels
    assert [m["step"] for m in markers] == sorted({m["step"] for m in markers})
    assert {"step": rnn.overflow64, "label": "RNN: float64 overflows"} in markers
    fig = charts.norm_chart(r.curves, "exploding", s.caption(), markers=markers)
    rnn_trace = next(t for t in fig.data if t.name == "RNN")
    y = np.asarray(rnn_trace.y, float)
    assert np.isfinite(y).all() and y.max() > 308
    assert rnn_trace.customdata[0] == charts.format_log10(y[0])
    assert re.fullmatch(r"\d(\.\d+)?e\+4\d\d", rnn_trace.customdata[0])
    assert len([sh for sh in fig.layout.shapes if sh.type == "line"]) == len(markers)


def test_seed_band():
    s = Settings(T=15, H=6, seed=4)
    band = data.seed_band(s, 3)
    assert list(band.columns) == ["step", "curve", "colour_key", "lo", "hi"]
    assert list(band["curve"].unique()) == ["RNN", "LSTM", "GRU"] and len(band) == 3 * s.T
    assert (band["lo"] <= band["hi"]).all()
    assert (band["lo"] < band["hi"]).any()
    for seed in (4, 5, 6):  # every seed's curve lies inside the band
        curves = data.compare(dataclasses.replace(s, seed=seed), show_open_gates=False).curves
        for label in ("RNN", "LSTM", "GRU"):
            c = curves.loc[curves["curve"] == label, "log10_norm"].to_numpy()
            b = band[band["curve"] == label]
            assert np.all(b["lo"].to_numpy() <= c + 1e-12) and np.all(c <= b["hi"].to_numpy() + 1e-12)
    one = data.seed_band(s, 1)
    np.testing.assert_array_equal(one["lo"].to_numpy(), one["hi"].to_numpy())


def test_seed_band_wraps_the_seed():
    band = data.seed_band(Settings(T=5, H=3, seed=2**31 - 1), 2)  # seed 2**31 - 1, then 0
    assert (band["lo"] <= band["hi"]).all()


# ---------------------------------------------------------------------------------------------- rnn_view
def test_rnn_view_chains_and_gains_match_the_core():
    s = Settings(T=40, H=8, N=2, seed=1)
    r = data.rnn_view(s)
    assert list(r.chains["curve"].unique()) == [
        "full BPTT (tanh' and W_hh)",
        "W_hh matmul only (the book's chain)",
        "tanh' only (W_hh = I)",
    ]
    assert list(r.chains["chain"].unique()) == ["full", "matmul_only", "tanh_only"]
    assert list(r.chains.groupby("curve", sort=False)["dash"].first()) == ["solid", "dash", "dot"]
    x, dhs = core_inputs(s)
    layer = core_layer(s, "rnn")
    dec = rc.rnn_decomposition(layer, x, dhs)
    for chain, ref in (("full", dec.full), ("matmul_only", dec.matmul_only), ("tanh_only", dec.tanh_only)):
        got = r.chains.loc[r.chains["chain"] == chain, "log10_norm"].to_numpy()
        np.testing.assert_allclose(got, rc.aggregate(ref.log10["h"], s.norm), rtol=0, atol=1e-12)
    g = {f: r.gains.loc[r.gains["factor"] == f, "log10_gain"].to_numpy() for f in ("tanh", "matmul", "rnn")}
    np.testing.assert_allclose(g["tanh"], dec.log10_gain_tanh, atol=1e-12)
    np.testing.assert_allclose(g["tanh"] + g["matmul"], g["rnn"], atol=1e-9)
    facts = rc.spectral_facts(layer.W_hh)
    assert r.facts.spectral_radius == pytest.approx(facts.spectral_radius)
    assert r.facts.sigma_max == pytest.approx(facts.sigma_max)
    np.testing.assert_allclose(r.eigenvalues["modulus"], np.hypot(r.eigenvalues["real"], r.eigenvalues["imag"]))
    assert len(r.eigenvalues) == s.H and len(r.spectrum) == 2 * s.H
    sv = r.spectrum.loc[r.spectrum["quantity"] == "σ_i", "value"].to_numpy()
    np.testing.assert_allclose(sv, facts.singular_values)
    assert r.summary.kind == "rnn"
    assert r.summary.log10_ratio == pytest.approx(
        rc.aggregate(dec.full.log10["h"])[0] - rc.aggregate(dec.full.log10["h"])[-1]
    )


def test_rnn_view_matmul_rate_follows_rho():
    s = Settings(T=60, H=10, scheme="orthogonal", scale=0.8)  # ρ = σ_max = 0.8: the chain shrinks exactly ×0.8
    r = data.rnn_view(s)
    assert r.facts.spectral_radius == pytest.approx(0.8)
    assert r.rate_matmul == pytest.approx(0.8, rel=1e-9)
    assert r.rate_full <= r.rate_matmul + 1e-12  # tanh' ≤ 1 only takes away


def test_rnn_view_matmul_only_chain_is_the_book_figure():
    b = data.book_view()
    for scale in (1.0, 0.5):
        s = Settings(**(BOOK_PRESET | {"scale": scale}))
        r = data.rnn_view(s)
        chain = r.chains.loc[r.chains["chain"] == "matmul_only", "log10_norm"].to_numpy()
        book = rc.book_experiment(scale).norms
        assert len(chain) == s.T and len(book) == s.T
        # the chain at t = T-1 is dh = ones; book norm k comes after k+1 multiplications, i.e. at t = T-2-k
        assert 10.0 ** chain[-1] == pytest.approx(np.sqrt(s.N * s.H) / s.N, rel=1e-12)
        k = np.arange(s.T - 1)
        np.testing.assert_allclose(10.0 ** chain[s.T - 2 - k], book[k], rtol=1e-10)
        shown = b.loc[b["scale"] == scale, "norm"].to_numpy()
        np.testing.assert_allclose(10.0 ** chain[s.T - 2 - k], shown[k], rtol=1e-10)
    # the book's claims: ρ(Wh) = 1.255 although σ_max = 2.659
    r = data.rnn_view(Settings(**BOOK_PRESET))
    assert r.facts.spectral_radius == pytest.approx(1.255, abs=1e-3)
    assert r.facts.sigma_max == pytest.approx(2.659, abs=1e-3)


def test_book_view_is_book_experiment():
    b = data.book_view()
    assert list(b.columns) == ["step", "curve", "colour_key", "scale", "norm"]
    assert list(b["curve"].unique()) == ["Wh = randn(3, 3)", "Wh = randn(3, 3) × 0.5"]
    for scale in (1.0, 0.5):
        part = b[b["scale"] == scale]
        np.testing.assert_array_equal(part["step"].to_numpy(), np.arange(1, 21))
        np.testing.assert_array_equal(part["norm"].to_numpy(), rc.book_experiment(scale).norms)
    full, half = (b.loc[b["scale"] == v, "norm"].to_numpy() for v in (1.0, 0.5))
    assert full[-1] > full[0] and half[-1] < half[0]  # explodes, vanishes


# ------------------------------------------------------------------------------------- lstm_view / gru_view
def test_lstm_view():
    s = Settings(T=20, H=5, N=2, seed=3)
    r = data.lstm_view(s)
    assert len(r.heatmap) == s.T * s.H
    assert list(r.heatmap.columns) == ["step", "unit", "value"]
    assert r.heatmap["value"].between(0.0, 1.0).all()
    x, dhs = core_inputs(s)
    res = rc.lstm_cell_path(core_layer(s, "lstm"), x, dhs)
    np.testing.assert_array_equal(r.heatmap["value"].to_numpy(), res.gate[:, 0, :].reshape(-1))  # sample 0
    assert r.gate_mean == pytest.approx(float(res.gate.mean()))
    assert list(r.curves["quantity"].unique()) == ["dh", "dc", "cell_path"]
    dc = rc.aggregate(res.full.log10_dc, s.norm)
    np.testing.assert_allclose(r.curves.loc[r.curves["quantity"] == "dc", "log10_norm"], dc, atol=1e-12)
    assert r.full_log10_kept == pytest.approx(dc[0] - dc[-1])
    fig = charts.gate_heatmap(r.heatmap, "f", s.caption())
    assert np.asarray(fig.data[0].z).shape == (s.H, s.T)


@pytest.mark.parametrize("form", ["pytorch", "dlfs2"])
def test_gru_view_heatmap_is_z_and_gate_mean_is_the_keep_gate(form):
    s = Settings(T=20, H=6, N=1, seed=2, gru_form=form, update_bias=0.5)
    r = data.gru_view(s)
    assert len(r.heatmap) == s.T * s.H
    assert r.heatmap["value"].between(0.0, 1.0).all()
    x, dhs = core_inputs(s)
    res = rc.gru_direct_path(core_layer(s, "gru"), x, dhs)
    z = res.update_gate
    np.testing.assert_array_equal(r.heatmap["value"].to_numpy(), z[:, 0, :].reshape(-1))
    keep = z if form == "pytorch" else 1.0 - z
    assert r.gate_mean == pytest.approx(float(keep.mean()), abs=1e-12)
    heat_mean = float(r.heatmap["value"].mean())  # N = 1: the heatmap holds every gate value
    assert r.gate_mean == pytest.approx(heat_mean if form == "pytorch" else 1.0 - heat_mean, abs=1e-12)
    assert r.gate_mean > 0.5  # + keep bias keeps more, in either formulation
    label = r.curves.loc[r.curves["quantity"] == "direct_path", "curve"].iloc[0]
    assert label == ("direct path alone: ∏ (z)" if form == "pytorch" else "direct path alone: ∏ (1 - z)")


def test_t_equals_one_runs_everywhere():
    s = Settings(T=1, H=3)
    r = data.compare(s)
    assert len(r.curves) == 5 and all(sm.log10_ratio == 0.0 for sm in r.summaries.values())
    assert text.compare_reading(r, s) == ["With T = 1 there is no step to flow back through: raise **T**."]
    rv = data.rnn_view(s)
    assert math.isnan(rv.rate_matmul)
    assert text.rnn_reading(rv, s)
    for view in (data.lstm_view, data.gru_view):
        g = view(s)
        assert len(g.heatmap) == s.H
        assert len(text.gate_reading(g, s, "f")) == 3


@pytest.mark.parametrize("scheme", ["identity", "orthogonal"])
def test_zero_scale_with_target_rho_is_computable(scheme):
    """The slider allows scale 0 with a target ρ; the app drops the target (no ρ for W_hh = 0) with a notice."""
    s, note = S.consistent(Settings(T=5, H=3, scheme=scheme, scale=0.0, set_rho=True, rho=1.0))
    assert not s.set_rho and "cannot be set" in note
    r = data.compare(s)
    assert len(r.curves) == 25
    assert S.consistent(Settings(scheme=scheme, scale=0.5, set_rho=True)) == (
        Settings(scheme=scheme, scale=0.5, set_rho=True),
        None,
    )


# ================================================================================================== text
@pytest.mark.parametrize(
    "log10_value, expected",
    [
        (0.0, "100%"),
        (math.log10(0.4), "40%"),
        (math.log10(0.0123), "1.23%"),
        (-2.0, "1%"),
        (-2.5, charts.format_log10(-2.5)),
        (-13.2, charts.format_log10(-13.2)),
        (-1000.0, "1e-1000"),
        (3.0, charts.format_log10(3.0)),
        (-np.inf, "0"),
        (np.nan, "n/a"),
    ],
)
def test_pct(log10_value, expected):
    assert text.pct(log10_value) == expected


def test_pct_beyond_float64():
    assert text.pct(400.0) == charts.format_log10(400.0)


def test_compare_reading_at_defaults(default_compare):
    s = Settings()
    lines = text.compare_reading(default_compare, s)
    joined = "\n".join(lines)
    for name in ("**RNN**", "**LSTM**", "**GRU**"):
        assert name in joined
    for kind in ("rnn", "lstm", "gru"):
        sm = default_compare.summaries[kind]
        assert f"after {sm.steps_to_vanish} steps back" in joined
        assert pct_in(sm.log10_ratio, joined)
    point = next(line for line in lines if line.startswith("**The point:**"))
    assert "vanish" in point and "LSTM" in point and "GRU" in point
    for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
        assert f"{name} keeps {text.pct(default_compare.open_summaries[kind].log10_ratio)}" in point
    assert f"keeps {text.pct(default_compare.cell_path_log10_kept)} over the sequence" in joined


def pct_in(log10_value: float, joined: str) -> bool:
    return f"keeps {text.pct(log10_value)}" in joined


def test_compare_reading_when_gates_keep_the_gradient():
    s = Settings(T=8, H=4, forget_bias=6.0, update_bias=6.0)
    r = data.compare(s)
    assert r.summaries["lstm"].log10_ratio > -6 and r.summaries["gru"].log10_ratio > -6
    lines = text.compare_reading(r, s)
    assert not any(line.startswith("**The point:**") for line in lines)
    assert "The gated cells keep their gradient here" in lines[-1]


def test_compare_reading_exploding(exploding_compare):
    lines = text.compare_reading(exploding_compare, EXPLODING)
    rnn = exploding_compare.summaries["rnn"]
    assert lines[0].startswith("**RNN**: the gradient *grows*")
    assert f"{charts.format_log10(rnn.log10_ratio)}×" in lines[0] and f"over {EXPLODING.T - 1} steps" in lines[0]
    assert f"overflows to inf at step {rnn.overflow64}" in lines[0] and f"float32 at step {rnn.overflow32}" in lines[0]


def test_kind_sentence_forward_overflow_and_float32_only():
    assert "forward pass itself overflowed at step 12" in text.kind_sentence(summary("rnn", fwd=12), 50)
    sm = dataclasses.replace(summary("lstm", None, 33), log10_ratio=40.0)
    sentence = text.kind_sentence(sm, 50)
    assert "grows" in sentence and "float32 would overflow at step 33" in sentence and "float64" not in sentence
    sm = dataclasses.replace(summary("gru"), log10_ratio=-0.3)
    assert text.kind_sentence(sm, 50) == f"**GRU**: at t = 0 it keeps {text.pct(-0.3)} of its value at the last step."


def test_rnn_reading_numbers_come_from_the_result():
    s = Settings(T=40, H=8, seed=1)
    r = data.rnn_view(s)
    lines = text.rnn_reading(r, s)
    assert f"**ρ = {r.facts.spectral_radius:.3g}**" in lines[0]
    assert f"**σ_max = {r.facts.sigma_max:.3g}**" in lines[0]
    joined = "\n".join(lines)
    assert f"×{r.rate_matmul:.3g} per step" in joined and f"×{r.rate_full:.3g} per step" in joined
    assert text.kind_sentence(r.summary, s.T) in lines
    short = text.rnn_reading(r, dataclasses.replace(s, T=5))
    assert not any("per step" in line for line in short)


def test_rnn_reading_pascanu_cases():
    small = Settings(T=30, H=6, scheme="orthogonal", scale=0.5)
    r = data.rnn_view(small)
    assert "vanishing is guaranteed" in "\n".join(text.rnn_reading(r, small))
    book = Settings(**(BOOK_PRESET | {"scale": 0.5}))
    r = data.rnn_view(book)
    assert r.facts.sigma_max > 1 > r.facts.spectral_radius
    assert "σ_max > 1 yet ρ < 1" in "\n".join(text.rnn_reading(r, book))


def test_rnn_reading_overflow_line():
    s = Settings(scheme="orthogonal", set_rho=True, rho=3.0, T=700, H=4, input_scale=0.0)
    r = data.rnn_view(s)
    assert r.matmul_overflow64 is not None
    assert f"overflows float64 at step {r.matmul_overflow64} (float32 at {r.matmul_overflow32})" in "\n".join(
        text.rnn_reading(r, s)
    )


def test_rnn_reading_forward_overflow():
    s = Settings(act="relu", scheme="identity", scale=3.0, T=700, H=4)  # relu × 3: h overflows at step 647
    r = data.rnn_view(s)
    assert r.summary.forward_overflow == 647
    assert any("forward pass itself overflowed at step 647" in line for line in text.rnn_reading(r, s))


def test_rnn_reading_forward_overflow_prints_no_nan():
    s = Settings(act="relu", scheme="identity", scale=3.0, T=700, H=4)
    lines = text.rnn_reading(data.rnn_view(s), s)
    assert not any("nan" in line for line in lines)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_reading_numbers_come_from_the_result(kind):
    s = Settings(T=30, H=6, seed=2, forget_bias=1.0, update_bias=-1.0)
    r = data.lstm_view(s) if kind == "lstm" else data.gru_view(s)
    gate = "f" if kind == "lstm" else "z"
    lines = text.gate_reading(r, s, gate)
    assert len(lines) == 3
    assert f"The mean {gate} over all steps and units is **{r.gate_mean:.3f}**" in lines[0]
    assert f"to the power {s.T - 1}" in lines[0]
    assert lines[0].endswith(f"that is {text.pct((s.T - 1) * math.log10(r.gate_mean))}.")
    path = "cell path" if kind == "lstm" else "direct path"
    assert f"The {path} alone keeps **{text.pct(r.path_log10_kept)}**" in lines[1]
    assert f"the full gradient keeps **{text.pct(r.full_log10_kept)}**" in lines[1]
    assert lines[2] == text.kind_sentence(r.summary, s.T)


def test_gate_reading_exploding_gru():
    s = Settings(scheme="book", scale=3.0, H=64, T=400, input_scale=0.0)
    r = data.gru_view(s)
    assert r.full_log10_kept > 308
    lines = text.gate_reading(r, s, "z")
    assert charts.format_log10(r.full_log10_kept) in lines[1]


# ============================================================================================ share link
def test_to_query_leaves_defaults_out():
    assert S.to_query(Settings()) == ""
    assert S.to_query(Settings(), "ko") == "?lang=ko"
    assert S.to_query(Settings(T=200, set_rho=True, scheme="orthogonal")) == "?T=200&scheme=orthogonal&set_rho=true"


@given(
    T=st.integers(1, 1000),
    H=st.integers(1, 256),
    seed=st.integers(0, 2**31 - 1),
    scheme=st.sampled_from(S.BY_KEY["scheme"].options),
    rho=st.sampled_from([0.05, 1.0, 2.5]),
    set_rho=st.booleans(),
    bias=st.sampled_from([-3.0, 0.0, 1.5, 6.0]),
    lang=st.sampled_from(["en", "ko"]),
)
@hsettings(max_examples=60, deadline=None)
def test_to_query_round_trips_through_the_url_parser(T, H, seed, scheme, rho, set_rho, bias, lang):
    from urllib.parse import parse_qs, urlsplit

    s = Settings(T=T, H=H, seed=seed, scheme=scheme, rho=rho, set_rho=set_rho, forget_bias=bias)
    query = parse_qs(urlsplit(S.to_query(s, lang)).query)
    values, notices = S.parse_params(query)
    assert notices == []
    assert S.from_values(values) == s
    assert values.get("lang", "English") == ("한국어" if lang == "ko" else "English")
