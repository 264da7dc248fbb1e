"""The flow pages' readings (compare, RNN, LSTM, GRU) as typed claims on the shared machinery
(explorer/shared/claims.py): a gate described by its measured mean, rates against ρ and σ_max, the factors of the
RNN's chain. ``tests/test_claims.py`` checks over hundreds of random settings that no rendered claim contradicts
the numbers of the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from charts import format_log10

from ..shared.claims import TrendClaim, cell_text, pct, rate_text, ratio_value, relation
from ..shared.claims import ratio_text as ratio_text  # the flow pages' readers (and tests) find it here too
from ..shared.claims import render as render
from ..shared.controls import Settings, Text
from ..shared.curves import TREND_DECADES, Trend
from ..shared.i18n import counted, josa, pick
from ..shared.kinds import KIND_LABELS
from .data import BOOK_START, OPEN_GATE_BIAS, CompareResult, Contributions, GateResult, RNNResult, chains_are_products

# Two rates closer than this (log10 per step) count as the same
SAME_RATE = 0.005


def _times(log10_rate: float) -> str:
    """'0.618배' (Korean: a factor said with 배, so that no particle follows the number)."""
    return f"{10.0**log10_rate:.3g}배" if math.isfinite(log10_rate) else "?배"


@dataclass(frozen=True)
class GateClaim:
    """The measured mean of the gate on an element-wise path, and that mean to the power of the steps back."""

    name: str
    symbol: str  # "f", "z", "1 − z"
    mean: float
    steps: int

    @property
    def log10_power(self) -> float:
        return self.steps * math.log10(self.mean) if self.mean > 0 else -math.inf

    def render(self, lang: str) -> str:
        tr = pick(lang)
        gate = (
            tr("forget gate f", "망각 게이트 f")
            if self.symbol == "f"
            else tr(f"keep gate {self.symbol}", f"이전 상태를 넘기는 비율 {self.symbol}")
        )
        return tr(
            f"The {self.name}'s {gate} averages **{self.mean:.3f}** over all steps and units; to the power {self.steps} "
            f"(the steps back) that is {format_log10(self.log10_power)}.",
            f"{self.name}의 {gate}의 평균은 모든 시각과 유닛에 대해 **{self.mean:.3f}**이고, 거슬러 가는 "
            f"시각 수 {self.steps}만큼 거듭제곱하면 {format_log10(self.log10_power)}입니다.",
        )


@dataclass(frozen=True)
class CompareClaim:
    """Which of two curves keeps more over the same steps back."""

    a: str
    b: str
    a_log10: float
    b_log10: float
    cell: Trend | None = None  # the LSTM's ‖∂L/∂c_t‖: whether it keeps its gradient is read from its cell too

    @property
    def relation(self) -> str:
        return relation(self.a_log10, self.b_log10)

    def render(self, lang: str) -> str:
        tr = pick(lang)
        a_k, b_k = ratio_value(self.a_log10), ratio_value(self.b_log10)
        if self.relation == "same":
            text = tr(
                f"The {self.a} and the {self.b} end at the same ratio to their value at the loss ({a_k})",
                f"{josa(self.a, '과/와')} {self.b}의 손실 위치 값에 대한 비율이 같습니다 ({a_k})",
            )
        elif self.a_log10 <= 0 and self.b_log10 <= 0:  # both kept a share: "keeps" (only ever below 1)
            word = tr("more", "더 많이") if self.relation == "more" else tr("less", "더 적게")
            text = tr(
                f"The {self.a} keeps {word} of its gradient at t = 0 than the {self.b}: {a_k} against {b_k} of the "
                "value at the loss",
                f"t = 0에서 {josa(self.a, '은/는')} {self.b}보다 기울기를 {word} 간직합니다: 손실 위치 값의 {a_k} 대 {b_k}",
            )
        else:  # one of them grew: it "ends higher", never "keeps more"
            word = tr("higher", "더 큽니다") if self.relation == "more" else tr("lower", "더 작습니다")
            text = tr(
                f"The {self.a} ends {word} at t = 0 than the {self.b}, each against its value at the loss: {a_k} "
                f"against {b_k}",
                f"t = 0에서 {self.a}의 값은 {self.b}보다 {word}. 손실 위치 값에 대한 비율로 {a_k} 대 {b_k}",
            )
        if self.cell is not None:
            text += cell_text(self.cell, lang, h_vanishes=False)
        return text + "."


@dataclass(frozen=True)
class OpenClaim:
    """The dotted curve: a gated kind with its gate bias raised by +3, against the same kind as set."""

    name: str
    bias: float
    opened: Trend
    as_set: Trend
    gate_mean: float
    cell: Trend | None = None  # the opened LSTM's ‖∂L/∂c_t‖: it "still vanishes" only when its memory does too

    def render(self, lang: str) -> str:
        tr = pick(lang)
        o = self.opened
        rel = relation(o.log10_ratio, self.as_set.log10_ratio)  # equal when printed equal (T = 1: no step back)
        rel_en, rel_ko = (
            ("more than", "보다 많습니다")
            if rel == "more"
            else ("less than", "보다 적습니다")
            if rel == "less"
            else ("as much as", "와 같습니다")
        )
        ratio = ratio_text(o.log10_ratio, lang, only=rel != "more")  # Korean 만 ("only") never beside "more"
        text = tr(
            f"Opened by {OPEN_GATE_BIAS:+g} to gate bias {self.bias:+g} (dotted; its gate averages "
            f"{self.gate_mean:.3f}), the {self.name} "
            f"{ratio} at t = 0: {rel_en} at the bias you set ({ratio_value(self.as_set.log10_ratio)})",
            f"게이트 편향을 {OPEN_GATE_BIAS:+g}만큼 올려 {josa(f'{self.bias:+g}', '으로/로')} 열면 (점선, 게이트 평균 {self.gate_mean:.3f}) t = 0에서 "
            f"{josa(self.name, '은/는')} {ratio}. 설정한 편향일 때({ratio_value(self.as_set.log10_ratio)}){rel_ko}",
        )
        cell_carries = _cell_carries(self.cell)
        if o.direction == "vanishes" and cell_carries:
            assert self.cell is not None
            text += tr(
                f": its ‖∂L/∂h_t‖ still vanishes, but its memory cell's ‖∂L/∂c_t‖ {ratio_text(self.cell.log10_ratio, lang)}",
                f". ‖∂L/∂h_t‖는 여전히 소실되지만 기억 셀의 ‖∂L/∂c_t‖는 {ratio_text(self.cell.log10_ratio, lang)}",
            )
        elif o.direction == "vanishes":
            text += tr(": even opened, it still **vanishes**", ". 열어도 여전히 **기울기 소실**입니다")
            if self.cell is not None:
                text += cell_text(self.cell, lang)  # says the cell vanishes too
        else:
            if o.direction == "explodes":
                text += tr(": opened, it **explodes**", ". 열면 **기울기 폭발**입니다")
            if self.cell is not None:
                text += cell_text(self.cell, lang, h_vanishes=False)
        return text + "."


@dataclass(frozen=True)
class RateClaim:
    """The W_hh-only chain's measured long-run rate against ρ and σ_max (which one it follows)."""

    log10_rate: float
    rho: float
    sigma_max: float
    steady: bool = True  # the chain's curve close to geometric; else its rate is a mean and said so

    @property
    def follows(self) -> str:
        """ "rho", "sigma" or "both" (ρ = σ_max, a normal matrix), by which log10 is nearer the measured rate."""
        if not (self.rho > 0 and self.sigma_max > 0 and math.isfinite(self.log10_rate)):
            return "none"
        d_rho = abs(self.log10_rate - math.log10(self.rho))
        d_sigma = abs(self.log10_rate - math.log10(self.sigma_max))
        if abs(d_rho - d_sigma) < SAME_RATE:
            return "both"
        return "rho" if d_rho < d_sigma else "sigma"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        r = rate_text(self.log10_rate)
        base = tr(
            f"Measured over the run, the W_hh-only chain changes by **{r} per step**",
            f"실제로 재 보면 W_hh 행렬 곱만 반복한 곡선은 **시각마다 {_times(self.log10_rate)}**",
        )
        if not self.steady:  # its trend sentence says the curve bends: this is the mean of its steps
            base += tr(" (a mean rate: the curve bends)", " (평균 비율, 곡선이 꺾여 있음)")
        if self.follows == "rho":
            return base + tr(
                f": close to ρ = {self.rho:.3g}, not σ_max = {self.sigma_max:.3g} (σ_max only bounds a single step, "
                "Pascanu et al.).",
                f"가 됩니다. {josa(f'σ_max = {self.sigma_max:.3g}', '이/가')} 아니라 ρ = {self.rho:.3g}에 가깝습니다 (σ_max는 한 "
                "시각의 상한일 뿐입니다, Pascanu 등).",
            )
        if self.follows == "sigma":
            return base + tr(
                f": here closer to σ_max = {self.sigma_max:.3g} than to ρ = {self.rho:.3g} (too few steps for the "
                "long-run rate ρ to show).",
                f"가 됩니다. 여기서는 ρ = {self.rho:.3g}보다 σ_max = {self.sigma_max:.3g}에 가깝습니다 (긴 구간의 "
                "비율 ρ가 드러나기에는 시각이 짧습니다).",
            )
        if self.follows == "both":
            return base + tr(
                f", as ρ = σ_max = {self.rho:.3g} predicts.",
                f"가 됩니다. {josa(f'ρ = σ_max = {self.rho:.3g}', '이/가')} 예측하는 그대로입니다.",
            )
        return base + tr(".", "가 됩니다.")


