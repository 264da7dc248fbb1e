"""explorer.shared.controls: the controls, URL parsing (garbage, aliases, tracking keys, repeats), the settings in force
(``consistent``, ``within_budget``), the core keywords (``layer_kwargs``), captions and links.

Expected values are literals (the ranges and defaults the README promises) or properties; nothing here
re-implements the code under test.
"""

from __future__ import annotations

import dataclasses
import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import recurrent_core as rc
from explorer.shared import controls as S
from explorer.shared.controls import MEMORY_BUDGET_BYTES, Settings, View

HANGUL = re.compile("[가-힣]")
NOTICE_MAX_CHARS = 240

# The controls the README documents, with their ranges and defaults (literal, not read from the code).
DEFAULTS = {
    "T": 50,
    "H": 32,
    "seed": 0,
    "N": 1,
    "D": 8,
    "input_scale": 1.0,
    "scheme": "pytorch",
    "scale": 1.0,
    "set_rho": False,
    "rho": 1.0,
    "nonlinearity": "tanh",
    "forget_bias": 0.0,
    "update_bias": 0.0,
    "formulation": "pytorch",
    "loss": "last",
    "norm": "l2",
}
RANGES = {
    "T": (1, 1000),
    "H": (1, 256),
    "seed": (0, 2**31 - 1),
    "N": (1, 64),
    "D": (1, 64),
    "input_scale": (0.0, 5.0),
    "scale": (0.0, 3.0),
    "rho": (0.05, 3.0),
    "forget_bias": (-3.0, 6.0),
    "update_bias": (-3.0, 6.0),
    "threshold": (0.01, 100.0),
    "block": (1, 1000),
}
# the training lab's controls (page="lab"; defaults = rc.LAB_DEFAULTS)
RANGES |= {
    "lag": (5, 150),
    "lab_H": (4, 128),
    "lab_batch": (4, 128),
    "lab_steps": (50, 3000),
    "lab_seed": (0, 99),
    "clip_at": (0.05, 10.0),
    "truncate": (0, 150),
    "lab_forget": (-2.0, 5.0),
    "lab_update": (-2.0, 5.0),
}
INT_KEYS = {"T", "H", "seed", "N", "D", "block", "lag", "lab_H", "lab_batch", "lab_steps", "lab_seed", "truncate"}
LAB_OPTIONS = {
    "lab_task": ("adding", "first"),
    "clip": ("none", "norm", "value"),
    "lab_init": ("pytorch", "dlfs2", "orthogonal", "identity"),
    "lab_act": ("tanh", "relu"),
    "optimizer": ("adam", "sgd"),
    "lr": ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1.0"),
    "weight_decay": ("0", "1e-5", "1e-4", "1e-3", "1e-2"),
}
# The "Your model" page's own controls (View fields with page="model")
MODEL_DEFAULTS = {
    "model_source": "T150_open",
    "model_input": "random",
    "model_T": 100,
    "model_N": 1,
    "model_scale": 1.0,
    "model_seed": 0,
    "model_loss": "last",
    "model_unit": -1,
    "model_act": "tanh",
    "model_spectra": False,
}
RANGES |= {"model_T": (1, 1000), "model_N": (1, 64), "model_scale": (0.0, 5.0), "model_seed": (0, 2**31 - 1),
           "model_unit": (-1, 4095)}  # fmt: skip
