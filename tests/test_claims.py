"""No sentence contradicts its chart: the readings (explorer.flow.claims) checked against the numbers they speak of.

The property test draws 300 settings across every control's range (extremes included), computes every page's
result, renders its claims in English and Korean, and checks each sentence against the curves of the same result:
the trend it names is recomputed from the drawn curve, numbers are parsed back out of the text, and the verbs
("keeps"/"grows", "vanishes"/"explodes", "more"/"less", "close to ρ") must agree with those numbers.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from explorer.flow import claims, data
from explorer.shared.controls import CONTROLS, Settings, consistent

DECADES = 2.0  # the documented thresholds: vanishes when it keeps ≤ 1 %, explodes when it grows ≥ 100×
NUMBER = r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)(%?)"


# ----------------------------------------------------------------------------------------------- parsing helpers
def log10_of(text: str, percent: str = "") -> float:
    """log10 of a number as the app prints it ('3.67e-14', '5460', '40.2' with '%'), even past float64."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:e([+-]\d+))?", text)
    assert m, text
    if float(m.group(1)) == 0:
        return -math.inf  # an exact zero
    value = math.log10(float(m.group(1))) + (int(m.group(2)) if m.group(2) else 0)
    return value - 2 if percent else value


def curve(result_flow, curve_id: str) -> np.ndarray:
    part = result_flow.curves[result_flow.curves["curve"] == curve_id].sort_values("t")
    return part["log10_norm"].to_numpy(dtype=float)


def measured_ratio(flow, trend) -> float:
    """log10 (first point / value at the loss) of the curve a trend speaks of, from the drawn data."""
    y = curve(flow, trend.curve)
    at_loss = curve(flow, "full")[-1] if trend.quantity == "matmul_only" else y[-1]
    return float(y[0] - at_loss)


def printed_ratios(text: str, lang: str) -> list[tuple[str, float]]:
    """(verb, log10 value) of every 'keeps X' / 'grows X×' (Korean: 'X만 남습니다' / 'X배로 커집니다')."""
    if lang == "en":
        found = [("keeps", log10_of(v, p)) for v, p in re.findall(r"keeps " + NUMBER, text)]
        found += [("grows", log10_of(v, p)) for v, p in re.findall(r"grows (?:to )?" + NUMBER + "×", text)]
        found += [("keeps", log10_of(v, p)) for v, p in re.findall(r"is unchanged at " + NUMBER, text)]
    else:
        found = [("keeps", log10_of(v, p)) for v, p in re.findall(NUMBER + "만 남습니다", text)]
        found += [("grows", log10_of(v, p)) for v, p in re.findall(NUMBER + "배로 커집니다", text)]
        found += [("keeps", log10_of(v, p)) for v, p in re.findall(NUMBER + "로 그대로입니다", text)]
    return found


# ------------------------------------------------------------------------------------------ the claim checks
def check_text_rules(text: str, lang: str) -> None:
    """Anywhere: 'keeps' only below 1, 'grows' only above 1."""
    for verb, value in printed_ratios(text, lang):
        if verb == "keeps":
            assert value <= 1e-9, (verb, value, text)
        else:
            assert value >= -1e-9, (verb, value, text)


def check_trend(claim, flow, texts: dict[str, str]) -> None:
    t = claim.trend
    en, ko = texts["en"], texts["ko"]
    if t.forward_overflow is not None:
        assert "overflowed" in en and "오버플로" in ko
        return
    ratio = measured_ratio(flow, t)
    y = curve(flow, t.curve)
    if y[-1] == -np.inf and t.quantity != "matmul_only":  # exactly 0 at the loss: no ratio is claimed
        assert "exactly 0 at the loss" in en and "정확히 0" in ko
        assert not re.search(r"keeps|grows|vanishes|explodes", en)
        return
    assert t.log10_ratio == pytest.approx(ratio, abs=1e-9)
    if t.steps == 0:
        return
    words = (("en", "keeps", "grows", "**vanishes**", "**explodes**"),
             ("ko", "남습니다", "커집니다", "**기울기 소실**", "**기울기 폭발**"))  # fmt: skip
    for lang, keep, grow, vanish, explode in words:
        text = texts[lang]
        assert (keep in text) == (ratio < 0), (lang, ratio, text)
        assert (grow in text) == (ratio > 0), (lang, ratio, text)
        assert (vanish in text) == (ratio <= -DECADES), (lang, ratio, text)
        assert (explode in text) == (ratio >= DECADES), (lang, ratio, text)
        printed = printed_ratios(text, lang)
        assert printed, text
        assert printed[0][1] == pytest.approx(ratio, abs=0.003), (text, ratio)  # three significant digits
    steps = re.search(r"after (\d+) steps back \(", en)
    assert steps and int(steps.group(1)) == len(curve(flow, t.curve)) - (0 if t.quantity == "matmul_only" else 1)


