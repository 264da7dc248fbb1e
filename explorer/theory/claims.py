"""ReLU against tanh as readings computed from the runs (explorer/theory/data.py: relu_vs_tanh): which activation
keeps more of ‖∂L/∂h_t‖ back at t = 0 under each init, which one explodes, and what identity init (IRNN) does for
ReLU. The book's NOTE (§6.1.3: ReLU improves the flow) and a study note's objection (ReLU explodes more easily, so
RNNs use tanh) are each said to hold only where the counts say so. Checked by tests/checkers_theory.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from charts import format_log10

from ..shared.claims import pct
from ..shared.claims import render as render  # the page reads it from here
from ..shared.controls import Text
from ..shared.i18n import josa, pick
from .data import ActivationResult, summarise_activation

# The ρ ranges the notes' disagreement is read over (issue 17 §3), per scheme; identity is read at ρ = 1 (IRNN)
ACTIVATION_RANGES: dict[str, tuple[float, float]] = {
    "pytorch": (0.5, 1.1),
    "gaussian": (0.9, 1.5),
    "orthogonal": (0.9, 1.5),
}
EXPLODE_RHOS = (1.5, 2.0)
IRNN_RHO = 1.0
SCHEME_NAMES: dict[str, Text] = {
    "pytorch": ("PyTorch's init U(±1/√H)", "PyTorch 초기화 U(±1/√H)"),
    "gaussian": ("Gaussian W_hh N(0, 1/H)", "가우스 W_hh N(0, 1/H)"),
    "orthogonal": ("orthogonal W_hh", "직교 W_hh"),
    "identity": ("identity W_hh (IRNN)", "단위 행렬 W_hh (IRNN)"),
}


def kept_text(log10_ratio: float) -> str:
    """A median ratio back at t = 0: '25.1%', '7.41e-10', 'exactly 0' (every path died), or '+…' growth ('5460×')."""
    if log10_ratio == -math.inf:
        return "0"
    if log10_ratio > 0:
        return f"{format_log10(log10_ratio)}×"
    return pct(log10_ratio)


def how_often(more: int, n: int, lang: str) -> str:
    """'in every run' / 'in most runs' / 'in half the runs' / 'in fewer than half the runs' / 'in no run' (Korean:
    a noun, 모두 … 하나도 없음), by the count."""
    tr = pick(lang)
    if more == n:
        return tr("in every run", "모두")
    if more == 0:
        return tr("in no run", "하나도 없음")
    if 2 * more > n:
        return tr("in most runs", "대부분")
    if 2 * more == n:
        return tr("in half the runs", "절반")
    return tr("in fewer than half the runs", "절반 미만")


@dataclass(frozen=True)
class ActivationClaim:
    """Under one init scheme over a range of ρ: in how many runs ReLU keeps more of the gradient at t = 0 than tanh
    on the same W_hh, the medians, the mean φ′ of each, and which note that agrees with."""

    scheme: str
    rho_lo: float
    rho_hi: float
    n: int
    relu_more: int
    relu_less: int
    relu_dead: int
    relu_explodes: int
    median_tanh: float
    median_relu: float
    dphi_tanh: float
    dphi_relu: float

    @property
    def verdict(self) -> str:
        """ "book" (ReLU keeps more in most runs), "objection" (in fewer than half), "split" or "none"."""
        if self.n == 0:
            return "none"
        if 2 * self.relu_more > self.n:
            return "book"
        if 2 * self.relu_more < self.n:
            return "objection"
        return "split"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        name = tr(*SCHEME_NAMES[self.scheme])
        rhos = f"ρ = {self.rho_lo:g}–{self.rho_hi:g}"
        if self.n == 0:
            return tr(
                f"**{name}**, {rhos}: no pair of runs could be compared (every ReLU forward pass overflowed).",
                f"**{name}**, {rhos}: 비교할 수 있는 실행 쌍이 없습니다 (ReLU 순전파가 모두 오버플로).",
            )
        often = how_often(self.relu_more, self.n, lang)
        mt, mr = kept_text(self.median_tanh), kept_text(self.median_relu)
        text = tr(
            f"**{name}**, {rhos}: ReLU keeps more of ‖∂L/∂h_t‖ back at t = 0 than tanh {often} "
            f"({self.relu_more} of {self.n}; median at t = 0: ReLU {mr}, tanh {mt} of the value at the loss)",
            f"**{name}**, {rhos}: {josa('ReLU', '이/가')} tanh보다 t = 0까지 ‖∂L/∂h_t‖를 더 많이 간직한 실행은 "
            f"{self.n}개 중 {self.relu_more}개({often})입니다 "
            f"(t = 0에서의 중앙값: 손실 위치 값의 ReLU {mr}, tanh {mt})",
        )
        if math.isfinite(self.dphi_tanh) and math.isfinite(self.dphi_relu):
            text += tr(
                f"; mean relu′ {self.dphi_relu:.2f} (the share of active units), mean tanh′ {self.dphi_tanh:.2f}",
                f". relu′의 평균 {self.dphi_relu:.2f} (켜진 유닛의 비율), tanh′의 평균 {self.dphi_tanh:.2f}",
            )
        if self.relu_dead:
            text += tr(
                f"; in {self.relu_dead} ReLU runs the gradient at t = 0 is exactly 0 (relu′ = 0 on every path)",
                f". ReLU 실행 {self.relu_dead}개에서는 t = 0의 기울기가 정확히 0입니다 (모든 경로에서 relu′ = 0)",
            )
        if self.verdict == "book":
            text += tr(
                ". Here the book's NOTE holds: ReLU improves the flow.",
                ". 여기서는 책의 NOTE가 맞습니다. ReLU가 기울기 흐름을 개선합니다.",
            )
        elif self.verdict == "objection":
            why = self.dphi_relu < self.dphi_tanh and self.relu_explodes == 0
            text += tr(
                ". Here tanh keeps more, as the other note concludes"
                + (", because many units are off (relu′ = 0), not because ReLU explodes." if why else "."),
                f". 여기서는 다른 노트의 결론처럼 {josa('tanh', '이/가')} 더 많이 간직합니다"
                + (". ReLU가 폭발해서가 아니라 꺼진 유닛(relu′ = 0)이 많기 때문입니다." if why else "."),
            )
        else:
            text += tr(". Neither activation keeps more more often.", ". 어느 쪽도 더 자주 더 많이 간직하지 않습니다.")
        return text


@dataclass(frozen=True)
class ExplodeClaim:
    """At one large ρ, over every scheme: in how many runs each activation explodes (grows ≥ 100× back to t = 0)."""

    rho: float
    n: int
    relu_explodes: int
    tanh_explodes: int

    def render(self, lang: str) -> str:
        tr = pick(lang)
        head = tr(
            f"At **ρ = {self.rho:g}** (all four schemes, {self.n} pairs of runs), ReLU explodes (grows at least 100× "
            f"back to t = 0) in {self.relu_explodes} runs, tanh in {self.tanh_explodes}",
            f"**ρ = {self.rho:g}**에서 (네 가지 초기화, 실행 쌍 {self.n}개) t = 0까지 100배 이상 커지는 기울기 폭발은 "
            f"ReLU에서 {self.relu_explodes}개, tanh에서 {self.tanh_explodes}개입니다",
        )
        if self.relu_explodes > self.tanh_explodes:
            return head + tr(
                ": the other note is right that ReLU explodes more easily (tanh′ < 1 damps every step, relu′ = 1 does "
                "not).",
                f". {josa('ReLU', '이/가')} 더 쉽게 폭발한다는 다른 노트의 말이 맞습니다 "
                "(tanh′ < 1은 매 시각 줄이지만 relu′ = 1은 줄이지 않습니다).",
            )
        if self.relu_explodes < self.tanh_explodes:
            return head + tr(
                ": here ReLU explodes less often than tanh.",
                f". 여기서는 {josa('ReLU', '이/가')} tanh보다 덜 폭발합니다.",
            )
        return head + tr(": as often.", ". 횟수가 같습니다.")


@dataclass(frozen=True)
class IrnnClaim:
    """Identity init at ρ = 1 (IRNN): ReLU's median ratio at t = 0 against ReLU under the other schemes at the same
    ρ and against tanh on W_hh = I."""

    n: int
    relu_more: int
    relu_dead: int
    median_relu: float  # ReLU, W_hh = I
    median_tanh: float  # tanh, W_hh = I
    best_other: str  # the other scheme whose ReLU median is highest at ρ = 1
    best_other_median: float

    @property
    def rescues(self) -> bool:
        """Identity init is what makes ReLU work: it keeps more than 1 % at t = 0 (median), more than under every
        other scheme and more than tanh."""
        return (
            self.median_relu > -2.0
            and self.median_relu > self.best_other_median
            and self.median_relu > self.median_tanh
        )

    def render(self, lang: str) -> str:
        tr = pick(lang)
        other = tr(*SCHEME_NAMES[self.best_other])
        mr, mt, mo = kept_text(self.median_relu), kept_text(self.median_tanh), kept_text(self.best_other_median)
        text = tr(
            f"**IRNN** (W_hh = I, ρ = {IRNN_RHO:g}): ReLU's ‖∂L/∂h_t‖ has a median of {mr} of its value at the loss "
            f"at t = 0, against {mo} for ReLU under the best other init ({other}) and {mt} for tanh on W_hh = I; "
            f"ReLU keeps more than tanh in {self.relu_more} of {self.n} runs",
            f"**IRNN** (W_hh = I, ρ = {IRNN_RHO:g}): t = 0에서 ReLU의 ‖∂L/∂h_t‖ 중앙값은 손실 위치 값의 {mr}입니다. "
            f"다른 초기화 중 가장 나은 것({other})의 ReLU는 {mo}, W_hh = I의 tanh는 {mt}입니다. "
            f"{josa('ReLU', '이/가')} tanh보다 더 "
            f"많이 간직하는 실행은 {self.n}개 중 {self.relu_more}개입니다",
        )
        if self.relu_dead:
            text += tr(
                f"; in {self.relu_dead} the gradient at t = 0 is exactly 0 (a unit off at any step passes nothing)",
                f". {self.relu_dead}개에서는 t = 0의 기울기가 정확히 0입니다 (한 번이라도 꺼진 유닛은 아무것도 넘기지 "
                "않습니다)",
            )
        if self.rescues:
            return text + tr(". Identity init is what makes ReLU work.", ". ReLU를 살리는 것은 단위 행렬 초기화입니다.")
        return text + tr(
            ". Here identity init does not rescue ReLU.", ". 여기서는 단위 행렬 초기화도 ReLU를 살리지 못합니다."
        )


Claim = ActivationClaim | ExplodeClaim | IrnnClaim


def _pooled(runs: pd.DataFrame, keys: tuple[str, ...] = ("scheme",)) -> pd.DataFrame:
    return summarise_activation(runs, keys)


def activation_claims(r: ActivationResult) -> list[Claim]:
    """The readings under the ReLU/tanh chart, from every run of ``r``."""
    runs = r.runs
    out: list[Claim] = []
    for scheme, (lo, hi) in ACTIVATION_RANGES.items():
        part = runs[(runs["scheme"] == scheme) & (runs["rho"] >= lo - 1e-9) & (runs["rho"] <= hi + 1e-9)]
        if part.empty:
            continue
        row = _pooled(part).iloc[0]
        out.append(
            ActivationClaim(
                scheme, lo, hi, int(row["n"]), int(row["relu_more"]), int(row["relu_less"]),
                int(row["relu_dead"]), int(row["relu_explodes"]), float(row["median_tanh"]), float(row["median_relu"]),
                float(row["dphi_tanh"]), float(row["dphi_relu"]),
            )
        )  # fmt: skip
    at_one = runs[(runs["rho"] - IRNN_RHO).abs() < 1e-9]
    if not at_one.empty and (at_one["scheme"] == "identity").any():
        by_scheme = _pooled(at_one).set_index("scheme")
        ident = by_scheme.loc["identity"]
        others = by_scheme.drop(index="identity")
        others = others[others["n"] > 0]
        if len(others) and int(ident["n"]) > 0:
            best = str(others["median_relu"].idxmax())
            out.append(
                IrnnClaim(
                    int(ident["n"]), int(ident["relu_more"]), int(ident["relu_dead"]), float(ident["median_relu"]),
                    float(ident["median_tanh"]), best, float(others.loc[best, "median_relu"]),
                )
            )  # fmt: skip
    for rho in EXPLODE_RHOS:
        part = runs[(runs["rho"] - rho).abs() < 1e-9]
        if part.empty:
            continue
        row = _pooled(part.assign(all="all"), ("all",)).iloc[0]
        out.append(ExplodeClaim(rho, int(row["n"]), int(row["relu_explodes"]), int(row["tanh_explodes"])))
    return out