INT_KEYS |= {"model_T", "model_N", "model_seed", "model_unit"}
OPTIONS = LAB_OPTIONS | {
    "scheme": ("pytorch", "dlfs2", "gaussian", "orthogonal", "identity", "book"),
    "nonlinearity": ("tanh", "relu"),
    "formulation": ("pytorch", "dlfs2"),
    "loss": ("last", "every"),
    "norm": ("l2", "book", "mean"),
    "axis": ("time", "back"),
    "lang": ("en", "ko"),
    "model_source": ("T150_open", "T150_default", "T250_open", "upload"),
    "model_loss": ("last", "every"),
    "model_input": ("random", "adding", "file", "rows", "onehot"),  # issue 18: token ids, by table rows or one-hot
    "model_act": ("tanh", "relu"),
    "remedy_kind": ("rnn", "lstm", "gru"),
    "clip_kind": ("global", "elementwise"),
    "init_preset": ("irnn", "orthogonal", "chrono", "tanh_relu"),
    "lstm_gates": ("band", "heatmap"),
    "gru_gates": ("band", "heatmap"),
}
# the Remedies page's own controls and their defaults
REMEDY_VIEW = {
    "lstm_gates": "band",
    "gru_gates": "band",
    "remedy_kind": "rnn",
    "clip_kind": "global",
    "threshold": 1.0,
    "block": 10,
    "init_preset": "irnn",
}
BOOL_KEYS = {"set_rho", "slide", "show_open", "band", "model_spectra"}
LAB_VIEW_DEFAULTS = {"lab_task": "adding", "lag": 50, "lab_H": 32, "lab_batch": 32, "lab_steps": 1000, "lab_seed": 0,
                     "clip": "norm", "clip_at": 1.0, "truncate": 0, "lab_forget": 1.0, "lab_update": 1.0,
                     "lab_init": "pytorch", "lab_act": "tanh", "optimizer": "adam", "lr": "0.02",
                     "weight_decay": "0"}  # fmt: skip
ALL_KEYS = (
    set(DEFAULTS)
    | {"axis", "show_open", "band", "lang"}
    | set(MODEL_DEFAULTS)
    | set(REMEDY_VIEW)
    | set(LAB_VIEW_DEFAULTS)
)


def valid(key: str, value: object) -> bool:
    """``value`` has the type of control ``key`` and lies in its (literal) range or options."""
    if key in OPTIONS:
        return value in OPTIONS[key]
    if key in BOOL_KEYS:
        return isinstance(value, bool)
    lo, hi = RANGES[key]
    if key in INT_KEYS:
        return type(value) is int and lo <= value <= hi
    return isinstance(value, float) and math.isfinite(value) and lo <= value <= hi


def assert_safe(notice: S.Text) -> None:
    """A notice is a short (English, Korean) pair that quotes untrusted text only inside its one code span,
    with no HTML or markdown-code characters taken from the input."""
    assert isinstance(notice, tuple) and len(notice) == 2
    en, ko = notice
    assert en and ko
    assert HANGUL.search(ko), ko
    for text in notice:
        assert len(text) <= NOTICE_MAX_CHARS, text
        assert "<" not in text and ">" not in text, text
        assert text.count("`") in (0, 2), text
        assert "\n" not in text and "\r" not in text


# ================================================================================================ the controls
def test_settings_fields_are_the_documented_controls_with_their_defaults():
    assert Settings().as_dict() == DEFAULTS
    assert [c.key for c in S.CONTROLS] == list(DEFAULTS)
    assert {c.key for c in S.VIEW_CONTROLS} == {
        "axis",
        "slide",  # slide view (issue 17 §5)
        "show_open",
        "band",
        *MODEL_DEFAULTS,
        *REMEDY_VIEW,
        *LAB_VIEW_DEFAULTS,
    }
    assert {c.key: c.default for c in S.VIEW_CONTROLS if c.page == "model"} == MODEL_DEFAULTS
    assert {c.key for c in S.VIEW_CONTROLS if c.page == "remedies"} == set(REMEDY_VIEW) - {"lstm_gates", "gru_gates"}
    assert {c.key: c.default for c in S.VIEW_CONTROLS if c.page == "lab"} == LAB_VIEW_DEFAULTS
    assert (View().axis, View().show_open, View().band) == ("time", True, False)
    assert View().slide is False
    for key, (lo, hi) in RANGES.items():
        spec = S.BY_KEY[key]
        assert (spec.lo, spec.hi) == (lo, hi), key
    for key, options in OPTIONS.items():
        assert S.BY_KEY[key].options == options, key
    assert S.BY_KEY["scheme"].options == rc.SCHEMES
    for c in (*S.CONTROLS, *S.VIEW_CONTROLS, S.LANG):
        assert valid(c.key, c.default), c.key
        en, ko = c.text("en")[0], c.text("ko")[0]
        assert en and ko


def test_from_values_fills_defaults_and_ignores_unknown_keys():
    s = S.from_values({"T": 7, "scheme": "identity", "bogus": 1})
    assert s == dataclasses.replace(Settings(), T=7, scheme="identity")
    assert S.view_from_values({"band": True, "nope": 0}) == View(band=True)


