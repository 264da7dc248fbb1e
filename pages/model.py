"""Your model: the gradient flow through the weights of a trained RNN/LSTM/GRU, next to a fresh init of its shape."""

import streamlit as st

import charts
from charts.model import gate_stats_chart, norm_heatmap
from charts.style import finite_range
from explorer.model import claims as model_claims
from explorer.model import data as model_view
from explorer.shared import ui
from explorer.shared.controls import ModelControls, specs

ctx = ui.page_context("model")
tr, lang = ctx.tr, ctx.lang
st.title(tr("Your model", "내 모델"))
st.markdown(tr(
    "Load the weights of a recurrent module (PyTorch's `nn.RNN`, `nn.LSTM`, `nn.GRU`, any number of layers, "
    "bidirectional or not) and see how ‖∂L/∂h_t‖ flows back through *these* weights, layer by layer, next to a "
    "freshly initialised model of the same shape (PyTorch's default init, gate biases 0) on the same inputs. "
    "The file is read safely (`.safetensors` or `.npz`; no pickle, nothing runs on load) and never leaves this "
    "server's memory; only the settings below go into the link.",
    "순환 모듈(PyTorch의 `nn.RNN`, `nn.LSTM`, `nn.GRU`, 층 수와 양방향 여부는 무관)의 가중치를 불러와 ‖∂L/∂h_t‖가 "
    "*이 가중치*를 따라 층마다 어떻게 거슬러 흐르는지, 같은 형상으로 새로 초기화한 모델(PyTorch 기본 초기화, 게이트 "
    "편향 0)과 같은 입력에서 나란히 봅니다. 파일은 안전하게 읽고(`.safetensors` 또는 `.npz`, pickle 없음, 불러올 때 "
    "코드가 실행되지 않음) 이 서버의 메모리 밖으로 나가지 않습니다. 링크에는 아래 설정만 들어갑니다.",
))  # fmt: skip


SPEC = {c.name: c for c in specs(ModelControls)}


def number(name: str) -> int:
    """A whole-number page control as a number input (a slider over 2³¹ seeds or 4096 units is unusable)."""
    spec = SPEC[name]
    ui.seed_widget(spec)
    label, help_text = spec.text(lang)
    assert spec.lo is not None and spec.hi is not None
    return int(st.number_input(label, int(spec.lo), int(spec.hi), step=1, key=spec.key, help=help_text or None))


source = ui.widget(SPEC["source"], lang)
data: bytes | None = None
file_name = ""
if source == "upload":
    up = st.file_uploader(tr("Weights file (.safetensors or .npz, up to 64 MB)",
                             "가중치 파일 (.safetensors 또는 .npz, 최대 64 MB)"),
                          type=["safetensors", "npz"], key="model_file")  # fmt: skip
    st.caption(tr(
        "From PyTorch: `from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')`. "
        "A `.pt` pickle is refused: the message shows the two lines that convert it.",
        "PyTorch에서: `from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')`. "
        "`.pt` pickle 파일은 거부하며, 변환하는 두 줄을 메시지로 보여 드립니다.",
    ))  # fmt: skip
    if up is not None:
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
        "(NumPy, 1500 Adam steps each); `examples/README.md` gives how, and whether each learned (its final loss).",
        "예제는 `scripts/make_example_models.py`가 덧셈 문제(adding problem)로 학습한 1층 LSTM(H = 32)입니다 (NumPy, "
        "각각 Adam 1500단계). 만든 방법과 학습 여부(최종 손실)는 `examples/README.md`에 있습니다.",
    ))  # fmt: skip

prefix: str | None = None
if data is not None:
    try:
        modules = model_view.modules_in(data, file_name)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    if len(modules) > 1:
        prefix = st.selectbox(tr("Module", "모듈"), modules, key="model_module",
                              format_func=lambda m: m or tr("(top level)", "(최상위)"))  # fmt: skip
    elif modules:
        prefix = modules[0]

