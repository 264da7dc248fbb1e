"""The training lab's readings: typed claims computed from a run's numbers, rendered in English and Korean.

Each claim holds the numbers it speaks of and picks its words from them: "stays at the baseline" only for a final
loss of at least ``AT_BASELINE`` × the trivial model's, "learned" only at most ``LEARNED`` × *and* with at least
``SOLVED`` of the batch solved (the task's own metric, over the same last ``WINDOW`` steps), "reaches further
back" only when the reach grew; an LSTM's reach of ‖∂L/∂c_t‖ (its memory cell) beside that of ‖∂L/∂h_t‖. With
weight decay, what it did to ρ(W_hh), the reach and the loss, against the same run at weight decay 0 trained beside
it; an IRNN against the tanh RNN on the same task and lag.
``tests/checkers_lab.py`` recomputes each claim from its run, and
``tests/test_lab.py`` runs the checkers over synthetic and real runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

import recurrent_core as rc

from ..shared.claims import render as render
from ..shared.i18n import counted, josa, pick
from ..shared.kinds import KIND_LABELS, KINDS
from .training import REACH_DECADES, RHO_NAME, WINDOW, reach, rho_of

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
                f"{name}: the training **diverged** after {counted(n, 'step')} (a loss or gradient that is not "
                "finite).",
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
        mean_en, mean_ko = f"mean of the last {counted(w, 'step')}", f"최근 {w} 스텝 평균"
        if v == "baseline":
            # against the trivial model (predicting the average) as the printed ratio says: barely better, as well,
            # or worse than it
            if r == _ratio(1.0):
                avg_en, avg_ko = (
                    "by the loss, predicting the average does as well",
                    "손실로는 평균을 예측하는 것과 같은 수준",
                )
            elif self.ratio < 1:
                avg_en, avg_ko = (
                    "by the loss, barely better than predicting the average",
                    "손실로는 평균을 예측하는 것보다 조금 나을 뿐",
                )
            else:
                avg_en, avg_ko = (
                    "by the loss, predicting the average does better",
                    "손실로는 평균을 예측하는 편이 더 낫습니다",
                )
            return tr(
                f"{name}: after {counted(n, 'step')} the loss stays at {r}× the baseline ({mean_en}){got_en}: it has "
                f"**not learned** the task ({avg_en}).",
                f"{josa(name, '은/는')} {n} 스텝 뒤에도 손실이 기준선의 {r}배에 머뭅니다 ({mean_ko}){got_ko}. 과제를 "
                f"**배우지 못했습니다** ({avg_ko}).",
            )
        if v == "learned":
            return tr(
                f"{name}: after {counted(n, 'step')} the loss reaches {r}× the baseline ({mean_en}){got_en}: it has "
                "**learned** the task.",
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
            f"{name}: after {counted(n, 'step')} the loss is at {r}× the baseline ({mean_en}){got_en}: **partly** "
            f"learned ({need_en}).",
            f"{josa(name, '은/는')} {n} 스텝 뒤 손실이 기준선의 {r}배입니다 ({mean_ko}){got_ko}. **일부만** "
            f"배웠습니다 ({need_ko}).",
        )


@dataclass(frozen=True)
class ReachClaim:
    """How far back ‖∂L/∂h_t‖ stays above 10⁻³ of its value at the loss: at the first and last checkpoint; for an
    LSTM also its memory cell's ‖∂L/∂c_t‖ (``cell_start``, ``cell_end``), by which an LSTM is judged."""

    kind: str
    start: int
    end: int
    end_step: int
    longest: int  # T - 1
    cell_start: int | None = None
    cell_end: int | None = None

    def render(self, lang: str) -> str:
        tr, name = pick(lang), f"**{KIND_LABELS[self.kind]}**"
        if self.end > self.start:
            how = tr("it reaches further back", "더 멀리까지 닿습니다")
        elif self.end < self.start:
            how = tr("it reaches less far back", "덜 멀리 닿습니다")
        else:
            how = tr("as far as at the start", "처음과 같은 거리입니다")
        whole = tr(" (the whole sequence)", " (시퀀스 전체)") if self.end == self.longest else ""
        text = tr(
            f"{name}: after {counted(self.end_step, 'step')} ‖∂L/∂h_t‖ stays above 10⁻³ of its value at the loss for "
            f"{counted(self.end, 'step')} back{whole}, against {self.start} at step 0: {how}.",
            f"{name}: {self.end_step} 스텝 학습 뒤 ‖∂L/∂h_t‖ 값은 손실에서 {self.end} 시각을 거슬러 갈 때까지{whole} "
            f"손실 위치 값의 10⁻³ 이상을 유지합니다. 학습 전(스텝 0)에는 {self.start} 시각이었으니 {how}",
        ) + ("" if lang != "ko" else ".")
        if self.cell_start is None or self.cell_end is None:
            return text
        ce, cs = self.cell_end, self.cell_start
        if ce > self.end:
            beside = tr("more steps than ‖∂L/∂h_t‖: judge the LSTM by its cell", "‖∂L/∂h_t‖보다 많은 시각입니다. "
                        "LSTM은 기억 셀로 판단해야 합니다")  # fmt: skip
        elif ce < self.end:
            beside = tr("fewer steps than ‖∂L/∂h_t‖", "‖∂L/∂h_t‖보다 적은 시각입니다")
        else:
            beside = tr("as many steps as ‖∂L/∂h_t‖", "‖∂L/∂h_t‖와 같은 시각 수입니다")
        to_start = tr(" (back to t = 0)", " (t = 0까지)") if ce == self.longest else ""
        return text + tr(
            f" Its memory cell's ‖∂L/∂c_t‖ stays above 10⁻³ of its value at the loss for {counted(ce, 'cell step')}"
            f"{to_start}, against {cs} at step 0: {beside}.",
            f" 기억 셀의 ‖∂L/∂c_t‖ 값은 {ce} 시각을 거슬러 갈 때까지{to_start} 손실 위치 값의 10⁻³ 이상을 "
            f"유지합니다 (스텝 0에는 {cs} 시각). {beside}.",
        )


