"""Your model: the gradient flow through the weights of a trained RNN/LSTM/GRU, next to a fresh init of its shape."""

import textwrap
from dataclasses import replace

import pandas as pd
import streamlit as st

import charts
from charts.model import gate_stats_chart, norm_heatmap
from charts.style import finite_range
from explorer.model import claims as model_claims
from explorer.model import data as model_view
from explorer.shared import ui
from explorer.shared.controls import ModelControls, specs
from explorer.theory import ui as notes_ui
from recurrent_core.io.weights import EXPORT_SNIPPET

ctx = ui.page_context("model")
tr, lang = ctx.tr, ctx.lang
K = 1 if lang == "ko" else 0
st.title(tr("Your model", "내 모델"))
st.markdown(tr(
    "Load the weights of a recurrent module (PyTorch's `nn.RNN`, `nn.LSTM`, `nn.GRU` or their cells, Keras "
    "`SimpleRNN`, `LSTM`, `GRU`, `Bidirectional`, ONNX `RNN`, `LSTM`, `GRU`; any number of layers, bidirectional or "
    "not) and see how ‖∂L/∂h_t‖ flows back through *these* weights, layer by layer, next to a freshly initialised "
    "model of the same shape (PyTorch's default init, gate biases 0) on the same inputs. The file is read safely "
    "(no pickle, nothing runs on load) and never leaves this server's memory; only the settings below go into the "
    "link.",
    "순환 모듈(PyTorch의 `nn.RNN`, `nn.LSTM`, `nn.GRU`와 그 셀, Keras의 `SimpleRNN`, `LSTM`, `GRU`, `Bidirectional`, "
    "ONNX의 `RNN`, `LSTM`, `GRU`; 층 수와 양방향 여부는 무관)의 가중치를 불러와 ‖∂L/∂h_t‖가 *이 가중치*를 따라 "
    "층마다 어떻게 거슬러 흐르는지, 같은 형상으로 새로 초기화한 모델(PyTorch 기본 초기화, 게이트 편향 0)과 같은 "
    "입력에서 나란히 봅니다. 파일은 안전하게 읽고(pickle 없음, 불러올 때 코드가 실행되지 않음) 이 서버의 메모리 "
    "밖으로 나가지 않습니다. 링크에는 아래 설정만 들어갑니다.",
))  # fmt: skip
notes_ui.in_the_notes(ctx, "model")  # h_0 = 0


SPEC = {c.name: c for c in specs(ModelControls)}
PREV_SOURCE = "_model_prev_source"
URL_KEYS = {c.key for c in specs(ModelControls)} - {"model_source"}


def number(name: str) -> int:
    """A whole-number page control as a number input (a slider over 2³¹ seeds or 4096 units is unusable)."""
    spec = SPEC[name]
    ui.seed_widget(spec)
    label, help_text = spec.text(lang)
    assert spec.lo is not None and spec.hi is not None
    return int(st.number_input(label, int(spec.lo), int(spec.hi), step=1, key=spec.key, help=help_text or None))


def open_examples_on_their_task() -> None:
    """An example opens on what it was trained on (the adding problem at its T): when it is chosen, and when the
    page is drawn afresh without a link's settings (a link's own values always win)."""
    ui.seed_widget(SPEC["source"])
    source = st.session_state[SPEC["source"].key]
    pending = st.session_state.get(ui.URL_PENDING_KEY, {})
    from_link = any(k in pending for k in URL_KEYS)
    fresh = SPEC["input"].key not in st.session_state
    if (
        source in model_view.EXAMPLE_TRAINING
        and not from_link
        and (source != st.session_state.get(PREV_SOURCE) or fresh)
    ):
        task, T = model_view.EXAMPLE_TRAINING[source]
        st.session_state[SPEC["input"].key] = task
        st.session_state[SPEC["T"].key] = T
    st.session_state[PREV_SOURCE] = source