@dataclass(frozen=True)
class FactorClaim:
    """What the activation's derivative φ′ measurably does: the full BPTT's rate against W_hh alone's."""

    activation: str
    log10_gain_phi: float  # mean log10 gain of the φ′ factor per step
    log10_rate_full: float
    log10_rate_matmul: float
    full_direction: str
    matmul_direction: str
    bends: tuple[str, ...] = ()  # the chains whose curve bends ("full", "matmul_only"): their rates are means

    @property
    def effect(self) -> str:
        """ "shrinks", "none" or "grows": the full chain's rate below, equal to, or above W_hh alone's."""
        if not (math.isfinite(self.log10_rate_full) and math.isfinite(self.log10_rate_matmul)):
            return "unknown"
        diff = self.log10_rate_full - self.log10_rate_matmul
        if abs(diff) < SAME_RATE:
            return "none"
        return "shrinks" if diff < 0 else "grows"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        a = self.activation
        g = rate_text(self.log10_gain_phi)
        rf, rm = rate_text(self.log10_rate_full), rate_text(self.log10_rate_matmul)
        head = tr(
            f"The {a}′ factor multiplies the gradient by {g} per step on average (never more than 1); the full BPTT "
            f"changes by {rf} per step against {rm} for W_hh alone",
            f"{a}′ 인자 때문에 기울기는 평균적으로 시각마다 {_times(self.log10_gain_phi)}가 됩니다 (최댓값 1배). 전체 "
            f"BPTT는 시각마다 {rf}, W_hh만 반복하면 {rm}입니다",
        )
        if self.bends:  # a chain whose trend sentence says it bends: its rate here is the mean of its steps
            which = tr(
                "both curves bend" if len(self.bends) == 2 else
                "the full BPTT's curve bends" if self.bends == ("full",) else "W_hh alone's curve bends",
                "두 곡선이 모두 꺾여 있음" if len(self.bends) == 2 else
                "전체 BPTT 곡선이 꺾여 있음" if self.bends == ("full",) else "W_hh만의 곡선이 꺾여 있음",
            )  # fmt: skip
            head += tr(f" (mean rates: {which})", f" (평균 비율, {which})")
        if self.effect == "unknown":
            return head + "."
        if self.effect == "none":
            return head + tr(
                f": here {a}′ changes the rate very little.",
                f". 여기서는 {josa(a + '′', '이/가')} 비율을 거의 바꾸지 않습니다.",
            )
        if self.effect == "grows":
            return head + tr(
                ": here the full chain changes faster than W_hh alone (φ′ also turns the direction of the gradient).",
                ". 여기서는 전체 곡선이 W_hh만일 때보다 더 빨리 변합니다 (φ′이 기울기의 방향도 바꿉니다).",
            )
        fd, md = self.full_direction, self.matmul_direction
        if md == "explodes" and fd == "explodes":
            return head + tr(f": {a}′ slows the growth.", f". {josa(a + '′', '이/가')} 증가를 늦춥니다.")
        if md == "explodes" and fd != "explodes":
            return head + tr(
                f": {a}′ turns W_hh's growth into {'vanishing' if fd == 'vanishes' else 'a steady gradient'}.",
                f". {a}′ 때문에 W_hh의 증가가 {'소실' if fd == 'vanishes' else '안정된 기울기'}로 바뀝니다.",
            )
        if fd == "vanishes":
            return head + tr(
                f": {a}′ makes it vanish faster than W_hh alone.", f". {a}′ 때문에 W_hh만일 때보다 더 빨리 소실됩니다."
            )
        return head + tr(f": {a}′ shrinks the gradient further.", f". {josa(a + '′', '이/가')} 기울기를 더 줄입니다.")