# ============================================================================================ URL: extremes
@pytest.mark.parametrize("key", sorted(RANGES))
def test_every_numeric_control_at_its_extremes(key):
    lo, hi = RANGES[key]
    for raw, expected in ((str(lo), lo), (str(hi), hi)):
        values, notices = S.parse_params({key: raw})
        assert values == {key: expected} and notices == [], (raw, values, notices)
        assert type(values[key]) is type((DEFAULTS | MODEL_DEFAULTS | REMEDY_VIEW | LAB_VIEW_DEFAULTS)[key])
    step = 1 if key in INT_KEYS else 0.01
    for raw, expected in ((str(lo - step), lo), (str(hi + step), hi)):
        values, notices = S.parse_params({key: raw})
        assert values == {key: expected}, raw
        assert len(notices) == 1 and "outside" in notices[0][0]
        assert_safe(notices[0])


@pytest.mark.parametrize("key", sorted(OPTIONS))
def test_every_option_is_accepted_as_written(key):
    for option in OPTIONS[key]:
        assert S.parse_params({key: option}) == ({key: option}, [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("No", False),
        ("off", False),
    ],
)
def test_bool_controls(raw, expected):
    for key in sorted(BOOL_KEYS):
        assert S.parse_params({key: raw}) == ({key: expected}, [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nan", 50),
        ("NaN", 50),
        ("inf", 1000),
        ("-inf", 1),
        ("1e400", 1000),
        ("-1e400", 1),
        ("1e99", 1000),
        ("-5", 1),
        ("0", 1),
        ("7.6", 8),
        (" 12 ", 12),
        ("", 50),
        ("abc", 50),
        ("<script>", 50),
    ],
)
def test_T_from_garbage(raw, expected):
    values, notices = S.parse_params({"T": raw})
    assert values == {"T": expected}
    assert type(values["T"]) is int
    if raw.strip() != str(expected):
        assert len(notices) == 1
        assert_safe(notices[0])
    else:
        assert notices == []


def test_rounding_to_a_whole_number_says_so_not_out_of_range():
    values, notices = S.parse_params({"H": "7.6"})
    assert values == {"H": 8}
    assert "whole number" in notices[0][0] and "outside" not in notices[0][0]


def test_seed_beyond_the_range_is_clamped():
    assert S.parse_params({"seed": "1e99"})[0] == {"seed": 2**31 - 1}
    assert S.parse_params({"seed": "-3"})[0] == {"seed": 0}


GARBAGE = [
    "nan",
    "-nan",
    "inf",
    "-Infinity",
    "1e400",
    "-1e400",
    "<script>alert(1)</script>",
    "`rm -rf /`",
    "**bold** [x](javascript:alert(1))",
    "\n\t\x00",
    "a" * 5000,
    "",
    "   ",
    [],
    ["1", "<b>x</b>"],
    ("2", "3", "nan"),
    None,
    "0x10",
    "1/2",
    "\u202etxt",
]