open_examples_on_their_task()
source = ui.widget(SPEC["source"], lang)
data: bytes | None = None
file_name = ""
if source == "upload":
    up = st.file_uploader(tr("Weights file (.safetensors, .npz, .keras, .weights.h5, .h5/.hdf5, .onnx; up to 64 MB)",
                             "가중치 파일 (.safetensors, .npz, .keras, .weights.h5, .h5/.hdf5, .onnx, 최대 64 MB)"),
                          type=None, key="model_file")  # fmt: skip
    # any file is taken (type=None): one the page cannot read gets a sentence saying which formats it reads
    # (.safetensors, .npz, .keras, .weights.h5, .h5/.hdf5, .onnx) instead of the uploader's bare red icon, and a
    # .pt/.pth the two lines that convert it
    st.caption(tr(
        "From PyTorch: `from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')`. "
        "A `.pt` pickle is not opened: the page shows the two lines that convert it. Keras: `model.save('m.keras')` "
        "or `.weights.h5`; ONNX: `torch.onnx.export`.",
        "PyTorch에서: `from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')`. "
        "`.pt` pickle 파일은 열지 않고, 변환하는 두 줄을 보여 드립니다. Keras: `model.save('m.keras')` 또는 "
        "`.weights.h5`, ONNX: `torch.onnx.export`.",
    ))  # fmt: skip
    if up is not None:
        if up.size > model_view.MAX_FILE_BYTES:  # before reading its bytes
            st.error(tr(f"The file has {up.size:,} bytes, over the limit of {model_view.MAX_FILE_BYTES:,}.",
                        f"파일이 {up.size:,}바이트로 한도 {model_view.MAX_FILE_BYTES:,}바이트를 넘습니다."),
                     icon=":material/error:")  # fmt: skip
            st.stop()
        data, file_name = up.getvalue(), up.name
else:
    try:
        data, file_name = model_view.example_bytes(source)
    except OSError:
        st.error(tr("This example model is missing: run `python scripts/make_example_models.py`.",
                    "예제 모델 파일이 없습니다: `python scripts/make_example_models.py`를 실행하세요."))  # fmt: skip
        st.stop()
    st.caption(tr(
        "The examples are 1-layer LSTMs (H = 32) trained on the adding problem by `scripts/make_example_models.py` "
        "(NumPy, 1500 Adam steps each); `examples/README.md` gives how, and whether each learned (its final loss). "
        "Each opens on the input it was trained on: the adding problem at its T.",
        "예제는 `scripts/make_example_models.py`가 덧셈 문제(adding problem)로 학습한 1층 LSTM(H = 32)입니다 (NumPy, "
        "각각 Adam 1500단계). 만든 방법과 학습 여부(최종 손실)는 `examples/README.md`에 있습니다. 각 예제는 학습한 "
        "입력, 곧 그 길이 T의 덧셈 문제로 열립니다.",
    ))  # fmt: skip

