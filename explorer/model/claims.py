"""The readings of the "Your model" page: typed claims computed from a ``ModelResult``, in English and Korean.

Each claim holds the numbers it speaks of and chooses its words from them, with ``explorer.shared.curves.Trend``'s
thresholds (vanishes when it keeps ≤ 1 %, explodes when it grows ≥ 100×; "keeps" below 1, "grows" above).
``tests/test_model_view.py`` checks over random small models that no rendered claim contradicts its numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..shared.claims import rate_text, ratio_text, ratio_value, relation
from ..shared.claims import render as render
from ..shared.controls import Text
from ..shared.curves import Trend
from ..shared.i18n import counted, josa, pick
from .data import ModelInfo, ModelResult, label_ko

# a gate mean this far from the fresh init's counts as opened / closed by training
GATE_SHIFT = 0.05


def layer_name(key: str) -> Text:
    """'layer 2 reverse' -> ('layer 2 reverse', '2층 역방향'): one 1-based numbering everywhere."""
    return key, label_ko(key)


@dataclass(frozen=True)
class LayerTrendClaim:
    """What ‖∂L/∂h_t‖ of one layer-direction does from where the gradient enters back to the far end."""

    name: Text
    trend: Trend
    fresh: bool = False
    reverse: bool = False  # a reverse direction: measured from the loss's end too, said so
    near: int = 0  # t at the loss's end of the measured part (the curve's last point), 0: not given
    far: int = 0  # t at its other end

    def render(self, lang: str) -> str:
        tr = pick(lang)
        t = self.trend
        who = tr(self.name[0], self.name[1])
        if self.fresh:
            who += tr(" at a fresh init", " (새로 초기화)")
        head = f"**{who}** {'‖∂L/∂c_t‖' if t.quantity == 'dc' else '‖∂L/∂h_t‖'}"
        if t.log10_ratio != t.log10_ratio or t.direction == "undefined":  # NaN: no gradient reaches this layer
            return tr(f"{head}: no gradient from this loss reaches it.", f"{head}: 이 손실의 기울기가 닿지 않습니다.")
        if t.steps == 0:
            return tr(
                f"{head}: the loss reaches it at one step only; nothing flows back through its recurrence.",
                f"{head}: 손실이 한 시각에만 닿고, 순환을 따라 거슬러 흐르는 기울기는 없습니다.",
            )
        if t.log10_ratio == -math.inf:  # exactly 0 at the far end (dead ReLU units, a gate shut exactly)
            where = f"t = {self.far}" if self.far else tr("the far end", "반대쪽 끝")
            return tr(
                f"{head} is exactly 0 at {where}, {counted(t.steps, 'step')} from the loss's end: nothing of it gets "
                "there.",
                f"{head}: 손실 쪽 끝에서 {t.steps} 시각 떨어진 {where}에서 정확히 0입니다. "
                "기울기가 전혀 닿지 않습니다.",
            )
        ratio = ratio_text(t.log10_ratio, lang)
        # a geometric mean over the steps: said as an average (one-off factors at the ends spread over the steps)
        rate_en = rate_text(t.log10_rate)
        rate_ko = f"{10.0**t.log10_rate:.3g}배"
        if self.reverse:
            # measured from the loss's end (t = T) like every curve on the page, not along this direction's flow
            text = tr(
                f"{head}, from t = {self.near} (the loss's end) to t = {self.far}, {counted(t.steps, 'step')}, {ratio} "
                f"({rate_en} per step on average; this direction's recurrence carries the gradient from "
                f"t = {self.far} towards t = {self.near})",
                f"{josa(head, '은/는')} 손실 쪽 끝 t = {self.near}에서 t = {self.far}까지 {t.steps} 시각 사이에 "
                f"{ratio} (시각마다 평균 {rate_ko}, 이 방향의 순환은 기울기를 t = {self.far}에서 "
                f"t = {self.near} 쪽으로 나릅니다)",
            )
        else:
            text = tr(
                f"{head}, {counted(t.steps, 'step')} back from where the gradient enters, {ratio} ({rate_en} per "
                "step on average)",
                f"{josa(head, '은/는')} 기울기가 들어오는 위치에서 {t.steps} 시각을 거슬러 가면 {ratio} "
                f"(시각마다 평균 {rate_ko})",
            )
        if t.direction == "vanishes":
            text += tr(": it **vanishes**", ". **기울기 소실**입니다")
        elif t.direction == "explodes":
            text += tr(": it **explodes**", ". **기울기 폭발**입니다")
        return text + "."


@dataclass(frozen=True)
class GateShiftClaim:
    """A layer-direction's keep gate (LSTM f, GRU keep gate) in the model against the fresh init's."""

    name: Text
    symbol: str  # "f", "keep" (PyTorch's GRU: z) or "keep_dlfs2" (the book's GRU: 1 − z)
    trained: float
    fresh: float

    @property
    def shift(self) -> str:
        """ "opened", "closed" or "same" by the difference of the means (threshold GATE_SHIFT)."""
        d = self.trained - self.fresh
        if d >= GATE_SHIFT:
            return "opened"
        if d <= -GATE_SHIFT:
            return "closed"
        return "same"

    def render(self, lang: str) -> str:
        tr = pick(lang)
        gate = {
            "f": tr("forget gate f", "망각 게이트 f"),
            "keep": tr("keep gate (PyTorch's z)", "이전 상태를 그대로 넘기는 비율 (PyTorch의 z)"),
            "keep_dlfs2": tr("keep gate (the book's 1 − z)", "이전 상태를 그대로 넘기는 비율 (책의 1 − z)"),
        }[self.symbol]
        who = tr(self.name[0], self.name[1])
        a, b = f"{self.trained:.3f}", f"{self.fresh:.3f}"
        text = tr(
            f"In {who} the {gate} averages **{a}** here against {b} at a fresh init",
            f"{who}의 {gate} 평균은 **{a}**, 새로 초기화한 모델에서는 {b}입니다",
        )
        if self.shift == "opened":
            return text + tr(": these weights keep more of the old state (the gate is more open).",
                             ". 이 가중치는 이전 상태를 더 많이 유지합니다 (게이트가 더 열려 있습니다).")  # fmt: skip
        if self.shift == "closed":
            return text + tr(": these weights forget faster (the gate is more closed).",
                             ". 이 가중치는 더 빨리 잊습니다 (게이트가 더 닫혀 있습니다).")  # fmt: skip
        return text + tr(": about the same.", ". 거의 같습니다.")


@dataclass(frozen=True)
class TwinClaim:
    """Which keeps more of its gradient over the same steps: the model or its fresh twin; for an LSTM, its memory
    cell's ‖∂L/∂c_t‖ too (an LSTM is judged by its cell wherever a reading says whether it keeps its gradient)."""

    name: Text
    model_log10: float
    fresh_log10: float
    cell: tuple[float, float] | None = None  # (model, fresh) log10 ratios of ‖∂L/∂c_t‖ over the same steps

    @property
    def relation(self) -> str:
        return relation(self.model_log10, self.fresh_log10)

    def render(self, lang: str) -> str:
        tr = pick(lang)
        who = tr(self.name[0], self.name[1])
        text = _twin_text(who, "‖∂L/∂h_t‖", self.model_log10, self.fresh_log10, lang)
        if self.cell is not None:  # one sentence in English ("…; its memory cell's …"), two in Korean
            text = tr(text[:-1] + "; ", text + " ") + _twin_text(who, "‖∂L/∂c_t‖", *self.cell, lang, cell=True)
        return text


