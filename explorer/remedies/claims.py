"""The Remedies page's readings: typed claims computed from its results, rendered in English and Korean.

On the shared machinery (``explorer/shared/claims.py``): a claim holds the numbers it speaks of and picks its words
from them ("above"/"below" θ, "keeps the direction" only at cosine 1, "more"/"less" by the measured ratios).
``tests/test_remedies.py`` checks over random settings that no rendered sentence contradicts the numbers of the same
result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from charts import format_log10

from ..shared.claims import TrendClaim, pct, ratio_text
from ..shared.claims import render as render
from ..shared.i18n import josa, pick
from ..shared.kinds import KIND_LABELS
from .data import ClipResult, PresetResult, TruncResult

# a cosine this close to 1 is "the same direction" (the global clip's scale leaves rounding of ~1e-16)
SAME_DIRECTION = 1e-9


def num(v: float) -> str:
    """Four significant digits, 'inf' past float64."""
    if not math.isfinite(v):
        return "inf" if v > 0 else ("NaN" if math.isnan(v) else "-inf")
    return f"{v:.4g}"


def cos_text(c: float) -> str:
    """A cosine: exactly '1' only when it is within SAME_DIRECTION of 1, else 6 decimals (never rounded to 1)."""
    if math.isnan(c):
        return "NaN"
    if abs(c - 1) <= SAME_DIRECTION:
        return "1"
    return f"{math.floor(c * 1e6) / 1e6:.6f}"


@dataclass(frozen=True)
class GlobalClipClaim:
    """The global-norm clip (the book's clip_grads): when it acts, by what factor, and that it keeps the direction."""

    name: str
    threshold: float
    norm_before: float
    norm_after: float
    factor: float
    cosine: float
    finite: bool
    sum_overflow: bool = False

    def render(self, lang: str) -> str:
        tr = pick(lang)
        if self.sum_overflow:
            return tr(
                f"Every entry of the {self.name}'s gradient is finite, but ‖g‖ = {num(self.norm_before)} and the "
                "book's clip_grads computes it as sqrt(Σ g²), whose sum overflows float64 to inf: it scales by "
                "θ / inf = 0 and returns all zeros, so here the direction is lost. Lower T or the init scale.",
                f"{self.name}의 기울기 원소는 모두 유한하지만 (‖g‖ = {num(self.norm_before)}) 책의 "
                "clip_grads는 ‖g‖를 sqrt(Σ g²)로 계산하므로 합이 float64 범위를 넘어 inf가 됩니다. θ / inf = 0을 곱해 "
                "모두 0을 돌려주므로 여기서는 방향을 잃습니다. T나 초기화 배율을 낮춰 보세요.",
            )
        if not self.finite:
            return tr(
                f"The {self.name}'s gradient overflowed float64 (inf or NaN entries): no clipping can restore a "
                "direction from it. Lower T or the init scale.",
                f"{self.name}의 기울기가 float64 범위를 넘었습니다 (inf나 NaN). 어떤 클리핑으로도 방향을 되살릴 수 "
                "없습니다. T나 초기화 배율을 낮춰 보세요.",
            )
        if self.norm_before == 0:
            return tr(
                f"The {self.name}'s gradient is exactly 0 here (no step reaches the weights): nothing to clip.",
                f"여기서 {self.name}의 기울기는 정확히 0입니다 (가중치에 닿는 시각이 없음). 클리핑할 것이 없습니다.",
            )
        b, th, a = num(self.norm_before), num(self.threshold), num(self.norm_after)
        if self.factor < 1:
            return tr(
                f"The global norm ‖g‖ = {b} is above θ = {th}: the global clip multiplies every gradient by "
                f"{num(self.factor)}, so ‖g‖ becomes {a}, and the direction is kept (cosine with the unclipped "
                f"gradient: {cos_text(self.cosine)}).",
                f"전체 노름 ‖g‖ = {josa(b, '이/가')} θ = {th}보다 큽니다. 전체 노름 클리핑은 모든 기울기에 "
                f"{num(self.factor)}배를 곱해 ‖g‖ = {josa(a, '이/가')} 되고, 방향은 그대로입니다 "
                f"(클리핑 전 기울기와의 코사인: {cos_text(self.cosine)}).",
            )
        return tr(
            f"The global norm ‖g‖ = {b} is not above θ = {th}: the global clip leaves the gradient as it is "
            f"(cosine {cos_text(self.cosine)}).",
            f"전체 노름 ‖g‖ = {josa(b, '이/가')} θ = {th}보다 크지 않습니다. 전체 노름 클리핑은 기울기를 그대로 둡니다 "
            f"(코사인 {cos_text(self.cosine)}).",
        )


@dataclass(frozen=True)
class ElementClipClaim:
    """The element-wise clip (min-char-rnn): how many entries it changed and how far the direction turned."""

    threshold: float
    norm_after: float
    fraction: float
    cosine: float
    finite: bool

    def render(self, lang: str) -> str:
        tr = pick(lang)
        th = num(self.threshold)
        if not self.finite:
            return tr(
                "The element-wise clip cuts inf to ±θ but cannot say which way an overflowed gradient pointed.",
                "원소별 클리핑은 inf를 ±θ로 자르지만 넘친 기울기가 어느 방향이었는지는 알 수 없습니다.",
            )
        if self.fraction == 0 and math.isnan(self.cosine):
            return tr(
                "The gradient is exactly 0: the element-wise clip has nothing to cut.",
                "기울기가 정확히 0입니다. 원소별 클리핑이 자를 것이 없습니다.",
            )
        if self.fraction == 0:
            return tr(
                f"Every entry lies within ±{th}: the element-wise clip changes nothing "
                f"(cosine {cos_text(self.cosine)}).",
                f"모든 원소가 ±{th} 안에 있습니다. 원소별 클리핑은 아무것도 바꾸지 않습니다 "
                f"(코사인 {cos_text(self.cosine)}).",
            )
        share = f"{100 * self.fraction:.3g}%"
        c = cos_text(self.cosine)
        turned = c != "1" and c != "NaN"
        en_dir = "and turns its direction" if turned else "and keeps its direction"
        ko_dir = "방향이 바뀝니다" if turned else "방향은 그대로입니다"
        return tr(
            f"The element-wise clip cuts {share} of the entries to ±{th}: ‖g‖ becomes {num(self.norm_after)} "
            f"{en_dir} (cosine with the unclipped gradient: {c}).",
            f"원소별 클리핑은 원소의 {josa(share, '을/를')} ±{th}까지로 자릅니다. ‖g‖ = "
            f"{josa(num(self.norm_after), '이/가')} 되고 {ko_dir} "
            f"(클리핑 전 기울기와의 코사인: {c}).",
        )


@dataclass(frozen=True)
class TruncClaim:
    """Truncated BPTT with blocks of k steps: where the gradient equals the full one (measured), where it is 0, and
    the cost. ``loss`` is where the loss sits: the sentence on the zeros names it only when it is the last step."""

    name: str
    k: int
    T: int
    last_block_start: int
    zero_before: int | None
    bytes_block: int
    bytes_full: int
    loss: str = "last"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        mb_b, mb_f = self.bytes_block / 2**20, self.bytes_full / 2**20
        if self.k >= self.T:
            cut = tr(
                f"With a block of k = {self.k} ≥ T = {self.T} steps there is one block: the {self.name}'s gradient "
                f"is cut only at t = 0 and equals the full BPTT from t = {self.last_block_start} on. ",
                f"블록 길이 k = {self.k} ≥ T = {self.T}: 블록은 하나뿐입니다. {self.name}의 기울기는 "
                f"t = 0에서만 끊기고 t = {self.last_block_start}부터 전체 BPTT와 같습니다. ",
            )
            memory = tr(
                f"The tape is the whole sequence ({mb_f:.3g} MB): truncation saves no memory here.",
                f"테이프는 시퀀스 전체({mb_f:.3g} MB)이므로 여기서는 메모리를 아끼지 못합니다.",
            )
        else:
            cut = tr(
                f"With blocks of k = {self.k} steps the {self.name}'s gradient is cut at t = 0, {self.k}, … (every "
                f"k steps from the start); from t = {self.last_block_start} on (the last block) it equals the full "
                "BPTT. ",
                f"블록 길이가 k = {self.k}일 때 {self.name}의 기울기는 t = 0, {self.k}, …에서 (처음부터 k 시각마다) "
                f"끊깁니다. t = {self.last_block_start}부터(마지막 블록) 전체 BPTT와 같습니다. ",
            )
            memory = tr(
                f"The tape to keep is one block: {mb_b:.3g} MB instead of {mb_f:.3g} MB for all {self.T} steps "
                f"(memory ∝ k, not T). A dependency longer than k = {self.k} steps gets no gradient.",
                f"보관할 테이프는 블록 하나, {self.T} 시각 전체의 {mb_f:.3g} MB 대신 {mb_b:.3g} MB입니다 "
                f"(메모리 ∝ k, T가 아님). k = {self.k} 시각보다 긴 의존 관계(장기 의존 관계)에는 "
                "기울기가 닿지 않습니다.",
            )
        text = cut + memory
        if self.zero_before is not None:
            if self.loss == "last":
                text += tr(
                    f" With the loss at the last step, ∂L/∂h_t is exactly 0 before t = {self.zero_before}.",
                    f" 손실이 마지막 시각에만 있으므로 t = {self.zero_before} 이전의 ∂L/∂h_t는 정확히 0입니다.",
                )
            else:
                text += tr(
                    f" ∂L/∂h_t is exactly 0 before t = {self.zero_before}.",
                    f" t = {self.zero_before} 이전의 ∂L/∂h_t는 정확히 0입니다.",
                )
        return text


@dataclass(frozen=True)
class PresetCompareClaim:
    """A preset's curve against the current settings' one: how much each keeps at t = 0, and which keeps more."""

    name: tuple[str, str]  # the preset curve's label (en, ko)
    base: tuple[str, str]  # the other curve's label
    preset_log10: float  # log10 (value at t = 0 / value at the loss)
    base_log10: float
    undefined: bool  # one of the two has no ratio (0 at the loss, forward overflow)

    @property
    def relation(self) -> str:
        if self.undefined or math.isnan(self.preset_log10) or math.isnan(self.base_log10):
            return "undefined"
        if self.preset_log10 == self.base_log10 or abs(self.preset_log10 - self.base_log10) < 1e-9:
            return "same"
        return "more" if self.preset_log10 > self.base_log10 else "less"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        (name, base), (name_ko, base_ko) = (self.name[0], self.base[0]), (self.name[1], self.base[1])
        if self.relation == "undefined":
            return tr(
                f"{name} against {base}: one of the two has no ratio to its value at the loss (0 there, or "
                "the forward pass overflowed), so they are not compared.",
                f"{josa(name_ko, '과/와')} {base_ko}: 둘 중 하나는 손실 위치 값에 대한 비율이 없어서 "
                "(그 값이 0이거나 순전파 오버플로) 비교하지 않습니다.",
            )
        a, b = ratio_text(self.preset_log10, lang), pct(self.base_log10)
        if self.relation == "same":
            word_en, word_ko = "as much as", "같습니다"
        elif self.relation == "more":
            word_en, word_ko = "more than", "더 많습니다"
        else:
            word_en, word_ko = "less than", "더 적습니다"
        return tr(
            f"**{name}**: at t = 0 the gradient {a} of its value at the loss, {word_en} {base} ({b}).",
            f"**{name_ko}**: t = 0에서 기울기는 손실 위치 값의 {a}. {base_ko}({b})보다 {word_ko}.",
        )


@dataclass(frozen=True)
class ChainClaim:
    """Orthogonal W_hh: the W_hh-only chain's norm after T multiplications, relative to its start."""

    log10_ratio: float
    steps: int

    def render(self, lang: str) -> str:
        tr = pick(lang)
        kept = abs(self.log10_ratio) < 1e-9
        value = f"{10**self.log10_ratio:.12f}" if abs(self.log10_ratio) < 1 else format_log10(self.log10_ratio)
        if kept:
            return tr(
                f"The W_hh-only chain (the book's experiment) after {self.steps} steps: norm ratio {value}, its norm "
                "is kept; the full curve's loss comes from tanh′ alone.",
                f"W_hh 행렬 곱만 반복한 곡선(책의 실험)은 {self.steps} 시각 뒤 노름 비율 {value}: 노름이 그대로입니다. "
                "전체 곡선이 줄어드는 것은 tanh′ 때문입니다.",
            )
        return tr(
            f"The W_hh-only chain after {self.steps} steps: norm ratio {value}, not exactly kept.",
            f"W_hh 행렬 곱만 반복한 곡선은 {self.steps} 시각 뒤 노름 비율 {value}: 정확히 유지되지는 않습니다.",
        )


@dataclass(frozen=True)
class ChronoGateClaim:
    """Chrono init: the measured mean of the gate on the element-wise path, as set and with chrono init."""

    name: str
    gate: tuple[str, str]
    before: float
    after: float

    def render(self, lang: str) -> str:
        tr = pick(lang)
        opened = self.after > self.before
        rel_en, rel_ko = ("more open", "더 열려 있습니다") if opened else ("not more open", "더 열려 있지 않습니다")
        return tr(
            f"The {self.name}'s {self.gate[0]} averages {self.after:.3f} with chrono init against {self.before:.3f} "
            f"as set: {rel_en}.",
            f"chrono 초기화에서 {self.name}의 {self.gate[1]} 평균은 {self.after:.3f}, 현재 설정에서는 "
            f"{self.before:.3f}: {rel_ko}.",
        )


RemedyClaim = GlobalClipClaim | ElementClipClaim | TruncClaim | PresetCompareClaim | ChainClaim | ChronoGateClaim
Claim = RemedyClaim | TrendClaim


def clip_claims(r: ClipResult) -> list[Claim]:
    name = KIND_LABELS[r.kind]
    return [
        GlobalClipClaim(
            name, r.threshold, r.norm_before, r.norm_global, r.factor, r.cos_global, r.finite, r.sum_overflow
        ),
        ElementClipClaim(r.threshold, r.norm_elementwise, r.fraction_clipped, r.cos_elementwise, r.finite),
    ]


def trunc_claims(r: TruncResult, kind: str) -> list[Claim]:
    name = KIND_LABELS[kind]
    claims: list[Claim] = [
        TruncClaim(name, r.k, r.T, r.last_block_start, r.zero_before, r.bytes_block, r.bytes_full, r.loss),
        TrendClaim((f"{name} (full BPTT)", f"{name} (전체 BPTT)"), r.flow.trends["full"]),
    ]
    if r.zero_before is None:
        claims.append(TrendClaim(f"{name} (k = {r.k})", r.flow.trends["truncated"]))
    return claims


def preset_claims(r: PresetResult) -> list[Claim]:
    labels = {c.id: c.label for c in r.flow.info}
    claims: list[Claim] = []
    for base, preset in r.pairs:
        tb, tp = r.flow.trends[base], r.flow.trends[preset]
        undefined = tb.direction == "undefined" or tp.direction == "undefined"
        claims.append(PresetCompareClaim(labels[preset], labels[base], tp.log10_ratio, tb.log10_ratio, undefined))
    if r.linear_chain_log10_ratio is not None:
        claims.append(ChainClaim(r.linear_chain_log10_ratio, len(r.flow.curve(r.pairs[0][0])) - 1))
    for kind, gate in (("lstm", ("forget gate f", "망각 게이트 f")),
                       ("gru", ("keep gate", "이전 상태를 넘기는 비율"))):  # fmt: skip
        if kind in r.gate_means:
            claims.append(ChronoGateClaim(KIND_LABELS[kind], gate, r.gate_means[kind], r.gate_means[f"{kind}_chrono"]))
    return claims