prefix: str | None = None
mapping: dict[str, str] | None = None
kind = ""
fmt = ""
D = 0
arrays: dict[str, tuple[int, ...]] = {}
if data is not None:
    try:
        found = model_view.scan(data, file_name)
    except model_view.WeightsError as exc:
        st.error(exc.text[K], icon=":material/error:")
        if exc.convert:
            st.code(textwrap.dedent(EXPORT_SNIPPET), language="python")
        st.stop()
    arrays = model_view.arrays_in(data)
    if found.modules:
        st.dataframe(pd.DataFrame([{
            tr("module (prefix=)", "모듈 (prefix=)"): m.name or tr("(top level)", "(최상위)"),
            tr("kind", "종류"): m.kind.upper(), "D": m.D, "H": m.H, tr("layers", "층"): m.num_layers,
            tr("bidirectional", "양방향"): m.bidirectional, tr("format", "형식"): model_view.FORMAT_NAMES.get(m.fmt, m.fmt),
        } for m in found.modules]), hide_index=True)  # fmt: skip
        by_name = {m.name: m for m in found.modules}
        if len(found.modules) > 1:
            prefix = st.selectbox(tr("Module to analyse", "분석할 모듈"), list(by_name), key="model_module",
                                  format_func=lambda m: f"{m or tr('(top level)', '(최상위)')} · "
                                  f"{by_name[m].kind.upper()}, D = {by_name[m].D}, H = {by_name[m].H}")  # fmt: skip
        else:
            prefix = found.modules[0].name
        chosen = by_name[prefix]
        kind, fmt, D = chosen.kind, chosen.fmt, chosen.D
    else:
        st.info(tr(
            "No recurrent module under PyTorch's names in this file. Choose its arrays (PyTorch's layout and gate "
            "order: LSTM i, f, g, o; GRU r, z, n); the shapes are checked as you choose.",
            "이 파일에는 PyTorch 이름의 순환 모듈이 없습니다. 배열을 고르세요 (PyTorch의 배열 방식과 게이트 순서: LSTM "
            "i, f, g, o, GRU r, z, n). 고르는 대로 형상을 확인합니다.",
        ), icon=":material/tune:")  # fmt: skip
        two = [k for k, v in found.arrays.items() if len(v) == 2]
        one = ["", *(k for k, v in found.arrays.items() if len(v) == 1)]

        def guess(options: list[str], *hints: str) -> int:
            for i, o in enumerate(options):
                if o and any(h in o.lower() for h in hints):
                    return i
            return 0

        map_cols = st.columns(4)
        picks = {}
        for col, param, options, hints in (
            (map_cols[0], "weight_ih", two, ("ih", "kernel", "input")),
            (map_cols[1], "weight_hh", two, ("hh", "recurrent")),
            (map_cols[2], "bias_ih", one, ("b_ih", "bias_ih", "bias")),
            (map_cols[3], "bias_hh", one, ("b_hh", "bias_hh")),
        ):
            with col:
                picks[param] = st.selectbox(param, options, index=guess(options, *hints), key=f"model_map_{param}",
                                            format_func=lambda k: f"{k} {found.arrays[k]}" if k else tr("(none: 0)",
                                            "(없음: 0)"))  # fmt: skip
        mapping = {p: k for p, k in picks.items() if k}
        mapped, lines = model_view.mapping_report(found.arrays, mapping)
        report = "  \n".join(line[K] for line in lines)
        if mapped is None:
            st.warning(report, icon=":material/warning:")
            st.stop()
        st.success(report, icon=":material/check:")
        kind, fmt, D = mapped, "npz" if data[:2] == b"PK" else "safetensors", found.arrays[mapping["weight_ih"]][1]

if kind == "rnn":
    if fmt in ("safetensors", "npz"):
        ui.widget(SPEC["nonlinearity"], lang)
        st.caption(tr(
            "A PyTorch file does not say whether its `nn.RNN` used tanh or relu (the weights look the same): choose "
            "the one it was built with (`nonlinearity=`). The readings say which one is assumed.",
            "PyTorch 파일에는 `nn.RNN`이 tanh를 썼는지 relu를 썼는지 적혀 있지 않습니다 (가중치만으로는 알 수 없음). "
            "모델을 만들 때의 `nonlinearity=`를 고르세요. 해석에 어느 쪽을 가정했는지 적습니다.",
        ))  # fmt: skip
    else:
        st.caption(tr("This file states its RNN's activation: the page uses it.",
                      "이 파일에는 RNN의 활성화 함수가 적혀 있어 그대로 씁니다."))  # fmt: skip

