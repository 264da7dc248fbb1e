"""Checkers of the flow pages' claims (compare, RNN, LSTM, GRU: explorer/flow/claims.py) and of the shared
TrendClaim (explorer/shared/claims.py), registered in tests/claim_registry.py.

Each recomputes what its sentence asserts from the curves of the same result: the trend it names from the drawn
curve, numbers parsed back out of the text, and the verbs ("keeps"/"grows", "vanishes"/"explodes", "more"/"less",
"close to ρ", a rate "per step") must agree with those numbers. The context of a flow page is a ``FlowContext``;
the TrendClaim checker also accepts any other page's context (a result with a ``flow``, or none: then the sentence
is checked against its own Trend).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from claim_registry import checks, steps

import recurrent_core as rc
from explorer.flow import claims
from explorer.shared import claims as shared_claims
from explorer.shared.controls import Settings
from explorer.shared.curves import geometric_tolerance, steady_skip

DECADES = 2.0  # the documented thresholds: vanishes when it keeps ≤ 1 %, explodes when it grows ≥ 100×
NUMBER = r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)(%?)"
HANGUL = "가-힣"


@dataclass(frozen=True)
class FlowContext:
    """What a flow page draws its claims beside: which page, its result, the settings."""

    page: str  # "compare" | "rnn" | "lstm" | "gru"
    result: Any
    settings: Settings

    @property
    def flow(self) -> Any:
        return self.result.flow


# ----------------------------------------------------------------------------------------------- parsing helpers
def log10_of(text: str, percent: str = "") -> float:
    """log10 of a number as the app prints it ('3.67e-14', '5460', '40.2' with '%'), even past float64."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:e([+-]\d+))?", text)
    assert m, text
    if float(m.group(1)) == 0:
        return -math.inf  # an exact zero
    value = math.log10(float(m.group(1))) + (int(m.group(2)) if m.group(2) else 0)
    return value - 2 if percent else value


def curve(result_flow: Any, curve_id: str) -> np.ndarray:
    part = result_flow.curves[result_flow.curves["curve"] == curve_id].sort_values("t")
    return part["log10_norm"].to_numpy(dtype=float)


def trend_curve(flow: Any, trend: Any) -> np.ndarray:
    """The points a trend speaks of, in time order, the loss's point last (the W_hh-only chain's is the full's)."""
    y = curve(flow, trend.curve)
    return np.append(y, curve(flow, "full")[-1]) if trend.quantity == "matmul_only" else y


def measured_ratio(flow: Any, trend: Any) -> float:
    """log10 (first point / value at the loss) of the curve a trend speaks of, from the drawn data."""
    y = trend_curve(flow, trend)
    return float(y[0] - y[-1])


def printed_ratios(text: str, lang: str) -> list[tuple[str, float]]:
    """(verb, log10 value) of every 'keeps X' / 'grows X×' (Korean: 'X(만) 남습니다' / 'X배로 커집니다')."""
    if lang == "en":
        found = [("keeps", log10_of(v, p)) for v, p in re.findall(r"keeps " + NUMBER, text)]
        found += [("grows", log10_of(v, p)) for v, p in re.findall(r"grows (?:to )?" + NUMBER + "×", text)]
        found += [("keeps", log10_of(v, p)) for v, p in re.findall(r"is unchanged at " + NUMBER, text)]
    else:
        found = [("keeps", log10_of(v, p)) for v, p in re.findall(NUMBER + "(?:만)? 남습니다", text)]
        found += [("grows", log10_of(v, p)) for v, p in re.findall(NUMBER + "배로 커집니다", text)]
        found += [("keeps", log10_of(v, p)) for v, p in re.findall(NUMBER + "로 그대로입니다", text)]
    return found


