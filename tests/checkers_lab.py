"""Checkers of the training lab's claims (explorer/lab/claims.py), registered in tests/claim_registry.py.

Each recomputes its sentence from the run it was drawn beside (the arrays of each ``rc.TrainingRun``): the loss and
the fraction solved over the last steps, the reach of the gradient per checkpoint (an LSTM's memory cell too), the
verdicts of the story, ρ of W_hh per checkpoint under weight decay against the run without it, the IRNN against
the tanh RNN. The context is a :class:`LabContext`: the runs by kind, whether the job finished, and the reference
runs it was compared with (explorer.lab.training.references).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from claim_registry import checks, steps
from threadpoolctl import threadpool_limits

import recurrent_core as rc
from explorer.lab import claims as lab_claims
from explorer.lab import presets
from explorer.lab import training as lab

HANGUL = re.compile("[가-힣]")


@dataclass(frozen=True)
class LabContext:
    runs: dict[str, rc.TrainingRun]
    complete: bool
    references: dict[str, dict[str, rc.TrainingRun]] = field(default_factory=dict)


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
    if v == "baseline" and lang == "en":  # against the trivial model as the printed ratio says
        printed = float(f"{ratio:.2g}")
        said = ("does as well" in text, "barely better" in text, "does better" in text)
        assert said == (printed == 1.0, printed != 1.0 and ratio < 1, printed != 1.0 and ratio > 1), (ratio, text)
    assert math.isclose(claim.ratio, ratio, rel_tol=1e-9)
    r = f"{ratio:.2g}"
    assert (f"{r}× the baseline" in text) if lang == "en" else (f"기준선의 {r}배" in text), text
    assert (f"mean of the last {steps(w)}" in text) if lang == "en" else (f"최근 {w} 스텝 평균" in text), text
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
    # the LSTM's memory cell beside h, whenever the run kept ‖∂L/∂c_t‖ (judge the LSTM by its cell)
    cell = None if run.flow_c is None else np.asarray(run.flow_c, dtype=float)
    if claim.kind == "lstm" and cell is not None and cell.shape == flow.shape:
        cs, ce = reach_of(cell[0]), reach_of(cell[-1])
        assert (claim.cell_start, claim.cell_end) == (cs, ce)
    else:
        assert claim.cell_start is None and claim.cell_end is None
        assert "∂c_t" not in text
    marker = " Its memory cell's" if lang == "en" else " 기억 셀의"
    h_part, _, c_part = text.partition(marker)
    if lang == "en":
        assert f"after {steps(claim.end_step)} ‖∂L/∂h_t‖ stays" in h_part and f"for {steps(end)} back" in h_part
        assert f"against {start} at step 0" in h_part
        assert ("further" in text) == (end > start) and ("less far" in text) == (end < start)
        assert ("as far as at the start" in text) == (end == start)
        assert ("whole sequence" in text) == (end == flow.shape[1] - 1)
    else:
        assert f"{end} 시각을 거슬러" in h_part and f"{start} 시각이었으니" in h_part
        assert ("더 멀리" in text) == (end > start) and ("덜 멀리" in text) == (end < start)
        assert ("시퀀스 전체" in text) == (end == flow.shape[1] - 1)
    if claim.cell_end is None:
        assert not c_part
        return
    cs, ce = claim.cell_start, claim.cell_end
    assert c_part and "∂L/∂c_t" in c_part
    if lang == "en":
        assert f"for {steps(ce, 'cell step')}" in c_part and f"against {cs} at step 0" in c_part
        assert ("more steps than" in c_part) == (ce > end) and ("fewer steps than" in c_part) == (ce < end)
        assert ("as many steps as" in c_part) == (ce == end)
        assert ("back to t = 0" in c_part) == (ce == flow.shape[1] - 1)
    else:
        assert f"{ce} 시각을 거슬러" in c_part and f"스텝 0에는 {cs} 시각" in c_part
        assert ("보다 많은" in c_part) == (ce > end) and ("보다 적은" in c_part) == (ce < end)
        assert ("t = 0까지" in c_part) == (ce == flow.shape[1] - 1)


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


def rho_block(run: rc.TrainingRun) -> np.ndarray:
    """ρ per checkpoint of the RNN's W_hh, the LSTM's W_hg (block 2 of i, f, g, o), the GRU's W_hn (block 2 of r,
    z, n), written out from the run's per-block record."""
    return np.asarray(run.rho, dtype=float)[:, {"rnn": 0, "lstm": 2, "gru": 2}[run.kind]]