st.subheader(tr("Input and loss", "입력과 손실"))
input_kind = ui.widget(SPEC["input"], lang)
input_data: bytes | None = None
input_name = ""
ids: tuple[int, ...] = ()
table = ""
id_problem = ""
cols = st.columns(3)
with cols[0]:
    if input_kind in ("random", "adding"):
        ui.widget(SPEC["T"], lang)
        ui.widget(SPEC["N"], lang)
    elif input_kind == "file":
        inp = st.file_uploader(tr("Input x: .npy of shape (T, D) or (T, N, D), or .csv with T rows of D numbers",
                                  "입력 x: 형상 (T, D) 또는 (T, N, D)인 .npy, 또는 T행 D열 숫자의 .csv"),
                               type=["npy", "csv"], key="model_input_file")  # fmt: skip
        if inp is not None:
            if inp.size > model_view.MAX_INPUT_BYTES:  # before reading its bytes
                id_problem = tr(f"The input file has {inp.size:,} bytes; at most {model_view.MAX_INPUT_BYTES:,} are read.",
                                f"입력 파일이 {inp.size:,}바이트입니다. 최대 {model_view.MAX_INPUT_BYTES:,}바이트까지 "
                                "읽습니다.")  # fmt: skip
            else:
                input_data, input_name = inp.getvalue(), inp.name
    else:
        if input_kind == "rows":
            tables = model_view.tables_for(arrays, D) if D else []
            if tables:
                table = st.selectbox(tr(f"Embedding table (rows of D = {D} values)", f"임베딩 표 (행마다 D = {D}개 값)"),
                                     tables, key="model_table",
                                     format_func=lambda k: f"{k} {arrays[k]}")  # fmt: skip
            elif data is not None:
                id_problem = tr(
                    f"No 2-D array in this file has rows of D = {D} values (tables are read from .safetensors and .npz "
                    "files): choose one-hot ids, or another input.",
                    f"이 파일에는 행마다 D = {D}개 값을 가진 2차원 배열이 없습니다 (표는 .safetensors와 .npz 파일에서 "
                    "읽습니다). 원-핫 id나 다른 입력을 고르세요.",
                )  # fmt: skip
        text = st.text_input(tr("Token ids, one per step (e.g. 3 17 5)", "토큰 id, 시각마다 하나 (예: 3 17 5)"),
                             "0 1 2 3", key="model_ids",
                             help=tr(f"One-hot: vectors of length D = {D}, ids 0 … {D - 1}." if D else "",
                                     f"원-핫: 길이 D = {D}인 벡터, id는 0 … {D - 1}." if D else ""))  # fmt: skip
        if not id_problem:
            try:
                ids = model_view.parse_ids(text)
            except model_view.InputError as exc:
                id_problem = str(exc)
with cols[1]:
    if input_kind == "random":
        ui.widget(SPEC["input_scale"], lang)
    number("seed")
with cols[2]:
    ui.widget(SPEC["loss"], lang)
    number("unit")
with st.expander(tr("More options", "추가 옵션")):
    ui.widget(SPEC["spectra"], lang)

if data is None:
    st.info(tr("Choose a weights file to analyse.", "분석할 가중치 파일을 고르세요."), icon=":material/upload:")
    st.stop()

if id_problem:
    st.error(id_problem, icon=":material/error:")
    st.stop()
if input_kind == "file" and input_data is None:
    st.info(tr("Upload an input file, or choose random or adding-problem inputs.",
               "입력 파일을 올리거나 무작위 입력 또는 덧셈 문제 입력을 고르세요."), icon=":material/upload:")  # fmt: skip
    st.stop()
own = ui.page_controls(ModelControls)
spec = replace(model_view.input_spec(own), ids=ids, table=table)
ui.waiting_notice(tr)
try:
    with st.spinner(tr("Forward and backward through the model and its fresh twin…",
                       "모델과 새로 초기화한 모델의 순전파·역전파 계산 중…")):  # fmt: skip
        info, result = model_view.compute(data, spec, None if mapping else prefix, own.nonlinearity, input_data,
                                          input_name, mapping, file_name)  # fmt: skip
except model_view.WeightsError as exc:
    st.error(exc.text[K], icon=":material/error:")
    st.stop()
except ValueError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

st.markdown(f"**{info.describe(lang)}** · T = {result.T}, N = {result.N}")
ui.show_notices(result.notices, lang)
caption = {"model": file_name, "T": result.T, "N": result.N, "loss": spec.loss,
           "unit": "all" if spec.unit < 0 else spec.unit, "seed": spec.seed}  # fmt: skip
caption["input"] = spec.kind
if spec.kind == "random":
    caption["input_scale"] = spec.scale
