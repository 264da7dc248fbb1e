"""The training lab's readings: typed claims computed from a run's numbers, rendered in English and Korean.

Each claim holds the numbers it speaks of and picks its words from them: "stays at the baseline" only for a final
loss of at least ``AT_BASELINE`` × the trivial model's, "learned" only at most ``LEARNED`` × *and* with at least
``SOLVED`` of the batch solved (the task's own metric, over the same last ``WINDOW`` steps), "reaches further
back" only when the reach grew. ``tests/checkers_lab.py`` recomputes each claim from its run, and
``tests/test_lab.py`` runs the checkers over synthetic and real runs.
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
from .training import REACH_DECADES, WINDOW, reach

LEARNED = 0.1  # final loss ≤ 0.1 × baseline …
SOLVED = 0.9  # … and ≥ 90 % of the batch solved (the metric, same window): the task is learned
AT_BASELINE = 0.9  # ≥ 0.9 × baseline: nothing learned (the sweep's failing runs sit at 1.04-1.21 ×)
LOSS_WINDOW = WINDOW  # the final loss and metric: means over the last WINDOW steps (the curves' running mean too)


def verdict(ratio: float, status: str, solved: float | None = None) -> str:
    """The word for a final loss ``ratio`` (to the baseline), the fraction ``solved`` over the same steps (None:
    judge by the loss alone) and a run's status."""
    if status == "diverged" or (math.isnan(ratio) and status != "empty"):
        return "diverged"
    if status == "empty" or math.isnan(ratio):
        return "empty"
    if ratio >= AT_BASELINE:
        return "baseline"
    if ratio <= LEARNED and (solved is None or solved >= SOLVED):
        return "learned"
    return "partly"


def _ratio(r: float) -> str:
    """A ratio with two significant digits ('0.019', '1.1')."""
    return f"{r:.2g}"


@dataclass(frozen=True)
class LossClaim:
    """Where one kind's training ended, against the trivial model: the loss over the baseline and the fraction of
    the batch solved, both means over the last ``window`` steps."""

    kind: str
    ratio: float  # mean loss of the last ``window`` steps / baseline
    steps_done: int
    status: str
    solved: float | None = None  # mean fraction of the batch solved over the same steps (None: not known)
    chance: float | None = None  # the trivial model's fraction solved
    window: int = LOSS_WINDOW

    @property
    def verdict(self) -> str:
        return verdict(self.ratio, "empty" if self.steps_done == 0 else self.status, self.solved)

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
        w = min(self.window, n)
        if self.solved is None:
            got_en = got_ko = ""
        else:
            chance = "" if self.chance is None else f"{100 * self.chance:.3g}%"
            got_en = f" and it solves {100 * self.solved:.3g}% of the batch" + (
                f" (the trivial model: {chance})" if chance else ""
            )
            got_ko = f", 배치의 {100 * self.solved:.3g}%를 맞힙니다" + (f" (자명한 모델: {chance})" if chance else "")
        mean_en, mean_ko = f"mean of the last {w} steps", f"최근 {w} 스텝 평균"
        if v == "baseline":
            return tr(
                f"{name}: after {n} steps the loss stays at {r}× the baseline ({mean_en}){got_en}: it has **not "
                "learned** the task (predicting the average does as well).",
                f"{josa(name, '은/는')} {n} 스텝 뒤에도 손실이 기준선의 {r}배에 머뭅니다 ({mean_ko}){got_ko}. 과제를 "
                "**배우지 못했습니다** (평균을 예측하는 것과 같은 수준).",
            )
        if v == "learned":
            return tr(
                f"{name}: after {n} steps the loss reaches {r}× the baseline ({mean_en}){got_en}: it has **learned** "
                "the task.",
                f"{josa(name, '은/는')} {n} 스텝 뒤 손실이 기준선의 {r}배까지 내려갑니다 ({mean_ko}){got_ko}. "
                "과제를 **배웠습니다**.",
            )
        need_en = f"learned needs a loss ≤ {LEARNED:g}× the baseline" + (
            f" and ≥ {100 * SOLVED:.0f}% solved" if self.solved is not None else ""
        )
        need_ko = f"배웠다고 하려면 손실이 기준선의 {LEARNED:g}배 이하" + (
            f"이고 {100 * SOLVED:.0f}% 이상을 맞혀야 합니다" if self.solved is not None else "여야 합니다"
        )
        return tr(
            f"{name}: after {n} steps the loss is at {r}× the baseline ({mean_en}){got_en}: **partly** learned "
            f"({need_en}).",
            f"{josa(name, '은/는')} {n} 스텝 뒤 손실이 기준선의 {r}배입니다 ({mean_ko}){got_ko}. **일부만** "
            f"배웠습니다 ({need_ko}).",
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
        v = self.verdicts
        if v.get("rnn") == "baseline" and all(v.get(k) in ("learned", "partly") for k in ("lstm", "gru")):
            return tr(
                f"**In this run the chapter's story does not hold in full:** {en}.",
                f"**이 실행에서는 책의 이야기가 일부만 맞습니다:** {ko}",
            )
        return tr(
            f"**In this run the chapter's story does not hold:** {en}.",
            f"**이 실행에서는 책의 이야기가 맞지 않습니다:** {ko}",
        )


Claim = LossClaim | ReachClaim | StoryClaim


def loss_ratio(run: rc.TrainingRun) -> float:
    """Mean loss of the last ``LOSS_WINDOW`` steps over the baseline (NaN if none or not finite)."""
    value = run.final_loss(LOSS_WINDOW) / run.baseline
    return float(value) if np.isfinite(value) else float("nan")


def solved(run: rc.TrainingRun) -> float | None:
    """Mean fraction of the batch solved over the last ``LOSS_WINDOW`` steps (None if none or not finite)."""
    if run.steps_done == 0:
        return None
    value = float(np.mean(np.asarray(run.metric[: run.steps_done], dtype=float)[-LOSS_WINDOW:]))
    return value if math.isfinite(value) else None


def lab_claims(runs: Mapping[str, rc.TrainingRun], complete: bool) -> list[Claim]:
    """The readings of a run's kinds, in order; the story claim only once every kind has been trained to the end
    (``complete``)."""
    claims: list[Claim] = []
    verdicts: dict[str, str] = {}
    for kind in KINDS:
        run = runs.get(kind)
        if run is None:
            continue
        loss = LossClaim(kind, loss_ratio(run), run.steps_done, run.status, solved(run), run.chance_metric)
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
