"""The plain-language readings under the charts, built from the computed numbers (pure, testable).

Every function takes ``lang`` ("en" or "ko"); the numbers are the same in both.
"""

from __future__ import annotations

import math

from charts import format_log10

from .data import KIND_LABELS, OPEN_GATE_BIAS, CompareResult, GateResult, KindSummary, RNNResult
from .i18n import pick
from .settings import Settings


def pct(log10_value: float) -> str:
    """A kept fraction given by its log10, as '40%' or '3.2e-14'."""
    if -2 <= log10_value <= 0:  # a fraction of what was there: say it in percent
        return f"{100 * 10.0**log10_value:.3g}%"
    return format_log10(log10_value)


def kind_sentence(sm: KindSummary, T: int, lang: str = "en") -> str:
    tr = pick(lang)
    name = KIND_LABELS[sm.kind]
    if sm.forward_overflow is not None:
        return tr(
            f"**{name}**: the forward pass itself overflowed at step {sm.forward_overflow} (relu with a "
            "recurrent gain above 1), so its gradients are undefined from there on.",
            f"**{name}**: 순전파 자체가 {sm.forward_overflow}단계에서 오버플로했습니다 (순환 이득이 1보다 큰 "
            "relu). 그 이후의 기울기는 정의되지 않습니다.",
        )
    kept = sm.log10_ratio
    if kept > 0.5:
        text = tr(
            f"**{name}**: the gradient *grows* {format_log10(kept)}× over {T - 1} steps back (exploding)",
            f"**{name}**: 기울기가 {T - 1}단계를 거슬러 올라가며 {format_log10(kept)}배로 *커집니다* (기울기 폭발)",
        )
        if sm.overflow64 is not None:
            text += tr(
                f"; a plain float64 computation overflows to inf at step {sm.overflow64}"
                f" (float32 at step {sm.overflow32}); the curve continues in the log domain",
                f". 보통의 float64 계산은 {sm.overflow64}단계에서 inf로 오버플로합니다"
                f" (float32는 {sm.overflow32}단계). 곡선은 로그 영역에서 계속 계산됩니다",
            )
        elif sm.overflow32 is not None:
            text += tr(
                f"; float32 would overflow at step {sm.overflow32}",
                f". float32였다면 {sm.overflow32}단계에서 오버플로합니다",
            )
        return text + "."
    if sm.steps_to_vanish is not None:
        return tr(
            f"**{name}**: falls below 10⁻⁶ of its start after {sm.steps_to_vanish} steps back; "
            f"at t = 0 it keeps {pct(kept)} of it.",
            f"**{name}**: {sm.steps_to_vanish}단계를 거슬러 올라가면 처음의 10⁻⁶ 아래로 떨어지고, "
            f"t = 0에서는 {pct(kept)}만 남습니다 (기울기 소실).",
        )
    return tr(
        f"**{name}**: at t = 0 it keeps {pct(kept)} of its value at the last step.",
        f"**{name}**: t = 0에서 마지막 단계 값의 {pct(kept)}를 유지합니다.",
    )


def compare_reading(r: CompareResult, s: Settings, lang: str = "en") -> list[str]:
    tr = pick(lang)
    if s.T < 2:
        return [
            tr(
                "With T = 1 there is no step to flow back through: raise **T**.",
                "T = 1이면 거슬러 올라갈 단계가 없습니다. **T**를 키워 보세요.",
            )
        ]
    lines = [kind_sentence(r.summaries[k], s.T, lang) for k in ("rnn", "lstm", "gru")]
    lines.append(
        tr(
            f"The LSTM's cell path alone (∏ f, no matrix) keeps {pct(r.cell_path_log10_kept)} over the sequence.",
            f"LSTM의 셀 경로만 따로 보면 (∏ f, 행렬 없음) 시퀀스 전체에서 {pct(r.cell_path_log10_kept)}를 유지합니다.",
        )
    )
    gated_vanish = [KIND_LABELS[k] for k in ("lstm", "gru") if r.summaries[k].log10_ratio < -6]
    if gated_vanish and r.open_summaries:
        opened_en = ", ".join(f"{KIND_LABELS[k]} keeps {pct(o.log10_ratio)}" for k, o in r.open_summaries.items())
        opened_ko = ", ".join(f"{KIND_LABELS[k]}는 {pct(o.log10_ratio)}" for k, o in r.open_summaries.items())
        lines.append(
            tr(
                f"**The point:** at these gate biases the {' and the '.join(gated_vanish)} vanish too — "
                f"gates near 0.5 multiply the gradient by about a half each step. Opened by "
                f"+{OPEN_GATE_BIAS:g} (dashed), the {opened_en}.",
                f"**핵심:** 이 게이트 편향에서는 {'와 '.join(gated_vanish)}도 기울기가 소실됩니다. 0.5 근처의 "
                f"게이트는 매 단계 기울기를 약 절반으로 줄이기 때문입니다. 편향을 +{OPEN_GATE_BIAS:g} 열면 "
                f"(점선) {opened_ko}를 유지합니다.",
            )
        )
    elif r.open_summaries:
        lines.append(
            tr(
                "The gated cells keep their gradient here: their keep gates are open enough "
                "(raise T or lower the gate biases to see them vanish).",
                "여기서는 게이트 셀들이 기울기를 유지합니다. 유지 게이트가 충분히 열려 있기 때문입니다 "
                "(T를 키우거나 게이트 편향을 낮추면 소실되는 것을 볼 수 있습니다).",
            )
        )
    return lines


