"""Checkers of the Remedies page's claims (explorer/remedies/claims.py), registered in tests/claim_registry.py.

Each recomputes what its sentence asserts from the core (``rc.bptt``, ``rc.forward``, the layer's weights) for the
settings the page drew the claim beside, and reads the numbers back out of the rendered text. The context is a
:class:`RemedyContext`: the settings, the page's own controls and the three results the page draws.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from claim_registry import checks
from test_claims import check_text_rules

import recurrent_core as rc
from explorer.remedies import claims as rcl
from explorer.remedies import data as remedies
from explorer.shared import claims as shared_claims
from explorer.shared.controls import Settings, consistent
from explorer.shared.curves import TREND_DECADES, make_inputs, make_layer


@dataclass(frozen=True)
class RemedyContext:
    s: Settings
    kind: str
    threshold: float
    k: int
    preset: str
    clip: remedies.ClipResult
    trunc: remedies.TruncResult
    init: remedies.PresetResult


def remedy_context(s: Settings, kind: str, threshold: float, k: int, preset: str) -> RemedyContext:
    """The page's computation for these controls (URL rules applied as the page applies them)."""
    s, _ = consistent(s)
    k, _ = remedies.safe_block(k, s.T)
    return RemedyContext(s, kind, threshold, k, preset, remedies.clipping(s, kind, threshold),
                         remedies.truncation(s, kind, k), remedies.init_preset(s, preset))  # fmt: skip


def remedy_claims(c: RemedyContext) -> list[Any]:
    """Every claim the page renders for this context, in page order."""
    return [*rcl.clip_claims(c.clip), *rcl.trunc_claims(c.trunc, c.kind), *rcl.preset_claims(c.init)]


# ------------------------------------------------------------------------------------------------ helpers
NUMBER = r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)"


def log10_of(text: str) -> float:
    """log10 of a number as printed ('3.67e-14', '5460', '40.2%'); −inf for 0, +inf for 'inf'."""
    if text == "inf":
        return math.inf
    pct = text.endswith("%")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:e([+-]\d+))?", text.rstrip("%"))
    assert m, text
    if float(m.group(1)) == 0:
        return -math.inf
    value = math.log10(float(m.group(1))) + (int(m.group(2)) if m.group(2) else 0)
    return value - 2 if pct else value


def close(printed: str, true: float, digits: int = 3) -> None:
    """A printed ratio (by log10) agrees with ``true`` (log10) to its printed precision."""
    got = log10_of(printed)
    if not math.isfinite(true):
        assert got == true, (printed, true)
        return
    assert abs(got - true) <= 0.5 * 10 ** (1 - digits) / math.log(10) * 1.01 + 1e-12, (printed, true)


def safe_norm(g: np.ndarray) -> float:
    """‖g‖ for finite entries without overflow (scaled by the largest |entry|)."""
    m = float(np.max(np.abs(g))) if g.size else 0.0
    if m == 0 or not math.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((g / m) ** 2)))


@lru_cache(maxsize=8)  # each claim is checked in two languages: compute the core's run once
def core_grads(s: Settings, kind: str) -> dict[str, np.ndarray]:
    with np.errstate(over="ignore", invalid="ignore"):
        return dict(rc.bptt(make_layer(s, kind), *make_inputs(s)).grads)


def aggregate(per_sample: np.ndarray, norm: str) -> np.ndarray:
    """(T, N) norms -> one per step as the Settings' norm says (written out: l2, ÷N, mean)."""
    with np.errstate(divide="ignore", over="ignore"):
        if norm == "mean":
            out = per_sample.mean(axis=1)
        else:
            out = np.sqrt((per_sample**2).sum(axis=1)) / (per_sample.shape[1] if norm == "book" else 1)
        return np.asarray(np.log10(out))


