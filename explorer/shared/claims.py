"""The claim machinery every page's readings share: a claim is a frozen dataclass holding the numbers it speaks of
and rendering itself in English or Korean (``render(lang)``); the number formats, and the trend of one curve.

A claim chooses its words from its numbers: "keeps" only for a ratio below 1 and "grows" only above, "vanishes"/
"explodes" only when the curve's measured trend says so. The tests of each page family check over hundreds of
random settings that no rendered claim contradicts the numbers of the same result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from charts import format_log10

from .controls import Text
from .curves import Trend
from .i18n import counted, josa, pick


class Claim(Protocol):
    def render(self, lang: str) -> str: ...


def render(claims: Sequence[Claim], lang: str) -> list[str]:
    """Every claim as one line in ``lang``."""
    return [c.render(lang) for c in claims]


# What each measured quantity is, as the sentence names it
QUANTITY: dict[str, Text] = {
    "dh": ("‖∂L/∂h_t‖", "‖∂L/∂h_t‖"),
    "dc": ("‖∂L/∂c_t‖", "‖∂L/∂c_t‖"),
    "cell_path": ("the cell path alone (∏ f)", "셀 경로만 (∏ f)"),
    "direct_path": ("the direct path alone", "직접 경로만"),
    "matmul_only": ("the W_hh-only chain", "W_hh 행렬 곱만 반복한 곡선"),
    "tanh_only": ("the φ′-only chain", "φ′만의 곡선"),
}


def pct(log10_value: float) -> str:
    """A ratio given by its log10: '40%' for a fraction from 1 % to 100 %, else a number ('3.2e-14', '5460')."""
    if -2 <= log10_value <= 0:
        return f"{100 * 10.0**log10_value:.3g}%"
    return format_log10(log10_value)


def relation(a_log10: float, b_log10: float) -> str:
    """How ratio a stands to ratio b: "same" when equal to rounding or when their printed values (``pct``) are the
    same (a sentence never says "less than" beside two equal numbers), else "more" or "less"; "undefined" for NaN."""
    if math.isnan(a_log10) or math.isnan(b_log10):
        return "undefined"
    if a_log10 == b_log10 or abs(a_log10 - b_log10) < 1e-9 or pct(a_log10) == pct(b_log10):
        return "same"
    return "more" if a_log10 > b_log10 else "less"


def ratio_value(log10_value: float) -> str:
    """A ratio to the value at the loss as printed beside another: '40%' below 1 (``pct``), '5460×' above."""
    return pct(log10_value) if log10_value <= 0 else f"{format_log10(log10_value)}×"


def ratio_text(log10_ratio: float, lang: str, only: bool = True) -> str:
    """'keeps 40%' / 'grows 5460×' (and Korean), chosen by the sign of the ratio. Korean says 만 ("only") for a
    ratio that rounds below 100 % and when ``only`` (not beside "more than")."""
    tr = pick(lang)
    if log10_ratio < 0:
        k = pct(log10_ratio)
        return tr(f"keeps {k}", f"{k}{'만' if only and k != '100%' else ''} 남습니다")
    if log10_ratio > 0:
        return tr(f"grows to {format_log10(log10_ratio)}×", f"{format_log10(log10_ratio)}배로 커집니다")
    return tr(f"is unchanged at {pct(0.0)}", f"{pct(0.0)}로 그대로입니다")


def rate_text(log10_rate: float) -> str:
    """'×0.618' per step, three significant digits; total: '×0' for exactly 0, '×inf' past float64, '×NaN'."""
    if math.isfinite(log10_rate):
        return f"×{10.0**log10_rate:.3g}"
    return "×NaN" if math.isnan(log10_rate) else ("×inf" if log10_rate > 0 else "×0")


def step_rate_text(t: Trend, lang: str) -> str:
    """The per-step rate of a curve, only where one rate describes its steps: over the steady part (the points
    nearest the loss left out and said so) when that part is close to geometric; else that there is none."""
    tr = pick(lang)
    if not t.steady:
        return tr("no steady rate per step: the curve bends", "곡선이 꺾여 있어 시각마다 일정한 비율은 없습니다")
    r = rate_text(t.log10_rate_steady)
    if t.rate_skip == 0:
        return tr(f"{r} per step", f"시각마다 {r}")
    first = (
        tr("the first step back", "처음 1 시각")
        if t.rate_skip == 1
        else tr(f"the first {t.rate_skip} steps back", f"처음 {t.rate_skip} 시각")
    )
    return tr(f"{r} per step after {first}", f"{first} 이후 시각마다 {r}")


def cell_text(c: Trend, lang: str, h_vanishes: bool = True) -> str:
    """What an LSTM's cell gradient ‖∂L/∂c_t‖ does beside its ‖∂L/∂h_t‖ (vanishing, or not: ``h_vanishes``)."""
    tr = pick(lang)
    if c.direction == "undefined" or c.steps == 0:
        return ""
    ratio = ratio_text(c.log10_ratio, lang)
    of = " of its value" if c.log10_ratio < 0 else ""
    if not h_vanishes:
        return tr(
            f"; its memory cell's ‖∂L/∂c_t‖ {ratio}{of} after {counted(c.steps, 'step')} back",
            f". 기억 셀의 ‖∂L/∂c_t‖는 {c.steps} 시각을 거슬러 가면 {ratio}",
        )
    if c.direction == "vanishes":
        return tr(
            f"; its memory cell's ‖∂L/∂c_t‖ {ratio}{of} after {counted(c.steps, 'step')} back: it vanishes too",
            f". 기억 셀의 ‖∂L/∂c_t‖도 {c.steps} 시각을 거슬러 가면 {ratio}. 함께 소실됩니다",
        )
    return tr(
        f"; but its memory cell's ‖∂L/∂c_t‖ {ratio}{of} after {counted(c.steps, 'step')} back: the cell still "
        "carries the gradient",
        f". 그러나 기억 셀의 ‖∂L/∂c_t‖는 {c.steps} 시각을 거슬러 가면 {ratio}. 기억 셀은 기울기를 아직 전달합니다",
    )