st.subheader(tr("Input and loss", "입력과 손실"))
input_kind = ui.widget(SPEC["input"], lang)
input_data: bytes | None = None
input_name = ""
cols = st.columns(3)
with cols[0]:
    if input_kind != "file":
        ui.widget(SPEC["T"], lang)
        ui.widget(SPEC["N"], lang)
    else:
        inp = st.file_uploader(tr("Input x: .npy of shape (T, D) or (T, N, D), or .csv with T rows of D numbers",
                                  "입력 x: 형상 (T, D) 또는 (T, N, D)인 .npy, 또는 T행 D열 숫자의 .csv"),
                               type=["npy", "csv"], key="model_input_file")  # fmt: skip
        if inp is not None:
            input_data, input_name = inp.getvalue(), inp.name
with cols[1]:
    if input_kind == "random":
        ui.widget(SPEC["input_scale"], lang)
    number("seed")
with cols[2]:
    ui.widget(SPEC["loss"], lang)
    number("unit")
with st.expander(tr("More options", "추가 옵션")):
    ui.widget(SPEC["nonlinearity"], lang)
    ui.widget(SPEC["spectra"], lang)

if data is None:
    st.info(tr("Choose a weights file to analyse.", "분석할 가중치 파일을 고르세요."), icon=":material/upload:")
    st.stop()

if input_kind == "file" and input_data is None:
    st.info(tr("Upload an input file, or choose random or adding-problem inputs.",
               "입력 파일을 올리거나 무작위 입력 또는 덧셈 문제 입력을 고르세요."), icon=":material/upload:")  # fmt: skip
    st.stop()
own = ui.page_controls(ModelControls)
spec = model_view.input_spec(own)
ui.waiting_notice(tr)
try:
    with st.spinner(tr("Forward and backward through the model and its fresh twin…",
                       "모델과 새로 초기화한 모델의 순전파·역전파 계산 중…")):  # fmt: skip
        info, result = model_view.compute(data, spec, prefix, own.nonlinearity, input_data,
                                          input_name)  # fmt: skip
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
x_col, x_title = ui.axis_titles(ctx)  # the sidebar's orientation, as on every norm chart

# --- heatmaps: layer × time, the model and its fresh twin on one colour scale
st.subheader(tr("‖∂L/∂h_t‖ per layer and direction", "층·방향별 ‖∂L/∂h_t‖"))
both = result.model.heat["log10_norm"].tolist() + result.fresh.heat["log10_norm"].tolist()
zr = finite_range(both)
left, right = st.columns(2)
for col, a, name, title in (
    (left, result.model, "model_heatmap", tr("This model", "이 모델")),
    (right, result.fresh, "fresh_heatmap", tr("Fresh init, same shape", "같은 형상, 새로 초기화")),
):
    with col:
        heat_title = tr(f"‖∂L/∂h_t‖: {title}", f"‖∂L/∂h_t‖: {title}")
        fig = norm_heatmap(a.heat, result.keys, heat_title, caption, x=x_col, x_title=x_title,
                           y_title=tr("layer · direction", "층 · 방향"), zrange=zr)  # fmt: skip
        ui.chart_with_exports(fig, a.heat, name, ctx, heat_title, caption)

# --- the curves
curves, infos = model_view.side_by_side(result, "dh")
title = tr("‖∂L/∂h_t‖: this model (solid) and a fresh init (dotted)",
           "‖∂L/∂h_t‖: 이 모델(실선)과 새로 초기화한 모델(점선)")  # fmt: skip