def _num(v: float) -> str:
    """ρ and other plain numbers with three significant digits ('0.598', '2.48')."""
    return f"{v:.3g}"


Words = tuple[str, str]  # (English, Korean)


def _compare(a: float, b: float, lang: str, words: tuple[Words, Words, Words]) -> str:
    """The word of ``words`` (lower, higher, equal) for a against b, at the precision the sentence shows them."""
    tr = pick(lang)
    sa, sb = _num(a), _num(b)
    if sa == sb:
        return tr(*words[2])
    return tr(*words[0]) if a < b else tr(*words[1])


@dataclass(frozen=True)
class Ended:
    """Where one run of a kind ended: ρ of its :data:`~explorer.lab.training.RHO_BLOCK` at the first and last
    checkpoint, the reach of ‖∂L/∂h_t‖ (and an LSTM's ‖∂L/∂c_t‖) at the last, the loss ratio and its verdict."""

    rho_start: float
    rho_end: float
    end_step: int
    reach: int
    cell_reach: int | None
    ratio: float
    verdict: str


def ended(run: rc.TrainingRun) -> Ended | None:
    """The numbers of :class:`Ended` for a run that kept ρ and a flow at two checkpoints or more, else None."""
    rho = rho_of(run)
    flow = np.asarray(run.flow, dtype=float)
    if rho.size < 2 or flow.ndim != 2 or flow.shape[0] != rho.size or run.steps_done == 0:
        return None
    cell = None if run.flow_c is None else reach(np.asarray(run.flow_c, dtype=float)[-1], REACH_DECADES)
    ratio = loss_ratio(run)
    return Ended(float(rho[0]), float(rho[-1]), int(run.checkpoints[rho.size - 1]), reach(flow[-1], REACH_DECADES),
                 cell, ratio, verdict(ratio, run.status, solved(run)))  # fmt: skip


# a verdict in parentheses, after a number ("0.97× the baseline (not learned)")
VERDICT_WORDS = {
    "learned": ("learned", "배움"),
    "partly": ("partly learned", "일부만 배움"),
    "baseline": ("not learned", "배우지 못함"),
    "diverged": ("diverged", "발산"),
    "empty": ("not trained", "학습 전"),
}


