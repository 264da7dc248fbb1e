"""The plain-language readings under the charts, built from the computed numbers (pure, testable)."""
from __future__ import annotations

import math

from charts import format_log10

from .data import KIND_LABELS, OPEN_GATE_BIAS, CompareResult, GateResult, KindSummary, RNNResult
from .settings import Settings


def pct(log10_value: float) -> str:
    """A kept fraction given by its log10, as '40%' or '3.2e-14'."""
    if -2 <= log10_value <= 0:  # a fraction of what was there: say it in percent
        return f"{100 * 10.0 ** log10_value:.3g}%"
    return format_log10(log10_value)


def kind_sentence(sm: KindSummary, T: int) -> str:
    name = KIND_LABELS[sm.kind]
    if sm.forward_overflow is not None:
        return (f"**{name}**: the forward pass itself overflowed at step {sm.forward_overflow} (relu with a "
                "recurrent gain above 1), so its gradients are undefined from there on.")
    kept = sm.log10_ratio
    if kept > 0.5:
        text = f"**{name}**: the gradient *grows* {format_log10(kept)}× over {T - 1} steps back (exploding)"
        if sm.overflow64 is not None:
            text += (f"; a plain float64 computation overflows to inf at step {sm.overflow64}"
                     f" (float32 at step {sm.overflow32}); the curve continues in the log domain")
        elif sm.overflow32 is not None:
            text += f"; float32 would overflow at step {sm.overflow32}"
        return text + "."
    if sm.steps_to_vanish is not None:
        return (f"**{name}**: falls below 10⁻⁶ of its start after {sm.steps_to_vanish} steps back; "
                f"at t = 0 it keeps {pct(kept)} of it.")
    return f"**{name}**: at t = 0 it keeps {pct(kept)} of its value at the last step."


def compare_reading(r: CompareResult, s: Settings) -> list[str]:
    if s.T < 2:
        return ["With T = 1 there is no step to flow back through: raise **T**."]
    lines = [kind_sentence(r.summaries[k], s.T) for k in ("rnn", "lstm", "gru")]
    lines.append(f"The LSTM's cell path alone (∏ f, no matrix) keeps {pct(r.cell_path_log10_kept)} over the "
                 "sequence.")
    gated_vanish = [KIND_LABELS[k] for k in ("lstm", "gru") if r.summaries[k].log10_ratio < -6]
    if gated_vanish and r.open_summaries:
        opened = ", ".join(f"{KIND_LABELS[k]} keeps {pct(o.log10_ratio)}" for k, o in r.open_summaries.items())
        lines.append(f"**The point:** at these gate biases the {' and the '.join(gated_vanish)} vanish too — "
                     f"gates near 0.5 multiply the gradient by about a half each step. Opened by "
                     f"+{OPEN_GATE_BIAS:g} (dashed), the {opened}.")
    elif r.open_summaries:
        lines.append("The gated cells keep their gradient here: their keep gates are open enough "
                     "(raise T or lower the gate biases to see them vanish).")
    return lines


def rnn_reading(r: RNNResult, s: Settings) -> list[str]:
    f = r.facts
    lines = [f"W_hh has spectral radius **ρ = {f.spectral_radius:.3g}** and largest singular value "
             f"**σ_max = {f.sigma_max:.3g}**."]
    if s.T >= 8 and math.isfinite(r.rate_matmul):
        lines.append(f"Measured over the run, the W_hh-only chain changes by **×{r.rate_matmul:.3g} per step** — "
                     f"it follows ρ, not σ_max (σ_max only bounds a single step, Pascanu et al.).")
    if s.T >= 8 and math.isfinite(r.rate_full):
        lines.append(f"The full BPTT changes by ×{r.rate_full:.3g} per step: the {s.act}' factor (≤ 1) "
                     "makes it vanish faster than W_hh alone would.")
    if f.sigma_max < 1:
        lines.append("σ_max < 1/γ = 1: vanishing is guaranteed (Pascanu's sufficient condition).")
    elif f.spectral_radius < 1:
        lines.append("σ_max > 1 yet ρ < 1: single steps may grow, but the long run still vanishes.")
    lines.append(kind_sentence(r.summary, s.T))
    if r.matmul_overflow64 is not None:
        lines.append(f"The W_hh-only chain overflows float64 at step {r.matmul_overflow64} "
                     f"(float32 at {r.matmul_overflow32}); the log-domain values are exact past it.")
    return lines


def gate_reading(r: GateResult, s: Settings, gate: str) -> list[str]:
    path = "cell path" if gate == "f" else "direct path"
    return [
        f"The mean {gate} over all steps and units is **{r.gate_mean:.3f}**; raised to the power "
        f"{max(s.T - 1, 0)} (the steps back) that is "
        f"{pct((s.T - 1) * _log10(r.gate_mean))}.",
        f"The {path} alone keeps **{pct(r.path_log10_kept)}** from the last step to t = 0; "
        f"the full gradient keeps **{pct(r.full_log10_kept)}**.",
        kind_sentence(r.summary, s.T),
    ]


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 else -float("inf")