def comparable(run: rc.TrainingRun) -> bool:
    """Trained at least one step, with ρ and the flow at two checkpoints or more (the same count)."""
    C = 0 if run.rho is None else len(run.rho)
    return run.steps_done > 0 and C >= 2 and np.asarray(run.flow).shape[0] == C


def ended_of(run: rc.TrainingRun) -> dict[str, float | int | str | None]:
    rho = rho_block(run)
    flow = np.asarray(run.flow, dtype=float)
    return {
        "rho_start": float(rho[0]),
        "rho_end": float(rho[-1]),
        "end_step": int(run.checkpoints[len(rho) - 1]),
        "reach": reach_of(flow[-1]),
        "cell_reach": None if run.flow_c is None else reach_of(np.asarray(run.flow_c, dtype=float)[-1]),
        "ratio": final_numbers(run)[1],
        "verdict": expected_verdict(run),
    }


def same(got: object, value: object) -> bool:
    """Equal, or floats equal to rounding (NaN equal to NaN)."""
    if isinstance(value, float) and isinstance(got, float):
        return (math.isnan(got) and math.isnan(value)) or math.isclose(got, value, rel_tol=1e-9)
    return got == value


def three(v: float) -> str:
    return f"{v:.3g}"


VERDICT_TEXT = {"learned": ("learned", "배움"), "partly": ("partly learned", "일부만 배움"),
                "baseline": ("not learned", "배우지 못함"), "diverged": ("diverged", "발산"),
                "empty": ("not trained", "학습 전")}  # fmt: skip


@checks(lab_claims.DecayClaim)
def check_decay(claim: lab_claims.DecayClaim, text: str, lang: str, c: LabContext) -> None:
    run = c.runs[claim.kind]
    en = lang == "en"
    assert HANGUL.search(text) if not en else not HANGUL.search(text)
    assert claim.decay == run.settings["weight_decay"] > 0 and comparable(run)
    mine = ended_of(run)
    for key, value in mine.items():
        got = getattr(claim.run, key)
        assert same(got, value), (key, got, value)
    block = {"rnn": "W_hh", "lstm": "W_hg", "gru": "W_hn"}[claim.kind]
    # coupled L2, never AdamW
    assert ("added to the gradient" in text and "not AdamW" in text) if en else ("기울기에 λ·w를 더함" in text)
    assert f"λ = {claim.decay:g}" in text
    if en:
        assert (
            f"ρ({block}) went from {three(mine['rho_start'])} at step 0 to {three(mine['rho_end'])} after "
            f"{steps(mine['end_step'])}" in text
        ), text
    else:
        assert (
            f"ρ({block}) 값이 스텝 0의 {three(mine['rho_start'])}에서 {mine['end_step']} 스텝 뒤 "
            f"{three(mine['rho_end'])} 값이" in text
        ), text
    ref_run = c.references.get("decay", {}).get(claim.kind)
    finished = ref_run is not None and ref_run.status == "done" and ref_run.steps_done == ref_run.steps
    if not finished:
        assert claim.ref is None
        assert ("has not finished" in text) if en else ("끝나면" in text)
        assert f"{mine['ratio']:.2g}× the baseline" in text if en else f"기준선의 {mine['ratio']:.2g}배" in text
        return
    assert ref_run is not None and ref_run.settings["weight_decay"] == 0
    if not comparable(ref_run):
        assert claim.ref is None and claim.ref_done
        assert ("fewer than two checkpoints" in text) if en else ("둘 미만" in text)
        return
    other = {k: v for k, v in ref_run.settings.items() if k != "weight_decay"}
    assert other == {k: v for k, v in run.settings.items() if k != "weight_decay"}  # the same run, λ = 0
    ref = ended_of(ref_run)
    assert claim.ref is not None
    for key, value in ref.items():
        got = getattr(claim.ref, key)
        assert same(got, value), (key, got, value)
    a, b = three(mine["rho_end"]), three(ref["rho_end"])  # type: ignore[arg-type]
    lower, higher = float(a) < float(b), float(a) > float(b)
    assert (("kept it lower" in text) if en else ("더 낮게 눌렀습니다" in text)) == lower, text
    assert (("did not keep it lower" in text) if en else ("더 낮게 누르지 못했습니다" in text)) == higher, text
    assert (f"against {b} without weight decay" in text) if en else (f"{b} 값이었으니" in text)
    r, f = mine["reach"], ref["reach"]
    if en:
        assert f"reaches {steps(r)} back against {f}" in text
        assert ("the vanishing deepened" in text) == (r < f) and ("further back with weight decay" in text) == (r > f)  # type: ignore[operator]
    else:
        assert f"{r} 시각 대 {f} 시각" in text
        assert ("소실이 깊어짐" in text) == (r < f) and ("더 멀리 닿습니다" in text) == (r > f)  # type: ignore[operator]
    if claim.kind == "lstm" and mine["cell_reach"] is not None and ref["cell_reach"] is not None:
        assert (
            f"‖∂L/∂c_t‖ {mine['cell_reach']} against {ref['cell_reach']}" in text
            if en
            else (f"‖∂L/∂c_t‖ 값은 {mine['cell_reach']} 시각 대 {ref['cell_reach']} 시각" in text)
        )
    for ratio, verdict in ((mine["ratio"], mine["verdict"]), (ref["ratio"], ref["verdict"])):
        words = VERDICT_TEXT[str(verdict)][0 if en else 1]
        assert (f"{ratio:.2g}× " in text) if en else (f"{ratio:.2g}배" in text), (ratio, text)
        assert f"({words})" in text, (words, text)


