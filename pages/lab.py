"""Training lab: the RNN, the LSTM and the GRU trained side by side on a long-lag task (wiring only: explorer/lab.py
runs and queues the trainings, explorer/lab_claims.py reads them, charts/lab.py draws them)."""

import re
import uuid

import numpy as np
import pandas as pd
import streamlit as st

import charts
from charts import lab as lab_charts
from explorer import compat
from explorer.lab import claims as lab_claims
from explorer.lab import presets
from explorer.lab import training as lab
from explorer.shared import ui
from explorer.shared.controls import LabControls, specs
from explorer.shared.i18n import counted
from explorer.shared.kinds import KIND_LABELS
from explorer.theory import ui as notes_ui

ctx = ui.page_context("lab")
tr, lang = ctx.tr, ctx.lang
FIRST_RUN = "_lab_watcher" not in st.session_state  # this session's first run of the lab
WATCHER = st.session_state.setdefault("_lab_watcher", uuid.uuid4().hex)
NAMES = KIND_LABELS
# Redraw a live run once a second: the latest checkpoint each time, while the page's own work (~0.1 s of the
# server's CPU per redraw) stays small beside the training it shares the process with
REDRAW_SECONDS = 1.0
RELATIVE_FLOOR = 12  # the heatmaps' colour scale ends at 10⁻¹² of the value at the loss
FLOOR = charts.power_of_ten(-RELATIVE_FLOOR)
W = lab.WINDOW  # one window: the curves' running mean and the readings' final loss and metric
LOST_RUN = ("This run was on a server that stopped; start it again.",
            "이 학습은 멈춘 서버에서 진행 중이었습니다. 다시 시작해 주세요.")  # fmt: skip
# While a run is live its panel marks the address bar (lab_run=1, kept by the full run's URL sync, removed when the
# run is over): a browser whose server died brings the mark to a new session on another replica.
LIVE_KEY = "lab_run"

st.title(
    tr("Training lab: does the gradient reach far enough to learn?", "학습 실험실: 기울기가 배울 만큼 멀리 닿을까?")
)
st.markdown(
    tr("The RNN, the LSTM and the GRU learn the same task from the same batches. In the **adding problem** the "
       "target is the sum of two values marked somewhere in a sequence of length **T**: to learn it, the gradient "
       "at the loss must reach back to the marked steps. Below: the loss against the trivial baseline (predicting "
       "the average), and **‖∂L/∂hₜ‖** at each checkpoint of training.",
       "RNN, LSTM, GRU가 같은 과제를 같은 배치로 배웁니다. **덧셈 문제**의 정답은 길이 **T**인 시퀀스 어딘가에 표시된 "
       "두 값의 합입니다. 이를 배우려면 손실 위치의 기울기가 표시된 시각까지 거슬러 닿아야 합니다. 아래는 자명한 "
       "기준선(평균 예측)과 비교한 손실, 그리고 학습 체크포인트마다의 기울기 노름 **‖∂L/∂hₜ‖** 값입니다.")
)  # fmt: skip


notes_ui.in_the_notes(ctx, "lab")  # h_0 = 0

SPEC = {c.name: c for c in specs(LabControls)}


def control(name: str) -> None:
    ui.widget(SPEC[name], lang)