@dataclass(frozen=True)
class DecayClaim:
    """What weight decay λ did in this run: ρ(W_hh) from the first to the last checkpoint, the reach and the loss at
    the end, and (``ref``: the same settings at weight decay 0, trained beside it) the same numbers without it.
    Weight decay here is L2 added to the gradient (λ·w) before the optimizer's step, as torch.optim's
    ``weight_decay``; not AdamW."""

    kind: str
    decay: float
    optimizer: str
    run: Ended
    ref: Ended | None = None
    ref_done: bool = False  # the reference run finished (False: still training, or none)

    def render(self, lang: str) -> str:
        tr, name = pick(lang), f"**{KIND_LABELS[self.kind]}**"
        r, block = self.run, RHO_NAME[self.kind]
        opt = {"adam": "Adam", "sgd": "SGD"}.get(self.optimizer, self.optimizer)
        head = tr(
            f"{name}, weight decay λ = {self.decay:g} (λ·w added to the gradient before {opt}'s step, not AdamW): "
            f"ρ({block}) went from {_num(r.rho_start)} at step 0 to {_num(r.rho_end)} after "
            f"{counted(r.end_step, 'step')}",
            f"{name}, 가중치 감소 λ = {self.decay:g} ({opt} 갱신 전에 기울기에 λ·w를 더함, AdamW 아님): "
            f"ρ({block}) 값이 스텝 0의 {_num(r.rho_start)}에서 {r.end_step} 스텝 뒤 {_num(r.rho_end)} 값이 되었습니다",
        )
        cell_en = "" if r.cell_reach is None else f", its memory cell's ‖∂L/∂c_t‖ {r.cell_reach}"
        cell_ko = "" if r.cell_reach is None else f", 기억 셀의 ‖∂L/∂c_t‖ 값은 {r.cell_reach} 시각을 거슬러 닿으며"
        loss_v = tr(*VERDICT_WORDS[r.verdict])
        if self.ref is None and self.ref_done:
            return head + tr(
                f"; at the end ‖∂L/∂h_t‖ reaches {counted(r.reach, 'step')} back{cell_en} and the loss is "
                f"{_ratio(r.ratio)}× the baseline ({loss_v}). The same run without weight decay kept fewer than two "
                "checkpoints: no comparison.",
                f". 마지막에 ‖∂L/∂h_t‖ 값은 {r.reach} 시각을 거슬러 닿고{cell_ko}, 손실은 기준선의 "
                f"{_ratio(r.ratio)}배입니다 ({loss_v}). 가중치 감소 0의 같은 실행은 체크포인트가 둘 미만이라 "
                "비교하지 않습니다.",
            )
        if self.ref is None:
            return head + tr(
                f"; at the end ‖∂L/∂h_t‖ reaches {counted(r.reach, 'step')} back{cell_en} and the loss is "
                f"{_ratio(r.ratio)}× the baseline ({loss_v}). The same run without weight decay (Train trains it "
                "beside this one) has not finished: the comparison follows when it has.",
                f". 마지막에 ‖∂L/∂h_t‖ 값은 {r.reach} 시각을 거슬러 닿고{cell_ko}, 손실은 기준선의 "
                f"{_ratio(r.ratio)}배입니다 ({loss_v}). 가중치 감소 0의 같은 실행(학습 시작이 함께 학습)이 끝나면 "
                "비교를 보여 드립니다.",
            )
        f = self.ref
        rho_word = _compare(r.rho_end, f.rho_end, lang, (
            ("weight decay kept it lower (what fights explosion)", "가중치 감소가 더 낮게 눌렀습니다 (폭발을 막는 쪽)"),
            ("weight decay did not keep it lower", "가중치 감소가 더 낮게 누르지 못했습니다"),
            ("the same", "같습니다"),
        ))  # fmt: skip
        if r.reach < f.reach:
            reach_word = tr("less far back with weight decay (the vanishing deepened)",
                            "가중치 감소가 있을 때 덜 멀리 닿습니다 (소실이 깊어짐)")  # fmt: skip
        elif r.reach > f.reach:
            reach_word = tr("further back with weight decay", "가중치 감소가 있을 때 더 멀리 닿습니다")
        else:
            reach_word = tr("as far either way", "양쪽이 같은 거리입니다")
        cell_en = (
            ""
            if r.cell_reach is None or f.cell_reach is None
            else (f"; its memory cell's ‖∂L/∂c_t‖ {r.cell_reach} against {f.cell_reach}")
        )
        cell_ko = "" if r.cell_reach is None or f.cell_reach is None else (
            f". 기억 셀의 ‖∂L/∂c_t‖ 값은 {r.cell_reach} 시각 대 {f.cell_reach} 시각입니다")  # fmt: skip
        return head + tr(
            f", against {_num(f.rho_end)} without weight decay (the same settings, trained beside it): {rho_word}. "
            f"‖∂L/∂h_t‖ reaches {counted(r.reach, 'step')} back against {f.reach}: {reach_word}{cell_en}. The loss: "
            f"{_ratio(r.ratio)}× the baseline ({loss_v}) against {_ratio(f.ratio)}× "
            f"({tr(*VERDICT_WORDS[f.verdict])}).",
            f". 가중치 감소가 없으면 (같은 설정, 함께 학습) {_num(f.rho_end)} 값이었으니 {rho_word}. ‖∂L/∂h_t‖ 값은 "
            f"{r.reach} 시각 대 {f.reach} 시각을 거슬러 닿습니다. {reach_word}{cell_ko}. 손실은 기준선의 "
            f"{_ratio(r.ratio)}배 ({loss_v}) 대 {_ratio(f.ratio)}배 ({tr(*VERDICT_WORDS[f.verdict])})입니다.",
        )


