"""The training lab: its scheduler (one at a time, queue positions, stop, sharing, abandoned runs), the frames and
the "reach", the readings against their numbers, the weight downloads (rc.load_weights, PyTorch), and the page
through app.py. Every test leaves no thread running."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import checkers_lab
import claim_registry
import numpy as np
import pytest
from claim_registry import check_all
from helpers import assert_the_named_t_is_on_the_axis, plotly_array

import recurrent_core as rc
from explorer.lab import claims as lab_claims
from explorer.lab import training as lab
from explorer.shared.controls import LabControls as View  # the lab page's own controls

HANGUL = re.compile("[가-힣]")
ROOT = Path(__file__).resolve().parents[1]
TINY = lab.LabSettings(T=10, H=8, batch=8, steps=30)


def fake_run(kind: str, steps_done: int, steps: int = 4, flow: Any = None, loss: Any = None) -> rc.TrainingRun:
    """A TrainingRun with literal numbers."""
    flow = np.zeros((1, 3)) if flow is None else np.asarray(flow, dtype=float)
    loss = np.full(steps_done, 0.2) if loss is None else np.asarray(loss, dtype=float)
    return rc.TrainingRun(
        kind=kind, task="adding", settings={}, steps=steps, steps_done=steps_done, loss=loss,
        metric=np.full(steps_done, 0.5), grad_norm=np.ones(steps_done), metric_name="accuracy", baseline=1 / 6,
        chance_metric=0.08, checkpoints=np.arange(len(flow)) * 2, flow=flow, probe_loss=np.zeros(len(flow)),
        initial={}, final={}, seconds=0.01 * max(steps_done, 1), status="done" if steps_done == steps else "running",
    )  # fmt: skip


class Gate:
    """A fake rc.train_iter that yields ``steps`` snapshots, each only once ``step`` is released."""

    def __init__(self, steps: int = 3, block: bool = True) -> None:
        self.steps, self.block = steps, block
        self.go = threading.Semaphore(0)
        self.started: list[str] = []

    def __call__(self, kind: str, steps: int, **_: Any) -> Iterator[rc.TrainingRun]:
        self.started.append(kind)
        for s in range(1, self.steps + 1):
            if self.block:
                assert self.go.acquire(timeout=5)
            yield fake_run(kind, s, self.steps)

    def release(self, n: int = 100) -> None:
        for _ in range(n):
            self.go.release()


@pytest.fixture
def sched():
    made: list[lab.Scheduler] = []

    def make(**kw: Any) -> lab.Scheduler:
        s = lab.Scheduler(**kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.shutdown()
        for job in s.live_jobs():
            assert job.wait(5)


def wait_for(cond: Any, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


# ================================================================================================ settings
def test_the_default_settings_are_the_measured_defaults():
    assert lab.LabSettings.from_view(View()) == lab.LabSettings()
    assert lab.is_default(lab.LabSettings())
    for kind in lab.KINDS:
        ours = lab.LabSettings().train_kwargs(kind)
        want = rc.lab_settings(kind)
        for key in ("task", "T", "H", "batch", "steps", "optimizer", "lr", "clip", "truncate"):
            assert ours[key] == want[key], (kind, key)
        assert ours["forget_bias"] == want.get("forget_bias", 0.0)
        assert ours["update_bias"] == want.get("update_bias", 0.0)


def test_train_kwargs_map_the_remedies():
    s = lab.LabSettings(clip="none", truncate=5, T=20, nonlinearity="relu", weight_decay=1e-4)
    assert s.train_kwargs("rnn")["clip"] is None and s.train_kwargs("rnn")["truncate"] == 5
    assert s.train_kwargs("rnn")["nonlinearity"] == "relu" and s.train_kwargs("lstm")["nonlinearity"] == "tanh"
    assert lab.LabSettings(truncate=50, T=50).train_kwargs("gru")["truncate"] is None  # a block as long as T
    assert lab.LabSettings(clip="value", clip_at=0.5).train_kwargs("gru")["clip"] == ("value", 0.5)


# ================================================================================================ scheduler
def test_one_at_a_time_with_queue_positions(sched):
    gate = Gate()
    s = sched(max_parallel=1, iterate=gate)
    a, b, c = (s.submit(lab.LabSettings(seed=i)) for i in range(3))
    wait_for(lambda: a.view().state == "running")
    assert (b.view().state, b.view().position) == ("queued", 1)
    assert (c.view().state, c.view().position) == ("queued", 2)
    assert s.running() == 1 and s.waiting() == 2
    gate.release()
    for job in (a, b, c):
        assert job.wait(5)
        assert job.view().state == "done"
    assert gate.started == ["rnn", "lstm", "gru"] * 3  # a, then b, then c: first in, first out


def test_two_at_once_when_allowed(sched):
    gate = Gate()
    s = sched(max_parallel=2, iterate=gate)
    jobs = [s.submit(lab.LabSettings(seed=i)) for i in range(3)]
    wait_for(lambda: s.running() == 2)
    assert jobs[2].view().position == 1
    gate.release()
    assert all(j.wait(5) for j in jobs)


def test_stop_keeps_what_was_trained(sched):
    gate = Gate(steps=5)
    s = sched(max_parallel=1, iterate=gate)
    job = s.submit(TINY)
    gate.release(2)
    wait_for(lambda: job.view().steps_done == 2)
    job.stop()
    gate.release()
    assert job.wait(5)
    v = job.view()
    assert v.state == "stopped" and list(v.runs) == ["rnn"] and v.runs["rnn"].steps_done in (2, 3)
    assert s.find(TINY) is None  # a stopped run is not cached: asking again trains anew
    again = s.submit(TINY)
    assert again is not job
    assert again.wait(5) and again.view().state == "done"


def test_identical_settings_share_one_job_and_a_finished_one_is_cached(sched):
    gate = Gate()
    s = sched(max_parallel=1, iterate=gate)
    a = s.submit(TINY, "tab 1")
    assert s.submit(TINY, "tab 2") is a
    gate.release()
    assert a.wait(5)
    assert s.find(TINY) is a and s.submit(TINY, "tab 3") is a
    assert gate.started == ["rnn", "lstm", "gru"]  # trained once


def test_the_cache_counts_a_job_by_its_arrays(small_runs):
    from explorer.shared.work import size_of

    job = lab.Job(TINY)
    for kind, run in small_runs[0][1].items():
        job._store(kind, run)
    arrays = sum(r.loss.nbytes + r.flow.nbytes + sum(v.nbytes for v in r.final.values()) for r in job.runs.values())
    assert size_of(job) > arrays


def test_an_abandoned_job_stops_running_or_queued(sched):
    gate = Gate(block=False, steps=10_000)
    s = sched(max_parallel=1, iterate=gate, abandon_after=0.3)
    running = s.submit(lab.LabSettings(seed=1), "closed tab")
    queued = s.submit(lab.LabSettings(seed=2), "closed tab too")
    assert running.wait(5) and queued.wait(5)
    assert running.view().state == "stopped" and queued.view().state == "stopped"
    assert s.live_jobs() == []


def test_a_polled_job_is_not_abandoned(sched):
    gate = Gate(steps=3)
    s = sched(max_parallel=1, iterate=gate, abandon_after=0.3)
    job = s.submit(TINY, "open tab")
    for _ in range(8):
        job.poll("open tab")
        time.sleep(0.05)
        gate.release(1)
    gate.release()
    assert job.wait(5) and job.view().state == "done"


def test_a_failing_run_is_reported_not_raised(sched):
    def broken(**_: Any) -> Iterator[rc.TrainingRun]:
        raise ValueError("lr: expected a positive number")
        yield  # pragma: no cover

    s = sched(max_parallel=1, iterate=broken)
    job = s.submit(TINY)
    assert job.wait(5)
    assert job.view().state == "failed" and "lr" in job.view().error


def test_max_parallel_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAB_MAX_PARALLEL", "64")
    assert 1 <= lab.max_parallel_default() <= (__import__("os").cpu_count() or 1)
    monkeypatch.setenv("LAB_MAX_PARALLEL", "nonsense")
    assert lab.max_parallel_default() == 1
    monkeypatch.delenv("LAB_MAX_PARALLEL")
    assert lab.max_parallel_default() == 1


# ================================================================================================ frames, reach
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([0.0, 0.0, 0.0, 0.0], 3),  # flat: the whole way back
        ([-5.0, -2.0, -1.0, 0.0], 2),  # 10⁻⁵ is below 10⁻³ of the value at the loss (10⁰)
        ([-3.0, -3.0, -1.0, 0.0], 3),  # exactly 10⁻³ still counts
        ([0.0, -4.0, 0.0, 0.0], 1),  # a dip stops the count
        ([5.0, 3.0, 1.0, 0.0], 3),  # growing back: above, all the way
        ([0.0, 0.0, 0.0, -np.inf], 0),  # no gradient at the loss
        ([0.0, -np.inf, 0.0, 0.0], 1),
        ([1.0], 0),
    ],
)
def test_reach_literal(row, expected):
    assert lab.reach(np.array(row)) == expected


def test_frames_literal():
    flow = [[-4.0, -1.0, 0.0], [-1.0, -0.5, 0.0]]
    runs = {"rnn": fake_run("rnn", 2, flow=flow, loss=[0.3, 0.1]), "gru": fake_run("gru", 1, flow=flow[:1])}
    curves = lab.curves_frame(runs)
    assert list(curves["kind"]) == ["rnn", "rnn", "gru"] and list(curves["step"]) == [0, 1, 0]
    assert curves["loss_smooth"].tolist()[:2] == pytest.approx([0.3, 0.2])
    f = lab.flow_frame(runs["rnn"])
    assert f["step"].tolist() == [0, 0, 0, 2, 2, 2] and f["t"].tolist() == [1, 2, 3] * 2  # h_1 … h_T
    assert f["back"].tolist() == [2, 1, 0] * 2
    assert f["log10_rel"].tolist() == [-4.0, -1.0, 0.0, -1.0, -0.5, 0.0]
    assert f["back"].tolist() == [2, 1, 0] * 2 and f["log10_norm"].tolist() == [v for row in flow for v in row]
    r = lab.reach_frame(runs)
    assert r.to_dict("records") == [
        {"kind": "rnn", "step": 0, "reach": 1},
        {"kind": "rnn", "step": 2, "reach": 2},
        {"kind": "gru", "step": 0, "reach": 1},
    ]
    assert lab.curves_frame({}).empty and lab.reach_frame({}).empty


# ================================================================================================ readings
def test_claim_words_follow_the_numbers_literal():
    assert lab_claims.verdict(1.1, "done") == "baseline" and lab_claims.verdict(0.9, "done") == "baseline"
    assert lab_claims.verdict(0.02, "done") == "learned" and lab_claims.verdict(0.1, "done") == "learned"
    assert lab_claims.verdict(0.5, "done") == "partly" and lab_claims.verdict(float("nan"), "done") == "diverged"
    assert "1.1× the baseline" in lab_claims.LossClaim("rnn", 1.1, 1000, "done").render("en")
    assert "0.019× the baseline" in lab_claims.LossClaim("lstm", 0.019, 1000, "done").render("en")
    text = lab_claims.ReachClaim("lstm", start=3, end=12, end_step=1000, longest=49).render("en")
    assert "for 12 steps back" in text and "against 3 at step 0" in text and "further" in text
    assert "whole sequence" in lab_claims.ReachClaim("gru", 3, 49, 1000, 49).render("en")
    assert "less far" in lab_claims.ReachClaim("gru", 9, 3, 1000, 49).render("en")
    story = lab_claims.StoryClaim({"rnn": "baseline", "lstm": "learned", "gru": "learned"})
    assert story.holds and "holds" in story.render("en")
    story = lab_claims.StoryClaim({"rnn": "learned", "lstm": "learned", "gru": "learned"})
    assert not story.holds and "does not hold" in story.render("en") and "the RNN learned" in story.render("en")


RUNS = [
    lab.LabSettings(T=10, H=8, batch=8, steps=30, seed=0),
    lab.LabSettings(T=10, H=8, batch=8, steps=30, seed=1, lr=0.05, clip="none"),
    lab.LabSettings(T=8, H=8, batch=16, steps=60, seed=2, lr=0.05, forget_bias=3.0, update_bias=-1.0),
    lab.LabSettings(T=10, H=8, batch=8, steps=30, seed=3, optimizer="sgd", lr=1.0, truncate=5),
    lab.LabSettings(T=6, H=4, batch=8, steps=40, seed=4, task="first", nonlinearity="relu", scheme="identity"),
]


@pytest.fixture(scope="module")
def small_runs():
    out = []
    for s in RUNS:
        runs = {}
        for kind in lab.KINDS:
            for snap in rc.train_iter(**s.train_kwargs(kind)):
                runs[kind] = snap
        out.append((s, runs))
    return out


def test_no_reading_contradicts_its_run(small_runs):
    seen: set[str] = set()
    for s, runs in small_runs:
        claims = lab_claims.lab_claims(runs, complete=True)
        for c in claims:
            en, ko = c.render("en"), c.render("ko")
            assert HANGUL.search(ko) and "nan" not in en.lower().replace("finite", "") and "None" not in en + ko
            if isinstance(c, lab_claims.LossClaim):
                run = runs[c.kind]
                ratio = run.final_loss(lab_claims.LOSS_WINDOW) / run.baseline
                assert c.ratio == pytest.approx(ratio) and f"{ratio:.2g}× the baseline" in en
                solved = float(np.mean(run.metric[-lab_claims.LOSS_WINDOW :]))
                learned = ratio <= lab_claims.LEARNED and solved >= lab_claims.SOLVED  # issue 16: both, not loss alone
                assert ("not learned" in en) == (ratio >= lab_claims.AT_BASELINE)
                assert ("has **learned**" in en) == learned
                assert ("**partly**" in en) == (ratio < lab_claims.AT_BASELINE and not learned)
                seen.add(c.verdict)
            elif isinstance(c, lab_claims.ReachClaim):
                flow = np.asarray(runs[c.kind].flow)
                assert (c.start, c.end) == (lab.reach(flow[0]), lab.reach(flow[-1]))
                assert f"for {claim_registry.steps(c.end)} back" in en and f"against {c.start} at step 0" in en
                assert ("further" in en) == (c.end > c.start) and ("less far" in en) == (c.end < c.start)
                assert ("whole sequence" in en) == (c.end == s.T - 1)
            elif isinstance(c, lab_claims.StoryClaim):
                words = {k: lab_claims.verdict(lab_claims.loss_ratio(r), r.status, lab_claims.solved(r))
                         for k, r in runs.items()}  # fmt: skip
                assert c.verdicts == words
                assert ("does not hold" in en) == (
                    not (words["rnn"] == "baseline" and words["lstm"] == words["gru"] == "learned")
                )
        assert sum(isinstance(c, lab_claims.StoryClaim) for c in claims) == 1
        assert not any(isinstance(c, lab_claims.StoryClaim) for c in lab_claims.lab_claims(runs, complete=False))
        assert check_all(claims, checkers_lab.LabContext(runs, True)) == 2 * len(claims)
    assert len(seen) >= 2  # the runs exercise more than one verdict


# ------------------------------------------------------------------------------- the claims over many runs
def synthetic_run(rng: np.random.Generator, kind: str) -> rc.TrainingRun:
    """A TrainingRun from literal random arrays: any length, loss level, metric, flow (with zeros), status."""
    steps = int(rng.integers(1, 120))
    done = int(rng.choice([0, steps, int(rng.integers(0, steps + 1))]))
    level = 10 ** rng.uniform(-3, 0.5) / 6
    loss = level * rng.uniform(0.5, 1.5, done)
    metric = np.clip(rng.choice([rng.uniform(0, 1), 0.95, 0.475, 0.08]) + rng.normal(0, 0.05, done), 0, 1)
    status = "done" if done == steps else "running"
    if done and rng.random() < 0.08:
        loss[-1], status = np.nan, "diverged"
    T = int(rng.integers(2, 25))
    C = int(rng.integers(1, 6))
    flow = rng.normal(0, 2, (C, T)).cumsum(axis=1)
    flow[rng.random((C, T)) < 0.05] = -np.inf  # exact zeros
    if rng.random() < 0.1:
        flow[:, -1] = -np.inf  # nothing at the loss
    # ρ of each gate block per checkpoint, the LSTM's memory cell, and the settings the readings look at
    rho = np.abs(rng.normal(1.0, 0.5, (C, {"rnn": 1, "lstm": 4, "gru": 3}[kind])))
    flow_c = None
    if kind == "lstm" and rng.random() < 0.8:
        flow_c = flow + rng.normal(0, 1, (C, T)).cumsum(axis=1)
        flow_c[rng.random((C, T)) < 0.05] = -np.inf
    settings = {"weight_decay": float(rng.choice([0.0, 1e-4, 1e-2])), "optimizer": str(rng.choice(["adam", "sgd"])),
                "lr": float(rng.choice([0.002, 0.02])), "nonlinearity": str(rng.choice(["tanh", "relu"])),
                "scheme": str(rng.choice(["pytorch", "identity"]))} if rng.random() < 0.7 else {}  # fmt: skip
    return rc.TrainingRun(
        kind=kind, task="adding", settings=settings, steps=steps, steps_done=done, loss=loss, metric=metric,
        grad_norm=np.ones(done), metric_name="accuracy", baseline=1 / 6, chance_metric=0.0784,
        checkpoints=np.arange(C) * max(1, done // max(C, 1)), flow=flow, probe_loss=np.zeros(C), initial={},
        final={}, seconds=0.01, status=status, rho=rho, flow_c=flow_c,
    )  # fmt: skip


def test_no_lab_claim_contradicts_its_run_over_300_synthetic_runs():
    rng = np.random.default_rng(16)
    seen: set[str] = set()
    for _ in range(300):
        kinds = lab.KINDS if rng.random() < 0.8 else tuple(rng.choice(lab.KINDS, int(rng.integers(1, 3)), False))
        runs = {str(k): synthetic_run(rng, str(k)) for k in kinds}
        complete = bool(rng.random() < 0.7)
        claims = lab_claims.lab_claims(runs, complete)
        assert check_all(claims, checkers_lab.LabContext(runs, complete)) == 2 * len(claims)
        seen |= {c.verdict for c in claims if isinstance(c, lab_claims.LossClaim)}
        seen |= {"story"} if any(isinstance(c, lab_claims.StoryClaim) for c in claims) else set()
    assert seen >= {"learned", "partly", "baseline", "diverged", "empty", "story"}


def test_no_lab_claim_contradicts_its_runs_and_their_references_over_300_synthetic_runs():
    """Weight decay against the same run at weight decay 0, the IRNN against the tanh RNN, the LSTM's memory cell:
    finished and unfinished references, any numbers."""
    rng = np.random.default_rng(17)
    seen: set[str] = set()
    for _ in range(300):
        runs = {k: synthetic_run(rng, k) for k in lab.KINDS}
        refs: dict[str, dict[str, rc.TrainingRun]] = {"decay": {}, "tanh": {}}
        for k, run in runs.items():
            if run.settings.get("weight_decay", 0) > 0 and rng.random() < 0.85:
                refs["decay"][k] = replace(synthetic_run(rng, k), settings={**run.settings, "weight_decay": 0.0})
        rnn = runs["rnn"]
        if rnn.settings.get("nonlinearity") == "relu" and rng.random() < 0.85:
            tanh = {**rnn.settings, "nonlinearity": "tanh", "scheme": "pytorch"}
            refs["tanh"]["rnn"] = replace(synthetic_run(rng, "rnn"), settings=tanh)
        complete = bool(rng.random() < 0.7)
        claims = lab_claims.lab_claims(runs, complete, refs)
        assert check_all(claims, checkers_lab.LabContext(runs, complete, refs)) == 2 * len(claims)
        for c in claims:
            if isinstance(c, lab_claims.DecayClaim):
                seen.add("decay, compared" if c.ref is not None else "decay, alone")
            elif isinstance(c, lab_claims.IrnnClaim):
                seen.add("irnn, compared" if c.tanh_ratio is not None else "irnn, alone")
            elif isinstance(c, lab_claims.ReachClaim) and c.cell_end is not None:
                seen.add("cell")
    assert seen >= {"decay, compared", "decay, alone", "irnn, compared", "irnn, alone", "cell"}


def random_settings(rng: np.random.Generator) -> lab.LabSettings:
    T = int(rng.integers(5, 21))
    return lab.LabSettings(
        task=str(rng.choice(["adding", "first"])), T=T, H=int(rng.choice([4, 8])), batch=int(rng.choice([4, 8])),
        steps=int(rng.choice([50])), seed=int(rng.integers(0, 100)), clip=str(rng.choice(["none", "norm", "value"])),
        clip_at=float(rng.choice([0.05, 1.0, 10.0])), truncate=int(rng.choice([0, 1, T // 2, T])),
        optimizer=str(rng.choice(["adam", "sgd"])), lr=float(rng.choice([0.001, 0.05, 1.0])),
        weight_decay=float(rng.choice([0.0, 0.01])), forget_bias=float(rng.choice([-2.0, 0.0, 5.0])),
        update_bias=float(rng.choice([-2.0, 1.0])), scheme=str(rng.choice(["pytorch", "identity", "orthogonal"])),
        nonlinearity=str(rng.choice(["tanh", "relu"])), record_every=int(rng.choice([0, 7])),
    )  # fmt: skip


def test_no_lab_claim_contradicts_real_short_runs_with_every_option():
    rng = np.random.default_rng(7)
    for _ in range(12):
        s = random_settings(rng)
        runs = {}
        for kind in lab.KINDS:
            for snap in rc.train_iter(**s.train_kwargs(kind)):
                runs[kind] = snap
        claims = lab_claims.lab_claims(runs, True)
        assert check_all(claims, checkers_lab.LabContext(runs, True)) == 2 * len(claims)


def test_the_lstm_at_a_low_loss_with_half_the_batch_solved_has_not_learned():
    # issue 16: 0.019× the baseline with 47.5 % solved was called "learned"
    c = lab_claims.LossClaim("lstm", 0.019, 1000, "done", 0.475, 0.0784)
    en = c.render("en")
    assert c.verdict == "partly" and "**partly**" in en and "47.5% of the batch" in en and "0.019×" in en
    assert "mean of the last 50 steps" in en and "최근 50 스텝 평균" in c.render("ko")
    assert lab_claims.LossClaim("lstm", 0.019, 1000, "done", 0.95, 0.0784).verdict == "learned"


def test_the_loss_chart_and_the_verdict_use_one_window():
    run = fake_run("rnn", 80, steps=80, loss=np.linspace(1.0, 0.2, 80))
    curves = lab.curves_frame({"rnn": run})
    assert lab.WINDOW == lab_claims.LOSS_WINDOW == 50
    assert curves["loss_smooth"].iloc[-1] == pytest.approx(run.final_loss(lab_claims.LOSS_WINDOW))


def test_the_baseline_is_drawn_on_top_and_apart_from_the_curves():
    from charts import lab as lab_charts

    runs = {k: fake_run(k, 30, steps=30, loss=np.full(30, 1 / 6)) for k in lab.KINDS}  # every curve at the baseline
    fig = lab_charts.curve_chart(lab.curves_frame(runs), "loss_smooth", {}, "t", baseline=1 / 6,
                                 baseline_name="baseline", log_y=True, raw="loss")  # fmt: skip
    last = fig.data[-1]
    assert last.name == "baseline" and last.line.dash == "dash"
    colours = {t.line.color for t in fig.data[:-1]}
    assert last.line.color not in colours and last.line.width >= max(t.line.width for t in fig.data[:-1])


def test_the_heatmaps_time_axis_title_puts_where_the_loss_is_on_a_line_of_its_own():
    from charts import lab as lab_charts

    flow = lab.flow_frame(fake_run("rnn", 2, flow=[[-3.0, -1.0, 0.0], [-2.0, -1.0, 0.0]]))
    for x_title, shown in (("time step t (the loss at t = T − 1)", "time step t<br>(the loss at t = T − 1)"),
                           ("시각 t (손실은 t = T − 1)", "시각 t<br>(손실은 t = T − 1)"),
                           ("training step", "training step")):  # fmt: skip
        fig = lab_charts.flow_heatmap(flow, "flow", x_title=x_title)
        assert fig.layout.xaxis.title.text == shown
        assert fig.layout.meta["x_title"] == x_title  # one line again on a slide
    footed = lab_charts.flow_heatmap(flow, "flow", {"T": 3}, x_title="t (a)").layout.xaxis.title.text
    assert footed.startswith("t<br>(a)<br><span")  # the settings footer after it


def test_a_learning_curves_y_title_keeps_the_window_on_a_line_of_its_own():
    from charts import lab as lab_charts
    from charts.style import display_width

    curves = lab.curves_frame({"rnn": fake_run("rnn", 30, steps=30)})
    fig = lab_charts.curve_chart(curves, "metric", {}, "t", y_title="accuracy (|ŷ - y| < 0.04)",
                                 y_note="(mean of the last 50 steps)")  # fmt: skip
    assert fig.layout.yaxis.title.text == (
        "accuracy (|ŷ - y| < 0.04)<br><span style='font-size:12px'>(mean of the last 50 steps)</span>"
    )
    # a longer name wraps instead of running past the plot (about 300 px high) into the chart's title
    name = "fraction of the batch within 0.04 of the sum of the two marked values"
    fig = lab_charts.curve_chart(curves, "metric", {}, "t", y_title=name, y_note="(최근 50 스텝 평균)")
    lines = re.sub(r"<span[^>]*>|</span>", "", fig.layout.yaxis.title.text).split("<br>")
    assert " ".join(lines) == f"{name} (최근 50 스텝 평균)"
    assert len(lines) == 4 and max(map(display_width, lines)) <= 30


# ================================================================================================ downloads
@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_downloaded_weights_load_in_the_core_and_in_pytorch(small_runs, fmt):
    torch = pytest.importorskip("torch")
    s, runs = small_runs[0]
    for kind, module in (("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        run = runs[kind]
        data = lab.weights_bytes(run, fmt)
        layer = rc.load_weights(io.BytesIO(data))
        assert type(layer).__name__ == {"rnn": "RNNLayer", "lstm": "LSTMLayer", "gru": "GRULayer"}[kind]
        if fmt == "npz":
            with np.load(io.BytesIO(data)) as z:
                state = {k: z[k] for k in z.files}
        else:
            from safetensors.numpy import load

            state = load(data)
        assert set(state) == set(run.final)

        class Model(module):  # the layer's keys at the top and a readout "fc", as the run names them
            def __init__(self) -> None:
                super().__init__(2, s.H)
                self.fc = torch.nn.Linear(s.H, 1)

        model = Model().double()
        model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()}, strict=True)
        for key, value in run.final.items():
            np.testing.assert_array_equal(model.state_dict()[key].numpy(), value)
        # the loaded model predicts what the run's final weights predict
        x = np.random.default_rng(0).random((s.T, 3, 2))
        out, _ = model(torch.from_numpy(x))
        y = model.fc(out[-1]).detach().numpy()
        h = np.asarray(rc.forward(layer, x).hs)[-1]
        np.testing.assert_allclose(h @ run.final["fc.weight"].T + run.final["fc.bias"], y, rtol=1e-10, atol=1e-12)


# ================================================================================================ the page
def test_page_trains_a_tiny_run_through_the_app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lag": "6", "lab_H": "4", "lab_batch": "4", "lab_steps": "50", "lab_seed": "7"})
    at.run()
    at.switch_page("pages/lab.py").run()
    assert not at.exception
    assert at.info and "Train" in at.info[0].value
    settings = lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=7)
    try:
        at.button(key="lab_train").click().run()
        job = lab.SCHEDULER.find(settings)
        assert job is not None and job.wait(20)
        at.run()
        assert not at.exception
        assert at.success and "3 models × 50 steps, 150 in all" in at.success[0].value, at.success[0].value
        text = " ".join(m.value for m in at.markdown)
        assert "× the baseline" in text and "steps back" in text
        assert len(at.get("plotly_chart")) == 6
        assert_the_heatmaps_name_the_loss_on_their_axis(at, T=6)
        keys = {b.key for b in at.get("download_button")}
        assert {"weights_lstm_safetensors", "weights_gru_npz", "csv_loss", "html_reach"} <= keys
        assert at.query_params["lag"] == "6"
        at.query_params.clear()
        at.switch_page("pages/lab.py")
        at.session_state["lang"] = "ko"
        at.run()
        assert not at.exception and HANGUL.search(" ".join(m.value for m in at.markdown))
        assert_the_heatmaps_name_the_loss_on_their_axis(at, T=6)
    finally:
        lab.SCHEDULER.shutdown()


def assert_the_heatmaps_name_the_loss_on_their_axis(at: Any, T: int) -> None:
    """The three ‖∂L/∂h_t‖ heatmaps' x axes run t = 1 … T (the run's T columns, h_1 … h_T, numbered as the other
    pages number them) and their titles name the loss's t as the last one on the axis (they once said t = T over
    columns numbered 0 … T − 1)."""
    heatmaps = [f for f in map(json.loads, (c.proto.spec for c in at.get("plotly_chart")))
                if f["data"] and f["data"][0]["type"] == "heatmap"]  # fmt: skip
    assert len(heatmaps) == 3
    for fig in heatmaps:
        assert list(plotly_array(fig["data"][0]["x"])) == list(range(1, T + 1))
        assert assert_the_named_t_is_on_the_axis(fig, T) == T


def test_lab_without_a_run_fixes_the_address_bar_and_shows_its_link():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lag": "6", "lab_H": "abc"})
    at.run()
    at.switch_page("pages/lab.py").run()
    assert not at.exception and at.info and "Train" in at.info[0].value
    # the invalid H is not kept in the address bar (its default is left out); the valid lag stays
    assert "lab_H" not in at.query_params and at.query_params["lag"] == "6"
    links = [c.value for c in at.sidebar.caption if "Link to this view" in c.value]
    assert links and "lag=6" in links[0]


def test_a_repeated_parameter_keeps_its_underscore_in_the_notice():
    from explorer.shared.controls import parse_params

    _, notices = parse_params({"lab_update_bias": ["1", "2"]})
    assert any("`lab_update_bias` appears 2 times" in en and "`lab_update_bias`" in ko for en, ko in notices)
    _, notices = parse_params({"no_such_key": "1"})
    assert any("`no_such_key`" in en for en, _ in notices)


# ================================================================================================ comparisons, presets
def test_the_runs_a_reading_compares_with():
    s = lab.LabSettings(weight_decay=1e-3)
    assert lab.references(s) == {"decay": replace(s, weight_decay=0.0)}
    irnn = lab.LabSettings(nonlinearity="relu", scheme="identity", lr=0.002)
    tanh = lab.references(irnn)["tanh"]
    assert tanh.kinds == ("rnn",) and (tanh.nonlinearity, tanh.scheme) == ("tanh", "pytorch")
    assert replace(tanh, nonlinearity="relu", scheme="identity", kinds=lab.KINDS) == irnn  # all else the same
    assert lab.references(lab.LabSettings()) == {} and lab.references(lab.LabSettings(nonlinearity="relu")) == {}
    assert "kinds" not in tanh.caption()


def test_a_job_trains_only_its_kinds(sched):
    gate = Gate(steps=2, block=False)
    s = sched(iterate=gate)
    job = s.submit(lab.LabSettings(kinds=("rnn",)))
    assert job.wait(5)
    assert gate.started == ["rnn"] and set(job.view().runs) == {"rnn"} and job.view().steps_total == 1000


def test_no_lab_claim_contradicts_real_short_runs_and_their_references():
    seen: set[str] = set()
    for s in (
        lab.LabSettings(T=8, H=4, batch=8, steps=40, weight_decay=1e-2),
        lab.LabSettings(T=8, H=4, batch=8, steps=40, seed=3, nonlinearity="relu", scheme="identity", lr=0.002,
                        weight_decay=1e-3),
        lab.LabSettings(T=6, H=4, batch=4, steps=30, seed=5, task="first", weight_decay=1e-4, clip="none"),
    ):  # fmt: skip
        runs = {k: rc.train(**s.train_kwargs(k)) for k in s.kinds}
        refs = {name: {k: rc.train(**r.train_kwargs(k)) for k in r.kinds} for name, r in lab.references(s).items()}
        claims = lab_claims.lab_claims(runs, True, refs)
        assert check_all(claims, checkers_lab.LabContext(runs, True, refs)) == 2 * len(claims)
        for c in claims:
            if isinstance(c, lab_claims.DecayClaim):
                assert c.ref is not None
                seen.add("decay")
            elif isinstance(c, lab_claims.IrnnClaim):
                assert c.tanh_ratio is not None
                seen.add("irnn")
            elif isinstance(c, lab_claims.ReachClaim) and c.kind == "lstm":
                assert c.cell_end is not None
                seen.add("cell")
    assert seen == {"decay", "irnn", "cell"}


def test_the_irnn_preset_moves_only_valid_lab_controls():
    from explorer.lab import presets
    from explorer.shared.controls import specs

    spec = {c.key: c for c in specs(View)}
    values = presets.widget_values(presets.IRNN_PRESET)
    assert values == {"lab_act": "relu", "lab_init": "identity", "lr": "0.002", "lab_steps": 2000}
    for key, value in values.items():
        c = spec[key]
        assert (value in c.options) if c.options else (c.lo <= value <= c.hi)
    assert lab.is_irnn(lab.LabSettings(**presets.IRNN_PRESET))


def test_the_irnn_presets_record_trains_again_to_its_numbers():
    """The preset's text against its record, and two of the record's seeds trained again (IRNN and tanh RNN)."""
    from explorer.lab import presets

    record = presets.record()
    assert record, "explorer/lab/irnn_preset.json: run python -m benchmarks.irnn --record"
    claim = presets.PresetClaim(record)
    seeds = record["seeds"]
    assert check_all([claim], checkers_lab.PresetContext((seeds[0], seeds[-1]))) == 2


def test_the_irnn_presets_text_follows_any_record():
    from explorer.lab import presets

    rng = np.random.default_rng(3)
    base = presets.record()
    for _ in range(300):
        n = int(rng.integers(1, 6))

        def row(seed: int) -> dict[str, Any]:
            ratio = float(rng.choice([1.1, 0.95, 0.5, 0.05, 0.004]))
            solved = float(rng.choice([0.05, 0.5, 0.95]))
            verdict = "baseline" if ratio >= 0.9 else "learned" if ratio <= 0.1 and solved >= 0.9 else "partly"
            first = None if ratio > 0.1 and rng.random() < 0.7 else int(rng.integers(1, 2001))
            return {"seed": seed, "ratio": ratio, "solved": solved, "verdict": verdict, "first": first}

        seeds = sorted(int(v) for v in rng.choice(20, n, replace=False))
        record = {**base, "seeds": seeds, "irnn": [row(s) for s in seeds], "tanh": [row(s) for s in seeds]}
        claim = presets.PresetClaim(record)
        assert check_all([claim], checkers_lab.PresetContext()) == 2


def test_page_compares_weight_decay_with_the_same_run_at_zero_and_offers_the_irnn_preset():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    params = {"lag": "6", "lab_H": "4", "lab_batch": "4", "lab_steps": "50", "lab_seed": "8", "weight_decay": "1e-2"}
    at.query_params.update(params)
    at.run()
    at.switch_page("pages/lab.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "not [AdamW]" in captions and "IRNN preset" in captions
    settings = lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=8, weight_decay=0.01)
    try:
        at.button(key="lab_train").click().run()
        for s in (settings, replace(settings, weight_decay=0.0)):  # the run and, beside it, the same at λ = 0
            job = lab.SCHEDULER.find(s)
            assert job is not None and job.wait(30)
        at.run()
        assert not at.exception
        text = " ".join(m.value for m in at.markdown)
        assert "weight decay λ = 0.01" in text and "without weight decay (the same settings" in text
        assert "memory cell's ‖∂L/∂c_t‖" in text
        assert len(at.get("plotly_chart")) == 7  # the six of every run and ρ over training
        # one click moves the lab's controls to the IRNN preset (the rest stays as set)
        at.button(key="lab_irnn_preset").click().run()
        assert not at.exception
        assert (at.session_state["lab_act"], at.session_state["lab_init"]) == ("relu", "identity")
        assert (at.session_state["lr"], at.session_state["lab_steps"], at.session_state["lag"]) == ("0.002", 2000, 6)
    finally:
        lab.SCHEDULER.shutdown()


def test_the_reach_chart_draws_the_lstm_cell_and_the_rho_chart_the_run_compared_dotted():
    from charts import lab as lab_charts
    from charts.style import COLOURS

    flow = [[-4.0, -1.0, 0.0], [-1.0, -0.5, 0.0]]
    lstm = replace(fake_run("lstm", 2, flow=flow), flow_c=np.array([[-1.0, -1.0, 0.0], [-9.0, -0.5, 0.0]]),
                   rho=np.array([[0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]]))  # fmt: skip
    rnn = replace(fake_run("rnn", 2, flow=flow), rho=np.array([[0.6], [1.3]]))
    runs = {"rnn": rnn, "lstm": lstm}
    cell = lab.cell_reach_frame(runs)
    assert cell.to_dict("records") == [{"kind": "lstm", "step": 0, "reach": 2}, {"kind": "lstm", "step": 2, "reach": 1}]
    assert lab.cell_reach_frame({"rnn": rnn}).empty
    rho = lab.rho_frame(runs)
    assert rho["rho"].tolist() == [0.6, 1.3, 0.7, 1.1] and rho["block"].tolist() == ["W_hh"] * 2 + ["W_hg"] * 2
    fig = lab_charts.reach_chart(lab.reach_frame(runs), {"rnn": "RNN", "lstm": "LSTM"}, "t", cell=cell)
    traces = {t.name: t for t in fig.data}
    assert traces["LSTM: ‖∂L/∂c_t‖ (memory cell)"].line.color == COLOURS["cell"]
    assert list(traces["LSTM: ‖∂L/∂c_t‖ (memory cell)"].y) == [2, 1]
    ref = lab.rho_frame({"rnn": replace(rnn, rho=np.array([[0.6], [2.0]]))})
    fig = lab_charts.rho_chart(rho, {"rnn": "RNN", "lstm": "LSTM"}, "t", reference=ref, reference_name="λ = 0")
    traces = {t.name: t for t in fig.data}
    assert traces["RNN: ρ(W_hh)"].line.dash == "solid" and list(traces["RNN: ρ(W_hh)"].y) == [0.6, 1.3]
    assert traces["RNN: ρ(W_hh) (λ = 0)"].line.dash == "dot" and list(traces["RNN: ρ(W_hh) (λ = 0)"].y) == [0.6, 2.0]
    assert traces["LSTM: ρ(W_hg)"].line.color == COLOURS["lstm"] and "ρ = 1" in traces