# ------------------------------------------------------------------------------------------ rules of every text
def unclosed_bold(text: str) -> list[str]:
    """Bold markers CommonMark (Streamlit's markdown) leaves as literal ``**``, taking them in pairs: an opening
    ``**`` that is not left-flanking (before whitespace, or after a letter and before punctuation) or a closing one
    that is not right-flanking (after whitespace, or after punctuation and before a letter: "**(…)**의")."""

    def punct(ch: str) -> bool:
        return not ch.isalnum() and not ch.isspace()

    bad = []
    for j, m in enumerate(re.finditer(r"\*\*", text)):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if j % 2 == 0:
            fails = after.isspace() or (punct(after) and not (before.isspace() or punct(before)))
        else:
            fails = before.isspace() or (punct(before) and not (after.isspace() or punct(after)))
        if fails:
            bad.append(text[max(0, m.start() - 15) : m.end() + 15])
    return bad


def check_text_rules(text: str, lang: str) -> None:
    """Anywhere: 'keeps' only below 1, 'grows' only above 1; never a placeholder, NaN or a literal '**'; Korean 만
    ("only") never on 100 % nor beside "more"."""
    for verb, value in printed_ratios(text, lang):
        if verb == "keeps":
            assert value <= 1e-9, (verb, value, text)
        else:
            assert value >= -1e-9, (verb, value, text)
    assert "×?" not in text and "?배" not in text, text
    assert not re.search(r"(?<![A-Za-z])(nan|inf%|nan%)(?![A-Za-z])", text), text  # a printed float NaN
    assert unclosed_bold(text) == [], (unclosed_bold(text), text)
    if lang == "ko":
        assert "100%만" not in text, text
        assert not re.search(r"만 남습니다\. [^.]*보다 (더 )?많습니다", text), text  # 만 only for less


def check_step_rate(trend: Any, y: np.ndarray | None, text: str, lang: str) -> None:
    """A rate per step is printed only over a steady part close to geometric, and it is that part's rate."""
    if lang == "en":
        m = re.search(r"\(×" + NUMBER + r" per step(?: after the first (?:step back|(\d+) steps back))?\)", text)
        none = "no steady rate per step" in text
    else:
        m = re.search(r"\((?:처음 (\d+) 시각 이후 )?시각마다 ×" + NUMBER + r"\)", text)
        none = "일정한 비율은 없습니다" in text
    if not m:
        assert none, text
        if y is not None and len(y) >= 3:
            skip = steady_skip(len(y) - 1)
            z = y[: len(y) - skip]
            if np.isfinite(z).all() and len(z) >= 2:
                rate = (z[0] - z[-1]) / (len(z) - 1)
                line = z[-1] + rate * np.arange(len(z) - 1, -1, -1)
                dev = float(np.max(np.abs(z - line)))
                assert dev > geometric_tolerance(rate * (len(z) - 1)) - 1e-9, (dev, text)
        return
    assert not none
    printed = log10_of(m.group(1) if lang == "en" else m.group(2))
    if y is None:
        assert printed == pytest.approx(trend.log10_rate_steady, abs=0.003), text
        return
    skip = steady_skip(len(y) - 1)
    said_skip = (
        (int(m.group(3)) if m.group(3) else (1 if "first step back" in text else 0))
        if lang == "en"
        else (int(m.group(1)) if m.group(1) else 0)
    )
    assert said_skip == skip, (said_skip, skip, text)
    z = y[: len(y) - skip]
    rate = (z[0] - z[-1]) / (len(z) - 1)
    assert printed == pytest.approx(rate, abs=0.003), (printed, rate, text)  # three significant digits
    line = z[-1] + rate * np.arange(len(z) - 1, -1, -1)
    assert float(np.max(np.abs(z - line))) <= geometric_tolerance(rate * (len(z) - 1)) + 1e-9, text


# ------------------------------------------------------------------------------------------------ the checkers
def _flow_of(context: Any) -> Any:
    for obj in (context, getattr(context, "result", None)):
        flow = getattr(obj, "flow", None)
        if flow is not None and hasattr(flow, "curves"):
            return flow
    return None


