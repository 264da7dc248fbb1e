"""Which sidebar controls each page shows (``PAGE_SIDEBAR`` in explorer/shared/controls.py), checked against what the
page actually reads: a control not listed for a page never changes that page's data or readings, and each listed one
changes them for at least one setting. Computed on the data functions the pages call (small T and H); the settings
a page reads itself (``s.scheme``, Theory's ``s_.D``) and the x axis are found in the page's source."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explorer.flow import claims as flow_claims
from explorer.flow import data as flow_data
from explorer.horizon import claims as horizon_claims
from explorer.horizon import data as horizon_data
from explorer.remedies import claims as remedy_claims
from explorer.remedies import data as remedy_data
from explorer.shared.claims import render
from explorer.shared.controls import (
    BY_KEY,
    CONTROLS,
    PAGE_PATHS,
    PAGE_SIDEBAR,
    SIDEBAR,
    Settings,
    consistent,
    page_sidebar,
)
from explorer.theory import data as theory_data

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
SETTING_KEYS = tuple(c.key for c in CONTROLS)
KINDS = ("rnn", "lstm", "gru")


# ------------------------------------------------------------------------------------- what each page computes
def _lines(claims: Any) -> list[str]:
    return render(claims, "en")


def _compare(s: Settings) -> Any:
    r = flow_data.compare(s, True)
    return r, _lines(flow_claims.compare_claims(r, s)), flow_claims.point(r, "en"), flow_data.seed_band(s)


def _rnn(s: Settings) -> Any:
    r = flow_data.rnn_view(s)
    return r, _lines(flow_claims.rnn_claims(r, s)), _lines(flow_claims.contribution_claims(r.contributions, "RNN"))


def _gated(kind: str) -> Any:
    def page(s: Settings) -> Any:
        r = flow_data.lstm_view(s) if kind == "lstm" else flow_data.gru_view(s)
        return (r, _lines(flow_claims.gate_claims(r, s, kind)), _lines(flow_claims.gate_role_claims(r, kind)),
                _lines(flow_claims.contribution_claims(r.contributions, kind.upper())))  # fmt: skip

    return page


def _horizon(s: Settings) -> Any:
    out = []
    for kind in KINDS:
        r = horizon_data.horizon_view(s, kind)
        out.append((r, _lines(horizon_claims.horizon_claims(r))))
    return out


def _remedies(s: Settings) -> Any:
    out: list[Any] = []
    for kind in KINDS:
        clip = remedy_data.clipping(s, kind, 1.0)
        trunc = remedy_data.truncation(s, kind, remedy_data.safe_block(5, s.T)[0])
        out += [clip, _lines(remedy_claims.clip_claims(clip)), trunc, _lines(remedy_claims.trunc_claims(trunc, kind))]
    for preset in remedy_data.INIT_PRESETS:
        r = remedy_data.init_preset(s, preset)
        out += [r, _lines(remedy_claims.preset_claims(r))]
    return out


def _theory(s: Settings) -> Any:
    return theory_data.param_counts(s.D, s.H)


# the data each page computes from the settings, as the page calls it
PAGE_DATA = {
    "compare": _compare,
    "rnn": _rnn,
    "lstm": _gated("lstm"),
    "gru": _gated("gru"),
    "horizon": _horizon,
    "remedies": _remedies,
    "theory": _theory,
}
# pages that hand the settings to nothing (their own controls, or the book's fixed experiment)
NO_SETTINGS = ("lab", "model", "book")

BASES = (
    Settings(T=12, H=4, N=2, D=3, seed=1),
    Settings(T=12, H=4, N=2, D=3, seed=2, scheme="orthogonal", set_rho=True, rho=0.9, loss="every", norm="mean",
             nonlinearity="relu", formulation="dlfs2", forget_bias=1.0, update_bias=-1.0, input_scale=0.5),
    Settings(T=12, H=4, N=1, D=3, seed=3, scheme="gaussian", scale=1.5),  # a scale the scheme uses, ρ not set
)  # fmt: skip
NUMBERS = {"T": (7,), "H": (3,), "N": (1, 3), "seed": (5,), "D": (2,), "input_scale": (0.0, 2.0), "scale": (0.5,),
           "rho": (1.5,), "forget_bias": (2.5,), "update_bias": (2.5,)}  # fmt: skip


def alternatives(key: str, s: Settings) -> list[Any]:
    """Other values of the control ``key`` than the one in ``s``."""
    spec, now = BY_KEY[key], getattr(s, key)
    if spec.options:
        return [o for o in spec.options if o != now]
    if spec.is_bool:
        return [not now]
    return [v for v in NUMBERS[key] if v != now]


def same(a: Any, b: Any) -> bool:
    """Deep equality of page results: dataclasses, frames, arrays (NaN equal to NaN), containers, numbers."""
    if type(a) is not type(b):
        return False
    if is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, pd.DataFrame | pd.Series):
        return bool(a.equals(b))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def compute(page: str, s: Settings) -> Any:
    s, _ = consistent(s)  # as the sidebar does
    with np.errstate(all="ignore"):
        return PAGE_DATA[page](s)


# ------------------------------------------------------------------------------------------------ declarations
def test_every_page_declares_its_sidebar():
    assert set(PAGE_FILES) <= set(PAGE_SIDEBAR), "a page without a declared sidebar shows every control"
    sidebar_keys = [c.key for c in SIDEBAR]
    assert len(sidebar_keys) == len(set(sidebar_keys))
    for page, declared in PAGE_SIDEBAR.items():
        assert set(declared.keys) <= set(sidebar_keys), page
        assert len(declared.keys) == len(set(declared.keys)), f"{page}: a control both main and advanced"
        # the target ρ sits with its toggle (it is disabled until the toggle is on)
        assert ("rho" in declared.main) == ("set_rho" in declared.main), page
        assert ("rho" in declared.keys) == ("set_rho" in declared.keys), page
        if declared.advanced:
            assert declared.main, f"{page}: an Advanced section alone"
        if len(declared.keys) < len(sidebar_keys) // 2:  # most of the sidebar hidden: the page says why
            assert declared.note and all(declared.note), page
    assert set(PAGE_DATA) | set(NO_SETTINGS) == set(PAGE_SIDEBAR)


def test_app_paths_and_unknown_pages():
    """app.py hands the sidebar its page's url path: each one (and the root, "") names that page's sidebar."""
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = 0
    for chunk in app.split("st.Page(")[1:]:
        stem = re.match(r'\s*"pages/(\w+)\.py"', chunk)
        path = re.search(r'url_path="([\w-]*)"', chunk)
        assert stem and path, chunk[:80]
        assert page_sidebar(path.group(1)) == PAGE_SIDEBAR[stem.group(1)], f"url path {path.group(1)!r}"
        if re.search(r"default=True", chunk):
            assert page_sidebar("") == PAGE_SIDEBAR[stem.group(1)] == page_sidebar(PAGE_PATHS[""])
        pages += 1
    assert pages >= len(PAGE_FILES)
    for unknown in (None, "nosuchpage", "slides"):
        shown = page_sidebar(unknown)
        assert shown.main == tuple(c.key for c in SIDEBAR) and not shown.advanced


def test_the_books_examples():
    """The brief's two examples, and the pages said to ignore the shared controls."""
    assert "forget_bias" not in PAGE_SIDEBAR["rnn"].keys and "formulation" not in PAGE_SIDEBAR["lstm"].keys
    for page in ("lab", "model", "book"):
        assert not set(PAGE_SIDEBAR[page].keys) & set(SETTING_KEYS), page
    assert set(PAGE_SIDEBAR["theory"].keys) == {"D", "H"}  # its parameter-count table