@dataclass(frozen=True)
class TheoryClaim:
    """Pascanu et al.'s conditions, from σ_max and ρ (true for every matrix: tested as invariants)."""

    sigma_max: float
    rho: float

    @property
    def case(self) -> str:
        if self.sigma_max < 1:
            return "sufficient"
        if self.rho < 1:
            return "rho_below"
        return "necessary"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        if self.case == "sufficient":
            return tr(
                "σ_max < 1/γ = 1: no step back can grow what flows from a later loss, so it must vanish "
                "(Pascanu's sufficient condition).",
                "σ_max < 1/γ = 1: 어느 시각도 뒤쪽 손실에서 흘러오는 기울기를 키울 수 없으므로 소실될 수밖에 "
                "없습니다 (Pascanu의 충분조건).",
            )
        if self.case == "rho_below":
            return tr(
                "σ_max ≥ 1 yet ρ < 1: a single step may grow, but W_hh's powers shrink in the long run.",
                "σ_max ≥ 1이지만 ρ < 1: 한 시각은 커질 수 있어도 W_hh를 거듭 곱하면 결국 줄어듭니다.",
            )
        return tr(
            "σ_max ≥ 1/γ = 1: exploding is possible (Pascanu's necessary condition), not guaranteed.",
            "σ_max ≥ 1/γ = 1: 폭발이 가능합니다 (Pascanu의 필요조건). 보장되지는 않습니다.",
        )