def check_compare(claim, flow, texts: dict[str, str], ids: dict[str, str]) -> None:
    a = measured_ratio(flow, flow.trends[ids[claim.a]])
    b = measured_ratio(flow, flow.trends[ids[claim.b]])
    if abs(a - b) < 1e-9:
        assert "same" in texts["en"]
    elif a > b:
        assert "keeps more" in texts["en"] and "더 많이" in texts["ko"]
    else:
        assert "keeps less" in texts["en"] and "더 적게" in texts["ko"]


def check_open(claim, flow, texts: dict[str, str]) -> None:
    kind = {"LSTM": "lstm", "GRU": "gru"}[claim.name]
    opened = measured_ratio(flow, flow.trends[f"{kind}_open"])
    as_set = measured_ratio(flow, flow.trends[kind])
    assert (": more than at the bias" in texts["en"]) == (opened > as_set)
    assert (": less than at the bias" in texts["en"]) == (opened < as_set)
    assert ("still **vanishes**" in texts["en"]) == (opened <= -DECADES)
    assert ("**explodes**" in texts["en"]) == (opened >= DECADES)


def check_gate(claim, texts: dict[str, str]) -> None:
    assert 0.0 < claim.mean < 1.0
    m = re.search(
        r"averages \*\*([\d.]+)\*\* over all steps and units; to the power (\d+) \(the steps back\) that is (\S+)\.",
        texts["en"],
    )
    assert m, texts["en"]
    mean, power = float(m.group(1)), int(m.group(2))
    assert mean == pytest.approx(claim.mean, abs=5e-4)
    assert log10_of(m.group(3)) == pytest.approx(power * math.log10(claim.mean), abs=0.003) or claim.mean == 0


def check_rate(claim, result, texts: dict[str, str]) -> None:
    """The W_hh-only chain's rate over the points at least 5 steps from the loss, and which of ρ, σ_max it follows."""
    y = np.append(curve(result.flow, "matmul_only"), curve(result.flow, "full")[-1])
    z = y[: len(y) - 5]
    rate = (z[0] - z[-1]) / (len(z) - 1)
    assert claim.log10_rate == pytest.approx(rate, abs=1e-9)
    rho = float(result.eigenvalues["modulus"].max())
    sigma = float(result.spectrum.loc[result.spectrum["quantity"] == "σ_i", "value"].max())
    d_rho, d_sigma = abs(rate - math.log10(rho)), abs(rate - math.log10(sigma))
    if abs(d_rho - d_sigma) > 0.01:
        assert ("close to ρ" in texts["en"]) == (d_rho < d_sigma), (rate, rho, sigma, texts["en"])
        assert ("closer to σ_max" in texts["en"]) == (d_sigma < d_rho)


