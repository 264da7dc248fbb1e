"""Checkers of the "Your model" page's readings (explorer/model/claims.py): each recomputes what its sentence asserts
from the data drawn beside it (the curves, the gate table) and the model that was loaded, in English and Korean.

Context: ``ModelContext`` (the page's result, its ModelInfo, and the nonlinearity of the stack as loaded).
tests/test_model_claims.py runs them over random settings of the page's controls.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from checkers_flow import log10_of
from claim_registry import checks

from explorer.model import claims as mc
from explorer.model.data import ModelInfo, ModelResult
from explorer.shared import claims as shared_claims

DECADES = 2.0  # vanishes when it keeps <= 1 %, explodes when it grows >= 100x (explorer/shared/curves.py's doc)
NUMBER = r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)(%?)"


@dataclass(frozen=True)
class ModelContext:
    result: ModelResult
    info: ModelInfo | None
    activation: str  # the loaded stack's first layer's nonlinearity ("" for an LSTM or GRU)


def printed(text: str, lang: str) -> list[tuple[str, float]]:
    """(verb, log10 value) of every 'keeps X' / 'grows to X×' / 'is unchanged at X' (and Korean)."""
    if lang == "en":
        pats = (("keeps", "keeps " + NUMBER), ("grows", "grows (?:to )?" + NUMBER + "×"),
                ("same", "is unchanged at " + NUMBER))  # fmt: skip
    else:
        pats = (
            ("keeps", NUMBER + "(?:만)? 남습니다"),  # 만 only below 100 %
            ("grows", NUMBER + "배로 커집니다"),
            ("same", NUMBER + "로 그대로입니다"),
        )
    return [(verb, log10_of(v, p)) for verb, pat in pats for v, p in re.findall(pat, text)]


def common_rules(text: str, lang: str) -> None:
    assert "×?" not in text and "nan" not in text.lower() and "inf×" not in text, text
    assert "(으)" not in text and "(이)" not in text and "을(를)" not in text, text  # josa() picks the particle
    assert "L0-" not in text and "layer 0" not in text and "0층" not in text, text  # one 1-based numbering
    for verb, value in printed(text, lang):
        if verb == "keeps":
            assert value <= 1e-9, text
        elif verb == "grows":
            assert value >= -1e-9, text


def drawn(ctx: ModelContext, fresh: bool, key: str, quantity: str = "dh") -> np.ndarray:
    """The ‖∂L/∂h_t‖ (or ‖∂L/∂c_t‖) curve of ``key`` as drawn (t = 1 … T)."""
    a = ctx.result.fresh if fresh else ctx.result.model
    part = a.flow.curves[a.flow.curves["curve"] == f"{key}:{quantity}"].sort_values("t")
    return part["log10_norm"].to_numpy(dtype=float)


def expected_span(y: np.ndarray, reverse: bool) -> tuple[int, int] | None:
    """(far t, near t) of the part of the curve a reading should measure: the loss's end (t = T for a reverse
    direction, the last step the gradient enters for a forward one) and the far end the gradient reaches."""
    nonzero = [t for t in range(1, len(y) + 1) if np.isfinite(y[t - 1])]
    if not nonzero:
        return None
    if reverse:
        return nonzero[0], len(y)
    return 1, nonzero[-1]


def key_of(name: tuple[str, str]) -> str:
    return name[0]


@checks(mc.LayerTrendClaim)
def check_layer_trend(claim: mc.LayerTrendClaim, text: str, lang: str, ctx: ModelContext) -> None:
    common_rules(text, lang)
    key = key_of(claim.name)
    assert re.fullmatch(r"layer [1-9]\d* (forward|reverse)", key), key
    assert (claim.name[1] if lang == "ko" else key) in text, text
    reverse = key.endswith("reverse")
    assert claim.reverse == reverse
    quantity = claim.trend.quantity
    assert ("‖∂L/∂c_t‖" if quantity == "dc" else "‖∂L/∂h_t‖") in text, text
    y = drawn(ctx, claim.fresh, key, quantity)
    span = expected_span(y, reverse)
    if span is None:
        assert ("닿지 않습니다" if lang == "ko" else "no gradient") in text, text
        return
    far, near = span
    if far == near:
        assert ("한 시각에만" if lang == "ko" else "one step only") in text, text
        return
    ratio = float(y[far - 1] - y[near - 1])
    steps = near - far
    assert re.search(rf"(?<![\d.]){steps}(?![\d.])", text), (steps, text)
    if reverse:
        # measured from the loss's end, t = T, like the curve is drawn
        assert near == ctx.result.T
        assert f"t = {near}" in text and f"t = {far}" in text, text
    if ratio == -math.inf:
        assert ("정확히 0" if lang == "ko" else "exactly 0") in text, text
        assert ("소실" not in text) and ("vanishes" not in text), text
        return
    found = printed(text, lang)
    assert len(found) == 1, text
    verb, value = found[0]
    if ratio < 0:
        assert verb == "keeps", text
    elif ratio > 0:
        assert verb == "grows", text
    assert abs(value - ratio) <= 0.01 * max(1.0, abs(ratio)) + 0.005, (value, ratio, text)
    # the per-step rate printed is the geometric mean over the printed steps
    rate = re.search(r"×(\d+(?:\.\d+)?(?:e[+-]\d+)?) per step on average" if lang == "en"
                     else r"시각마다 평균 (\d+(?:\.\d+)?(?:e[+-]\d+)?)배", text)  # fmt: skip
    assert rate, text
    assert abs(math.log10(float(rate.group(1))) - ratio / steps) <= 0.003 + 0.01 * abs(ratio / steps), text
    vanishes, explodes = ratio <= -DECADES, ratio >= DECADES
    assert (("소실" if lang == "ko" else "vanishes") in text) == vanishes, text
    assert (("폭발" if lang == "ko" else "explodes") in text) == explodes, text


@checks(mc.GateShiftClaim)
def check_gate_shift(claim: mc.GateShiftClaim, text: str, lang: str, ctx: ModelContext) -> None:
    common_rules(text, lang)
    key = key_of(claim.name)
    means = {}
    for which, a in (("model", ctx.result.model), ("fresh", ctx.result.fresh)):
        rows = a.gates[a.gates["layer_direction"] == key]
        assert len(rows) == ctx.result.T
        means[which] = float(rows["mean"].mean())  # every step has N·H values: the mean of the step means
    nums = [float(v) for v in re.findall(r"\d\.\d{3}", text)]
    assert nums[:2] == [round(means["model"], 3), round(means["fresh"], 3)] or (
        abs(nums[0] - means["model"]) <= 6e-4 and abs(nums[1] - means["fresh"]) <= 6e-4
    ), (nums, means, text)
    if ctx.result.kind == "lstm":
        assert ("망각 게이트 f" if lang == "ko" else "forget gate f") in text, text
    else:  # the GRU's keep factor named in the layer's own formulation
        dlfs2 = ctx.result.formulation == "dlfs2"
        assert (("책의 1 − z" if lang == "ko" else "the book's 1 − z") in text) == dlfs2, text
        assert (("PyTorch의 z" if lang == "ko" else "PyTorch's z") in text) == (not dlfs2), text
    d = means["model"] - means["fresh"]
    opened = ("더 열려" if lang == "ko" else "more open") in text
    closed = ("더 닫혀" if lang == "ko" else "more closed") in text
    same = ("거의 같습니다" if lang == "ko" else "about the same") in text
    assert opened == (d >= mc.GATE_SHIFT - 1e-12) or abs(d - mc.GATE_SHIFT) < 1e-9, text
    assert closed == (d <= -mc.GATE_SHIFT + 1e-12) or abs(d + mc.GATE_SHIFT) < 1e-9, text
    assert same == (not opened and not closed), text


@checks(mc.TwinClaim)
def check_twin(claim: mc.TwinClaim, text: str, lang: str, ctx: ModelContext) -> None:
    common_rules(text, lang)
    key = key_of(claim.name)
    reverse = key.endswith("reverse")
    ratios = []
    for fresh in (False, True):
        y = drawn(ctx, fresh, key)
        span = expected_span(y, reverse)
        assert span is not None and span[0] < span[1], "a twin reading needs a measured stretch on both"
        ratios.append(float(y[span[0] - 1] - y[span[1] - 1]))
    m, f = ratios
    assert math.isfinite(m) and math.isfinite(f)
    h_part, _, c_part = text.partition(";" if lang == "en" else " 기억 셀")
    _twin_part(h_part, lang, m, f)
    # an LSTM: its memory cell's ‖∂L/∂c_t‖ over the same steps, model against fresh (judged by its cell)
    dc = [drawn(ctx, fresh, key, "dc") for fresh in (False, True)]
    if len(dc[0]) and len(dc[1]):
        spans = [expected_span(y, reverse) for y in dc]
        cells = [
            float(y[sp[0] - 1] - y[sp[1] - 1]) if sp and sp[0] < sp[1] else math.nan
            for y, sp in zip(dc, spans, strict=True)
        ]
        # compared only over the same steps, as ‖∂L/∂h_t‖ (a cell exactly 0 part of the way has a shorter stretch)
        if spans[0] == spans[1] and all(math.isfinite(c) for c in cells):
            assert c_part and "‖∂L/∂c_t‖" in c_part, text
            _twin_part(c_part, lang, *cells)
            return
    assert not c_part, text


def _twin_part(part: str, lang: str, m: float, f: float) -> None:
    """One quantity's comparison: the relation word by the numbers ("the same" when their printed values agree),
    "keep" only while both are below 1, and both ratios printed."""
    same = abs(m - f) < 1e-9 or shared_claims.pct(m) == shared_claims.pct(f)
    if same:
        assert ("같은 비율" if lang == "ko" else "the same share") in part, part
        return
    more = any(w in part for w in (" more ", "ends higher", "더 많이", "더 큽니다"))
    less = any(w in part for w in (" less ", "ends lower", "더 적게", "더 작습니다"))
    assert more == (m > f) and less == (m < f), part
    if lang == "en":
        assert ("keep" in part) == (m <= 0 and f <= 0), part
    values = [log10_of(v, p) for v, p in re.findall(NUMBER, part.split(":")[-1] if lang == "en" else part)]
    assert any(abs(v - m) <= 0.01 * max(1, abs(m)) + 0.005 for v in values), (m, part)
    assert any(abs(v - f) <= 0.01 * max(1, abs(f)) + 0.005 for v in values), (f, part)


@checks(mc.ActivationClaim)
def check_activation(claim: mc.ActivationClaim, text: str, lang: str, ctx: ModelContext) -> None:
    common_rules(text, lang)
    assert ctx.activation in ("tanh", "relu")
    assert f"**{ctx.activation}**" in text, text  # the one analysed with
    assert ctx.info is not None
    stated = ctx.info.fmt not in ("safetensors", "npz") and claim.stated
    if ctx.info.fmt in ("safetensors", "npz"):
        assert not claim.stated  # a PyTorch file never states it
    said_assumed = ("가정" if lang == "ko" else "assumed") in text
    assert said_assumed == (not stated), text