@dataclass(frozen=True)
class ContributionClaim:
    """How much of ∂L/∂W_hh comes from the earliest step with a nonzero term, and from the last step, measured as the
    norm of that step's term over the norm of the whole gradient; and ‖∂L/∂x_t‖ at those steps."""

    name: str
    first: int | None  # the earliest t with a nonzero, finite term (None: no such step)
    log10_first: float  # log10 (‖term of step first‖ / ‖∂L/∂W_hh‖)
    last: int
    log10_last: float
    log10_dx_first: float  # log10 ‖∂L/∂x_dx_first‖ / ‖∂L/∂x_last‖
    zero_before: bool  # step 1's term is exactly 0 (h_0 = 0)
    dx_first: int | None = None  # the earliest t whose ‖∂L/∂x_t‖ is finite and nonzero (x_1 even when W_hh's is 0)

    def render(self, lang: str) -> str:
        tr = pick(lang)
        if self.first is None or not math.isfinite(self.log10_first) or not math.isfinite(self.log10_last):
            return tr(
                f"The {self.name}'s recurrent weight gradient has no finite nonzero step term here (exactly 0 or past "
                "float64), so no share per step is given.",
                f"{self.name}의 순환 가중치 기울기에는 여기서 유한하고 0이 아닌 시각별 항이 없어 (정확히 0이거나 float64 "
                "범위 밖) 시각별 몫을 말하지 않습니다.",
            )
        a, b = format_log10(self.log10_first), format_log10(self.log10_last)
        if self.first == self.last:  # one step only has a nonzero term: it is the whole update, not a share of it
            text = tr(
                f"The {self.name}'s recurrent weights W_hh receive all of their update from step {self.last}, the only "
                "step with a nonzero term ‖h_(t−1)ᵀ ∂L/∂a_t‖",
                f"{self.name}의 순환 가중치 W_hh는 갱신량 전부를 시각 {self.last}에서 받습니다. 0이 아닌 항 "
                "‖h_(t−1)ᵀ ∂L/∂a_t‖가 있는 시각은 그뿐입니다",
            )
        else:
            text = tr(
                f"The {self.name}'s recurrent weights W_hh receive {a} of their update from step {self.first} and {b} "
                f"from step {self.last} (each step's term ‖h_(t−1)ᵀ ∂L/∂a_t‖ against the whole ‖∂L/∂W_hh‖)",
                f"{self.name}의 순환 가중치 W_hh는 갱신량의 {josa(a, '을/를')} 시각 {self.first}에서, "
                f"{josa(b, '을/를')} 시각 {self.last}에서 "
                "받습니다 (각 시각의 항 ‖h_(t−1)ᵀ ∂L/∂a_t‖를 전체 ‖∂L/∂W_hh‖와 비교)",
            )
        dx = self.first if self.dx_first is None else self.dx_first
        if math.isfinite(self.log10_dx_first) and dx != self.last:  # never a step against itself
            text += tr(
                f"; ‖∂L/∂x_{dx}‖ is {format_log10(self.log10_dx_first)} times ‖∂L/∂x_{self.last}‖",
                f". {josa(f'‖∂L/∂x_{dx}‖', '은/는')} ‖∂L/∂x_{self.last}‖의 {format_log10(self.log10_dx_first)}배입니다",
            )
        if self.zero_before:
            text += tr(
                ". Step 1 gives exactly 0 (h_0 = 0)",
                ". 시각 1의 항은 정확히 0입니다 (h_0 = 0)",
            )
        return text + "."