def first_below_of(run: rc.TrainingRun) -> int | None:
    """The first s whose mean loss over steps max(0, s − 50) … s − 1 is ≤ 0.1× the baseline, written out."""
    loss = np.asarray(run.loss, dtype=float)[: run.steps_done]
    for s in range(1, loss.size + 1):
        window = loss[max(0, s - 50) : s]
        if float(np.sum(window)) / window.size <= 0.1 * run.baseline:
            return s
    return None


@checks(lab_claims.IrnnClaim)
def check_irnn(claim: lab_claims.IrnnClaim, text: str, lang: str, c: LabContext) -> None:
    run = c.runs["rnn"]
    en = lang == "en"
    assert run.settings["nonlinearity"] == "relu" and run.settings["scheme"] == "identity"
    assert claim.lr == run.settings["lr"] and f"{claim.lr:g}" in text
    assert claim.steps_done == run.steps_done and f"{run.steps_done}" in text
    _, ratio, solved = final_numbers(run)
    v = expected_verdict(run)
    assert claim.verdict == v and f"({VERDICT_TEXT[v][0 if en else 1]})" in text, (v, text)
    assert (f"{ratio:.2g}× the baseline" in text) if en else (f"기준선의 {ratio:.2g}배" in text)
    if math.isfinite(solved):
        assert f"{100 * solved:.3g}%" in text
    first = first_below_of(run)
    assert claim.first == first
    if first is None:
        assert ("never got to 0.1×" in text) if en else ("내려간 적이 없습니다" in text)
    else:
        assert (
            (f"first got to 0.1× the baseline after {steps(first)}" in text)
            if en
            else (f"{first} 스텝 뒤 처음으로" in text)
        )
    tanh = c.references.get("tanh", {}).get("rnn")
    if tanh is None or tanh.status != "done" or tanh.steps_done != tanh.steps:
        assert claim.tanh_ratio is None and (("not finished yet" in text) if en else ("끝나지 않았습니다" in text))
        return
    assert tanh.settings["nonlinearity"] == "tanh" and tanh.settings["scheme"] == "pytorch"
    init = ("nonlinearity", "scheme")
    # the same task, lag, sizes, batches and schedule: every other setting equal
    assert {k: v for k, v in tanh.settings.items() if k not in init} == {
        k: v for k, v in run.settings.items() if k not in init
    }
    _, t_ratio, _ = final_numbers(tanh)
    tv = expected_verdict(tanh)
    assert claim.tanh_verdict == tv and f"({VERDICT_TEXT[tv][0 if en else 1]})" in text.split("tanh RNN")[-1]
    assert (f"{t_ratio:.2g}× the baseline" in text) if en else (f"기준선의 {t_ratio:.2g}배" in text)