@dataclass(frozen=True)
class TrendClaim:
    """What one curve does from the loss back to its first point."""

    name: str | tuple[str, str]  # "RNN", "LSTM", … or (English, Korean)
    trend: Trend
    cell: Trend | None = None  # an LSTM's ‖∂L/∂c_t‖, said beside a vanishing ‖∂L/∂h_t‖ (its memory may still carry)

    def render(self, lang: str) -> str:
        tr = pick(lang)
        t, q = self.trend, QUANTITY[self.trend.quantity]
        name = self.name if isinstance(self.name, str) else tr(*self.name)
        head = f"**{name}** {tr(*q)}"
        if t.direction == "undefined" and t.forward_overflow is None:
            return tr(
                f"{head} is exactly 0 at the loss (its activation saturated), so it has no ratio to that value.",
                f"{head}: 손실 위치에서 정확히 0이므로 (활성화 함수가 포화) 그 값에 대한 비율이 없습니다.",
            )
        if t.direction == "undefined":
            return tr(
                f"{head}: the forward pass itself overflowed at t = {t.forward_overflow} (relu with a recurrent gain "
                "above 1), so the gradients are undefined from there on.",
                f"{head}: 순전파 자체가 시각 t = {t.forward_overflow}에서 오버플로했습니다 (순환 증폭률이 1보다 큰 "
                "relu). 그 이후의 기울기는 정의되지 않습니다.",
            )
        if t.steps == 0:
            return tr(
                f"{head}: one point, no step to flow back through.", f"{head}: 점 하나뿐, 거슬러 갈 시각이 없습니다."
            )
        ratio = ratio_text(t.log10_ratio, lang)
        text = tr(
            f"{head} {ratio}{' of' if t.log10_ratio < 0 else ''} its value at the loss after "
            f"{counted(t.steps, 'step')} back ({step_rate_text(t, lang)})",
            f"{josa(head, '은/는')} 손실 위치에서 {t.steps} 시각을 거슬러 가면 {ratio} ({step_rate_text(t, lang)})",
        )
        if t.direction == "vanishes":
            text += tr(": it **vanishes**", ". **기울기 소실**입니다")
            if t.steps_to_vanish is not None:
                text += tr(
                    f", below 10⁻⁶ of its value at the loss after {counted(t.steps_to_vanish, 'step')} back",
                    f". {t.steps_to_vanish} 시각을 거슬러 가면 손실 위치 값의 10⁻⁶ 아래로 떨어집니다",
                )
            if self.cell is not None:
                text += cell_text(self.cell, lang)
        elif t.direction == "explodes":
            text += tr(": it **explodes**", ". **기울기 폭발**입니다")
            if t.overflow64 is not None:
                text += tr(
                    f"; a plain float64 computation overflows to inf at t = {t.overflow64}"
                    + (f" (float32 at t = {t.overflow32})" if t.overflow32 is not None else "")
                    + "; the curve continues in the log domain",
                    f". 보통의 float64 계산은 시각 t = {t.overflow64}에서 inf로 넘칩니다"
                    + (f" (float32는 t = {t.overflow32})" if t.overflow32 is not None else "")
                    + ". 곡선은 로그 영역에서 계속 계산됩니다",
                )
            elif t.overflow32 is not None:
                text += tr(
                    f"; float32 would overflow at t = {t.overflow32}",
                    f". float32였다면 t = {t.overflow32}에서 넘칩니다",
                )
        if self.cell is not None and t.direction != "vanishes":  # the LSTM judged by its cell, whatever h does
            text += cell_text(self.cell, lang, h_vanishes=False)
        return text + "."