fig = charts.norm_chart(curves, ui.curve_info(infos, lang), title, caption, x=x_col, x_title=x_title,
                        y_title=tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"))  # fmt: skip
table = curves.assign(curve=curves["curve"].map({c.id: c.label[0] for c in infos}))
ui.chart_with_exports(fig, table, "model_dh", ctx, title, caption)
if result.kind == "lstm":
    curves_c, infos_c = model_view.side_by_side(result, "dc")
    title_c = tr("‖∂L/∂c_t‖ (memory cell): this model (solid) and a fresh init (dotted)",
                 "‖∂L/∂c_t‖ (기억 셀): 이 모델(실선)과 새로 초기화한 모델(점선)")  # fmt: skip
    fig = charts.norm_chart(curves_c, ui.curve_info(infos_c, lang), title_c, caption, x=x_col, x_title=x_title,
                            y_title=tr("gradient norm (log scale)", "기울기 노름 (로그 눈금)"))  # fmt: skip
    table_c = curves_c.assign(curve=curves_c["curve"].map({c.id: c.label[0] for c in infos_c}))
    ui.chart_with_exports(fig, table_c, "model_dc", ctx, title_c, caption)
st.caption(tr(
    "For a reverse layer the gradient flows the other way in time: from t = 1 towards t = T. Each layer's reading "
    "runs from where the gradient enters it back to its far end.",
    "역방향 층에서는 기울기가 시간의 반대 방향, 즉 t = 1에서 t = T 쪽으로 흐릅니다. 각 층의 해석은 기울기가 들어오는 "
    "위치에서 그 층의 반대쪽 끝까지입니다.",
))  # fmt: skip

st.subheader(tr("What the plots say", "그래프 읽기"))
for line in model_claims.render(model_claims.model_claims(result), lang):
    st.markdown(f"- {line}")

# --- gates
gates, names, colour_keys = model_view.gate_series(result)
if not gates.empty:
    gate = tr("forget gate f", "망각 게이트 f") if result.kind == "lstm" else tr("keep gate z", "유지 비율 z")
    st.subheader(tr(f"The {gate} over time, against a fresh init", f"시각에 따른 {gate}: 새로 초기화한 모델과 비교"))
    st.caption(tr(
        "The fresh init is PyTorch's default (gate biases 0). A difference from it is what training *and* the "
        "initialisation did: a model initialised with an opened forget gate differs even before training. The gates "
        "are measured on the input above (random N(0, scale²) unless you upload one), not on the training data.",
        "새로 초기화한 모델은 PyTorch 기본값(게이트 편향 0)입니다. 그와의 차이는 학습*과* 초기화가 함께 만든 것입니다. "
        "망각 게이트를 열어 초기화한 모델은 학습 전에도 다릅니다. 게이트는 학습 데이터가 아니라 위의 입력(입력을 "
        "올리지 않으면 무작위 N(0, 배율²))에서 잰 값입니다.",
    ))  # fmt: skip
    g_title = tr(f"Mean {gate} over units (band: 10–90 % of units); dotted: fresh init",
                 f"유닛 평균 {gate} (띠: 유닛의 10–90 %), 점선: 새로 초기화")  # fmt: skip
    fig = gate_stats_chart(gates, {k: v[1 if lang == "ko" else 0] for k, v in names.items()},
                           colour_keys, g_title, caption,
                           x=x_col, x_title=x_title, y_title=gate,
                           band_suffix=tr(" (10–90 % of units)", " (유닛의 10–90 %)"))  # fmt: skip
    ui.chart_with_exports(fig, gates, "model_gates", ctx, g_title, caption)

# --- spectral facts
st.subheader(tr("Spectral facts of each W_hh block", "W_hh 블록별 스펙트럼 정보"))
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
    st.download_button("⬇ CSV", data=charts.table_csv(spectral, caption, "Spectral facts of each W_hh block"),
                       file_name="model_spectral.csv", mime="text/csv", on_click="ignore", key="csv_model_spectral")  # fmt: skip
    st.caption(tr("ρ: spectral radius (the long-run rate of the linear chain through that block); σ_max: the largest "
                  "singular value (a bound on one step). Blocks in PyTorch's order: LSTM i, f, g, o; GRU r, z, n.",
                  "ρ: 스펙트럼 반경 (그 블록만 거듭 곱할 때의 장기 비율), σ_max: 최대 특잇값 (한 시각의 상한). 블록 순서는 "
                  "PyTorch와 같습니다: LSTM i, f, g, o, GRU r, z, n."))  # fmt: skip