# ------------------------------------------------------------------------------------------- the data decides
@pytest.mark.parametrize("page", sorted(PAGE_DATA))
def test_a_control_the_page_hides_never_changes_its_data(page):
    hidden = [k for k in SETTING_KEYS if k not in PAGE_SIDEBAR[page].keys]
    for s in BASES:
        base = compute(page, s)
        for key in hidden:
            for value in alternatives(key, s):
                assert same(compute(page, replace(s, **{key: value})), base), f"{page} depends on {key}={value}"


@pytest.mark.parametrize("page", sorted(PAGE_DATA))
def test_every_control_the_page_shows_changes_its_data(page):
    listed = [k for k in PAGE_SIDEBAR[page].keys if k in SETTING_KEYS]
    bases = {s: compute(page, s) for s in BASES}
    for key in listed:
        changes = any(
            not same(compute(page, replace(s, **{key: value})), base)
            for s, base in bases.items()
            for value in alternatives(key, s)
        )
        assert changes, f"{page} shows {key}, which changes nothing there"


# ------------------------------------------------------------------------------- what the pages read themselves
SHARED_UI = {"flow_ui": ROOT / "explorer" / "flow" / "ui.py", "remedies_ui": ROOT / "explorer" / "remedies" / "ui.py"}


def _source(page: str) -> str:
    """A page's source and that of the functions of its shared sections it names (called, or handed to
    ui.view_chart to build a chart), with the functions of the same module those call."""
    text = (ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8")
    for alias, path in SHARED_UI.items():
        shared = path.read_text(encoding="utf-8")
        functions = {n.name: n for n in ast.parse(shared).body if isinstance(n, ast.FunctionDef)}
        wanted, done = set(re.findall(rf"\b{alias}\.(\w+)\b", text)) & set(functions), set()
        while wanted:
            name = wanted.pop()
            done.add(name)
            segment = ast.get_source_segment(shared, functions[name]) or ""
            text += segment
            wanted |= (set(re.findall(r"\b(\w+)\b", segment)) & set(functions)) - done
    return text


def _settings_read(text: str) -> tuple[set[str], bool]:
    """(the settings' fields read by name, whether the settings go whole into a call) in a page's source."""
    names = {m.group(1) for m in re.finditer(r"\b(\w+)(?:, \w+)* = ctx\.settings\b", text)}
    read = set(re.findall(r"ctx\.settings\.(\w+)", text))
    whole = bool(re.search(r"[(,]\s*ctx\.settings\s*[,)]", text))
    for name in names:
        read |= set(re.findall(rf"\b{name}\.(\w+)", text))
        whole |= bool(re.search(rf"[(,]\s*{name}\s*[,)]", text))
    return read & set(SETTING_KEYS), whole


@pytest.mark.parametrize("page", PAGE_FILES)
def test_what_a_page_reads_itself_is_listed(page):
    text = _source(page)
    read, whole = _settings_read(text)
    keys = PAGE_SIDEBAR[page].keys
    assert read <= set(keys), f"{page} reads {read - set(keys)} without showing it"
    if whole:
        assert page in PAGE_DATA, f"{page} hands the settings to a function: add it to PAGE_DATA"
    else:
        assert not set(keys) - read - {"axis"}, f"{page} shows settings it never reads"
    uses_axis = "axis_titles(" in text or re.search(r"view\.axis\b", text) is not None
    assert uses_axis == ("axis" in keys), f"{page}: the x axis is {'used' if uses_axis else 'not used'}"


def test_the_horizon_maps_ignore_the_loss_control_and_theory_reads_D_and_H():
    """Two findings of the data, checked directly: the maps always put the loss at every step; the parameter table
    changes with D and H."""
    s = BASES[0]
    assert same(compute("horizon", s), compute("horizon", replace(s, loss="every")))
    assert not same(compute("theory", s), compute("theory", replace(s, D=9)))