@pytest.mark.parametrize("raw", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_gives_valid_values_and_safe_notices_for_every_control(raw):
    for key in sorted(ALL_KEYS):
        values, notices = S.parse_params({key: raw})
        assert set(values) == {key}
        assert valid(key, values[key]), (key, raw, values)
        for notice in notices:
            assert_safe(notice)


def test_script_tag_is_not_echoed():
    _, notices = S.parse_params({"scheme": "<script>alert('x')</script>", "<img src=x onerror=alert(1)>": "1"})
    assert len(notices) == 2
    for notice in notices:
        assert_safe(notice)
        for text in notice:
            assert "<script" not in text and "<img" not in text and "</" not in text


def test_valid_values_need_no_notice():
    params = {
        "T": "200",
        "H": "64",
        "seed": "7",
        "N": "4",
        "D": "3",
        "input_scale": "0.5",
        "scheme": "orthogonal",
        "scale": "1.5",
        "set_rho": "true",
        "rho": "1.1",
        "nonlinearity": "relu",
        "forget_bias": "1",
        "update_bias": "-1.5",
        "formulation": "dlfs2",
        "loss": "every",
        "norm": "mean",
        "axis": "back",
        "show_open": "false",
        "band": "true",
        "lang": "ko",
    }
    values, notices = S.parse_params(params)
    assert notices == []
    assert values["rho"] == 1.1 and values["T"] == 200 and values["set_rho"] is True and values["lang"] == "ko"
    assert S.from_values(values) == Settings(
        T=200,
        H=64,
        seed=7,
        N=4,
        D=3,
        input_scale=0.5,
        scheme="orthogonal",
        scale=1.5,
        set_rho=True,
        rho=1.1,
        nonlinearity="relu",
        forget_bias=1.0,
        update_bias=-1.5,
        formulation="dlfs2",
        loss="every",
        norm="mean",
    )


@pytest.mark.parametrize("raw", ["ko", "KO", "kr", "Korean", "한국어"])
def test_lang_aliases(raw):
    assert S.parse_params({"lang": raw}) == ({"lang": "ko"}, [])


def test_unknown_language_falls_back_to_english_with_a_notice():
    values, notices = S.parse_params({"lang": "fr"})
    assert values == {"lang": "en"} and len(notices) == 1
    assert_safe(notices[0])


# ============================================================================================= URL: keys
def test_aliases_are_read_as_their_control():
    assert S.parse_params({"act": "relu"}) == ({"nonlinearity": "relu"}, [])
    assert S.parse_params({"gru_form": "dlfs2"}) == ({"formulation": "dlfs2"}, [])


@pytest.mark.parametrize(
    "params",
    [
        {"act": "relu", "nonlinearity": "tanh"},
        {"nonlinearity": "tanh", "act": "relu"},
    ],
)
def test_canonical_key_wins_over_its_alias_in_any_order(params):
    values, _ = S.parse_params(params)
    assert values == {"nonlinearity": "tanh"}


def test_canonical_key_wins_over_gru_form():
    assert S.parse_params({"formulation": "pytorch", "gru_form": "dlfs2"})[0] == {"formulation": "pytorch"}
    assert S.parse_params({"gru_form": "dlfs2", "formulation": "pytorch"})[0] == {"formulation": "pytorch"}


def test_tracking_keys_are_dropped_silently():
    params = {
        "utm_source": "x",
        "utm_medium": "<b>",
        "UTM_Campaign": "y",
        "fbclid": "IwAR0abc",
        "gclid": "Cj0KCQ",
        "T": "10",
    }
    assert S.parse_params(params) == ({"T": 10}, [])


def test_300_unknown_keys_give_one_short_notice():
    params = {f"bogus{i}<x>`": "1" for i in range(300)}
    values, notices = S.parse_params(params)
    assert values == {}
    assert len(notices) == 1
    assert_safe(notices[0])
    assert "300" in notices[0][0] and "300" in notices[0][1]


def test_one_unknown_key_is_named():
    values, notices = S.parse_params({"frobnicate": "1", "T": "3"})
    assert values == {"T": 3}
    assert len(notices) == 1 and "frobnicate" in notices[0][0]


@pytest.mark.parametrize(("raw", "expected", "count"), [(["5", "7"], 7, "2"), (["5", "7", "9"], 9, "3")])
def test_repeated_key_last_wins_with_a_notice(raw, expected, count):
    values, notices = S.parse_params({"T": raw})
    assert values == {"T": expected}
    assert len(notices) == 1
    assert count in notices[0][0] and count in notices[0][1]
    assert_safe(notices[0])


def test_repeated_key_whose_last_value_is_bad_uses_the_default():
    values, notices = S.parse_params({"T": ["5", "<b>"]})
    assert values == {"T": 50}
    assert len(notices) == 2
    for notice in notices:
        assert_safe(notice)


def test_a_single_element_list_is_not_a_repeat():
    assert S.parse_params({"T": ["5"]}) == ({"T": 5}, [])


# ======================================================================================== Korean notices
def test_korean_notices_use_the_particle_the_number_is_read_with():
    assert "1000으로" in S.parse_params({"T": "5000"})[1][0][1]  # 천 → 으로
    assert "1로" in S.parse_params({"T": "-5"})[1][0][1]  # 일 → 로
    assert "50으로" in S.parse_params({"T": "abc"})[1][0][1]  # 오십 → 으로
    assert "pytorch로" in S.parse_params({"scheme": "nope"})[1][0][1]  # 파이토치 → 로


def test_korean_notice_for_the_axis_reads_time_as_taim():
    """The axis default is "time", read 타임 (final ㅁ): "time으로", not "time로"."""
    _, notices = S.parse_params({"axis": "sideways"})
    assert len(notices) == 1
    assert "time으로" in notices[0][1], notices[0][1]


# ============================================================================== hypothesis: parse and links
KEYS = st.sampled_from(sorted(ALL_KEYS | {"act", "gru_form", "utm_source", "fbclid", "zzz"}))
RAW = st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.lists(st.text(max_size=10), max_size=3),
)


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(KEYS, st.text(max_size=15)), RAW, max_size=8))
def test_parse_never_raises_and_values_are_in_range(params):
    values, notices = S.parse_params(params)
    assert set(values) <= ALL_KEYS
    for key, value in values.items():
        assert valid(key, value), (key, value)
    for notice in notices:
        assert_safe(notice)
    S.from_values(values)  # always builds
    S.view_from_values(values)