GATE_ROLES: dict[str, tuple[Text, Text]] = {
    "i": (
        ("input gate i", "입력 게이트 i"),
        (
            "scales the new memory g written into the cell (i ⊙ g); it is not on the cell path, so it does not shrink "
            "∂L/∂c_(t−1) directly",
            "기억 셀에 쓰는 새로운 기억 g를 조절합니다 (i ⊙ g). 셀 경로 위에 있지 않으므로 ∂L/∂c_(t−1)의 크기를 직접 "
            "줄이지는 않습니다",
        ),
    ),
    "f": (
        ("forget gate f", "망각 게이트 f"),
        (
            "multiplies the cell path: ∂L/∂c_(t−1) gets ∂L/∂c_t ⊙ f_t",
            "셀 경로에 곱해집니다. ∂L/∂c_(t−1)에는 ∂L/∂c_t ⊙ f_t 항이 들어 있습니다",
        ),
    ),
    "g": (
        ("new memory g (not a gate)", "새로운 기억 g (게이트가 아님)"),
        (
            "is the candidate written into the cell, in (−1, 1); its tanh′ scales the gradient to W_hh's g block",
            "기억 셀에 쓰는 후보 값으로 (−1, 1) 범위입니다. 그 tanh′이 W_hh의 g 블록으로 가는 기울기를 조절합니다",
        ),
    ),
    "o": (
        ("output gate o", "출력 게이트 o"),
        (
            "scales how much of ∂L/∂h_t reaches the cell (o ⊙ tanh′(c_t)); a closed o cuts the way from h into c",
            "∂L/∂h_t 중 기억 셀에 닿는 양을 조절합니다 (o ⊙ tanh′(c_t)). o가 닫히면 h에서 c로 가는 길이 끊깁니다",
        ),
    ),
    "r": (
        ("reset gate r", "리셋 게이트 r"),
        (
            "scales what h_(t−1) contributes to the candidate n; the gradient through the candidate to h_(t−1) "
            "passes r, the direct path does not",
            "후보 n에 대한 h_(t−1)의 기여를 조절합니다. 후보를 거쳐 h_(t−1)로 가는 기울기는 r을 지나고, 직접 경로는 "
            "지나지 않습니다",
        ),
    ),
    "z": (
        ("update gate z", "업데이트 게이트 z"),
        (
            "splits h_t between the old state and the candidate: the direct path multiplies by the keep gate "
            "(PyTorch's z, the book's 1 − z)",
            "h_t를 이전 상태와 후보로 나눕니다. 직접 경로는 이전 상태를 그대로 넘기는 비율(PyTorch의 z, 책의 1 − z)을 "
            "곱합니다",
        ),
    ),
}


@dataclass(frozen=True)
class GateRoleClaim:
    """One gate's measured mean and 10–90 % range over all steps, samples and units, and what it does to the flow."""

    name: str  # "LSTM" / "GRU"
    gate: str  # "i", "f", "g", "o", "r", "z"
    mean: float
    lo: float
    hi: float

    def render(self, lang: str) -> str:
        tr = pick(lang)
        label, role = GATE_ROLES[self.gate]
        return tr(
            f"**{label[0]}** averages {self.mean:.3f} (10–90 % of its values: {self.lo:.3f} to {self.hi:.3f}): it "
            f"{role[0]}.",
            f"**{label[1]}**: 평균은 {self.mean:.3f}입니다 (값의 10–90 %: {self.lo:.3f} ~ {self.hi:.3f}). {role[1]}.",
        )