if spec.kind in ("rows", "onehot"):
    caption["ids"] = " ".join(map(str, spec.ids))[:80]
if spec.kind == "rows":
    caption["table"] = spec.table


def stem(name: str) -> str:
    """Downloads are named from this page's settings, not the sidebar's."""
    return model_view.export_stem(name, file_name, spec, result.T, result.N)


x_col, x_title = ui.axis_titles(ctx, every=spec.loss == "every")  # the sidebar's orientation; this page's loss

# --- heatmaps: layer × time, the model and its fresh twin on one colour scale
st.subheader(tr("‖∂L/∂h_t‖ per layer and direction", "층·방향별 ‖∂L/∂h_t‖"))
both = result.model.heat["log10_norm"].tolist() + result.fresh.heat["log10_norm"].tolist()
row_name = {k: (k if lang != "ko" else model_view.label_ko(k)) for k in result.keys}
zr = finite_range(both)
left, right = st.columns(2)
for col, a, name, title in (
    (left, result.model, "model_heatmap", tr("This model", "이 모델")),
    (right, result.fresh, "fresh_heatmap", tr("Fresh init, same shape", "같은 형상, 새로 초기화")),
):
    with col:
        heat_title = tr(f"‖∂L/∂h_t‖: {title}", f"‖∂L/∂h_t‖: {title}")
        shown = a.heat.assign(layer_direction=a.heat["layer_direction"].map(row_name))
        fig = norm_heatmap(shown, [row_name[k] for k in result.keys], heat_title, caption, x=x_col,
                           x_title=x_title, y_title=tr("layer · direction", "층 · 방향"), zrange=zr)  # fmt: skip
        ui.chart_with_exports(fig, a.heat, name, ctx, heat_title, caption, stem=stem(name))

# --- the curves
curves, infos = model_view.side_by_side(result, "dh")
title = tr("‖∂L/∂h_t‖: this model (solid) and a fresh init (dotted)",
           "‖∂L/∂h_t‖: 이 모델(실선)과 새로 초기화한 모델(점선)")  # fmt: skip