with st.expander(tr("Settings of the run", "실행 설정"), expanded=True):
    left, middle, right = st.columns(3)
    with left:
        for name in ("task", "T", "H", "batch", "steps", "seed"):
            control(name)
    with middle:
        for name in ("clip", "clip_at", "truncate", "optimizer", "lr", "weight_decay"):
            control(name)
    with right:
        for name in ("forget_bias", "update_bias", "scheme", "nonlinearity"):
            control(name)
    st.caption(
        tr("The sidebar's controls belong to the other pages. The defaults were chosen by measurement "
           "(benchmarks/training_results.md): at T = 50 the tanh RNN stayed at the baseline in 5 of 5 seeds while "
           "the LSTM (forget bias +1) and the GRU (keep bias +1) got the loss below 0.2× the baseline in 5 of 5 "
           "within 1000 Adam steps (a loss alone: the readings below also ask for 90 % of the batch solved). Not "
           "every setting tells that story: the GRU also got there at bias 0, and on the first-symbol task the "
           "story did not hold. The readings below say what *this* run shows.",
           "사이드바의 설정은 다른 페이지용입니다. 기본값은 측정으로 골랐습니다 (benchmarks/training_results.md): "
           "T = 50에서 tanh RNN은 시드 5개 모두 기준선에 머물렀고, LSTM(망각 게이트 편향 +1)과 GRU(이전 상태를 넘기는 비율의 편향 +1)는 "
           "Adam 1000 스텝 안에 5개 모두 손실을 기준선의 0.2배 아래로 낮췄습니다 (손실만 본 기준이며, 아래 해석은 배치의 "
           "90% 이상을 맞히는지도 봅니다). 모든 설정이 이 이야기를 들려주지는 않습니다: GRU는 편향 0에서도 그랬고, "
           "첫 기호 과제에서는 이야기가 맞지 않았습니다. 아래 해석은 *이번* 실행이 보여 주는 것입니다.")
    )  # fmt: skip

    st.caption(
        tr("**Weight decay** here is L2: λ·w is added to the gradient before the optimizer's step, as "
           "[`torch.optim.Adam`'s `weight_decay`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html) "
           "does (coupled); not [AdamW](https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html), which "
           "shrinks the weights apart from the gradient. With λ > 0, **Train** also trains the same settings at λ = 0, "
           "so the readings can say what weight decay did to ρ(W_hh), to the reach and to the loss.",
           "여기서 **가중치 감소**는 L2입니다. 옵티마이저가 갱신하기 전에 기울기에 λ·w를 더합니다 "
           "([`torch.optim.Adam`의 `weight_decay`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)와 "
           "같은 결합 방식). 기울기와 따로 가중치를 줄이는 "
           "[AdamW](https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html)가 아닙니다. λ > 0이면 "
           "**학습 시작**이 같은 설정의 λ = 0 실행도 함께 학습하므로, 가중치 감소가 ρ(W_hh), 도달 거리, 손실에 무엇을 "
           "했는지 아래 해석이 비교해 줍니다.")
    )  # fmt: skip
    row = st.container(horizontal=True, gap="small")
    row.button(tr("IRNN preset (ReLU, W_hh = I, lr 0.002, 2000 steps)", "IRNN 설정 (ReLU, W_hh = I, 학습률 0.002, 2000 스텝)"),
               on_click=ui.set_controls, args=(presets.widget_values(presets.IRNN_PRESET),), key="lab_irnn_preset",
               icon=":material/tune:")  # fmt: skip
    row.button(tr("The lab's defaults", "실험실 기본값"), key="lab_defaults", icon=":material/restart_alt:",
               on_click=ui.set_controls, args=({c.key: c.default for c in SPEC.values()},))  # fmt: skip
    if presets.record():
        st.caption(presets.PresetClaim(presets.record()).render(lang))

settings = lab.LabSettings.from_view(ui.page_controls(LabControls))
compare = lab.references(settings)  # the runs the readings compare this one with, trained beside it
caption = settings.caption()
subtitle = settings.subtitle()
stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"T{settings.T}_H{settings.H}_seed{settings.seed}_{settings.task}")


def start() -> None:
    """The Train button's callback (runs before the page, so no rerun can lose the click): this run, then the runs
    its readings compare it with."""
    st.session_state["_lab_job"] = lab.SCHEDULER.submit(settings, WATCHER)
    for other in compare.values():
        lab.SCHEDULER.submit(other, WATCHER)


def find_references() -> dict[str, lab.Job]:
    """The comparison runs found (live or cached), by name ("decay", "tanh")."""
    found = {name: lab.SCHEDULER.find(other) for name, other in compare.items()}
    return {name: job for name, job in found.items() if job is not None}


def find() -> lab.Job | None:
    """The job for these settings: live or cached (shared), else this session's own stopped one."""
    own = st.session_state.get("_lab_job")
    return lab.SCHEDULER.find(settings) or (own if isinstance(own, lab.Job) and own.settings == settings else None)


job = find()
st.button(tr("Train", "학습 시작"), type="primary", key="lab_train", icon=":material/play_arrow:", on_click=start,
          disabled=job is not None and not job.view().finished and not job.stopping)  # fmt: skip