@dataclass(frozen=True)
class BookClaim:
    """One curve of the book's figure: its norm after the last step back against its value at the loss (the
    norm of dh = ones), with ρ and σ_max of its Wh."""

    name: str
    start: float
    end: float
    steps: int
    rho: float
    sigma_max: float

    @property
    def log10_ratio(self) -> float:
        return math.log10(self.end / self.start) if self.end > 0 else -math.inf

    @property
    def direction(self) -> str:
        r = self.log10_ratio
        return "vanishes" if r <= -TREND_DECADES else "explodes" if r >= TREND_DECADES else "neither"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        r = self.log10_ratio
        head = f"**{self.name}** (ρ = {self.rho:.3g}, σ_max = {self.sigma_max:.3g})"
        of_start = (tr(f"{format_log10(r)}× its value at the loss ({self.start:.3g})",
                       f"손실 위치의 값 {self.start:.3g}의 {format_log10(r)}배") if r > 0
                    else tr(f"{pct(r)} of its value at the loss ({self.start:.3g})",
                            f"손실 위치의 값 {self.start:.3g}의 {pct(r)}"))  # fmt: skip
        text = tr(
            f"{head}: after {counted(self.steps, 'step')} back the norm is {self.end:.3g}, {of_start}",
            f"{head}: {self.steps} 시각을 거슬러 가면 노름은 {self.end:.3g}, 곧 {of_start}입니다",
        )
        verdict = {"vanishes": tr(": it **vanishes**.", ". **기울기 소실**입니다."),
                   "explodes": tr(": it **explodes**.", ". **기울기 폭발**입니다.")}  # fmt: skip
        return text + verdict.get(self.direction, ".")


Claim = TrendClaim | GateClaim | CompareClaim | OpenClaim | RateClaim | FactorClaim | TheoryClaim | BookClaim


# ------------------------------------------------------------------------------------------ claims of each page
def book_claims(book: pd.DataFrame, spectra: dict[float, tuple[float, float]], names: dict[float, str]) -> list[Claim]:
    """The book's figure (data.book_view) read: each curve's last norm against the start, ρ and σ_max."""
    out: list[Claim] = []
    for scale, name in names.items():
        part = book[book["scale"] == scale].sort_values("back")
        rho, sigma = spectra[scale]
        out.append(BookClaim(name, BOOK_START, float(part["norm"].iloc[-1]), int(part["back"].iloc[-1]), rho, sigma))
    return out


def compare_claims(r: CompareResult, s: Settings) -> list[Claim]:
    tr_ = r.flow.trends
    claims: list[Claim] = [TrendClaim(KIND_LABELS[k], tr_[k], r.lstm_dc if k == "lstm" else None)
                           for k in ("rnn", "lstm", "gru")]  # fmt: skip
    if s.T >= 1:
        claims.append(GateClaim("LSTM", "f", r.gate_means["lstm"], s.T))
        keep = "z" if s.formulation == "pytorch" else "1 − z"
        claims.append(GateClaim("GRU", keep, r.gate_means["gru"], s.T))
        for kind in ("lstm", "gru"):
            cell = r.lstm_dc if kind == "lstm" else None
            claims.append(CompareClaim(KIND_LABELS[kind], "RNN", tr_[kind].log10_ratio, tr_["rnn"].log10_ratio, cell))
        for kind, bias in r.open_bias.items():
            claims.append(
                OpenClaim(
                    KIND_LABELS[kind],
                    bias,
                    tr_[f"{kind}_open"],
                    tr_[kind],
                    r.gate_means[f"{kind}_open"],
                    r.open_dc.get(kind),
                )
            )
    return claims