def first_below(run: rc.TrainingRun, level: float = LEARNED) -> int | None:
    """The first step count s at which the mean loss of the last ``LOSS_WINDOW`` steps (fewer before) is at most
    ``level`` × the baseline; None if it never is."""
    loss = np.asarray(run.loss[: run.steps_done], dtype=float)
    if loss.size == 0:
        return None
    with np.errstate(invalid="ignore"):
        c = np.concatenate([[0.0], np.cumsum(loss)])
        n = np.arange(1, loss.size + 1)
        w = np.minimum(n, LOSS_WINDOW)
        mean = (c[n] - c[n - w]) / w
        hit = np.flatnonzero(mean <= level * run.baseline)
    return int(hit[0]) + 1 if hit.size else None


@dataclass(frozen=True)
class IrnnClaim:
    """An IRNN (ReLU, W_hh = I at init) against the tanh RNN at PyTorch's init on the same task, lag, sizes,
    batches, learning rate and steps (``tanh``: None while that run is not finished)."""

    lr: float
    steps_done: int
    ratio: float
    solved: float | None
    verdict: str
    first: int | None  # the first step count whose last-50-step mean loss is ≤ LEARNED × the baseline
    tanh_ratio: float | None = None
    tanh_verdict: str | None = None

    def render(self, lang: str) -> str:
        tr = pick(lang)
        v = tr(*VERDICT_WORDS[self.verdict])
        got_en = "" if self.solved is None else f", {100 * self.solved:.3g}% of the batch solved"
        got_ko = "" if self.solved is None else f", 배치의 {100 * self.solved:.3g}% 맞힘"
        if self.first is None:
            first = tr(f"its loss never got to {LEARNED:g}× the baseline", f"손실이 기준선의 {LEARNED:g}배까지 "
                       "내려간 적이 없습니다")  # fmt: skip
        else:
            first = tr(f"its loss first got to {LEARNED:g}× the baseline after {counted(self.first, 'step')}",
                       f"손실은 {self.first} 스텝 뒤 처음으로 기준선의 {LEARNED:g}배까지 내려갔습니다")  # fmt: skip
        text = tr(
            f"**IRNN** (ReLU, W_hh = I at init) at learning rate {self.lr:g}: after {counted(self.steps_done, 'step')} "
            f"the loss is {_ratio(self.ratio)}× the baseline{got_en} ({v}); {first}.",
            f"**IRNN** (ReLU, 초기 W_hh = I), 학습률 {self.lr:g}: {self.steps_done} 스텝 뒤 손실은 기준선의 "
            f"{_ratio(self.ratio)}배{got_ko} ({v}). {first}.",
        )
        if self.tanh_ratio is None or self.tanh_verdict is None:
            return text + tr(
                " The tanh RNN on the same task and lag (Train trains it beside this one) has not finished yet.",
                " 같은 과제와 시차의 tanh RNN(학습 시작이 함께 학습)은 아직 끝나지 않았습니다.",
            )
        return text + tr(
            f" The tanh RNN (PyTorch's init) on the same task, lag, batches, learning rate and steps: "
            f"{_ratio(self.tanh_ratio)}× the baseline ({tr(*VERDICT_WORDS[self.tanh_verdict])}).",
            f" 같은 과제, 시차, 배치, 학습률, 스텝의 tanh RNN(PyTorch 초기화): 기준선의 {_ratio(self.tanh_ratio)}배 "
            f"({tr(*VERDICT_WORDS[self.tanh_verdict])}).",
        )


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
                f"**이 실행에서는 책의 이야기가 일부만 맞습니다:** {ko}.",
            )
        return tr(
            f"**In this run the chapter's story does not hold:** {en}.",
            f"**이 실행에서는 책의 이야기가 맞지 않습니다:** {ko}.",
        )