def _twin_text(who: str, quantity: str, m_log10: float, f_log10: float, lang: str, cell: bool = False) -> str:
    """One quantity of the model against its fresh twin: "keeps more/less" while both kept a share, "ends higher/
    lower" once one grew (never "keeps" above 1), "the same share" when the printed ratios agree."""
    tr = pick(lang)
    m, f = ratio_value(m_log10), ratio_value(f_log10)
    rel = relation(m_log10, f_log10)
    subject = tr(f"its memory cell's {quantity}", f"기억 셀의 {quantity}") if cell else ""
    if rel == "same":
        if cell:
            return tr(f"{subject}: the same share in both ({m}).", f"{subject}는 두 모델이 같은 비율({m})입니다.")
        return tr(
            f"In {who} the model and the fresh init keep the same share ({m}).",
            f"{who}에서 이 모델과 새로 초기화한 모델이 같은 비율({m})을 간직합니다.",
        )
    if m_log10 <= 0 and f_log10 <= 0:
        word = tr("more", "더 많이") if rel == "more" else tr("less", "더 적게")
        if cell:
            return tr(
                f"{subject} keeps {word} here: {m} against {f}.",
                f"{subject}는 기울기를 {word} 간직합니다: {m} 대 {f}.",
            )
        return tr(
            f"In {who} these weights keep {word} of the gradient than a fresh init: {m} against {f}.",
            f"{who}에서 이 가중치는 새로 초기화한 모델보다 기울기를 {word} 간직합니다: {m} 대 {f}.",
        )
    word = tr("higher", "더 큽니다") if rel == "more" else tr("lower", "더 작습니다")
    if cell:
        return tr(f"{subject} ends {word} here: {m} against {f}.", f"{subject}는 여기서 {word}: {m} 대 {f}.")
    return tr(
        f"In {who} {quantity} ends {word} with these weights than at a fresh init, each against its value where the "
        f"gradient enters: {m} against {f}.",
        f"{who}에서 이 가중치의 {quantity}는 새로 초기화한 모델보다 {word}. 기울기가 들어오는 곳의 값에 대한 비율로 "
        f"{m} 대 {f}.",
    )


