"""Checkers of the training lab's claims (explorer/lab/claims.py), registered in tests/claim_registry.py.

Each recomputes its sentence from the run it was drawn beside (the arrays of each ``rc.TrainingRun``): the loss and
the fraction solved over the last steps, the reach of the gradient per checkpoint, the verdicts of the story. The
context is a :class:`LabContext`: the runs by kind and whether the job finished.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from claim_registry import checks

import recurrent_core as rc
from explorer.lab import claims as lab_claims
from explorer.lab import training as lab

HANGUL = re.compile("[가-힣]")


@dataclass(frozen=True)
class LabContext:
    runs: dict[str, rc.TrainingRun]
    complete: bool


def final_numbers(run: rc.TrainingRun) -> tuple[int, float, float]:
    """(window, loss / baseline, fraction solved): means over the last 50 steps done, written out."""
    n = run.steps_done
    w = min(50, n)
    loss = np.asarray(run.loss, dtype=float)[:n][n - w :]
    metric = np.asarray(run.metric, dtype=float)[:n][n - w :]
    with np.errstate(invalid="ignore"):
        return (
            w,
            float(np.sum(loss) / w / run.baseline) if w else math.nan,
            float(np.sum(metric) / w) if w else math.nan,
        )


def expected_verdict(run: rc.TrainingRun) -> str:
    """learned: loss ≤ 0.1× the baseline and ≥ 90 % solved; baseline: loss ≥ 0.9×; else partly."""
    w, ratio, solved = final_numbers(run)
    if w == 0:
        return "empty"
    if run.status == "diverged" or not math.isfinite(ratio):
        return "diverged"
    if ratio >= 0.9:
        return "baseline"
    if ratio <= 0.1 and (not math.isfinite(solved) or solved >= 0.9):  # no metric: the loss alone
        return "learned"
    return "partly"


@checks(lab_claims.LossClaim)
def check_loss(claim: lab_claims.LossClaim, text: str, lang: str, c: LabContext) -> None:
    run = c.runs[claim.kind]
    assert HANGUL.search(text) if lang == "ko" else not HANGUL.search(text)
    assert "nan" not in text.lower().replace("finite", "") and "None" not in text
    v = expected_verdict(run)
    assert claim.verdict == v, (claim, v)
    words = {"learned": ("has **learned**", "**배웠습니다**"), "partly": ("**partly**", "**일부만**"),
             "baseline": ("**not learned**", "**배우지 못했습니다**"), "diverged": ("**diverged**", "**발산**"),
             "empty": ("not trained yet", "아직 학습하지")}  # fmt: skip
    for key, pair in words.items():
        assert (pair[0 if lang == "en" else 1] in text) == (key == v), (key, v, text)
    if v in ("empty", "diverged"):
        return
    w, ratio, solved = final_numbers(run)
    assert math.isclose(claim.ratio, ratio, rel_tol=1e-9)
    r = f"{ratio:.2g}"
    assert (f"{r}× the baseline" in text) if lang == "en" else (f"기준선의 {r}배" in text), text
    assert (f"mean of the last {w} steps" in text) if lang == "en" else (f"최근 {w} 스텝 평균" in text), text
    assert f"{100 * solved:.3g}%" in text, (solved, text)
    assert f"{100 * run.chance_metric:.3g}%" in text
    # one window: the loss chart's running mean ends at the number the sentence gives
    curves = lab.curves_frame({claim.kind: run})
    assert math.isclose(float(curves["loss_smooth"].iloc[-1]) / run.baseline, ratio, rel_tol=1e-9)


def reach_of(row: np.ndarray) -> int:
    """Steps back from the last entry while log10 ‖∂L/∂h‖ stays finite and ≥ its value there − 3, written out."""
    if not math.isfinite(row[-1]):
        return 0
    n = 0
    for v in row[-2::-1]:
        if not (math.isfinite(v) and v >= row[-1] - 3):
            break
        n += 1
    return n


@checks(lab_claims.ReachClaim)
def check_reach(claim: lab_claims.ReachClaim, text: str, lang: str, c: LabContext) -> None:
    run = c.runs[claim.kind]
    flow = np.asarray(run.flow, dtype=float)
    start, end = reach_of(flow[0]), reach_of(flow[-1])
    assert (claim.start, claim.end, claim.longest) == (start, end, flow.shape[1] - 1)
    assert claim.end_step == int(run.checkpoints[len(flow) - 1])
    if lang == "en":
        assert f"after {claim.end_step} steps" in text and f"for {end} steps back" in text
        assert f"against {start} at step 0" in text
        assert ("further" in text) == (end > start) and ("less far" in text) == (end < start)
        assert ("as far as at the start" in text) == (end == start)
        assert ("whole sequence" in text) == (end == flow.shape[1] - 1)
    else:
        assert f"{end} 시각을 거슬러" in text and f"{start} 시각이었으니" in text
        assert ("더 멀리" in text) == (end > start) and ("덜 멀리" in text) == (end < start)
        assert ("시퀀스 전체" in text) == (end == flow.shape[1] - 1)


@checks(lab_claims.StoryClaim)
def check_story(claim: lab_claims.StoryClaim, text: str, lang: str, c: LabContext) -> None:
    assert c.complete and set(c.runs) == set(lab.KINDS)
    verdicts = {k: expected_verdict(r) for k, r in c.runs.items()}
    assert claim.verdicts == verdicts
    holds = verdicts["rnn"] == "baseline" and verdicts["lstm"] == verdicts["gru"] == "learned"
    part = (
        not holds
        and verdicts["rnn"] == "baseline"
        and all(verdicts[k] in ("learned", "partly") for k in ("lstm", "gru"))
    )
    en = lang == "en"
    assert (("story holds" in text) if en else ("이야기가 맞습니다" in text)) == holds, text
    assert (("does not hold in full" in text) if en else ("일부만 맞습니다" in text)) == part, text
    if not holds:
        words = {
            "learned": ("learned the task", "과제를 배웠습니다"),
            "partly": ("learned it partly", "일부만 배웠습니다"),
            "baseline": ("stayed at the baseline", "기준선에 머물렀습니다"),
            "diverged": ("diverged", "발산했습니다"),
            "empty": ("was not trained", "학습하지 않았습니다"),
        }
        for kind, v in verdicts.items():
            name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[kind]
            if en:
                assert f"the {name} {words[v][0]}" in text, (kind, v, text)
            else:
                assert words[v][1] in text and name in text, (kind, v, text)