def check_factor(claim, result, texts: dict[str, str]) -> None:
    en = texts["en"]
    full, matmul = result.flow.trends["full"], result.flow.trends["matmul_only"]
    rf, rm = claim.log10_rate_full, claim.log10_rate_matmul
    rates = re.findall(r"×(\d+(?:\.\d+)?(?:e[+-]\d+)?)", en)
    assert len(rates) == 3, en
    assert log10_of(rates[1]) == pytest.approx(rf, abs=0.003) and log10_of(rates[2]) == pytest.approx(rm, abs=0.003)
    assert log10_of(rates[0]) <= 1e-9  # the φ′ factor never multiplies by more than 1
    if "slows the growth" in en:
        assert rf < rm and full.direction == matmul.direction == "explodes"
    if "turns W_hh's growth into vanishing" in en:
        assert matmul.direction == "explodes" and full.direction == "vanishes"
    if "vanish faster than W_hh alone" in en:
        assert rf < rm and full.direction == "vanishes"
    if "changes faster than W_hh alone" in en:
        assert rf > rm


def check_theory(claim, result, texts: dict[str, str]) -> None:
    rho = float(result.eigenvalues["modulus"].max())
    sigma = float(result.spectrum.loc[result.spectrum["quantity"] == "σ_i", "value"].max())
    assert ("σ_max < 1/γ = 1" in texts["en"]) == (sigma < 1)
    assert ("ρ < 1" in texts["en"]) == (sigma >= 1 > rho)


def check_point(result, s: Settings) -> None:
    for lang in ("en", "ko"):
        text = claims.point(result, lang)
        trends = result.flow.trends
        vanish = {k for k in ("lstm", "gru") if measured_ratio(result.flow, trends[k]) <= -DECADES}
        if text is None:
            assert not vanish
            continue
        check_text_rules(text, lang)
        if lang == "en":
            for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
                head = text.split(". Opened")[0]
                assert (name in head) == (kind in vanish), text
            rnn = trends["rnn"]  # after a forward overflow its gradient is undefined, not vanishing
            rnn_vanishes = rnn.forward_overflow is None and measured_ratio(result.flow, rnn) <= -DECADES
            assert ("like the RNN" in text) == rnn_vanishes
            if "no longer vanish" in text:
                tail = text.split("Opened by")[1]
                for kind, name in (("lstm", "LSTM"), ("gru", "GRU")):
                    if name in tail:
                        assert measured_ratio(result.flow, trends[f"{kind}_open"]) > -DECADES


def check_page(page: str, result, cl: list, s: Settings) -> None:
    flow = result.flow
    ids = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
    for claim in cl:
        texts = {lang: claim.render(lang) for lang in ("en", "ko")}
        for lang, text in texts.items():
            check_text_rules(text, lang)
            assert "nan" not in text.lower().replace("nanoseconds", ""), text
        if isinstance(claim, claims.TrendClaim):
            check_trend(claim, flow, texts)
        elif isinstance(claim, claims.CompareClaim):
            check_compare(claim, flow, texts, ids)
        elif isinstance(claim, claims.OpenClaim):
            check_open(claim, flow, texts)
        elif isinstance(claim, claims.GateClaim):
            check_gate(claim, texts)
        elif isinstance(claim, claims.RateClaim):
            check_rate(claim, result, texts)
        elif isinstance(claim, claims.FactorClaim):
            check_factor(claim, result, texts)
        elif isinstance(claim, claims.TheoryClaim):
            check_theory(claim, result, texts)
        else:  # every claim type is checked
            raise AssertionError(type(claim))
    if page == "compare":
        check_point(result, s)


# ------------------------------------------------------------------------------------------------ the property
BY_KEY = {c.key: c for c in CONTROLS}
COST = 3_000  # T·N·H per run, so that 300 settings × 4 pages stay within about a minute


def _value(spec, draw):
    if spec.options:
        return draw(st.sampled_from(spec.options))
    if spec.is_bool:
        return draw(st.booleans())
    if spec.is_int:
        return draw(st.one_of(st.sampled_from([int(spec.lo), int(spec.hi)]), st.integers(int(spec.lo), int(spec.hi))))
    grid = np.round(np.arange(spec.lo, spec.hi + spec.step / 2, spec.step), 10)
    return float(draw(st.sampled_from(list(grid))))