@dataclass(frozen=True)
class ActivationClaim:
    """Which nonlinearity an RNN is analysed with, and where it comes from: a PyTorch file cannot say (the page's
    choice is assumed), a Keras or ONNX file states it."""

    activation: str
    stated: bool  # True: the file states it

    def render(self, lang: str) -> str:
        tr = pick(lang)
        other = "relu" if self.activation == "tanh" else "tanh"
        if self.stated:
            return tr(
                f"The file states this RNN's activation: **{self.activation}**, used here.",
                f"파일에 이 RNN의 활성화 함수가 {josa(f'**{self.activation}**', '으로/로')} 적혀 있어 그대로 씁니다.",
            )
        return tr(
            f"This RNN is analysed with **{self.activation}**, assumed: a PyTorch file does not say which activation "
            f'its nn.RNN used. If it was built with nonlinearity="{other}", choose {other} above.',
            f"이 RNN은 활성화 함수를 {josa(f'**{self.activation}**', '으로/로')} 가정해 분석합니다. PyTorch 파일에는 "
            f'nn.RNN의 활성화 함수가 적혀 있지 않습니다. nonlinearity="{other}"로 만든 모델이면 위에서 '
            f"{josa(other, '을/를')} 고르세요.",
        )


ModelClaim = LayerTrendClaim | GateShiftClaim | TwinClaim | ActivationClaim


def model_claims(r: ModelResult, info: ModelInfo | None = None) -> list[ModelClaim]:
    out: list[ModelClaim] = []
    if info is not None and info.kind == "rnn" and info.activation:
        out.append(ActivationClaim(info.activation, info.activation_stated))
    symbol = "f" if r.kind == "lstm" else "keep_dlfs2" if r.formulation == "dlfs2" else "keep"
    for key in r.keys:
        name = layer_name(key)
        tm, tf = r.model.flow.trends[f"{key}:dh"], r.fresh.flow.trends[f"{key}:dh"]
        rev = key.endswith("reverse")
        (a, b), (c, d) = r.model.spans[f"{key}:dh"], r.fresh.spans[f"{key}:dh"]
        out.append(LayerTrendClaim(name, tm, reverse=rev, near=b, far=a))
        out.append(LayerTrendClaim(name, tf, fresh=True, reverse=rev, near=d, far=c))
        if f"{key}:dc" in r.model.flow.trends:  # an LSTM is judged by its memory cell's gradient as well
            (e, g) = r.model.spans[f"{key}:dc"]
            out.append(LayerTrendClaim(name, r.model.flow.trends[f"{key}:dc"], reverse=rev, near=g, far=e))
        if tm.steps > 0 and tm.steps == tf.steps and all(math.isfinite(v) for v in (tm.log10_ratio, tf.log10_ratio)):
            cm, cf = r.model.flow.trends.get(f"{key}:dc"), r.fresh.flow.trends.get(f"{key}:dc")
            cell = None
            if (
                cm is not None
                and cf is not None
                and cm.steps == cf.steps > 0
                and math.isfinite(cm.log10_ratio + cf.log10_ratio)
            ):
                cell = (cm.log10_ratio, cf.log10_ratio)
            out.append(TwinClaim(name, tm.log10_ratio, tf.log10_ratio, cell))
        if key in r.model.gate_means and key in r.fresh.gate_means:
            out.append(GateShiftClaim(name, symbol, r.model.gate_means[key], r.fresh.gate_means[key]))
    return out
