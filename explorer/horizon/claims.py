"""The horizon page's readings, each computed from the map it is drawn beside (EN/KO): how far back the last
loss's gradient reaches, the median reach over the losses, and how far back the last state depends on the inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import recurrent_core as rc

from ..shared.claims import Claim
from ..shared.i18n import counted, pick
from ..shared.kinds import KIND_LABELS
from .data import REACH_DECADES, HorizonResult


@dataclass(frozen=True)
class HorizonReachClaim:
    """How many steps back one row of a map stays at or above 10⁻³ of its value on the diagonal (t = s).

    ``what``: "horizon" (the loss at step ``s``: ‖∂L_s/∂h_t‖), "horizon_c" (an LSTM's ‖∂L_s/∂c_t‖) or
    "connectivity" (the state h_s: ‖∂h_s/∂x_t‖); ``first`` is the window's first column (t0, or t0 + 1 for the
    connectivity): a reach that gets there held to the end of what was computed."""

    name: str
    what: str
    s: int
    reach: int
    first: int
    defined: bool  # the value on the diagonal is finite (not an exact 0)

    @property
    def whole(self) -> bool:
        return self.defined and self.s - self.reach <= self.first

    def render(self, lang: str) -> str:
        tr = pick(lang)
        quantity = {"horizon": "‖∂L_s/∂h_t‖", "horizon_c": "‖∂L_s/∂c_t‖", "connectivity": "‖∂h_s/∂x_t‖"}[self.what]
        if not self.defined:
            return tr(
                f"**{self.name}**: {quantity} is exactly 0 at s = t = {self.s}, so there is no reach to measure.",
                f"**{self.name}**: s = t = {self.s}에서 {quantity} 값이 정확히 0이어서 닿는 거리를 잴 수 없습니다.",
            )
        if self.what == "connectivity":
            head_en, head_ko = f"the state h_{self.s} depends on the inputs", f"은닉 상태 h_{self.s}의 입력 의존은"
        else:
            head_en = f"the loss at step s = {self.s} sends its gradient"
            head_ko = f"시각 s = {self.s}의 손실이 보내는 기울기는"
        if self.whole:
            return tr(
                f"**{self.name}**: {head_en} back to t = {self.first}, the first step computed: {quantity} stays "
                f"above 10⁻³ of its value at t = s all the way.",
                f"**{self.name}**: {head_ko} 계산한 첫 시각 t = {self.first}까지 닿습니다. {quantity} 값이 끝까지 "
                "t = s일 때의 10⁻³ 이상입니다.",
            )
        return tr(
            f"**{self.name}**: {head_en} {counted(self.reach, 'step')} back (to t = {self.s - self.reach}); before "
            f"that {quantity} falls below 10⁻³ of its value at t = s.",
            f"**{self.name}**: {head_ko} {self.reach}개 시각 앞(t = {self.s - self.reach})까지 닿습니다. 그보다 "
            f"앞에서는 {quantity} 값이 t = s일 때의 10⁻³ 아래로 떨어집니다.",
        )


@dataclass(frozen=True)
class MedianReachClaim:
    """The median reach over every loss step of the gradient horizon (losses near the start cannot reach far:
    each row's reach is at most its distance to the window's first step)."""

    name: str
    median: float
    longest: int
    rows: int
    to_start: int = 0  # losses whose reach gets to the window's first step: their reach is their distance to it

    def render(self, lang: str) -> str:
        tr = pick(lang)
        m = f"{self.median:g}"
        if self.to_start == self.rows:  # no loss fades out: the numbers are distances to the start, say so
            return tr(
                f"All {self.rows} losses of the {self.name} send their gradient back to the first step computed "
                f"without falling below 10⁻³: each reach is only its distance to the start (median "
                f"{counted(m, 'step')}, the longest {self.longest}).",
                f"{self.name}의 손실 {self.rows}개 모두 기울기가 10⁻³ 아래로 떨어지지 않고 계산한 첫 시각까지 "
                f"닿습니다. 닿는 거리는 시작점까지의 거리일 뿐입니다 (중앙값 {m}개 시각, 가장 먼 것 "
                f"{self.longest}개 시각).",
            )
        text = tr(
            f"Over all {self.rows} losses of the {self.name}, the median reach is {counted(m, 'step')}, the longest "
            f"{self.longest}",
            f"{self.name}의 손실 {self.rows}개 전체에서 닿는 거리의 중앙값은 {m}개 시각, 가장 먼 것은 "
            f"{self.longest}개 시각입니다",
        )
        if self.to_start:
            text += tr(
                f"; {self.to_start} of them reach the first step computed, so theirs is their distance to the start",
                f". 그중 {self.to_start}개는 계산한 첫 시각까지 닿으므로 그 거리는 시작점까지의 거리입니다",
            )
        return text + "."


def horizon_claims(r: HorizonResult) -> list[Claim]:
    """The readings of one kind's maps: the last loss's reach, the median over losses, the LSTM's cell, and the
    last state's dependence on the inputs."""
    name = KIND_LABELS[r.kind]
    out: list[Claim] = []
    maps = [(r.horizon, r.reach, name)]
    if r.cell is not None:
        maps.append((r.cell, rc.horizon_reach(r.cell, REACH_DECADES), f"{name} (c)"))
    for m, reach, label in maps:
        last = int(m.s[-1])
        out.append(
            HorizonReachClaim(label, m.what, last, int(reach[-1]), int(m.t[0]), bool(np.isfinite(m.log10[-1, -1])))
        )
    h = r.horizon
    to_start = int(np.sum(h.s - r.reach <= h.t[0]))  # reached the window's first column (as HorizonReachClaim.whole)
    out.append(MedianReachClaim(name, float(np.median(r.reach)), int(r.reach.max()), len(r.reach), to_start))
    c = r.connectivity
    out.append(
        HorizonReachClaim(
            name, "connectivity", int(c.s[-1]), int(r.connectivity_reach[-1]), int(c.t[0]),
            bool(np.isfinite(c.log10[-1, -1])),
        )
    )  # fmt: skip
    return out
