"""The Remedies page's readings: typed claims computed from its results, rendered in English and Korean.

On the shared machinery (``explorer/shared/claims.py``): a claim holds the numbers it speaks of and picks its words
from them ("above"/"below" θ, "keeps the direction" only at cosine 1, "more"/"less" by the measured ratios). No
per-step rate is printed: a geometric mean over the steps would spread one-off factors over all of them.
``tests/checkers_remedies.py`` holds a checker per claim type that recomputes it from the core, and
``tests/test_remedies.py`` runs them over random settings in English and Korean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from charts import format_log10

from ..shared.claims import QUANTITY, ratio_text, ratio_value, relation
from ..shared.claims import render as render
from ..shared.controls import Text
from ..shared.curves import TREND_DECADES
from ..shared.i18n import counted, josa, pick
from ..shared.kinds import KIND_LABELS
from .data import ClipResult, PresetResult, TruncResult

DEAD_EN = "a unit whose pre-activation a_t ≤ 0 has relu′ = 0 and passes nothing back"
DEAD_KO = "사전 활성화 a_t ≤ 0인 유닛은 relu′ = 0이라 아무것도 거꾸로 넘기지 않습니다"


def kept_text(log10_ratio: float, lang: str, only: bool = True) -> str:
    """ratio_text (``only``: its Korean 만, see there), or 'is exactly 0' for a value exactly 0 (log10 = −inf)."""
    if log10_ratio == -math.inf:
        return pick(lang)("is exactly 0", "정확히 0입니다")
    return ratio_text(log10_ratio, lang, only)


def pct0(log10_ratio: float) -> str:
    """A ratio beside another ('40%' below 1, '5460×' above: ratio_value), with '0' said as 'exactly 0'."""
    return "exactly 0" if log10_ratio == -math.inf else ratio_value(log10_ratio)


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
                f"With a block of k = {self.k} ≥ T = {counted(self.T, 'step')} there is one block: the {self.name}'s "
                f"gradient is cut only at t = 0 and equals the full BPTT from t = {self.last_block_start} on. ",
                f"블록 길이 k = {self.k} ≥ T = {self.T}: 블록은 하나뿐입니다. {self.name}의 기울기는 "
                f"t = 0에서만 끊기고 t = {self.last_block_start}부터 전체 BPTT와 같습니다. ",
            )
            memory = tr(
                f"The tape is the whole sequence ({mb_f:.3g} MB): truncation saves no memory here.",
                f"테이프는 시퀀스 전체({mb_f:.3g} MB)이므로 여기서는 메모리를 아끼지 못합니다.",
            )
        else:
            block = (self.T - 1) // self.k * self.k + 1  # the last block: after the last cut
            if self.last_block_start == block:
                where_en, where_ko = " (the last block)", "(마지막 블록)"
            else:  # equal earlier too: the full BPTT's own gradient is unchanged by the cuts there (0, or W_hh = 0)
                where_en = f" (the last block starts at t = {block}; before it, cutting changes nothing here)"
                where_ko = f" (마지막 블록은 t = {block}부터이지만, 여기서는 그 앞에서 끊어도 달라지는 것이 없습니다)"
            cut = tr(
                f"With blocks of k = {counted(self.k, 'step')} the {self.name}'s gradient is cut at t = 0, {self.k}, "
                f"… (every k steps from the start); from t = {self.last_block_start} on{where_en} it equals the full "
                "BPTT. ",
                f"블록 길이가 k = {self.k}일 때 {self.name}의 기울기는 t = 0, {self.k}, …에서 (처음부터 k 시각마다) "
                f"끊깁니다. t = {self.last_block_start}부터{where_ko} 전체 BPTT와 같습니다. ",
            )
            memory = tr(
                f"The tape to keep is one block: {mb_b:.3g} MB instead of {mb_f:.3g} MB for all {self.T} steps "
                f"(memory ∝ k, not T). A dependency longer than k = {counted(self.k, 'step')} gets no gradient.",
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
        return "undefined" if self.undefined else relation(self.preset_log10, self.base_log10)

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
        a, b = kept_text(self.preset_log10, lang, only=self.relation != "more"), pct0(self.base_log10)
        if lang == "ko":
            b = b.replace("exactly 0", "정확히 0")
        if self.relation == "same":
            word_en, word_ko = "as much as", "같습니다"
        elif self.relation == "more":
            word_en, word_ko = "more than", "더 많습니다"
        else:
            word_en, word_ko = "less than", "더 적습니다"
        zero = self.preset_log10 == -math.inf
        # "keeps 40% of its value", "grows to 22× its value" (no "of" after a growth)
        of_en, of_ko = ("", "") if zero else (" of its value at the loss", "손실 위치 값의 ")
        if self.preset_log10 > 0:
            of_en, of_ko = " its value at the loss", ""
        return tr(
            f"**{name}**: at t = 0 the gradient {a}{of_en}, {word_en} {base} ({b}).",
            f"**{name_ko}**: t = 0에서 기울기는 {of_ko}{a}. "
            + (
                f"{josa(base_ko, '과/와')} {word_ko} ({b})."
                if self.relation == "same"
                else f"{base_ko}({b})보다 {word_ko}."
            ),
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
                f"The W_hh-only chain (the book's experiment) after {counted(self.steps, 'step')}: norm ratio "
                f"{value}, its norm is kept; the full curve's loss comes from tanh′ alone.",
                f"W_hh 행렬 곱만 반복한 곡선(책의 실험)은 {self.steps} 시각 뒤 노름 비율 {value}: 노름이 그대로입니다. "
                "전체 곡선이 줄어드는 것은 tanh′ 때문입니다.",
            )
        return tr(
            f"The W_hh-only chain after {counted(self.steps, 'step')}: norm ratio {value}, not exactly kept.",
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


def _times(n: float) -> str:
    """A factor given by its log10 ('38.2×', '2.5e+04×')."""
    return f"{format_log10(n)}×"


@dataclass(frozen=True)
class CurveClaim:
    """What one drawn curve does from the loss back to its first point, read off the curve itself: the ratio at its
    first nonzero point, where it is exactly 0, and its peak when it rises before falling. No per-step rate."""

    name: Text
    quantity: str  # "dh", "dc" (explorer.shared.claims.QUANTITY)
    log10: tuple[float, ...]  # the drawn curve, t = t0 … T
    forward_overflow: int | None = None
    t0: int = 0

    @property
    def zero_before(self) -> int | None:
        """The curve is exactly 0 for every t below this (and not at it); None when it has no zero prefix."""
        y = np.asarray(self.log10, dtype=float)
        zero = np.flatnonzero(y == -np.inf)
        if not zero.size or y[-1] == -np.inf:
            return None
        z = int(zero[-1]) + 1
        return self.t0 + z if bool(np.all(y[:z] == -np.inf)) else None

    def render(self, lang: str) -> str:
        tr = pick(lang)
        y = np.asarray(self.log10, dtype=float)
        head = f"**{tr(*self.name)}** {tr(*QUANTITY[self.quantity])}"
        T = self.t0 + len(y) - 1
        if self.forward_overflow is not None:
            return tr(
                f"{head}: the forward pass itself overflowed at t = {self.forward_overflow}, so the gradients are "
                "undefined from there on.",
                f"{head}: 순전파 자체가 시각 t = {self.forward_overflow}에서 오버플로했으므로 그 이후의 기울기는 "
                "정의되지 않습니다.",
            )
        if not math.isfinite(y[-1]):
            return tr(
                f"{head} is exactly 0 at the loss (t = {T}), so it has no ratio to that value.",
                f"{head}: 손실 위치(t = {T})에서 정확히 0이므로 그 값에 대한 비율이 없습니다.",
            )
        if len(y) == 1:
            return tr(
                f"{head}: one point, no step to flow back through.", f"{head}: 점 하나뿐, 거슬러 갈 시각이 없습니다."
            )
        rel = y - y[-1]
        z = self.zero_before
        over = np.flatnonzero(np.isnan(y) | (y == np.inf))
        if over.size:
            last = self.t0 + int(over[-1])
            return tr(
                f"{head} overflows a plain float64 computation (inf or NaN; the latest such step: t = {last}): it "
                "**explodes** past what float64 holds.",
                f"{head}: 보통의 float64 계산이 넘칩니다 (inf나 NaN, 가장 늦은 시각: t = {last}). float64가 담을 수 "
                "있는 범위를 넘어 **기울기 폭발**입니다.",
            )
        if z is None and not np.all(np.isfinite(rel)):
            bad = [self.t0 + int(i) for i in np.flatnonzero(~np.isfinite(rel))]
            where = ", ".join(map(str, bad)) if len(bad) <= 6 else f"{', '.join(map(str, bad[:3]))}, …, {bad[-1]}"
            return tr(
                f"{head} is exactly 0 or not finite at {len(bad)} step{'s' if len(bad) > 1 else ''} (t = {where}), "
                "between nonzero values: "
                "no single ratio describes it.",
                f"{head}: {len(bad)}개 시각(t = {where})에서 정확히 0이거나 유한하지 않습니다 (사이사이 0이 아닌 값). "
                "비율 하나로 말할 수 없습니다.",
            )
        first = 0 if z is None else z - self.t0
        end = float(rel[first])
        peak_i = first + int(np.argmax(rel[first:]))
        peak = float(rel[peak_i])
        steps = T - (self.t0 + first)
        kept = kept_text(end, lang)
        if z is not None and steps == 0:
            return tr(
                f"{head} is exactly 0 for every t < {z}: nothing passes back even one step from the loss.",
                f"{head}: t < {z}에서는 정확히 0입니다. 손실 위치에서 한 시각도 거슬러 가지 못합니다.",
            )
        if z is not None:
            text = tr(
                f"{head} is exactly 0 for every t < {z}; from the loss back to t = {z} ({counted(steps, 'step')}) it "
                f"{kept}{' of its value at the loss' if end < 0 else ''}",
                f"{head}: t < {z}에서는 정확히 0입니다. 손실 위치에서 t = {z}까지 ({steps} 시각) 거슬러 가면 {kept}",
            )
        else:
            text = tr(
                f"{head} {kept}{' of' if end < 0 else ''} its value at the loss after {counted(steps, 'step')} back",
                f"{head}: 손실 위치에서 {steps} 시각을 거슬러 가면 {kept}",
            )
        if z is None and end <= -TREND_DECADES:
            text += tr(": it **vanishes**", ". **기울기 소실**입니다")
        elif z is None and end >= TREND_DECADES:
            text += tr(": it **explodes**", ". **기울기 폭발**입니다")
        if peak >= TREND_DECADES and peak - end >= 1:
            text += tr(
                f"; on the way it first rises to {_times(peak)} at t = {self.t0 + peak_i}",
                f". 도중에 t = {self.t0 + peak_i}에서 {_times(peak).replace('×', '배')}까지 커집니다",
            )
        return text + "."


@dataclass(frozen=True)
class DeadUnitsClaim:
    """A ReLU RNN's dead units: per sample, the last step at which every unit has a_t ≤ 0 (relu′ = 0), and what
    that does to ∂L/∂h_t before it."""

    name: Text
    dead: tuple[int | None, ...]  # per sample (explorer.remedies.data.dead_steps)
    loss: str

    def render(self, lang: str) -> str:
        tr = pick(lang)
        name_en, name_ko = self.name
        steps = [d for d in self.dead if d is not None]
        n, N = len(steps), len(self.dead)
        where = ", ".join(f"t = {d}" for d in self.dead if d is not None)
        if N > 1 and not (n == N and len(set(steps)) == 1):
            where = ", ".join(f"sample {i + 1}: t = {d}" for i, d in enumerate(self.dead) if d is not None)
            if n > 3:
                where = f"t = {min(steps)}" if min(steps) == max(steps) else f"t = {min(steps)} to t = {max(steps)}"
        where_ko = where.replace("sample ", "샘플 ")
        if N == 1:
            who_en = f"At {where} every ReLU unit of the {name_en} is dead"
            who_ko = f"{where}에서 {name_ko}의 ReLU 유닛이 모두 꺼져 있습니다"
        elif n == N and len(set(steps)) == 1:
            who_en, who_ko = (
                f"At {where.split(', ')[0]} every ReLU unit of the {name_en} is dead in every sample",
                f"{where.split(', ')[0]}에서 모든 샘플의 {name_ko} ReLU 유닛이 모두 꺼져 있습니다",
            )
        else:
            who_en = (
                f"In {n} of {N} samples every ReLU unit of the {name_en} is dead at some step (the latest: {where})"
            )
            who_ko = f"샘플 {N}개 중 {n}개에서 {name_ko}의 ReLU 유닛이 모두 꺼지는 시각이 있습니다 (마지막: {where_ko})"
        if self.loss == "last":
            if n == N:
                tail_en = (
                    f"so ∂L/∂h_t is exactly 0 before that step, and the curve (the whole batch) is exactly 0 for every "
                    f"t < {min(steps)}"
                )
                tail_ko = (
                    "그래서 그 시각 이전의 ∂L/∂h_t는 정확히 0이고, "
                    f"곡선(배치 전체)은 t < {min(steps)}에서 정확히 0입니다"
                )
            else:
                tail_en = "so those samples' ∂L/∂h_t is exactly 0 before that step; the other samples still carry one"
                tail_ko = (
                    "그래서 그 샘플들의 ∂L/∂h_t는 그 시각 이전에 정확히 0입니다. 다른 샘플에는 기울기가 남아 있습니다"
                )
        else:
            tail_en = (
                "so nothing from the losses at and after that step passes back past it; earlier losses still feed "
                "∂L/∂h_t there"
            )
            tail_ko = (
                "그래서 그 시각과 이후의 손실에서 온 기울기는 그 너머로 가지 못합니다. "
                "더 이른 손실은 여전히 ∂L/∂h_t에 더해집니다"
            )
        return tr(f"{who_en}: {DEAD_EN}, {tail_en}.", f"{who_ko}. {DEAD_KO}. {tail_ko}.")


@dataclass(frozen=True)
class CellClaim:
    """The LSTM judged by both gradients: ‖∂L/∂h_t‖ at t = 0 and ‖∂L/∂c_t‖ at t = 1, each over its value at T."""

    name: Text
    h_log10: float  # log10 (‖∂L/∂h_0‖ / ‖∂L/∂h_T‖)
    c_log10: float  # log10 (‖∂L/∂c_1‖ / ‖∂L/∂c_T‖)
    T: int

    def render(self, lang: str) -> str:
        tr = pick(lang)
        name = tr(*self.name)

        def part(v: float) -> str:
            if math.isnan(v):
                return tr("has no ratio (0 at the end) to", "비율이 없습니다 (끝에서 0)")
            return kept_text(v, lang) + tr(" of" if v < 0 else "", "")

        h = part(self.h_log10)
        if self.T == 1:
            return tr(
                f"**{name}**: ‖∂L/∂h_t‖ at t = 0 {h} its value at the loss; with T = 1 ‖∂L/∂c_t‖ has one point only.",
                f"**{name}**: 손실 위치 값에 비해 t = 0의 ‖∂L/∂h_t‖는 {h}. T = 1이라 ‖∂L/∂c_t‖는 점 하나뿐입니다.",
            )
        c = part(self.c_log10)
        hv = self.h_log10 <= -TREND_DECADES
        cv = self.c_log10 <= -TREND_DECADES
        if math.isnan(self.h_log10) or math.isnan(self.c_log10):
            verdict = ("", "")
        elif hv and not cv:
            verdict = (": ‖∂L/∂h_t‖ vanishes, the cell state's gradient does not",
                       " ‖∂L/∂h_t‖는 소실되지만 기억 셀의 기울기는 소실되지 않습니다.")  # fmt: skip
        elif hv and cv:
            verdict = (": both vanish", " 둘 다 소실됩니다.")
        elif cv:
            verdict = (": the cell state's gradient vanishes, ‖∂L/∂h_t‖ does not",
                       " 기억 셀의 기울기는 소실되지만 ‖∂L/∂h_t‖는 소실되지 않습니다.")  # fmt: skip
        else:
            verdict = (": neither vanishes", " 둘 다 소실되지 않습니다.")
        return tr(
            f"**{name}**: ‖∂L/∂h_t‖ at t = 0 {h} its value at the loss (t = {self.T}); ‖∂L/∂c_t‖ (the memory cell) "
            f"at t = 1 {c} its value at t = {self.T}{verdict[0]}.",
            f"**{name}**: 손실 위치 값에 비해 t = 0의 ‖∂L/∂h_t‖는 {h}. t = {self.T} 값에 비해 t = 1의 "
            f"‖∂L/∂c_t‖(기억 셀)는 {c}.{verdict[1]}",
        )


Claim = (
    GlobalClipClaim
    | ElementClipClaim
    | TruncClaim
    | PresetCompareClaim
    | ChainClaim
    | ChronoGateClaim
    | CurveClaim
    | DeadUnitsClaim
    | CellClaim
)
RemedyClaim = Claim


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
        CurveClaim(
            (f"{name} (full BPTT)", f"{name} (전체 BPTT)"), "dh", tuple(r.flow.curve("full")), r.forward_overflow
        ),
    ]
    if "full_dc" in r.flow.trends:  # an LSTM is judged by its memory cell's gradient too
        claims.append(
            CurveClaim((f"{name} (full BPTT)", f"{name} (전체 BPTT)"), "dc", tuple(r.flow.curve("full_dc")), t0=1)
        )
    if r.zero_before is None:
        label = f"{name} (k = {r.k})"
        claims.append(CurveClaim((label, label), "dh", tuple(r.flow.curve("truncated")), r.forward_overflow))
    # past a forward overflow the float64 backward holds inf and NaN: no claim of exact zeros there
    if r.dead is not None and any(d is not None for d in r.dead) and r.forward_overflow is None:
        claims.append(DeadUnitsClaim((name, name), r.dead, r.loss))
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
    for curve, cell in r.cells:
        h, c = r.flow.curve(curve), r.flow.curve(cell)
        with np.errstate(invalid="ignore"):
            claims.append(CellClaim(labels[curve], float(h[0] - h[-1]), float(c[0] - c[-1]), len(h) - 1))
    for curve, dead in r.dead.items():
        if any(d is not None for d in dead) and r.flow.trends[curve].forward_overflow is None:
            claims.append(DeadUnitsClaim(labels[curve], dead, r.loss))
    for kind, gate in (("lstm", ("forget gate f", "망각 게이트 f")),
                       ("gru", ("keep gate", "이전 상태를 넘기는 비율"))):  # fmt: skip
        if kind in r.gate_means:
            claims.append(ChronoGateClaim(KIND_LABELS[kind], gate, r.gate_means[kind], r.gate_means[f"{kind}_chrono"]))
    return claims
