"""The training lab's readings: typed claims computed from a run's numbers, rendered in English and Korean.

Each claim holds the numbers it speaks of and picks its words from them: "stays at the baseline" only for a final
loss of at least ``AT_BASELINE`` × the trivial model's, "learned" only at most ``LEARNED`` ×, "reaches further
back" only when the reach grew. ``tests/test_lab.py`` checks the words against the numbers over small runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

import recurrent_core as rc

from ..shared.claims import render as render
from ..shared.i18n import josa, pick
from ..shared.kinds import KIND_LABELS, KINDS
from .training import REACH_DECADES, reach

LEARNED = 0.1  # final loss ≤ 0.1 × baseline: the task is learned
AT_BASELINE = 0.9  # ≥ 0.9 × baseline: nothing learned (the sweep's failing runs sit at 1.04-1.21 ×)
LOSS_WINDOW = 50  # the final loss: mean of the last 50 steps' losses


def verdict(ratio: float, status: str) -> str:
    """The word for a final loss ``ratio`` (to the baseline) and a run's status."""
    if status == "diverged" or (math.isnan(ratio) and status != "empty"):
        return "diverged"
    if status == "empty" or math.isnan(ratio):
        return "empty"
    if ratio <= LEARNED:
        return "learned"
    if ratio >= AT_BASELINE:
        return "baseline"
    return "partly"


def _ratio(r: float) -> str:
    """A ratio with two significant digits ('0.019', '1.1')."""
    return f"{r:.2g}"


@dataclass(frozen=True)
class LossClaim:
    """Where one kind's training loss ended, against the trivial model's (the baseline)."""

    kind: str
    ratio: float  # mean loss of the last LOSS_WINDOW steps / baseline
    steps_done: int
    status: str

    @property
    def verdict(self) -> str:
        return verdict(self.ratio, "empty" if self.steps_done == 0 else self.status)

    def render(self, lang: str) -> str:
        tr, name = pick(lang), f"**{KIND_LABELS[self.kind]}**"
        n, r = self.steps_done, _ratio(self.ratio)
        v = self.verdict
        if v == "empty":
            return tr(f"{name}: not trained yet.", f"{name}: 아직 학습하지 않았습니다.")
        if v == "diverged":
            return tr(
                f"{name}: the training **diverged** after {n} steps (a loss or gradient that is not finite).",
                f"{name}: {n} 스텝 뒤 학습이 **발산**했습니다 (손실이나 기울기가 유한하지 않음).",
            )
        if v == "baseline":
            return tr(
                f"{name}: after {n} steps the loss stays at {r}× the baseline: it has **not learned** the task "
                "(predicting the average does as well).",
                f"{josa(name, '은/는')} {n} 스텝 뒤에도 손실이 기준선의 {r}배에 머뭅니다. 과제를 **배우지 "
                "못했습니다** (평균을 예측하는 것과 같은 수준).",
            )
        if v == "learned":
            return tr(
                f"{name}: after {n} steps the loss reaches {r}× the baseline: it has **learned** the task.",
                f"{josa(name, '은/는')} {n} 스텝 뒤 손실이 기준선의 {r}배까지 내려갑니다. 과제를 **배웠습니다**.",
            )
        return tr(
            f"{name}: after {n} steps the loss is at {r}× the baseline: **partly** learned.",
            f"{josa(name, '은/는')} {n} 스텝 뒤 손실이 기준선의 {r}배입니다. **일부만** 배웠습니다.",
        )


@dataclass(frozen=True)
class ReachClaim:
    """How far back the gradient stays above 10⁻³ of its value at the loss: at the first and last checkpoint."""

    kind: str
    start: int
    end: int
    end_step: int
    longest: int  # T - 1

    def render(self, lang: str) -> str:
        tr, name = pick(lang), f"**{KIND_LABELS[self.kind]}**"
        if self.end > self.start:
            how = tr("it reaches further back", "더 멀리까지 닿습니다")
        elif self.end < self.start:
            how = tr("it reaches less far back", "덜 멀리 닿습니다")
        else:
            how = tr("as far as at the start", "처음과 같은 거리입니다")
        whole = tr(" (the whole sequence)", " (시퀀스 전체)") if self.end == self.longest else ""
        return tr(
            f"{name}: after {self.end_step} steps the gradient stays above 10⁻³ of its value at the loss for "
            f"{self.end} steps back{whole}, against {self.start} at step 0: {how}.",
            f"{name}: {self.end_step} 스텝 학습 뒤 기울기는 손실에서 {self.end} 시각을 거슬러 갈 때까지{whole} "
            f"손실 위치 값의 10⁻³ 이상을 유지합니다. 학습 전(스텝 0)에는 {self.start} 시각이었으니 {how}",
        ) + ("" if lang != "ko" else ".")


@dataclass(frozen=True)
class StoryClaim:
    """Whether this run tells the chapter's story: the RNN stays at the baseline, the LSTM and the GRU learn."""

    verdicts: dict[str, str]

    @property
    def holds(self) -> bool:
        v = self.verdicts
        return v.get("rnn") == "baseline" and v.get("lstm") == "learned" and v.get("gru") == "learned"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        if self.holds:
            return tr(
                "**In this run the chapter's story holds:** the RNN stays at the baseline while the LSTM and the GRU "
                "learn the task.",
                "**이 실행에서는 책의 이야기가 맞습니다:** RNN은 기준선에 머물고 LSTM과 GRU는 과제를 배웁니다.",
            )
        words = {
            "learned": ("learned the task", "과제를 배웠습니다"),
            "partly": ("learned it partly", "일부만 배웠습니다"),
            "baseline": ("stayed at the baseline", "기준선에 머물렀습니다"),
            "diverged": ("diverged", "발산했습니다"),
            "empty": ("was not trained", "학습하지 않았습니다"),
        }
        en = "; ".join(f"the {KIND_LABELS[k]} {words[v][0]}" for k, v in self.verdicts.items())
        ko = ", ".join(f"{josa(KIND_LABELS[k], '은/는')} {words[v][1]}" for k, v in self.verdicts.items())
        return tr(
            f"**In this run the chapter's story does not hold:** {en}.",
            f"**이 실행에서는 책의 이야기가 맞지 않습니다:** {ko}",
        )


Claim = LossClaim | ReachClaim | StoryClaim


def loss_ratio(run: rc.TrainingRun) -> float:
    """Mean loss of the last ``LOSS_WINDOW`` steps over the baseline (NaN if none or not finite)."""
    value = run.final_loss(LOSS_WINDOW) / run.baseline
    return float(value) if np.isfinite(value) else float("nan")


def lab_claims(runs: Mapping[str, rc.TrainingRun], complete: bool) -> list[Claim]:
    """The readings of a run's kinds, in order; the story claim only once every kind has been trained to the end
    (``complete``)."""
    claims: list[Claim] = []
    verdicts: dict[str, str] = {}
    for kind in KINDS:
        run = runs.get(kind)
        if run is None:
            continue
        loss = LossClaim(kind, loss_ratio(run), run.steps_done, run.status)
        claims.append(loss)
        verdicts[kind] = loss.verdict
        flow = np.asarray(run.flow, dtype=float)
        if flow.ndim == 2 and flow.shape[0] >= 2:
            claims.append(
                ReachClaim(
                    kind,
                    start=reach(flow[0], REACH_DECADES),
                    end=reach(flow[-1], REACH_DECADES),
                    end_step=int(run.checkpoints[len(flow) - 1]),
                    longest=flow.shape[1] - 1,
                )
            )
    if complete and len(verdicts) == len(KINDS):
        claims.append(StoryClaim(verdicts))
    return claims