def rnn_claims(r: RNNResult, s: Settings) -> list[Claim]:
    tr_ = r.flow.trends
    claims: list[Claim] = [TrendClaim("RNN", tr_["full"])]
    if not chains_are_products(s):  # no pure W_hh chain, no rate to set against ρ or φ′
        return [*claims, TheoryClaim(r.sigma_max, r.spectral_radius)]
    claims.append(TrendClaim("RNN", tr_["matmul_only"]))
    measurable = [math.isfinite(v) for v in (r.log10_rate_matmul, r.log10_rate_full, r.log10_gain_phi)]
    if s.T > RATE_MIN_T and measurable[0]:
        claims.append(RateClaim(r.log10_rate_matmul, r.spectral_radius, r.sigma_max, tr_["matmul_only"].steady))
        # a gradient that is exactly 0 (every relu off) or undefined has no rate for φ′ to change
        if all(measurable) and tr_["full"].direction != "undefined":
            claims.append(
                FactorClaim(
                    r.activation,
                    r.log10_gain_phi,
                    r.log10_rate_full,
                    r.log10_rate_matmul,
                    tr_["full"].direction,
                    tr_["matmul_only"].direction,
                    tuple(k for k in ("full", "matmul_only") if not tr_[k].steady),
                )
            )
    claims.append(TheoryClaim(r.sigma_max, r.spectral_radius))
    return claims


RATE_MIN_T = 7  # fewer steps than this leave no long run to measure a rate over (5 are skipped as transients)


def gate_claims(r: GateResult, s: Settings, kind: str) -> list[Claim]:
    name = KIND_LABELS[kind]
    claims: list[Claim] = [GateClaim(name, r.keep_symbol, r.gate_mean, s.T)]
    dc = r.flow.trends.get("dc") if kind == "lstm" else None  # ‖∂L/∂c_t‖ judged beside a vanishing ‖∂L/∂h_t‖
    # a gate's chain (∏ f, ∏ keep) that is no pure product is drawn, not read
    trends = [t for t in r.flow.trends.values() if chains_are_products(s) or t.quantity in ("dh", "dc")]
    claims.extend(TrendClaim(name, t, dc if t.quantity == "dh" else None) for t in trends)
    return claims


def contribution_claims(c: Contributions | None, name: str) -> list[ContributionClaim]:
    """The per-step share of the weights' update (part of every architecture page)."""
    if c is None:
        return []
    finite = np.isfinite(c.log10_step) & np.isfinite(c.log10_whole)
    idx = np.flatnonzero(finite)
    T = len(c.log10_step)
    if not idx.size:
        return [ContributionClaim(name, None, math.nan, T, math.nan, math.nan, False)]
    first = int(idx[0])
    # the inputs' gradient from its own earliest finite nonzero step (x_1 has one even where W_hh's step 1 is 0)
    dx_ok = np.flatnonzero(np.isfinite(c.log10_dx))
    dx_first = int(dx_ok[0]) if dx_ok.size else first
    dx_ratio = (
        float(c.log10_dx[dx_first] - c.log10_dx[-1]) if np.isfinite(c.log10_dx[[dx_first, -1]]).all() else math.nan
    )
    return [
        ContributionClaim(
            name,
            first + 1,
            float(c.log10_step[first] - c.log10_whole),
            T,
            float(c.log10_step[-1] - c.log10_whole),
            dx_ratio,
            bool(c.log10_step[0] == -np.inf),
            dx_first + 1,
        )
    ]


def gate_role_claims(r: GateResult, kind: str) -> list[GateRoleClaim]:
    """What each gate does to the flow, with its measured mean and spread (LSTM i, f, g, o; GRU r, z)."""
    summary = r.gate_summary or {}
    return [GateRoleClaim(KIND_LABELS[kind], gate, mean, lo, hi) for gate, (mean, lo, hi) in summary.items()]


def _cell_carries(cell: Trend | None) -> bool:
    """A memory cell's ‖∂L/∂c_t‖ that flows back at least one step and keeps more than 1 %."""
    return cell is not None and cell.steps > 0 and cell.direction not in ("vanishes", "undefined")


def vanishes(r: CompareResult, kind: str) -> bool:
    """A kind's gradient vanishes: ‖∂L/∂h_t‖ and, for the LSTM, its memory cell's ‖∂L/∂c_t‖ too."""
    if r.flow.trends[kind].direction != "vanishes":
        return False
    return kind != "lstm" or r.lstm_dc is None or r.lstm_dc.direction in ("vanishes", "undefined")