job = find()
# a new session whose browser showed a live run (the mark in its URL, or a redraw of the live panel this session
# never drew): the run's server stopped (a replica lost)
marked = FIRST_RUN and st.query_params.get(LIVE_KEY) == "1"
if (compat.take_revived() or marked) and job is None:
    st.warning(tr(LOST_RUN[0], LOST_RUN[1]), icon=":material/cloud_off:")
if (job is None or job.view().finished) and LIVE_KEY in st.query_params:
    del st.query_params[LIVE_KEY]  # no live run here: a reload must not call one lost
if job is None:
    # no st.stop(): app.py still writes the checked settings to the address bar and draws "Link to this view"
    st.info(tr("Press **Train**: the three models train in turn (about 10 s at the defaults). A run already "
               "trained with these settings is shown at once.",
               "**학습 시작**을 누르세요. 세 모델이 차례로 학습합니다 (기본값에서 약 10초). 같은 설정으로 이미 "
               "학습한 결과는 바로 보여 드립니다."))  # fmt: skip
references = find_references() if job is not None else {}
live_at_start = job is not None and not all(j.view().finished for j in (job, *references.values()))


def draw_charts(v: lab.JobView, final: bool, refs: dict[str, lab.JobView]) -> None:
    runs = v.runs
    if not runs:
        return
    first = next(iter(runs.values()))
    names = {k: NAMES[k] for k in runs}
    curves = lab.curves_frame(runs)
    step_title = tr("training step", "학습 스텝")
    window_note = tr(f"(mean of the last {W} steps)", f"(최근 {W} 스텝 평균)")  # under the y-axis titles

    def show(fig: object, table: object, name: str, title: str) -> None:
        if final:
            ui.chart_with_exports(fig, table, name, ctx, title, caption, stem=f"lab_{name}_{stem}")  # type: ignore[arg-type]
        else:
            st.plotly_chart(fig, key=f"live_{name}", theme=None, config={"displaylogo": False})

    loss_title = tr("Training loss and the baseline", "학습 손실과 기준선")
    fig = lab_charts.curve_chart(curves, "loss_smooth", names, loss_title, subtitle, baseline=first.baseline,
                                 baseline_name=tr("baseline: predict the average", "기준선: 평균 예측"),
                                 x_title=step_title, y_title=tr("loss", "손실"), y_note=window_note, log_y=True,
                                 raw="loss")  # fmt: skip
    left, right = st.columns(2)
    with left:
        show(fig, curves, "loss", loss_title)
    metric_title = tr("Fraction of the batch solved", "배치에서 맞힌 비율")
    smooth = curves.assign(metric_smooth=curves.groupby("kind")["metric"].transform(lambda m: m.rolling(W, 1).mean()))
    fig = lab_charts.curve_chart(smooth, "metric_smooth", names, metric_title, subtitle, baseline=first.chance_metric,
                                 baseline_name=tr("chance (the trivial model)", "우연 수준 (자명한 모델)"),
                                 x_title=step_title, y_title=tr(first.metric_name, first.metric_name.replace("accuracy", "정확도")),
                                 y_note=window_note)  # fmt: skip
    with right:
        show(fig, curves, "metric", metric_title)

    st.subheader(tr("The gradient at each checkpoint", "체크포인트마다의 기울기"))
    x, x_title = ui.axis_titles(ctx, every=False)  # the lab's t runs 1 … T, its loss at T (lab.flow_frame)
    st.caption(tr("Each row is one checkpoint of training; colour: ‖∂L/∂hₜ‖ over its value at the loss (t = T), "
                  f"on one scale for the three models, down to {FLOOR} (smaller values take its colour).",
                  "각 행은 학습 체크포인트 하나입니다. 색: 손실 위치(t = T) 값에 대한 ‖∂L/∂hₜ‖의 비율. 세 모델이 같은 "
                  f"색 척도를 쓰며, {FLOOR}보다 작은 값은 가장 어두운 색입니다."))  # fmt: skip
    frames = {kind: lab.flow_frame(run) for kind, run in runs.items()}
    rel = np.concatenate([f["log10_rel"].to_numpy() for f in frames.values()])
    rel = rel[np.isfinite(rel)]
    zrange = (max(float(rel.min()), -RELATIVE_FLOOR), max(float(rel.max()), 0.5)) if rel.size else None
    columns = st.columns(3)
    for column, (kind, frame) in zip(columns, frames.items(), strict=False):
        title = f"{NAMES[kind]}: ‖∂L/∂h_t‖"
        fig = lab_charts.flow_heatmap(frame, title, None, x=x, x_title=x_title, y_title=step_title, zrange=zrange,
                                      z="log10_rel", z_label=tr("÷ at the loss", "÷ 손실 위치 값"))  # fmt: skip
        with column:
            show(fig, frame, f"flow_{kind}", title)
    reach_title = tr("Reach: steps back while ‖∂L/∂h_t‖ stays above 10⁻³ of its value at the loss",
                     "도달 거리: ‖∂L/∂h_t‖가 손실 위치 값의 10⁻³ 이상인 거슬러 간 시각 수")  # fmt: skip
    cell = lab.cell_reach_frame(runs)
    fig = lab_charts.reach_chart(lab.reach_frame(runs), names, reach_title, subtitle, longest=settings.T - 1,
                                 longest_name=tr("T − 1 (the whole sequence)", "T − 1 (시퀀스 전체)"),
                                 x_title=step_title, y_title=tr("steps back", "거슬러 간 시각 수"), cell=cell,
                                 cell_name=tr("LSTM: ‖∂L/∂c_t‖ (memory cell)", "LSTM: ‖∂L/∂c_t‖ (기억 셀)"))  # fmt: skip
    reach_table = lab.reach_frame(runs).assign(curve="h")
    if len(cell):
        reach_table = pd.concat([reach_table, cell.assign(curve="c")], ignore_index=True)
    show(fig, reach_table, "reach", reach_title)
    if not compare:
        return
    # ρ over training, beside the run it is compared with (dotted): weight decay 0, or the tanh RNN beside an IRNN
    ref_name, ref_label = ("decay", tr("weight decay 0", "가중치 감소 0")) if "decay" in compare else (
        "tanh", tr("tanh RNN, PyTorch's init", "tanh RNN, PyTorch 초기화"))  # fmt: skip
    ref_view = refs.get(ref_name)
    ref_frame = lab.rho_frame(ref_view.runs) if ref_view is not None and ref_view.runs else None
    rho_title = tr("ρ of W_hh over training (LSTM: the block of g, W_hg; GRU: of n, W_hn)",
                   "학습 중 W_hh의 스펙트럼 반경 ρ (LSTM: g 블록 W_hg, GRU: n 블록 W_hn)")  # fmt: skip
    rho_table = lab.rho_frame(runs)
    fig = lab_charts.rho_chart(rho_table, names, rho_title, subtitle, reference=ref_frame, reference_name=ref_label,
                               x_title=step_title, y_title="ρ")  # fmt: skip
    if ref_frame is not None:
        rho_table = pd.concat([rho_table.assign(run="this"), ref_frame.assign(run=ref_name)], ignore_index=True)
    show(fig, rho_table, "rho", rho_title)


