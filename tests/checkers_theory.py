"""Checkers of the ReLU/tanh readings (explorer/theory/claims.py), registered in tests/claim_registry.py.

Each pairs the runs again by scheme, ρ and seed (a merge, not the app's sort), recounts and recomputes the medians
from ``runs``, parses the numbers back out of the sentence, and requires the words ("in most runs", "the book's NOTE
holds", "explodes more easily", "what makes ReLU work") to follow from those counts. The context is the
``ActivationResult`` the sentences are drawn beside.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from checkers_flow import check_text_rules, log10_of
from claim_registry import checks

from explorer.theory import claims

EXPLODE = 2.0


_MERGED: dict[str, Any] = {"runs": None, "pairs": None}
Pairs = dict[str, np.ndarray]


def all_pairs(runs: pd.DataFrame) -> Pairs:
    """One entry per (scheme, ρ, seed) with the tanh and relu ratios and mean φ′ side by side, as arrays (merged
    once per result: every claim of a result reads the same table)."""
    if _MERGED["runs"] is not runs:
        keys = ["scheme", "rho", "seed"]
        cols = [*keys, "log10_ratio", "mean_dphi"]
        tanh = runs[runs["activation"] == "tanh"][cols]
        relu = runs[runs["activation"] == "relu"][cols]
        both = tanh.merge(relu, on=keys, suffixes=("_tanh", "_relu"), validate="one_to_one")
        assert len(both) == len(tanh) == len(relu)
        _MERGED.update(runs=runs, pairs={c: both[c].to_numpy() for c in both.columns})
    return _MERGED["pairs"]  # type: ignore[no-any-return]


def paired(runs: pd.DataFrame, mask: Any) -> Pairs:
    """The pairs whose (scheme, ρ, seed) ``mask(pairs)`` selects, both runs defined (no forward overflow)."""
    p = all_pairs(runs)
    keep = np.asarray(mask(p), dtype=bool) & ~np.isnan(p["log10_ratio_tanh"].astype(float))
    keep &= ~np.isnan(p["log10_ratio_relu"].astype(float))
    return {k: v[keep] for k, v in p.items()}


def more_count(p: Pairs) -> int:
    a, b = p["log10_ratio_tanh"].astype(float), p["log10_ratio_relu"].astype(float)
    return int(sum(1 for x, y in zip(a, b, strict=True) if x != y and y - x > 1e-9))


def printed_kept(text: str) -> float:
    """log10 of a median as kept_text prints it: '25.1%', '7.41e-10', '0', '5460×'."""
    if text == "0":
        return -math.inf
    if text.endswith("%"):
        return log10_of(text[:-1], "%")
    return log10_of(text.rstrip("×"))


def same_median(printed: str, value: float) -> None:
    got = printed_kept(printed)
    if math.isinf(value) or math.isinf(got):
        assert got == value, (printed, value)
    else:
        assert got == pytest.approx(value, abs=0.003), (printed, value)


def median(v: np.ndarray) -> float:
    a = np.asarray(v, dtype=float)
    return float(np.median(a)) if a.size else math.nan


@checks(claims.ActivationClaim)
def check_activation(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    runs = context.runs
    p = paired(
        runs,
        lambda f: (
            (f["scheme"] == claim.scheme)
            & (f["rho"].astype(float) >= claim.rho_lo - 1e-9)
            & (f["rho"].astype(float) <= claim.rho_hi + 1e-9)
        ),
    )
    n, more = len(p["seed"]), more_count(p)
    assert (claim.n, claim.relu_more) == (n, more)
    dead = int((p["log10_ratio_relu"].astype(float) == -np.inf).sum())
    assert claim.relu_dead == dead
    assert claim.relu_explodes == int((p["log10_ratio_relu"].astype(float) >= EXPLODE).sum())
    if n == 0:
        return
    book = 2 * more > n
    objection = 2 * more < n
    if lang == "en":
        m = re.search(r"\((\d+) of (\d+); median at t = 0: ReLU (\S+), tanh (\S+) of the value", text)
        assert m, text
        assert (int(m.group(1)), int(m.group(2))) == (more, n)
        same_median(m.group(3), median(p["log10_ratio_relu"]))
        same_median(m.group(4), median(p["log10_ratio_tanh"]))
        assert ("in every run" in text) == (more == n), text
        assert ("in no run" in text) == (more == 0), text
        assert ("in most runs" in text) == (book and more < n), text
        assert ("in fewer than half" in text) == (objection and more > 0), text
        assert ("the book's NOTE holds" in text) == book, text
        assert ("tanh keeps more" in text) == objection, text
        dphi_t, dphi_r = median(p["mean_dphi_tanh"]), median(p["mean_dphi_relu"])
        if "mean relu′" in text:
            shown = re.search(r"mean relu′ (\d+\.\d\d) .*mean tanh′ (\d+\.\d\d)", text)
            assert shown, text
            assert float(shown.group(1)) == pytest.approx(dphi_r, abs=0.006)
            assert float(shown.group(2)) == pytest.approx(dphi_t, abs=0.006)
        if "because many units are off" in text:
            assert dphi_r < dphi_t and claim.relu_explodes == 0, text
        assert ("is exactly 0" in text) == (dead > 0), text
    else:
        assert f"{n}개 중 {more}개" in text, text
        assert ("책의 NOTE가 맞습니다" in text) == book, text
        assert ("더 많이 간직합니다" in text) == objection, text
        assert ("정확히 0" in text) == (dead > 0), text


@checks(claims.ExplodeClaim)
def check_explode(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    runs = context.runs
    p = paired(runs, lambda f: np.abs(f["rho"].astype(float) - claim.rho) < 1e-9)
    n = len(p["seed"])
    relu = int((p["log10_ratio_relu"].astype(float) >= EXPLODE).sum())
    tanh = int((p["log10_ratio_tanh"].astype(float) >= EXPLODE).sum())
    assert (claim.n, claim.relu_explodes, claim.tanh_explodes) == (n, relu, tanh)
    if lang == "en":
        m = re.search(r"\(all four schemes, (\d+) pairs of runs\), ReLU explodes .* in (\d+) runs, tanh in (\d+)", text)
        assert m and (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (n, relu, tanh), text
        assert ("explodes more easily" in text) == (relu > tanh), text
        assert ("less often than tanh" in text) == (relu < tanh), text
    else:
        assert f"ReLU에서 {relu}개, tanh에서 {tanh}개" in text, text
        assert ("더 쉽게 폭발한다" in text) == (relu > tanh), text


@checks(claims.IrnnClaim)
def check_irnn(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    runs = context.runs

    def at_one(scheme: str) -> Any:
        return lambda f: (np.abs(f["rho"].astype(float) - claims.IRNN_RHO) < 1e-9) & (f["scheme"] == scheme)

    ident = paired(runs, at_one("identity"))
    others = {
        scheme: median(paired(runs, at_one(scheme))["log10_ratio_relu"])
        for scheme in sorted(set(runs["scheme"]) - {"identity"})
    }
    others = {k: v for k, v in others.items() if not math.isnan(v)}
    best = max(others.values())
    assert claim.best_other_median == best and others[claim.best_other] == best
    m_relu, m_tanh = median(ident["log10_ratio_relu"]), median(ident["log10_ratio_tanh"])
    n = len(ident["seed"])
    assert (claim.n, claim.relu_more) == (n, more_count(ident))
    works = m_relu > -2.0 and m_relu > best and m_relu > m_tanh
    if lang == "en":
        m = re.search(
            r"median of (\S+) of its value at the loss at t = 0, against (\S+) for ReLU .* and (\S+) for tanh", text
        )
        assert m, text
        same_median(m.group(1), m_relu)
        same_median(m.group(2), best)
        same_median(m.group(3), m_tanh)
        assert ("what makes ReLU work" in text) == works, text
        assert ("does not rescue ReLU" in text) == (not works), text
        assert f"in {claim.relu_more} of {n} runs" in text
    else:
        assert ("ReLU를 살리는 것은 단위 행렬 초기화입니다" in text) == works, text