def cosine(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    va = np.concatenate([g.ravel() for g in a.values()])
    vb = np.concatenate([b[k].ravel() for k in a])
    na, nb = safe_norm(va), safe_norm(vb)
    return float(np.dot(va / na, vb / nb)) if na > 0 and nb > 0 else math.nan


def check_cosine(text: str, real: float) -> None:
    for printed in re.findall(r"(?:cosine|코사인)[^0-9N]*(\d(?:\.\d+)?)", text):
        if printed == "1":
            assert abs(real - 1) <= rcl.SAME_DIRECTION, (real, text)
        else:
            assert float(printed) <= real + 1e-12 < float(printed) + 1e-6 + 1e-12 and float(printed) < 1, (real, text)


# ------------------------------------------------------------------------------------------------ clipping
@checks(rcl.GlobalClipClaim)
def check_global_clip(claim: rcl.GlobalClipClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    grads = core_grads(c.s, c.kind)
    finite = all(bool(np.isfinite(g).all()) for g in grads.values())
    assert claim.finite == finite and claim.threshold == c.threshold
    if not finite:
        assert "overflowed float64" in text or "float64 범위를 넘었습니다" in text, text
        return
    flat = np.concatenate([g.ravel() for g in grads.values()])
    norm = safe_norm(flat)
    with np.errstate(over="ignore"):
        book_total = float(np.sqrt(np.sum(flat**2)))  # the book's clip_grads: sqrt(Σ g²)
    if not math.isfinite(book_total):
        assert "overflows float64" in text or "넘어 inf" in text, text
        clipped, _, _ = rc.clip_global_norm(grads, c.threshold)
        assert all(not g.any() for g in clipped.values())  # what it says: all zeros
        return
    if norm == 0:
        assert "exactly 0" in text or "정확히 0" in text, text
        return
    m = re.search(r"‖g‖ = " + NUMBER, text)
    assert m and math.isclose(float(m.group(1)), norm, rel_tol=1e-3), (norm, text)
    rate = c.threshold / (book_total + 1e-6)
    above = rate < 1
    assert ("is above" in text or "보다 큽니다" in text) == above, text
    assert ("not above" in text or "크지 않습니다" in text) == (not above), text
    scaled = {k: g * rate for k, g in grads.items()} if above else grads
    if above:
        after = safe_norm(np.concatenate([g.ravel() for g in scaled.values()]))
        assert math.isclose(after, c.threshold * norm / (norm + 1e-6), rel_tol=1e-9)  # the book's eps
        tail = text[text.index(rcl.num(rate)) :] if rcl.num(rate) in text else ""
        m = re.search(r"‖g‖ (?:becomes |= )" + NUMBER, tail)
        assert m and math.isclose(float(m.group(1)), after, rel_tol=1e-3), (after, rate, text)
    check_cosine(text, cosine(grads, scaled))


@checks(rcl.ElementClipClaim)
def check_element_clip(claim: rcl.ElementClipClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    grads = core_grads(c.s, c.kind)
    finite = all(bool(np.isfinite(g).all()) for g in grads.values())
    assert claim.finite == finite
    if not finite:
        assert "cannot say which way" in text or "알 수 없습니다" in text, text
        return
    flat = np.concatenate([g.ravel() for g in grads.values()])
    cut = np.abs(flat) > c.threshold
    fraction = float(cut.mean())
    clipped = {k: np.clip(g, -c.threshold, c.threshold) for k, g in grads.items()}
    if not flat.any():
        assert "exactly 0" in text or "정확히 0" in text, text
        return
    nothing = "changes nothing" in text or "바꾸지 않습니다" in text
    assert nothing == (fraction == 0), (fraction, text)
    cos = cosine(grads, clipped)
    check_cosine(text, cos)
    if fraction > 0:
        m = re.search(r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)%", text)
        assert m and math.isclose(float(m.group(1)), 100 * fraction, rel_tol=6e-3), (fraction, text)
        after = safe_norm(np.concatenate([g.ravel() for g in clipped.values()]))
        assert rcl.num(after) in text, (after, text)
        turned = "turns its direction" in text or "방향이 바뀝니다" in text
        assert turned == (abs(cos - 1) > rcl.SAME_DIRECTION), (cos, text)


# ------------------------------------------------------------------------------------------------ truncation
@lru_cache(maxsize=8)
def full_dh(s: Settings, kind: str) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        full = rc.bptt(make_layer(s, kind), *make_inputs(s))
    return np.concatenate([full.dh0[None], full.dh])


@checks(rcl.TruncClaim)
def check_trunc(claim: rcl.TruncClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    s, r = c.s, c.trunc
    with np.errstate(over="ignore", invalid="ignore"):
        cut = rc.bptt(make_layer(s, c.kind), *make_inputs(s), truncate=c.k)
    trunc_t = np.concatenate([cut.dh0[None], cut.dh])
    full_t = full_dh(s, c.kind)
    start = claim.last_block_start
    # "from t = start on it equals the full BPTT", and not at start − 1 (the core's own runs, not the result's copy)
    assert f"t = {start} on" in text or f"t = {start}부터" in text, text
    np.testing.assert_array_equal(trunc_t[start:], full_t[start:])
    if start > 0:
        assert not np.array_equal(trunc_t[start - 1], full_t[start - 1])
    if s.loss != "last":
        assert "loss at the last step" not in text and "마지막 시각에만" not in text
    if c.k < s.T:  # "(the last block)" only where the last block starts; earlier, the cuts changed nothing
        block = r.cuts[-1] + 1
        assert start <= block
        assert ("(the last block)" in text or "(마지막 블록)" in text) == (start == block), text
        if start < block:
            assert "cutting changes nothing" in text or "달라지는 것이 없습니다" in text
    if c.k >= s.T:
        assert "instead of" not in text and "대신" not in text
        assert "one block" in text or "하나뿐" in text
    else:
        assert f"{r.bytes_block / 2**20:.3g} MB" in text and f"{r.bytes_full / 2**20:.3g} MB" in text
        assert r.bytes_block * s.T == r.bytes_full * c.k  # memory ∝ k
    zero = np.flatnonzero(np.any(trunc_t != 0, axis=(1, 2)))
    first_nonzero = int(zero[0]) if zero.size else None
    if claim.zero_before is not None:
        assert f"exactly 0 before t = {claim.zero_before}" in text or f"t = {claim.zero_before} 이전" in text
        assert not trunc_t[: claim.zero_before].any() and first_nonzero == claim.zero_before
    else:
        assert "exactly 0 before" not in text and "이전의 ∂L/∂h_t는 정확히 0" not in text
        assert first_nonzero in (0, None)


# ------------------------------------------------------------------------------------------------ curves
def curve_of(c: RemedyContext, claim: rcl.CurveClaim) -> tuple[np.ndarray, np.ndarray]:
    """The drawn curve the claim speaks of (by its label) and the core's float64 ∂L/∂h_t behind it."""
    if claim.quantity == "dc":
        with np.errstate(over="ignore", invalid="ignore"):
            full = rc.bptt(make_layer(c.s, c.kind), *make_inputs(c.s))
        return c.trunc.flow.curve("full_dc"), np.asarray(full.dc)
    drawn = c.trunc.flow.curve("truncated" if "(k = " in claim.name[0] else "full")
    if "(k = " in claim.name[0]:
        with np.errstate(over="ignore", invalid="ignore"):
            cut = rc.bptt(make_layer(c.s, c.kind), *make_inputs(c.s), truncate=c.k)
        dh = np.concatenate([cut.dh0[None], cut.dh])
    else:
        dh = full_dh(c.s, c.kind)
    return drawn, dh


@checks(rcl.CurveClaim)
def check_curve(claim: rcl.CurveClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    assert "×?" not in text and "per step" not in text and "시각마다" not in text  # no geometric-mean rate
    drawn, dh = curve_of(c, claim)
    y = np.asarray(claim.log10, dtype=float)
    np.testing.assert_array_equal(y, drawn)  # the claim reads the drawn curve
    with np.errstate(over="ignore", invalid="ignore"):
        per = np.array([[safe_norm(sample) for sample in step] for step in dh])  # (T + 1, N), inf if overflowed
    core = aggregate(per, c.s.norm)
    ok = np.isfinite(core) & np.isfinite(per).all(axis=1) & (per.max(axis=1) < 1e150) & (per.min(axis=1) > 1e-150)
    np.testing.assert_allclose(y[ok], core[ok], atol=1e-7)
    assert np.array_equal(np.isneginf(y), ~per.any(axis=1))  # exactly 0 where the core's gradient is
    if claim.forward_overflow is not None:
        hs = rc.forward(make_layer(c.s, c.kind), make_inputs(c.s)[0]).hs
        bad = np.flatnonzero(~np.isfinite(hs).all(axis=(1, 2)))
        assert bad.size and claim.forward_overflow == bad[0] + 1
        assert "overflowed" in text or "오버플로" in text
        return
    over = np.flatnonzero(np.isnan(y) | (y == np.inf))
    if over.size:  # the plain float64 backward overflowed: said, with its last t, as an explosion
        assert f"t = {claim.t0 + int(over[-1])}" in text and ("**explodes**" in text or "**기울기 폭발**" in text), text
        assert not np.isfinite(per[over[-1]]).all()
        return
    if not math.isfinite(y[-1]) or len(y) == 1:
        return
    rel = y - y[-1]
    zeros = np.flatnonzero(np.isneginf(y))
    if zeros.size and not np.isneginf(y[: int(zeros[-1]) + 1]).all():  # zeros between nonzero values
        bad = np.flatnonzero(~np.isfinite(rel))
        first = claim.t0 + int(bad[0])
        assert (f" {bad.size} step" in text and f"(t = {first}" in text) or f"{bad.size}개 시각(t = {first}" in text, (
            text
        )
        assert "no single ratio" in text or "비율 하나로" in text, text
        return
    if zeros.size:
        z = int(zeros[-1]) + 1
        assert np.isneginf(y[:z]).all()
        zt = claim.t0 + z
        assert f"exactly 0 for every t < {zt}" in text or f"t < {zt}에서는 정확히 0" in text, text
        end = rel[z]
        if z == len(y) - 1:
            assert "nothing passes back" in text or "한 시각도" in text, text
            return
    else:
        assert "exactly 0" not in text and "정확히 0" not in text, text
        end = rel[0]
        vanish = "**vanishes**" in text or "**기울기 소실**" in text
        explode = "**explodes**" in text or "**기울기 폭발**" in text
        assert vanish == (end <= -TREND_DECADES) and explode == (end >= TREND_DECADES), (end, text)
    # Korean 만 ("only") is dropped where the ratio rounds to 100 % ("100% 남습니다"), as ratio_text writes it
    m = re.search(r"(?:keeps|grows to|unchanged at) " + NUMBER + r"(%?)", text) if lang == "en" else re.search(
        NUMBER + r"(%?)(?:만? 남습니다|배로 커집니다|로 그대로입니다)", text)  # fmt: skip
    assert m, text
    close(m.group(1) + m.group(2), end)


def dead_layers(c: RemedyContext) -> dict[str, Any]:
    """The layer behind each ReLU curve a DeadUnitsClaim may name, by its English label (built from the settings
    the way the page says it builds them: the sidebar's, a preset's controls, ρ set)."""
    s = c.s
    out: dict[str, Any] = {"RNN": make_layer(s, "rnn")}
    for info in c.init.flow.info:
        if info.kind != "rnn":
            continue
        if info.id == "current":
            out[info.label[0]] = make_layer(s, "rnn")
        elif info.id == "preset":
            out[info.label[0]] = make_layer(replace(s, **(remedies.PRESET_CONTROLS[c.preset] or {})), "rnn")
        else:
            out[info.label[0]] = make_layer(consistent(replace(s, set_rho=True, nonlinearity=info.id))[0], "rnn")
    return out


def pre_activations(layer: Any, x: np.ndarray) -> np.ndarray:
    """a_t = x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh, t = 1 … T, written out (T, N, H); h_0 = 0."""
    h = np.zeros((x.shape[1], layer.H))
    out = []
    with np.errstate(over="ignore", invalid="ignore"):
        for xt in x:
            a = xt @ layer.W_ih.T + layer.b_ih + h @ layer.W_hh.T + layer.b_hh
            out.append(a)
            h = np.maximum(a, 0)
    return np.array(out)


@checks(rcl.DeadUnitsClaim)
def check_dead(claim: rcl.DeadUnitsClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    assert "relu′ = 0" in text
    layer = dead_layers(c)[claim.name[0]]
    assert layer.nonlinearity == "relu"
    x, dhs = make_inputs(c.s)
    a = pre_activations(layer, x)
    all_dead = (a <= 0).all(axis=2)  # (T, N)
    for n, d in enumerate(claim.dead):
        steps = np.flatnonzero(all_dead[:, n]) + 1
        assert d == (int(steps[-1]) if steps.size else None), (n, d, steps)
    printed = {int(v) for v in re.findall(r"t = (\d+)", text)}
    steps = {d for d in claim.dead if d is not None}
    listed = sum(d is not None for d in claim.dead) <= 3 or len(steps) == 1
    assert printed >= (steps if listed else {min(steps), max(steps)}), text
    assert c.trunc.forward_overflow is None or claim.name[0] != "RNN"
    with np.errstate(over="ignore", invalid="ignore"):
        trace = rc.bptt(layer, x, dhs)
    dh = np.concatenate([trace.dh0[None], trace.dh])  # t = 0 … T
    if claim.loss == "last":
        for n, d in enumerate(claim.dead):
            if d is not None:
                assert not dh[:d, n].any()  # exactly 0 before that step, in that sample
        if all(d is not None for d in claim.dead):
            z = min(d for d in claim.dead if d is not None)
            assert f"t < {z}" in text, text
            assert not dh[:z].any()


# ------------------------------------------------------------------------------------------------ presets
@checks(rcl.PresetCompareClaim)
def check_preset_compare(claim: rcl.PresetCompareClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    r = c.init
    labels = {i.id: i.label for i in r.flow.info}
    base, preset = next((b, p) for b, p in r.pairs if labels[p] == claim.name)
    yb, yp = r.flow.curve(base), r.flow.curve(preset)
    tb, tp = r.flow.trends[base], r.flow.trends[preset]
    if tb.direction == "undefined" or tp.direction == "undefined":
        assert claim.relation == "undefined" and ("not compared" in text or "비교하지 않습니다" in text)
        return
    with np.errstate(invalid="ignore"):
        kb, kp = yb[0] - yb[-1], yp[0] - yp[-1]
    assert claim.preset_log10 == kp or (math.isnan(kp) and math.isnan(claim.preset_log10))
    if kp == kb or abs(kp - kb) < 1e-9 or shared_claims.pct(kp) == shared_claims.pct(kb):  # printed alike
        assert claim.relation == "same" and ("as much as" in text or "같습니다" in text), text
    if claim.relation in ("more", "less"):
        more = kp > kb
        assert (claim.relation == "more") == more, text
        word = ("more than", "더 많습니다") if more else ("less than", "더 적습니다")
        assert word[0 if lang == "en" else 1] in text
    if kp == -math.inf:
        assert "is exactly 0" in text or "정확히 0입니다" in text, text
    if kb == -math.inf:
        assert "(exactly 0)" in text or "(정확히 0)" in text, text


@checks(rcl.ChainClaim)
def check_chain(claim: rcl.ChainClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    layer = make_layer(replace(c.s, **(remedies.PRESET_CONTROLS["orthogonal"] or {})), "rnn")
    # the book's chain in the PyTorch layout, written out: v ← v W_hh, renormalised each step
    v = np.ones((c.s.N, c.s.H))
    total = -math.log10(np.linalg.norm(v))
    for _ in range(c.s.T):
        v = v @ layer.W_hh
        n = float(np.linalg.norm(v))
        total += math.log10(n) if n > 0 else -math.inf
        v = v / n if n > 0 else v
    assert claim.steps == c.s.T
    assert abs(claim.log10_ratio - total) < 1e-9 or claim.log10_ratio == total
    kept = "is kept" in text or "그대로입니다" in text
    assert kept == (abs(total) < 1e-9), (total, text)


@lru_cache(maxsize=8)
def gate_means(s: Settings, kind: str) -> dict[str, float]:
    """The mean of the gate on the element-wise path (LSTM f, GRU keep), as set and with chrono init (the core)."""
    x, _ = make_inputs(s)
    means = {}
    chrono_kw = make_layer_kwargs(s, kind) | {"chrono_tmax": float(max(s.T, 3))}
    for which, layer in (("as set", make_layer(s, kind)), ("chrono", rc.init_layer(kind, **chrono_kw))):
        tape = rc.forward(layer, x)
        means[which] = float(tape.gate("f").mean() if kind == "lstm" else tape.keep.mean())
    return means


@checks(rcl.ChronoGateClaim)
def check_chrono_gate(claim: rcl.ChronoGateClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    means = gate_means(c.s, "lstm" if claim.name == "LSTM" else "gru")
    assert f"{means['chrono']:.3f}" in text and f"{means['as set']:.3f}" in text, (means, text)
    opened = text.endswith((": more open.", "더 열려 있습니다.")) and "not more" not in text and "있지 않" not in text
    assert opened == (claim.after > claim.before), text
    assert math.isclose(claim.after, means["chrono"], rel_tol=1e-12)


def make_layer_kwargs(s: Settings, kind: str) -> dict[str, Any]:
    from explorer.shared.controls import layer_kwargs

    return dict(layer_kwargs(s, kind))


@lru_cache(maxsize=8)
def cell_ratios(s: Settings, chrono: bool) -> tuple[float, float]:
    """log10 ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ and ‖∂L/∂c_1‖ / ‖∂L/∂c_T‖ of the LSTM (as set or chrono), from the core's BPTT."""
    kw = make_layer_kwargs(s, "lstm") | ({"chrono_tmax": float(max(s.T, 3))} if chrono else {})
    x, dhs = make_inputs(s)
    trace = rc.bptt(rc.init_layer("lstm", **kw), x, dhs)
    with np.errstate(divide="ignore", invalid="ignore"):
        dh = np.concatenate([trace.dh0[None], trace.dh])
        h = aggregate(np.array([[safe_norm(v) for v in step] for step in dh]), s.norm)
        cc = aggregate(np.array([[safe_norm(v) for v in step] for step in trace.dc]), s.norm)  # t = 1 … T
        return float(h[0] - h[-1]), float(cc[0] - cc[-1])


@checks(rcl.CellClaim)
def check_cell(claim: rcl.CellClaim, text: str, lang: str, c: RemedyContext) -> None:
    check_text_rules(text, lang)
    s = c.s
    h_ratio, c_ratio = cell_ratios(s, "chrono" in claim.name[0])
    if math.isfinite(h_ratio) and abs(h_ratio) < 250:
        assert abs(claim.h_log10 - h_ratio) < 1e-6, (claim.h_log10, h_ratio)
    assert claim.T == s.T
    if s.T == 1:
        assert "one point" in text or "점 하나뿐" in text
        return
    if math.isfinite(c_ratio) and abs(c_ratio) < 250:
        assert abs(claim.c_log10 - c_ratio) < 1e-6, (claim.c_log10, c_ratio)
    en = lang == "en"
    # Korean 만 ("only") is dropped where the ratio rounds to 100 % ("100% 남습니다"), as ratio_text writes it
    pattern = r"(?:keeps|grows to) " + NUMBER + r"(%?)" if en else NUMBER + r"(%?)(?:만? 남습니다|배로 커집니다)"
    found = re.findall(pattern, text)
    values = [v for v in (claim.h_log10, claim.c_log10) if math.isfinite(v) and v != 0]
    assert len(found) == len(values), (found, text)
    for (num, pct), v in zip(found, values, strict=True):
        close(num + pct, v)
    hv, cv = claim.h_log10 <= -TREND_DECADES, claim.c_log10 <= -TREND_DECADES
    if not (math.isnan(claim.h_log10) or math.isnan(claim.c_log10)):
        words = {
            (True, True): ("both vanish", "둘 다 소실됩니다"),
            (False, False): ("neither vanishes", "둘 다 소실되지 않습니다"),
            (True, False): ("‖∂L/∂h_t‖ vanishes, the cell", "‖∂L/∂h_t‖는 소실되지만"),
            (False, True): ("the cell state's gradient vanishes", "기억 셀의 기울기는 소실되지만"),
        }
        assert words[(hv, cv)][0 if en else 1] in text, text