def draw_readings(v: lab.JobView, refs: dict[str, lab.JobView]) -> None:
    st.subheader(tr("What the run shows", "이번 실행이 보여 주는 것"))
    complete = v.state == "done"
    compared = {name: r.runs for name, r in refs.items()}
    for line in lab_claims.render(lab_claims.lab_claims(v.runs, complete, compared), lang):
        st.markdown(f"- {line}")


def draw_weights(v: lab.JobView) -> None:
    st.subheader(tr("Trained weights", "학습한 가중치"))
    st.caption(tr("PyTorch's names (weight_ih_l0 … and fc.weight, fc.bias): load them on the “Your model” page, or "
                  "in PyTorch with `nn.LSTM(2, H).load_state_dict(...)` for the layer's keys.",
                  "PyTorch의 이름(weight_ih_l0 …, fc.weight, fc.bias)입니다. “내 모델” 페이지에서 불러오거나, "
                  "PyTorch에서 층의 키를 `nn.LSTM(2, H).load_state_dict(...)`로 불러오세요."))  # fmt: skip
    row = st.container(horizontal=True, gap="small")
    for kind, run in v.runs.items():
        for fmt in ("safetensors", "npz"):
            row.download_button(f"⬇ {NAMES[kind]} .{fmt}", data=lambda r=run, f=fmt: lab.weights_bytes(r, f),
                                file_name=f"lab_{kind}_{stem}_step{run.steps_done}.{fmt}",
                                mime="application/octet-stream", on_click="ignore", key=f"weights_{kind}_{fmt}")  # fmt: skip