Claim = LossClaim | ReachClaim | StoryClaim | DecayClaim | IrnnClaim


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


def finished(run: rc.TrainingRun | None) -> bool:
    """A run trained to its end (a reference is compared with only then)."""
    return run is not None and run.status == "done" and run.steps_done == run.steps


def lab_claims(
    runs: Mapping[str, rc.TrainingRun],
    complete: bool,
    references: Mapping[str, Mapping[str, rc.TrainingRun]] | None = None,
) -> list[Claim]:
    """The readings of a run's kinds, in order; the story claim only once every kind has been trained to the end
    (``complete``). ``references`` (explorer.lab.training.references): ``"decay"``, the runs of the same settings at
    weight decay 0, and ``"tanh"``, the tanh RNN beside an IRNN; each is compared with only once it is finished."""
    refs = references or {}
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
            cell = None if run.flow_c is None else np.asarray(run.flow_c, dtype=float)
            has_cell = cell is not None and cell.shape == flow.shape
            claims.append(
                ReachClaim(
                    kind,
                    start=reach(flow[0], REACH_DECADES),
                    end=reach(flow[-1], REACH_DECADES),
                    end_step=int(run.checkpoints[len(flow) - 1]),
                    longest=flow.shape[1] - 1,
                    cell_start=reach(cell[0], REACH_DECADES) if has_cell and cell is not None else None,
                    cell_end=reach(cell[-1], REACH_DECADES) if has_cell and cell is not None else None,
                )
            )
        decay = float(run.settings.get("weight_decay", 0.0) or 0.0)
        mine = ended(run)
        if decay > 0 and mine is not None:
            ref_run = refs.get("decay", {}).get(kind)
            done = ref_run is not None and finished(ref_run)
            ref = ended(ref_run) if ref_run is not None and done else None
            claims.append(DecayClaim(kind, decay, str(run.settings.get("optimizer", "adam")), mine, ref, done))
        if kind == "rnn" and is_irnn_run(run) and run.steps_done > 0:
            tanh = refs.get("tanh", {}).get("rnn")
            done = tanh is not None and finished(tanh)
            ratio = loss_ratio(run)
            claims.append(
                IrnnClaim(
                    lr=float(run.settings.get("lr", float("nan"))),
                    steps_done=run.steps_done,
                    ratio=ratio,
                    solved=solved(run),
                    verdict=verdict(ratio, run.status, solved(run)),
                    first=first_below(run),
                    tanh_ratio=loss_ratio(tanh) if done and tanh is not None else None,
                    tanh_verdict=verdict(loss_ratio(tanh), tanh.status, solved(tanh)) if done and tanh else None,
                )
            )
    if complete and len(verdicts) == len(KINDS):
        claims.append(StoryClaim(verdicts))
    return claims


def is_irnn_run(run: rc.TrainingRun) -> bool:
    """The run is an RNN with ReLU and W_hh = I at init (its settings say so)."""
    return run.settings.get("nonlinearity") == "relu" and run.settings.get("scheme") == "identity"