def _float_in(key: str) -> st.SearchStrategy[float]:
    lo, hi = RANGES[key]
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def _int_in(key: str) -> st.SearchStrategy[int]:
    lo, hi = RANGES[key]
    return st.integers(min_value=int(lo), max_value=int(hi))


SETTINGS = st.builds(
    Settings,
    T=_int_in("T"),
    H=_int_in("H"),
    seed=_int_in("seed"),
    N=_int_in("N"),
    D=_int_in("D"),
    input_scale=_float_in("input_scale"),
    scheme=st.sampled_from(OPTIONS["scheme"]),
    scale=_float_in("scale"),
    set_rho=st.booleans(),
    rho=_float_in("rho"),
    nonlinearity=st.sampled_from(OPTIONS["nonlinearity"]),
    forget_bias=_float_in("forget_bias"),
    update_bias=_float_in("update_bias"),
    formulation=st.sampled_from(OPTIONS["formulation"]),
    loss=st.sampled_from(OPTIONS["loss"]),
    norm=st.sampled_from(OPTIONS["norm"]),
)
VIEWS = st.builds(View, axis=st.sampled_from(OPTIONS["axis"]), show_open=st.booleans(), band=st.booleans())


@hsettings(max_examples=200, deadline=None)
@given(SETTINGS, VIEWS, st.sampled_from(OPTIONS["lang"]))
def test_to_query_round_trips_through_parse_params(s, view, lang):
    query = S.to_query(s, view, lang, page="compare")
    params = parse_qs(urlsplit(query).query, keep_blank_values=True)
    values, notices = S.parse_params(params)
    assert notices == []
    assert S.from_values(values) == s
    assert S.view_from_values(values) == view
    assert values.get("lang", "en") == lang


def test_to_query_leaves_defaults_out_and_matches_the_readme_example():
    assert S.to_query(Settings()) == ""
    assert S.query_items(Settings(), View()) == {}
    s = Settings(T=200, scheme="orthogonal", set_rho=True, rho=1.1)
    assert S.to_query(s) == "?T=200&scheme=orthogonal&set_rho=true&rho=1.1"
    assert S.query_items(s, View(), lang="ko") == {
        "T": "200",
        "scheme": "orthogonal",
        "set_rho": "true",
        "rho": "1.1",
        "lang": "ko",
    }


def test_page_controls_only_in_their_page_link():
    view = View(band=True, show_open=False, axis="back")
    assert S.query_items(Settings(), view, page="compare") == {"axis": "back", "show_open": "false", "band": "true"}
    assert S.query_items(Settings(), view, page="rnn") == {"axis": "back"}


# ====================================================================================== settings in force
@pytest.mark.parametrize("scheme", ["gaussian", "orthogonal", "identity", "book"])
def test_consistent_drops_a_target_rho_for_a_zero_matrix(scheme):
    s = Settings(scheme=scheme, scale=0.0, set_rho=True, rho=1.5)
    fixed, notice = S.consistent(s)
    assert fixed == dataclasses.replace(s, set_rho=False)
    assert notice is not None
    assert_safe(notice)
    for kind in ("rnn", "lstm", "gru"):
        rc.init_layer(kind, **S.layer_kwargs(fixed, kind))  # the core can make it
    with pytest.raises(ValueError):
        rc.init_layer("rnn", D=8, H=32, seed=0, scheme=scheme, scale=0.0, spectral_radius=1.5)