@st.fragment(run_every=REDRAW_SECONDS if live_at_start else None)
def panel() -> None:
    if job is None:
        return
    job.poll(WATCHER)
    v = job.view()
    refs = {}
    for name, other in references.items():
        other.poll(WATCHER)
        refs[name] = other.view()
    if live_at_start and v.finished and all(r.finished for r in refs.values()):
        st.rerun(scope="app")  # draw the final state once, with its downloads, and stop polling
    # the counts are over every model trained in turn: say so, beside the steps each one trains
    models = len(v.settings.kinds)
    each = tr(f"{counted(models, 'model')} × {counted(v.settings.steps, 'step')}",
              f"모델 {models}개 × {v.settings.steps} 스텝")  # fmt: skip
    if v.state == "queued":
        st.progress(0.0, text=tr(f"Waiting in line: position {v.position} (trainings run one at a time per core).",
                                 f"대기 중: {v.position}번째 (학습은 코어마다 하나씩 실행합니다)."))  # fmt: skip
    elif v.state == "running":
        current = NAMES.get(v.current or "", "")
        st.progress(v.fraction, text=tr(f"Training {current}: {v.steps_done} of {v.steps_total} steps in all ({each}), "
                                        f"{v.steps_per_second:.0f} steps/s",
                                        f"{current} 학습 중: 전체 {v.steps_total} 스텝({each}) 중 {v.steps_done} 스텝, "
                                        f"초당 {v.steps_per_second:.0f} 스텝"))  # fmt: skip
    elif v.state == "stopped":
        st.warning(tr(f"Stopped after {v.steps_done} of {v.steps_total} steps in all ({each}): what was trained is "
                      "kept.",
                      f"전체 {v.steps_total} 스텝({each}) 중 {v.steps_done} 스텝에서 멈췄습니다. 학습한 만큼은 남겨 "
                      "둡니다."),
                   icon=":material/stop_circle:")  # fmt: skip
    elif v.state == "failed":
        st.error(tr(f"The training failed: {v.error}", f"학습이 실패했습니다: {v.error}"), icon=":material/error:")
    else:
        st.success(tr(f"Done: {each}, {v.steps_total} in all, at {v.steps_per_second:.0f} steps/s.",
                      f"완료: {each}, 모두 {v.steps_total} 스텝, 초당 {v.steps_per_second:.0f} 스텝."),
                   icon=":material/check_circle:")  # fmt: skip
    for name, r in refs.items():
        if not r.finished:
            what = tr("the same settings at weight decay 0", "가중치 감소 0의 같은 설정") if name == "decay" else tr(
                "the tanh RNN beside the IRNN", "IRNN 옆의 tanh RNN")  # fmt: skip
            st.progress(r.fraction, text=tr(f"For comparison, {what}: {r.steps_done} of {r.steps_total} steps.",
                                            f"비교용 {what}: {r.steps_total} 스텝 중 {r.steps_done} 스텝."))  # fmt: skip
    everything = v.finished and all(r.finished for r in refs.values())
    if not v.finished and st.query_params.get(LIVE_KEY) != "1":
        st.query_params[LIVE_KEY] = "1"
    elif v.finished and LIVE_KEY in st.query_params:
        del st.query_params[LIVE_KEY]
    if not everything and st.button(tr("Stop", "멈춤"), key="lab_stop", icon=":material/stop:"):
        job.stop()
        for other in references.values():
            other.stop()
    if v.state == "queued":
        return  # nothing trained yet: only the place in line
    draw_charts(v, final=v.finished, refs=refs)
    if v.runs:
        draw_readings(v, refs)
        if v.finished:
            draw_weights(v)


if job is not None:
    panel()