def _cell_curve(context: Any) -> np.ndarray | None:
    result = getattr(context, "result", None)
    dc = getattr(result, "lstm_dc_curve", None)
    if dc is not None:
        return np.asarray(dc, dtype=float)
    flow = _flow_of(context)
    if flow is not None and (flow.curves["curve"] == "dc").any():
        return curve(flow, "dc")
    return None


@checks(shared_claims.TrendClaim)
def check_trend(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    t = claim.trend
    if t.forward_overflow is not None:
        assert ("overflowed" in text) if lang == "en" else ("오버플로" in text), text
        return
    flow = _flow_of(context)
    y = trend_curve(flow, t) if flow is not None and (flow.curves["curve"] == t.curve).any() else None
    ratio = float(y[0] - y[-1]) if y is not None else t.log10_ratio
    at_loss_zero = y[-1] == -np.inf if y is not None else np.isnan(t.log10_ratio) or t.log10_ratio == np.inf
    if at_loss_zero and t.quantity != "matmul_only":  # exactly 0 at the loss: no ratio is claimed
        assert ("exactly 0 at the loss" in text) if lang == "en" else ("정확히 0" in text), text
        assert not re.search(r"keeps|grows|vanishes|explodes", text)
        return
    assert t.log10_ratio == pytest.approx(ratio, abs=1e-9)
    if t.steps == 0:
        return
    keep, grow, vanish, explode = (
        ("keeps", "grows", "**vanishes**", "**explodes**")
        if lang == "en"
        else ("남습니다", "커집니다", "**기울기 소실**", "**기울기 폭발**")
    )
    head = text.split("; its memory cell")[0].split("; but its memory cell")[0].split(". 기억 셀의")[0]
    head = head.split(". 그러나 기억 셀의")[0]
    assert (keep in head) == (ratio < 0), (lang, ratio, text)
    assert (grow in head) == (ratio > 0), (lang, ratio, text)
    assert (vanish in head) == (ratio <= -DECADES), (lang, ratio, text)
    assert (explode in head) == (ratio >= DECADES), (lang, ratio, text)
    printed = printed_ratios(head, lang)
    assert printed, text
    assert printed[0][1] == pytest.approx(ratio, abs=0.003), (text, ratio)  # three significant digits
    if lang == "en":
        assert f"after {steps(len(y) - 1 if y is not None else t.steps)} back (" in text, text
    check_step_rate(t, y, head, lang)
    # the LSTM judged by its memory cell too: a vanishing ‖∂L/∂h_t‖ says what ‖∂L/∂c_t‖ does
    cell_said = ("memory cell's ‖∂L/∂c_t‖" in text) if lang == "en" else ("기억 셀의 ‖∂L/∂c_t‖" in text)
    # issue 17: whatever ‖∂L/∂h_t‖ does, an LSTM's sentence says what its memory cell's ‖∂L/∂c_t‖ does beside it
    if claim.cell is not None and claim.cell.steps > 0 and claim.cell.direction != "undefined":
        assert cell_said, text
        c = _cell_curve(context)
        c_ratio = float(c[0] - c[-1]) if c is not None else claim.cell.log10_ratio
        check_cell_tail(text[len(head) :], lang, c_ratio, text)
        too = ("vanishes too" in text) if lang == "en" else ("함께 소실됩니다" in text)
        carries = ("still carries" in text) if lang == "en" else ("아직 전달합니다" in text)
        h_vanishes = ratio <= -DECADES
        assert too == (h_vanishes and c_ratio <= -DECADES), text
        assert carries == (h_vanishes and c_ratio > -DECADES), text
    elif claim.cell is None:
        assert not cell_said


def check_cell_tail(tail: str, lang: str, c_ratio: float, text: str) -> None:
    """The memory cell's part of a sentence prints its ratio: the first 'keeps'/'grows' number after the cell."""
    c_printed = printed_ratios(tail, lang)
    assert c_printed and c_printed[0][1] == pytest.approx(c_ratio, abs=0.003), (tail, c_ratio, text)


def _cell_part(text: str, lang: str) -> str | None:
    """The part of a sentence from the memory cell's ‖∂L/∂c_t‖ on (None when it does not name it)."""
    key = "memory cell's ‖∂L/∂c_t‖" if lang == "en" else "기억 셀의 ‖∂L/∂c_t‖"
    i = text.find(key)
    return None if i < 0 else text[i:]


@checks(claims.CompareClaim)
def check_compare(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    ids = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
    flow = context.flow
    a = measured_ratio(flow, flow.trends[ids[claim.a]])
    b = measured_ratio(flow, flow.trends[ids[claim.b]])
    kept = a <= 1e-9 and b <= 1e-9  # "keeps more/less" only when both kept a share; else "ends higher/lower"
    if lang == "en":
        more, less, same = ("keeps more", "keeps less", "same") if kept else ("ends higher", "ends lower", "same")
    else:
        more, less, same = ("더 많이", "더 적게", "같습니다") if kept else ("더 큽니다", "더 작습니다", "같습니다")
    printed_equal = shared_claims.pct(a) == shared_claims.pct(b)  # two equal numbers are never "more" or "less"
    if abs(a - b) < 1e-9 or printed_equal:
        assert same in text and more not in text and less not in text, text
    elif a > b:
        assert more in text and less not in text, text
    else:
        assert less in text and more not in text, text
    assert ("keeps" in text.split(";")[0]) == (kept and not (abs(a - b) < 1e-9 or printed_equal)) or lang != "en", text
    # the LSTM judged by its cell: its ‖∂L/∂c_t‖ beside the comparison of ‖∂L/∂h_t‖
    part = _cell_part(text, lang)
    c = getattr(context.result, "lstm_dc_curve", None)
    if claim.a == "LSTM" and claim.cell is not None and claim.cell.steps > 0 and claim.cell.direction != "undefined":
        assert part is not None and c is not None, text
        check_cell_tail(part, lang, float(c[0] - c[-1]), text)
    elif claim.a != "LSTM":
        assert part is None, text


def _open_cell_carries(result: Any, kind: str) -> bool:
    """The opened LSTM's memory cell keeps more than 1 % (recomputed from its ‖∂L/∂c_t‖ curve)."""
    y = getattr(result, "open_dc_curve", {}).get(kind)
    if y is None or len(y) < 2 or not np.isfinite(y[[0, -1]]).all():
        return False
    return bool(y[0] - y[-1] > -DECADES)


@checks(claims.OpenClaim)
def check_open(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    flow = context.flow
    kind = {"LSTM": "lstm", "GRU": "gru"}[claim.name]
    opened = measured_ratio(flow, flow.trends[f"{kind}_open"])
    as_set = measured_ratio(flow, flow.trends[kind])
    carries = _open_cell_carries(context.result, kind)
    equal = opened == as_set or math.isnan(opened - as_set) or abs(opened - as_set) < 1e-9
    equal = equal or shared_claims.pct(opened) == shared_claims.pct(as_set)  # printed the same: "as much as"
    if lang == "en":
        assert (": more than at the bias" in text) == (opened > as_set and not equal), text
        assert (": less than at the bias" in text) == (opened < as_set and not equal), text
        assert (": as much as at the bias" in text) == equal, text
        assert ("still **vanishes**" in text) == (opened <= -DECADES and not carries), text
        assert ("but its memory cell's ‖∂L/∂c_t‖" in text) == (opened <= -DECADES and carries), text
        assert ("**explodes**" in text) == (opened >= DECADES)
        assert f"gate bias {claim.bias:+g}" in text and f"Opened by {claims.OPEN_GATE_BIAS:+g}" in text
    else:
        assert ("보다 많습니다" in text) == (opened > as_set and not equal), text
        assert ("와 같습니다" in text) == equal and "보다 같습니다" not in text, text
        assert ("여전히 **기울기 소실**" in text) == (opened <= -DECADES and not carries)
    # the opened LSTM's memory cell, whatever its ‖∂L/∂h_t‖ does
    y = getattr(context.result, "open_dc_curve", {}).get(kind)
    part = _cell_part(text, lang)
    if claim.cell is not None and claim.cell.steps > 0 and claim.cell.direction != "undefined" and y is not None:
        assert part is not None, text
        check_cell_tail(part, lang, float(y[0] - y[-1]), text)
    elif claim.cell is None:
        assert part is None, text


@checks(claims.GateClaim)
def check_gate(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    assert 0.0 < claim.mean < 1.0
    if lang != "en":
        assert f"**{claim.mean:.3f}**" in text and f"{claim.steps}만큼 거듭제곱" in text
        return
    m = re.search(
        r"averages \*\*([\d.]+)\*\* over all steps and units; to the power (\d+) \(the steps back\) that is (\S+)\.",
        text,
    )
    assert m, text
    mean, power = float(m.group(1)), int(m.group(2))
    assert mean == pytest.approx(claim.mean, abs=5e-4)
    assert power == context.settings.T
    assert log10_of(m.group(3)) == pytest.approx(power * math.log10(claim.mean), abs=0.003)


def _rho_sigma(result: Any) -> tuple[float, float]:
    rho = float(result.eigenvalues["modulus"].max())
    sigma = float(result.spectrum.loc[result.spectrum["quantity"] == "σ_i", "value"].max())
    return rho, sigma


@checks(claims.RateClaim)
def check_rate(claim: Any, text: str, lang: str, context: Any) -> None:
    """The W_hh-only chain's rate over the points at least 5 steps from the loss, and which of ρ, σ_max it follows;
    the same number as the chain's trend sentence prints (one computation, one rounding)."""
    check_text_rules(text, lang)
    result = context.result
    y = trend_curve(result.flow, result.flow.trends["matmul_only"])
    z = y[: len(y) - 5]
    rate = (z[0] - z[-1]) / (len(z) - 1)
    assert claim.log10_rate == pytest.approx(rate, abs=1e-9)
    assert claim.log10_rate == result.flow.trends["matmul_only"].log10_rate_steady
    rho, sigma = _rho_sigma(result)
    d_rho, d_sigma = abs(rate - math.log10(rho)), abs(rate - math.log10(sigma))
    steady = result.flow.trends["matmul_only"].steady  # its trend sentence says "no steady rate" otherwise
    assert (("a mean rate" in text) if lang == "en" else ("평균 비율" in text)) == (not steady), text
    if lang == "en":
        assert f"**{shared_claims.rate_text(rate)} per step**" in text, text
        if abs(d_rho - d_sigma) > 0.01:
            assert ("close to ρ" in text) == (d_rho < d_sigma), (rate, rho, sigma, text)
            assert ("closer to σ_max" in text) == (d_sigma < d_rho)


@checks(claims.FactorClaim)
def check_factor(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    result = context.result
    full, matmul = result.flow.trends["full"], result.flow.trends["matmul_only"]
    rf, rm = claim.log10_rate_full, claim.log10_rate_matmul
    assert rf == full.log10_rate_steady and rm == matmul.log10_rate_steady  # one number per chain on the page
    # a chain whose trend sentence says "no steady rate" (it bends) has its rate called a mean here
    assert (("mean rates" in text) if lang == "en" else ("평균 비율" in text)) == (not (full.steady and matmul.steady))
    if lang == "en":
        assert ("the full BPTT's curve bends" in text or "both curves bend" in text) == (not full.steady), text
    if lang != "en":
        assert f"시각마다 {shared_claims.rate_text(rf)}" in text and f"반복하면 {shared_claims.rate_text(rm)}" in text
        return
    rates = re.findall(r"×(\d+(?:\.\d+)?(?:e[+-]\d+)?)", text)
    assert len(rates) == 3, text
    assert log10_of(rates[1]) == pytest.approx(rf, abs=0.003) and log10_of(rates[2]) == pytest.approx(rm, abs=0.003)
    assert log10_of(rates[0]) <= 1e-9  # the φ′ factor never multiplies by more than 1
    if "slows the growth" in text:
        assert rf < rm and full.direction == matmul.direction == "explodes"
    if "turns W_hh's growth into vanishing" in text:
        assert matmul.direction == "explodes" and full.direction == "vanishes"
    if "vanish faster than W_hh alone" in text:
        assert rf < rm and full.direction == "vanishes"
    if "changes faster than W_hh alone" in text:
        assert rf > rm


@checks(claims.TheoryClaim)
def check_theory(claim: Any, text: str, lang: str, context: Any) -> None:
    check_text_rules(text, lang)
    rho, sigma = _rho_sigma(context.result)
    assert ("σ_max < 1/γ = 1" in text) == (sigma < 1)
    assert ("ρ < 1" in text) == (sigma >= 1 > rho)


@checks(claims.ContributionClaim)
def check_contribution(claim: Any, text: str, lang: str, context: Any) -> None:
    """The per-step share sentence names the earliest step with a finite nonzero term, its share and the last's."""
    check_text_rules(text, lang)
    c = context.result.contributions
    ok = np.isfinite(c.log10_step) & np.isfinite(c.log10_whole)
    if claim.first is None:
        assert not ok.any() or not math.isfinite(claim.log10_last)
        return
    assert ok[claim.first - 1] and not ok[: claim.first - 1].any()
    if not (math.isfinite(claim.log10_first) and math.isfinite(claim.log10_last)):
        assert "no share per step" in text or lang != "en"
        return
    T = len(c.log10_step)
    # ‖∂L/∂x_t‖ from its own earliest finite step, never a step against itself
    dx_ok = np.flatnonzero(np.isfinite(c.log10_dx))
    named = re.findall(r"‖∂L/∂x_(\d+)‖", text)
    if dx_ok.size and dx_ok[0] + 1 != T and np.isfinite(c.log10_dx[-1]):
        assert named[:2] == [str(dx_ok[0] + 1), str(T)], text
        if lang == "en":
            m = re.search(r"‖∂L/∂x_\d+‖ is (\S+) times", text)
            assert m, text
            if "⁻" not in m.group(1) and "×" not in m.group(1):  # a plain number (not 10⁻ⁿ)
                assert log10_of(m.group(1)) == pytest.approx(c.log10_dx[dx_ok[0]] - c.log10_dx[-1], abs=0.01), text
    else:
        assert not named, text
    if claim.first == T:  # one step with a nonzero term: the whole update, no share of itself
        assert ("all of their update from step" if lang == "en" else "갱신량 전부를") in text, text
        return
    if lang != "en":
        assert f"시각 {claim.first}에서" in text and f"시각 {len(c.log10_step)}에서" in text
        return
    m = re.search(r"receive (\S+) of their update from step (\d+) and (\S+) from step (\d+)", text)
    assert m, text
    assert int(m.group(2)) == claim.first and int(m.group(4)) == len(c.log10_step)
    for printed, true in ((m.group(1), c.log10_step[claim.first - 1]), (m.group(3), c.log10_step[-1])):
        share = true - c.log10_whole
        if "⁻" not in printed and "×" not in printed:
            assert log10_of(printed) == pytest.approx(share, abs=0.01), (printed, share, text)
    assert ("Step 1 gives exactly 0" in text) == bool(c.log10_step[0] == -np.inf)


@checks(claims.GateRoleClaim)
def check_gate_role(claim: Any, text: str, lang: str, context: Any) -> None:
    """Each gate's printed mean and range are its measured values; sigmoid gates lie in [0, 1]."""
    check_text_rules(text, lang)
    mean, lo, hi = context.result.gate_summary[claim.gate]
    assert lo <= hi  # (a skewed gate's mean may lie outside its 10–90 % range)
    if claim.gate != "g":
        assert lo >= 0 and hi <= 1
    assert f"{mean:.3f}" in text and f"{lo:.3f}" in text and f"{hi:.3f}" in text, text


def check_point(result: Any) -> None:
    """The compare page's summary: a kind is said to vanish when its ‖∂L/∂h_t‖ does and, for the LSTM, its memory
    cell's ‖∂L/∂c_t‖ too."""
    trends = result.flow.trends
    vanish = set()
    for k in ("lstm", "gru"):
        if measured_ratio(result.flow, trends[k]) <= -DECADES:
            dc = result.lstm_dc_curve if k == "lstm" else None
            if dc is None or not np.isfinite(dc[[0, -1]]).all() or dc[0] - dc[-1] <= -DECADES:
                vanish.add(k)
    for lang in ("en", "ko"):
        text = claims.point(result, lang)
        if text is None:
            assert not vanish
            continue
        check_text_rules(text, lang)
        if lang == "en":
            head = text.split(". Opened")[0]
            for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
                assert (name in head) == (kind in vanish), text
            rnn = trends["rnn"]  # after a forward overflow its gradient is undefined, not vanishing
            rnn_vanishes = rnn.forward_overflow is None and measured_ratio(result.flow, rnn) <= -DECADES
            assert ("like the RNN" in text) == rnn_vanishes
            # the LSTM said to vanish: its memory cell's ‖∂L/∂c_t‖ beside, with its ratio
            dc = result.lstm_dc_curve
            if "lstm" in vanish and dc is not None and len(dc) > 1 and np.isfinite(dc[[0, -1]]).all():
                part = _cell_part(text, lang)
                assert part is not None, text
                check_cell_tail(part, lang, float(dc[0] - dc[-1]), text)
            for part in text.split(" Opened by ")[1:]:
                assert "no longer" in part, text
                for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
                    if name not in part:
                        continue
                    assert kind in vanish, text  # "no longer" only of a kind said to vanish above
                    opened = measured_ratio(result.flow, trends[f"{kind}_open"])
                    if "memory cell no longer" in part:  # its ‖∂L/∂h_t‖ still vanishes, its cell carries
                        assert kind == "lstm" and opened <= -DECADES and _open_cell_carries(result, kind), text
                        check_cell_tail(
                            part[part.index("‖∂L/∂c_t‖") :],
                            lang,
                            float(result.open_dc_curve[kind][0] - result.open_dc_curve[kind][-1]),
                            text,
                        )
                    else:
                        assert opened > -DECADES, text


@checks(claims.BookClaim)
def check_book(claim: Any, text: str, lang: str, context: Any) -> None:
    """The book's figure (context: data.book_view's frame): the last norm, its ratio to the start (the norm of
    dh = ones((2, 3)), recomputed here), ρ and σ_max of the same Wh, and the verdict by the documented thresholds."""
    check_text_rules(text, lang)
    scale = 0.5 if "× 0.5" in claim.name else 1.0
    part = context[context["scale"] == scale].sort_values("back")
    end = float(part["norm"].iloc[-1])
    start = math.sqrt(np.sum(np.ones((2, 3)) ** 2)) / 2
    Wh = rc.book_experiment(scale).Wh
    rho, sigma = np.abs(np.linalg.eigvals(Wh)).max(), np.linalg.svd(Wh, compute_uv=False)[0]
    assert f"ρ = {rho:.3g}, σ_max = {sigma:.3g}" in text, text
    assert f"{end:.3g}" in text and f"{start:.3g}" in text and f"{int(part['back'].iloc[-1])}" in text, text
    ratio = math.log10(end / start)
    explodes, vanishes = ratio >= DECADES, ratio <= -DECADES
    assert (("explodes" in text) if lang == "en" else ("기울기 폭발" in text)) == explodes, text
    assert (("vanishes" in text) if lang == "en" else ("기울기 소실" in text)) == vanishes, text
    # the printed ratio to the start, read back: "204×" / "204배", or "1.94e-4" / "40%" of it
    m = re.search(r"(?:its value at the loss|손실 위치의 값) \(?[\d.e+-]+\)?의? " + NUMBER + "(?:×|배)?", text)
    m = m or re.search(r", " + NUMBER + r"(?:×| of)", text)
    assert m, text
    assert abs(log10_of(m.group(1), m.group(2)) - ratio) < 0.01, (text, ratio)