@st.composite
def any_settings(draw) -> Settings:
    values = {c.key: _value(c, draw) for c in CONTROLS}
    T = draw(st.one_of(st.integers(1, 60), st.sampled_from([1, 2, 1000]), st.integers(61, 400)))
    values["T"] = T
    values["N"] = max(1, min(values["N"], COST // (T * 4)))
    values["H"] = max(1, min(values["H"], COST // (T * values["N"])))
    return Settings(**values)


def check_contributions(c, name: str) -> None:
    """The per-step share sentence names the earliest step with a finite nonzero term, its share and the last's."""
    for claim in claims.contribution_claims(c, name):
        texts = {lang: claim.render(lang) for lang in ("en", "ko")}
        for lang, text in texts.items():
            check_text_rules(text, lang)
            assert "nan" not in text.lower(), text
        ok = np.isfinite(c.log10_step) & np.isfinite(c.log10_whole)
        if claim.first is None:
            assert not ok.any() or not math.isfinite(claim.log10_last)
            continue
        assert ok[claim.first - 1] and not ok[: claim.first - 1].any()
        if not (math.isfinite(claim.log10_first) and math.isfinite(claim.log10_last)):
            assert "no share per step" in texts["en"]
            continue
        en = texts["en"]
        m = re.search(r"receive (\S+) of their update from step (\d+) and (\S+) from step (\d+)", en)
        assert m, en
        assert int(m.group(2)) == claim.first and int(m.group(4)) == len(c.log10_step)
        for printed, true in ((m.group(1), c.log10_step[claim.first - 1]), (m.group(3), c.log10_step[-1])):
            share = true - c.log10_whole
            if "⁻" not in printed and "×" not in printed:
                assert log10_of(printed) == pytest.approx(share, abs=0.01), (printed, share, en)
        assert ("Step 1 gives exactly 0" in en) == bool(c.log10_step[0] == -np.inf)


def check_gate_roles(result, kind: str) -> None:
    """Each gate's printed mean and range are its measured values; sigmoid gates lie in [0, 1]."""
    for claim in claims.gate_role_claims(result, kind):
        mean, lo, hi = result.gate_summary[claim.gate]
        assert lo <= hi  # (a skewed gate's mean may lie outside its 10–90 % range)
        if claim.gate != "g":
            assert lo >= 0 and hi <= 1
        for lang in ("en", "ko"):
            text = claim.render(lang)
            assert f"{mean:.3f}" in text and f"{lo:.3f}" in text and f"{hi:.3f}" in text, text


def run_all_pages(s: Settings) -> None:
    s, _ = consistent(s)  # as the app does before any computation
    r = data.compare(s, show_open_gates=True)
    check_page("compare", r, claims.compare_claims(r, s), s)
    rv = data.rnn_view(s)
    check_page("rnn", rv, claims.rnn_claims(rv, s), s)
    check_contributions(rv.contributions, "RNN")
    lv = data.lstm_view(s)
    check_page("lstm", lv, claims.gate_claims(lv, s, "lstm"), s)
    check_contributions(lv.contributions, "LSTM")
    check_gate_roles(lv, "lstm")
    gv = data.gru_view(s)
    check_page("gru", gv, claims.gate_claims(gv, s, "gru"), s)
    check_contributions(gv.contributions, "GRU")
    check_gate_roles(gv, "gru")


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_settings())
@example(Settings())
@example(Settings(scheme="book", T=200))  # the issue: "tanh′ makes it vanish faster" beside "grows 4.51e+34×"
@example(Settings(scheme="gaussian", scale=1.5, T=1000, nonlinearity="relu", H=12))
@example(Settings(forget_bias=-3.0, update_bias=-3.0))
@example(Settings(forget_bias=1.0))
@example(Settings(T=5))
@example(Settings(T=20))
@example(Settings(T=1))
@example(Settings(T=1, H=1, D=1, input_scale=0.0, scheme="orthogonal"))  # ratio exactly 1: "is unchanged at 100%"
@example(Settings(scheme="orthogonal", set_rho=True, rho=3.0, T=1000, H=16, input_scale=0.0))
@example(Settings(scheme="identity", scale=3.0, nonlinearity="relu", T=700, H=4))  # forward overflow
@example(Settings(T=20, H=3, N=2, seed=3, scheme="book", norm="book", formulation="dlfs2"))
@example(Settings(T=20, H=3, N=2, seed=3, scheme="book", scale=0.5, norm="book", formulation="dlfs2"))
def test_no_rendered_claim_contradicts_its_result(s):
    run_all_pages(s)


# ------------------------------------------------------------------------------- the sentences the issue quoted
def rendered(cl, lang="en") -> str:
    return "\n".join(claims.render(cl, lang))


def test_book_matrix_at_T200_never_says_vanish_faster_while_growing():
    s = Settings(scheme="book", T=200)
    r = data.rnn_view(s)
    text = rendered(claims.rnn_claims(r, s))
    full = r.flow.trends["full"]
    if full.direction == "explodes":
        assert "vanish faster" not in text and "**explodes**" in text


def test_gate_statement_follows_the_measured_gate():
    for fb, expect in ((-3.0, 0.05), (0.0, 0.5), (1.0, 0.73)):
        s = Settings(forget_bias=fb, update_bias=fb)
        r = data.compare(s)
        assert r.gate_means["lstm"] == pytest.approx(expect, abs=0.03)
        text = rendered(claims.compare_claims(r, s))
        assert f"averages **{r.gate_means['lstm']:.3f}**" in text
        assert "about a half" not in text


def test_opened_curve_that_still_vanishes_is_not_offered_as_a_remedy():
    s = Settings(forget_bias=-3.0, update_bias=-3.0, T=200)
    r = data.compare(s)
    point = claims.point(r, "en") or ""
    for kind in ("lstm", "gru"):
        if r.flow.trends[f"{kind}_open"].direction == "vanishes":
            assert "no longer vanish" not in point or kind.upper() not in point.split("Opened by")[1]
    # grammar: one kind vanishes, two vanish ("the GRU vanish too" was on screen)
    assert not re.search(r"(?<!and )the (LSTM|GRU) vanish\b", point)


def test_keeps_only_below_one_grows_only_above():
    assert claims.ratio_text(-0.5, "en").startswith("keeps") and claims.ratio_text(0.5, "en").startswith("grows")
    assert claims.ratio_text(np.log10(5460), "en") == "grows to 5460×"
    assert claims.ratio_text(-1.0, "ko") == "10%만 남습니다"


def test_lstm_page_names_which_gradient_each_number_is():
    s = Settings(T=30, H=8)
    r = data.lstm_view(s)
    lines = claims.render(claims.gate_claims(r, s, "lstm"), "en")
    assert any(line.startswith("**LSTM** ‖∂L/∂h_t‖") for line in lines)
    assert any(line.startswith("**LSTM** ‖∂L/∂c_t‖") for line in lines)
    assert any(line.startswith("**LSTM** the cell path alone") for line in lines)


def test_short_sequences_with_closed_gates_do_not_claim_open_enough():
    for T in (5, 20):
        s = Settings(T=T)
        text = rendered(claims.compare_claims(data.compare(s), s)) + (claims.point(data.compare(s), "en") or "")
        assert "open enough" not in text


# ---------------------------------------------------------------------------- claims that hold for every input
def test_theory_claim_cases_are_exhaustive_and_exclusive():
    for sigma, rho, case in ((0.5, 0.4, "sufficient"), (1.3, 0.6, "rho_below"), (2.0, 1.2, "necessary")):
        assert claims.TheoryClaim(sigma, rho).case == case


def test_cell_path_alone_is_the_product_of_forget_gates():
    """An invariant of the core the LSTM page states: with one unit and no h-terms, ∏ f is the cell path."""
    s = Settings(T=12, H=4, N=1)
    r = data.lstm_view(s)
    path = curve(r.flow, "cell_path")
    dc = curve(r.flow, "dc")
    assert path[-1] == pytest.approx(dc[-1])  # both start from what the loss puts on c_T
    # loss at the last step only: going back, each step multiplies by gates in (0, 1), so the path only shrinks
    assert np.all(np.diff(path) >= -1e-12)
    assert np.all(path[:-1] <= path[-1] + 1e-12)