def rnn_reading(r: RNNResult, s: Settings, lang: str = "en") -> list[str]:
    tr = pick(lang)
    f = r.facts
    lines = [
        tr(
            f"W_hh has spectral radius **ρ = {f.spectral_radius:.3g}** and largest singular value "
            f"**σ_max = {f.sigma_max:.3g}**.",
            f"W_hh의 스펙트럼 반경은 **ρ = {f.spectral_radius:.3g}**, 최대 특이값은 "
            f"**σ_max = {f.sigma_max:.3g}**입니다.",
        )
    ]
    if s.T >= 8 and math.isfinite(r.rate_matmul):
        lines.append(
            tr(
                f"Measured over the run, the W_hh-only chain changes by **×{r.rate_matmul:.3g} per step** — "
                f"it follows ρ, not σ_max (σ_max only bounds a single step, Pascanu et al.).",
                f"실제로 재 보면 W_hh만의 연쇄는 **단계마다 ×{r.rate_matmul:.3g}**씩 변합니다. σ_max가 아니라 "
                "ρ를 따릅니다 (σ_max는 한 단계의 상한일 뿐입니다, Pascanu 등).",
            )
        )
    if s.T >= 8 and math.isfinite(r.rate_full):
        lines.append(
            tr(
                f"The full BPTT changes by ×{r.rate_full:.3g} per step: the {s.act}' factor (≤ 1) "
                "makes it vanish faster than W_hh alone would.",
                f"전체 BPTT는 단계마다 ×{r.rate_full:.3g}씩 변합니다. {s.act}' 인자(≤ 1)가 W_hh만 있을 "
                "때보다 더 빨리 소실시킵니다.",
            )
        )
    if f.sigma_max < 1:
        lines.append(
            tr(
                "σ_max < 1/γ = 1: vanishing is guaranteed (Pascanu's sufficient condition).",
                "σ_max < 1/γ = 1: 기울기 소실이 보장됩니다 (Pascanu의 충분조건).",
            )
        )
    elif f.spectral_radius < 1:
        lines.append(
            tr(
                "σ_max > 1 yet ρ < 1: single steps may grow, but the long run still vanishes.",
                "σ_max > 1이지만 ρ < 1: 한 단계는 커질 수 있어도 길게 보면 결국 소실됩니다.",
            )
        )
    lines.append(kind_sentence(r.summary, s.T, lang))
    if r.matmul_overflow64 is not None:
        lines.append(
            tr(
                f"The W_hh-only chain overflows float64 at step {r.matmul_overflow64} "
                f"(float32 at {r.matmul_overflow32}); the log-domain values are exact past it.",
                f"W_hh만의 연쇄는 {r.matmul_overflow64}단계에서 float64를 넘칩니다 (float32는 "
                f"{r.matmul_overflow32}단계). 로그 영역 값은 그 너머에서도 정확합니다.",
            )
        )
    return lines


def gate_reading(r: GateResult, s: Settings, gate: str, lang: str = "en") -> list[str]:
    tr = pick(lang)
    path = tr("cell path", "셀 경로") if gate == "f" else tr("direct path", "직접 경로")
    steps = max(s.T - 1, 0)
    power = pct((s.T - 1) * _log10(r.gate_mean))
    return [
        tr(
            f"The mean {gate} over all steps and units is **{r.gate_mean:.3f}**; raised to the power "
            f"{steps} (the steps back) that is {power}.",
            f"모든 단계와 유닛에 대한 {gate}의 평균은 **{r.gate_mean:.3f}**이고, 거슬러 올라가는 단계 수 {steps}만큼 "
            f"거듭제곱하면 {power}입니다.",
        ),
        tr(
            f"The {path} alone keeps **{pct(r.path_log10_kept)}** from the last step to t = 0; "
            f"the full gradient keeps **{pct(r.full_log10_kept)}**.",
            f"{path}만으로는 마지막 단계에서 t = 0까지 **{pct(r.path_log10_kept)}**를 유지하고, "
            f"전체 기울기는 **{pct(r.full_log10_kept)}**를 유지합니다.",
        ),
        kind_sentence(r.summary, s.T, lang),
    ]


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 else -float("inf")