def point(r: CompareResult, lang: str) -> str | None:
    """The compare page's one-line summary, derived from the same trends (None when there is nothing to add)."""
    tr = pick(lang)
    trends = r.flow.trends
    vanish = [KIND_LABELS[k] for k in ("lstm", "gru") if vanishes(r, k)]
    if not vanish:
        return None

    # opened by +3, a kind that vanished no longer does: its ‖∂L/∂h_t‖ (said so), or only the LSTM's memory cell
    # (said so, beside its ‖∂L/∂h_t‖ that still vanishes on the chart)
    def cell_gained(k: str) -> bool:  # the LSTM's memory cell opened by +3 against as set, by the same measure
        opened, as_set = r.open_dc.get(k), r.lstm_dc if k == "lstm" else None
        return opened is not None and as_set is not None and opened.log10_ratio >= as_set.log10_ratio + TREND_DECADES

    gained = [
        k
        for k in r.open_bias
        if KIND_LABELS[k] in vanish
        and (trends[f"{k}_open"].log10_ratio >= trends[k].log10_ratio + TREND_DECADES or cell_gained(k))
    ]
    rescued = [KIND_LABELS[k] for k in gained if trends[f"{k}_open"].direction != "vanishes"]
    by_cell = [k for k in gained if trends[f"{k}_open"].direction == "vanishes" and _cell_carries(r.open_dc.get(k))]
    like_rnn = trends["rnn"].direction == "vanishes"
    text = tr(
        f"**The point:** at these gate biases the {' and the '.join(vanish)} "
        f"{'vanish' if len(vanish) > 1 else 'vanishes'}{' too, like the RNN' if like_rnn else ''}: a gate that is "
        "not open multiplies the gradient by less than 1 at every step back.",
        f"**핵심:** 이 게이트 편향에서는 {'RNN처럼 ' if like_rnn else ''}{_and_ko(vanish)}도 기울기가 소실됩니다. "
        "열려 있지 않은 게이트는 거슬러 가는 시각마다 기울기에 1보다 작은 값을 곱하기 때문입니다.",
    )
    dc = r.lstm_dc
    if "LSTM" in vanish and dc is not None and dc.steps > 0 and dc.direction != "undefined":
        # the LSTM is said to vanish only when its memory cell does too: say what the cell keeps
        text += tr(
            f" The LSTM's memory cell's ‖∂L/∂c_t‖ vanishes too: it {ratio_text(dc.log10_ratio, lang)}"
            f"{' of its value' if dc.log10_ratio < 0 else ''} after {counted(dc.steps, 'step')} back.",
            f" LSTM 기억 셀의 ‖∂L/∂c_t‖도 소실됩니다. {dc.steps} 시각을 거슬러 가면 {ratio_text(dc.log10_ratio, lang)}.",
        )
    if rescued:
        text += tr(
            f" Opened by +{OPEN_GATE_BIAS:g} (dotted), the {' and the '.join(rescued)} no longer vanish"
            f"{'es' if len(rescued) == 1 else ''}.",
            f" 편향을 +{OPEN_GATE_BIAS:g}만큼 올려 열면 (점선) {josa(_and_ko(rescued), '은/는')} 더 이상 소실되지 않습니다.",
        )
    for k in by_cell:
        c = r.open_dc[k]
        text += tr(
            f" Opened by +{OPEN_GATE_BIAS:g} (dotted), the {KIND_LABELS[k]}'s ‖∂L/∂h_t‖ still vanishes, but its "
            f"memory cell no longer does: its ‖∂L/∂c_t‖ {ratio_text(c.log10_ratio, lang)}"
            f"{' of its value' if c.log10_ratio < 0 else ''} after {counted(c.steps, 'step')} back.",
            f" 편향을 +{OPEN_GATE_BIAS:g}만큼 올려 열면 (점선) {KIND_LABELS[k]}의 ‖∂L/∂h_t‖는 여전히 소실되지만 기억 셀은 "
            f"더 이상 소실되지 않습니다. {c.steps} 시각을 거슬러 가면 ‖∂L/∂c_t‖는 {ratio_text(c.log10_ratio, lang)}.",
        )
    return text


def _and_ko(names: list[str]) -> str:
    """'LSTM과 GRU': names joined by the particle their pronunciation takes."""
    return " ".join([josa(n, "과/와") for n in names[:-1]] + names[-1:])