@pytest.mark.parametrize(
    "s",
    [
        Settings(),
        Settings(scheme="pytorch", scale=0.0, set_rho=True),
        Settings(scheme="dlfs2", scale=0.0, set_rho=True),
        Settings(scheme="orthogonal", scale=0.0, set_rho=False),
        Settings(scheme="identity", scale=0.05, set_rho=True, rho=0.05),
    ],
)
def test_consistent_leaves_makeable_settings_alone(s):
    assert S.consistent(s) == (s, None)
    for kind in ("rnn", "lstm", "gru"):
        rc.init_layer(kind, **S.layer_kwargs(s, kind))


def test_within_budget_reduces_the_batch_of_the_largest_run():
    s = Settings(T=1000, H=256, N=64)
    fitted, notice = S.within_budget(s)
    assert fitted == dataclasses.replace(s, N=2)  # 96 MiB / (18 arrays · 8 bytes · 1000 · 256) = 2.73
    assert notice is not None
    assert_safe(notice)
    assert "N=2" in notice[0] and "N=2로" in notice[1]


def test_within_budget_leaves_small_runs_alone():
    assert S.within_budget(Settings()) == (Settings(), None)
    assert S.within_budget(Settings(T=1000, H=256, N=1)) == (Settings(T=1000, H=256, N=1), None)


@hsettings(max_examples=300, deadline=None)
@given(_int_in("T"), _int_in("H"), _int_in("N"))
def test_within_budget_always_fits(T, H, N):
    s = Settings(T=T, H=H, N=N)
    fitted, notice = S.within_budget(s)
    assert 1 <= fitted.N <= N
    assert S.tape_bytes(fitted.T, fitted.N, fitted.H) <= MEMORY_BUDGET_BYTES
    assert dataclasses.replace(fitted, N=N) == s  # only N changes
    assert (notice is None) == (fitted.N == N)
    if fitted.N < N:  # the largest batch that fits
        assert S.tape_bytes(T, fitted.N + 1, H) > MEMORY_BUDGET_BYTES


# ============================================================================================ core keywords
BASE = {"H": 32, "seed": 0, "D": 8, "scheme": "pytorch", "scale": 1.0, "spectral_radius": None}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("rnn", {**BASE, "nonlinearity": "tanh"}),
        ("lstm", {**BASE, "forget_bias": 0.0}),
        ("gru", {**BASE, "update_bias": 0.0, "formulation": "pytorch"}),
    ],
)
def test_layer_kwargs_at_defaults(kind, expected):
    assert S.layer_kwargs(Settings(), kind) == expected


def test_layer_kwargs_carry_each_kinds_own_options():
    s = Settings(
        H=5,
        seed=9,
        D=2,
        scheme="orthogonal",
        scale=0.5,
        set_rho=True,
        rho=1.5,
        nonlinearity="relu",
        forget_bias=2.0,
        update_bias=-1.0,
        formulation="dlfs2",
        T=3,
        N=4,
        input_scale=0.0,
        loss="every",
        norm="book",
    )
    common = {"H": 5, "seed": 9, "D": 2, "scheme": "orthogonal", "scale": 0.5, "spectral_radius": 1.5}
    assert S.layer_kwargs(s, "rnn") == {**common, "nonlinearity": "relu"}
    assert S.layer_kwargs(s, "lstm") == {**common, "forget_bias": 2.0}
    assert S.layer_kwargs(s, "gru") == {**common, "update_bias": -1.0, "formulation": "dlfs2"}
    assert S.layer_kwargs(s, "lstm", forget_bias=5.0) == {**common, "forget_bias": 5.0}
    assert S.layer_kwargs(s, "gru", update_bias=2.0)["update_bias"] == 2.0
    for kind in ("rnn", "lstm", "gru"):
        layer = rc.init_layer(kind, **S.layer_kwargs(s, kind))
        assert (layer.H, layer.D) == (5, 2)


# ================================================================================================ captions
def test_caption_keys():
    base = ["T", "H", "seed", "N", "D", "input_scale", "scheme"]
    rest = ["nonlinearity", "forget_bias", "update_bias", "formulation", "loss", "norm"]
    assert list(Settings().caption()) == [*base, *rest]
    assert list(Settings(scheme="orthogonal").caption()) == [*base, "scale", *rest]
    assert list(Settings(scheme="dlfs2", set_rho=True).caption()) == [*base, "rho", *rest]
    cap = Settings(scheme="book", scale=0.5, set_rho=True, rho=2.0).caption()
    assert list(cap) == [*base, "scale", "rho", *rest]
    assert cap["scale"] == 0.5 and cap["rho"] == 2.0 and "set_rho" not in cap