@dataclass(frozen=True)
class PresetContext:
    """For the IRNN preset's claim: the seeds of its record to train again (none: check the text against the
    record alone)."""

    retrain: tuple[int, ...] = ()


def span(values: list, fmt: str) -> str:
    a, b = format(min(values), fmt), format(max(values), fmt)
    return a if a == b else f"{a}–{b}"


@functools.cache
def retrained(seed: int, which: str) -> rc.TrainingRun:
    """The preset's IRNN ("irnn") or the tanh RNN beside it ("tanh") at ``seed``, trained again (BLAS on one
    thread, as the app runs it: these small products only lose by threading)."""
    settings = lab.LabSettings(**{**presets.IRNN_PRESET, "seed": seed})
    if which == "tanh":
        settings = lab.references(settings)["tanh"]
    with threadpool_limits(limits=1, user_api="blas"):
        return rc.train(**settings.train_kwargs("rnn"))


@checks(presets.PresetClaim)
def check_preset(claim: presets.PresetClaim, text: str, lang: str, c: PresetContext) -> None:
    d, en = claim.data, lang == "en"
    assert HANGUL.search(text) if not en else not HANGUL.search(text)
    n = len(d["seeds"])
    assert len(d["irnn"]) == len(d["tanh"]) == n
    for row in (*d["irnn"], *d["tanh"]):  # each verdict is the lab's rule on the recorded numbers, written out
        want = "baseline" if row["ratio"] >= 0.9 else "learned" if row["ratio"] <= 0.1 and row["solved"] >= 0.9 else (
            "partly")  # fmt: skip
        assert row["verdict"] == want, row
    firsts = [r["first"] for r in d["irnn"] if r["first"] is not None]
    learned = sum(r["verdict"] == "learned" for r in d["irnn"])
    partly = sum(r["verdict"] == "partly" for r in d["irnn"])
    tanh_base = sum(r["verdict"] == "baseline" for r in d["tanh"])
    total = sum(d["seconds"][k] for k in ("rnn", "lstm", "gru", "tanh"))
    s = d["settings"]
    assert f"{s['lr']:g}" in text and f"{s['steps']}" in text and f"T = {s['T']}" in text and f"H = {s['H']}" in text
    assert f"{span([r['ratio'] for r in d['irnn']], '.2g')}" in text
    assert f"{span([100 * r['solved'] for r in d['irnn']], '.0f')}%" in text
    assert f"{span([r['ratio'] for r in d['tanh']], '.2g')}" in text
    assert f"{total:.0f}" in text and d["machine"][0 if en else 1] in text
    if en:
        if firsts:
            assert f"in {len(firsts)} of {n} seeds, after {span(firsts, 'd')} steps" in text
        else:
            assert "never got to 0.1×" in text
        assert f"learned in {learned} and partly learned in {partly} of {n}" in text
        assert f"stayed at the baseline in {tanh_base} of {n}" in text
        assert "Other lags, sizes and seeds were not measured" in text
    else:
        if firsts:
            assert f"{n}개 중 {len(firsts)}개 시드에서 {span(firsts, 'd')} 스텝 뒤" in text
        assert f"배움 {learned}개, 일부만 배움 {partly}개" in text and f"{n}개 중 {tanh_base}개가 기준선에" in text
        assert "측정하지 않았습니다" in text
    # the record is this preset's, at the lab's defaults otherwise; its seeds train again to the same numbers
    assert s == lab.LabSettings(**presets.IRNN_PRESET).caption() and d["default_lr"] == lab.LabSettings().lr
    for seed in c.retrain:
        at = d["seeds"].index(seed)
        for run, row in ((retrained(seed, "irnn"), d["irnn"][at]), (retrained(seed, "tanh"), d["tanh"][at])):
            _, ratio, solved = final_numbers(run)
            assert math.isclose(ratio, row["ratio"], rel_tol=1e-9) and math.isclose(solved, row["solved"], rel_tol=1e-9)
            assert first_below_of(run) == row["first"] and expected_verdict(run) == row["verdict"]