fig = charts.norm_chart(curves, ui.curve_info(infos, lang), title, caption, x=x_col, x_title=x_title,
                        y_title=tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"))  # fmt: skip
table = curves.assign(curve=curves["curve"].map({c.id: c.label[0] for c in infos}))
ui.chart_with_exports(fig, table, "model_dh", ctx, title, caption, stem=stem("model_dh"))
if result.kind == "lstm":
    curves_c, infos_c = model_view.side_by_side(result, "dc")
    title_c = tr("‖∂L/∂c_t‖ (memory cell): this model (solid) and a fresh init (dotted)",
                 "‖∂L/∂c_t‖ (기억 셀): 이 모델(실선)과 새로 초기화한 모델(점선)")  # fmt: skip
    fig = charts.norm_chart(curves_c, ui.curve_info(infos_c, lang), title_c, caption, x=x_col, x_title=x_title,
                            y_title=tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"))  # fmt: skip
    table_c = curves_c.assign(curve=curves_c["curve"].map({c.id: c.label[0] for c in infos_c}))
    ui.chart_with_exports(fig, table_c, "model_dc", ctx, title_c, caption, stem=stem("model_dc"))
st.caption(tr(
    "For a reverse layer the gradient flows the other way in time: from t = 1 towards t = T. Every reading measures "
    "from the loss's end (t = T) towards t = 1, as the curves are drawn; a reverse layer's reading says so.",
    "역방향 층에서는 기울기가 시간의 반대 방향, 즉 t = 1에서 t = T 쪽으로 흐릅니다. 모든 해석은 그래프처럼 손실 쪽 "
    "끝(t = T)에서 t = 1 쪽으로 잽니다. 역방향 층의 해석에는 그렇게 적습니다.",
))  # fmt: skip

st.subheader(tr("What the plots say", "그래프 읽기"))
for line in model_claims.render(model_claims.model_claims(result, info), lang):
    st.markdown(f"- {line}")

# --- gates
gates, names, colour_keys = model_view.gate_series(result)
if not gates.empty:
    if result.kind == "lstm":
        gate = tr("forget gate f", "망각 게이트 f")
    elif result.formulation == "dlfs2":
        gate = tr("keep gate 1 − z (the book's z)", "이전 상태를 넘기는 비율 1 − z (책의 z)")
    else:
        gate = tr("keep gate z (PyTorch's)", "이전 상태를 넘기는 비율 z (PyTorch)")
    st.subheader(tr(f"The {gate} over time, against a fresh init", f"시각에 따른 {gate}: 새로 초기화한 모델과 비교"))
    st.caption(tr(
        "The fresh init is PyTorch's default (gate biases 0). A difference from it is what training *and* the "
        "initialisation did: a model initialised with an opened forget gate differs even before training. The gates "
        "are measured on the input chosen above, which may differ from the training data.",
        "새로 초기화한 모델은 PyTorch 기본값(게이트 편향 0)입니다. 그와의 차이는 학습*과* 초기화가 함께 만든 것입니다. "
        "망각 게이트를 열어 초기화한 모델은 학습 전에도 다릅니다. 게이트는 위에서 고른 입력에서 잰 값이며, 이 입력은 "
        "학습 데이터와 다를 수 있습니다.",
    ))  # fmt: skip
    g_title = tr(f"Mean {gate} over units (band: 10–90 % of units); dotted: fresh init",
                 f"유닛 평균 {gate} (띠: 유닛의 10–90 %), 점선: 새로 초기화")  # fmt: skip
    fig = gate_stats_chart(gates, {k: v[1 if lang == "ko" else 0] for k, v in names.items()},
                           colour_keys, g_title, caption,
                           x=x_col, x_title=x_title, y_title=gate,
                           band_suffix=tr(" (10–90 % of units)", " (유닛의 10–90 %)"))  # fmt: skip
    ui.chart_with_exports(fig, gates, "model_gates", ctx, g_title, caption, stem=stem("model_gates"))

# --- spectral facts
spectral_title = tr("Spectral facts of each W_hh block", "W_hh 블록별 스펙트럼 정보")
st.subheader(spectral_title)
spectral = model_view.spectral_table(result.model, result.fresh)
if spectral["rho_model"].isna().all():
    st.info(tr(f"With H = {info.H} the eigenvalues of every block take a while: turn on “Eigenvalues of every W_hh "
               "block” under More options.",
               f"H = {info.H}이면 모든 블록의 고윳값 계산에 시간이 걸립니다. 추가 옵션에서 “모든 W_hh 블록의 고윳값”을 "
               "켜세요."))  # fmt: skip
else:
    st.dataframe(spectral, hide_index=True, column_config={
        "layer_direction": tr("layer · direction", "층 · 방향"), "block": tr("gate block", "게이트 블록"),
        "rho_model": tr("ρ (model)", "ρ (이 모델)"), "rho_fresh": tr("ρ (fresh)", "ρ (새 초기화)"),
        "sigma_max_model": tr("σ_max (model)", "σ_max (이 모델)"), "sigma_max_fresh": tr("σ_max (fresh)", "σ_max (새 초기화)"),
    })  # fmt: skip
    st.download_button("⬇ CSV", data=charts.table_csv(spectral, caption, spectral_title),
                       file_name=f"{stem('model_spectral')}.csv", mime="text/csv", on_click="ignore", key="csv_model_spectral")  # fmt: skip
    st.caption(tr("ρ: spectral radius (the long-run rate of the linear chain through that block); σ_max: the largest "
                  "singular value (a bound on one step). Blocks in PyTorch's order: LSTM i, f, g, o; GRU r, z, n.",
                  "ρ: 스펙트럼 반경 (그 블록만 거듭 곱할 때의 장기 비율), σ_max: 최대 특잇값 (한 시각의 상한). 블록 순서는 "
                  "PyTorch와 같습니다: LSTM i, f, g, o, GRU r, z, n."))  # fmt: skip