# ================================================================================ each page's own controls
def test_each_page_owns_a_controls_dataclass_named_as_the_core_names_the_concepts():
    lab, model, remedy = S.LabControls(), S.ModelControls(), S.RemedyControls()
    assert (lab.T, lab.H, lab.forget_bias, lab.nonlinearity, lab.scheme) == (50, 32, 1.0, "tanh", "pytorch")
    assert (model.T, model.input_scale, model.nonlinearity) == (100, 1.0, "tanh")
    assert (remedy.kind, remedy.threshold, remedy.block) == ("rnn", 1.0, 10)
    # the URL keys stay those of the links already shared
    keys = {c.name: c.key for c in S.specs(S.LabControls)}
    assert (keys["T"], keys["forget_bias"], keys["nonlinearity"], keys["lr"]) == ("lag", "lab_forget", "lab_act", "lr")
    assert {c.name: c.key for c in S.specs(S.ModelControls)}["nonlinearity"] == "model_act"
    assert not {c.key for c in S.VIEW_CONTROLS} & {c.key for c in S.CONTROLS}  # a page never moves the sidebar


def test_the_learning_rate_and_weight_decay_are_numbers():
    assert type(S.LabControls().lr) is float and S.LabControls().lr == 0.02
    assert type(S.LabControls().weight_decay) is float and S.LabControls().weight_decay == 0.0
    values, notices = S.parse_params({"lr": "0.1", "weight_decay": "1e-4"})
    assert notices == [] and S.controls_from_values(S.LabControls, values) == S.LabControls(lr=0.1, weight_decay=1e-4)


def test_the_rules_spelling_is_an_alias_and_the_canonical_key_wins():
    assert S.parse_params({"lab_T": "20"}) == ({"lag": 20}, [])
    assert S.parse_params({"lab_forget_bias": "2.5", "lab_nonlinearity": "relu"}) == (
        {"lab_forget": 2.5, "lab_act": "relu"},
        [],
    )
    assert S.parse_params({"model_nonlinearity": "relu", "model_input_scale": "2"}) == (
        {"model_act": "relu", "model_scale": 2.0},
        [],
    )
    assert S.parse_params({"lag": "30", "lab_T": "20"})[0] == {"lag": 30}
    values, _ = S.parse_params({"lab_T": "20", "model_T": "7"})
    assert S.from_values(values).T == 50  # the sidebar's T is its own


def test_a_pages_own_controls_are_in_its_link_only():
    own = S.LabControls(T=20, lr=0.05, nonlinearity="relu")
    assert S.query_items(Settings(), View(), page="lab", own=own) == {"lag": "20", "lr": "0.05", "lab_act": "relu"}
    assert S.query_items(Settings(), View(), page="compare", own=own) == {}
    values, notices = S.parse_params(S.query_items(Settings(), View(), page="lab", own=own))
    assert notices == [] and S.controls_from_values(S.LabControls, values) == own


def test_the_labs_controls_are_its_runs_settings():
    from explorer.lab.training import LabSettings

    own = S.LabControls(T=20, H=8, lr=0.1, forget_bias=2.0, nonlinearity="relu", scheme="orthogonal")
    assert LabSettings.from_view(own) == LabSettings(
        T=20, H=8, lr=0.1, forget_bias=2.0, nonlinearity="relu", scheme="orthogonal"
    )


@pytest.mark.parametrize(("raw", "expected", "needle"), [
    ("nan", 1.0, "is not a number above 0"),
    ("inf", 1.0, "is not a number above 0"),
    ("-1e400", 1.0, "is not a number above 0"),
    ("0", 0.01, "outside"),
    ("250", 100.0, "outside"),
])  # fmt: skip
def test_the_clipping_threshold_is_parsed_once_with_the_pages_rule_for_non_finite_values(raw, expected, needle):
    values, notices = S.parse_params({"threshold": raw})
    assert values == {"threshold": expected}
    assert len(notices) == 1 and needle in notices[0][0]
    assert_safe(notices[0])
